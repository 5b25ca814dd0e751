"""Damaged workbooks for the corpus tests, made from a good master at test time (no binary fixtures in git).

`WORKBOOK_CORPUS` lists each case: a name, how to damage the good master, and what `xl-sakip check` must
answer (exit code, and words that name the place and the fix). The good master is the one written from the
hand-built fixture of conftest.py, whose cells are worked out by hand (see test_book_reader.py): Indikator
rows 2..9 hold P01-1.1, P01-2.1, P01-3.1, P02-1.1, P02-2.1, P02-2.2, P03-1.1, P03-2.1; columns A ID,
B Kode Jabatan, D Sasaran Strategis, G Target, M Mendukung ID, S Realisasi TW1. Jabatan rows 2..4 hold P01,
P02 (parent P01) and P03 (parent P02); column C Kode Atasan.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl

#: A damage: (good master, output path) -> writes the damaged file at the output path.
Damage = Callable[[Path, Path], None]


def edit(change: Callable[[openpyxl.Workbook], object]) -> Damage:
    """A damage done the way a person would, by editing the workbook (here with openpyxl) and saving it."""

    def damage(good: Path, out: Path) -> None:
        wb = openpyxl.load_workbook(good, keep_vba=True)
        change(wb)
        wb.save(out)

    return damage


def cell(sheet: str, ref: str, value: object) -> Damage:
    def change(wb: openpyxl.Workbook) -> None:
        wb[sheet][ref] = value

    return edit(change)


def merged(sheet: str, ref: str) -> Damage:
    return edit(lambda wb: wb[sheet].merge_cells(ref))


def remove_sheet(name: str) -> Damage:
    return edit(lambda wb: wb.remove(wb[name]))


def rename_sheet(name: str, new: str) -> Damage:
    def change(wb: openpyxl.Workbook) -> None:
        wb[name].title = new

    return edit(change)


def raw_bytes(data: bytes) -> Damage:
    def damage(good: Path, out: Path) -> None:
        out.write_bytes(data)

    return damage


def truncated(good: Path, out: Path) -> None:
    """A copy cut in the middle, as a broken download or a full USB stick leaves it."""
    data = good.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def encrypted(good: Path, out: Path) -> None:
    """The master protected with a password in Excel (File > Info > Encrypt with Password): an OLE compound
    file holding an EncryptedPackage stream (ECMA-376 agile encryption), made with msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    buf = io.BytesIO()
    with good.open("rb") as fh:
        OOXMLFile(fh).encrypt("rahasia", buf)
    out.write_bytes(buf.getvalue())


@dataclass(frozen=True)
class Case:
    name: str
    damage: Damage
    exit_code: int  # of `xl-sakip check`: 2 unusable file, 1 errors found
    words: tuple[str, ...]  # the place and the fix, as the message must say them
    codes: tuple[str, ...] = field(default=())  # finding codes `check` must report (exit 1 cases)
    cells: tuple[str, ...] = field(default=())  # their cells


WORKBOOK_CORPUS: list[Case] = [
    Case("sheet_hilang", remove_sheet("Indikator"), 2,
         ("Sheet 'Indikator' tidak ditemukan", "buat ulang workbook")),
    Case("sheet_diganti_nama", rename_sheet("Indikator", "Indikator (2)"), 2,
         ("Sheet 'Indikator' tidak ditemukan", "diganti namanya menjadi 'Indikator (2)'",
          "kembalikan namanya menjadi 'Indikator'")),
    Case("kolom_diganti_nama", cell("Indikator", "J1", "Jenis Indikator"), 2,
         ("Sheet 'Indikator'", "kolom 'Jenis' tidak ditemukan di baris judul (baris 1)",
          "kembalikan judul kolom")),
    Case("kolom_hilang", edit(lambda wb: wb["Indikator"].delete_cols(7)), 2,  # G Target
         ("kolom 'Target' tidak ditemukan",)),
    Case("sel_gabungan", merged("Indikator", "D2:D3"), 2,
         ("Sheet 'Indikator' sel D3", "sel gabungan D2:D3", "Unmerge")),
    Case("rumus_di_nilai", cell("Indikator", "S2", "=1+1"), 2,
         ("Sheet 'Indikator' sel S2", "berisi rumus (=1+1)", "ketik nilainya")),
    Case("galat_excel", cell("Indikator", "G2", "#N/A"), 2,
         ("Sheet 'Indikator' sel G2", "galat Excel #N/A", "ganti dengan nilai")),
    Case("tanggal_di_angka", cell("Indikator", "G5", datetime(2023, 9, 8)), 2,
         ("Sheet 'Indikator' sel G5", "tanggal '8 September 2023'", "format sel menjadi Number")),
    Case("tanggal_di_realisasi", cell("Indikator", "S4", datetime(2023, 4, 1)), 2,
         ("Sheet 'Indikator' sel S4", "tanggal '1 April 2023'",)),
    # Referential problems: `check` reads leniently and reports them as findings with their cells.
    Case("siklus_jabatan", cell("Jabatan", "C2", "P03"), 1,
         ("P01 → P03 → P02 → P01",), codes=("SIKLUS_JABATAN", "TANPA_AKAR"), cells=("Jabatan!C2",)),
    # The same loop with the Kode Atasan typed in lower case: MATCH finds p03 as P03, so the reader does.
    Case("siklus_jabatan_huruf_kecil", cell("Jabatan", "C2", "p03"), 1,
         ("P01 → P03 → P02 → P01",), codes=("SIKLUS_JABATAN", "TANPA_AKAR"), cells=("Jabatan!C2",)),
    Case("kode_jabatan_tidak_dikenal", cell("Indikator", "B8", "P99"), 1,
         ("P99",), codes=("JABATAN_TIDAK_DIKENAL",), cells=("Indikator!B8",)),
    Case("kode_atasan_tidak_dikenal", cell("Jabatan", "C4", "P09"), 1,
         ("P09",), codes=("ATASAN_TIDAK_DIKENAL",), cells=("Jabatan!C4",)),
    Case("mendukung_tidak_dikenal", cell("Indikator", "M8", "P02-9.9"), 1,
         ("P02-9.9",), codes=("LINK_TIDAK_DIKENAL",), cells=("Indikator!M8",)),
    Case("id_ganda", cell("Indikator", "A9", "P03-1.1"), 1,
         ("P03-1.1",), codes=("ID_GANDA",), cells=("Indikator!A8",)),
    Case("kode_ganda", cell("Jabatan", "A4", "p02"), 1,  # Excel compares codes ignoring case
         ("«P02» dipakai lebih dari sekali",), codes=("KODE_GANDA",), cells=("Jabatan!A3",)),
    # Not a workbook at all.
    Case("bukan_workbook", raw_bytes(b"No\tSasaran Strategis\tIndikator Kinerja\tTarget\n"), 2,
         ("bukan workbook Excel", "buat ulang dengan xl-sakip import")),
    Case("file_kosong", raw_bytes(b""), 2, ("bukan workbook Excel",)),
    Case("file_terpotong", truncated, 2, ("bukan workbook Excel", "atau file rusak")),
    Case("berkata_sandi", encrypted, 2, ("dilindungi kata sandi", "hapus kata sandinya")),
    Case("xls_lama", raw_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504), 2,
         ("Excel 97-2003 (.xls)", "simpan sebagai", ".xlsm")),
]


def build(case: Case, good: Path, folder: Path) -> Path:
    """The damaged workbook of `case`, made from `good` in `folder`."""
    out = folder / f"{case.name}.xlsm"
    case.damage(good, out)
    return out


def stored_value(sheet: str, ref: str, text: str) -> Damage:
    """A cell whose stored number is `text` as written in the file (`<v>1E999</v>`), which Excel never
    writes but another program can: the cell is given a marker number, which is then replaced in the XML."""
    marker = 987654.125  # exact in binary and in decimal: written as "987654.125"

    def damage(good: Path, out: Path) -> None:
        staged = out.with_suffix(".staged.xlsm")
        cell(sheet, ref, marker)(good, staged)
        with zipfile.ZipFile(staged) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename.startswith("xl/worksheets/") and b"<v>987654.125</v>" in data:
                    data = data.replace(b"<v>987654.125</v>", f"<v>{text}</v>".encode())
                dst.writestr(info, data)
        staged.unlink()

    return damage


WORKBOOK_CORPUS += [
    # Issue 12, item 10: non-finite numbers are refused naming the cell (before: infinity was read, and
    # regenerate blanked the master cell).
    Case("target_tak_hingga", stored_value("Indikator", "G2", "1E999"), 2,
         ("Sheet 'Indikator' sel G2", "Target berisi nilai tak hingga", "ketik ulang angka")),
    Case("realisasi_tak_hingga", stored_value("Indikator", "S5", "-1E999"), 2,
         ("Sheet 'Indikator' sel S5", "Realisasi TW1 berisi nilai tak hingga",)),
]

WORKBOOK_CORPUS += [
    # Issue 12, item 16: IDs differing only in case are one ID for Excel's MATCH (before: they passed as
    # unique, and the P03 sheet showed P03-1.1's data in the row of p03-1.1).
    Case("id_ganda_huruf", cell("Indikator", "A9", "p03-1.1"), 1,
         ("«P03-1.1» dipakai 2 kali", "«p03-1.1»", "tidak membedakan huruf besar/kecil"),
         codes=("ID_GANDA",), cells=("Indikator!A8",)),
]


def emptied(good: Path, out: Path) -> None:
    """Every data row of Jabatan and Indikator deleted (the headers kept), as a select-all + Delete Rows."""
    def change(wb: openpyxl.Workbook) -> None:
        for name in ("Jabatan", "Indikator"):
            wb[name].delete_rows(2, wb[name].max_row)

    edit(change)(good, out)


#: Issue 12, items 5 and 17: workbook-wide values that passed `check`. Pengaturan rows (schema.SETTINGS):
#: 2 Nama Instansi, 3 Tahun, 6 Batas Atas Capaian (%); values in column B. `check` reports each (exit 1,
#: or 0 for the warning) with the cell; the strict reader of regenerate, PK, tree and demo refuses the year
#: and an empty master (exit 2). tests/test_reliability_two.py checks the findings and the refusals.
SETTINGS_CORPUS: list[Case] = [
    *(Case(f"tahun_{name}", cell("Pengaturan", "B3", year), 1, (f"Tahun {shown} tidak wajar",),
           codes=("TAHUN_TIDAK_VALID",), cells=("Pengaturan!B3",))
      for name, year, shown in (("nol", 0, "0"), ("negatif", -1, "-1"), ("10000", 10000, "10000"),
                                ("10_pangkat_12", 10**12, "1000000000000"))),
    Case("batas_capaian_nol", cell("Pengaturan", "B6", 0), 1, ("Batas Atas Capaian (%) 0 membuat",),
         codes=("BATAS_CAPAIAN_TIDAK_VALID",), cells=("Pengaturan!B6",)),
    Case("batas_capaian_negatif", cell("Pengaturan", "B6", -20), 1, ("Batas Atas Capaian (%) -20 membuat",),
         codes=("BATAS_CAPAIAN_TIDAK_VALID",), cells=("Pengaturan!B6",)),
    Case("master_kosong", emptied, 1, ("Sheet Jabatan tidak berisi satu jabatan pun",
                                       "Sheet Indikator tidak berisi satu indikator pun"),
         codes=("MASTER_KOSONG",), cells=("Jabatan!A2", "Indikator!A2")),
    Case("xlwings_conf_hilang", remove_sheet("xlwings.conf"), 0, ("Sheet 'xlwings.conf' tidak ada",
                                                                  "A1 'UDF Modules', B1 'udfs'"),
         codes=("XLWINGS_CONF_HILANG",)),
]


# --- What the formulas need beyond the values (issue 12, items 13-15) ---------------------------------------
# The reader forgives these; Excel's formulas do not. `check` reports each as a galat at its cell (exit 1);
# `regenerate` repairs it (writer.repair_workbook). Cells as in the module docstring; the Pengaturan rows of
# the fixture are 2..11 in schema.SETTINGS order (Batas Atas Capaian (%) in row 6).


def rename_table(old: str, new: str) -> Damage:
    """A table renamed in Excel (Table Design > Table Name): Excel renames every reference to it too."""

    def change(wb: openpyxl.Workbook) -> None:
        for ws in wb.worksheets:
            if old in ws.tables:
                table = ws.tables[old]
                del ws.tables[old]
                table.name = table.displayName = new
                for tc in table.tableColumns:
                    if tc.calculatedColumnFormula is not None:
                        tc.calculatedColumnFormula.attr_text = tc.calculatedColumnFormula.attr_text.replace(
                            old + "[", new + "[")
                ws.add_table(table)
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f" and isinstance(c.value, str):
                        c.value = c.value.replace(old + "[", new + "[")
        for dn in wb.defined_names.values():
            dn.attr_text = dn.attr_text.replace(old + "[", new + "[")

    return edit(change)


def table_ref(name: str, ref: str) -> Damage:
    def change(wb: openpyxl.Workbook) -> None:
        for ws in wb.worksheets:
            if name in ws.tables:
                ws.tables[name].ref = ref
                ws.tables[name].autoFilter.ref = ref

    return edit(change)


def delete_name(name: str) -> Damage:
    def change(wb: openpyxl.Workbook) -> None:
        del wb.defined_names[name]

    return edit(change)


def sort_settings(good: Path, out: Path) -> None:
    """Pengaturan sorted A→Z by label (Data > Sort): values move with their rows, the names stay behind."""
    wb = openpyxl.load_workbook(good, keep_vba=True)
    ws = wb["Pengaturan"]
    ws["B6"] = 100  # Batas Atas Capaian (%): a cap, so that a name left behind changes figures
    rows = sorted(([c.value for c in ws[r]] for r in range(2, ws.max_row + 1)), key=lambda v: str(v[0]))
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            ws.cell(r, col).value = value
    wb.save(out)


REPAIR_CORPUS: list[Case] = [
    Case("judul_spasi_akhir", cell("Indikator", "S1", "Realisasi TW1 "), 1, ("Realisasi TW1 ",),
         codes=("SPASI_BERLEBIH",), cells=("Indikator!S1",)),
    Case("judul_spasi_takputus", cell("Indikator", "S1", "Realisasi\u00a0TW1"), 1, ("spasi tak terputus",),
         codes=("SPASI_BERLEBIH",), cells=("Indikator!S1",)),
    Case("judul_spasi_ganda", cell("Indikator", "G1", "Target  "), 1, ("Judul kolom",),
         codes=("SPASI_BERLEBIH",), cells=("Indikator!G1",)),
    Case("kode_jabatan_spasi", cell("Indikator", "B8", "P03 "), 1, ("'P03 '",),
         codes=("SPASI_BERLEBIH",), cells=("Indikator!B8",)),
    Case("kode_spasi", cell("Jabatan", "A4", "P03 "), 1, ("'P03 '",),
         codes=("SPASI_BERLEBIH",), cells=("Jabatan!A4",)),
    # P03-2.1 (row 9, a leaf) typed as 7.5 into a General cell: the number 7.5, read as the ID "7.5"
    Case("id_angka", cell("Indikator", "A9", 7.5), 1, ("ID 7.5", "Indikator' sel A9", "('7.5)"),
         codes=("KODE_ANGKA",), cells=("Indikator!A9",)),
    Case("tabel_diganti_nama", rename_table("tblIndikator", "tblIndikatorLama"), 1,
         ("bernama 'tblIndikatorLama'", "tblIndikator"), codes=("TABEL_RUSAK",), cells=("Indikator!A1",)),
    Case("tabel_terpotong", table_ref("tblIndikator", "A1:AJ7"), 1, ("berhenti di baris 7", "baris 9"),
         codes=("TABEL_RUSAK",), cells=("Indikator!A1",)),
    Case("nama_dihapus", delete_name("setBatasCapaian"), 1, ("'setBatasCapaian'", "#NAME?"),
         codes=("NAMA_RUSAK",), cells=("Pengaturan!B6",)),
    Case("pengaturan_diurutkan", sort_settings, 1, ("diurutkan",), codes=("NAMA_RUSAK",)),
    # A quarter typed over the computed row "Triwulan Laporan Berlaku" (issue 13): the sheets would read it,
    # whatever "Laporan s.d. Triwulan" says.
    Case("triwulan_berlaku_ditimpa", cell("Pengaturan", "B15", 2), 1, ("'Triwulan Laporan Berlaku'", "rumus"),
         codes=("NAMA_RUSAK",), cells=("Pengaturan!B15",)),
]
