"""The layout of the master workbook: sheet names, table names and columns, in one place.

Headers are what planners read (Bahasa Indonesia); `field` is the attribute of the model it holds.
Readers find columns by header text, never by position, so people may reorder or add columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xl_sakip.core import rules
from xl_sakip.core.budget import BudgetLevel, PkKind
from xl_sakip.core.formula import render
from xl_sakip.core.models import Aggregation, Kind, Polarity, RollUp

SHEET_INSTRUCTIONS = "Petunjuk"
SHEET_POSITIONS = "Jabatan"
SHEET_INDICATORS = "Indikator"
SHEET_SETTINGS = "Pengaturan"
SHEET_BANDS = "Ref_Kategori"
SHEET_GRADES = "Ref_Predikat"
SHEET_IPK = "Ref_IPK"
SHEET_IPK_SUB = "Ref_SubIPK"
SHEET_IPK_STATUS = "Ref_StatusIPK"
SHEET_LISTS = "Ref_Daftar"  # value lists behind the drop-downs
SHEET_XLWINGS_CONF = "xlwings.conf"
# The SAKIP year (issue 14): master sheets a later version added; an older workbook gets them (empty) on
# regenerate, and reads without them.
SHEET_RENSTRA = "Renstra"
SHEET_HISTORY = "Riwayat"
SHEET_NARRATIVE = "Narasi"
SHEET_BUDGET = "Anggaran"  # issue 15; an older workbook gets it on regenerate
SHEET_PK_VERSIONS = "Versi PK"  # issue 15: tblVersiPK and tblTargetPK side by side

TABLE_POSITIONS = "tblJabatan"
TABLE_INDICATORS = "tblIndikator"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    width: float = 12
    number_format: str | None = None
    required: bool = False


POSITION_COLUMNS: tuple[Column, ...] = (
    Column("Kode", "code", 9, required=True),
    Column("Jabatan", "title", 48, required=True),
    Column("Kode Atasan", "parent", 11),
    Column("Eselon", "eselon", 8, "0"),
    Column("Urutan", "order", 8, "0", required=True),
    Column("Nama Pejabat", "official_name", 28),
    Column("NIP", "nip", 22, "@"),
    Column("Baris Sumber", "source_line", 9, "0"),
)

Q = ("TW1", "TW2", "TW3", "TW4")

INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("ID", "id", 12, required=True),
    Column("Kode Jabatan", "position", 11, required=True),
    Column("No Sasaran", "sasaran_no", 8, "0"),
    Column("Sasaran Strategis", "sasaran", 40),
    Column("Indikator Kinerja", "indikator", 48, required=True),
    Column("Target Tertulis", "target_text", 14, "@"),
    Column("Target", "target", 11, "#,##0.00"),
    Column("Target Atas", "target_upper", 10, "#,##0.00"),
    Column("Satuan", "satuan", 11),
    Column("Jenis", "kind", 10, required=True),
    Column("Polaritas", "polarity", 10, required=True),
    Column("Agregasi", "aggregation", 10, required=True),
    Column("Mendukung ID", "supports", 12),
    Column("Roll-up", "rollup", 9),
    *(Column(f"Target {q}", f"target_q.{i}", 10, "#,##0.00") for i, q in enumerate(Q)),
    *(Column(f"Realisasi {q}", f"realisasi_q.{i}", 11, "#,##0.00") for i, q in enumerate(Q)),
    *(Column(f"Pembilang {q}", f"numerator_q.{i}", 11, "#,##0.00") for i, q in enumerate(Q)),
    *(Column(f"Penyebut {q}", f"denominator_q.{i}", 11, "#,##0.00") for i, q in enumerate(Q)),
    Column("Baris Sumber", "source_line", 9, "0"),
)


def headers(columns: tuple[Column, ...]) -> list[str]:
    return [c.header for c in columns]


# --- Computed columns of tblIndikator (Excel functions from udfs.py) ----------------------------------------
#
# At the right end of tblIndikator, after every input column, so that adding them moves no input column.
# They call the xlwings UDFs of udfs.py for their own row and only work in Excel on Windows with Python and
# xlwings; everywhere else they show an error value (#NAME?). That is acceptable only because the unit
# sheets compute every figure with native formulas. The reader never reads them (it reads the columns of
# INDICATOR_COLUMNS by header text), so they may hold formulas, errors, or be deleted.
#
# Templates are written as Excel shows them inside the table: [@Col] is a cell of the same row, and
# [@[A]:[B]] the cells of the same row from column A to column B. `computed_formula` gives the form a
# file holds (tblIndikator[[#This Row],[Col]]).


@dataclass(frozen=True)
class ComputedColumn:
    header: str
    template: str  # the formula, "=" first, in Excel's [@Col] notation
    width: float = 12
    number_format: str | None = None
    note: str = ""  # the header's comment (Bahasa Indonesia)


def _span(first: str, last: str) -> str:
    return f"[@[{first}]:[{last}]]"


def _quarters(name: str) -> str:
    return _span(f"{name} {Q[0]}", f"{name} {Q[-1]}")


_FIRST_INPUT, _LAST_INPUT = INDICATOR_COLUMNS[0].header, INDICATOR_COLUMNS[-1].header
#: A grade indicator passes its written target (a code such as BB), any other its number.
_TARGET_ARG = 'IF([@Jenis]="predikat",[@[Target Tertulis]],[@Target])'
#: sampai_tw of the computed columns: the reporting quarter as every sheet reads it (rules.REPORTING_QUARTER,
#: the name setTriwulanBerlaku: Pengaturan "Laporan s.d. Triwulan", 4 when empty), so the master's figures
#: are those of the unit sheets.
_UPTO_ARG = render(rules.REPORTING_QUARTER)
#: The 14 arguments of SAKIP_CAPAIAN_TW and SAKIP_STATUS.
_CAPAIAN_ARGS = ",".join((
    _quarters("Realisasi"), _TARGET_ARG, "[@Polaritas]", "[@Agregasi]", _quarters("Target"), _UPTO_ARG,
    "[@[Target Atas]]", "[@Jenis]", _quarters("Pembilang"), _quarters("Penyebut"),
    "setRumusTurun", "setBatasCapaian", "tblPredikat[Kode]", "tblPredikat[Skor]",
))
_NOTE_TAIL = (" Kolom hitungan (fungsi Excel xl-sakip dari Python): hanya berfungsi di Excel Windows dengan "
              "Python dan xlwings; di tempat lain tampil galat (#NAME?). Semua angka juga dihitung dengan "
              "rumus Excel biasa di sheet unit. Jangan diisi; tidak dibaca oleh xl-sakip.")

COMPUTED_COLUMNS: tuple[ComputedColumn, ...] = (
    ComputedColumn(
        "Realisasi Tahun",
        f"=SAKIP_REALISASI({_quarters('Realisasi')},[@Agregasi],{_UPTO_ARG},[@Jenis],{_quarters('Pembilang')},"
        f"{_quarters('Penyebut')})",
        11, "#,##0.00",
        "Realisasi s.d. triwulan laporan (Pengaturan 'Laporan s.d. Triwulan'; kosong: TW4), menurut "
        "Agregasi; triwulan sesudahnya tidak dihitung walaupun terisi." + _NOTE_TAIL,
    ),
    ComputedColumn(
        "Capaian (%)",
        f"=SAKIP_CAPAIAN_TW({_CAPAIAN_ARGS})",
        11, "#,##0.00",
        "Capaian dari realisasi baris ini s.d. triwulan laporan (Pengaturan 'Laporan s.d. Triwulan'; "
        "kosong: TW4), seperti di sheet unit. Untuk indikator yang punya "
        "pendukung roll-up (IPK dan komponennya) capaian di sheet unit memakai jumlah realisasi pendukung."
        + _NOTE_TAIL,
    ),
    ComputedColumn(
        "Status Capaian",
        f"=SAKIP_STATUS({_CAPAIAN_ARGS})",
        22, None,
        "dihitung, belum lengkap (triwulan yang belum diisi) atau tidak dapat dihitung (alasannya)."
        + _NOTE_TAIL,
    ),
    ComputedColumn(
        "Kategori Capaian",
        "=SAKIP_KATEGORI([@[Capaian (%)]],tblKategori[Capaian Di Atas (%)],"
        "tblKategori[Capaian Sampai Dengan (%)],tblKategori[Kategori],setLabelMelampaui)",
        16, None,
        "Kategori capaian menurut sheet Ref_Kategori." + _NOTE_TAIL,
    ),
    ComputedColumn(
        "Validasi",
        f"=SAKIP_VALIDASI({_span(_FIRST_INPUT, _LAST_INPUT)},"
        f"tblIndikator[[#Headers],[{_FIRST_INPUT}]:[{_LAST_INPUT}]],tblPredikat[Kode],tblPredikat[Skor])",
        50, None,
        "Masalah pada baris ini (kosong bila tidak ada); aturan antarbaris ada di xl-sakip check."
        + _NOTE_TAIL,
    ),
)


def computed_formula(template: str, table: str = TABLE_INDICATORS) -> str:
    """A template's formula as a file holds it: [@Col] -> table[[#This Row],[Col]], spans alike."""

    def this_row(m: re.Match[str]) -> str:
        inner = m.group(1)
        ref = inner if inner.startswith("[") else f"[{inner}]"
        return f"{table}[[#This Row],{ref}]"

    # [@[A]:[B]] or [@[A]] (brackets inside), then [@A] (plain name).
    return re.sub(r"\[@(\[[^\]]+\](?::\[[^\]]+\])?|[^\[\]]+)\]", this_row, template)


# --- Reference and settings sheets (added with the workbook writer/reader) ---------------------------------

TABLE_BANDS = "tblKategori"
TABLE_GRADES = "tblPredikat"
TABLE_IPK = "tblIPK"
TABLE_IPK_SUB = "tblSubIPK"
TABLE_IPK_STATUS = "tblStatusIPK"

BAND_COLUMNS: tuple[Column, ...] = (
    Column("Kategori", "label", 22, required=True),
    Column("Capaian Di Atas (%)", "lower", 16, "#,##0.00"),  # exclusive; empty = no lower bound
    Column("Capaian Sampai Dengan (%)", "upper", 16, "#,##0.00"),  # inclusive; empty = no upper bound
)

GRADE_COLUMNS: tuple[Column, ...] = (
    Column("Skala", "scale", 14, required=True),
    Column("Kode", "code", 9, required=True),
    Column("Skor", "score", 9, "#,##0.00", required=True),
    Column("Keterangan", "description", 40),
)

IPK_COLUMNS: tuple[Column, ...] = (
    Column("No", "no", 6, "0", required=True),
    Column("Komponen IPK", "name", 40, required=True),
    Column("Nilai Maksimum", "max_value", 12, "#,##0.00", required=True),
    Column("Sementara", "provisional", 11, required=True),  # "ya" / "tidak"
)

IPK_SUB_COLUMNS: tuple[Column, ...] = (
    Column("Komponen IPK", "component", 40, required=True),
    Column("Sub-indikator", "name", 70, required=True),
)

IPK_STATUS_COLUMNS: tuple[Column, ...] = (
    Column("Status", "label", 20, required=True),
    Column("Nilai IPK Minimal", "lower", 14, "#,##0.00", required=True),  # IPK >= this value
    Column("Terkonfirmasi", "confirmed", 13, required=True),  # "ya" / "tidak"
)

YES, NO = "ya", "tidak"

# Pengaturan: one setting per row (label | value | note); `field` is "settings.<attr>" or "reference.<attr>".
SETTINGS_HEADERS = ("Pengaturan", "Nilai", "Keterangan")


@dataclass(frozen=True)
class Setting:
    label: str
    field: str
    name: str  # workbook-level defined name of the value cell, for formulas
    number_format: str | None = None
    note: str = ""
    # A computed row: its value cell holds this formula (written by the writer and regenerate, never read
    # back as a setting), so that sheet formulas read one cell instead of repeating the expression.
    formula: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("Nama Instansi", "settings.office", "setInstansi"),
    Setting("Tahun", "settings.year", "setTahun", "0"),
    Setting("Tempat Penandatanganan PK", "settings.place", "setTempatPK", "@"),
    Setting("Tanggal Penandatanganan PK", "settings.date", "setTanggalPK", "@",
            "Ditulis sebagai teks, misalnya 2 Januari 2023."),
    Setting("Batas Atas Capaian (%)", "settings.capaian_cap", "setBatasCapaian", "0",
            "Kosongkan jika capaian tidak dibatasi; biasanya 100 atau 120."),
    Setting("Rumus Capaian Polaritas Turun", "settings.lower_is_better_formula", "setRumusTurun", "@",
            "2T-R: (2 x Target - Realisasi) / Target x 100. T/R: Target / Realisasi x 100."),
    Setting("Label Capaian di Atas Target", "reference.above_target_label", "setLabelMelampaui", None,
            "Kategori untuk capaian di atas 100%."),
    Setting("PK Kepala Dinas: Jabatan Pihak Kedua", "settings.pk_root_superior_title", "setPKAtasanJabatan",
            "@", "Atasan Kepala Dinas pada Perjanjian Kinerja, misalnya Gubernur Sulawesi Utara. Kosong: PK "
            "memberi garis titik-titik untuk diisi tangan."),
    Setting("PK Kepala Dinas: Nama Pihak Kedua", "settings.pk_root_superior_name", "setPKAtasanNama", "@",
            "Nama atasan Kepala Dinas (Gubernur). Kosong: garis titik-titik."),
    Setting("PK Kepala Dinas: NIP Pihak Kedua", "settings.pk_root_superior_nip", "setPKAtasanNIP", "@",
            "NIP atasan Kepala Dinas; isi - bila tidak ada. Kosong: garis titik-titik."),
    # Rows added by later versions go last: an older workbook gets them appended (regenerate).
    Setting("Laporan s.d. Triwulan", "settings.reporting_quarter", "setTriwulanLaporan", "0",
            "1, 2, 3 atau 4: laporan sampai dengan triwulan ini; triwulan sesudahnya diabaikan."),
    Setting("Kategori Perlu Penjelasan", "settings.explain_categories", "setKategoriPenjelasan", "@",
            "Kategori capaian (dipisah titik koma) yang wajib diberi Faktor Penghambat di sheet Narasi; "
            "xl-sakip check memberi peringatan bila kosong."),
    Setting("Rumus Efisiensi", "settings.efficiency_formula", "setRumusEfisiensi", "@",
            "capaian-serapan: capaian kinerja - serapan anggaran (di atas +5 efisien, -5 s.d. +5 cukup, di "
            "bawah -5 kurang efisien). EKA: rumus Kemenkeu, nilai efisiensi = 50% + (E/20) x 50%. sisa "
            "anggaran: bagian pagu yang tidak terserap bila target tercapai. Kosong: capaian-serapan."),
    Setting("Triwulan Laporan Berlaku", "computed.quarter_in_force", rules.NAME_QUARTER_IN_FORCE, "0",
            "Dihitung, jangan diisi: triwulan laporan yang dipakai semua rumus (Laporan s.d. Triwulan; "
            "kosong: 4).", "=" + render(rules.QUARTER_IN_FORCE)),
)

# Drop-down lists: columns of the Ref_Daftar sheet, each with a workbook-level defined name.
LIST_KIND = "lstJenis"
LIST_POLARITY = "lstPolaritas"
LIST_AGGREGATION = "lstAgregasi"
LIST_ROLLUP = "lstRollUp"
LIST_YES_NO = "lstYaTidak"
LIST_LOWER_FORMULA = "lstRumusTurun"
LIST_POSITION_CODES = "lstKodeJabatan"  # = tblJabatan[Kode]
LIST_INDICATOR_IDS = "lstIDIndikator"  # = tblIndikator[ID]
LIST_IPK_COMPONENTS = "lstKomponenIPK"  # = tblIPK[Komponen IPK]

#: The drop-down lists of Ref_Daftar: (header, defined name, values).
LISTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Jenis", LIST_KIND, tuple(k.value for k in Kind)),
    ("Polaritas", LIST_POLARITY, tuple(p.value for p in Polarity)),
    ("Agregasi", LIST_AGGREGATION, tuple(a.value for a in Aggregation)),
    ("Roll-up", LIST_ROLLUP, tuple(r.value for r in RollUp)),
    ("Ya/Tidak", LIST_YES_NO, (YES, NO)),
    ("Rumus Polaritas Turun", LIST_LOWER_FORMULA, ("2T-R", "T/R")),
)

# --- The SAKIP year (issue 14): Renstra, earlier years, narrative and evidence ---------------------------
# Long tables, one row per indicator and year (or quarter), linked to tblIndikator by ID.

# Table and header names: core/rules.py (the LKjIP formulas read them), one place.
TABLE_RENSTRA = rules.TABLE_RENSTRA
TABLE_HISTORY = rules.TABLE_HISTORY
TABLE_NARRATIVE = rules.TABLE_NARRATIVE
_R, _H, _N = rules.RENSTRA_HEADERS, rules.HISTORY_HEADERS, rules.NARRATIVE_HEADERS

RENSTRA_COLUMNS: tuple[Column, ...] = (
    Column(_R[0], "id", 12, required=True),
    Column(_R[1], "year", 8, "0", required=True),
    Column(_R[2], "target", 14, "#,##0.00"),
    Column(_R[3], "note", 40),
)

HISTORY_COLUMNS: tuple[Column, ...] = (
    Column(_H[0], "id", 12, required=True),
    Column(_H[1], "year", 8, "0", required=True),
    Column(_H[2], "target", 12, "#,##0.00"),
    Column(_H[3], "realisasi", 12, "#,##0.00"),
    Column(_H[4], "note", 40),
)

NARRATIVE_COLUMNS: tuple[Column, ...] = (
    Column(_N[0], "id", 12, required=True),
    Column(_N[1], "quarter", 9, "0", required=True),
    Column(_N[2], "pendukung", 40),
    Column(_N[3], "penghambat", 40),
    Column(_N[4], "upaya", 40),
    Column(_N[5], "bukti", 40),
)

#: The year sheets: (sheet, table, columns, Cascade field), in the order they follow Pengaturan.
YEAR_SHEETS: tuple[tuple[str, str, tuple[Column, ...], str], ...] = (
    (SHEET_RENSTRA, TABLE_RENSTRA, RENSTRA_COLUMNS, "renstra"),
    (SHEET_HISTORY, TABLE_HISTORY, HISTORY_COLUMNS, "history"),
    (SHEET_NARRATIVE, TABLE_NARRATIVE, NARRATIVE_COLUMNS, "narratives"),
)

XLWINGS_CONF: tuple[tuple[str, str], ...] = (("UDF Modules", "udfs"),)


# --- Anggaran (issue 15): Program -> Kegiatan -> Sub Kegiatan with pagu and realisasi per quarter --------

TABLE_BUDGET = rules.TABLE_BUDGET  # the rules read these columns: their names come from core/rules.py
#: Rupiah without decimals, Indonesian formatting (the locale code 421: Rp 1.250.000 in LibreOffice and in
#: an Indonesian Excel).
RUPIAH = '[$Rp-421] #,##0'
#: The levels a row can have (the drop-down, a list typed into the validation itself).
BUDGET_LEVELS = tuple(level.value for level in BudgetLevel)

BUDGET_COLUMNS: tuple[Column, ...] = (
    Column(rules.BUDGET_LEVEL_HEADER, "level", 13, required=True),
    Column(rules.BUDGET_CODE_HEADER, "code", 20, "@", required=True),
    Column("Nama Program/Kegiatan/Sub Kegiatan", "name", 50, required=True),
    Column("Kode Jabatan", "position", 11),
    Column("Mendukung ID", "supports", 12),
    Column(rules.BUDGET_PAGU_HEADER, "pagu", 18, RUPIAH),
    Column(rules.BUDGET_PAGU_P_HEADER, "pagu_perubahan", 18, RUPIAH),
    *(Column(h, f"spent_q.{i}", 18, RUPIAH) for i, h in enumerate(rules.BUDGET_SPENT_HEADERS)),
    Column("Keterangan", "note", 30),
)


# --- Versi PK (issue 15): the versions of the PK and the targets each Perubahan changes ------------------

TABLE_PK_VERSIONS = rules.TABLE_PK_VERSIONS
TABLE_PK_TARGETS = rules.TABLE_PK_TARGETS
DATE_FORMAT = "d mmmm yyyy"
PK_KINDS = tuple(k.value for k in PkKind)

PK_VERSION_COLUMNS: tuple[Column, ...] = (
    Column(rules.PK_VERSION_HEADERS[0], "name", 16, required=True),
    Column(rules.PK_VERSION_HEADERS[1], "variant", 12, required=True),
    Column(rules.PK_VERSION_HEADERS[2], "date", 16, DATE_FORMAT),
    Column(rules.PK_VERSION_HEADERS[3], "reason", 44),
)
#: tblTargetPK starts here, one empty column after tblVersiPK.
PK_TARGETS_FIRST_COL = len(PK_VERSION_COLUMNS) + 2
PK_TARGET_COLUMNS: tuple[Column, ...] = (
    Column(rules.PK_TARGET_HEADERS[0], "version", 16, required=True),
    Column(rules.PK_TARGET_HEADERS[1], "indicator_id", 13, required=True),
    Column(rules.PK_TARGET_HEADERS[2], "target", 12, "#,##0.00"),
    Column(rules.PK_TARGET_HEADERS[3], "note", 40),
)
