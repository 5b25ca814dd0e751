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
from copy import copy
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.chart import BarChart
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import MultiCellRange

from tests.conftest import make_small_cascade
from xl_sakip.book.writer import write_master
from xl_sakip.errors import UserError
from xl_sakip.importer import read_seed
from xl_sakip.regenerate import regenerate, regenerate_workbook
from xl_sakip.sample import apply_sample
from xl_sakip.sheets import plan as p
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.marker import MARKER_NAME, Marker
from xl_sakip.sheets.names import TEMPLATE_SHEET, quote_sheet
from xl_sakip.sheets.openpyxl_writer import sheet_contents
from xl_sakip.sheets.template import ensure_template
from xl_sakip.sheets.unit_budget import GAP
from xl_sakip.sheets.xlwings_writer import excel_input, regenerate_book

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")
if "remote" not in [e.name for e in xw.engines]:
    # xlwings was imported (by another test) before the licence key was set: register the engine as
    # xlwings/__init__.py does when the key is there at import time.
    from xlwings.pro import _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
SEED = Path(__file__).resolve().parent / "data" / "cascading_2023.txt"
# Actions that only style or place things, or show a message: no cell content to replay.
# Row heights (setRowHeight, setAutofit of rows) are replayed: a row without a planned height must not
# keep a taller one.
STYLE_ACTIONS = {"alert", "setSheetVisibility", "setColumnWidth", "setRangeColor", "setNumberFormat",
                 "setWrapText", "setFontProperty", "setChartType", "setChartSourceData",
                 "setFontBold", "setFontItalic", "setFontSize", "setFontColor", "activateSheet"}


def snapshot(wb: openpyxl.Workbook) -> dict:
    """The JSON an xlwings client sends for a book: sheets with values, names with their scope."""
    names = [{"name": n, "refers_to": "=" + d.attr_text, "book_scope": True, "scope_sheet_index": None,
              "scope_sheet_name": None, "sheet_index": None, "address": None}
             for n, d in wb.defined_names.items()]
    sheets = []
    for i, ws in enumerate(wb.worksheets):
        values = [list(r) for r in ws.iter_rows(values_only=True)] or [[]]
        charts = [{"name": f"Chart {k + 1}", "chart_type": "BarClustered", "left": 0, "top": 0, "width": 480,
                   "height": 220} for k in range(len(ws._charts))]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": [], "charts": charts,
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


def _formulas(wb: openpyxl.Workbook):
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            if isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type == "f":
                yield cell


def _copy_range(src: openpyxl.worksheet.worksheet.Worksheet, a: dict, dst) -> None:
    """Excel's Range.Copy(Destination) / Office.js copyFrom(all): values (formulas adjusted), formats,
    merges and conditional formats; a destination that is a multiple of the source is tiled."""
    r0, c0, nr, nc = a["start_row"] + 1, a["start_column"] + 1, a["row_count"], a["column_count"]
    min_c, min_r, max_c, max_r = range_boundaries(a["args"][1].replace("$", ""))
    tr = (max_r - min_r + 1) // nr if (max_r - min_r + 1) % nr == 0 else 1
    tc = (max_c - min_c + 1) // nc if (max_c - min_c + 1) % nc == 0 else 1
    for ti in range(tr):
        for tj in range(tc):
            dr, dc = min_r + ti * nr - r0, min_c + tj * nc - c0
            for i in range(nr):
                for j in range(nc):
                    s = src.cell(r0 + i, c0 + j)
                    d = dst.cell(r0 + i + dr, c0 + j + dc)
                    v = s.value
                    if isinstance(v, str) and v.startswith("=") and s.data_type == "f":
                        v = Translator(v, s.coordinate).translate_formula(d.coordinate)
                    d.value = v
                    d._style = copy(s._style)
            for m in src.merged_cells.ranges:
                if r0 <= m.min_row and m.max_row < r0 + nr and c0 <= m.min_col and m.max_col < c0 + nc:
                    dst.merge_cells(start_row=m.min_row + dr, start_column=m.min_col + dc,
                                    end_row=m.max_row + dr, end_column=m.max_col + dc)
            for cf in src.conditional_formatting:
                for cr in cf.sqref.ranges:  # the part of the rule's range inside the copied block
                    lo_r, hi_r = max(cr.min_row, r0), min(cr.max_row, r0 + nr - 1)
                    lo_c, hi_c = max(cr.min_col, c0), min(cr.max_col, c0 + nc - 1)
                    if lo_r > hi_r or lo_c > hi_c:
                        continue
                    origin = f"{get_column_letter(cr.min_col)}{cr.min_row}"
                    top = f"{get_column_letter(lo_c + dc)}{lo_r + dr}"
                    sqref = f"{top}:{get_column_letter(hi_c + dc)}{hi_r + dr}"
                    for rule in cf.rules:
                        new = copy(rule)
                        new.formula = [Translator("=" + f, origin).translate_formula(top)[1:]
                                       for f in rule.formula]
                        dst.conditional_formatting.add(sqref, new)


def replay(wb: openpyxl.Workbook, actions: list[dict]) -> None:
    """Apply the recorded actions to `wb` as the Office.js client would apply them to the open book, with
    Excel's side effects on other sheets' formulas (renaming a sheet renames it in formulas; deleting a
    sheet turns references to it into #REF!)."""
    for a in actions:
        func, args, pos = a["func"], a["args"], a["sheet_position"]
        if func == "copySheet":
            where, target, name = args
            src = wb.worksheets[pos]
            copy_ = wb.copy_worksheet(src)
            copy_.title = name
            wb.move_sheet(copy_, (target if where == "Before" else target + 1) - wb.index(copy_))
        elif func == "addSheet":
            wb.create_sheet(args[1], args[0])
        elif func == "setSheetName":
            ws = wb.worksheets[pos]
            old, new = quote_sheet(ws.title) + "!", quote_sheet(args[0]) + "!"
            for cell in _formulas(wb):
                cell.value = cell.value.replace(old, new)
            ws.title = args[0]
        elif func == "sheetDelete":
            gone = wb.worksheets[pos]
            wb.remove(gone)
            for cell in _formulas(wb):
                cell.value = cell.value.replace(quote_sheet(gone.title) + "!", "#REF!")
        elif func == "sheetClear":  # Cells.Clear: contents, formats, merges, conditional formats
            ws = wb.worksheets[pos]
            ws._cells.clear()
            ws.merged_cells = MultiCellRange()
            ws.conditional_formatting = ConditionalFormattingList()
        elif func == "copyRange":
            _copy_range(wb.worksheets[pos], a, wb.worksheets[args[0]])
        elif func == "addChart":
            wb.worksheets[pos]._charts.append(BarChart())
        elif func == "deleteChart":
            del wb.worksheets[pos]._charts[args[0]]
        elif func == "namesAdd":
            name, refers_to = args
            dn = DefinedName(name, attr_text=refers_to.lstrip("="))
            if pos is None:
                wb.defined_names[name] = dn
            else:
                wb.worksheets[pos].defined_names[name] = dn
        elif func == "setNameRefersTo":  # a rewritten sheet's marker gets its new formula
            name, book_scope, scope, refers_to = args
            names = wb.defined_names if book_scope else wb.worksheets[scope].defined_names
            names[name].attr_text = refers_to.lstrip("=")
        elif func == "nameDelete":
            name, book_scope, scope = args[2], args[4], args[5]
            del (wb.defined_names if book_scope else wb.worksheets[scope].defined_names)[name]
        elif func in ("setFormula", "setValues"):
            ws = wb.worksheets[pos]
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    cell = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    v = _excel_value(v)
                    if isinstance(cell, MergedCell):  # inside a merged area: only nothing may go there
                        assert v is None, (ws.title, cell.coordinate, v)
                    elif isinstance(v, tuple):
                        cell.value = v[1]
                        cell.data_type = "s"
                    else:
                        cell.value = v
        elif func == "setRowHeight":
            for r in range(a["start_row"] + 1, a["start_row"] + 1 + a["row_count"]):
                wb.worksheets[pos].row_dimensions[r].height = args[0]
        elif func == "setAutofit":  # rows fitted to their contents: no fixed height, as in a new file
            assert args == ["rows"], a
            for r in range(a["start_row"] + 1, a["start_row"] + 1 + a["row_count"]):
                wb.worksheets[pos].row_dimensions[r].height = None
        elif func not in STYLE_ACTIONS:
            raise AssertionError(f"replay does not know action {func!r}: {a}")


def heights(ws) -> dict[int, float]:
    """The rows of a sheet that have a fixed height."""
    return {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}


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
    # Ringkasan's rows get the plan's heights, as in the file (wrapped names would overlap otherwise).
    assert heights(replayed["Ringkasan"]) == heights(by_openpyxl["Ringkasan"]) != {}
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
    res = regenerate_book(book, force=True)
    assert res.written[:3] == ["P01 KEPALA DINAS", "P02 KABID LATPENTA", "P03 Kasi Pelatihan"]
    assert len(res.overwritten) == 4
    # The 3 unit sheets and Ringkasan existed: rewritten where they are, none deleted or added.
    assert res.in_place == res.written and not res.created and not res.removed
    assert not [x for x in book.json()["actions"] if x["func"] in ("sheetDelete", "copySheet", "addSheet")]


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


@pytest.mark.parametrize("label", ["Laporan s.d. Triwulan", "Triwulan Laporan Berlaku"])
def test_ribbon_regenerate_of_a_workbook_without_the_reporting_quarter_says_what_to_do(tmp_path: Path,
                                                                                      label: str):
    from xl_sakip import macros

    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(master)
    ensure_template(wb)
    ws = wb["Pengaturan"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)
    ws.delete_rows(row)  # an older version's Pengaturan: the unit sheets would show #NAME?
    book = xw.Book(json=snapshot(wb))
    msg = macros.regenerate(book)
    assert f"'{label}'" in msg and "xl-sakip regenerate" in msg
    assert not [a for a in book.json()["actions"] if a["func"] in ("copySheet", "setFormula", "addSheet")]


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


def test_ribbon_export_pk_without_pk_sheets_says_what_to_do(tmp_path: Path):
    from xl_sakip import macros

    book = small_book(tmp_path)  # a master never regenerated: no PK sheets to print
    msg = macros.export_pk(book)
    assert "belum memiliki sheet PK" in msg and "xl-sakip regenerate" in msg
    assert [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"] == [msg]


# ------------------------------------------------------------------ rewriting in place keeps references

USER_SHEET = "Catatan Saya"


def _regenerated_with_user_sheet(cascade, tmp_path: Path) -> Path:
    """A master after `xl-sakip regenerate` (unit sheets, Ringkasan, Dasbor, Pohon Kinerja, PK sheets), plus
    a sheet a person made with formulas pointing at generated sheets."""
    master = write_master(cascade, tmp_path / "m.xlsx")
    regenerate(master)
    wb = openpyxl.load_workbook(master)
    ws = wb.create_sheet(USER_SHEET)
    ws["A1"] = "='P01 KEPALA DINAS'!L9"
    ws["A2"] = "=SUM('P01 KEPALA DINAS'!K9:K12)"
    ws["A3"] = "=Ringkasan!C4"
    wb.save(master)
    return master


def _formula_cells(ws) -> dict:
    return {k: v for k, v in sheet_contents(ws).items() if isinstance(v, str) and v.startswith("=")}


def _look(cell) -> tuple:
    return (cell.number_format, bool(cell.font.b), cell.fill.fgColor.rgb if cell.fill.fill_type else None,
            cell.border.left.style, bool(cell.alignment.wrap_text))


def _cf_at(ws, row: int, col: int) -> list[tuple[str, str | None]]:
    """The conditional-format rules that apply to one cell, their formulas as seen from that cell."""
    out = []
    here = f"{get_column_letter(col)}{row}"
    for cf in ws.conditional_formatting:
        for cr in cf.sqref.ranges:
            if cr.min_row <= row <= cr.max_row and cr.min_col <= col <= cr.max_col:
                origin = f"{get_column_letter(cr.min_col)}{cr.min_row}"
                for rule in cf.rules:
                    fill = rule.dxf.fill.bgColor.rgb if rule.dxf and rule.dxf.fill else None
                    out += [(Translator("=" + f, origin).translate_formula(here), fill) for f in rule.formula]
    return sorted(out)


def test_ribbon_rewrites_in_place_and_keeps_references(tmp_path: Path):
    from xl_sakip import macros

    start = _regenerated_with_user_sheet(apply_sample(read_seed(SEED).cascade), tmp_path)
    before = openpyxl.load_workbook(start)
    dasbor_before = _formula_cells(before["Dasbor"])
    assert any("'P01 KEPALA DINAS'!" in f for f in dasbor_before.values())  # the Dasbor does refer to them

    book = xw.Book(json=snapshot(openpyxl.load_workbook(start)))
    # force: the remote engine cannot read formulas, so it cannot prove the sheets were not edited.
    msg = macros.regenerate(book, force=True)
    actions = book.json()["actions"]
    assert not [a for a in actions if a["func"] in ("sheetDelete", "copySheet", "addSheet", "setSheetName")]
    # Still whole blocks: one formula write per sheet, one header + one body copy per unit sheet.
    assert sum(a["func"] == "setFormula" for a in actions) == 22
    assert sum(a["func"] == "copyRange" for a in actions) == 42
    replayed = openpyxl.load_workbook(start)
    replay(replayed, actions)

    # The same sheets in the same order; formulas of the user, the Dasbor and the PK sheets unchanged.
    assert replayed.sheetnames == before.sheetnames
    assert _formula_cells(replayed[USER_SHEET]) == {(1, 1): "='P01 KEPALA DINAS'!L9",
                                                    (2, 1): "=SUM('P01 KEPALA DINAS'!K9:K12)",
                                                    (3, 1): "=Ringkasan!C4"}
    for ws in before.worksheets:
        if ws.title not in generated(before) or (m := generated(before)[ws.title][0]).kind not in (
                "unit", "summary"):
            assert _formula_cells(replayed[ws.title]) == _formula_cells(ws), ws.title
    # The sheets the formulas name are still the generated sheets of the same positions.
    g = generated(replayed)
    assert g["P01 KEPALA DINAS"][0].key == "P01" and g["Ringkasan"][0].kind == "summary"

    # Cells and markers equal what the headless writer makes from the same file.
    again = tmp_path / "again.xlsx"
    again.write_bytes(start.read_bytes())
    regenerate(again)
    by_openpyxl = openpyxl.load_workbook(again)
    a = {n: v for n, v in generated(by_openpyxl).items() if v[0].kind in ("unit", "summary")}
    b = {n: v for n, v in g.items() if v[0].kind in ("unit", "summary")}
    assert list(a) == list(b) and len(a) == 22
    for name in a:
        assert a[name] == b[name], name
    # The template's formats came over: every cell of the written rectangle looks the same, merges and
    # conditional formats (category colours, grey capaian text, red status) apply to the same cells.
    for name, (m, _cells) in a.items():
        if m.kind != "unit":
            continue
        x, y = by_openpyxl[name], replayed[name]
        n_rows = max(r for r, _ in sheet_contents(x))
        # The budget block below the table is styled by style actions, which `replay` does not model (as
        # for the Ringkasan): the look is compared on the indicator table, above the block's gap.
        n_rows = next((r - 1 - GAP for (r, c), v in sorted(sheet_contents(x).items())
                       if c == 1 and isinstance(v, str) and v.startswith('="ANGGARAN')), n_rows)
        for r in range(1, n_rows + 1):
            for c in range(1, ul.N_COLS + 1):
                assert _look(x.cell(r, c)) == _look(y.cell(r, c)), (name, r, c)
        assert {str(r) for r in x.merged_cells.ranges} == {str(r) for r in y.merged_cells.ranges}
        # The table's rows (an ID in R); rows below them may hold only the hidden pendukung block.
        body_last = max((r for r in range(ul.FIRST_BODY_ROW, n_rows + 1) if x.cell(r, ul.C_ID).value),
                        default=ul.FIRST_BODY_ROW - 1)
        for r, c in [(ul.STATUS_ROW, 3)] + [(r, c) for r in range(ul.FIRST_BODY_ROW, body_last + 1)
                                           for c in (ul.C_CAPAIAN, ul.C_KATEGORI)]:
            assert _cf_at(x, r, c) == _cf_at(y, r, c) != [], (name, r, c)
    assert len(replayed["Ringkasan"]._charts) == 1  # the old chart replaced, not one more
    assert heights(replayed["Ringkasan"]) == heights(by_openpyxl["Ringkasan"]) != {}

    assert "22 sheet dibuat ulang" in msg and "22 ditulis ulang di tempat" in msg
    assert "Pohon Kinerja" in msg and "xl-sakip regenerate" in msg
    assert "tidak lagi sesuai" not in msg  # the master did not change: Dasbor and PK still fit


def test_ribbon_names_report_sheets_a_changed_master_makes_stale(tmp_path: Path):
    from xl_sakip import macros
    from xl_sakip.book.schema import SHEET_INDICATORS

    cascade = make_small_cascade()
    start = _regenerated_with_user_sheet(cascade, tmp_path)
    before = openpyxl.load_workbook(start)
    pk_sheets = {m.key: n for n, (m, _) in generated(before).items() if m.kind == "pk"}
    # The master as a person changed it in Excel: P03's second indicator deleted from Indikator.
    fewer = cascade.model_copy(update={"indicators": [i for i in cascade.indicators if i.id != "P03-2.1"]})
    changed = openpyxl.load_workbook(write_master(fewer, tmp_path / "fewer.xlsx"))
    snap = snapshot(openpyxl.load_workbook(start))
    ind = next(sh for sh in snap["sheets"] if sh["name"] == SHEET_INDICATORS)
    ind["values"] = snapshot(changed)["sheets"][changed.sheetnames.index(SHEET_INDICATORS)]["values"]
    book = xw.Book(json=snap)
    msg = macros.regenerate(book, force=True)
    replayed = openpyxl.load_workbook(start)
    replay(replayed, book.json()["actions"])

    # P03's sheet keeps its place and name; its old second row (10) is gone, row 9 holds P03-1.1.
    p03 = replayed["P03 Kasi Pelatihan"]
    assert replayed.sheetnames == before.sheetnames
    assert p03.cell(9, ul.C_ID).value == "P03-1.1"
    assert not [k for k in sheet_contents(p03) if k[0] >= 10]
    assert _formula_cells(replayed[USER_SHEET])[(1, 1)] == "='P01 KEPALA DINAS'!L9"
    # Dasbor counts P03's indicators, P03's PK lists them and the Evaluasi Renja form has a row per
    # indicator (issue 15): all named as out of date; P01's and P02's PK did not change.
    stale = msg.split(" tidak lagi sesuai", 1)[0].rsplit(" Sheet ", 1)[1].split(", ")
    assert sorted(stale) == sorted(["Dasbor", "Evaluasi Renja", pk_sheets["PK-P03"]])


def test_ribbon_keeps_the_original_when_a_generated_sheet_was_copied(tmp_path: Path):
    """Excel's "Move or Copy" copies the sheet-scoped marker too: the copy goes, the original (which the
    formulas point at) stays."""
    from xl_sakip import macros

    start = _regenerated_with_user_sheet(make_small_cascade(), tmp_path)
    wb = openpyxl.load_workbook(start)
    dup = wb.copy_worksheet(wb["P01 KEPALA DINAS"])
    dup.title = "P01 KEPALA DINAS (2)"
    dup.defined_names[MARKER_NAME] = copy(wb["P01 KEPALA DINAS"].defined_names[MARKER_NAME])
    wb.save(start)
    book = xw.Book(json=snapshot(openpyxl.load_workbook(start)))
    macros.regenerate(book, force=True)
    replayed = openpyxl.load_workbook(start)
    replay(replayed, book.json()["actions"])
    assert "P01 KEPALA DINAS (2)" not in replayed.sheetnames
    assert generated(replayed)["P01 KEPALA DINAS"][0].key == "P01"
    assert _formula_cells(replayed[USER_SHEET])[(1, 1)] == "='P01 KEPALA DINAS'!L9"


# ------------------------------------------------------------------ Periksa Data: hand-edited sheets


def _com_formula(wb: openpyxl.Workbook):
    """A fake of the one thing Excel's COM has and the remote engine lacks: reading `Range.formula`
    synchronously. It is a property for xlwings' remote Range that returns the cells of the range from
    `wb` (the workbook the snapshot was made from) as COM's `.Formula` does: formula text, other values
    as text (TRUE/FALSE for booleans), "" for an empty cell. Everything else is the real remote engine."""
    def formula(self):
        ws = wb[self.sheet.name]
        (r0, c0), (nr, nc) = self.arg1, self.shape

        def com(v):
            if v is None:
                return ""
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            return str(v)

        return tuple(tuple(com(ws.cell(r0 + i, c0 + j).value) for j in range(nc)) for i in range(nr))

    return property(formula)


def _edited_master(tmp_path: Path) -> Path:
    """The small master after `xl-sakip regenerate`, with one cell of P02's sheet typed over by hand: the
    target of its first indicator (E9, a formula from the master) replaced by 999."""
    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    regenerate(master)
    wb = openpyxl.load_workbook(master)
    ws = wb["P02 KABID LATPENTA"]
    assert isinstance(ws["E9"].value, str) and ws["E9"].value.startswith("=")  # a generated formula
    ws["E9"] = 999
    wb.save(master)
    return master


def _findings_rows(book) -> list[list]:
    writes = [a for a in book.json()["actions"] if a["func"] == "setValues"]
    assert len(writes) == 1
    return writes[0]["values"][1:]


def test_ribbon_write_findings_names_a_hand_edited_sheet_where_formulas_can_be_read(tmp_path: Path,
                                                                                     monkeypatch):
    from xlwings.pro import _xlremote

    from xl_sakip import macros
    from xl_sakip.book.findings_sheet import run_check

    master = _edited_master(tmp_path)
    wb = openpyxl.load_workbook(master)
    monkeypatch.setattr(_xlremote.Range, "formula", _com_formula(wb))
    book = xw.Book(json=snapshot(wb))
    msg = macros.write_findings(book)
    edits = [r for r in _findings_rows(book) if r[1] == "SHEET_DIUBAH_MANUAL"]
    # Exactly the edited sheet and cell; the other generated sheets (units, Ringkasan, Dasbor, PK, Pohon
    # Kinerja) read through .formula hash as written, so none of them is named.
    assert len(edits) == 1
    assert edits[0][0] == "galat" and edits[0][2] == "P02"
    # Written with Excel's text prefix (it starts with '): the cell shows the address.
    assert _excel_value(edits[0][4]) == ("text", "'P02 KABID LATPENTA'!E9")
    assert "di sel E9:" in edits[0][5]
    assert "tidak diperiksa" not in msg
    # The same finding `xl-sakip check` reports on the saved file.
    on_file = [f for f in run_check(master).findings if f.code == "SHEET_DIUBAH_MANUAL"]
    assert [(f.cell, f.message) for f in on_file] == [(_excel_value(edits[0][4])[1], edits[0][5])]


def test_ribbon_write_findings_says_hand_edits_were_not_checked_on_the_remote_engine(tmp_path: Path):
    from xl_sakip import macros

    book = xw.Book(json=snapshot(openpyxl.load_workbook(_edited_master(tmp_path))))
    msg = macros.write_findings(book)  # the remote engine cannot read formulas
    assert not [r for r in _findings_rows(book) if r[1] == "SHEET_DIUBAH_MANUAL"]
    assert "tidak diperiksa" in msg and "xl-sakip check" in msg
    assert [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"] == [msg]
