"""Build a vbaProject.bin (an OLE compound file, spec [MS-OVBA]) from VBA source text, on any OS.

ms-ovba supplies the records (PROJECT, dir, _VBA_PROJECT, PROJECTwm) and ms-cfb the OLE container. What we do
ourselves, and why:
- compress streams with our own `compression` (ms-ovba's compressor breaks long matches);
- write each module stream ourselves from text encoded as cp1252, the project code page (ms-ovba reads and
  writes files in the locale encoding and appends to `.new` files beside the sources);
- class modules (ms-ovba has no type for them): MODULETYPE 0x0022 in dir, `Class=` in PROJECT, and the
  stored source shaped as Excel stores it (seen in xlwings' own Excel-saved quickstart_standalone.xlsm);
- seed `random` (ms-ovba-crypto draws the CMG/DPB/GC salt from it) so builds are byte-identical;
- run in a private temporary folder, because ms-cfb writes scratch files into the current folder.

No p-code is written (_VBA_PROJECT version 0xFFFF): Office compiles the source on open, as it does for
xlwings' own quickstart workbooks.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from ms_cfb.Models.Directories.root_directory import RootDirectory
from ms_cfb.Models.Directories.storage_directory import StorageDirectory
from ms_cfb.Models.Directories.stream_directory import StreamDirectory
from ms_cfb.ole_file import OleFile
from ms_ovba.Models.Entities.doc_module import DocModule
from ms_ovba.Models.Entities.module_base import ModuleBase
from ms_ovba.Models.Entities.reference import Reference
from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
from ms_ovba.Models.Entities.std_module import StdModule
from ms_ovba.Models.Fields.libid_reference import LibidReference
from ms_ovba.vbaProject import VbaProject
from ms_ovba.Views.dirStream import DirStream
from ms_ovba.Views.project import Project
from ms_ovba.Views.project_view import ProjectView
from ms_ovba.Views.projectWm import ProjectWm

from xl_sakip.vba.compression import compress
from xl_sakip.vba.module import VbaModule, stored_text

CODEPAGE = "cp1252"  # ms-ovba writes PROJECTCODEPAGE 1252; module text must be in it
PROJECT_ID = "{5A4B1C2D-0E3F-4A5B-8C6D-7E8F9A0B1C2D}"  # fixed: the build must not vary
_SEED = 20231  # any constant: only determinism matters

# Document module of the workbook, stored as Excel stores it (codeName "ThisWorkbook" in workbook.xml).
_THIS_WORKBOOK = (
    'Attribute VB_Name = "ThisWorkbook"\n'
    'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\n'
    "Attribute VB_GlobalNameSpace = False\n"
    "Attribute VB_Creatable = False\n"
    "Attribute VB_PredeclaredId = True\n"
    "Attribute VB_Exposed = True\n"
    "Attribute VB_TemplateDerived = False\n"
    "Attribute VB_Customizable = True\n"
)
_cwd_lock = threading.Lock()


class _ClassModule(ModuleBase):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.type = "Class"  # PROJECT stream line "Class=Name"

    def pack(self, endien: str, cp_name: str) -> bytes:
        # dir MODULETYPE 0x0022 means "document or class module" ([MS-OVBA] 2.3.4.2.3.2.8); ms-ovba
        # writes it only for type "Document".
        self.type = "Document"
        try:
            return super().pack(endien, cp_name)
        finally:
            self.type = "Class"


def _encode(module_name: str, text: str) -> bytes:
    try:
        return text.encode(CODEPAGE)
    except UnicodeEncodeError as exc:
        line = text[: exc.start].count("\n") + 1
        raise ValueError(
            f"module {module_name}, line {line}: character {text[exc.start]!r} is not in "
            f"code page 1252, which the VBA project uses"
        ) from exc


def _references() -> list[Reference]:
    """stdole and the Office library (IRibbonControl lives there), as a new Excel workbook has them."""
    stdole = LibidReference(
        uuid.UUID("00020430-0000-0000-C000-000000000046"),
        "2.0",
        "0",
        "C:\\Windows\\System32\\stdole2.tlb",
        "OLE Automation",
    )
    office = LibidReference(
        uuid.UUID("2DF8D04C-5BFA-101B-BDE5-00AA0044DE52"),
        "2.0",
        "0",
        r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL",
        "Microsoft Office 16.0 Object Library",
    )
    return [
        Reference(ReferenceRegistered(stdole), "stdole"),
        Reference(ReferenceRegistered(office), "Office"),
    ]


@contextlib.contextmanager
def _private_cwd() -> Iterator[Path]:
    """A fresh temporary folder as the current folder; one build at a time, since cwd is process-wide."""
    with _cwd_lock, tempfile.TemporaryDirectory(prefix="xl-sakip-vba-") as tmp:
        old = os.getcwd()
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


@contextlib.contextmanager
def _seeded_random() -> Iterator[None]:
    state = random.getstate()
    random.seed(_SEED)
    try:
        yield
    finally:
        random.setstate(state)


def build_vba_project(modules: Sequence[VbaModule]) -> bytes:
    """The bytes of a vbaProject.bin holding ThisWorkbook and `modules` (in that order)."""
    names = [m.name for m in modules]
    if len(set(n.lower() for n in names)) != len(names) or "thisworkbook" in (n.lower() for n in names):
        raise ValueError(f"module names must be unique and not ThisWorkbook: {names}")

    project = VbaProject()
    project.project_id = PROJECT_ID
    project.add_attribute("VersionCompatible32", "393222000")
    project.include_projectwm()
    for ref in _references():
        project.add_reference(ref)

    this_workbook = DocModule("ThisWorkbook")
    entries: list[tuple[ModuleBase, bytes]] = [
        (this_workbook, _encode("ThisWorkbook", _THIS_WORKBOOK.replace("\n", "\r\n")))
    ]
    for m in modules:
        entity: ModuleBase = StdModule(m.name) if m.kind == "module" else _ClassModule(m.name)
        entries.append((entity, _encode(m.name, stored_text(m))))
    for entity, _ in entries:
        project.add_module(entity)

    with _private_cwd() as tmp, _seeded_random():
        storage = StorageDirectory("VBA")
        storage.set_created(project.default_date)
        storage.set_modified(project.default_date)
        for i, (entity, text) in enumerate(entries):
            path = tmp / f"module{i}.bin"
            path.write_bytes(entity.cache + compress(text))  # no p-code cache: offset 0, source follows
            storage.add_directory(StreamDirectory(entity.name, str(path)))
        streams = {
            "dir": compress(DirStream(project).to_bytes()),
            "_VBA_PROJECT": ProjectView(project).to_bytes(),
            "PROJECTwm": ProjectWm(project).to_bytes(),
            "PROJECT": Project(project).to_bytes(),
        }
        for name, data in streams.items():
            (tmp / f"{name}.stream").write_bytes(data)
        storage.add_directory(StreamDirectory("dir", str(tmp / "dir.stream")))
        storage.add_directory(StreamDirectory("_VBA_PROJECT", str(tmp / "_VBA_PROJECT.stream")))
        root = RootDirectory()
        root.set_modified(project.default_date)
        root.add_directory(storage)
        root.add_directory(StreamDirectory("PROJECTwm", str(tmp / "PROJECTwm.stream")))
        root.add_directory(StreamDirectory("PROJECT", str(tmp / "PROJECT.stream")))
        ole = OleFile()
        ole.root_directory = root
        ole.create_file(str(tmp / "vbaProject.bin"))
        return (tmp / "vbaProject.bin").read_bytes()
