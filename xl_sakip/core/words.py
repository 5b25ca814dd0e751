"""Every status and category word a planner reads, in one place (Bahasa Indonesia).

Rules (core/rules.py) put these words into cells and results; no code reads them back to decide anything:
outcomes are decided on numbers and on the reason being empty or not.
"""

from __future__ import annotations

# Outcomes of a capaian (core/capaian.Status)
COMPUTED = "dihitung"
NOT_COMPUTABLE = "tidak dapat dihitung"
INCOMPLETE = "belum lengkap"
NC = NOT_COMPUTABLE + ": "  # prefix of a capaian cell that holds its reason instead of a number

# Reasons a capaian cannot be computed
NO_REALISASI = "realisasi belum diisi"
NO_TARGET = "target belum diisi"
TARGET_ZERO_DIV = "target 0: capaian tidak dapat dihitung (pembagian dengan nol)"
TARGET_ZERO = "target 0: capaian tidak dapat dihitung"
RANGE_NO_UPPER = "target rentang tanpa batas atas (Target Atas)"
RANGE_UPPER_NOT_NUMBER = "target atas bukan angka"
RATIO_ZERO = "jumlah penyebut 0: rasio tidak dapat dihitung"
NEGATIVE = "realisasi negatif"
GRADE_TARGET_UNKNOWN = "predikat target '{code}' tidak ada di skala predikat (Ref_Predikat)"
GRADE_REALISASI_UNKNOWN = "predikat realisasi '{code}' tidak ada di skala predikat (Ref_Predikat)"
GRADE_OUT_OF_SCALE = "skor realisasi {score} di luar skala predikat (0 sampai {top})"
GRADE_TARGET_ZERO = "skor predikat target 0"
REALISASI_NOT_NUMBER = "realisasi {q} bukan angka: '{value}'"
REALISASI_VALUE_NOT_NUMBER = "realisasi '{value}' bukan angka"
RATIO_NOT_NUMBER = "pembilang/penyebut {q} bukan angka: '{value}'"
TARGET_Q_NOT_NUMBER = "target {q} bukan angka: '{value}'"
TARGET_NOT_NUMBER = "target '{value}' bukan angka"

# Roll-up
CYCLE = "siklus pada Mendukung ID: roll-up tidak dapat dihitung"
PARTIAL_EMPTY = "pendukung hanya mencakup sebagian target dan realisasi sendiri belum diisi"
PENDUKUNG_PROBLEM = "realisasi pendukung bermasalah"
FROM_PENDUKUNG = "realisasi = jumlah indikator pendukung"
FROM_OWN = "pendukung hanya mencakup sebagian target: memakai realisasi sendiri"

# Keterangan of a unit-sheet row
NOT_FOUND = "ID tidak ditemukan di Indikator"
MISSING_QUARTERS = "realisasi {quarters} belum diisi"
INCOMPLETE_NOTE = INCOMPLETE + ": " + MISSING_QUARTERS
NEGATIVE_NOTE = "realisasi negatif di {quarters}: periksa sheet Indikator"


def quarter(q: int) -> str:
    return f"TW{q}"

# The SAKIP year (issue 14): the two readings of capaian "s.d. TW n"
NO_RA_TARGETS = "tidak ada target triwulan (Rencana Aksi): isi Target TW1–TW4 di Indikator"
NO_RA_TARGET_TO_DATE = "target triwulan sampai triwulan laporan belum diisi"
READING_ANNUAL = "Capaian thd Target Tahunan (%)"  # Permendagri 86/2017: realisasi s.d. TW n ÷ target tahun
READING_TO_DATE = "Capaian thd Target s.d. TW (%)"  # Rencana Aksi: realisasi s.d. TW n ÷ target TW s.d. n
DUPLICATE_ROWS = "lebih dari satu baris di sheet {sheet} untuk ID dan {by} ini"
NO_RENSTRA = "tidak ada target Renstra (sheet Renstra)"

# Budget and efficiency (issue 15)
NO_PAGU = "pagu 0 atau belum diisi"
EFFICIENT = "efisien"
FAIR = "cukup"
INEFFICIENT = "kurang efisien"
TARGET_MET = "target tercapai"
TARGET_NOT_MET = "target belum tercapai: tidak ada sisa anggaran yang dinilai"
NO_CAPAIAN = "tidak ada capaian yang dapat dihitung"
CAPAIAN_ZERO = "capaian 0: rumus EKA membagi dengan capaian"
NO_BUDGET = "tidak ada anggaran"
BUDGET_CODE_UNKNOWN = "kode tidak ada di Anggaran"  # a unit sheet's budget row whose code left Anggaran
