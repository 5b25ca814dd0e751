"""What the generated sheets' formulas need from the master beyond its values (issue 12, items 13-15), found
in an open openpyxl workbook; `check` reports each as a `galat` naming the cell, `regenerate` repairs it
(writer.repair_workbook).

The reader forgives what a person would not notice: stray spaces around a code or in a header, a table named
differently, a table that stops above the last rows, a defined name deleted or left behind when Pengaturan
was sorted. Excel's formulas do not: MATCH("P03";…) does not find "P03 ", tblIndikator[Realisasi TW1] does
not find the column "Realisasi TW1 ", a row below the table's ref is not in tblIndikator[ID], and
setBatasCapaian deleted is #NAME?. So that reader and formulas never disagree while `check` says all is
well, every such difference is a `Damage`:

- SPASI_BERLEBIH: a header of our tables, or a code, ID or drop-down value, with spaces the reader ignores
  (leading, trailing, doubled, non-breaking);
- TABEL_RUSAK: a table of ours missing, renamed, not starting at the header row, or not covering our columns
  and every data row;
- NAMA_RUSAK: a defined name the formulas or drop-downs use missing, or not pointing where it should (a
  setting's value cell as the reader finds it by its label).
- KODE_ANGKA: an ID or a position code stored as a number (7.5, or 1 from a typed 01): the reader reads its
  text, but the formulas' MATCH and "=" never meet a number with a text, so the sheets say "ID tidak
  ditemukan". Regenerate stores the text the reader read. (A budget Kode has its own warning,
  ANGGARAN_KODE_ANGKA, see docs/budget.md.)

Nothing here changes the workbook; the scans look at existing cells only (never the sheet's whole extent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book import schema as s
from xl_sakip.core.findings import Finding, Severity

SPACES, TABLE, NAME, NUMBER = "SPASI_BERLEBIH", "TABEL_RUSAK", "NAMA_RUSAK", "KODE_ANGKA"


@dataclass(frozen=True)
class TableSpec:
    name: str
    sheet: str
    headers: tuple[str, ...]  # our columns, in writer order (computed columns last, optional)
    optional: tuple[str, ...] = ()  # headers that may be deleted (the UDF columns)
    readers: str = "rumus sheet unit"  # the formulas that read the table, named in the findings


_YEAR_READERS = "rumus sheet Evaluasi Renja dan LKjIP"

TABLES: tuple[TableSpec, ...] = (
    TableSpec(s.TABLE_POSITIONS, s.SHEET_POSITIONS, tuple(s.headers(s.POSITION_COLUMNS))),
    TableSpec(s.TABLE_INDICATORS, s.SHEET_INDICATORS,
              tuple(s.headers(s.INDICATOR_COLUMNS)) + tuple(c.header for c in s.COMPUTED_COLUMNS),
              optional=tuple(c.header for c in s.COMPUTED_COLUMNS)),
    TableSpec(s.TABLE_BANDS, s.SHEET_BANDS, tuple(s.headers(s.BAND_COLUMNS))),
    TableSpec(s.TABLE_GRADES, s.SHEET_GRADES, tuple(s.headers(s.GRADE_COLUMNS))),
    TableSpec(s.TABLE_IPK, s.SHEET_IPK, tuple(s.headers(s.IPK_COLUMNS))),
    TableSpec(s.TABLE_IPK_SUB, s.SHEET_IPK_SUB, tuple(s.headers(s.IPK_SUB_COLUMNS))),
    TableSpec(s.TABLE_IPK_STATUS, s.SHEET_IPK_STATUS, tuple(s.headers(s.IPK_STATUS_COLUMNS))),
    TableSpec(s.TABLE_BUDGET, s.SHEET_BUDGET, tuple(s.headers(s.BUDGET_COLUMNS))),
    TableSpec(s.TABLE_PK_VERSIONS, s.SHEET_PK_VERSIONS, tuple(s.headers(s.PK_VERSION_COLUMNS))),
    TableSpec(s.TABLE_PK_TARGETS, s.SHEET_PK_VERSIONS, tuple(s.headers(s.PK_TARGET_COLUMNS))),
    # The SAKIP year's tables: the reader reads every row of their sheets, the Evaluasi Renja and LKjIP
    # formulas only the table's rows (a Renstra row typed below the table was read by check, not shown)
    TableSpec(s.TABLE_RENSTRA, s.SHEET_RENSTRA, tuple(s.headers(s.RENSTRA_COLUMNS)), readers=_YEAR_READERS),
    TableSpec(s.TABLE_HISTORY, s.SHEET_HISTORY, tuple(s.headers(s.HISTORY_COLUMNS)), readers=_YEAR_READERS),
    TableSpec(s.TABLE_NARRATIVE, s.SHEET_NARRATIVE, tuple(s.headers(s.NARRATIVE_COLUMNS)),
              readers="rumus sheet LKjIP"),  # the narrative is the LKjIP's, not the Evaluasi Renja's
)

#: Cells whose text formulas compare exactly (MATCH, =): codes, IDs, drop-down values, grade codes.
EXACT_FIELDS: dict[str, tuple[str, ...]] = {
    s.SHEET_POSITIONS: ("code", "parent"),
    s.SHEET_INDICATORS: ("id", "position", "supports", "kind", "polarity", "aggregation", "rollup",
                         *(f"{q}.{i}" for q in ("target_q", "realisasi_q") for i in range(len(s.Q)))),
    s.SHEET_GRADES: ("scale", "code"),
    s.SHEET_IPK_SUB: ("component",),
    s.SHEET_BUDGET: ("level", "code", "position", "supports"),
}
#: Cells holding IDs and position codes, which the formulas find as text (MATCH, "=") and the reader reads as
#: text even when they hold a number.
ID_FIELDS: dict[str, tuple[str, ...]] = {
    s.SHEET_POSITIONS: ("code", "parent"),
    s.SHEET_INDICATORS: ("id", "position", "supports"),
    s.SHEET_BUDGET: ("position", "supports"),
    # The year sheets and Versi PK: the LKjIP and the Target PK rows find these by "=" too (a version's name
    # is free text, but "2023" typed is the number 2023, never "=" the text the reader read).
    s.SHEET_RENSTRA: ("id",),
    s.SHEET_HISTORY: ("id",),
    s.SHEET_NARRATIVE: ("id",),
    s.SHEET_PK_VERSIONS: ("name", "version", "indicator_id"),
}
_COLUMNS = {s.SHEET_POSITIONS: s.POSITION_COLUMNS, s.SHEET_INDICATORS: s.INDICATOR_COLUMNS,
            s.SHEET_BANDS: s.BAND_COLUMNS, s.SHEET_GRADES: s.GRADE_COLUMNS, s.SHEET_IPK: s.IPK_COLUMNS,
            s.SHEET_IPK_SUB: s.IPK_SUB_COLUMNS, s.SHEET_IPK_STATUS: s.IPK_STATUS_COLUMNS,
            s.SHEET_BUDGET: s.BUDGET_COLUMNS}
#: Every sheet's columns found by header, for number_cells (Versi PK holds two tables side by side; their
#: headers differ).
_ID_COLUMNS = {**_COLUMNS, s.SHEET_RENSTRA: s.RENSTRA_COLUMNS, s.SHEET_HISTORY: s.HISTORY_COLUMNS,
               s.SHEET_NARRATIVE: s.NARRATIVE_COLUMNS,
               s.SHEET_PK_VERSIONS: s.PK_VERSION_COLUMNS + s.PK_TARGET_COLUMNS}

_REPAIR = "jalankan xl-sakip regenerate (workbook ditutup) untuk memperbaikinya"


@dataclass(frozen=True)
class Damage:
    code: str  # SPASI_BERLEBIH, TABEL_RUSAK, NAMA_RUSAK
    sheet: str | None
    cell: str | None  # "B8"
    message: str  # Bahasa Indonesia: what is wrong, and that regenerate repairs it (or how to fix by hand)
    fix: object = None  # for the repair: the tidy text, the table spec, the name's reference
    severity: Severity = Severity.ERROR  # WARNING where the cell may be what the person meant

    def finding(self) -> Finding:
        cell = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else None
        return Finding(severity=self.severity, code=self.code, message=self.message, cell=cell)


def damages(wb: Workbook) -> list[Damage]:
    """Every difference between what the reader accepts and what the formulas need, in sheet order."""
    global _heads
    _heads = {}  # nothing changes the workbook meanwhile: each sheet's header row is read once
    try:
        return (untidy_cells(wb) + number_cells(wb) + table_damages(wb) + name_damages(wb)
                + computed_setting_damages(wb))
    finally:
        _heads = None


def damage_findings(found: Sequence[Damage]) -> list[Finding]:
    return [d.finding() for d in found]


# --- stray spaces (item 13) ---------------------------------------------------------------------------------


def tidy(text: str) -> str:
    """One plain space between words, none around them (what the reader compares)."""
    return " ".join(text.split())


def _norm(text: object) -> str:
    return tidy(str(text)).casefold()


_heads: dict[int, dict[str, int]] | None = None  # header_columns of each sheet, during one `damages` call


def header_columns(ws: Worksheet) -> dict[str, int]:
    """Normalised header text of row 1 -> column; where row 1 is empty over a table whose Header Row is off,
    the table's own column names (`headerless_names`)."""
    if _heads is not None and id(ws) in _heads:
        return _heads[id(ws)]
    out: dict[str, int] = {}
    get = ws._cells.get
    for c in range(1, last_column(ws) + 1):  # at most 16 384 look-ups: no cell is created
        cell = get((1, c))
        if cell is not None and isinstance(cell.value, str) and cell.value.strip():
            out.setdefault(_norm(cell.value), c)
    for c, name in headerless_names(ws).items():
        out.setdefault(_norm(name), c)
    if _heads is not None:
        _heads[id(ws)] = out
    return out


def headerless_names(ws: Worksheet) -> dict[int, str]:
    """Column -> name, over every table on `ws` (`titles_gone`)."""
    out: dict[int, str] = {}
    for name in ws.tables:
        out.update(titles_gone(ws, ws.tables[name]))
    return out


def titles_gone(ws: Worksheet, table) -> dict[int, str]:  # table: openpyxl Table
    """Column -> name, from the definition of `table` when it starts at row 2 with its Header Row off, for
    the columns whose row-1 cell is empty. Excel's "Header Row" box, unticked, takes the titles out of row 1
    and keeps them only as the table's column names (its structured references still work): the sheet is
    still ours, its headers one click away, so the reader reads them from there and regenerate writes them
    back (writer._repair_table)."""
    min_col, top, _, _ = range_boundaries(table.ref)
    if table.headerRowCount != 0 or top != 2:
        return {}
    out: dict[int, str] = {}
    for k, col in enumerate(table.tableColumns or []):
        cell = ws._cells.get((1, min_col + k))
        if (cell is None or cell.value is None or str(cell.value).strip() == "") and col.name:
            out[min_col + k] = col.name
    return out


def last_column(ws: Worksheet) -> int:
    """openpyxl's `ws.max_column` (1 for an empty sheet), without its walk of every cell in Python."""
    return max(map(itemgetter(1), ws._cells), default=1)


def untidy_cells(wb: Workbook) -> list[Damage]:
    """Headers of our columns, and codes/IDs/drop-down values, holding spaces the reader ignores."""
    out: list[Damage] = []
    for sheet, columns in _COLUMNS.items():
        if sheet not in wb.sheetnames:
            continue  # the reader reports a missing sheet
        ws = wb[sheet]
        extra = [c.header for c in s.COMPUTED_COLUMNS] if sheet == s.SHEET_INDICATORS else []
        ours = {_norm(h): h for h in [c.header for c in columns] + extra}
        for col in sorted(set(header_columns(ws).values())):
            if (cell := ws._cells.get((1, col))) is None:
                continue  # a title kept only as a table's column name (headerless_names)
            value = cell.value
            if not isinstance(value, str) or _norm(value) not in ours:
                continue
            if tidy(value) != value:
                out.append(Damage(SPACES, sheet, cell.coordinate, (
                    f"Judul kolom '{value}' di sheet '{sheet}' sel {cell.coordinate} berisi spasi berlebih "
                    "(di awal/akhir, ganda, atau spasi tak terputus); rumus sheet unit mencari judul "
                    f"'{ours[_norm(value)]}' persis, sehingga tampil galat (#VALUE!). Ketik ulang judulnya "
                    f"tanpa spasi berlebih, atau {_REPAIR}."), ours[_norm(value)]))
        heads = header_columns(ws)
        wanted = {heads[_norm(c.header)]: c for c in columns
                  if c.field in EXACT_FIELDS.get(sheet, ()) and _norm(c.header) in heads}
        # One pass; only the hits are sorted. `_value`: the cell's value without the property's call.
        hits = [(r, c) for (r, c), cell in ws._cells.items()
                if c in wanted and r >= 2 and isinstance(v := cell._value, str) and cell.data_type != "f"
                and tidy(v) != v]
        for r, c in sorted(hits):
            cell = ws._cells[(r, c)]
            value = cell.value
            if value.strip() and tidy(value) != value:
                out.append(Damage(SPACES, sheet, cell.coordinate, (
                    f"{wanted[c].header} '{value}' di sheet '{sheet}' sel {cell.coordinate} berisi spasi "
                    "berlebih (di awal/akhir, ganda, atau spasi tak terputus); rumus Excel membandingkan "
                    f"teks persis, sehingga '{value}' tidak sama dengan '{tidy(value)}'. Hapus spasinya, "
                    f"atau {_REPAIR}."), tidy(value)))
    return out


def number_text(value: float | int) -> str:
    """The text the reader makes of a number in a text column (reader._Row.text)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def number_cells(wb: Workbook) -> list[Damage]:
    """IDs and position codes stored as numbers (ID_FIELDS): the reader takes their text, the formulas
    cannot find them."""
    out: list[Damage] = []
    for sheet, fields in ID_FIELDS.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        heads = header_columns(ws)
        wanted = {heads[_norm(c.header)]: c for c in _ID_COLUMNS[sheet]
                  if c.field in fields and _norm(c.header) in heads}
        hits = [(r, c) for (r, c), cell in ws._cells.items()
                if c in wanted and r >= 2 and cell.data_type == "n"
                and isinstance(v := cell._value, int | float) and not isinstance(v, bool)]
        for r, c in sorted(hits):
            cell = ws._cells[(r, c)]
            text = number_text(cell.value)
            out.append(Damage(NUMBER, sheet, cell.coordinate, (
                f"{wanted[c].header} {text} di sheet '{sheet}' sel {cell.coordinate} tersimpan sebagai "
                f"angka, bukan teks; rumus sheet unit mencari teks '{text}' dan tidak menemukan angka "
                "(tampil 'ID tidak ditemukan' atau 'Kode jabatan tidak ditemukan'; angka 0 di depan juga "
                "hilang). "
                f"Ketik ulang dengan tanda petik di depan ('{text}), atau {_REPAIR}."), text))
    return out


# --- tables (item 14) ---------------------------------------------------------------------------------------


def find_table(wb: Workbook, spec: TableSpec):  # -> (Worksheet, Table) | None
    """Our table: by its name anywhere, else the one table on its sheet that holds our first column."""
    for ws in wb.worksheets:
        for table in ws.tables.values():
            if table.displayName.casefold() == spec.name.casefold():
                return ws, table
    if spec.sheet in wb.sheetnames:
        ws = wb[spec.sheet]
        heads = header_columns(ws)
        first = heads.get(_norm(spec.headers[0]))
        for table in ws.tables.values():
            min_col, min_row, max_col, _ = range_boundaries(table.ref)
            if first is not None and min_row == 1 and min_col <= first <= max_col:
                return ws, table
    return None


def totals_rows(ws: Worksheet, columns: Iterable[int]) -> set[int]:
    """The rows of the Total Rows (Excel's "Total Row" box) of the tables on `ws` that span one of
    `columns`: not data, whatever they hold (a table's structured references leave them out)."""
    wanted = set(columns)
    out: set[int] = set()
    for name in ws.tables:
        table = ws.tables[name]
        n = int(table.totalsRowCount or 0)
        min_col, _, max_col, bottom = range_boundaries(table.ref)
        if n and any(min_col <= c <= max_col for c in wanted):
            out.update(range(bottom - n + 1, bottom + 1))
    return out


def _data_rows(ws: Worksheet, columns: Sequence[int], below: int) -> Iterator[int]:
    """The rows below row `below` holding a value (not blank text) in one of `columns`, existing cells
    only, each once per such cell, in no order."""
    wanted = set(columns)
    return (r for (r, c), cell in ws._cells.items()
            if r > below and c in wanted and (v := cell._value) is not None and str(v).strip() != "")


def last_data_row(ws: Worksheet, columns: Sequence[int]) -> int:
    """The last row (at least 2) holding a value in one of `columns` (existing cells only)."""
    return max(_data_rows(ws, columns, 2), default=2)


def first_data_row(ws: Worksheet, columns: Sequence[int], below: int) -> int | None:
    """The first row below row `below` holding a value in one of `columns`."""
    return min(_data_rows(ws, columns, below), default=None)


def data_columns(heads: dict[str, int], spec: TableSpec) -> list[int]:
    """The columns whose values make a row one of the table's data (`heads`: header_columns of its sheet):
    ours, without the optional computed ones."""
    return [heads[_norm(h)] for h in spec.headers if h not in spec.optional and _norm(h) in heads]


def expected_ref(ws: Worksheet, spec: TableSpec, current: str | None) -> str | None:
    """The ref the table must have: row 1 to the last data row, over every column of ours (and whatever
    else it spans now). None when our headers are not all there (the reader reports that)."""
    heads = header_columns(ws)
    cols = [heads[_norm(h)] for h in spec.headers if _norm(h) in heads]
    required = [h for h in spec.headers if h not in spec.optional]
    if any(_norm(h) not in heads for h in required):
        return None
    first, last = min(cols), max(cols)
    if current:
        min_col, _, max_col, _ = range_boundaries(current)
        first, last = min(first, min_col), max(last, max_col)
    bottom = last_data_row(ws, data_columns(heads, spec))
    if current:  # never above its bottom: rows left empty at the end, or an empty Total Row, stay in it
        bottom = max(bottom, range_boundaries(current)[3])
    return f"{get_column_letter(first)}1:{get_column_letter(last)}{bottom}"


def table_damages(wb: Workbook) -> list[Damage]:
    out: list[Damage] = []
    for spec in TABLES:
        if spec.sheet not in wb.sheetnames:
            continue
        found = find_table(wb, spec)
        ws = wb[spec.sheet]
        if found is None:
            out.append(Damage(TABLE, spec.sheet, "A1", (
                f"Sheet '{spec.sheet}' tidak memiliki tabel Excel '{spec.name}' yang dipakai "
                f"{spec.readers}; {_REPAIR} (tabel dibuat ulang dari baris judul sampai baris data "
                "terakhir)."), spec))
            continue
        home, table = found
        if home.title != spec.sheet:
            out.append(Damage(TABLE, home.title, table.ref.split(":")[0], (
                f"Tabel '{table.displayName}' ada di sheet '{home.title}', bukan di sheet '{spec.sheet}'; "
                f"ganti nama tabel itu (Table Design > Table Name), lalu {_REPAIR}."), None))
            continue
        if table.displayName != spec.name:
            out.append(Damage(TABLE, spec.sheet, table.ref.split(":")[0], (
                f"Tabel di sheet '{spec.sheet}' bernama '{table.displayName}', padahal {spec.readers} "
                f"memakai nama '{spec.name}'; kembalikan namanya (Table Design > Table Name), atau "
                f"{_REPAIR}."), spec))
        # Excel's "Header Row" box off. Over row-1 titles the formulas read them as data; done in Excel, it
        # also empties row 1 and starts the table at row 2, where the formulas still read the right rows
        gone = bool(titles_gone(ws, table))
        if gone:
            out.append(Damage(TABLE, spec.sheet, table.ref.split(":")[0], (
                f"Tabel '{table.displayName}' di sheet '{spec.sheet}' tidak memakai baris judul (Header Row "
                "dimatikan), sehingga judul kolom tidak tampil di baris 1; nyalakan Header Row (Table Design "
                f"> Header Row), atau {_REPAIR}."), spec, Severity.WARNING))
        elif table.headerRowCount == 0:
            out.append(Damage(TABLE, spec.sheet, table.ref.split(":")[0], (
                f"Tabel '{table.displayName}' di sheet '{spec.sheet}' tidak memakai baris judul (Header Row "
                "dimatikan), sehingga judul kolom terbaca sebagai data oleh rumus; nyalakan Header Row "
                f"(Table Design > Header Row), atau {_REPAIR}."), spec))
        want = expected_ref(ws, spec, table.ref)
        if want is None:
            continue
        min_col, _, _, bottom = range_boundaries(table.ref)
        typed = typed_in_total_row(ws, spec, table)
        if len(typed) >= TYPED_IN_TOTALS:
            out.append(Damage(TABLE, spec.sheet, f"{get_column_letter(min_col)}{bottom}", (
                f"Baris {bottom} adalah baris Total (Total Row) tabel '{table.displayName}' di sheet "
                f"'{spec.sheet}', tetapi berisi data ({', '.join(typed)}): baris Total tidak dibaca "
                "sebagai data. Sisipkan baris di atas baris Total, pindahkan datanya ke sana, dan biarkan "
                "baris Total hanya berisi label dan rumus total."),
                None))  # only the person knows what the row is
        elif typed:  # one value: a label a person put there, or the start of a row typed in the wrong place
            c = header_columns(ws)[_norm(typed[0])]
            out.append(Damage(TABLE, spec.sheet, f"{get_column_letter(c)}{bottom}", (
                f"Baris {bottom} adalah baris Total (Total Row) tabel '{table.displayName}' di sheet "
                f"'{spec.sheet}' dan berisi nilai di kolom '{typed[0]}', bukan rumus total: baris Total "
                "tidak dibaca sebagai data. Jika itu data indikator, sisipkan baris di atas baris Total dan "
                "pindahkan ke sana; jika hanya label, abaikan peringatan ini atau pindahkan label ke kolom "
                "pertama."), None, Severity.WARNING))
        if below_total_row(table, want):
            need = range_boundaries(want)[3]
            start = first_data_row(ws, data_columns(header_columns(ws), spec), bottom) or bottom + 1
            out.append(Damage(TABLE, spec.sheet, f"{get_column_letter(min_col)}{start}", (
                f"Tabel '{table.displayName}' di sheet '{spec.sheet}' memakai Total Row (baris {bottom}), "
                f"dan {_rows(start, need)} di bawahnya berisi data di luar tabel: {spec.readers} "
                "tidak membacanya. Pindahkan baris itu ke atas baris Total (sisipkan baris di atas "
                "baris Total, lalu pindahkan isinya), atau matikan Total Row (Table Design > Total Row) lalu "
                "jalankan xl-sakip regenerate (workbook ditutup) untuk memperluas tabel."),
                None))  # not repaired: extending the table would make the last data row its totals row
        elif not _covers(_with_header_row(table.ref) if gone else table.ref, want):
            _, _, _, bottom = range_boundaries(table.ref)
            _, _, _, need = range_boundaries(want)
            readers = spec.readers + (" ('ID tidak ditemukan')" if spec.name == s.TABLE_INDICATORS else "")
            what = (f"berhenti di baris {bottom}, padahal data sampai baris {need}: baris di bawahnya tidak "
                    f"terbaca oleh {readers}" if need > bottom else
                    "tidak mencakup semua kolom atau tidak mulai di baris judul (baris 1)")
            out.append(Damage(TABLE, spec.sheet, table.ref.split(":")[0], (
                f"Tabel '{table.displayName}' di sheet '{spec.sheet}' mencakup {table.ref}, {what}; perluas "
                f"tabel sampai {want} (Table Design > Resize Table), atau {_REPAIR}."), spec))
    return out


#: A totals row with plain values in this many of our required columns (besides the table's first, where
#: Excel puts the "Total" label) holds data, not totals: a label is one value, an indicator row holds many.
TYPED_IN_TOTALS = 2


def typed_in_total_row(ws: Worksheet, spec: TableSpec, table) -> list[str]:  # table: openpyxl Table
    """The headers of our columns (besides the table's first, where Excel puts the "Total" label) where the
    table's totals row holds plain values, not formulas: `TYPED_IN_TOTALS` or more is data typed there."""
    if not table.totalsRowCount:
        return []
    min_col, _, max_col, bottom = range_boundaries(table.ref)
    heads = header_columns(ws)
    typed = []
    for h in spec.headers:
        c = heads.get(_norm(h))
        if h in spec.optional or c is None or c == min_col or not min_col <= c <= max_col:
            continue
        cell = ws._cells.get((bottom, c))
        v = None if cell is None else cell.value
        if v is not None and str(v).strip() and not (isinstance(v, str) and v.startswith("=")):
            typed.append(h)
    return typed


def _rows(first: int, last: int) -> str:
    return f"baris {first}" if first == last else f"baris {first} sampai {last}"


def below_total_row(table, want: str) -> bool:  # table: openpyxl Table
    """Data below a table that shows a Total Row: the table cannot simply be extended over it (its last row
    would become the totals row, and the totals row data)."""
    return bool(table.totalsRowCount) and range_boundaries(want)[3] > range_boundaries(table.ref)[3]


def _with_header_row(ref: str) -> str:
    """A table's range once its Header Row is turned back on: one row higher (Excel's own way)."""
    c1, r1, c2, r2 = range_boundaries(ref)
    return f"{get_column_letter(c1)}{r1 - 1}:{get_column_letter(c2)}{r2}"


def _covers(ref: str, want: str) -> bool:
    a = range_boundaries(ref)
    b = range_boundaries(want)
    return a[1] == 1 and a[0] <= b[0] and a[2] >= b[2] and a[3] >= b[3]


# --- defined names (item 15) --------------------------------------------------------------------------------


def expected_names(wb: Workbook) -> dict[str, str]:
    """Defined name -> the reference it must hold, for every name the sheets' formulas and drop-downs use:
    each setting's value cell (found by its label in Pengaturan), each value list of Ref_Daftar (found by
    its header), and the lists that are table columns."""
    out: dict[str, str] = {}
    if s.SHEET_SETTINGS in wb.sheetnames:
        ws = wb[s.SHEET_SETTINGS]
        heads = header_columns(ws)
        label_col = heads.get(_norm(s.SETTINGS_HEADERS[0]))
        value_col = heads.get(_norm(s.SETTINGS_HEADERS[1]))
        if label_col and value_col:
            rows: dict[str, int] = {}
            for (r, c), cell in sorted(ws._cells.items()):
                if r >= 2 and c == label_col and isinstance(cell.value, str):
                    rows.setdefault(_norm(cell.value), r)
            letter = get_column_letter(value_col)
            for setting in s.SETTINGS:
                if (row := rows.get(_norm(setting.label))) is not None:
                    out[setting.name] = f"{quote_sheetname(ws.title)}!${letter}${row}"
    if s.SHEET_LISTS in wb.sheetnames:
        LISTS = s.LISTS  # noqa: N806

        ws = wb[s.SHEET_LISTS]
        heads = header_columns(ws)
        for header, name, _values in LISTS:
            if (col := heads.get(_norm(header))) is not None:
                letter = get_column_letter(col)
                out[name] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${last_data_row(ws, [col])}"
    for name, table, header in ((s.LIST_POSITION_CODES, s.TABLE_POSITIONS, "code"),
                                (s.LIST_INDICATOR_IDS, s.TABLE_INDICATORS, "id"),
                                (s.LIST_IPK_COMPONENTS, s.TABLE_IPK, "name")):
        columns = {s.TABLE_POSITIONS: s.POSITION_COLUMNS, s.TABLE_INDICATORS: s.INDICATOR_COLUMNS,
                   s.TABLE_IPK: s.IPK_COLUMNS}[table]
        out[name] = f"{table}[{next(c.header for c in columns if c.field == header)}]"
    return out


def _same_ref(a: str, b: str) -> bool:
    def norm(x: str) -> str:
        x = x.strip().lstrip("=").replace("'", "")
        return re.sub(r"\s+", "", x).casefold()

    return norm(a) == norm(b)


def name_damages(wb: Workbook) -> list[Damage]:
    out: list[Damage] = []
    for name, ref in expected_names(wb).items():
        dn = wb.defined_names.get(name)
        shown = ref.replace("'", "")
        # A setting's name: the finding points at the value cell it should name.
        at = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+)", ref)
        sheet, cell = (at.group(1), at.group(2) + at.group(3)) if at else (None, None)
        if dn is None:
            out.append(Damage(NAME, sheet, cell, (
                f"Nama '{name}' (Formulas > Name Manager) tidak ada, padahal dipakai rumus atau drop-down "
                f"(seharusnya {shown}); sel yang memakainya tampil galat (#NAME?). {_REPAIR.capitalize()}."),
                ref))
        elif not _same_ref(dn.attr_text or "", ref):
            out.append(Damage(NAME, sheet, cell, (
                f"Nama '{name}' menunjuk {(dn.attr_text or '').replace(chr(39), '')}, padahal seharusnya "
                f"{shown} (misalnya setelah baris sheet '{s.SHEET_SETTINGS}' diurutkan); rumus memakai "
                f"nilai yang salah. {_REPAIR.capitalize()}."), ref))
    return out


def computed_setting_damages(wb: Workbook) -> list[Damage]:
    """A computed Pengaturan row (Triwulan Laporan Berlaku) whose value cell no longer holds its formula,
    e.g. a quarter typed over it: every formula naming it would read that value instead of the setting."""
    out: list[Damage] = []
    names = expected_names(wb)
    for setting in s.SETTINGS:
        ref = names.get(setting.name)
        if setting.formula is None or ref is None:
            continue
        sheet, cell = ref.split("!")
        sheet, cell = sheet.strip("'"), cell.replace("$", "")
        have = wb[sheet][cell].value
        if isinstance(have, str) and _same_ref(have, setting.formula):
            continue
        out.append(Damage(NAME, sheet, cell, (
            f"Sel {sheet}!{cell} ('{setting.label}', nama {setting.name}) harus berisi rumus "
            f"{setting.formula}, bukan nilai yang diketik; rumus sheet memakai nilainya. "
            f"{_REPAIR.capitalize()}."), setting.formula))
    return out
