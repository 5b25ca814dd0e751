"""A workbook made by an older xl-sakip keeps working after an upgrade.

The older workbook is simulated by deleting the Pengaturan rows later versions added (the three "PK Kepala
Dinas: ..." rows, "Laporan s.d. Triwulan", "Kategori Perlu Penjelasan", "Rumus Efisiensi" and the computed
"Triwulan Laporan Berlaku", the last seven of the sheet, rows 9-15) and their defined names, and the master
sheets of the SAKIP year (Renstra, Riwayat, Narasi). Expected values are the model's documented defaults
(core/models.py: the three PK fields empty, which makes the PK leave a dotted line; the reporting quarter 4,
the whole year; Rendah and Sangat Rendah need an explanation; efficiency "capaian-serapan"; the reporting
quarter in force, the formula that computes it) and the layout of a freshly written workbook (rows 9-15,
names 'Pengaturan'!$B$9..$B$15).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import make_small_cascade
from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.reader import read_master, read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.findings import Severity
from xl_sakip.errors import WorkbookError
from xl_sakip.regenerate import regenerate

NEW_ROWS = (  # label, defined name: the rows added with the PK of the Kepala Dinas
    ("PK Kepala Dinas: Jabatan Pihak Kedua", "setPKAtasanJabatan"),
    ("PK Kepala Dinas: Nama Pihak Kedua", "setPKAtasanNama"),
    ("PK Kepala Dinas: NIP Pihak Kedua", "setPKAtasanNIP"),
    ("Laporan s.d. Triwulan", "setTriwulanLaporan"),  # issue 14
    ("Kategori Perlu Penjelasan", "setKategoriPenjelasan"),  # issue 14
    ("Rumus Efisiensi", "setRumusEfisiensi"),  # issue 15
    ("Triwulan Laporan Berlaku", "setTriwulanBerlaku"),  # issue 13: computed, a formula
)
ROWS = (9, 10, 11, 12, 13, 14, 15)
QUARTER_IN_FORCE = "=IF(ISNUMBER(setTriwulanLaporan),setTriwulanLaporan,4)"
YEAR_SHEETS = ("Renstra", "Riwayat", "Narasi")
DEFAULTS = {"Laporan s.d. Triwulan": "'4'", "Kategori Perlu Penjelasan": "'Rendah; Sangat Rendah'",
            "Rumus Efisiensi": "'capaian-serapan'"}


def _names(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {n: d.attr_text for n, d in wb.defined_names.items() if n.startswith("set")}


def _age(path: Path, edit=None) -> Path:
    """`path` as an older version wrote it: without the seven newest rows (9-15) and their names, and
    without the year sheets."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Pengaturan"]
    assert [ws.cell(r, 1).value for r in ROWS] == [label for label, _ in NEW_ROWS]
    ws.delete_rows(9, len(ROWS))
    for name in YEAR_SHEETS:
        wb.remove(wb[name])
    for _, name in NEW_ROWS:
        del wb.defined_names[name]
    if edit:
        edit(ws)
    wb.save(path)
    return path


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    cascade = make_small_cascade()
    cascade.settings.pk_root_superior_title = "Gubernur Sulawesi Utara"  # a value the default must replace
    return write_master(cascade, tmp_path / "Cascading_2023.xlsm")


def test_older_workbook_reads_with_defaults(fresh: Path) -> None:
    cascade, rows = read_master_with_rows(_age(fresh))
    assert cascade.settings.pk_root_superior_title == ""
    assert cascade.settings.pk_root_superior_name == ""
    assert cascade.settings.pk_root_superior_nip == ""
    assert cascade.settings.reporting_quarter == 4
    assert rows.missing_settings == [label for label, _ in NEW_ROWS]
    # the rows that are there are still read: conftest's office, year and place
    assert (cascade.settings.year, cascade.settings.place) == (2023, "Manado")


def test_check_reports_each_new_row_as_info_and_exits_0(fresh: Path) -> None:
    path = _age(fresh)
    report = run_check(path)
    new = [f for f in report.findings if f.code == "PENGATURAN_BARU"]
    assert [f.severity for f in new] == [Severity.INFO] * len(ROWS)
    for (label, _), f in zip(NEW_ROWS, new, strict=True):
        default = DEFAULTS.get(label, "kosong")
        used = ("sheet unit yang ada menghitung nilainya sendiri" if label == "Triwulan Laporan Berlaku"
                else f"nilai bawaannya dipakai: {default}")
        assert f"'{label}'" in f.message and used in f.message
        assert "xl-sakip regenerate" in f.message
    assert report.exit_code == 0
    result = CliRunner().invoke(app, ["check", str(path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.output.count("PENGATURAN_BARU") == len(ROWS)


def test_regenerate_adds_the_rows_back_with_defaults_and_names(fresh: Path) -> None:
    names_before = _names(fresh)
    notes = [c.value for c in openpyxl.load_workbook(fresh)["Pengaturan"]["C"][8:15]]
    path = _age(fresh)
    result = regenerate(path, reports=False)
    assert result.added_settings == [label for label, _ in NEW_ROWS]
    assert "Baris baru di sheet Pengaturan (nilai bawaan, isi bila perlu): PK Kepala" in result.summary()
    assert "(dihitung, jangan diisi): Triwulan Laporan Berlaku" in result.summary()
    ws = openpyxl.load_workbook(path)["Pengaturan"]
    assert [ws.cell(r, 1).value for r in ROWS] == [label for label, _ in NEW_ROWS]
    assert [ws.cell(r, 2).value in (None, "") for r in (9, 10, 11)] == [True] * 3  # default: empty
    assert [ws.cell(r, 2).number_format for r in (9, 10, 11)] == ["@"] * 3
    assert (ws["B12"].value, ws["B12"].number_format) == (4, "0")  # default: the whole year
    assert (ws["B13"].value, ws["B13"].number_format) == ("Rendah; Sangat Rendah", "@")
    assert (ws["B14"].value, ws["B14"].number_format) == ("capaian-serapan", "@")
    assert (ws["B15"].value, ws["B15"].data_type) == (QUARTER_IN_FORCE, "f")  # a formula, not a value
    assert [ws.cell(r, 3).value for r in ROWS] == notes
    assert ws.max_row == 15
    # the same defined names as a workbook written by this version, pointing at the rows added
    assert _names(path) == names_before
    assert names_before["setPKAtasanNIP"] == "'Pengaturan'!$B$11"
    cascade, rows = read_master_with_rows(path)
    assert rows.missing_settings == []
    assert not [f for f in run_check(path).findings if f.code == "PENGATURAN_BARU"]
    assert cascade.settings.pk_root_superior_title == ""


def test_regenerate_keeps_the_users_values_and_rows(fresh: Path) -> None:
    def planner(ws) -> None:  # a year of use: own values, and an own note below the table
        ws["B2"] = "Dinas Tenaga Kerja dan Transmigrasi"
        ws["B6"] = 120
        ws["B8"] = "Sangat Baik"
        ws["A14"] = "Catatan: batas capaian disepakati rapat 5 Januari"

    path = _age(fresh, planner)
    regenerate(path, reports=False)
    ws = openpyxl.load_workbook(path)["Pengaturan"]
    assert (ws["B2"].value, ws["B6"].value, ws["B8"].value) == (
        "Dinas Tenaga Kerja dan Transmigrasi", 120, "Sangat Baik")
    assert ws["A14"].value == "Catatan: batas capaian disepakati rapat 5 Januari"
    # added after the last used row (14), not over the note
    assert [ws.cell(r, 1).value for r in range(15, 22)] == [label for label, _ in NEW_ROWS]
    names = _names(path)
    assert names["setInstansi"] == "'Pengaturan'!$B$2" and names["setBatasCapaian"] == "'Pengaturan'!$B$6"
    assert [names[n] for _, n in NEW_ROWS] == [f"'Pengaturan'!$B${r}" for r in range(15, 22)]
    cascade = read_master(path)
    assert cascade.settings.office == "Dinas Tenaga Kerja dan Transmigrasi"
    assert cascade.settings.capaian_cap == 120
    assert cascade.reference is not None and cascade.reference.above_target_label == "Sangat Baik"


def test_missing_above_target_label_takes_the_model_default(fresh: Path) -> None:
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    wb["Pengaturan"].delete_rows(8)  # Label Capaian di Atas Target
    wb.save(fresh)
    cascade = read_master(fresh)
    assert cascade.reference is not None and cascade.reference.above_target_label == "Melampaui Target"


def test_missing_required_row_is_still_an_error(fresh: Path) -> None:
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    wb["Pengaturan"].delete_rows(7)  # Rumus Capaian Polaritas Turun: no safe default, stays required
    wb.save(fresh)
    with pytest.raises(WorkbookError, match="baris 'Rumus Capaian Polaritas Turun' tidak ditemukan"):
        read_master(fresh)


def test_regenerate_adds_the_year_sheets_empty_and_touches_nothing_else(fresh: Path) -> None:
    path = _age(fresh)
    cascade, rows = read_master_with_rows(path)  # an older workbook reads: the year sheets are empty
    assert (cascade.renstra, cascade.history, cascade.narratives) == ([], [], [])
    assert rows.missing_year_sheets == list(YEAR_SHEETS)
    before = openpyxl.load_workbook(path)
    indikator = [[c.value for c in r] for r in before["Indikator"].iter_rows()]
    result = regenerate(path, reports=False)
    assert result.added_sheets == list(YEAR_SHEETS)
    assert result.summary().count("Sheet master baru (kosong, isi bila perlu): Renstra, Riwayat, Narasi") == 1
    wb = openpyxl.load_workbook(path)
    at = wb.sheetnames.index("Pengaturan")
    assert wb.sheetnames[at + 1:at + 4] == list(YEAR_SHEETS)  # after Pengaturan, as a new workbook has them
    new = make_small_cascade()  # a workbook of this version with empty year sheets
    fresh_wb = openpyxl.load_workbook(write_master(new, fresh.with_name("new.xlsm")))
    for name in YEAR_SHEETS:
        ws, want = wb[name], fresh_wb[name]
        assert [c.value for c in ws[1]] == [c.value for c in want[1]]  # headers
        assert [t.name for t in ws.tables.values()] == [t.name for t in want.tables.values()]
        assert [(v.type, str(v.sqref)) for v in ws.data_validations.dataValidation] == [
            (v.type, str(v.sqref)) for v in want.data_validations.dataValidation]
        assert [t.ref for t in ws.tables.values()] == [t.ref for t in want.tables.values()]
        assert all(c.value is None for r in ws.iter_rows(min_row=2) for c in r)  # empty
    assert [[c.value for c in r] for r in wb["Indikator"].iter_rows()] == indikator
    assert read_master_with_rows(path)[1].missing_year_sheets == []


def test_regenerate_gives_an_older_workbook_the_quarter_in_force(fresh: Path) -> None:
    """An older workbook (no "Triwulan Laporan Berlaku" row, no setTriwulanBerlaku name) gets both on
    regenerate, and its unit sheets read the name: the cell's cached value is 4 (the aged workbook's
    "Laporan s.d. Triwulan" is added with the default 4), and a unit sheet's Target no longer repeats the
    test of the setting."""
    path = _age(fresh)
    wb = openpyxl.load_workbook(path)
    assert "setTriwulanBerlaku" not in wb.defined_names
    assert "Triwulan Laporan Berlaku" not in [c.value for c in wb["Pengaturan"]["A"]]
    regenerate(path, reports=False)
    formulas, cached = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    assert formulas.defined_names["setTriwulanBerlaku"].attr_text == "'Pengaturan'!$B$15"
    assert formulas["Pengaturan"]["A15"].value == "Triwulan Laporan Berlaku"
    assert formulas["Pengaturan"]["B15"].value == QUARTER_IN_FORCE
    assert cached["Pengaturan"]["B15"].value == 4
    unit = next(ws for ws in formulas.worksheets if ws["A8"].value == "No" and ws["E8"].value == "Target")
    target = unit["E9"].value
    assert "setTriwulanBerlaku" in target and "ISNUMBER(setTriwulanLaporan)" not in target
