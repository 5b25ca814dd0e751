"""Where things are on a unit sheet: rows, columns, headers, widths, and the words its cells show.

Every column of a unit sheet is a constant here; formulas name columns through these constants and
`refs.L` (column letters), never as typed letters.
"""

from __future__ import annotations

from xl_sakip.book import schema as s
from xl_sakip.core import words as w

TITLE_ROW = 1
# The header block (rows 2..STATUS_ROW): a label in column A, its value in VALUE_COL.
VALUE_COL = 3
OFFICE_ROW = 2
CODE_ROW = 3  # C3 holds the position code (the key of the sheet)
JABATAN_ROW = 4  # the position's title (Ringkasan and Dasbor show it from here)
ATASAN_ROW = 5
YEAR_ROW = 6
HEADER_LABELS = ("Instansi", "Kode Jabatan", "Jabatan", "Atasan", "Tahun", "Status Sheet")  # rows 2..7
STATUS_ROW = 7
HEADER_ROW = 8
FIRST_BODY_ROW = 9

# Visible table
C_NO, C_SASARAN, C_INDIKATOR, C_SATUAN, C_TARGET = 1, 2, 3, 4, 5
C_TW = (6, 7, 8, 9)
C_TAHUN, C_CAPAIAN, C_KATEGORI = 10, 11, 12
C_T_ANAK, C_SEL_T, C_R_ANAK, C_SEL_R = 13, 14, 15, 16
C_KET, C_ID = 17, 18
# Hidden helper columns (grouped, so an auditor can unhide them)
C_BARIS = 19
C_TQ = (20, 21, 22, 23)
C_TATAS = 24
C_PAKAI = 25  # the realisasi used for capaian (core/rollup.used_realisasi): own, or the pendukung's sum
C_KOSONG = (26, 27, 28, 29)  # 1 when the quarter is missing (for a parent: in any leaf below it)
C_MASALAH = 30  # 1 when the realisasi used cannot be a number (text in a number cell, penyebut 0 ...)
C_PEMBILANG = (31, 32, 33, 34)
C_PENYEBUT = (35, 36, 37, 38)
C_SKOR_T, C_SKOR_R = 39, 40
C_CAPAIAN_MENTAH = 41
C_CAKUP = 42  # parent: 1 when its pendukung cover its target (core/rollup.covers), so it takes their sum
C_DESIMAL = 43  # decimals the numbers of the row show: 0 for counts (jumlah), else 2 (template.py)
C_ALASAN = 44  # why no capaian can be computed ("" when it can): core/rules.capaian_reason
LAST_HELPER_COL = C_ALASAN  # the first group of hidden helper columns: FIRST_HIDDEN_COL..LAST_HELPER_COL
# The two readings "s.d. TW n" (issue 14; core/rules.py, the SAKIP year): visible, after the hidden helpers
# (appended, so that no column above moves), with their own hidden helpers after them.
C_T_TAHUNAN, C_CAP_TAHUNAN = 45, 46  # annual target; capaian against it (Permendagri 86/2017)
C_T_SD_TW, C_CAP_SD_TW = 47, 48  # Rencana Aksi target to date; capaian against it
C_ALASAN_TAHUNAN, C_MENTAH_TAHUNAN = 49, 50
C_ALASAN_SD_TW, C_MENTAH_SD_TW = 51, 52
FIRST_READING_HELPER = C_ALASAN_TAHUNAN
READING_COLS = (C_T_TAHUNAN, C_CAP_TAHUNAN, C_T_SD_TW, C_CAP_SD_TW)
# The pendukung block: one row per pendukung ("jumlah") of each parent on this sheet, from the first body
# row down, a parent's pendukung in consecutive rows. Each row brings one pendukung's cells here, so that
# the parent's roll-up formulas name a range of this block, not every pendukung cell: a formula stays the
# same length whatever the number of pendukung (Excel allows 8 192 characters; issue 13).
C_PD_ID = 53  # the pendukung's ID (a value: where each row comes from)
C_PD_PAKAI = 54  # its Realisasi Dipakai
C_PD_ANGKA = 55  # that as a number, 0 when it is not one (rules.rolled_number)
C_PD_MASALAH = 56  # its Bermasalah
C_PD_KOSONG = (57, 58, 59, 60)  # its TWn Kosong
# Inputs the row's rules read many times, each in a cell of its own so that a formula names the cell instead
# of repeating the expression (issue 13: a Target held the annual target 24 times, 4 453 characters).
C_T_BERLAKU = 61  # the annual target in force (the master's, the PK Perubahan's, a grade's code)
C_DILAPOR = (62, 63, 64, 65)  # TRUE when the quarter counts as reported (rules.reported), up to the quarter
# A grade's scores in the two readings (as C_SKOR_T, C_SKOR_R for the capaian): target, realisasi.
C_SKOR_T_TAHUNAN, C_SKOR_R_TAHUNAN, C_SKOR_T_SD_TW, C_SKOR_R_SD_TW = 66, 67, 68, 69
N_COLS = 69

UNIT_HEADERS: dict[int, str] = {
    C_NO: "No", C_SASARAN: "Sasaran Strategis", C_INDIKATOR: "Indikator Kinerja", C_SATUAN: "Satuan",
    C_TARGET: "Target", **{c: f"Realisasi {q}" for c, q in zip(C_TW, s.Q, strict=True)},
    C_TAHUN: "Realisasi Tahun", C_CAPAIAN: "Capaian (%)", C_KATEGORI: "Kategori",
    C_T_ANAK: "Jumlah Target Pendukung", C_SEL_T: "Selisih: Pendukung - Target",
    C_R_ANAK: "Realisasi dari Pendukung", C_SEL_R: "Selisih: Pendukung - Realisasi",
    C_KET: "Keterangan", C_ID: "ID", C_BARIS: "Baris di tblIndikator",
    **{c: f"Target {q}" for c, q in zip(C_TQ, s.Q, strict=True)}, C_TATAS: "Target Atas",
    C_PAKAI: "Realisasi Dipakai", **{c: f"{q} Kosong" for c, q in zip(C_KOSONG, s.Q, strict=True)},
    C_MASALAH: "Bermasalah", **{c: f"Pembilang {q}" for c, q in zip(C_PEMBILANG, s.Q, strict=True)},
    **{c: f"Penyebut {q}" for c, q in zip(C_PENYEBUT, s.Q, strict=True)},
    C_SKOR_T: "Skor Target", C_SKOR_R: "Skor Realisasi", C_CAPAIAN_MENTAH: "Capaian Sebelum Batas",
    C_CAKUP: "Pendukung Mencakup Target", C_DESIMAL: "Desimal", C_ALASAN: "Alasan Tidak Dapat Dihitung",
    C_T_TAHUNAN: "Target Tahunan", C_CAP_TAHUNAN: w.READING_ANNUAL,
    C_T_SD_TW: "Target s.d. TW (Rencana Aksi)", C_CAP_SD_TW: w.READING_TO_DATE,
    C_ALASAN_TAHUNAN: "Alasan: Capaian thd Target Tahunan", C_MENTAH_TAHUNAN: "Capaian Tahunan Sebelum Batas",
    C_ALASAN_SD_TW: "Alasan: Capaian thd Target s.d. TW", C_MENTAH_SD_TW: "Capaian s.d. TW Sebelum Batas",
    C_PD_ID: "Pendukung: ID", C_PD_PAKAI: "Pendukung: Realisasi Dipakai", C_PD_ANGKA: "Pendukung: Angka",
    C_PD_MASALAH: "Pendukung: Bermasalah",
    **{c: f"Pendukung: {q} Kosong" for c, q in zip(C_PD_KOSONG, s.Q, strict=True)},
    C_T_BERLAKU: "Target Tahunan Berlaku",
    **{c: f"{q} Dilaporkan" for c, q in zip(C_DILAPOR, s.Q, strict=True)},
    C_SKOR_T_TAHUNAN: "Skor Target Tahunan", C_SKOR_R_TAHUNAN: "Skor Realisasi thd Target Tahunan",
    C_SKOR_T_SD_TW: "Skor Target s.d. TW", C_SKOR_R_SD_TW: "Skor Realisasi thd Target s.d. TW",
}
FIRST_HIDDEN_COL = C_BARIS


def is_hidden(col: int) -> bool:
    """A hidden helper column (two groups: before and after the visible readings)."""
    return FIRST_HIDDEN_COL <= col <= LAST_HELPER_COL or col >= FIRST_READING_HELPER

NOT_FOUND = w.NOT_FOUND
NC = w.NC  # Capaian.excel() prefix of a not computable capaian (core/capaian.py)
REGENERATE = "klik Buat Ulang Sheet Unit (tab SAKIP) atau jalankan xl-sakip regenerate"
# Keterangan of a parent: where its realisasi comes from (core/rollup.Source). Informative: the status
# row does not count them as rows to check.
FROM_PENDUKUNG = w.FROM_PENDUKUNG
FROM_OWN = w.FROM_OWN

# Visible unit-sheet columns that wrap, with their widths in characters (template.py applies these).
UNIT_WIDTHS: dict[int, float] = {
    C_NO: 5, C_SASARAN: 30, C_INDIKATOR: 44, C_SATUAN: 10, C_TARGET: 11,
    # Capaian: a number, or why there is none ("tidak dapat dihitung: realisasi belum diisi", 2 lines).
    **{c: 10 for c in C_TW}, C_TAHUN: 11, C_CAPAIAN: 22, C_KATEGORI: 16,
    C_T_ANAK: 13, C_SEL_T: 13, C_R_ANAK: 13, C_SEL_R: 13, C_KET: 32, C_ID: 10,
    C_T_TAHUNAN: 11, C_CAP_TAHUNAN: 22, C_T_SD_TW: 14, C_CAP_SD_TW: 22,
}


