"""Read the master workbook back into a Cascade.

Columns are found by their header text (row 1), so people may reorder columns or add their own. Every
problem a person can cause in the workbook becomes a WorkbookError whose message (Bahasa Indonesia) names
the sheet and the cell and says what to do. Problems in cells are collected and reported together; a
missing sheet or column stops the reading at once.

`strict` (the default, for regenerate and the other writers) also refuses referential problems: a repeated
ID or code, an unknown Kode Jabatan, Kode Atasan or Mendukung ID, a loop in the position tree. `check`
reads with ``strict=False``: those are then left to the engine, which reports them as findings with their
cells (ID_GANDA, KODE_GANDA, JABATAN_TIDAK_DIKENAL, ATASAN_TIDAK_DIKENAL, LINK_TIDAK_DIKENAL,
SIKLUS_JABATAN). `read_master_with_rows` also returns where each row sits, so that findings name their cell
without opening the file a second time.

Older workbooks: a Pengaturan row that a later version added to schema.SETTINGS (e.g. the "PK Kepala Dinas:
..." rows) may be missing. It then takes the model's default and is listed in MasterRows.missing_settings;
`check` reports it as PENGATURAN_BARU (info) and `regenerate` adds the row. Rows whose value is required
(REQUIRED_SETTINGS: Tahun, Rumus Capaian Polaritas Turun; present since the first version) have no safe
default (a wrong year would mislabel every report) and stay an error, as does a missing sheet.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import io
import math
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from datetime import date, datetime, time
from enum import Enum
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ValidationError

from xl_sakip.book import schema as s
from xl_sakip.book.integrity import headerless_names, last_column, totals_rows
from xl_sakip.book.schema import Column
from xl_sakip.core.budget import BudgetItem, BudgetLevel, PkKind, PkTarget, PkVersion
from xl_sakip.core.findings import Finding, Locator, Severity, YearCells
from xl_sakip.core.graph import cycles
from xl_sakip.core.models import (
    QUARTERS,
    Aggregation,
    Band,
    Cascade,
    Grade,
    Indicator,
    IpkComponent,
    IpkStatus,
    Kind,
    Narrative,
    PastYear,
    Polarity,
    Position,
    Reference,
    RenstraTarget,
    RollUp,
    Settings,
)
from xl_sakip.core.numbers import fmt_plain, parse_number
from xl_sakip.errors import WorkbookError, refuse_special_file

#: At most this many cell problems are listed in one message.
MAX_LISTED = 25

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")

_BAD = object()  # a cell whose problem has been recorded

#: Enum of each indicator column that holds a drop-down value.
INDICATOR_ENUMS: dict[str, type[Enum]] = {
    "kind": Kind, "polarity": Polarity, "aggregation": Aggregation, "rollup": RollUp,
    "level": BudgetLevel,  # the Anggaran sheet
    "variant": PkKind,  # the Versi PK sheet
}
#: Numeric fields of the models, by type; any other field is text.
INT_FIELDS = frozenset({"eselon", "order", "sasaran_no", "source_line", "no", "settings.year",
                        "settings.reporting_quarter"})
FLOAT_FIELDS = frozenset({
    "target", "target_upper", "lower", "upper", "score", "max_value", "settings.capaian_cap",
    "pagu", "pagu_perubahan", *(f"spent_q.{i}" for i in range(QUARTERS)),
    *(f"{q}.{i}" for q in ("numerator_q", "denominator_q") for i in range(QUARTERS)),
})
VALUE_FIELDS = frozenset(f"{q}.{i}" for q in ("target_q", "realisasi_q") for i in range(QUARTERS))
REQUIRED_SETTINGS = frozenset({"settings.year", "settings.lower_is_better_formula"})
#: What to do when a model validator rejects a value of these fields.
VALUE_HINTS = {"lower_is_better_formula": 'isi "2T-R" atau "T/R"',
               "reporting_quarter": "isi 1, 2, 3 atau 4",
               "efficiency_formula": 'isi "capaian-serapan", "EKA" atau "sisa anggaran"'}
#: Text fields whose empty cell means None in the model (the others mean "").
OPTIONAL_TEXT = frozenset({"parent", "official_name", "nip", "satuan", "supports"})
#: Codes, IDs and list values: surrounding spaces are typing noise, not data.
STRIPPED = frozenset({"code", "parent", "position", "id", "supports", "scale", "component"})

# The kind of each field, for _Row.get's quick path (decided once, not per cell).
_ENUM, _INT, _FLOAT, _VALUE, _TEXT = "enum", "int", "float", "value", "text"
_KIND: dict[str, str] = {**{f: _VALUE for f in VALUE_FIELDS}, **{f: _FLOAT for f in FLOAT_FIELDS},
                         **{f: _INT for f in INT_FIELDS}, **{f: _ENUM for f in INDICATOR_ENUMS}}
_ENUM_CHOICES = {f: {m.value: m for m in e} for f, e in INDICATOR_ENUMS.items()}
_ENUM_DEFAULT = {f: next(iter(e)) for f, e in INDICATOR_ENUMS.items()}
_PLAIN = frozenset({"n", "s"})  # cell types of a constant (formulas "f", errors "e", booleans "b" aside)
_EXACT = 2**53  # ints below this are exactly floats (a larger one goes the long way, as before)


class MasterRows(BaseModel):
    """Where the rows of the master sit: what a finding needs to name its cell."""

    indicator_rows: dict[str, int]  # indicator id -> worksheet row of the Indikator sheet (first occurrence)
    position_rows: dict[str, int]  # position code -> worksheet row of the Jabatan sheet (first occurrence)
    indicator_columns: dict[str, str]  # model field -> column letter, as found by header text
    position_columns: dict[str, str]
    #: Labels of Pengaturan rows absent from the sheet (an older workbook), in schema order: defaults used.
    missing_settings: list[str] = []
    #: Setting field ("settings.year") -> its value cell ("Pengaturan!B3").
    settings_cells: dict[str, str] = {}
    #: Sheets the tool made that the workbook lacks without being unusable (xlwings.conf).
    missing_sheets: list[str] = []
    #: Master sheets of the SAKIP year an older workbook lacks (read as empty; regenerate adds them).
    missing_year_sheets: list[str] = []
    #: Cascade field of a year sheet ("narratives") -> its sheet, columns and the row of each item.
    year_cells: dict[str, YearCells] = {}
    #: What the formulas need beyond the values (stray spaces, tables, defined names): `check` reports these
    #: findings (galat), `regenerate` repairs them (book/integrity.py, writer.repair_workbook).
    damaged: list[Finding] = []
    #: Worksheet row of each row of Cascade.budget (same order), and model field -> column letter.
    budget_rows: list[int] = []
    budget_columns: dict[str, str] = {}
    #: The same for tblTargetPK (the targets a PK Perubahan changes).
    pk_target_rows: list[int] = []
    pk_target_columns: dict[str, str] = {}

    def locator(self) -> Locator:
        """What the core needs to name the cell of a finding ("Indikator!G12")."""
        return Locator(self.indicator_rows, self.position_rows, self.indicator_columns, self.position_columns,
                       indicator_sheet=s.SHEET_INDICATORS, position_sheet=s.SHEET_POSITIONS,
                       settings=self.settings_cells, year_cells=self.year_cells,
                       budget_rows=self.budget_rows,
                       budget_columns=self.budget_columns, budget_sheet=s.SHEET_BUDGET,
                       pk_rows=self.pk_target_rows, pk_columns=self.pk_target_columns,
                       pk_sheet=s.SHEET_PK_VERSIONS)


def read_master(path: str | Path, *, strict: bool = True) -> Cascade:
    """Read the master workbook at `path` into a Cascade; raises WorkbookError naming sheet and cell."""
    return read_master_with_rows(path, strict=strict)[0]


def read_master_with_rows(path: str | Path, *, strict: bool = True) -> tuple[Cascade, MasterRows]:
    """The Cascade and the worksheet rows and columns of its indicators and positions (one opening)."""
    path = Path(path)
    with gc_paused():
        wb = _open(path)
        try:
            return read_master_workbook(wb, path, strict=strict)
        finally:
            _release(wb)


def _release(wb: Workbook) -> None:
    """Let a workbook read here go now, its cells first: each sheet and its workbook refer to each other,
    so only the cyclic collector would free them, and a caller that keeps it paused (regenerate, to the
    save) kept every cell of the master to the end of its run (issue 13, memory). Nothing read from them
    refers to them: the models hold values."""
    for ws in wb._sheets:
        ws._cells = {}
        if hasattr(ws, ROWS):
            delattr(ws, ROWS)
    wb._sheets = []


@contextlib.contextmanager
def gc_paused(*, exiting: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector paused while a workbook is read: the reading makes hundreds of
    thousands of objects that all stay alive (cells, rows, models), and each collection walked all of them
    again (40 % of the reading time at 5 000 rows). Reading makes no reference cycles worth collecting;
    the collector runs again afterwards (if it was on).

    `exiting`: the process ends after this (a command of the `xl-sakip` program, never the ribbon's
    long-lived Python nor a test): what is alive is frozen out of the collector's sight, so that its first
    run afterwards does not walk it all once more only for the process to end (a tenth of a regenerate)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if exiting:
            gc.freeze()
        if was:
            gc.enable()


def read_master_workbook(wb: Workbook, path: str | Path, *, strict: bool = True
                         ) -> tuple[Cascade, MasterRows]:
    """`read_master_with_rows` of a workbook already in memory (the ribbon builds one from the open book's
    values, without a file); `path` names it in messages."""
    path = Path(path)
    problems = _Problems(strict)
    positions, codes, where_positions = _read_positions(wb, problems)
    indicators, where_indicators = _read_indicators(wb, problems, codes)
    settings, above_label, missing_settings = _read_settings(wb, problems)
    reference = _read_reference(wb, problems, above_label)
    year = _read_year_sheets(wb, problems)
    settings_cells = _setting_cells(wb, problems)
    budget, budget_rows, budget_columns = _read_budget(wb, problems)
    pk_versions, pk_targets, pk_rows, pk_columns = _read_pk_versions(wb, problems)
    if strict:
        _refuse_unusable(settings, positions, indicators, settings_cells, problems)
    problems.raise_if_any(path)
    cascade = Cascade(settings=settings, positions=positions, indicators=indicators, reference=reference,
                      budget=budget, pk_versions=pk_versions, pk_targets=pk_targets,
                      **{attr: items for attr, (items, _) in year.items()})
    rows = MasterRows(indicator_rows=where_indicators[0], position_rows=where_positions[0],
                      indicator_columns=where_indicators[1], position_columns=where_positions[1],
                      missing_settings=missing_settings, settings_cells=settings_cells,
                      missing_sheets=[n for n in OPTIONAL_SHEETS if n not in wb.sheetnames],
                      missing_year_sheets=[y[0] for y in s.YEAR_SHEETS if _sheet_named(wb, y[0]) is None],
                      year_cells={attr: where for attr, (_, where) in year.items()},
                      damaged=_damaged(wb), budget_rows=budget_rows, budget_columns=budget_columns,
                      pk_target_rows=pk_rows, pk_target_columns=pk_columns)
    return cascade, rows


def _setting_cells(wb: Workbook, problems: _Problems) -> dict[str, str]:
    """Setting field -> "Pengaturan!B3", the value cell of its row (found by label as _read_settings does)."""
    columns = (Column(s.SETTINGS_HEADERS[0], "label"), Column(s.SETTINGS_HEADERS[1], "value"))
    sheet = _Sheet(wb, s.SHEET_SETTINGS, columns, problems)
    by_label = {_norm(setting.label): setting.field for setting in s.SETTINGS}
    out: dict[str, str] = {}
    for row in sheet.rows():
        field = by_label.get(_norm(row.cell_value("label") or ""))
        if field is not None and field not in out:
            out[field] = f"{s.SHEET_SETTINGS}!{row.coordinate('value')}"
    return out


def _refuse_unusable(settings: Settings, positions: list[Position], indicators: list[Indicator],
                     cells: dict[str, str], problems: _Problems) -> None:
    """What the writers (regenerate, PK, tree, demo) cannot use, though `check` reads it and reports it as a
    finding: a year outside YEAR_MIN..YEAR_MAX (PK_-1_....pdf, "TAHUN 0000", a crash on the file's date)
    and a master without positions or indicators (regenerate would remove every unit sheet). Issue 12,
    items 5 and 17."""
    from xl_sakip.core.validation import year_problem

    if why := year_problem(settings.year):
        where = cells.get("settings.year", s.SHEET_SETTINGS).replace("!", "' sel ", 1)
        problems.add(f"Sheet '{where}: {why}")
    if not problems.items:
        for rows, sheet, what in ((positions, s.SHEET_POSITIONS, "jabatan"),
                                  (indicators, s.SHEET_INDICATORS, "indikator")):
            if not rows:
                problems.add(f"Sheet '{sheet}' tidak berisi satu {what} pun (baris 2 ke bawah kosong); "
                             "kembalikan isinya, misalnya dari salinan cadangan (.bak.xlsm), atau buat ulang "
                             "workbook dengan xl-sakip import. Workbook tidak diubah.")


def sheet_findings(rows: MasterRows) -> list[Finding]:
    """XLWINGS_CONF_HILANG (peringatan) when the xlwings.conf sheet is gone: in Excel the SAKIP_ functions
    then look for a Python module named after the workbook and show #NAME? or an xlwings error."""
    if s.SHEET_XLWINGS_CONF not in rows.missing_sheets:
        return []
    keys = "; ".join(f"A{n} '{k}', B{n} '{v}'" for n, (k, v) in enumerate(s.XLWINGS_CONF, start=1))
    return [Finding(
        severity=Severity.WARNING, code="XLWINGS_CONF_HILANG",
        message=(f"Sheet '{s.SHEET_XLWINGS_CONF}' tidak ada, sehingga fungsi SAKIP_... di Excel tidak "
                 f"menemukan modul Python-nya. Tambahkan sheet bernama '{s.SHEET_XLWINGS_CONF}' berisi "
                 f"{keys} (tanpa baris judul), atau salin sheet itu dari workbook yang dibuat xl-sakip "
                 "import."),
    )]


def _damaged(wb: Workbook) -> list[Finding]:
    """book/integrity.py's findings for the open workbook (kept apart from the reading itself)."""
    from xl_sakip.book.integrity import damage_findings, damages

    return damage_findings(damages(wb))


def missing_settings_findings(cascade: Cascade, missing: Sequence[str]) -> list[Finding]:
    """PENGATURAN_BARU (info) for each Pengaturan row absent from an older workbook: the default is used
    and `xl-sakip regenerate` adds the row."""
    from xl_sakip.book.writer import setting_value  # the value the writer (and regenerate) puts in the row

    out = []
    for setting in s.SETTINGS:
        if setting.label not in missing:
            continue
        shown = _show(setting_value(cascade, setting))
        shown = f"'{shown}'" if shown else "kosong"
        # A computed row: the unit sheets written before it compute the same value inline until regenerated.
        used = ("sheet unit yang ada menghitung nilainya sendiri sampai dibuat ulang" if setting.formula
                else f"nilai bawaannya dipakai: {shown}")
        fill = "" if setting.formula else ", lalu isi nilainya bila perlu"
        out.append(Finding(
            severity=Severity.INFO, code="PENGATURAN_BARU",
            message=(f"Sheet '{s.SHEET_SETTINGS}' belum memiliki baris '{setting.label}' (baris ini "
                     f"ditambahkan oleh versi xl-sakip yang lebih baru); {used}. "
                     "Jalankan xl-sakip regenerate (workbook ditutup) untuk menambahkan baris itu di akhir "
                     f"sheet '{s.SHEET_SETTINGS}'{fill}. Jika baris itu ada dengan "
                     "judul lain, kembalikan judulnya."),
        ))
    return out


# --- opening --------------------------------------------------------------------------------------------


def _open(path: Path) -> Workbook:
    if not path.exists():
        raise WorkbookError(f"File workbook '{path}' tidak ditemukan; periksa nama file dan foldernya.")
    if path.is_dir():
        raise WorkbookError(f"'{path}' adalah folder, bukan file workbook.")
    refuse_special_file(path, WorkbookError)  # a FIFO or /dev/zero would hang the reading below
    _refuse_ole(path)
    try:
        with path.open("rb") as fh, warnings.catch_warnings():
            # openpyxl warns about Excel features it does not read (e.g. extended validation): not ours.
            warnings.simplefilter("ignore")
            # A file object skips openpyxl's check of the file name's extension; the content decides.
            return load_master_sheets(fh, lean=True)
    except zipfile.BadZipFile as exc:
        raise WorkbookError(
            f"'{path}' bukan workbook Excel (.xlsm/.xlsx) atau file rusak; buka dan simpan ulang dengan "
            "Excel, atau buat ulang dengan xl-sakip import."
        ) from exc
    except OSError as exc:
        raise WorkbookError(f"File '{path}' tidak dapat dibuka: {exc.strerror or exc}.") from exc
    except Exception as exc:  # damaged package parts raise anything from KeyError to XML errors
        raise WorkbookError(
            f"'{path}' tidak dapat dibaca sebagai workbook Excel ({type(exc).__name__}: {exc}); "
            "buka dan simpan ulang dengan Excel, atau buat ulang dengan xl-sakip import."
        ) from exc


#: The sheets the reader reads (the master and its reference tables). Every other sheet (the generated
#: ones, hundreds in a regenerated workbook, and the users' own) is not parsed: `load_master_sheets`.
READ_SHEETS = frozenset(n.casefold() for n in (
    s.SHEET_POSITIONS, s.SHEET_INDICATORS, s.SHEET_SETTINGS, s.SHEET_BANDS, s.SHEET_GRADES, s.SHEET_IPK,
    s.SHEET_IPK_SUB, s.SHEET_IPK_STATUS, s.SHEET_BUDGET, s.SHEET_PK_VERSIONS,
    *(y[0] for y in s.YEAR_SHEETS)))
#: Sheets an older workbook may lack without being unusable: read as empty, listed in
#: MasterRows.missing_sheets; regenerate adds the master sheets among them (empty, with headers).
OPTIONAL_SHEETS = (s.SHEET_XLWINGS_CONF, s.SHEET_BUDGET, s.SHEET_PK_VERSIONS)


_NO_STYLE = object()  # _cells: a style id the stylesheet lacks
#: The attribute of a worksheet the reader loaded (`lean`) that holds its cells by row, then column, the same
#: Cell objects as `ws._cells`: `_Sheet.rows` gets a row's cells from a small dict, not 30 look-ups of (row,
#: column) in a dict of a million cells (a cache miss each, half the time of that reading at 50 000 rows).
ROWS = "_xl_sakip_rows"


_EMPTY_INLINE = (b"<is><t></t></is>", b'<is><t xml:space="preserve"></t></is>')


class _MasterSheetsReader(ExcelReader):
    """openpyxl's reader, parsing only the worksheets named in `wanted` (case-insensitive); every other
    sheet becomes an empty worksheet of the same name, state and place, so that sheet names, their order
    and sheet-scoped defined names stay as in the file (issue 13: `check` of a regenerated workbook parsed
    200 generated sheets to read two)."""

    def __init__(self, fh: Any, wanted: frozenset[str], lean: bool = False) -> None:
        super().__init__(fh, read_only=False, keep_vba=False, data_only=False, keep_links=True)
        self.wanted = wanted
        self.lean = lean  # _cells: no cell for an empty numeric one (see load_master_sheets)
        self.skipped: list[tuple[bytes, ...]] = []  # the empty cells the last _cells left out
        self.by_row: dict[int, dict[int, Cell]] = {}  # the last _cells' cells by row, then column
        self.scanned: set[str] = set()  # sheets whose cells came from the scan (for tests)
        self.bad_style = False  # _cells met a style id the stylesheet lacks

    def read_worksheets(self) -> None:
        find = self.parser.find_sheets
        try:
            for sheet, rel in list(find()):
                if rel.target not in self.valid_files:
                    continue  # as openpyxl: a sheet without its part is left out
                if sheet.name.casefold() in self.wanted:
                    self.parser.find_sheets = lambda one=(sheet, rel): iter([one])  # type: ignore[method-assign]
                    self._read_worksheet(rel.target, sheet.name)
                else:
                    ws = self.wb.create_sheet(sheet.name)
                    ws.sheet_state = sheet.state
        finally:
            self.parser.find_sheets = find  # type: ignore[method-assign]


    def _read_worksheet(self, part: str, name: str) -> None:
        """openpyxl's reading of one sheet, its cells bound from a scan of the XML when the scan can
        (book/sheet_xml.scan: the forms openpyxl and Excel write for plain values); openpyxl then parses
        the sheet without its cells (merged ranges, tables, columns ...). Any other form of cell: openpyxl
        reads the whole sheet, as before. The cells are the ones openpyxl would make (values, types, styles,
        dates from date-formatted numbers): the scan is faster than openpyxl's per-cell parsing. Row
        dimensions (heights, hidden rows) are not read for a scanned sheet: the reader does not use them."""
        from xl_sakip.book.sheet_xml import Unsure, scan_bytes

        raw = self.archive.read(part)
        if not raw.isascii():
            raw.decode("utf-8")  # a part that is not UTF-8 fails here, as before (scanned as bytes below)
        start, end = raw.find(b"<sheetData>"), raw.find(b"</sheetData>")
        cells = None
        if 0 <= start < end:
            try:
                # An empty inline string is two forms the scan cannot tell apart (no text either way):
                # `<c t="inlineStr"/>` (our writer's empty text, openpyxl's value None) and an empty <is>
                # (openpyxl's ""). The second, which no writer we know makes, is left to openpyxl.
                if any(raw.find(form, start, end) >= 0 for form in _EMPTY_INLINE):
                    raise Unsure
                found = scan_bytes(raw, start, end)
                cells = self._cells(found, self.lean)
                if cells is None:  # addresses out of order: every cell, as openpyxl binds them
                    cells = self._cells(found, False)
            except (Unsure, ValueError, IndexError, KeyError, OverflowError):
                cells = None
        if cells is None:
            super().read_worksheets()
            return
        rest = raw[:start] + b"<sheetData/>" + raw[end + len(b"</sheetData>"):]
        archive_open = self.archive.open
        self.archive.open = lambda n, *a, **k: (  # type: ignore[method-assign]
            io.BytesIO(rest) if n == part else archive_open(n, *a, **k))
        try:
            super().read_worksheets()
        finally:
            self.archive.open = archive_open  # type: ignore[method-assign]
        if self.bad_style:
            raise IndexError("list index out of range")  # copy(styles[id]) of a missing style, as before
        ws = self.wb[name]
        self.scanned.add(name)
        store = ws._cells
        by_row = self.by_row
        if store and self.skipped:  # an empty cell left out where a comment or merged range made one
            cells.update(self._cells_at(self.skipped, store))
        if self.lean:  # the cells the store holds already (comments, merged ranges) stay there: theirs
            for (r, c), old in store.items():
                by_row.setdefault(r, {})[c] = old
            setattr(ws, ROWS, by_row)
            # The few cells openpyxl made join the scanned ones (not a million inserted into its dict; the
            # cells' order in the dict differs, which no reading depends on).
            for key, old in store.items():
                cell = cells.get(key)
                if cell is not None and type(old) is not MergedCell:  # a merged range's covered cell
                    old._style, old._value, old.data_type = cell._style, cell._value, cell.data_type
                cells[key] = old
            store = {}
        if store:  # cells made by comments: keep them (with their comments), given the scanned values
            for key, cell in cells.items():
                old = store.get(key)
                if old is None:
                    cell.parent = ws
                    store[key] = cell
                elif type(old) is not MergedCell:
                    old._style, old._value, old.data_type = cell._style, cell._value, cell.data_type
                # A merged range's covered cell stays openpyxl's MergedCell, without the value or style
                # the file may give it, as openpyxl's own reading leaves it (the reader then names the
                # range; before, such a file was refused as unreadable).
        else:
            for cell in cells.values():
                cell.parent = ws
            ws._cells = store = cells  # the sheet's store itself (not copied into openpyxl's empty one)
        if store:  # ws.max_row, without its walk of every cell in Python
            ws._current_row = max(map(itemgetter(0), store))

    def _cells(self, found: list[tuple[bytes, ...]], lean: bool) -> dict[tuple[int, int], Cell] | None:
        """The cells openpyxl's WorkSheetParser.parse_cell would make of the scanned ones (formulas as text,
        data_only=False; values, types, styles, dates from date-formatted numbers), by address, in the
        order of the file (a repeated address: the later one wins, as in openpyxl); their `parent` is set
        by the caller once the worksheet exists. Made here from the scan's bytes (numbers parsed from
        them, as int() and float() parse the ASCII text; text decoded as UTF-8), without an intermediate
        tuple per cell.

        `lean`: an empty cell of type n (`<c r="F3" s="2"/>`, half the cells of a master's Indikator sheet:
        styled, no value) gets no Cell; the reader reads a missing cell as it reads that one. None when
        the addresses are not in order (one may come twice, and which one wins would then differ): the
        caller binds every cell instead."""
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.utils.datetime import from_excel

        from xl_sakip.book.sheet_xml import Unsure, unescape

        dates, deltas, epoch = self.wb._date_formats, self.wb._timedelta_formats, self.wb.epoch
        strings = self.shared_strings
        styles = self.wb._cell_styles
        cols: dict[bytes, int] = {}
        style_ids: dict[bytes, int] = {b"": 0}
        shared: dict[int, Any] = {}  # one style array per style id, shared by its cells: only read
        out: dict[tuple[int, int], Cell] = {}
        new = Cell.__new__
        last_text, r = b"", 0
        by_row: dict[int, dict[int, Cell]] = {}  # the same cells by row, then column
        row_cells: dict[int, Cell] = {}
        empty = 0  # cells left out (lean)
        empty_styles: set[bytes] = set()
        skipped: list[tuple[bytes, ...]] = []
        keep = skipped.append
        # A formula's or inline string's value by its bytes (the same down a column: made and held once).
        formulas: dict[bytes, str] = {}
        texts: dict[bytes, str] = {}
        last_col, ordered = 0, True  # every address after the one before (so none comes twice)
        for item in found:
            letters, row, s1, t, s2, f, v, inline = item
            col = cols.get(letters)
            if col is None:
                col = cols[letters] = column_index_from_string(letters.decode())
            if row != last_text:
                last_text, r, previous = row, int(row), r
                if r <= previous:
                    ordered = False
                last_col = 0
                row_cells = by_row.get(r)  # type: ignore[assignment]
                if row_cells is None:
                    row_cells = by_row[r] = {}
            if col <= last_col:
                ordered = False
            last_col = col
            if lean and not v and not f and (not t or t == b"n"):
                empty += 1
                empty_styles.add(s1 or s2)  # its style id must still exist (below)
                keep(item)
                continue
            s_text = s1 or s2
            style_id = style_ids.get(s_text)
            if style_id is None:
                style_id = style_ids[s_text] = int(s_text)
            value: object
            if f:
                value = formulas.get(f)
                if value is None:
                    value = formulas[f] = "=" + unescape(f.decode())
                data_type = "f"
            elif t == b"inlineStr":
                if not inline:  # no <is> (see _read_worksheet): openpyxl's None, of type inlineStr
                    value, data_type = None, "inlineStr"
                else:
                    value = texts.get(inline)
                    if value is None:
                        value = texts[inline] = unescape(inline.decode())
                    data_type = "s"
            elif not v:
                value = None
                data_type = t.decode() if t else "n"
            elif not t or t == b"n":
                data_type = "n"
                value = float(v) if (b"." in v or b"E" in v or b"e" in v) else int(v)
                if style_id in dates:
                    value, data_type = from_excel(value, epoch, timedelta=style_id in deltas), "d"
            elif t == b"s":
                value, data_type = strings[int(v)], "s"
            elif t == b"b":
                value, data_type = bool(int(v)), "b"
            elif t == b"str":
                value, data_type = unescape(v.decode()), "s"
            elif t == b"e":
                value, data_type = unescape(v.decode()), "e"
            else:
                raise Unsure
            style = shared.get(style_id)
            if style is None:
                # A style id past the stylesheet's fails as before: once the sheet's other parts are read
                # (the caller raises), not by falling back to openpyxl's parsing.
                style = shared[style_id] = copy(styles[style_id]) if style_id < len(styles) else _NO_STYLE
            # Cell(ws, r, c, style_array=...) without its per-cell checks: every slot set as
            # Cell.__init__ sets it (parent by the caller). A repeated address gets a new cell.
            cell = new(Cell)
            cell.row = r
            cell.column = col
            cell._hyperlink = cell._comment = None
            cell._style = style
            cell._value = value
            cell.data_type = data_type
            out[(r, col)] = cell
            row_cells[col] = cell
        self.bad_style = any(x is _NO_STYLE for x in shared.values()) or any(
            int(x or 0) >= len(styles) for x in empty_styles)
        if empty and not ordered:
            return None
        self.skipped, self.by_row = skipped, by_row
        return out

    def _cells_at(self, skipped: list[tuple[bytes, ...]], store: dict[tuple[int, int], Any]
                  ) -> dict[tuple[int, int], Cell]:
        """The cells of the empty ones `_cells` left out (lean) whose address `store` holds (a comment's or
        merged range's cell, which openpyxl's reading gives the scanned style, value and type)."""
        rows = {r for r, _ in store}
        again, last_text, there = [], b"", False
        for x in skipped:
            if x[1] != last_text:
                last_text = x[1]
                there = int(last_text) in rows
            if there:
                again.append(x)
        bad = self.bad_style
        try:
            made = self._cells(again, False) or {}
        finally:
            self.bad_style = bad
        return {k: c for k, c in made.items() if k in store}


def load_master_sheets(fh: Any, wanted: frozenset[str] = READ_SHEETS, *,
                       scanned: set[str] | None = None, lean: bool = False) -> Workbook:
    """An openpyxl workbook (formulas, not cached values) with only the `wanted` sheets parsed; the
    others are empty placeholders of the same name. For reading only: never save it. `scanned` receives
    the names of the sheets whose cells were bound from the XML scan (the others openpyxl parsed).

    `lean` (the reader's own use): a scanned sheet holds no cell for an empty cell of type n, which
    openpyxl would make (value None): the reader and book/integrity read a missing cell exactly as such a
    cell, and half a master's Indikator cells are of that kind (styled, empty). A sheet with comments or
    merged ranges gets every cell, as without `lean`."""
    reader = _MasterSheetsReader(fh, wanted, lean)
    reader.read()
    if scanned is not None:
        scanned |= reader.scanned
    return reader.wb


#: The first bytes of an OLE compound file: .xls, .doc, and any password-protected (encrypted) Office file.
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
#: The stream name (UTF-16LE, as in a compound file's directory) Office uses for an encrypted package.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _refuse_ole(path: Path) -> None:
    """An encrypted workbook or an old .xls is not a zip: say which, and what to do."""
    try:
        with path.open("rb") as fh:
            if fh.read(len(OLE_MAGIC)) != OLE_MAGIC:
                return
            data = fh.read()
    except OSError:
        return  # the opening below reports it
    if _ENCRYPTED_STREAM in data:
        raise WorkbookError(
            f"'{path}' dilindungi kata sandi (password), sehingga tidak dapat dibaca. Buka file itu di "
            "Excel, hapus kata sandinya (File > Info > Protect Workbook > Encrypt with Password, kosongkan), "
            "simpan, lalu ulangi."
        )
    raise WorkbookError(
        f"'{path}' adalah file Excel 97-2003 (.xls) atau dokumen Office lama, bukan workbook .xlsm; buka di "
        "Excel dan simpan sebagai Excel Macro-Enabled Workbook (.xlsm), lalu ulangi."
    )


# --- problems -------------------------------------------------------------------------------------------


class _Problems:
    def __init__(self, strict: bool = True) -> None:
        self.items: list[str] = []
        self.strict = strict  # referential problems are reported here (True) or left to the engine

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self, path: Path) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise WorkbookError(self.items[0])
        listed = self.items[:MAX_LISTED]
        more = len(self.items) - len(listed)
        lines = [f"Workbook '{path.name}' berisi {len(self.items)} kesalahan; perbaiki lalu ulangi:"]
        lines += [f"- {m}" for m in listed]
        if more:
            lines.append(f"- ... dan {more} kesalahan lain")
        raise WorkbookError("\n".join(lines))


# --- table sheets ---------------------------------------------------------------------------------------


def _norm(text: object) -> str:
    return " ".join(str(text).split()).casefold()


class _Sheet:
    """A sheet whose row 1 holds headers; columns located by header text."""

    def __init__(self, wb: Workbook, name: str, columns: Sequence[s.Column], problems: _Problems) -> None:
        if name not in wb.sheetnames:
            raise WorkbookError(_missing_sheet(wb, name))
        self.ws: Worksheet = wb[name]
        self.name = name
        self.problems = problems
        self.columns = {c.field: c for c in columns}
        found: dict[str, int] = {}
        get = self.ws._cells.get
        for col in range(1, last_column(self.ws) + 1):  # ws[1], without making a cell for an empty one
            cell = get((1, col))
            if cell is None or cell.value is None or _norm(cell.value) == "":
                continue
            key = _norm(cell.value)
            if key in found:
                raise WorkbookError(
                    f"Sheet '{name}' sel {cell.coordinate}: judul kolom '{cell.value}' muncul dua kali; "
                    "ganti nama salah satunya."
                )
            found[key] = cell.column
        for col, title in headerless_names(self.ws).items():  # a table's Header Row turned off in Excel
            found.setdefault(_norm(title), col)
        missing = [c.header for c in columns if _norm(c.header) not in found]
        if missing:
            names = ", ".join(f"'{h}'" for h in missing)
            word = "kolom" if len(missing) == 1 else "kolom-kolom"
            raise WorkbookError(
                f"Sheet '{name}': {word} {names} tidak ditemukan di baris judul (baris 1); kembalikan judul "
                "kolom seperti semula."
            )
        self.index = {c.field: found[_norm(c.header)] for c in columns}
        # Merged ranges cut into the table: every cell but the first of a range reads as empty.
        self.merged = {(r, c): str(rng) for rng in self.ws.merged_cells.ranges
                       for r in range(max(rng.min_row, 2), rng.max_row + 1)
                       for c in range(rng.min_col, rng.max_col + 1)
                       if (r, c) != (rng.min_row, rng.min_col)}

    def letters(self) -> dict[str, str]:
        return {f: get_column_letter(c) for f, c in self.index.items()}

    def rows(self) -> Iterator[_Row]:
        # ws._cells.get, not ws.cell: an empty cell is not created (None stands for it).
        store, merged, index = self.ws._cells, self.merged, self.index
        fields, cols = tuple(index), tuple(index.values())
        get = store.get
        by_row: dict[int, dict[int, Cell]] | None = getattr(self.ws, ROWS, None)
        for r in _table_rows(self.ws, index.values(), merged):
            if by_row is not None:  # the same cells, from the row's own dict (load_master_sheets, lean)
                cells = dict(zip(fields, map(by_row.get(r, _NO_CELLS).get, cols), strict=True))
            else:
                cells = dict(zip(fields, map(get, zip(repeat(r), cols)), strict=True))  # in C: once per row
            if all(c is None or _blank(c.value) for c in cells.values()) and not any(
                (r, c) in merged for c in index.values()
            ):
                continue
            yield _Row(self, r, cells)


_NO_CELLS: dict[int, Cell] = {}  # _Sheet.rows: a row without cells (a merged range's)


def _table_rows(ws: Worksheet, columns: Iterable[int], merged: dict[tuple[int, int], str]) -> list[int]:
    """The rows below the header that hold a cell in one of the table's columns, in order.

    Not `range(2, ws.max_row + 1)`: the sheet's extent counts every cell, so one note typed far down
    (Indikator!AK1048576, outside the table) made the reading visit a million rows, creating a cell for
    each column of each (139 s and 6.9 GB, issue 12 item 2). The cells the sheet holds are found in
    openpyxl's own sparse store instead (as sheets/edits.py does). Rows below the table's ref that hold
    values in its columns are still read: a row is never dropped silently.

    Every row holding a cell is given (its numbers gathered in C, not a test per cell in Python): a row
    without a value in the table's columns is one `_Sheet.rows` drops as blank anyway.
    """
    wanted = set(columns)
    by_row = getattr(ws, ROWS, None)  # the same rows, fewer keys
    found = {r for r in (by_row if by_row is not None else set(map(itemgetter(0), ws._cells))) if r >= 2}
    found.update(r for r, c in merged if c in wanted)
    return sorted(found - totals_rows(ws, wanted))


def _missing_sheet(wb: Workbook, name: str) -> str:
    """The message for a missing sheet; names a sheet that looks renamed from it."""
    message = f"Sheet '{name}' tidak ditemukan di workbook; "
    ours = {_norm(v) for k, v in vars(s).items() if k.startswith("SHEET_") and isinstance(v, str)}
    by_norm = {_norm(n): n for n in wb.sheetnames if _norm(n) not in ours}
    close = difflib.get_close_matches(_norm(name), list(by_norm), n=1, cutoff=0.8)
    near = [n for k, n in by_norm.items() if _norm(name) in k] or [by_norm[c] for c in close]
    if near:
        return message + (f"mungkin sheet itu telah diganti namanya menjadi '{near[0]}': kembalikan namanya "
                          f"menjadi '{name}'.")
    return message + ("kembalikan sheet itu (misalnya dari salinan cadangan) atau buat ulang workbook dengan "
                      "xl-sakip import.")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


class _Row:
    """Typed access to one row's cells; a bad cell is recorded and read as _BAD.

    `cells` maps a field to its openpyxl cell, or None for a cell the sheet does not hold (empty);
    `cols` maps a field to its column number (the sheet's columns by default)."""

    def __init__(
        self, sheet: _Sheet, row: int, cells: dict[str, Cell | None],
        columns: dict[str, Column] | None = None, cols: dict[str, int] | None = None,
    ) -> None:
        self.sheet = sheet
        self.row = row
        self.cells = cells
        self.columns = sheet.columns if columns is None else columns
        self.cols = sheet.index if cols is None else cols
        self.bad = False

    def coordinate(self, field: str) -> str:
        return f"{get_column_letter(self.cols[field])}{self.row}"

    def cell_value(self, field: str) -> object:
        cell = self.cells[field]
        return None if cell is None else cell.value

    def where(self, field: str) -> str:
        return f"Sheet '{self.sheet.name}' sel {self.coordinate(field)}"

    def header(self, field: str) -> str:
        return self.columns[field].header

    def problem(self, field: str, text: str) -> object:
        self.sheet.problems.add(f"{self.where(field)}: {text}")
        self.bad = True
        return _BAD

    def raw(self, field: str) -> object:
        """The cell's value, or _BAD for a formula or an Excel error; None for an empty cell."""
        cell = self.cells[field]
        col = self.cols[field]
        if isinstance(cell, MergedCell) or (self.row, col) in self.sheet.merged:
            rng = self.sheet.merged.get((self.row, col), "")
            return self.problem(field, f"{self.header(field)} adalah bagian dari sel gabungan {rng}; "
                                       "batalkan penggabungan (Unmerge Cells) dan isi nilainya di setiap "
                                       "baris.")
        if cell is None:
            return None
        value = cell.value
        if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
            text = value.text if isinstance(value, ArrayFormula) else value
            return self.problem(field, f"{self.header(field)} berisi rumus ({text}); ketik nilainya, bukan "
                                       "rumus.")
        if cell.data_type == "e":
            return self.problem(field, f"{self.header(field)} berisi galat Excel {value}; ganti dengan "
                                       "nilai.")
        return None if _blank(value) else value

    def get(self, field: str, kind: str | None = None) -> object:
        """The cell read as the model field needs it (by the field's kind; `kind` for a sheet whose field
        names repeat others' with another kind: the year sheets).

        The common cases (an empty cell, a plain number or text) are decided here in a few steps; anything
        else (merged, formula, error, date, bool, a problem to report) goes to the method of the field's
        kind, which gives the same answer and the message."""
        if kind is None:
            kind = _KIND.get(field, _TEXT)
        cell = self.cells[field]
        if cell is None or (type(cell) is Cell and cell._value is None and cell.data_type in _PLAIN):
            if (self.row, self.cols[field]) not in self.sheet.merged:
                if kind is _VALUE:
                    return None
                if not self.columns[field].required:
                    if kind is _FLOAT or kind is _INT:
                        return None
                    if kind is _ENUM:
                        return _ENUM_DEFAULT[field]
                    if kind is _TEXT:
                        return None if field in OPTIONAL_TEXT else ""
        elif cell.data_type in _PLAIN and type(cell) is Cell and (self.row, self.cols[field]) not in \
                self.sheet.merged:
            value = cell._value
            t = type(value)
            if t is str:
                if kind is _ENUM:
                    if (member := _ENUM_CHOICES[field].get(" ".join(value.split()).casefold())) is not None:
                        return member
                elif kind is _TEXT:
                    if value.strip():
                        return value.strip() if field in STRIPPED else value
                elif kind is _VALUE and value.strip():
                    return value.strip()
            elif t is float or t is int:
                if kind is _VALUE or kind is _FLOAT:
                    if t is int and -_EXACT < value < _EXACT:
                        return float(value)
                    if t is float and math.isfinite(value):
                        return value
                elif kind is _INT:
                    if t is int and -_EXACT < value < _EXACT:
                        return value
                    if t is float and math.isfinite(value) and value.is_integer():
                        return int(value)
        if kind is _ENUM:
            return self.enum(field, INDICATOR_ENUMS[field])
        if kind is _INT:
            return self.integer(field)
        if kind is _FLOAT:
            return self.number(field)
        if kind is _VALUE:
            return self.value(field)
        return self.text(field)

    def required(self, field: str, value: object) -> object:
        if value is None and self.columns[field].required:
            return self.problem(field, f"{self.header(field)} kosong; kolom ini wajib diisi.")
        return value

    def text(self, field: str) -> object:
        value = self.raw(field)
        if value is _BAD:
            return _BAD
        if value is None:
            if self.columns[field].required:
                return self.required(field, None)
            return None if field in OPTIONAL_TEXT else ""
        if isinstance(value, bool):
            return self.problem(field, f"{self.header(field)} berisi {value}; ketik teksnya.")
        if isinstance(value, datetime | date | time):
            return _date_text(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        return text.strip() if field in STRIPPED else text

    def number(self, field: str) -> object:
        value = self.raw(field)
        if value is _BAD:
            return _BAD
        if value is None:
            return self.required(field, None)
        if isinstance(value, datetime | date | time):
            return self.problem(field, _date_problem(self.header(field), value))
        if isinstance(value, str) and (looks := _number_as_text(self.header(field), value)):
            return self.problem(field, looks)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.problem(
                field, f"{self.header(field)} '{_show(value)}' bukan angka; isi angka atau kosongkan."
                if not self.columns[field].required else
                f"{self.header(field)} '{_show(value)}' bukan angka; isi angka."
            )
        return _finite(self, field, float(value))

    def integer(self, field: str) -> object:
        value = self.number(field)
        if value is _BAD or value is None:
            return value
        assert isinstance(value, float)
        if not value.is_integer():
            return self.problem(field, f"{self.header(field)} '{_show(value)}' bukan bilangan bulat; "
                                       "isi bilangan bulat.")
        return int(value)

    def value(self, field: str) -> object:
        """A quarterly target or realisasi: a number, or text (a grade code such as BB)."""
        value = self.raw(field)
        if value is _BAD or value is None:
            return value
        if isinstance(value, datetime | date | time):
            return self.problem(field, _date_problem(self.header(field), value))
        if isinstance(value, bool):
            return self.problem(field, f"{self.header(field)} '{_show(value)}' bukan angka; isi angka "
                                       "atau kosongkan.")
        if isinstance(value, int | float):
            return _finite(self, field, float(value))
        return str(value).strip()

    def enum(self, field: str, enum: type[Enum]) -> object:
        value = self.raw(field)
        if value is _BAD:
            return _BAD
        if value is None:
            if self.columns[field].required:
                return self.required(field, None)
            return next(iter(enum))  # the first member is the neutral default (Roll-up: tidak)
        choices = _ENUM_CHOICES.get(field) or {m.value: m for m in enum}
        key = _norm(value)
        if key not in choices:
            listed = ", ".join(choices)
            return self.problem(field, f"{self.header(field)} '{_show(value)}' tidak ada dalam daftar "
                                       f"({listed}); pilih dari drop-down.")
        return choices[key]

    def flag(self, field: str) -> object:
        value = self.raw(field)
        if value is _BAD:
            return _BAD
        if isinstance(value, bool):
            return value
        if value is None:
            return self.problem(field, f"{self.header(field)} kosong; isi '{s.YES}' atau '{s.NO}'.")
        key = _norm(value)
        if key in (s.YES, s.NO):
            return key == s.YES
        return self.problem(field, f"{self.header(field)} '{_show(value)}' tidak valid; isi '{s.YES}' atau "
                                   f"'{s.NO}'.")

    def build(self, model: type[BaseModel], fields: dict[str, Any]) -> Any:
        """The model, or None when a cell of the row was bad (already reported); pydantic's complaint is
        reported at the cell of the field it names."""
        if self.bad or any(v is _BAD for v in fields.values()):
            return None
        try:
            return model(**fields)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = [str(p) for p in err["loc"]]
            field = ".".join(loc[:2]) if len(loc) > 1 and loc[1].isdigit() else (loc[0] if loc else "")
            column = field if field in self.cells else next(iter(self.cells))
            self.problem(column, f"{self.header(column)} '{_show(self.cell_value(column))}' tidak valid: "
                                 f"{_explain(err)}.")
            return None


def _finite(row: _Row, field: str, value: float) -> object:
    """`value`, or a problem when it is infinite or NaN: Excel never stores those, but a file written by
    another program can (`<v>1E999</v>` reads as infinity), and regenerate would then blank the master cell
    (issue 12, item 10)."""
    if math.isfinite(value):
        return value
    what = "tak hingga (angka di luar jangkauan Excel)" if math.isinf(value) else "NaN (bukan angka)"
    return row.problem(field, f"{row.header(field)} berisi nilai {what}, yang tidak dapat dihitung "
                              "(biasanya ditulis oleh program lain); ketik ulang angka yang sebenarnya.")


def _show(value: object) -> str:
    """A cell value as a planner would recognise it (Indonesian decimal comma, BENAR/SALAH)."""
    if isinstance(value, bool):
        return "BENAR" if value else "SALAH"
    if isinstance(value, float):
        return fmt_plain(value)
    return "" if value is None else str(value)


def _number_as_text(header: str, text: str) -> str | None:
    """The message for a number stored as text, or None when `text` does not read as a number.

    Excel keeps what is typed into a cell formatted as Text (or typed after an apostrophe, or pasted from
    another program) as text, even "12,5"; the sheets' formulas cannot compute with it, so it is refused,
    with the number it looks like and how to retype it.
    """
    parsed = parse_number(text)
    if parsed.value is None:
        return None
    shown = fmt_plain(parsed.value)
    return (f"{header} berisi TEKS '{text}' yang tampak seperti angka {shown}, bukan angka; rumus Excel "
            f"tidak dapat menghitung teks. Ketik ulang sebagai angka (misalnya {shown}, dengan pemisah "
            "desimal sesuai pengaturan Windows Anda), atau ubah format sel menjadi Angka/Number (Format "
            "Cells) lalu ketik ulang angkanya.")


def _date_problem(header: str, value: date | datetime | time) -> str:
    return (f"{header} berisi tanggal '{_date_text(value)}', bukan angka (Excel mengubah ketikan seperti "
            "8.96 atau 1/4 menjadi tanggal); ubah format sel menjadi Number lalu ketik ulang angkanya dengan "
            "koma desimal, misalnya 8,96.")


def _date_text(value: date | datetime | time) -> str:
    if isinstance(value, time):
        return value.isoformat()
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"


def _explain(err: dict[str, Any]) -> str:
    """A pydantic error in planners' words."""
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "string_pattern_mismatch":
        return "hanya boleh berisi huruf, angka, titik, garis bawah dan tanda minus (tanpa spasi)"
    if kind == "string_too_long":
        return f"terlalu panjang, paling banyak {ctx.get('max_length')} karakter"
    if kind == "string_too_short":
        return "tidak boleh kosong"
    if kind in ("greater_than_equal", "greater_than"):
        return f"harus paling kecil {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"harus paling besar {ctx.get('le', ctx.get('lt'))}"
    if kind == "value_error" and err.get("loc") and err["loc"][0] in VALUE_HINTS:
        return VALUE_HINTS[str(err["loc"][0])]
    return str(err.get("msg", kind))


def _fields(row: _Row, columns: Sequence[s.Column]) -> dict[str, Any]:
    """Model keyword arguments of a row: quarterly columns "x.0".."x.3" become the list x."""
    out: dict[str, Any] = {}
    get = row.get
    split = _SPLIT.get(id(columns))
    if split is None or split[0] is not columns:
        split = _SPLIT[id(columns)] = (columns, tuple((*x, _KIND.get(x[0], _TEXT)) for x in _split(columns)))
    cells, of = row.cells, row.columns
    quick = not row.sheet.merged  # no merged cell in the table: no cell of the row is one
    for field, name, index, kind in split[1]:
        # The commonest cells (empty, a number, text), decided here as _Row.get decides them (one call per
        # row, not one per cell); any other goes to get.
        value: object = _SLOW
        if quick:
            cell = cells[field]
            if cell is None or (type(cell) is Cell and cell._value is None and cell.data_type in _PLAIN):
                if kind is _VALUE:
                    value = None
                elif not of[field].required:
                    value = (None if kind is _FLOAT or kind is _INT else _ENUM_DEFAULT[field] if kind is _ENUM
                             else None if field in OPTIONAL_TEXT else "")
            elif type(cell) is Cell and cell.data_type in _PLAIN:
                v = cell._value
                t = type(v)
                if t is float:
                    if kind is _VALUE or kind is _FLOAT:
                        if math.isfinite(v):
                            value = v
                    elif kind is _INT and math.isfinite(v) and v.is_integer():
                        value = int(v)
                elif t is str:
                    if kind is _TEXT:
                        if v.strip():
                            value = v.strip() if field in STRIPPED else v
                    elif kind is _ENUM:
                        if (member := _ENUM_CHOICES[field].get(" ".join(v.split()).casefold())) is not None:
                            value = member
                    elif kind is _VALUE and v.strip():
                        value = v.strip()
                elif t is int and -_EXACT < v < _EXACT:
                    if kind is _VALUE or kind is _FLOAT:
                        value = float(v)
                    elif kind is _INT:
                        value = v
        if value is _SLOW:
            value = get(field)
        if index < 0:
            out[name] = value
        else:
            if (values := out.get(name)) is None:
                values = out[name] = [None] * QUARTERS
            values[index] = value
    return out


_SLOW = object()  # _fields: a cell left to _Row.get
_SPLIT: dict[int, tuple[Sequence[s.Column], tuple[tuple[str, str, int, str], ...]]] = {}


def _split(columns: Sequence[s.Column]) -> tuple[tuple[str, str, int], ...]:
    """(field, model field, quarter index or -1) of each column ("target_q.2" -> "target_q", 2)."""
    out = []
    for column in columns:
        name, _, index = column.field.partition(".")
        out.append((column.field, name, int(index) if index else -1))
    return tuple(out)


# --- the sheets -----------------------------------------------------------------------------------------


_Where = tuple[dict[str, int], dict[str, str]]  # key -> row, field -> column letter


def _read_positions(wb: Workbook, problems: _Problems) -> tuple[list[Position], set[str], _Where]:
    """The positions, every code in the sheet (also of rows with a problem, which is reported once), and
    where they are."""
    sheet = _Sheet(wb, s.SHEET_POSITIONS, s.POSITION_COLUMNS, problems)
    rows = [(row, _fields(row, s.POSITION_COLUMNS)) for row in sheet.rows()]
    seen = _unique(rows, "code", "Kode")
    known = {_excel_key(k) for k in seen}  # a Kode Atasan is found ignoring case, as MATCH finds it
    positions: list[Position] = []
    for row, fields in rows:
        parent = fields["parent"]
        if problems.strict and isinstance(parent, str) and _excel_key(parent) not in known:
            row.problem("parent", f"Kode Atasan '{parent}' tidak ada di kolom Kode sheet "
                                  f"'{s.SHEET_POSITIONS}'; pilih dari drop-down, atau kosongkan untuk "
                                  "Kepala Dinas.")
        position = row.build(Position, fields)
        if position is not None:
            positions.append(position)
    if problems.strict:
        _check_loops(rows, problems)
    return positions, set(seen), (_rows_of(rows, "code"), sheet.letters())


def _rows_of(rows: list[tuple[_Row, dict[str, Any]]], field: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for row, fields in rows:
        if isinstance(fields[field], str):
            out.setdefault(fields[field], row.row)
    return out


def _check_loops(rows: list[tuple[_Row, dict[str, Any]]], problems: _Problems) -> None:
    """A Kode Atasan chain that comes back to where it started (the tree and every roll-up would loop).
    Codes are compared ignoring case, as the Kode Atasan is found (`_excel_key`)."""
    codes = [(row, f["code"], f["parent"]) for row, f in rows if isinstance(f["code"], str)]
    parent = {_excel_key(code): (_excel_key(up) if isinstance(up, str) else None) for _, code, up in codes}
    row_of = {_excel_key(code): row for row, code, _ in reversed(codes)}
    spelled = {_excel_key(code): code for _, code, _ in reversed(codes)}
    for loop in cycles(parent):
        chain = " → ".join(spelled[k] for k in [*loop, loop[0]])
        row_of[loop[0]].problem("parent", f"Kode Atasan membentuk putaran {chain}; perbaiki Kode "
                                          "Atasan salah satunya (jabatan tertinggi dikosongkan).")


def _read_indicators(
    wb: Workbook, problems: _Problems, codes: set[str]
) -> tuple[list[Indicator], _Where]:
    sheet = _Sheet(wb, s.SHEET_INDICATORS, s.INDICATOR_COLUMNS, problems)
    rows = [(row, _fields(row, s.INDICATOR_COLUMNS)) for row in sheet.rows()]
    seen = _unique(rows, "id", "ID")
    known_ids = {_excel_key(k) for k in seen}  # a Mendukung ID or Kode Jabatan is found ignoring case,
    known_codes = {_excel_key(k) for k in codes}  # as MATCH and "=" find them
    indicators: list[Indicator] = []
    for row, fields in rows:
        code, supports = fields["position"], fields["supports"]
        if problems.strict and isinstance(code, str) and _excel_key(code) not in known_codes:
            row.problem("position", f"Kode Jabatan '{code}' tidak ada di kolom Kode sheet "
                                    f"'{s.SHEET_POSITIONS}'; pilih dari drop-down.")
        if problems.strict and isinstance(supports, str) and _excel_key(supports) not in known_ids:
            row.problem("supports", f"Mendukung ID '{supports}' tidak ada di kolom ID sheet "
                                    f"'{s.SHEET_INDICATORS}'; pilih dari drop-down atau kosongkan.")
        _check_text_values(row, fields)
        indicator = row.build(Indicator, fields)
        if indicator is not None:
            indicators.append(indicator)
    return indicators, (_rows_of(rows, "id"), sheet.letters())


def _unique(rows: list[tuple[_Row, dict[str, Any]]], field: str, label: str) -> dict[str, str]:
    """The key values of the rows with their cell; a repeated key is a problem at its second cell. Keys
    are compared as Excel's MATCH compares them, ignoring case (`_excel_key`)."""
    seen: dict[str, str] = {}
    first: dict[str, str] = {}  # Excel's key -> the key as first written
    for row, fields in rows:
        key = fields[field]
        if not isinstance(key, str):
            continue
        if (earlier := first.get(_excel_key(key))) is not None:
            if not row.sheet.problems.strict:
                continue  # the engine reports it (ID_GANDA, KODE_GANDA) with the cell
            same = ("" if earlier == key else
                    f" (sebagai '{earlier}'; Excel tidak membedakan huruf besar/kecil)")
            row.problem(field, f"{label} '{key}' sudah dipakai di sel {seen[earlier]}{same}; setiap {label} "
                               "harus unik.")
        else:
            seen[key] = row.coordinate(field)
            first[_excel_key(key)] = key
    return seen


def _excel_key(key: str) -> str:
    """An ID or code as Excel's MATCH compares it: ignoring case (issue 12, item 16). Two IDs differing
    only in case would otherwise pass as unique while the sheets' MATCH finds the first for both."""
    return key.casefold()


def _check_text_values(row: _Row, fields: dict[str, Any]) -> None:
    """Text in a quarterly target/realisasi cell is a grade code, which only grade indicators have."""
    if fields.get("kind") is Kind.GRADE:
        return
    for name in ("target_q", "realisasi_q"):
        for i, value in enumerate(fields.get(name) or []):
            if isinstance(value, str):
                field = f"{name}.{i}"
                row.problem(field, _number_as_text(row.header(field), value) or
                            f"{row.header(field)} '{value}' bukan angka; isi angka tanpa satuan atau "
                            "kosongkan (teks hanya untuk indikator berjenis predikat).")


def _read_settings(wb: Workbook, problems: _Problems) -> tuple[Settings, str, list[str]]:
    """The Pengaturan sheet: one setting per row, found by its label; returns the settings, the label
    for capaian above the target (which belongs to the reference) and the labels of missing rows (an older
    workbook: the model's default is used; a missing required row is an error)."""
    name = s.SHEET_SETTINGS
    columns = (Column(s.SETTINGS_HEADERS[0], "label"), Column(s.SETTINGS_HEADERS[1], "value"))
    sheet = _Sheet(wb, name, columns, problems)
    by_label = {}
    for row in sheet.rows():
        label = row.cell_value("label")
        if not _blank(label):
            by_label.setdefault(_norm(label), row)
    values: dict[str, Any] = {}
    cells: dict[str, _Row] = {}
    missing: list[str] = []
    for setting in s.SETTINGS:
        row = by_label.get(_norm(setting.label))
        if row is None and setting.field not in REQUIRED_SETTINGS:
            missing.append(setting.label)  # the model's default applies (fields left out below)
            continue
        if setting.formula is not None:  # a computed row: the writer's formula, not a setting
            continue
        if row is None:
            raise WorkbookError(
                f"Sheet '{name}': baris '{setting.label}' tidak ditemukan di kolom "
                f"'{s.SETTINGS_HEADERS[0]}'; kembalikan baris itu beserta nilainya."
            )
        # Read the value under the setting's own name so that messages say which setting is wrong.
        required = setting.field in REQUIRED_SETTINGS
        value_row = _Row(sheet, row.row, {setting.field: row.cells["value"]},
                         columns={setting.field: Column(setting.label, setting.field, required=required)},
                         cols={setting.field: sheet.index["value"]})
        values[setting.field] = value_row.get(setting.field)
        cells[setting.field] = value_row
    if any(v is _BAD for v in values.values()):
        return Settings(), "", missing
    fields = {f.removeprefix("settings."): v for f, v in values.items() if f.startswith("settings.")}
    try:
        settings = Settings(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "settings." + str(err["loc"][0])
        row = cells[field]
        row.problem(field, f"{row.header(field)} '{_show(row.cell_value(field))}' tidak valid: "
                           f"{_explain(err)}.")
        return Settings(), "", missing
    above = values.get("reference.above_target_label", Reference.model_fields["above_target_label"].default)
    return settings, above or "", missing


def _read_reference(wb: Workbook, problems: _Problems, above_label: str) -> Reference:
    bands = _read_table(wb, s.SHEET_BANDS, s.BAND_COLUMNS, Band, problems)
    grades = _read_table(wb, s.SHEET_GRADES, s.GRADE_COLUMNS, Grade, problems)
    names: list[Any] = []
    components = _read_table(wb, s.SHEET_IPK, s.IPK_COLUMNS, IpkComponent, problems,
                             flags=("provisional",), keys=("name", names))
    statuses = _read_table(wb, s.SHEET_IPK_STATUS, s.IPK_STATUS_COLUMNS, IpkStatus, problems,
                           flags=("confirmed",))
    by_name = {_norm(c.name): c for c in components}
    sheet = _Sheet(wb, s.SHEET_IPK_SUB, s.IPK_SUB_COLUMNS, problems)
    for row in sheet.rows():
        component, name = row.get("component"), row.get("name")
        if component is _BAD or name is _BAD:
            continue
        target = by_name.get(_norm(component))
        if target is None and any(isinstance(n, str) and _norm(n) == _norm(component) for n in names):
            continue  # its component row has a problem of its own, already reported
        if target is None:
            row.problem("component", f"Komponen IPK '{component}' tidak ada di sheet '{s.SHEET_IPK}'; "
                                     "pilih dari drop-down.")
        else:
            target.sub_indicators.append(str(name))
    return Reference(bands=bands, above_target_label=above_label, grades=grades,
                     ipk_components=components, ipk_statuses=statuses)


def _sheet_named(wb: Workbook, name: str) -> str | None:
    return next((n for n in wb.sheetnames if n.casefold() == name.casefold()), None)


#: How the cells of the year sheets are read (their field names repeat others' with other kinds); text
#: otherwise.
_YEAR_KIND = {"year": _INT, "quarter": _INT, "target": _VALUE, "realisasi": _VALUE}


def _read_year_sheets(wb: Workbook, problems: _Problems) -> dict[str, tuple[list[Any], YearCells]]:
    """Renstra, Riwayat and Narasi (schema.YEAR_SHEETS): Cascade field -> (items, where they are). A sheet
    an older workbook lacks reads as empty."""
    models = {"renstra": RenstraTarget, "history": PastYear, "narratives": Narrative}
    out: dict[str, tuple[list[Any], YearCells]] = {}
    for name, _table, columns, attr in s.YEAR_SHEETS:
        found = _sheet_named(wb, name)
        items: list[Any] = []
        rows: list[int] = []
        letters: dict[str, str] = {}
        if found is not None:
            sheet = _Sheet(wb, found, columns, problems)
            letters = sheet.letters()
            kinds = [(c.field, _YEAR_KIND.get(c.field, _TEXT)) for c in columns]
            for row in sheet.rows():
                fields = {f: row.get(f, kind) for f, kind in kinds}
                item = row.build(models[attr], fields)
                if item is not None:
                    items.append(item)
                    rows.append(row.row)
        # Where each item is, not an address per field per item: those were 150 000 strings for a Renstra
        # of 10 000 indicators, for the few findings that name one (Locator.year_item makes it).
        out[attr] = (items, YearCells(sheet=found or name, columns=letters, rows=rows))
    return out


def _read_table(
    wb: Workbook, name: str, columns: Sequence[Column], model: type[BaseModel], problems: _Problems,
    *, flags: tuple[str, ...] = (), keys: tuple[str, list[Any]] | None = None,
) -> list[Any]:
    """The rows of a reference table as models; `keys` (field, list) collects that field of every row."""
    sheet = _Sheet(wb, name, columns, problems)
    out = []
    for row in sheet.rows():
        fields = {c.field: row.flag(c.field) if c.field in flags else row.get(c.field) for c in columns}
        if keys is not None:
            keys[1].append(fields[keys[0]])
        item = row.build(model, fields)
        if item is not None:
            out.append(item)
    return out


def _read_budget(wb: Workbook, problems: _Problems) -> tuple[list[BudgetItem], list[int], dict[str, str]]:
    """The Anggaran sheet (issue 15): its rows, their worksheet rows and the columns found by header. An
    older workbook without the sheet has an empty budget (regenerate adds the sheet). Codes, levels,
    positions and links are checked by `check` (core/validation.py, ANGGARAN_...), naming the cell."""
    if s.SHEET_BUDGET not in wb.sheetnames:
        return [], [], {}
    sheet = _Sheet(wb, s.SHEET_BUDGET, s.BUDGET_COLUMNS, problems)
    items: list[BudgetItem] = []
    rows: list[int] = []
    for row in sheet.rows():
        fields = _fields(row, s.BUDGET_COLUMNS)
        typed = row.cell_value("code")
        if isinstance(fields["code"], str) and isinstance(typed, int | float) and not isinstance(typed, bool):
            fields["code_is_number"] = True  # read as its text; check warns (ANGGARAN_KODE_ANGKA)
        item = row.build(BudgetItem, fields)
        if item is not None:
            items.append(item)
            rows.append(row.row)
    return items, rows, sheet.letters()


def _read_pk_versions(wb: Workbook, problems: _Problems
                      ) -> tuple[list[PkVersion], list[PkTarget], list[int], dict[str, str]]:
    """The Versi PK sheet (issue 15): the versions, the targets they change, where those targets sit. An
    older workbook without the sheet has only the PK Murni (the Indikator sheet's targets)."""
    if s.SHEET_PK_VERSIONS not in wb.sheetnames:
        return [], [], [], {}
    versions: list[PkVersion] = []
    sheet = _Sheet(wb, s.SHEET_PK_VERSIONS, s.PK_VERSION_COLUMNS, problems)
    for row in sheet.rows():
        fields = {c.field: row.get(c.field) for c in s.PK_VERSION_COLUMNS if c.field != "date"}
        fields["date"] = _date_cell(row, "date")
        item = row.build(PkVersion, fields)
        if item is not None:
            versions.append(item)
    targets: list[PkTarget] = []
    rows: list[int] = []
    sheet = _Sheet(wb, s.SHEET_PK_VERSIONS, s.PK_TARGET_COLUMNS, problems)
    for row in sheet.rows():
        item = row.build(PkTarget, _fields(row, s.PK_TARGET_COLUMNS))
        if item is not None:
            targets.append(item)
            rows.append(row.row)
    return versions, targets, rows, sheet.letters()


def _date_cell(row: _Row, field: str) -> object:
    """A date typed as a date; None when empty."""
    value = row.raw(field)
    if value is _BAD or value is None:
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return row.problem(field, f"{row.header(field)} '{_show(value)}' bukan tanggal; ketik tanggal (misalnya "
                              "1/10/2023) di sel berformat tanggal.")
