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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from unittest import mock

import xlwings

from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.vba.module import VbaModule

RIBBON_MODULE = "SakipRibbon"
HELP_MODULE = "SakipFunctionHelp"  # Insert Function help for the UDFs, registered when the workbook opens
HELP_CATEGORY = "SAKIP"  # the category the functions are listed under in Insert Function
#: Excel's limit for a description and for each argument description given to Application.MacroOptions.
MACRO_OPTIONS_TEXT = 255
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


@dataclass(frozen=True)
class FunctionHelp:
    """What Insert Function shows for one UDF: its description and one text per argument."""

    name: str
    description: str
    arguments: tuple[str, ...]


# Characters of the help texts that code page 1252 (the VBA project's) lacks, and what stands for them.
_CP1252_STAND_INS = {"\u2212": "-", "\u2264": "<=", "\u2265": ">=", "\u2192": "->", "\u00a0": " "}


def _help_text(text: str) -> str:
    """One line of at most 255 characters in code page 1252: whitespace runs become one space (docstrings
    are indented), characters outside the code page get a stand-in, and a longer text is cut at a word and
    ends with "…" (Excel refuses longer descriptions)."""
    lines = [line.strip() for line in text.strip().splitlines()]
    text = ""
    for line in lines:  # a docstring wrapped after "indeks/" continues the word
        text += ("" if not text or text.endswith("/") else " ") + line
    text = " ".join(text.split())
    text = "".join(_CP1252_STAND_INS.get(ch, ch) for ch in text)
    text = text.encode("cp1252", errors="replace").decode("cp1252")
    if len(text) > MACRO_OPTIONS_TEXT:
        text = text[: MACRO_OPTIONS_TEXT - 1].rsplit(" ", 1)[0] + "…"
    return text


def function_help(udf_module: str | Path = "udfs") -> list[FunctionHelp]:
    """The help of every Excel function of `udf_module`, from the same metadata xlwings' "Import Functions"
    registers: the function's docstring (xlwings' return doc) and each `@xw.arg(..., doc=...)` (xlwings'
    default "Positional argument n" where there is none), in name order."""
    out = []
    with _xlwings_udf_decorators():
        module = _load_udf_module(udf_module)
        for attr in sorted(dir(module)):
            xlfunc = getattr(getattr(module, attr), "__xlfunc__", None)
            if xlfunc is None or xlfunc.get("sub"):
                continue
            args = tuple(_help_text(a["doc"]) for a in xlfunc["args"] if not a["vba"])
            out.append(FunctionHelp(xlfunc["name"], _help_text(xlfunc["ret"]["doc"]), args))
    return out


def _vba_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def function_help_module(udf_module: str | Path = "udfs") -> VbaModule:
    """A module that registers `function_help` with Excel when the workbook opens (Auto_Open), as xlwings'
    "Import Functions" does once with Application.MacroOptions on the user's PC: a workbook built on Linux
    has never been through that import, so Insert Function would show no help for the SAKIP_ functions.

    The registration changes nothing the user saved: the workbook's Saved flag is put back. A failure
    (an Excel before 2010, a protected project) leaves the functions working without help.
    """
    lines = [
        f'Attribute VB_Name = "{HELP_MODULE}"',
        "' Insert Function help (descriptions and argument help) of the Excel functions in udfs.py,",
        "' registered when the workbook opens, as xlwings' \"Import Functions\" registers it.",
        "' Generated by \"xl-sakip build\" from the docstrings and @xw.arg docs of udfs.py: edit those.",
        "Option Explicit",
        "",
        "Public Sub Auto_Open()",
        "    RegisterSakipFunctionHelp",
        "End Sub",
        "",
        "Public Sub RegisterSakipFunctionHelp()",
        "    Dim wasSaved As Boolean",
        "    wasSaved = ThisWorkbook.Saved",
        "    On Error Resume Next",
    ]
    for fn in function_help(udf_module):
        lines.append(f"    Application.MacroOptions Macro:=\"'\" & ThisWorkbook.Name & \"'!{fn.name}\", _")
        lines.append(f"        Description:={_vba_string(fn.description)}, _")
        if fn.arguments:
            lines.append(f"        Category:={_vba_string(HELP_CATEGORY)}, ArgumentDescriptions:=Array( _")
            for k, arg in enumerate(fn.arguments):
                end = ", _" if k < len(fn.arguments) - 1 else ")"
                lines.append(f"            {_vba_string(arg)}{end}")
        else:
            lines.append(f"        Category:={_vba_string(HELP_CATEGORY)}")
    lines += [
        "    On Error GoTo 0",
        "    ThisWorkbook.Saved = wasSaved",
        "End Sub",
        "",
    ]
    return VbaModule(HELP_MODULE, "\n".join(lines))


def vba_modules(udf_module: str | Path = "udfs", *, mac: bool = True) -> list[VbaModule]:
    """Every standard and class module of the workbook, in project order (ThisWorkbook comes first)."""
    xlw = xlwings_modules(mac=mac)
    std = [m for m in xlw if m.kind == "module"]
    classes = [m for m in xlw if m.kind == "class"]
    return [ribbon_module(), *std, udf_wrapper_module(udf_module), function_help_module(udf_module), *classes]


def build_macro_parts(udf_module: str | Path = "udfs", *, mac: bool = True) -> MacroParts:
    """vbaProject.bin and customUI.xml for the workbook. Byte-identical for identical inputs."""
    from xl_sakip.vba.project import build_vba_project  # needs ms-ovba (the "build" extra)

    return MacroParts(
        vba_project=build_vba_project(vba_modules(udf_module, mac=mac)), custom_ui=custom_ui_xml()
    )
