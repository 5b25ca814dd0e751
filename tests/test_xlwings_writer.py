"""The xlwings writer produces the same cells as the openpyxl writer, on xlwings' own Book API.

Excel is not on these machines. xlwings' remote engine (`xw.Book(json=...)`, PRO licence, enabled with
XLWINGS_LICENSE_KEY=noncommercial) is the real xlwings object model over a JSON snapshot of a book: every
write becomes an action (copySheet, setFormula, namesAdd ...) that its Office.js client would run in Excel.
The test takes the master as a snapshot, lets the xlwings writer work on it, replays the recorded actions
on an openpyxl copy of the same master — as the client would in Excel — and compares the cells (values and
formula text) and markers with the file the openpyxl writer produces from the same master.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from tests.conftest import make_small_cascade
from xl_sakip.book.writer import write_master
from xl_sakip.errors import UserError
from xl_sakip.importer import read_seed
from xl_sakip.regenerate import regenerate, regenerate_workbook
from xl_sakip.sample import apply_sample
from xl_sakip.sheets import plan as p
from xl_sakip.sheets.marker import MARKER_NAME, Marker
from xl_sakip.sheets.names import TEMPLATE_SHEET
from xl_sakip.sheets.openpyxl_writer import sheet_contents
from xl_sakip.sheets.template import ensure_template
from xl_sakip.sheets.xlwings_writer import excel_input, regenerate_book

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")
if "remote" not in [e.name for e in xw.engines]:
    # xlwings was imported (by another test) before the licence key was set: register the engine as
    # xlwings/__init__.py does when the key is there at import time.
    from xlwings.pro import _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
SEED = Path(__file__).resolve().parent / "data" / "cascading_2023.txt"
# Actions that only style or place things: no cell content to replay.
STYLE_ACTIONS = {"copyRange", "setSheetVisibility", "setColumnWidth", "setRangeColor", "setNumberFormat",
                 "setWrapText", "setFontProperty", "addChart", "setChartType", "setChartSourceData",
                 "setFontBold", "setFontItalic", "setFontSize", "setFontColor", "activateSheet",
                 "setRowHeight"}


def snapshot(wb: openpyxl.Workbook) -> dict:
    """The JSON an xlwings client sends for a book: sheets with values, names with their scope."""
    names = [{"name": n, "refers_to": "=" + d.attr_text, "book_scope": True, "scope_sheet_index": None,
              "scope_sheet_name": None, "sheet_index": None, "address": None}
             for n, d in wb.defined_names.items()]
    sheets = []
    for i, ws in enumerate(wb.worksheets):
        values = [list(r) for r in ws.iter_rows(values_only=True)] or [[]]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": [], "charts": [],
                       "shapes": [], "notes": [], "print_area": None,
                       "visibility": "Visible" if ws.sheet_state == "visible" else "Hidden",
                       "used_range_address": ws.dimensions if ws.max_row > 1 or ws.max_column > 1 else "A1"})
        for n, d in ws.defined_names.items():
            names.append({"name": n, "refers_to": "=" + d.attr_text, "book_scope": False,
                          "scope_sheet_index": i, "scope_sheet_name": ws.title, "sheet_index": None,
                          "address": None})
    return {"client": "Microsoft Office Scripts", "version": xw.__version__,
            "book": {"name": "Cascading_2023.xlsm", "active_sheet_index": 0, "selection": "A1"},
            "names": names, "sheets": sheets}


def _excel_value(v):
    """What Excel stores for a value written through Range.formula."""
    if v == "" or v is None:
        return None
    if isinstance(v, str) and v.startswith("'"):
        return ("text", v[1:])
    return v


def replay(wb: openpyxl.Workbook, actions: list[dict]) -> None:
    """Apply the recorded actions to `wb` as the Office.js client would apply them to the open book."""
    for a in actions:
        func, args, pos = a["func"], a["args"], a["sheet_position"]
        if func == "copySheet":
            where, target, name = args
            src = wb.worksheets[pos]
            copy = wb.copy_worksheet(src)
            copy.title = name
            wb.move_sheet(copy, (target if where == "Before" else target + 1) - wb.index(copy))
        elif func == "addSheet":
            wb.create_sheet(args[1], args[0])
        elif func == "setSheetName":
            wb.worksheets[pos].title = args[0]
        elif func == "sheetDelete":
            wb.remove(wb.worksheets[pos])
        elif func == "namesAdd":
            name, refers_to = args
            dn = DefinedName(name, attr_text=refers_to.lstrip("="))
            if pos is None:
                wb.defined_names[name] = dn
            else:
                wb.worksheets[pos].defined_names[name] = dn
        elif func in ("setFormula", "setValues"):
            ws = wb.worksheets[pos]
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    cell = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    v = _excel_value(v)
                    if isinstance(v, tuple):
                        cell.value = v[1]
                        cell.data_type = "s"
                    else:
                        cell.value = v
        elif func not in STYLE_ACTIONS:
            raise AssertionError(f"replay does not know action {func!r}: {a}")


def generated(wb: openpyxl.Workbook) -> dict[str, tuple[Marker, dict]]:
    out = {}
    for ws in wb.worksheets:
        dn = ws.defined_names.get(MARKER_NAME)
        if dn is not None:
            out[ws.title] = (Marker.parse(dn.attr_text), sheet_contents(ws))
    return out


def both_writers(master: Path, tmp_path: Path) -> tuple[openpyxl.Workbook, openpyxl.Workbook, list[dict]]:
    """(file written by openpyxl, master with the xlwings writer's actions replayed, the actions)."""
    wb = openpyxl.load_workbook(master)
    ensure_template(wb)  # the shipped workbook carries it; the xlwings writer needs it
    start = tmp_path / "start.xlsx"
    wb.save(start)
    book = xw.Book(json=snapshot(openpyxl.load_workbook(start)))
    regenerate_book(book)
    actions = book.json()["actions"]
    replayed = openpyxl.load_workbook(start)
    replay(replayed, actions)
    by_openpyxl = openpyxl.load_workbook(start)
    from xl_sakip.book.reader import read_master
    regenerate_workbook(by_openpyxl, read_master(start))
    return by_openpyxl, replayed, actions


def test_remote_book_is_a_real_xlwings_book():
    book = xw.Book(json=snapshot(openpyxl.Workbook()))
    assert type(book) is xw.Book and type(book.impl).__module__ == "xlwings.pro._xlremote"


def test_same_cells_as_openpyxl_on_the_seed(tmp_path: Path):
    master = write_master(apply_sample(read_seed(SEED).cascade), tmp_path / "m.xlsx")
    by_openpyxl, replayed, actions = both_writers(master, tmp_path)
    a, b = generated(by_openpyxl), generated(replayed)
    assert list(a) == list(b) and len(a) == 22
    for name in a:
        assert a[name] == b[name], name
    assert [ws.title for ws in by_openpyxl.worksheets] == [ws.title for ws in replayed.worksheets]
    # Whole blocks: one formula write per sheet, one body-format copy per unit sheet.
    writes = [x for x in actions if x["func"] in ("setFormula", "setValues")]
    assert len(writes) == 22
    assert sum(x["func"] == "copyRange" for x in actions) == 21


def test_text_that_looks_like_a_formula_or_number_stays_text():
    assert excel_input("=SUM(A1)") == "'=SUM(A1)"
    assert excel_input("-Nilai") == "'-Nilai"
    assert excel_input("71,10") == "'71,10"
    assert excel_input("2023") == "'2023"
    assert excel_input("P05-3.2") == "P05-3.2"
    assert excel_input(p.Formula("=1+1")) == "=1+1"
    assert excel_input(None) == ""


def test_generated_sheets_are_replaced_only_with_force_on_the_remote_engine(tmp_path: Path):
    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    regenerate(master)
    book = xw.Book(json=snapshot(openpyxl.load_workbook(master)))
    # The remote engine cannot read formulas synchronously: no proof that nobody edited them.
    with pytest.raises(UserError) as exc:
        regenerate_book(book)
    assert "P01 KEPALA DINAS" in exc.value.message
    written, _removed, unchecked = regenerate_book(book, force=True)
    assert written[:3] == ["P01 KEPALA DINAS", "P02 KABID LATPENTA", "P03 Kasi Pelatihan dan Produkti"]
    assert len(unchecked) == 4
    deleted = [x for x in book.json()["actions"] if x["func"] == "sheetDelete"]
    assert len(deleted) == 4


def small_book(tmp_path: Path, template: bool = True):
    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(master)
    if template:
        ensure_template(wb)
    else:  # a workbook whose template someone deleted
        del wb[TEMPLATE_SHEET]
    return xw.Book(json=snapshot(wb))


def test_ribbon_regenerate_takes_the_book_and_reports(tmp_path: Path):
    from xl_sakip import macros

    book = small_book(tmp_path)
    msg = macros.regenerate(book)
    assert msg.startswith("4 sheet dibuat ulang")
    alerts = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert len(alerts) == 1 and alerts[0]["args"][0] == msg


def test_ribbon_regenerate_without_template_says_what_to_do(tmp_path: Path):
    from xl_sakip import macros

    book = small_book(tmp_path, template=False)
    msg = macros.regenerate(book)  # a message box, not a traceback
    assert "Template_Unit" in msg and "xl-sakip regenerate" in msg
    assert not [a for a in book.json()["actions"] if a["func"] in ("copySheet", "setFormula")]


def test_ribbon_write_findings_writes_one_block(tmp_path: Path):
    from xl_sakip import macros

    book = small_book(tmp_path)
    msg = macros.write_findings(book)
    writes = [a for a in book.json()["actions"] if a["func"] == "setValues"]
    assert len(writes) == 1
    rows = writes[0]["values"]
    assert rows[0][:3] == ["Tingkat", "Kode", "Jabatan"]
    # One row per finding, and the message counts the same findings.
    counts = re.findall(r"(\d+) galat, (\d+) peringatan, (\d+) info", msg)[0]
    assert sum(map(int, counts)) == len(rows) - 1


def test_ribbon_export_pk_of_an_unsaved_book_says_so(tmp_path: Path):
    from xl_sakip import macros

    book = small_book(tmp_path)  # its fullname is a bare name: no saved file behind it
    msg = macros.export_pk(book)
    assert "tidak ditemukan" in msg
    assert [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"] == [msg]
