"""A master table with Excel's "Total Row" on (Table Design > Total Row): a planner's way to count the
indicators or sum a column. The totals row is not data: Excel leaves it out of `tblIndikator[ID]` and every
other structured reference, and xl-sakip leaves it out of what it reads (book/reader.py `_table_rows`,
book/integrity.py `totals_rows`) and of the table columns its engine evaluates (book/values.py `_table`).
It used to be read as one more indicator: five galat ("Indikator Kinerja kosong" ...) for a row nobody
meant as one.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book.reader import read_master
from xl_sakip.regenerate import regenerate

SHIPPED = Path(__file__).resolve().parents[1] / "workbook" / "Cascading_2023.xlsm"
COUNT = "=SUBTOTAL(103,tblIndikator[ID])"  # what Excel's totals row offers as "Count"


def _with_total_row(path: Path) -> int:
    """Turns tblIndikator's Total Row on, with "Total" under ID and a count under Kode Jabatan; its row."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    table = ws.tables["tblIndikator"]
    c1, _, c2, r2 = range_boundaries(table.ref)
    table.ref = f"{get_column_letter(c1)}1:{get_column_letter(c2)}{r2 + 1}"
    table.totalsRowCount = 1
    ws.cell(r2 + 1, 1).value, ws.cell(r2 + 1, 2).value = "Total", COUNT
    wb.save(path)
    return r2 + 1


def test_the_total_row_is_not_read_as_an_indicator(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    _with_total_row(path)
    cascade = read_master(path)
    # By hand from the seed: 94 indicators of 21 positions, the last one P21's.
    assert len(cascade.indicators) == 94
    assert cascade.indicators[-1].id.startswith("P21-")


@requires_libreoffice
def test_regenerate_with_a_total_row_writes_what_it_writes_without(tmp_path: Path) -> None:
    plain, totals = tmp_path / "plain.xlsm", tmp_path / "totals.xlsm"
    shutil.copyfile(SHIPPED, plain)
    shutil.copyfile(SHIPPED, totals)
    row = _with_total_row(totals)
    regenerate(plain)
    regenerate(totals)
    a = openpyxl.load_workbook(plain, data_only=True)
    b = openpyxl.load_workbook(totals, data_only=True)
    formulas = openpyxl.load_workbook(totals)
    assert b.sheetnames == a.sheetnames
    generated = [n for n in b.sheetnames if n not in ("Indikator",) and n in a.sheetnames]
    for name in generated:  # every other sheet holds the same values, cell for cell
        got = {k: c.value for k, c in b[name]._cells.items() if c.value is not None}
        want = {k: c.value for k, c in a[name]._cells.items() if c.value is not None}
        assert got == want, name
    # The totals row is the user's: kept, and the table still has it.
    assert formulas["Indikator"].cell(row, 1).value == "Total"
    assert formulas["Indikator"].cell(row, 2).value == COUNT
    assert formulas["Indikator"].tables["tblIndikator"].totalsRowCount == 1
    # A second engine: LibreOffice's recalculation gives the unit sheets' cached values (Excel's count of
    # the IDs, 94 by hand from the seed, in the totals row).
    lo = recalc_values(totals, tmp_path / "lo")
    assert lo["Indikator"].cell(row, 2).value == 94
    differ = [f"{name}!{c.coordinate}: {c.value!r} / {lo[name].cell(*k).value!r}" for name in generated
              for k, c in b[name]._cells.items() if not _same(c.value, lo[name].cell(*k).value)]
    assert differ == []


def _plain_values(tmp_path: Path) -> openpyxl.Workbook:
    """The cached values of the shipped workbook regenerated as it is: what a repaired one must hold."""
    plain = tmp_path / "plain.xlsm"
    shutil.copyfile(SHIPPED, plain)
    regenerate(plain)
    return openpyxl.load_workbook(plain, data_only=True)


def _same_generated_values(path: Path, tmp_path: Path) -> None:
    a, b = _plain_values(tmp_path), openpyxl.load_workbook(path, data_only=True)
    for name in (n for n in a.sheetnames if n.startswith(("P", "Ringkasan", "Dasbor"))):
        got = {k: c.value for k, c in b[name]._cells.items() if c.value is not None}
        want = {k: c.value for k, c in a[name]._cells.items() if c.value is not None}
        assert got == want, name


def test_an_empty_total_row_stays_the_total_row_when_the_table_is_repaired(tmp_path: Path) -> None:
    """Total Row on and left empty, and the table one column short (a repair to make): the repair used to
    set the ref to the last row holding data, so the last indicator became the totals row (93 read)."""
    from openpyxl.worksheet.filters import AutoFilter

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    row = _with_total_row(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    ws.cell(row, 1).value = ws.cell(row, 2).value = None  # the totals row emptied
    table = ws.tables["tblIndikator"]
    table.ref, table.autoFilter = f"A1:AI{row}", AutoFilter(ref=f"A1:AI{row - 1}")
    table.tableColumns = table.tableColumns[:-1]
    wb.save(path)
    regenerate(path)
    table = openpyxl.load_workbook(path)["Indikator"].tables["tblIndikator"]
    assert (table.ref, table.totalsRowCount) == (f"A1:AJ{row}", 1)
    assert len(read_master(path).indicators) == 94  # by hand from the seed
    _same_generated_values(path, tmp_path)


def test_a_master_table_with_its_header_row_off_is_named_and_repaired(tmp_path: Path) -> None:
    """tblKategori with Excel's "Header Row" off (its ref A2:C6, the titles left in row 1): the formulas read
    the titles as a category. check names it; regenerate turns the header row on, and the generated
    sheets hold what they hold for the shipped workbook (the category labels were shifted by one)."""
    from xl_sakip.book.integrity import damages

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    table = wb["Ref_Kategori"].tables["tblKategori"]
    table.ref, table.headerRowCount, table.autoFilter = "A2:C6", 0, None
    wb.save(path)
    found = [d.message for d in damages(openpyxl.load_workbook(path))]
    assert any("Header Row dimatikan" in m for m in found)
    result = regenerate(path)
    assert any("baris judul dinyalakan" in r for r in result.repaired)
    table = openpyxl.load_workbook(path)["Ref_Kategori"].tables["tblKategori"]
    assert table.ref == "A1:C6" and table.headerRowCount in (None, 1)
    _same_generated_values(path, tmp_path)


def header_row_off_as_excel_does(path: Path) -> tuple[int, int]:
    """tblIndikator's Header Row unticked in Excel: row 1 emptied, the table from row 2, its titles kept as
    its column names. The table's last column and row."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    table = ws.tables["tblIndikator"]
    c1, _, c2, r2 = range_boundaries(table.ref)
    table.ref, table.headerRowCount, table.autoFilter = f"A2:{get_column_letter(c2)}{r2}", 0, None
    for c in range(c1, c2 + 1):
        ws.cell(1, c).value = None
    wb.save(path)
    return c2, r2


def test_header_row_turned_off_in_excel_is_read_and_given_back(tmp_path: Path) -> None:
    """Excel's own way of unticking Header Row: the titles leave row 1 (it is emptied), the table starts at
    row 2 and keeps them as its column names, and its structured references still read the same rows. The
    reader used to stop ("kolom-kolom 'ID', ... tidak ditemukan di baris judul; kembalikan judul kolom"), a
    dead end for a planner one click away from the fix. Now it reads the titles from the table, check gives
    one peringatan, and regenerate writes the titles back and turns the header row on."""
    from xl_sakip.book.integrity import damages

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    titles = {c: v for c, v in enumerate(next(openpyxl.load_workbook(path)["Indikator"].values), 1)}
    c2, r2 = header_row_off_as_excel_does(path)
    assert len(read_master(path).indicators) == 94  # by hand from the seed
    found = damages(openpyxl.load_workbook(path))
    assert [(d.code, d.cell, d.severity.value) for d in found] == [("TABEL_RUSAK", "A2", "peringatan")]
    assert "Header Row" in found[0].message and "tidak tampil di baris 1" in found[0].message
    result = regenerate(path)
    assert any("baris judul dinyalakan" in r for r in result.repaired)
    ws = openpyxl.load_workbook(path)["Indikator"]
    assert ws.tables["tblIndikator"].ref == f"A1:{get_column_letter(c2)}{r2}"
    assert ws.tables["tblIndikator"].headerRowCount in (None, 1)
    assert {c: ws.cell(1, c).value for c in titles} == titles
    assert damages(openpyxl.load_workbook(path)) == []
    _same_generated_values(path, tmp_path)


def test_an_indicator_typed_in_the_total_row_is_named(tmp_path: Path) -> None:
    """The totals row is not read: what a person typed there as data is reported, not dropped silently.
    A label in the first column (Excel's "Total") or formulas are what a totals row holds."""
    from xl_sakip.book.integrity import damages

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    row = _with_total_row(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    for c in range(2, 12):  # P21's last indicator copied into the totals row, but for its ID
        ws.cell(row, c).value = ws.cell(row - 1, c).value
    wb.save(path)
    found = damages(openpyxl.load_workbook(path))
    assert [(d.code, d.cell) for d in found] == [("TABEL_RUSAK", f"A{row}")]
    assert "Kode Jabatan, No Sasaran" in found[0].message and "baris Total tidak dibaca" in found[0].message
    assert regenerate(path).findings["galat"] == 1


def test_one_value_typed_in_the_total_row_is_a_warning_not_dropped_silently(tmp_path: Path) -> None:
    """One plain value in the totals row (besides its first column) may be a label or the start of an
    indicator typed in the wrong row: either way it is not read, so it is named, as a peringatan at its own
    cell (a galat would stop a planner for a label). It used to pass without a word."""
    from xl_sakip.book.integrity import damages

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    row = _with_total_row(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    col = 1 + [str(c.value) for c in ws[1]].index("Target")
    ws.cell(row, col).value = 75
    wb.save(path)
    found = damages(openpyxl.load_workbook(path))
    assert [(d.code, d.cell, d.severity.value) for d in found] == [
        ("TABEL_RUSAK", f"{get_column_letter(col)}{row}", "peringatan")]
    assert "kolom 'Target'" in found[0].message and "tidak dibaca sebagai data" in found[0].message
    plain = tmp_path / "plain.xlsm"
    shutil.copyfile(SHIPPED, plain)
    _with_total_row(plain)
    without, with_value = regenerate(plain).findings, regenerate(path).findings
    assert with_value["galat"] == without["galat"] == 0  # the shipped workbook has none
    assert with_value["peringatan"] == without["peringatan"] + 1


def _same(a: object, b: object) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_data_below_the_total_row_is_named_not_swallowed(tmp_path: Path) -> None:
    """An indicator typed below the totals row lies outside the table. Extending the table over it (the
    repair for data below a table) would make it the totals row and the "Total" row data: instead check
    and regenerate name the row and say what to do in Excel, and the table is left as it is."""
    from xl_sakip.book.integrity import damages

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    row = _with_total_row(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    for c in range(1, ws.max_column + 1):  # P21's last indicator again, as a new one
        v = ws.cell(row - 1, c).value
        if not (isinstance(v, str) and v.startswith("=")):
            ws.cell(row + 1, c).value = v
    new_id = ws.cell(row + 1, 1).value = ws.cell(row - 1, 1).value + "0"
    wb.save(path)
    found = damages(openpyxl.load_workbook(path))
    assert [(d.code, d.cell) for d in found] == [("TABEL_RUSAK", f"A{row + 1}")]
    assert f"Total Row (baris {row})" in found[0].message
    assert f"baris {row + 1} di bawahnya" in found[0].message
    result = regenerate(path)
    assert result.findings["galat"] == 1  # told with regenerate's findings too
    table = openpyxl.load_workbook(path)["Indikator"].tables["tblIndikator"]
    assert table.ref == f"A1:AJ{row}" and table.totalsRowCount == 1  # not extended
    ids = [i.id for i in read_master(path).indicators]
    assert len(ids) == 95 and ids[-1] == new_id  # the new row is read (and reported), "Total" is not


def test_data_far_below_the_total_row_is_named_at_its_own_row(tmp_path: Path) -> None:
    """Empty rows between the totals row and the data typed below it: the finding points at the data's
    row (not the empty row under the totals row) and names the rows from there."""
    from xl_sakip.book.integrity import damages

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED, path)
    row = _with_total_row(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    ws.cell(row + 5, 1).value = "P21-9.9"  # five rows down: rows row+1 .. row+4 stay empty
    wb.save(path)
    found = damages(openpyxl.load_workbook(path))
    assert [(d.code, d.cell) for d in found] == [("TABEL_RUSAK", f"A{row + 5}")]
    assert f"dan baris {row + 5} di bawahnya" in found[0].message
