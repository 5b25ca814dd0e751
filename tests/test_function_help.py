"""Insert Function help for the SAKIP_ functions (issue 11).

xlwings' "Import Functions" registers each UDF's description and argument help with
Application.MacroOptions on the user's PC; the workbook built here has never been through that import, so
it carries a module that registers the same help when it opens. Read back from the shipped workbook with
oletools, and compared with udfs.py read on its own (its source, for the decorators' texts).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re

import pytest
from oletools.olevba import VBA_Parser

from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.vba.build import HELP_MODULE

STATEMENT = re.compile(
    r"Application\.MacroOptions Macro:=\"'\" & ThisWorkbook\.Name & \"'!(\w+)\", _\s+"
    r'Description:=("(?:[^"]|"")*"), _\s+Category:="SAKIP"'
    r'(?:, ArgumentDescriptions:=Array\( _\s+(.*?")\))?\s*$',
    re.S | re.M)
VBA_STRING = re.compile(r'"((?:[^"]|"")*)"')


def _unquote(s: str) -> str:
    return s.replace('""', '"')


@pytest.fixture(scope="module")
def registered() -> dict[str, tuple[str, list[str]]]:
    """Function -> (description, argument descriptions), as the shipped workbook's VBA registers them."""
    parser = VBA_Parser(str(SHIPPED_WORKBOOK))
    code = {name: text for _, _, name, text in parser.extract_macros()}[f"{HELP_MODULE}.bas"]
    assert "Public Sub Auto_Open()" in code and "ThisWorkbook.Saved = wasSaved" in code
    out = {}
    for name, desc, args in STATEMENT.findall(code):
        out[name] = (_unquote(desc[1:-1]), [_unquote(a) for a in VBA_STRING.findall(args)])
    return out


def _udfs():
    return importlib.import_module("udfs")


def _excel_functions() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(_udfs()))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("SAKIP_")}


def _plain(text: str) -> str:
    return " ".join(text.replace("/\n", "/").split()).replace("\u2212", "-")


def test_every_excel_function_has_its_help(registered):
    functions = _excel_functions()
    assert len(functions) == 10 and set(registered) == set(functions)
    udfs = _udfs()
    for name, (desc, args) in registered.items():
        params = [p for p in inspect.signature(inspect.unwrap(getattr(udfs, name))).parameters]
        assert len(args) == len(params), name  # one help text per argument, in order
        assert 0 < len(desc) <= 255 and all(0 < len(a) <= 255 for a in args), name
        assert not [a for a in args if a.startswith("Positional argument")], name  # every argument has a doc


def test_description_and_arguments_are_the_docstring_and_the_decorators(registered):
    """SAKIP_CAPAIAN: its docstring (one line; the minus sign, not in code page 1252, as "-") and the doc
    of each @xw.arg in parameter order, read from udfs.py's source."""
    udfs = _udfs()
    node = _excel_functions()["SAKIP_CAPAIAN"]
    docs = {}
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "arg":
            doc = next(k.value for k in dec.keywords if k.arg == "doc")
            docs[dec.args[0].value] = doc.value if isinstance(doc, ast.Constant) else getattr(udfs, doc.id)
    params = [a.arg for a in node.args.args]
    desc, args = registered["SAKIP_CAPAIAN"]
    assert desc == _plain(ast.get_docstring(node))
    assert desc.startswith("Capaian (%) dari realisasi terhadap target. Naik: R/T×100; turun: (2T-R)/T×100")
    assert args == [docs[p] for p in params]
    assert args[5] == 'Rumus polaritas turun: "2T-R" (bawaan) atau "T/R"'


def test_a_long_docstring_is_cut_at_a_word(registered):
    node = _excel_functions()["SAKIP_CAPAIAN_TW"]
    full = _plain(ast.get_docstring(node))
    desc, _ = registered["SAKIP_CAPAIAN_TW"]
    assert len(full) > 255 >= len(desc) and desc.endswith("…")
    assert full.startswith(desc[:-1]) and full[len(desc) - 1] == " "
    assert "persen/indeks/predikat" in desc  # a docstring wrapped after "/" continues the word


def test_the_help_module_only_registers_help():
    """As the ribbon module (tests/test_ribbon.py): nothing that runs cell contents or other programs; the
    only statements are the MacroOptions calls and keeping the workbook's Saved flag."""
    from xl_sakip.vba.build import function_help_module

    code = [ln.strip() for ln in function_help_module("udfs").source.splitlines()
            if ln.strip() and not ln.lstrip().startswith("'")]
    forbidden = ("Evaluate", "ExecuteExcel4Macro", "Application.Run", "RunPython", ".Formula", ".Value",
                 "Shell", "Declare", "CreateObject")
    assert not [w for w in forbidden if any(w in line for line in code)]
    statements = [ln for ln in code if not ln.startswith(('"', "Description:=", "Category:="))]
    allowed = {"Attribute VB_Name = \"SakipFunctionHelp\"", "Option Explicit", "Public Sub Auto_Open()",
               "RegisterSakipFunctionHelp", "End Sub", "Public Sub RegisterSakipFunctionHelp()",
               "Dim wasSaved As Boolean", "wasSaved = ThisWorkbook.Saved", "On Error Resume Next",
               "On Error GoTo 0", "ThisWorkbook.Saved = wasSaved"}
    odd = [ln for ln in statements if ln not in allowed and not ln.startswith("Application.MacroOptions ")]
    assert not odd
    assert sum(ln.startswith("Application.MacroOptions ") for ln in statements) == 10
