"""The master workbook writer: sheets, tables, drop-downs, formats, text safety, reproducible output.

Expected values are written out by hand from the brief (issue 2), the fixture in conftest.py and
domain.md; LibreOffice serves as a second engine to check that names and drop-down lists resolve.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalc_values, requires_libreoffice

from xl_sakip.book import schema as s
from xl_sakip.book.package import save_workbook
from xl_sakip.book.writer import build_master, write_master
from xl_sakip.core.models import Cascade

SHEETS = [
    "Petunjuk", "Jabatan", "Indikator", "Anggaran", "Versi PK", "Pengaturan", "Renstra", "Riwayat", "Narasi",
    "Ref_Kategori", "Ref_Predikat", "Ref_IPK",
    "Ref_SubIPK", "Ref_StatusIPK", "Ref_Daftar", "xlwings.conf", "Template_Unit",
]


@pytest.fixture
def book(small_cascade: Cascade, tmp_path: Path) -> openpyxl.Workbook:
    """The fixture written to disk and read back as a user's Excel would see the cells."""
    path = write_master(small_cascade, tmp_path / "master.xlsm")
    return openpyxl.load_workbook(path)


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == SHEETS


def test_positions_table(book: openpyxl.Workbook) -> None:
    ws = book["Jabatan"]
    assert list(ws.tables) == ["tblJabatan"]
    assert ws.tables["tblJabatan"].ref == "A1:H4"  # 8 columns, header + 3 positions
    assert [c.value for c in ws[1]] == [
        "Kode", "Jabatan", "Kode Atasan", "Eselon", "Urutan", "Nama Pejabat", "NIP", "Baris Sumber",
    ]
    assert [c.value for c in ws[4]][:5] == [
        "P03", "Kepala Seksi Pelatihan dan Produktivitas Kerja", "P02", 4, 2,
    ]
    assert ws["C2"].value is None  # the root has no parent
    assert ws.freeze_panes == "A2"


def test_indicators_table(book: openpyxl.Workbook) -> None:
    ws = book["Indikator"]
    assert list(ws.tables) == ["tblIndikator"]
    # 31 input columns: A..Z are 26, AA..AE 27..31; then 5 computed columns AF..AJ; header + 8 indicators.
    assert ws.tables["tblIndikator"].ref == "A1:AJ9"
    expected_headers = {
        "A1": "ID", "B1": "Kode Jabatan", "E1": "Indikator Kinerja", "G1": "Target", "J1": "Jenis",
        "K1": "Polaritas", "L1": "Agregasi", "M1": "Mendukung ID", "N1": "Roll-up", "O1": "Target TW1",
        "S1": "Realisasi TW1", "V1": "Realisasi TW4", "W1": "Pembilang TW1", "AA1": "Penyebut TW1",
        "AE1": "Baris Sumber",
    }
    assert {k: ws[k].value for k in expected_headers} == expected_headers
    # Row 6 is P02-2.1: a sub-indicator of the IPK (2,18) that rolls up into P01-1.1.
    assert [ws[f"{c}6"].value for c in "ABCFGJKLMN"] == [
        "P02-2.1", "P02", 2, "2,18", 2.18, "indeks", "naik", "terakhir", "P01-1.1", "jumlah",
    ]
    # The grade target keeps its code as text and has no number.
    grade = (ws["A4"].value, ws["F4"].value, ws["G4"].value, ws["J4"].value)
    assert grade == ("P01-3.1", "BB", None, "predikat")
    # Quarterly input columns are there and empty.
    assert all(ws.cell(r, c).value is None for r in range(2, 10) for c in range(15, 31))
    assert ws.freeze_panes == "B2"


def test_dropdowns_reach_beyond_the_last_row(book: openpyxl.Workbook) -> None:
    ws = book["Indikator"]
    found = {str(dv.sqref): (dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}
    # last data row 9 + 500 spare rows
    assert found == {
        "B2:B509": ("list", "lstKodeJabatan"),
        "J2:J509": ("list", "lstJenis"),
        "K2:K509": ("list", "lstPolaritas"),
        "L2:L509": ("list", "lstAgregasi"),
        "M2:M509": ("list", "lstIDIndikator"),
        "N2:N509": ("list", "lstRollUp"),
    }
    assert all(dv.showErrorMessage for dv in ws.data_validations.dataValidation)
    jabatan = {str(dv.sqref): dv.formula1 for dv in book["Jabatan"].data_validations.dataValidation}
    assert jabatan == {"C2:C504": "lstKodeJabatan"}


def test_list_names(book: openpyxl.Workbook) -> None:
    names = {n: book.defined_names[n].attr_text for n in book.defined_names}
    assert names["lstKodeJabatan"] == "tblJabatan[Kode]"
    assert names["lstIDIndikator"] == "tblIndikator[ID]"
    assert names["lstJenis"] == "'Ref_Daftar'!$A$2:$A$5"
    assert names["setTahun"] == "'Pengaturan'!$B$3"
    lists = book["Ref_Daftar"]
    assert [c.value for c in lists["A"]] == ["Jenis", "persen", "jumlah", "indeks", "predikat"]
    assert [c.value for c in lists["B"]][:4] == ["Polaritas", "naik", "turun", "rentang"]
    assert [c.value for c in lists["C"]][:4] == ["Agregasi", "jumlah", "terakhir", "rasio"]
    assert [c.value for c in lists["D"]][:3] == ["Roll-up", "tidak", "jumlah"]


def test_settings_sheet(book: openpyxl.Workbook) -> None:
    ws = book["Pengaturan"]
    rows = {r[0].value: r[1].value for r in ws.iter_rows(min_row=2)}
    assert rows["Nama Instansi"] == "Dinas Tenaga Kerja dan Transmigrasi Daerah Provinsi Sulawesi Utara"
    assert rows["Tahun"] == 2023
    assert rows["Tempat Penandatanganan PK"] == "Manado"
    assert rows["Batas Atas Capaian (%)"] is None  # no cap by default (domain.md)
    assert rows["Rumus Capaian Polaritas Turun"] == "2T-R"
    assert rows["Label Capaian di Atas Target"] == "Melampaui Target"


def test_reference_sheets(book: openpyxl.Workbook) -> None:
    bands = [[c.value for c in r] for r in book["Ref_Kategori"].iter_rows(min_row=2)]
    # Permendagri 86/2017 practice (domain.md): <= 50 Sangat Rendah ... 91-100 Sangat Tinggi
    assert bands == [
        ["Sangat Rendah", None, 50], ["Rendah", 50, 65], ["Sedang", 65, 75], ["Tinggi", 75, 90],
        ["Sangat Tinggi", 90, 100],
    ]
    grades = {(r[0].value, r[1].value): r[2].value for r in book["Ref_Predikat"].iter_rows(min_row=2)}
    assert grades[("SAKIP", "AA")] == 7 and grades[("SAKIP", "D")] == 1 and grades[("Opini BPK", "WDP")] == 3
    ipk = [[c.value for c in r] for r in book["Ref_IPK"].iter_rows(min_row=2)]
    assert len(ipk) == 9
    assert ipk[0] == [1, "Perencanaan Tenaga Kerja", 10, "ya"]  # provisional
    assert ipk[1] == [2, "Penduduk dan Tenaga Kerja", 10, "tidak"]  # confirmed
    assert sum(r[2] for r in ipk) == 100
    subs = [(r[0].value, r[1].value) for r in book["Ref_SubIPK"].iter_rows(min_row=2)]
    assert ("Hubungan Industrial", "Tingkat PKB yang di Daftarkan") in subs
    status = [[c.value for c in r] for r in book["Ref_StatusIPK"].iter_rows(min_row=2)]
    assert ["Menengah Atas", 66, "ya"] in status and ["Tinggi", 80, "tidak"] in status
    assert list(book["Ref_IPK"].tables) == ["tblIPK"]


def test_xlwings_conf(book: openpyxl.Workbook) -> None:
    ws = book["xlwings.conf"]
    assert (ws["A1"].value, ws["B1"].value) == ("UDF Modules", "udfs")
    assert ws.max_row == 1 and ws.max_column == 2


def test_instructions_cover_the_brief(book: openpyxl.Workbook) -> None:
    text = "\n".join(str(c.value) for c in book["Petunjuk"]["A"] if c.value)
    assert text.startswith("Master Cascading Kinerja (SAKIP) Tahun 2023")
    for words in ("Realisasi TW1", "drop-down", "jangan mengubah ID", "Sementara", "Mengurutkan",
                  "Kepmenaker 206/2017", "Polaritas: naik", "Ref_Kategori", "xlwings.conf"):
        assert words in text, words


def test_formats_and_widths(book: openpyxl.Workbook) -> None:
    ws = book["Indikator"]
    assert ws["G2"].number_format == "#,##0.00"  # target 71,10
    assert ws["F2"].number_format == "@"  # target as written
    assert ws.column_dimensions["E"].width == 48
    assert ws["E2"].alignment.wrap_text
    # new rows below the table get the format of their column
    assert ws.column_dimensions["S"].number_format == "#,##0.00"
    assert book["Jabatan"]["G2"].number_format == "@"  # NIP is text
    assert ws["A1"].font.bold


def test_text_that_looks_like_a_formula_stays_text(small_cascade: Cascade, tmp_path: Path) -> None:
    small_cascade.indicators[0].indikator = "=1+1"
    small_cascade.indicators[1].sasaran = "+62 431 123"
    small_cascade.indicators[2].satuan = "@predikat"
    small_cascade.positions[1].official_name = "\tNama"
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    ws = openpyxl.load_workbook(path)["Indikator"]
    assert (ws["E2"].value, ws["E2"].data_type) == ("=1+1", "s")
    assert ws["E2"].quotePrefix  # editing it in Excel keeps it text too
    assert (ws["E6"].value, ws["E6"].data_type) == ("- Nilai Tingkat Kapasitas Pelatihan Kerja", "s")
    assert ws["D3"].value == "+62 431 123" and ws["I4"].value == "@predikat"
    with zipfile.ZipFile(path) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    # No formula anywhere in the master but the computed columns of tblIndikator (AF..AJ, one per row) and
    # the computed Pengaturan row (Triwulan Laporan Berlaku: B15, the 14th setting).
    formulas = re.findall(rb'<c r="([A-Z]+\d+)"[^>]*><f[ >]', xml)
    expected = {f"{c}{r}".encode() for c in ("AF", "AG", "AH", "AI", "AJ") for r in range(2, 10)}
    assert [x.label for x in s.SETTINGS].index("Triwulan Laporan Berlaku") == 13
    expected.add(b"B15")
    assert len(formulas) == len(expected) and set(formulas) == expected


@requires_libreoffice
def test_libreoffice_resolves_lists_and_keeps_text(small_cascade: Cascade, tmp_path: Path) -> None:
    small_cascade.indicators[0].indikator = "=1+1"
    wb = build_master(small_cascade)
    check = wb.create_sheet("Cek")
    formulas = ["=ROWS(lstKodeJabatan)", "=COUNTA(lstIDIndikator)", "=INDEX(lstJenis,4)", "=setTahun",
                "=ROWS(lstKomponenIPK)", "=INDEX(lstKodeJabatan,3)", "=Indikator!E2"]
    for row, text in enumerate(formulas, start=1):
        check.cell(row, 1).value = text
    path = save_workbook(wb, tmp_path / "cek.xlsm")
    values = recalc_values(path, tmp_path / "lo")
    got = [values["Cek"].cell(r, 1).value for r in range(1, len(formulas) + 1)]
    # 3 positions, 8 indicators, the 4th kind, the year, 9 IPK components, P03, and "=1+1" as text, not 2
    assert got == [3, 8, "predikat", 2023, 9, "P03", "=1+1"]


def test_same_cascade_same_bytes(small_cascade: Cascade, tmp_path: Path) -> None:
    a = write_master(small_cascade, tmp_path / "a.xlsm").read_bytes()
    b = write_master(small_cascade, tmp_path / "b.xlsm").read_bytes()
    assert a == b
    core = zipfile.ZipFile(tmp_path / "a.xlsm").read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == ["2023-01-01T00:00:00Z"] * 2


def test_empty_cascade_gives_valid_tables(tmp_path: Path) -> None:
    path = write_master(Cascade(), tmp_path / "kosong.xlsm")
    book = openpyxl.load_workbook(path)
    assert book["Jabatan"].tables["tblJabatan"].ref == "A1:H2"  # a table keeps one (blank) data row
    assert book["Indikator"].tables["tblIndikator"].ref == "A1:AJ2"  # 31 input + 5 computed columns


def test_control_characters_are_dropped(small_cascade: Cascade, tmp_path: Path) -> None:
    small_cascade.indicators[0].indikator = "Indeks\x07 Pembangunan\r\nKetenagakerjaan"
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    assert openpyxl.load_workbook(path)["Indikator"]["E2"].value == "Indeks Pembangunan\nKetenagakerjaan"


def test_every_sheet_and_column_is_documented() -> None:

    doc = (Path(__file__).resolve().parents[1] / "docs" / "workbook.md").read_text(encoding="utf-8")
    columns = (*s.POSITION_COLUMNS, *s.BAND_COLUMNS, *s.GRADE_COLUMNS, *s.IPK_COLUMNS, *s.IPK_SUB_COLUMNS,
               *s.IPK_STATUS_COLUMNS)
    ours = (*s.INDICATOR_COLUMNS, *s.BUDGET_COLUMNS, *s.PK_VERSION_COLUMNS, *s.PK_TARGET_COLUMNS)
    quarterly = [c for c in ours if c.header[-3:] in s.Q]
    plain = [c for c in ours if c not in quarterly]
    missing = [c.header for c in (*columns, *plain) if c.header not in doc]
    # quarterly columns are documented as "Realisasi TW1 … Realisasi TW4"
    missing += [c.header for c in quarterly if f"{c.header[:-4]} TW1 … {c.header[:-4]} TW4" not in doc]
    missing += [x.label for x in s.SETTINGS if x.label not in doc]
    missing += [name for name in SHEETS if f"`{name}`" not in doc]
    assert missing == []
