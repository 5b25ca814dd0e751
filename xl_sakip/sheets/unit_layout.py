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
N_COLS = 44

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
}
FIRST_HIDDEN_COL = C_BARIS

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
}


