"""The layout of the master workbook: sheet names, table names and columns, in one place.

Headers are what planners read (Bahasa Indonesia); `field` is the attribute of the model it holds.
Readers find columns by header text, never by position, so people may reorder or add columns.
"""

from __future__ import annotations

from dataclasses import dataclass

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
