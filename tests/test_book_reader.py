"""Reading the master workbook back: model -> workbook -> model is lossless, and every mistake a person
can make in the workbook gets a message naming the sheet and the cell.

Cell addresses are worked out by hand from the fixture (conftest.py) and the column order of the issue:
Indikator rows 2..9 hold P01-1.1, P01-2.1, P01-3.1 (grade), P02-1.1, P02-2.1, P02-2.2, P03-1.1, P03-2.1;
columns A ID, B Kode Jabatan, G Target, J Jenis, M Mendukung ID, S Realisasi TW1. Jabatan rows 2..4 hold
P01, P02, P03; columns C Kode Atasan, D Eselon, E Urutan. Pengaturan rows 2..8 hold Nama Instansi, Tahun,
Tempat, Tanggal, Batas Atas Capaian, Rumus Polaritas Turun, Label di atas target.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalc, requires_libreoffice

from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Band, Cascade, Kind
from xl_sakip.errors import WorkbookError


@pytest.fixture
def master(small_cascade: Cascade, tmp_path: Path) -> Path:
    return write_master(small_cascade, tmp_path / "master.xlsm")


def edited(path: Path, change: Callable[[openpyxl.Workbook], object]) -> Path:
    """A copy of the workbook after `change`, saved the way any openpyxl user would."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    change(wb)
    out = path.with_name("edited.xlsm")
    wb.save(out)
    return out


def message(path: Path) -> str:
    with pytest.raises(WorkbookError) as info:
        read_master(path)
    return str(info.value)


def set_cell(sheet: str, ref: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        wb[sheet][ref] = value

    return change


# --- lossless round trip ---------------------------------------------------------------------------------


def test_fixture_round_trip(small_cascade: Cascade, master: Path) -> None:
    assert read_master(master) == small_cascade


def test_rich_round_trip(small_cascade: Cascade, tmp_path: Path) -> None:
    c = small_cascade
    c.positions[0].official_name = "Dr. Ir. Nama Pejabat, M.Si"
    c.positions[0].nip = "0019680512199403100"  # leading zeros must survive: NIP is text
    c.positions[2].official_name = "=HYPERLINK(\"http://contoh\")"
    c.indicators[0].realisasi_q = [70.5, None, 71.25, 0.0]  # 0 is a reported value, None a missing one
    c.indicators[0].target_q = [71.1, 71.1, 71.1, 71.1]
    c.indicators[2].realisasi_q = ["BB", None, None, "A"]
    c.indicators[2].target_q = [None, None, None, "BB"]
    c.indicators[3].realisasi_q = [10.0, 12.0, 0.0, 14000.0]
    c.indicators[7].numerator_q = [3.0, 4.0, None, None]
    c.indicators[7].denominator_q = [120.0, 130.0, None, None]
    c.indicators[7].target_upper = 7.5
    c.indicators[1].sasaran = "=SUM(A1:A9)"
    c.indicators[3].indikator = "+ Jumlah PMI"
    c.indicators[3].satuan = "@orang"
    c.indicators[6].sasaran = "\tPeningkatan Produktivitas Tenaga Kerja "
    c.settings.capaian_cap = 120
    c.settings.lower_is_better_formula = "T/R"
    c.settings.date = "2 Januari 2023"
    assert c.reference is not None
    c.reference.bands = [Band(label="Kurang", upper=60), Band(label="Baik", lower=60, upper=100)]
    c.reference.above_target_label = "Di Atas Target"
    c.reference.ipk_components[0].provisional = False
    c.reference.ipk_components[0].max_value = 12.5
    c.reference.ipk_components[0].sub_indicators = ["- Sub baru", "=Sub lain"]
    path = write_master(c, tmp_path / "m.xlsm")
    back = read_master(path)
    assert back == c
    assert back.positions[0].nip == "0019680512199403100"
    assert back.indicators[2].realisasi_q == ["BB", None, None, "A"]
    assert back.indicators[0].realisasi_q == [70.5, None, 71.25, 0.0]
    assert back.indicators[1].sasaran == "=SUM(A1:A9)"


def test_value_types(master: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["Indikator"]
        ws["S2"] = 70  # an int typed by a person
        ws["T2"] = 70.5
        ws["S4"] = " bb "  # grade code with typing noise
        ws["N8"] = None  # empty roll-up means "tidak"

    back = read_master(edited(master, change))
    ipk, grade, count = back.indicators[0], back.indicators[2], back.indicators[6]
    assert ipk.realisasi_q == [70.0, 70.5, None, None]
    assert all(isinstance(v, float) for v in ipk.realisasi_q[:2])
    assert grade.kind is Kind.GRADE and grade.realisasi_q[0] == "bb"
    assert count.rollup.value == "tidak"


def test_columns_are_found_by_header(small_cascade: Cascade, master: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["Indikator"]
        ws.insert_cols(1)  # a planner's own column in front
        ws["A1"] = "Catatan"
        ws["A2"] = "cek lagi"
        ws["T1"] = "  realisasi   TW1 "  # spaces and case do not matter (was S1)
        ws["T2"] = 65.0

    back = read_master(edited(master, change))
    assert back.indicators[0].realisasi_q == [65.0, None, None, None]
    small_cascade.indicators[0].realisasi_q = [65.0, None, None, None]
    assert back == small_cascade


def test_blank_rows_are_skipped(small_cascade: Cascade, master: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["Indikator"].insert_rows(4)
        wb["Jabatan"]["A20"] = "   "

    assert read_master(edited(master, change)) == small_cascade


def test_date_typed_in_settings_becomes_text(master: Path) -> None:
    back = read_master(edited(master, set_cell("Pengaturan", "B5", datetime(2023, 1, 2))))
    assert back.settings.date == "2 Januari 2023"


def test_reporting_quarter_is_read_and_empty_means_the_whole_year(master: Path) -> None:
    assert read_master(edited(master, set_cell("Pengaturan", "B12", 2))).settings.reporting_quarter == 2
    assert read_master(edited(master, set_cell("Pengaturan", "B12", None))).settings.reporting_quarter == 4


@requires_libreoffice
def test_a_file_saved_by_another_program_reads_the_same(small_cascade: Cascade, master: Path) -> None:
    # LibreOffice writes shared strings, its own styles and table parts: the reader must not care.
    small_cascade.indicators[0].indikator = "=1+1"
    small_cascade.positions[1].nip = "007"
    path = write_master(small_cascade, master.with_name("lo.xlsm"))
    assert read_master(recalc(path, master.parent / "lo")) == small_cascade


# --- messages that name the sheet and the cell -----------------------------------------------------------


CELL_ERRORS = [
    ("Indikator", "G2", "abc",
     "Sheet 'Indikator' sel G2: Target 'abc' bukan angka; isi angka atau kosongkan."),
    ("Indikator", "J3", "persentase",
     "Sheet 'Indikator' sel J3: Jenis 'persentase' tidak ada dalam daftar (persen, jumlah, indeks, "
     "predikat); pilih dari drop-down."),
    ("Indikator", "K5", "NAIK!",
     "Sheet 'Indikator' sel K5: Polaritas 'NAIK!' tidak ada dalam daftar (naik, turun, rentang); pilih dari "
     "drop-down."),
    ("Indikator", "B8", "P99",
     "Sheet 'Indikator' sel B8: Kode Jabatan 'P99' tidak ada di kolom Kode sheet 'Jabatan'; pilih dari "
     "drop-down."),
    ("Indikator", "S2", "=1+1",
     "Sheet 'Indikator' sel S2: Realisasi TW1 berisi rumus (=1+1); ketik nilainya, bukan rumus."),
    ("Indikator", "G2", "#N/A",
     "Sheet 'Indikator' sel G2: Target berisi galat Excel #N/A; ganti dengan nilai."),
    ("Indikator", "A9", "P03 2.1",
     "Sheet 'Indikator' sel A9: ID 'P03 2.1' tidak valid: hanya boleh berisi huruf, angka, titik, garis "
     "bawah dan tanda minus (tanpa spasi)."),
    ("Indikator", "A9", "P03-1.1",
     "Sheet 'Indikator' sel A9: ID 'P03-1.1' sudah dipakai di sel A8; setiap ID harus unik."),
    ("Indikator", "M8", "P02-9.9",
     "Sheet 'Indikator' sel M8: Mendukung ID 'P02-9.9' tidak ada di kolom ID sheet 'Indikator'; pilih dari "
     "drop-down atau kosongkan."),
    ("Indikator", "S3", "85,5%",
     "Sheet 'Indikator' sel S3: Realisasi TW1 '85,5%' bukan angka; isi angka tanpa satuan atau kosongkan "
     "(teks hanya untuk indikator berjenis predikat)."),
    # A number stored as text (a cell formatted as Text, or typed after an apostrophe) is refused, with
    # the number it looks like and how to retype it.
    ("Indikator", "S3", "12,5",
     "Sheet 'Indikator' sel S3: Realisasi TW1 berisi TEKS '12,5' yang tampak seperti angka 12,5, bukan "
     "angka; rumus Excel tidak dapat menghitung teks. Ketik ulang sebagai angka (misalnya 12,5, dengan "
     "pemisah desimal sesuai pengaturan Windows Anda), atau ubah format sel menjadi Angka/Number (Format "
     "Cells) lalu ketik ulang angkanya."),
    ("Indikator", "G2", "1.234,5",
     "Sheet 'Indikator' sel G2: Target berisi TEKS '1.234,5' yang tampak seperti angka 1234,5, bukan "
     "angka; rumus Excel tidak dapat menghitung teks. Ketik ulang sebagai angka (misalnya 1234,5, dengan "
     "pemisah desimal sesuai pengaturan Windows Anda), atau ubah format sel menjadi Angka/Number (Format "
     "Cells) lalu ketik ulang angkanya."),
    ("Pengaturan", "B3", "2023",
     "Sheet 'Pengaturan' sel B3: Tahun berisi TEKS '2023' yang tampak seperti angka 2023, bukan angka; "
     "rumus Excel tidak dapat menghitung teks. Ketik ulang sebagai angka (misalnya 2023, dengan pemisah "
     "desimal sesuai pengaturan Windows Anda), atau ubah format sel menjadi Angka/Number (Format Cells) "
     "lalu ketik ulang angkanya."),
    ("Indikator", "C5", -1,
     "Sheet 'Indikator' sel C5: No Sasaran '-1' tidak valid: harus paling kecil 0."),
    ("Indikator", "E5", None,
     "Sheet 'Indikator' sel E5: Indikator Kinerja kosong; kolom ini wajib diisi."),
    ("Indikator", "W9", True,
     "Sheet 'Indikator' sel W9: Pembilang TW1 'BENAR' bukan angka; isi angka atau kosongkan."),
    ("Jabatan", "D3", 9,
     "Sheet 'Jabatan' sel D3: Eselon '9' tidak valid: harus paling besar 5."),
    ("Jabatan", "D3", "tiga",
     "Sheet 'Jabatan' sel D3: Eselon 'tiga' bukan angka; isi angka atau kosongkan."),
    ("Jabatan", "E4", 2.5,
     "Sheet 'Jabatan' sel E4: Urutan '2,5' bukan bilangan bulat; isi bilangan bulat."),
    ("Jabatan", "C4", "P09",
     "Sheet 'Jabatan' sel C4: Kode Atasan 'P09' tidak ada di kolom Kode sheet 'Jabatan'; pilih dari "
     "drop-down, atau kosongkan untuk Kepala Dinas."),
    ("Pengaturan", "B3", "dua ribu",
     "Sheet 'Pengaturan' sel B3: Tahun 'dua ribu' bukan angka; isi angka."),
    ("Pengaturan", "B3", None,
     "Sheet 'Pengaturan' sel B3: Tahun kosong; kolom ini wajib diisi."),
    ("Pengaturan", "B7", "R/T",
     "Sheet 'Pengaturan' sel B7: Rumus Capaian Polaritas Turun 'R/T' tidak valid: isi \"2T-R\" atau "
     "\"T/R\"."),
    ("Pengaturan", "B6", "120%",
     "Sheet 'Pengaturan' sel B6: Batas Atas Capaian (%) '120%' bukan angka; isi angka atau kosongkan."),
    ("Pengaturan", "B12", 5,
     "Sheet 'Pengaturan' sel B12: Laporan s.d. Triwulan '5' tidak valid: isi 1, 2, 3 atau 4."),
    ("Ref_IPK", "D2", "mungkin",
     "Sheet 'Ref_IPK' sel D2: Sementara 'mungkin' tidak valid; isi 'ya' atau 'tidak'."),
    ("Ref_IPK", "C3", "sepuluh",
     "Sheet 'Ref_IPK' sel C3: Nilai Maksimum 'sepuluh' bukan angka; isi angka."),
    ("Ref_SubIPK", "A2", "Perencanaan",
     "Sheet 'Ref_SubIPK' sel A2: Komponen IPK 'Perencanaan' tidak ada di sheet 'Ref_IPK'; pilih dari "
     "drop-down."),
    ("Ref_Predikat", "C4", "lima",
     "Sheet 'Ref_Predikat' sel C4: Skor 'lima' bukan angka; isi angka."),
    ("Ref_Kategori", "B3", "50%",
     "Sheet 'Ref_Kategori' sel B3: Capaian Di Atas (%) '50%' bukan angka; isi angka atau kosongkan."),
    ("Ref_StatusIPK", "B4", None,
     "Sheet 'Ref_StatusIPK' sel B4: Nilai IPK Minimal kosong; kolom ini wajib diisi."),
]


@pytest.mark.parametrize(("sheet", "ref", "value", "expected"), CELL_ERRORS)
def test_cell_errors_name_sheet_and_cell(
    master: Path, sheet: str, ref: str, value: object, expected: str
) -> None:
    assert message(edited(master, set_cell(sheet, ref, value))) == expected


def test_several_errors_are_listed_together(master: Path) -> None:
    path = edited(master, set_cell("Indikator", "E10", "Indikator baru tanpa ID"))
    assert message(path) == (
        "Workbook 'edited.xlsm' berisi 5 kesalahan; perbaiki lalu ulangi:\n"
        "- Sheet 'Indikator' sel A10: ID kosong; kolom ini wajib diisi.\n"
        "- Sheet 'Indikator' sel B10: Kode Jabatan kosong; kolom ini wajib diisi.\n"
        "- Sheet 'Indikator' sel J10: Jenis kosong; kolom ini wajib diisi.\n"
        "- Sheet 'Indikator' sel K10: Polaritas kosong; kolom ini wajib diisi.\n"
        "- Sheet 'Indikator' sel L10: Agregasi kosong; kolom ini wajib diisi."
    )


def test_long_lists_are_cut(master: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        for row in range(2, 10):
            for col in "OPQRSTUV":
                wb["Indikator"][f"{col}{row}"] = "=1"  # 64 formulas

    text = message(edited(master, change))
    assert text.startswith("Workbook 'edited.xlsm' berisi 64 kesalahan;")
    assert text.endswith("- ... dan 39 kesalahan lain")  # 25 listed


def test_missing_sheet(master: Path) -> None:
    path = edited(master, lambda wb: wb.remove(wb["Ref_Predikat"]))
    assert message(path) == (
        "Sheet 'Ref_Predikat' tidak ditemukan di workbook; kembalikan sheet itu (misalnya dari salinan "
        "cadangan) atau buat ulang workbook dengan xl-sakip import."
    )


def test_missing_column(master: Path) -> None:
    path = edited(master, set_cell("Indikator", "J1", "Jenis Indikator"))
    assert message(path) == (
        "Sheet 'Indikator': kolom 'Jenis' tidak ditemukan di baris judul (baris 1); kembalikan judul kolom "
        "seperti semula."
    )


def test_missing_columns(master: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["Jabatan"]["A1"] = None
        wb["Jabatan"]["G1"] = "NIP Pejabat"

    assert message(edited(master, change)) == (
        "Sheet 'Jabatan': kolom-kolom 'Kode', 'NIP' tidak ditemukan di baris judul (baris 1); kembalikan "
        "judul kolom seperti semula."
    )


def test_duplicate_header(master: Path) -> None:
    path = edited(master, set_cell("Indikator", "AF1", "jenis"))
    assert message(path) == (
        "Sheet 'Indikator' sel AF1: judul kolom 'jenis' muncul dua kali; ganti nama salah satunya."
    )


def test_duplicate_header_after_empty_columns(master: Path) -> None:
    # Row 1's headers are read up to the sheet's last column without making a cell for each empty one
    # (reader._Sheet, integrity.last_column): a header after a gap of empty cells is still seen.
    path = edited(master, set_cell("Indikator", "BZ1", " Jenis"))
    assert message(path) == (
        "Sheet 'Indikator' sel BZ1: judul kolom ' Jenis' muncul dua kali; ganti nama salah satunya."
    )


def test_missing_setting_row(master: Path) -> None:
    path = edited(master, set_cell("Pengaturan", "A3", "Tahun Anggaran"))
    assert message(path) == (
        "Sheet 'Pengaturan': baris 'Tahun' tidak ditemukan di kolom 'Pengaturan'; kembalikan baris itu "
        "beserta nilainya."
    )


def test_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "tidak_ada.xlsm"
    assert message(path) == f"File workbook '{path}' tidak ditemukan; periksa nama file dan foldernya."


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "teks.xlsm"
    path.write_text("No\tSasaran Strategis\tIndikator Kinerja\tTarget\n", encoding="utf-8")
    assert message(path) == (
        f"'{path}' bukan workbook Excel (.xlsm/.xlsx) atau file rusak; buka dan simpan ulang dengan Excel, "
        "atau buat ulang dengan xl-sakip import."
    )


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "arsip.xlsm"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("catatan.txt", "bukan workbook")
    text = message(path)
    assert text.startswith(f"'{path}' tidak dapat dibaca sebagai workbook Excel (")
    assert text.endswith("buka dan simpan ulang dengan Excel, atau buat ulang dengan xl-sakip import.")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    assert message(tmp_path) == f"'{tmp_path}' adalah folder, bukan file workbook."


def test_year_sheets_read_each_kind_of_cell(master: Path) -> None:
    """Renstra, Riwayat and Narasi: years and quarters as whole numbers (2026.0 is 2026), targets and
    realisasi as numbers or a grade's text (trimmed), texts as typed (a number typed in Keterangan is its
    text, 7.0 is '7'), an empty text ''. Expected values by hand from the cells typed below."""
    from xl_sakip.book import schema as s

    def fill(wb: openpyxl.Workbook) -> None:
        for name, rows in (
            (s.SHEET_RENSTRA, [("P01-1.1", 2026.0, " BB ", 7.0), (" P02-1.1 ", 2025, 12.5, "  ")]),
            (s.SHEET_HISTORY, [("P01-1.1", 2022, "A", 80, 2.5)]),
            (s.SHEET_NARRATIVE, [("P01-1.1", 2.0, 1, "b", " x ", None)]),
        ):
            for r, row in enumerate(rows, start=2):
                for c, value in enumerate(row, start=1):
                    wb[name].cell(r, c, value)

    cascade = read_master(edited(master, fill))
    assert [t.model_dump() for t in cascade.renstra] == [
        {"id": "P01-1.1", "year": 2026, "target": "BB", "note": "7"},
        {"id": "P02-1.1", "year": 2025, "target": 12.5, "note": ""},
    ]
    assert [h.model_dump() for h in cascade.history] == [
        {"id": "P01-1.1", "year": 2022, "target": "A", "realisasi": 80.0, "note": "2.5"}]
    assert [n.model_dump() for n in cascade.narratives] == [
        {"id": "P01-1.1", "quarter": 2, "pendukung": "1", "penghambat": "b", "upaya": " x ", "bukti": ""}]
