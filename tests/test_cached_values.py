"""Every formula cell the tool writes carries its value, and a spreadsheet's recalculation changes none.

The shipped workbook and the demo workbook (the shipped master with the sample realisasi) are regenerated,
then recalculated by LibreOffice from scratch: every formula cell's cached value (what Excel's Protected
View, file previews and openpyxl `data_only=True` show) must equal LibreOffice's result. The only formula
cells without a cached value are the master's computed columns, which call the SAKIP_ Excel functions
(Python through xlwings, in Excel on Windows only; LibreOffice shows an error there by design).
"""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book.values import sheet_parts
from xl_sakip.build import make_demo
from xl_sakip.core import formula as fx
from xl_sakip.regenerate import regenerate

SHIPPED = Path(__file__).resolve().parents[1] / "workbook" / "Cascading_2023.xlsm"


def _same(a: object, b: object) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _udf(formula: str) -> bool:
    return formula.startswith("=SAKIP_")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cached")
    shipped = tmp / "Cascading_2023.xlsm"
    shutil.copyfile(SHIPPED, shipped)
    regenerate(shipped)
    demo = make_demo(shipped, tmp / "Contoh.xlsm")
    return {"shipped": shipped, "demo": Path(demo)}


@pytest.mark.parametrize("which", ["shipped", "demo"])
def test_every_formula_cell_has_a_cached_value(books: dict[str, Path], which: str):
    path = books[which]
    formulas = openpyxl.load_workbook(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    where = sheet_parts(parts)
    empty = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*><f>[^<]*</f><v\s*/>')
    for ws in formulas.worksheets:
        uncached = [m.group(1).decode() for m in empty.finditer(parts[where[ws.title]])]
        uncached = [ref for ref in uncached if not _udf(ws[ref].value)]
        assert uncached == [], f"{ws.title}: {uncached[:10]}"


@requires_libreoffice
@pytest.mark.parametrize("which", ["shipped", "demo"])
def test_libreoffice_recalculation_changes_no_value(books: dict[str, Path], which: str, tmp_path: Path):
    path = books[which]
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    lo = recalc_values(path, tmp_path)
    differ, checked = [], 0
    for ws in formulas.worksheets:
        for (r, c), cell in ws._cells.items():
            if cell.data_type != "f" or _udf(cell.value):
                continue
            checked += 1
            a, b = cached[ws.title].cell(r, c).value, lo[ws.title].cell(r, c).value
            if not _same(a, b):
                differ.append(f"{ws.title}!{cell.coordinate}: cached {a!r}, LibreOffice {b!r}")
    assert checked > 3000  # every unit sheet, Ringkasan, Dasbor and PK sheet of the 21 positions
    assert differ == []


def test_cached_values_are_figures_not_blanks(books: dict[str, Path]):
    """Hand-checked against the seed: the IPK row of the Kepala Dinas (P01-1.1, target 71,10) shows its
    target as a cached number, and the demo's Ringkasan counts its 94 indicators."""
    shipped = openpyxl.load_workbook(books["shipped"], data_only=True)
    p01 = next(ws for ws in shipped.worksheets if ws.title.startswith("P01"))
    assert p01["R9"].value == "P01-1.1" and p01["E9"].value == pytest.approx(71.10)
    demo = openpyxl.load_workbook(books["demo"], data_only=True)
    counts = [row[3].value for row in demo["Ringkasan"].iter_rows(min_row=5, max_row=25)]
    assert sum(v for v in counts if isinstance(v, int | float)) == 94


@pytest.mark.parametrize("spelling", [b"<v />", b"<v/>", b"<v></v>", b""])
def test_cached_values_fill_every_spelling_of_an_empty_value(spelling: bytes) -> None:
    """openpyxl writes an empty value as `<v />` with its own XML writer and `<v></v>` when lxml is
    installed (it is in many environments); a value must be filled in either way, and a formula cell that
    has no `<v>` at all gets one. (With lxml the pattern once matched nothing, and its `.*?` scanned to the
    end of the part from every formula cell: no cached values, and quadratic time.)"""
    from xl_sakip.book.package import openpyxl_parts
    from xl_sakip.book.values import with_cached_values

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["A2"], ws["B2"], ws["A3"] = 6, "=A1*7", '="n="&A1', "=A1/0"
    parts = openpyxl_parts(wb)
    name = sheet_parts(parts)["Data"]
    assert parts[name].count(b"<v />") == 3  # the spelling of openpyxl's own writer, replaced below
    parts[name] = parts[name].replace(b"<v />", spelling)
    # values worked out by hand: 6*7, "n=" & 6, 6/0
    out = with_cached_values(parts, {"Data": {(2, 1): 42.0, (2, 2): "n=6", (3, 1): fx.DIV0}})
    xml = out[name]
    assert b'<c r="A2"><f>A1*7</f><v>42.0</v></c>' in xml
    assert b'<c r="B2" t="str"><f>"n="&amp;A1</f><v>n=6</v></c>' in xml
    assert b'<c r="A3" t="e"><f>A1/0</f><v>#DIV/0!</v></c>' in xml


def test_a_chart_sheet_is_saved_with_the_cached_values_of_the_other_sheets(tmp_path: Path) -> None:
    """A chart moved to its own sheet (a chart sheet: no cells) is listed in `wb.sheetnames` like a
    worksheet; the cached values skip it instead of failing the save (regenerate once stopped on such a
    workbook with a traceback)."""
    from openpyxl.chart import BarChart, Reference

    from xl_sakip.book.package import save_workbook

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["A2"], ws["A3"] = 6, "=A1*7", "=A2+Grafik!A1"
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=2))
    wb.create_chartsheet("Grafik").add_chart(chart)
    path = tmp_path / "grafik.xlsx"
    save_workbook(wb, path, force=True)
    back = openpyxl.load_workbook(path, data_only=True)
    assert back.sheetnames == ["Data", "Grafik"]
    assert back["Data"]["A2"].value == 42  # 6*7, by hand
    assert back["Data"]["A3"].value is None  # a chart sheet has no cells: no value we could cache


def test_one_expression_in_cells_of_two_sheets_evaluates_on_each_sheet() -> None:
    """The writers register one expression object for many cells, and evaluation memoises shared nodes
    by identity: a cell read on the way (here through a defined name, so in the middle of another cell's
    evaluation) is evaluated on its own sheet, before or after the same node on the outer cell's sheet.
    By hand: A!B1 = 10*2, B!B1 = 100*2, A!C1 = A!D1 = 20 + 200."""
    from openpyxl.workbook.defined_name import DefinedName

    from xl_sakip.book import values

    wb = openpyxl.Workbook()
    a = wb.active
    a.title = "A"
    b = wb.create_sheet("B")
    a["A1"], b["A1"] = 10, 100
    twice = fx.Cell(1, 1) * 2  # A1*2 on the sheet of the formula
    a["B1"] = b["B1"] = "=A1*2"
    a["C1"], a["D1"] = "=A1*2+nmB", "=nmB+A1*2"
    wb.defined_names["nmB"] = DefinedName("nmB", attr_text="B!$B$1")
    values.register(wb, "A", 1, 2, twice)
    values.register(wb, "B", 1, 2, twice)
    values.register(wb, "A", 1, 3, twice + fx.Name("nmB"))
    values.register(wb, "A", 1, 4, fx.Name("nmB") + twice)
    # Each cell in a fresh environment, so that B!B1 is first reached through the name.
    assert [values.WorkbookEnv(wb).value(("A", 1, c)) for c in (3, 4)] == [220.0, 220.0]
    assert values.cached_values(wb) == {"A": {(1, 2): 20.0, (1, 3): 220.0, (1, 4): 220.0},
                                        "B": {(1, 2): 200.0}}
