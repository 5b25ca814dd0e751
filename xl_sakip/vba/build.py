"""The macro parts of the workbook, from text: our ribbon module and ribbon XML, xlwings' own VBA from the
installed (pinned) xlwings package, and the UDF wrapper module generated from `udfs.py`.

Nothing of xlwings is copied into this repository: its module is read from the installed package at build
time, so the workbook always matches the Python package it will call (xlwings.bas refuses any other version).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import io
import re
import sys
import types
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from unittest import mock

import xlwings

from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.vba.module import VbaModule

RIBBON_MODULE = "SakipRibbon"
UDF_MODULE_VBA_NAME = "xlwings_udfs"  # the name xlwings' "Import Functions" replaces, so both agree
WORKBOOK_NAME = "Cascading_2023.xlsm"  # only tells xlwings' generator "not an add-in" (ThisWorkbook)


def source_text(filename: str) -> str:
    """A source file shipped in this package (xl_sakip/vba/), as text."""
    return resources.files("xl_sakip.vba").joinpath(filename).read_text(encoding="utf-8")


def ribbon_module() -> VbaModule:
    return VbaModule(RIBBON_MODULE, source_text(f"{RIBBON_MODULE}.bas"))


def custom_ui_xml() -> bytes:
    return resources.files("xl_sakip.vba").joinpath("customUI.xml").read_bytes()


def xlwings_package_dir() -> Path:
    return Path(xlwings.__file__).parent


def _pinned_xlwings() -> str | None:
    """The exact xlwings version our own package metadata pins, if xl-sakip is installed."""
    try:
        requires = importlib.metadata.requires("xl-sakip") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for req in requires:
        m = re.fullmatch(r"xlwings\s*==\s*([\w.]+)", req.split(";")[0].strip())
        if m:
            return m.group(1)
    return None


def xlwings_modules(*, mac: bool = True) -> list[VbaModule]:
    """xlwings' standalone VBA module (and, for Excel on Mac, its Dictionary class), as installed."""
    pinned = _pinned_xlwings()
    if pinned is not None and pinned != xlwings.__version__:
        raise RuntimeError(
            f"xlwings {xlwings.__version__} is installed but xl-sakip pins {pinned}: the "
            "workbook's xlwings module would refuse the Python package"
        )
    base = xlwings_package_dir()
    bas = (base / "xlwings.bas").read_text(encoding="cp1252")
    if f"'Version: {xlwings.__version__}" not in bas:
        raise RuntimeError(f"{base / 'xlwings.bas'} does not carry version {xlwings.__version__}")
    modules = [VbaModule("xlwings", bas)]
    if mac:
        # Only compiled on Mac (#If Mac Then ... New Dictionary); Windows uses Scripting.Dictionary.
        modules.append(
            VbaModule("Dictionary", (base / "addin" / "Dictionary.cls").read_text(encoding="cp1252"), "class")
        )
    return modules


@contextlib.contextmanager
def _xlwings_udf_decorators() -> Iterator[types.ModuleType]:
    """xlwings.udfs (its real decorators and VBA generator), importable even where pywin32 is missing.

    On Linux and Mac `xlwings.func` is a no-op and xlwings.udfs imports pywin32 at module level, so we load
    that file privately with stand-ins for the three Windows modules (only used when talking to Excel),
    and make `xw.func`/`xw.arg`/`xw.ret`/`xw.sub` the real decorators while the UDF module is imported.
    """
    try:
        udfs = importlib.import_module("xlwings.udfs")
    except ImportError:
        stubs = {
            name: types.ModuleType(name)
            for name in ("pythoncom", "pywintypes", "win32com", "win32com.client")
        }
        stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
        stubs["pywintypes"].com_error = OSError  # type: ignore[attr-defined]
        stubs["win32com.client"].Dispatch = None  # type: ignore[attr-defined]
        spec = importlib.util.spec_from_file_location(
            "xlwings._sakip_udfs_vba", xlwings_package_dir() / "udfs.py"
        )
        assert spec and spec.loader
        udfs = importlib.util.module_from_spec(spec)
        with mock.patch.dict(sys.modules, stubs):
            spec.loader.exec_module(udfs)
    with mock.patch.multiple(
        xlwings, create=True, func=udfs.xlfunc, arg=udfs.xlarg, ret=udfs.xlret, sub=udfs.xlsub
    ):
        yield udfs


def _load_udf_module(udf_module: str | Path) -> types.ModuleType:
    """A fresh, private copy of the UDF module, so the decorators in force now are the ones it sees."""
    if isinstance(udf_module, Path):
        path = udf_module
    else:
        spec = importlib.util.find_spec(udf_module)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"UDF module {udf_module!r} not found on sys.path")
        path = Path(spec.origin)
    spec = importlib.util.spec_from_file_location(f"_sakip_udfs_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def udf_wrapper_module(udf_module: str | Path = "udfs") -> VbaModule:
    """The VBA that xlwings' "Import Functions" would write for `udf_module`, generated by xlwings itself.

    `udf_module` is the importable name of the module that Excel calls (the `UDF Modules` key of the
    xlwings.conf sheet), or a path to a .py file, whose stem then is that name.
    """
    module_name = udf_module.stem if isinstance(udf_module, Path) else udf_module
    out = io.StringIO()
    with _xlwings_udf_decorators() as udfs:
        module = _load_udf_module(udf_module)
        book: Any = types.SimpleNamespace(Name=WORKBOOK_NAME)
        udfs.generate_vba_wrapper(module_name, module, out, book)
    # The same three header lines as xlwings.udfs.import_udfs writes.
    header = (
        f'Attribute VB_Name = "{UDF_MODULE_VBA_NAME}"\n'
        "'Autogenerated code by xlwings - changes will be lost with next import!\n"
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\n'
    )
    return VbaModule(UDF_MODULE_VBA_NAME, header + out.getvalue())


def vba_modules(udf_module: str | Path = "udfs", *, mac: bool = True) -> list[VbaModule]:
    """Every standard and class module of the workbook, in project order (ThisWorkbook comes first)."""
    xlw = xlwings_modules(mac=mac)
    std = [m for m in xlw if m.kind == "module"]
    classes = [m for m in xlw if m.kind == "class"]
    return [ribbon_module(), *std, udf_wrapper_module(udf_module), *classes]


def build_macro_parts(udf_module: str | Path = "udfs", *, mac: bool = True) -> MacroParts:
    """vbaProject.bin and customUI.xml for the workbook. Byte-identical for identical inputs."""
    from xl_sakip.vba.project import build_vba_project  # needs ms-ovba (the "build" extra)

    return MacroParts(
        vba_project=build_vba_project(vba_modules(udf_module, mac=mac)), custom_ui=custom_ui_xml()
    )
