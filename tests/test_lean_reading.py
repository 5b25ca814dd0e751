"""The reader's lean loading of the master (reader.load_master_sheets(lean=True), what `read_master` and
`check` use): no Cell for an empty cell of type n, the cells also kept by row, the sheet part scanned as
bytes. The reference is the same reading from the loading without `lean` (whose cells are exactly
openpyxl's, tests/test_master_sheets_scan.py): the Cascade, the rows, the findings of integrity, or the
message of the refusal, must be the same, on the good master, on every damaged workbook of the corpus that
opens, and on hand-made forms of the Indikator sheet's XML that the lean path treats apart (a comment or a
merged range over an empty cell, an address given twice, a style id past the stylesheet, an empty error
cell, a form the scan refuses).
"""

from __future__ import annotations

import contextlib
import re
import warnings
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from tests.conftest import make_small_cascade
from tests.corpus_workbooks import WORKBOOK_CORPUS, build
from xl_sakip.book import reader as R
from xl_sakip.book import schema as s
from xl_sakip.book.sheet_xml import Package
from xl_sakip.book.writer import write_master
from xl_sakip.errors import WorkbookError


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return write_master(make_small_cascade(), tmp_path_factory.mktemp("lean") / "Cascading_2023.xlsm")


def outcome(read: Callable[[], tuple]) -> object:
    try:
        cascade, rows = read()
    except WorkbookError as exc:
        return ("refused", str(exc))
    return cascade.model_dump(mode="json"), rows.model_dump(mode="json")


def full_read(path: Path, strict: bool):
    """The reading as before `lean` (every cell openpyxl would make), through the same opening."""
    load = R.load_master_sheets
    R.load_master_sheets = lambda fh, lean=False: load(fh)  # type: ignore[assignment]
    try:
        return R.read_master_with_rows(path, strict=strict)
    finally:
        R.load_master_sheets = load


def same_reading(path: Path) -> object:
    """Both readings (strict and not) of `path` agree; returns the lenient one."""
    for strict in (False, True):
        lean = outcome(lambda: R.read_master_with_rows(path, strict=strict))  # noqa: B023
        full = outcome(lambda: full_read(path, strict))  # noqa: B023
        assert lean == full
    return lean


def indikator_xml(good: Path, out: Path, change: Callable[[str], str]) -> Path:
    """`good` with its Indikator sheet's XML changed by `change` (a form openpyxl never writes)."""
    with zipfile.ZipFile(good) as zf:
        part = Package(zf).parts[s.SHEET_INDICATORS]
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                changed = change(data.decode()).encode()
                assert changed != data
                data = changed
            dst.writestr(info, data)
    return out


def empty_cell(xml: str, ref: str) -> str:
    """The XML of the empty cell at `ref` (asserting that the good master writes it so)."""
    found = re.search(rf'<c r="{ref}"[^>]*?/>', xml)
    assert found, ref
    return found.group(0)


def test_good_master_reads_the_same_and_cells_are_openpyxls_but_empty_ones(good: Path) -> None:
    assert same_reading(good)[0]["indicators"]  # read, not refused
    scanned: set[str] = set()
    with good.open("rb") as fh:
        lean = R.load_master_sheets(fh, lean=True, scanned=scanned)
    assert {s.SHEET_INDICATORS, s.SHEET_POSITIONS} <= scanned
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = openpyxl.load_workbook(good)
    left_out = 0
    for name in (s.SHEET_INDICATORS, s.SHEET_POSITIONS, s.SHEET_SETTINGS):
        mine, theirs = lean[name]._cells, ref[name]._cells
        for key, cell in theirs.items():
            if key in mine:
                assert (mine[key].value, mine[key].data_type) == (cell.value, cell.data_type), (name, key)
            else:  # only an empty numeric cell is left out
                assert (cell.value, cell.data_type) == (None, "n"), (name, key)
                left_out += 1
        assert set(mine) <= set(theirs)
        # The same cells by row, then column (what _Sheet.rows reads); a sheet openpyxl parsed has none.
        by_row = getattr(lean[name], R.ROWS, None)
        if by_row is None:
            assert name not in scanned
            continue
        assert {(r, c): cell for r, row in by_row.items() for c, cell in row.items()} == mine
    assert left_out > 0  # the good master writes empty styled cells: the lean path did leave some out


OPENING = [c for c in WORKBOOK_CORPUS if c.exit_code == 1 or c.name not in (
    "bukan_workbook", "file_kosong", "file_terpotong", "berkata_sandi", "xls_lama")]


@pytest.mark.parametrize("case", OPENING, ids=lambda c: c.name)
def test_damaged_workbooks(case, good: Path, tmp_path: Path) -> None:
    same_reading(build(case, good, tmp_path))


def test_comment_on_an_empty_cell(good: Path, tmp_path: Path) -> None:
    # H3 (Target Atas) is written empty; a comment there makes openpyxl's cell before the scan's.
    path = tmp_path / "comment.xlsm"
    wb = openpyxl.load_workbook(good, keep_vba=True)
    wb[s.SHEET_INDICATORS]["H3"].comment = Comment("catatan", "penyusun")
    wb[s.SHEET_INDICATORS]["G4"].comment = Comment("catatan", "penyusun")  # a cell with a value
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(Package(zf).parts[s.SHEET_INDICATORS]).decode()
    empty_cell(xml, "H3")
    same_reading(path)
    with path.open("rb") as fh:
        lean = R.load_master_sheets(fh, lean=True)[s.SHEET_INDICATORS]
    assert lean["H3"].comment is not None and lean["G4"].comment is not None
    assert lean["G4"].value == make_small_cascade().indicators[2].target


def test_merged_range_over_an_empty_cell(good: Path, tmp_path: Path) -> None:
    # H3:H4 merged, both cells written empty (as Excel writes a merged range's styled cells).
    def change(xml: str) -> str:
        empty_cell(xml, "H3"), empty_cell(xml, "H4")
        return xml.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="H3:H4"/>'
                                           "</mergeCells>", 1)

    # openpyxl's own reading makes H4 a MergedCell (its value and style from the file dropped); the reader
    # does the same and refuses naming the cell, the range and what to do (before: refused as unreadable,
    # "AttributeError: 'MergedCell' ...").
    path = indikator_xml(good, tmp_path / "m.xlsm", change)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = openpyxl.load_workbook(path)[s.SHEET_INDICATORS]
    assert type(plain["H4"]).__name__ == "MergedCell" and "H3:H4" in plain.merged_cells
    got = same_reading(path)
    assert got == ("refused", "Sheet 'Indikator' sel H4: Target Atas adalah bagian dari sel gabungan H3:H4; "
                              "batalkan penggabungan (Unmerge Cells) dan isi nilainya di setiap baris.")


def test_address_given_twice(good: Path, tmp_path: Path) -> None:
    # G3 holds a target; an empty G3 written after it wins in openpyxl (the target reads as empty).
    def change(xml: str) -> str:
        row = re.search(r'<row r="3"[^>]*>.*?</row>', xml).group(0)
        return xml.replace(row, row.replace("</row>", '<c r="G3" s="1" t="n"/></row>'), 1)

    first = same_reading(indikator_xml(good, tmp_path / "twice.xlsm", change))
    again = same_reading(indikator_xml(good, tmp_path / "twice2.xlsm", lambda x: change(change(x))))
    assert "refused" not in first[0] and first == again


@pytest.mark.parametrize("where", ["empty", "value"])
def test_style_id_past_the_stylesheet(good: Path, tmp_path: Path, where: str) -> None:
    def change(xml: str) -> str:
        if where == "empty":
            cell = empty_cell(xml, "H3")
            return xml.replace(cell, re.sub(r' s="\d+"', ' s="999"', cell), 1)
        cell = re.search(r'<c r="G3"[^>]*>', xml).group(0)
        return xml.replace(cell, re.sub(r' s="\d+"', ' s="999"', cell), 1)

    got = same_reading(indikator_xml(good, tmp_path / "style.xlsm", change))
    assert got[0] == "refused" and "tidak dapat dibaca" in got[1]


def test_empty_error_cell_and_date(good: Path, tmp_path: Path) -> None:
    # An error cell without a value is not an empty cell: it is read as before ("galat Excel").
    def change(xml: str) -> str:
        cell = empty_cell(xml, "H3")
        return xml.replace(cell, '<c r="H3" t="e"/>', 1)

    got = same_reading(indikator_xml(good, tmp_path / "error.xlsm", change))
    assert got[0] == "refused" and "sel H3" in got[1]
    path = tmp_path / "date.xlsm"
    wb = openpyxl.load_workbook(good, keep_vba=True)
    wb[s.SHEET_INDICATORS]["T3"] = datetime(2023, 4, 1)
    wb.save(path)
    assert "1 April 2023" in str(same_reading(path))


def test_form_the_scan_refuses(good: Path, tmp_path: Path) -> None:
    # Rich text in an inline string: the scan gives up, openpyxl parses the sheet, the reading is the same.
    def change(xml: str) -> str:
        found = re.search(r'<c r="E3"([^>]*)><is><t>([^<]*)</t></is></c>', xml)
        assert found
        return xml.replace(found.group(0), f'<c r="E3"{found.group(1)}><is><r><t>{found.group(2)}</t></r>'
                                           "</is></c>", 1)

    path = indikator_xml(good, tmp_path / "rich.xlsm", change)
    scanned: set[str] = set()
    with path.open("rb") as fh:
        R.load_master_sheets(fh, scanned=scanned, lean=True)
    assert s.SHEET_INDICATORS not in scanned
    assert "refused" not in same_reading(path)[0]


@pytest.mark.parametrize("xml", [
    '<c r="A1" s="5" t="n" s="6"/>', '<c r="A1" s="5" x="y"/>', '<c r="A1"><f>1</f><v>2</v></c>',
    '<c r="B7" t="inlineStr"><is><t xml:space="preserve"> x &amp; é</t></is></c>', '<c r="A1"><v/></c>',
    '<c r="AB12" t="s"><v>0</v></c>', '<c r="A1" s="1"></c>', '<c r="A1" s="1" />', '<c r="AAAA1"/>',
    '<c r="A1" t="e"><v>#N/A</v></c>', '<c r="A1"><f>SUM(A2:A3)</f></c>', '<c r="A1" t="str"><v>x</v></c>',
    '<c r="A1"><f t="shared" si="0">A2</f></c>', '<c r="A1" t="inlineStr"><is><r><t>x</t></r></is></c>',
])
def test_bytes_scan_matches_the_text_scan(xml: str) -> None:
    """The reader's scan of the bytes (possessive) finds what sheet_xml.scan finds in the text, or refuses."""
    from xl_sakip.book.sheet_xml import Unsure, scan, scan_bytes

    data = f"<sheetData><row r=\"1\">{xml}{xml}</row></sheetData>"
    try:
        text = scan(data)
    except Unsure:
        text = None
    try:
        raw = scan_bytes(data.encode(), 0, len(data.encode()))
    except Unsure:
        raw = None
    assert (None if raw is None else [tuple(g.decode() for g in c) for c in raw]) == text


def _f3_as(good: Path, out: Path, inner: str) -> Path:
    """`good` with the Indikator cell F3 (Target Tertulis) an empty inline string of the form `inner`."""
    def change(xml: str) -> str:
        found = re.search(r'<c r="F3"( s="[0-9]+")?[^>]*?(?:/>|>.*?</c>)', xml)
        assert found
        return xml.replace(found.group(0), f'<c r="F3"{found.group(1) or ""} t="inlineStr"{inner}', 1)

    return indikator_xml(good, out, change)


def test_an_empty_inline_string_is_scanned(good: Path, tmp_path: Path) -> None:
    """`<c t="inlineStr"/>`, what our writer makes of an empty text (the year sheets of a master the tool
    wrote are full of them): openpyxl reads it as None of type inlineStr; the scan makes that cell too, and
    the sheet is no longer left to openpyxl's parsing (a `check` of 4 000 indicators with a year's data
    read its Renstra, Riwayat, Narasi and Anggaran that way: half of its time)."""
    path = _f3_as(good, tmp_path / "empty.xlsm", " />")
    scanned: set[str] = set()
    with path.open("rb") as fh:
        wb = R.load_master_sheets(fh, scanned=scanned, lean=True)
    assert s.SHEET_INDICATORS in scanned
    cell = wb[s.SHEET_INDICATORS]["F3"]
    assert (cell.value, cell.data_type) == (None, "inlineStr")
    full = openpyxl.load_workbook(path)[s.SHEET_INDICATORS]["F3"]
    assert (full.value, full.data_type) == (None, "inlineStr")
    assert "refused" not in same_reading(path)[0]


@pytest.mark.parametrize("inner", ["><is><t></t></is></c>", '><is><t xml:space="preserve"></t></is></c>'])
def test_an_empty_is_element_is_left_to_openpyxl(good: Path, tmp_path: Path, inner: str) -> None:
    """An empty <is> is "" to openpyxl, and to the scan indistinguishable from no <is>: openpyxl reads it."""
    path = _f3_as(good, tmp_path / "empty-is.xlsm", inner)
    scanned: set[str] = set()
    with path.open("rb") as fh:
        R.load_master_sheets(fh, scanned=scanned, lean=True)
    assert s.SHEET_INDICATORS not in scanned
    assert openpyxl.load_workbook(path)[s.SHEET_INDICATORS]["F3"].value == ""
    assert "refused" not in same_reading(path)[0]


def test_the_cells_read_go_without_the_collector(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """regenerate keeps the cyclic collector paused to its save: the workbook read for the model (each sheet
    and the workbook refer to each other) is emptied once read, so that its cells are freed by their
    reference counts, not kept to the end of the run (issue 13: 47 MB of the peak at 10 000 indicators)."""
    import gc

    opened = []
    real_open = R._open

    def keep(path: Path):  # noqa: ANN202
        wb = real_open(path)
        opened.append(wb)
        return wb

    monkeypatch.setattr(R, "_open", keep)
    with R.gc_paused():
        cascade, _rows = R.read_master_with_rows(good)
        assert cascade.indicators  # read as before
        wb = opened[0]
        assert wb.worksheets == []
        cells_alive = [o for o in gc.get_objects() if type(o).__name__ == "Worksheet" and o.parent is wb]
        assert all(not ws._cells for ws in cells_alive)


def _openpyxl_reading(path: Path, strict: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    """The reading with every sheet parsed by openpyxl itself (no scan): the reference of the scan."""
    from openpyxl.reader.excel import ExcelReader

    with monkeypatch.context() as m:
        m.setattr(R._MasterSheetsReader, "_read_worksheet",
                  lambda self, part, name: ExcelReader.read_worksheets(self))
        return outcome(lambda: R.read_master_with_rows(path, strict=strict))


@pytest.mark.parametrize(("inner", "scanned"), [
    ("><is><t>40&#150;50</t></is></c>", True),  # XML keeps U+0096; html.unescape made it an en dash
    ("><is><t>40&#x96;50</t></is></c>", True),
    ("><is><t>&lt;&gt;&amp;&quot;&apos;&#x41;&#66;&#13;</t></is></c>", True),
    ("><is><t>a&nbsp;b</t></is></c>", False),  # not an XML entity: openpyxl refuses the file, so do we
    ("><is><t>a&#0;b</t></is></c>", False),  # not an XML character
])
def test_references_are_read_as_xml_reads_them(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               inner: str, scanned: bool) -> None:
    """A reviewer's finding (2026-12-04): the scan decoded references as HTML does."""
    path = _f3_as(good, tmp_path / "ref.xlsm", inner)
    seen: set[str] = set()
    with path.open("rb") as fh, contextlib.suppress(Exception):
        R.load_master_sheets(fh, scanned=seen, lean=True)
    assert (s.SHEET_INDICATORS in seen) is scanned
    for strict in (False, True):
        assert outcome(lambda: R.read_master_with_rows(path, strict=strict)) == _openpyxl_reading(  # noqa: B023
            path, strict, monkeypatch)


def test_cells_in_an_xml_comment_are_not_read(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    """A row inside <!-- --> is no row (openpyxl reads one indicator fewer); the scan would have found its
    cells: such a sheet is left to openpyxl."""
    def change(xml: str) -> str:
        row = re.search(r'<row r="3".*?</row>', xml)
        assert row
        return xml.replace(row.group(0), f"<!--{row.group(0)}-->", 1)

    path = indikator_xml(good, tmp_path / "comment.xlsm", change)
    ours = outcome(lambda: R.read_master_with_rows(path, strict=False))
    assert ours == _openpyxl_reading(path, False, monkeypatch)
    assert len(ours[0]["indicators"]) == len(make_small_cascade().indicators) - 1  # type: ignore[index]
