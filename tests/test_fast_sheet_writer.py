"""book/sheet_writer.py writes every package part byte for byte as openpyxl's own writer does, cached
values as `values.with_cached_values` fills them in.

The reference is openpyxl itself (ExcelWriter into a zip, read back), run on a second workbook built the
same way: cell styles are numbered as the writer first asks for them, so one workbook written twice would
hide a writer that asks in another order.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.writer.excel import ExcelWriter

from xl_sakip.book import sheet_writer
from xl_sakip.book.package import openpyxl_parts
from xl_sakip.book.values import cached_values, with_cached_values
from xl_sakip.core import formula as fx

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sheet_writer.fast(), reason="lxml installed: openpyxl's writer is used")


def openpyxl_reference(wb: openpyxl.Workbook, values: sheet_writer.Values) -> dict[str, bytes]:
    """What the save did before book/sheet_writer.py: openpyxl's ExcelWriter into a deflated zip, read
    back, then the regular-expression pass of `with_cached_values`."""
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    with zipfile.ZipFile(buf) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    return with_cached_values(parts, values)


def assert_same_parts(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name


# -- cells of every kind ----------------------------------------------------------------------------------

LEGAL = st.characters(blacklist_categories=("Cs",), blacklist_characters=[
    chr(c) for c in range(32) if chr(c) not in "\t\n\r"])
TEXT = st.one_of(
    st.text(LEGAL, max_size=12),
    st.sampled_from(["", " ", "  a", "a  ", " a ", "\ta\n", "\u00a0x", "x\u2003", "a&b", "<tag>", '"q"',
                     "'", "]]>", "&amp;", "\r\n", "_x000D_", "=", "#N/A"]),
    st.lists(st.sampled_from(["a", " ", "&", "<", ">", '"', "\n", "\t", "é", "日", "😀"]), max_size=8)
    .map("".join),
)
NUMBER = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 0.1, 1e-300, 5e-324, 1e300, 2**53 + 1, 1 / 3, 123456789.123456789, math.nan,
                     math.inf, -math.inf]),
)
FORMULA = st.one_of(
    st.sampled_from(["=A1+1", '=IF(A1<>"",A1&"<>&\'",0)', "=SUM(B1:B3)", '="a""b"', "=1>2", "=x<y&z"]),
    st.text(LEGAL, min_size=1, max_size=10).map(lambda t: "=" + t),
)
SIMPLE = st.one_of(NUMBER, TEXT, FORMULA, st.booleans(), st.none(),
                   st.sampled_from(["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]))
ODD = st.sampled_from(["date", "datetime", "time", "timedelta", "decimal", "array", "rich", "link",
                       "link-formula", "comment", "comment-empty", "bare-equals"])
STYLE = st.sampled_from([None, "bold", "fill", "wrap", "percent"])
CELL = st.tuples(st.one_of(SIMPLE, SIMPLE, SIMPLE, ODD.map(lambda k: ("odd", k))), STYLE)
# a cached value, for formula cells (and some others, which must be ignored)
CACHED = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.booleans(), TEXT,
                   st.sampled_from([fx.DIV0, fx.NA, fx.REF, fx.NAME, fx.EMPTY]))


def _style(cell: openpyxl.cell.cell.Cell, style: str | None) -> None:
    if style == "bold":
        cell.font = Font(bold=True)
    elif style == "fill":
        cell.fill = PatternFill("solid", fgColor="FFEEAA")
    elif style == "wrap":
        cell.alignment = Alignment(wrap_text=True)
    elif style == "percent":
        cell.number_format = "0.00%"


def _odd(ws: openpyxl.worksheet.worksheet.Worksheet, cell: openpyxl.cell.cell.Cell, kind: str) -> None:
    """Cells that book/sheet_writer.py hands to openpyxl's own cell writer."""
    if kind == "date":
        cell.value = dt.date(2023, 12, 31)
    elif kind == "datetime":
        cell.value = dt.datetime(2023, 1, 2, 3, 4, 5)
    elif kind == "time":
        cell.value = dt.time(13, 30)
    elif kind == "timedelta":
        cell.value = dt.timedelta(hours=36)
    elif kind == "decimal":
        cell.value = Decimal("1.25")
    elif kind == "array":
        cell.value = ArrayFormula(cell.coordinate, "=SUM(A1:A2*2)")
    elif kind == "rich":
        cell.value = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold & <b>")])
    elif kind == "link":
        cell.hyperlink = "https://example.org/?a=1&b=<2>"
    elif kind == "link-formula":
        cell.value = "=A1*2"
        cell.hyperlink = "https://example.org/f"
    elif kind == "comment":
        cell.value = 7
        cell.comment = Comment("Catatan <penting> & benar", "Penulis")
    elif kind == "comment-empty":
        cell.comment = Comment("kosong", "Penulis")
    elif kind == "bare-equals":  # a formula without text (openpyxl makes "=" a string; a reader might not)
        cell.value = "="
        cell.data_type = "f"


Grid = list[list[tuple[object, str | None]]]


def build(grid: Grid, rows: dict[int, dict[str, object]], merge: bool) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    # else each workbook has the second it was made
    wb.properties.created = wb.properties.modified = dt.datetime(2023, 1, 1)
    ws = wb.active
    ws.title = "Data & <Sheet>"
    for r, line in enumerate(grid, start=1):
        for c, (value, style) in enumerate(line, start=1):
            cell = ws.cell(r, c)
            if isinstance(value, tuple):
                _odd(ws, cell, value[1])
            else:
                cell.value = value
            _style(cell, style)
    for r, dims in rows.items():
        for k, v in dims.items():
            setattr(ws.row_dimensions[r], k, v)
    if merge and len(grid) >= 2 and len(grid[0]) >= 2:
        ws.merge_cells("A1:B2")  # MergedCell objects in the sheet's cells
    other = wb.create_sheet("Kedua")
    other["A1"], other["B1"] = 1, "=A1+'Data & <Sheet>'!A1"
    return wb


ROW_DIMS = st.dictionaries(
    st.integers(1, 8),
    st.fixed_dictionaries({}, optional={"height": st.sampled_from([12.75, 15, 30.5, 409]),
                                        "hidden": st.booleans(), "outlineLevel": st.integers(0, 3)}),
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid=st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=6), rows=ROW_DIMS,
       merge=st.booleans(), cached=st.lists(CACHED, min_size=36, max_size=36))
def test_every_part_as_openpyxl_writes_it(grid: Grid, rows: dict[int, dict[str, object]], merge: bool,
                                          cached: list[fx.Scalar]) -> None:
    """Numbers (ints, floats, huge, tiny, -0, NaN, infinities), strings (XML specials, leading and
    trailing spaces, tabs and line breaks, Unicode spaces), formulas, booleans, errors, empty styled cells,
    row heights, hidden and outlined rows, merged cells; and the cells left to openpyxl (dates, decimals,
    array formulas, rich text, hyperlinks, comments): every part of the package is openpyxl's to the
    byte, and each formula cell's cached value is what `with_cached_values` writes."""
    # cached values for every cell of the grid (non-formula cells' must be ignored), and for a cell of
    # the other sheet
    grid_values = {(r, c): cached[(r - 1) * 6 + c - 1] for r in range(1, 7) for c in range(1, 7)}
    values = {"Data & <Sheet>": grid_values, "Kedua": {(1, 2): 2.0}}
    want = openpyxl_reference(build(grid, rows, merge), values)
    got = openpyxl_parts(build(grid, rows, merge), values)
    assert_same_parts(got, want)


def test_the_cells_written_fast_are_the_bulk_ones() -> None:
    """The common cells never reach openpyxl's cell writer (else nothing would be gained); the odd ones do,
    and come out as openpyxl writes them (the hyperlink registered on the sheet: its part and relation)."""
    calls: list[str] = []
    original = sheet_writer.etree_write_cell

    def spy(xf: object, ws: object, cell: openpyxl.cell.cell.Cell, styled: object = None) -> None:
        calls.append(cell.coordinate)
        original(xf, ws, cell, styled)

    wb = build([[(1.5, "bold"), ("teks ", None), ("=A1*2", None), (True, None), ("#N/A", None),
                 (None, "fill"), (("odd", "link-formula"), None), (("odd", "date"), "percent")]], {}, False)
    sheet_writer.etree_write_cell = spy  # type: ignore[assignment]
    try:
        got = openpyxl_parts(wb, {"Data & <Sheet>": {(1, 3): 3.0, (1, 7): 3.0}})
    finally:
        sheet_writer.etree_write_cell = original
    assert calls == ["G1", "H1"]
    xml = got["xl/worksheets/sheet1.xml"]
    assert (b'<row r="1"><c r="A1" s="1" t="n"><v>1.5</v></c><c r="B1" t="inlineStr"><is><t xml:space='
            b'"preserve">teks </t></is></c><c r="C1"><f>A1*2</f><v>3.0</v></c><c r="D1" t="b"><v>1</v></c>'
            b'<c r="E1" t="e"><v>#N/A</v></c><c r="F1" s="2" t="n" /><c r="G1"><f>A1*2</f><v>3.0</v></c>')\
        in xml
    assert b'ref="G1" r:id="rId1" /></hyperlinks>' in xml
    assert b"https://example.org/f" in got["xl/worksheets/_rels/sheet1.xml.rels"]


def test_formula_text_and_cached_strings_are_escaped() -> None:
    """Worked out by hand: `<`, `>` and `&` escaped in the formula text and in a cached string value; a
    cached value that a cell cannot hold (NaN, infinity, an empty cell's value) is left out."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = '=IF(B1<>"",B1&"<x>","")', "=1/0", "=B9", "=B8"
    got = openpyxl_parts(wb, {"S": {(1, 1): "a<b>&c", (2, 1): fx.DIV0, (3, 1): math.inf, (4, 1): fx.EMPTY}})
    xml = got["xl/worksheets/sheet1.xml"]
    assert (b'<c r="A1" t="str"><f>IF(B1&lt;&gt;"",B1&amp;"&lt;x&gt;","")</f><v>a&lt;b&gt;&amp;c</v></c>'
            b'</row><row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
            b'<row r="3"><c r="A3"><f>B9</f><v /></c></row>'
            b'<row r="4"><c r="A4"><f>B8</f><v /></c></row>') in xml


# -- whole packages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep_vba", [True, False])
def test_the_shipped_workbook_as_before(keep_vba: bool) -> None:
    """The shipped workbook (master sheets, unit sheets, reports, tables, validations, charts, comments,
    the VBA project) gives the parts the save gave before: openpyxl's writer, the values computed after
    it, filled in by `with_cached_values`."""
    shipped = ROOT / "workbook" / "Cascading_2023.xlsm"
    old = openpyxl.load_workbook(shipped, keep_vba=keep_vba)
    new = openpyxl.load_workbook(shipped, keep_vba=keep_vba)
    try:
        want_xml = openpyxl_reference(old, {})
        want = with_cached_values(want_xml, cached_values(old))
        got = openpyxl_parts(new, cached_values(new))
        assert any(b"<v>" in want[n] and b"<f>" in want[n] for n in want)  # values were filled in
        assert_same_parts(got, want)
    finally:
        for wb in (old, new):
            if wb.vba_archive is not None:
                wb.vba_archive.close()


def test_parts_archive_keeps_what_a_zip_keeps(tmp_path: Path) -> None:
    """Written twice: the last bytes, as reading the zip back by name gave; text is stored as UTF-8; a
    file is read whole."""
    archive = sheet_writer.PartsArchive()
    archive.writestr("a/b.xml", "é<")
    archive.writestr("a/b.xml", b"second")
    archive.writestr(zipfile.ZipInfo("c.bin"), b"\x00\x01")
    f = tmp_path / "f.xml"
    f.write_bytes(b"<x/>")
    archive.write(f, "xl/worksheets/sheet1.xml")
    archive.close()
    assert archive.parts == {"a/b.xml": b"second", "c.bin": b"\x00\x01", "xl/worksheets/sheet1.xml": b"<x/>"}
    assert archive.namelist() == ["a/b.xml", "c.bin", "xl/worksheets/sheet1.xml"]


def test_openpyxl_is_left_as_it_was() -> None:
    """The fast writer is ours only: openpyxl's own save afterwards uses its own classes."""
    import openpyxl.worksheet._writer as ws_writer
    import openpyxl.writer.excel as excel

    before: tuple[Callable[..., object], ...] = (excel.WorksheetWriter, excel.ExcelWriter.write_worksheet,
                                                 ws_writer.WorksheetWriter.write_rows)
    openpyxl_parts(build([[(1, None), ("=A1", None)]], {}, False), {"Data & <Sheet>": {(1, 2): 1.0}})
    assert (excel.WorksheetWriter, excel.ExcelWriter.write_worksheet,
            ws_writer.WorksheetWriter.write_rows) == before
    assert excel.WorksheetWriter is ws_writer.WorksheetWriter


def test_a_sheet_buffer_has_the_line_ends_of_openpyxls_text_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl writes a sheet into a temporary file opened in text mode: a line break in a cell's text
    is the system's line end there ("\\r\\n" on Windows). The buffer that replaces the file does the
    same, so the part is the same on every system (here: Windows' line end, worked out by hand)."""
    monkeypatch.setattr(sheet_writer, "_NEWLINE", b"\r\n")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "baris 1\nbaris 2"
    xml = openpyxl_parts(wb)["xl/worksheets/sheet1.xml"]
    assert b"<t>baris 1\r\nbaris 2</t>" in xml
    monkeypatch.setattr(sheet_writer, "_NEWLINE", b"\n")
    assert b"<t>baris 1\nbaris 2</t>" in openpyxl_parts(wb)["xl/worksheets/sheet1.xml"]
