"""Write a Cascade into the master workbook (openpyxl, headless).

The layout (sheet, table and column names) lives in `schema.py`; this module only lays it out: tables,
drop-downs, widths, formats. Every value goes through `cells.put`, so text from documents is never written
as a formula. Output is deterministic: the same cascade gives the same cells and, with `package.py`, the
same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableFormula, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book import instructions
from xl_sakip.book import schema as s
from xl_sakip.book.cells import TOP, WRAP, formula, put, row_height, style_header, wrapped_lines
from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.book.package import save_workbook
from xl_sakip.core.models import Cascade
from xl_sakip.core.rules import EFFICIENCY_FORMULAS

#: Rows below the last data row that still get the drop-downs and formats, so that new rows have them.
SPARE_ROWS = 500
#: Columns at least this wide hold long texts: wrap them.
WRAP_WIDTH = 28
TABLE_STYLE = "TableStyleMedium2"
#: Column A of Petunjuk: fits the printable width of A4 portrait (6,77 in between the default margins) at
#: 100 %: in Excel (Calibri: about 7w + 5 pixels, 3/4 of the width) and in LibreOffice without Calibri,
#: whose wider stand-in font makes the column wider, and which does not scale a one-column sheet to fit.
INSTRUCTIONS_WIDTH = 70
#: The Indikator columns printed (ID ... Realisasi TW4): the whole table (about 500 characters wide) would
#: print at 40 % even on A3; these print at about 70 %. Pembilang/Penyebut and the computed columns stay
#: on screen (the unit sheets are the report).
INDICATOR_PRINT_LAST_FIELD = "realisasi_q.3"
CREATOR = "xl-sakip"

#: Computed columns (Excel functions from udfs.py): grey header, light grey cells, never typed into.
COMPUTED_HEADER_FILL = PatternFill("solid", fgColor="7F7F7F")
COMPUTED_CELL_FILL = PatternFill("solid", fgColor="F2F2F2")
COMPUTED_FONT = Font(italic=True, color="404040")

#: Columns that planners fill in every quarter (their header is green).
INPUT_FIELDS = frozenset(
    f"{name}.{i}" for name in ("target_q", "realisasi_q", "numerator_q", "denominator_q") for i in range(4)
)

# Ref_Daftar: (header, defined name, values). Values are the enum values the reader accepts.
LISTS = s.LISTS  # the drop-down lists (book/schema.py)

# Drop-downs of the indicators table: field -> (defined name of the list, what the list holds).
INDICATOR_DROPDOWNS: dict[str, tuple[str, str]] = {
    "position": (s.LIST_POSITION_CODES, "kode jabatan (kolom Kode sheet Jabatan)"),
    "kind": (s.LIST_KIND, "persen, jumlah, indeks atau predikat"),
    "polarity": (s.LIST_POLARITY, "naik, turun atau rentang"),
    "aggregation": (s.LIST_AGGREGATION, "jumlah, terakhir atau rasio"),
    "supports": (s.LIST_INDICATOR_IDS, "ID indikator (kolom ID)"),
    "rollup": (s.LIST_ROLLUP, "tidak atau jumlah"),
}


def build_master(cascade: Cascade) -> Workbook:
    """The master workbook of `cascade`, in memory."""
    wb = Workbook()
    wb.remove(wb.active)
    stamp = datetime(cascade.settings.year, 1, 1)  # fixed, for reproducible files
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = f"Cascading Kinerja {cascade.settings.year}"
    # Excel binds the VBA project's ThisWorkbook module to the workbook by this code name.
    wb.code_name = "ThisWorkbook"

    _instructions_sheet(wb, cascade)
    _positions_sheet(wb, cascade)
    _indicators_sheet(wb, cascade)
    budget_sheet(wb, cascade)
    pk_versions_sheet(wb, cascade)
    _settings_sheet(wb, cascade)
    for sheet in s.YEAR_SHEETS:
        write_year_sheet(wb, cascade, sheet)
    _reference_sheets(wb, cascade)
    _lists_sheet(wb)
    _xlwings_conf_sheet(wb)
    # The styled template every unit sheet is copied from; the ribbon's regenerate needs it in the book.
    from xl_sakip.sheets.template import ensure_template

    ensure_template(wb)
    wb.active = 0
    return wb


def write_master(
    cascade: Cascade, path: str | Path, *, force: bool = False, macro_parts: MacroParts | None = None
) -> Path:
    """Write the master workbook of `cascade` to `path` (.xlsm) atomically; overwrites only with `force`."""
    return save_workbook(build_master(cascade), path, macro_parts=macro_parts, force=force)


# --- sheets ---------------------------------------------------------------------------------------------


def _instructions_sheet(wb: Workbook, cascade: Cascade) -> None:
    ws = wb.create_sheet(s.SHEET_INSTRUCTIONS)
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    ws.sheet_view.showGridLines = False
    ws.sheet_view.tabSelected = True  # the sheet a new file opens on
    fonts = {
        instructions.TITLE: Font(bold=True, size=14),
        instructions.HEADING: Font(bold=True, size=12, color="1F4E78"),
    }
    row = 1
    for style, text in instructions.instruction_lines(cascade.settings.office, cascade.settings.year):
        if style == instructions.HEADING:
            row += 1  # a blank line before each heading
        cell = put(ws.cell(row, 1), ("• " + text) if style == instructions.ITEM else text)
        indent = 1 if style == instructions.ITEM else 0
        cell.alignment = Alignment(wrap_text=True, vertical="top", indent=indent)
        if style in fonts:
            cell.font = fonts[style]
        size = cell.font.size or 11
        bold = bool(cell.font.bold)
        lines = wrapped_lines(cell.value, INSTRUCTIONS_WIDTH, size=size, bold=bold, indent=indent)
        if lines > 1 or size > 11:  # Excel does not size rows for wrapped text: the rows would overlap
            ws.row_dimensions[row].height = row_height(lines, size=size)
        row += 1
    _print_setup(ws, landscape=False)


def _positions_sheet(wb: Workbook, cascade: Cascade) -> None:
    ws = wb.create_sheet(s.SHEET_POSITIONS)
    rows = [[_field(p, c.field) for c in s.POSITION_COLUMNS] for p in cascade.positions]
    last = _table(ws, s.TABLE_POSITIONS, s.POSITION_COLUMNS, rows)
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    col = _letter(s.POSITION_COLUMNS, "parent")
    _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", s.LIST_POSITION_CODES,
                     "Kode Atasan", "kode jabatan (kolom Kode; kosong untuk Kepala Dinas)")
    _define(wb, s.LIST_POSITION_CODES, f"{s.TABLE_POSITIONS}[{_header(s.POSITION_COLUMNS, 'code')}]")


def _indicators_sheet(wb: Workbook, cascade: Cascade) -> None:
    ws = wb.create_sheet(s.SHEET_INDICATORS)
    rows = [[_field(i, c.field) for c in s.INDICATOR_COLUMNS] for i in cascade.indicators]
    last = _table(ws, s.TABLE_INDICATORS, s.INDICATOR_COLUMNS, rows, input_fields=INPUT_FIELDS,
                  computed=s.COMPUTED_COLUMNS)
    ws.freeze_panes = "B2"
    _print_setup(ws, landscape=True, paper=Worksheet.PAPERSIZE_A3, title_rows="1:1",
                 area=f"A1:{_letter(s.INDICATOR_COLUMNS, INDICATOR_PRINT_LAST_FIELD)}{last}")
    for field, (name, what) in INDICATOR_DROPDOWNS.items():
        col = _letter(s.INDICATOR_COLUMNS, field)
        header = _header(s.INDICATOR_COLUMNS, field)
        _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", name, header, what)
    _define(wb, s.LIST_INDICATOR_IDS, f"{s.TABLE_INDICATORS}[{_header(s.INDICATOR_COLUMNS, 'id')}]")


#: Drop-downs of the Anggaran table: field -> (list formula, what it holds).
BUDGET_DROPDOWNS: dict[str, tuple[str, str]] = {
    "level": ('"' + ",".join(s.BUDGET_LEVELS) + '"', ", ".join(s.BUDGET_LEVELS)),
    "position": (s.LIST_POSITION_CODES, "kode jabatan (kolom Kode sheet Jabatan)"),
    "supports": (s.LIST_INDICATOR_IDS, "ID indikator (kolom ID sheet Indikator)"),
}
#: Amount columns: a number of rupiah, 0 or more.
BUDGET_AMOUNTS = ("pagu", "pagu_perubahan", *(f"spent_q.{i}" for i in range(len(s.Q))))
BUDGET_INPUT_FIELDS = frozenset(f"spent_q.{i}" for i in range(len(s.Q)))


def budget_sheet(wb: Workbook, cascade: Cascade, index: int | None = None) -> Worksheet:
    """The Anggaran sheet (issue 15): the table of programs, kegiatan and sub kegiatan with their amounts,
    drop-downs and a check on amounts. Also used by regenerate to add the sheet, empty, to an older
    workbook (`index`: where)."""
    ws = wb.create_sheet(s.SHEET_BUDGET, index)
    rows = [[_field(b, c.field) for c in s.BUDGET_COLUMNS] for b in cascade.budget]
    last = _table(ws, s.TABLE_BUDGET, s.BUDGET_COLUMNS, rows, input_fields=BUDGET_INPUT_FIELDS)
    ws.freeze_panes = "C2"
    _print_setup(ws, landscape=True, paper=Worksheet.PAPERSIZE_A3, title_rows="1:1")
    for field, (source, what) in BUDGET_DROPDOWNS.items():
        col = _letter(s.BUDGET_COLUMNS, field)
        _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", source, _header(s.BUDGET_COLUMNS, field),
                         what)
    first, end = _letter(s.BUDGET_COLUMNS, BUDGET_AMOUNTS[0]), _letter(s.BUDGET_COLUMNS, BUDGET_AMOUNTS[-1])
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, errorStyle="stop", errorTitle="Jumlah rupiah tidak valid",
                        error="Isi jumlah rupiah sebagai angka 0 atau lebih, tanpa titik ribuan yang diketik "
                              "sebagai teks (misalnya 1250000).")
    dv.add(f"{first}2:{end}{last + SPARE_ROWS}")
    ws.add_data_validation(dv)
    return ws


def pk_versions_sheet(wb: Workbook, cascade: Cascade, index: int | None = None) -> Worksheet:
    """The Versi PK sheet (issue 15): tblVersiPK (Versi | Jenis | Tanggal | Alasan) and, one column to
    its right, tblTargetPK (Versi PK | ID Indikator | Target Baru | Keterangan Rencana Aksi)."""
    ws = wb.create_sheet(s.SHEET_PK_VERSIONS, index)
    last = _table(ws, s.TABLE_PK_VERSIONS, s.PK_VERSION_COLUMNS,
                  [[_field(v, c.field) for c in s.PK_VERSION_COLUMNS] for v in cascade.pk_versions])
    col = _letter(s.PK_VERSION_COLUMNS, "variant")
    _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", '"' + ",".join(s.PK_KINDS) + '"', "Jenis",
                     " atau ".join(s.PK_KINDS))
    col = _letter(s.PK_VERSION_COLUMNS, "date")
    dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                        showErrorMessage=True, errorStyle="stop", errorTitle="Tanggal tidak valid",
                        error="Isi tanggal berlakunya versi PK, misalnya 1/10/2023.")
    dv.add(f"{col}2:{col}{last + SPARE_ROWS}")
    ws.add_data_validation(dv)
    first = s.PK_TARGETS_FIRST_COL
    last_t = _table(ws, s.TABLE_PK_TARGETS, s.PK_TARGET_COLUMNS,
                    [[_field(x, c.field) for c in s.PK_TARGET_COLUMNS] for x in cascade.pk_targets],
                    first_col=first)
    version_col, id_col = get_column_letter(first), get_column_letter(first + 1)
    _define(wb, LIST_PK_VERSIONS, f"{s.TABLE_PK_VERSIONS}[{s.PK_VERSION_COLUMNS[0].header}]")
    _list_validation(ws, f"{version_col}2:{version_col}{last_t + SPARE_ROWS}", LIST_PK_VERSIONS, "Versi PK",
                     "versi dari kolom Versi")
    _list_validation(ws, f"{id_col}2:{id_col}{last_t + SPARE_ROWS}", s.LIST_INDICATOR_IDS, "ID Indikator",
                     "ID indikator (kolom ID sheet Indikator)")
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    return ws


LIST_PK_VERSIONS = "lstVersiPK"  # = tblVersiPK[Versi]


def add_missing_budget_sheet(wb: Workbook) -> list[str]:
    """Add the Anggaran and Versi PK sheets, empty (headers, drop-downs, formats), to an older workbook
    that lacks them, after Indikator; nothing else changes. Returns the names added (issue 15)."""
    added: list[str] = []
    have = {n.casefold() for n in wb.sheetnames}
    at = wb.sheetnames.index(s.SHEET_INDICATORS) + 1 if s.SHEET_INDICATORS in wb.sheetnames else None
    for name, write in ((s.SHEET_BUDGET, budget_sheet), (s.SHEET_PK_VERSIONS, pk_versions_sheet)):
        if name.casefold() in have:
            at = wb.sheetnames.index(next(n for n in wb.sheetnames if n.casefold() == name.casefold())) + 1
            continue
        write(wb, Cascade(), at)
        added.append(name)
        at = None if at is None else at + 1
    return added


def _settings_sheet(wb: Workbook, cascade: Cascade) -> None:
    ws = wb.create_sheet(s.SHEET_SETTINGS)
    for col, (header, width) in enumerate(zip(s.SETTINGS_HEADERS, (34, 28, 70), strict=True), start=1):
        style_header(put(ws.cell(1, col), header))
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    for row, setting in enumerate(s.SETTINGS, start=2):
        write_setting_row(wb, ws, row, setting, setting_value(cascade, setting))


def setting_value(cascade: Cascade, setting: s.Setting) -> object:
    """The cascade's value of one Pengaturan row ("settings.year" -> cascade.settings.year); a computed
    row's formula."""
    if setting.formula is not None:
        return setting.formula
    owner, attr = setting.field.split(".")
    return getattr({"settings": cascade.settings, "reference": cascade.reference}[owner], attr)


def write_setting_row(wb: Workbook, ws: Worksheet, row: int, setting: s.Setting, value: object) -> None:
    """One Pengaturan row (label | value | note) with the defined name of its value cell; also used by
    regenerate to add a row that a later version introduced to an older workbook."""
    put(ws.cell(row, 1), setting.label).font = Font(bold=True)
    value_cell = ws.cell(row, 2)
    if setting.formula is not None:  # a computed row: its formula, whatever `value` says
        formula(value_cell, setting.formula)
        if setting.number_format:
            value_cell.number_format = setting.number_format
    else:
        put(value_cell, value, setting.number_format)
    value_cell.alignment = Alignment(horizontal="left")
    put(ws.cell(row, 3), setting.note).alignment = WRAP
    _define(wb, setting.name, f"{quote_sheetname(ws.title)}!$B${row}")
    if setting.field == "settings.lower_is_better_formula":
        _list_validation(ws, f"B{row}", s.LIST_LOWER_FORMULA, setting.label, "2T-R atau T/R", blank=False)
    if setting.field == "settings.efficiency_formula":  # a list in the validation: Ref_Daftar stays as it was
        _list_validation(ws, f"B{row}", '"' + ",".join(EFFICIENCY_FORMULAS) + '"', setting.label,
                         ", ".join(EFFICIENCY_FORMULAS))


def write_year_sheet(wb: Workbook, cascade: Cascade | None,
                     sheet: tuple[str, str, tuple[s.Column, ...], str], index: int | None = None) -> None:
    """One master sheet of the SAKIP year (Renstra, Riwayat, Narasi: schema.YEAR_SHEETS) as a table with
    its drop-downs; empty (headers, one blank row) without a cascade. Also used by regenerate to add a
    sheet that a later version introduced to an older workbook."""
    name, table, columns, attr = sheet
    ws = wb.create_sheet(name, index)
    items = getattr(cascade, attr) if cascade is not None else []
    last = _table(ws, table, columns, [[_field(x, c.field) for c in columns] for x in items])
    if any(c.field == "bukti" for c in columns):  # bukti dukung: a hyperlink cell (a link or a path)
        col = next(i for i, c in enumerate(columns, start=1) if c.field == "bukti")
        for row, x in enumerate(items, start=2):
            if str(x.bukti).strip():
                ws.cell(row, col).hyperlink = str(x.bukti).strip()
                ws.cell(row, col).font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "B2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    col = _letter(columns, "id")
    _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", s.LIST_INDICATOR_IDS, "ID",
                     "ID indikator (kolom ID sheet Indikator)")
    for field, low, high, what in (("quarter", 1, 4, "Triwulan: isi 1, 2, 3 atau 4."),
                                   ("year", 1900, 2200, "Tahun: isi tahun empat angka, misalnya 2024.")):
        if any(c.field == field for c in columns):
            col = _letter(columns, field)
            dv = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high),
                                allow_blank=True, showErrorMessage=True, errorStyle="stop",
                                errorTitle="Isian tidak valid", error=what)
            dv.add(f"{col}2:{col}{last + SPARE_ROWS}")
            ws.add_data_validation(dv)


def add_missing_year_sheets(wb: Workbook) -> list[str]:
    """Add, empty, the year sheets (schema.YEAR_SHEETS) an older workbook lacks, after Pengaturan;
    nothing else changes. Returns the names added."""
    added: list[str] = []
    names = {n.casefold() for n in wb.sheetnames}
    after = wb.sheetnames.index(s.SHEET_SETTINGS) + 1 if s.SHEET_SETTINGS in wb.sheetnames else None
    for sheet in s.YEAR_SHEETS:
        if sheet[0].casefold() in names:
            after = wb.sheetnames.index(next(n for n in wb.sheetnames if n.casefold() == sheet[0].casefold()))
            after += 1
            continue
        write_year_sheet(wb, None, sheet, after)
        added.append(sheet[0])
        after = None if after is None else after + 1
    return added


def _reference_sheets(wb: Workbook, cascade: Cascade) -> None:
    ref = cascade.reference
    assert ref is not None  # Cascade fills the default reference

    ws = wb.create_sheet(s.SHEET_BANDS)
    _table(ws, s.TABLE_BANDS, s.BAND_COLUMNS, [[b.label, b.lower, b.upper] for b in ref.bands])
    ws.freeze_panes = "A2"

    ws = wb.create_sheet(s.SHEET_GRADES)
    _table(ws, s.TABLE_GRADES, s.GRADE_COLUMNS,
           [[g.scale, g.code, g.score, g.description] for g in ref.grades])
    ws.freeze_panes = "A2"

    ws = wb.create_sheet(s.SHEET_IPK)
    last = _table(ws, s.TABLE_IPK, s.IPK_COLUMNS,
                  [[c.no, c.name, c.max_value, _yes_no(c.provisional)] for c in ref.ipk_components])
    ws.freeze_panes = "A2"
    col = _letter(s.IPK_COLUMNS, "provisional")
    _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", s.LIST_YES_NO, "Sementara", "ya atau tidak")
    _define(wb, s.LIST_IPK_COMPONENTS, f"{s.TABLE_IPK}[{_header(s.IPK_COLUMNS, 'name')}]")

    ws = wb.create_sheet(s.SHEET_IPK_SUB)
    last = _table(ws, s.TABLE_IPK_SUB, s.IPK_SUB_COLUMNS,
                  [[c.name, sub] for c in ref.ipk_components for sub in c.sub_indicators])
    ws.freeze_panes = "A2"
    col = _letter(s.IPK_SUB_COLUMNS, "component")
    _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", s.LIST_IPK_COMPONENTS, "Komponen IPK",
                     "nama komponen (sheet Ref_IPK)")

    ws = wb.create_sheet(s.SHEET_IPK_STATUS)
    last = _table(ws, s.TABLE_IPK_STATUS, s.IPK_STATUS_COLUMNS,
                  [[st.label, st.lower, _yes_no(st.confirmed)] for st in ref.ipk_statuses])
    ws.freeze_panes = "A2"
    col = _letter(s.IPK_STATUS_COLUMNS, "confirmed")
    _list_validation(ws, f"{col}2:{col}{last + SPARE_ROWS}", s.LIST_YES_NO, "Terkonfirmasi", "ya atau tidak")


def _lists_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(s.SHEET_LISTS)
    for col, (header, name, values) in enumerate(LISTS, start=1):
        letter = get_column_letter(col)
        style_header(put(ws.cell(1, col), header))
        for row, value in enumerate(values, start=2):
            put(ws.cell(row, col), value)
        ws.column_dimensions[letter].width = max(14, len(header) + 4)
        _define(wb, name, f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(values) + 1}")


def _xlwings_conf_sheet(wb: Workbook) -> None:
    # xlwings reads keys from A1 down until the first empty cell: no header, no gaps, no empty values.
    ws = wb.create_sheet(s.SHEET_XLWINGS_CONF)
    for row, (key, value) in enumerate(s.XLWINGS_CONF, start=1):
        put(ws.cell(row, 1), key)
        put(ws.cell(row, 2), value)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 20


# --- helpers --------------------------------------------------------------------------------------------


def _table(
    ws: Worksheet,
    name: str,
    columns: Sequence[s.Column],
    rows: Iterable[Sequence[object]],
    *,
    input_fields: frozenset[str] = frozenset(),
    computed: Sequence[s.ComputedColumn] = (),
    first_col: int = 1,
) -> int:
    """Write a header and rows as an Excel Table; returns the last row of the table.

    `computed` columns come after `columns`: a formula in every data row, also stored as the table's
    calculated column formula so that Excel fills it into rows added to the table.
    """
    for col, column in enumerate(columns, start=first_col):
        style_header(put(ws.cell(1, col), column.header), input_column=column.field in input_fields)
        dim = ws.column_dimensions[get_column_letter(col)]
        dim.width = column.width
        # Column-wide formats and alignment also reach the rows people add below the table.
        if column.number_format:
            dim.number_format = column.number_format
        dim.alignment = WRAP if column.width >= WRAP_WIDTH else TOP
    last = 1
    for last, values in enumerate(rows, start=2):
        for col, (column, value) in enumerate(zip(columns, values, strict=True), start=first_col):
            # Empty cells get their format too: a NIP typed later into an "@" cell keeps its leading zeros.
            cell = ws.cell(last, col) if value is None else put(ws.cell(last, col), value)
            if column.number_format:
                cell.number_format = column.number_format
            cell.alignment = WRAP if column.width >= WRAP_WIDTH else TOP
    # A table needs at least one data row: an empty table keeps one blank row.
    last = max(last, 2)
    formulas = [s.computed_formula(c.template, name) for c in computed]
    for col, (column, text) in enumerate(zip(computed, formulas, strict=True), start=len(columns) + 1):
        _computed_column(ws, col, column, text, last)
    _fit_rows(ws, [c.width for c in columns], [c.width for c in computed], last, first_col)
    ref = (f"{get_column_letter(first_col)}1:"
           f"{get_column_letter(first_col - 1 + len(columns) + len(computed))}{last}")
    table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref))
    headers = [c.header for c in columns] + [c.header for c in computed]
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    for tc, text in zip(table.tableColumns[len(columns):], formulas, strict=True):
        tc.calculatedColumnFormula = TableFormula(attr_text=text[1:])  # stored without the "="
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    return last


def _fit_rows(ws: Worksheet, widths: Sequence[float], computed: Sequence[float], last: int,
              first_col: int = 1) -> None:
    """Row heights for the wrapped texts of rows 1..last (the header in bold, also over the `computed`
    columns, whose formulas are not text); one-line rows keep the default height.

    Neither Excel nor LibreOffice sizes rows for wrapped text when a file is opened: without a height the
    lines of a long text are cut off or drawn over the next row, on screen and on paper.
    """
    header = [*widths, *computed]
    lines = max(wrapped_lines(ws.cell(1, col).value, w, bold=True)
                for col, w in enumerate(header, start=first_col))
    if lines > 1:
        _at_least(ws, 1, row_height(lines))
    for row in range(2, last + 1):
        lines = max((wrapped_lines(ws.cell(row, col).value, w)
                     for col, w in enumerate(widths, start=first_col) if w >= WRAP_WIDTH), default=1)
        if lines > 1:
            _at_least(ws, row, row_height(lines))


def _at_least(ws: Worksheet, row: int, height: float) -> None:
    """A row's height, never lowered (two tables side by side share their rows)."""
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, height)


def _print_setup(
    ws: Worksheet, *, landscape: bool, paper: int = Worksheet.PAPERSIZE_A4, title_rows: str | None = None,
    area: str | None = None,
) -> None:
    """Print one page wide, as many pages tall as needed; `title_rows` repeat on every page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = paper
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    if area:
        ws.print_area = area


def _computed_column(ws: Worksheet, col: int, column: s.ComputedColumn, text: str, last: int) -> None:
    """A computed column: grey header with a note, its formula in rows 2..last, no data validation."""
    header = put(ws.cell(1, col), column.header)
    style_header(header)
    header.fill = COMPUTED_HEADER_FILL
    note = Comment(column.note, CREATOR)
    note.width, note.height = 320, 200
    header.comment = note
    dim = ws.column_dimensions[get_column_letter(col)]
    dim.width = column.width
    alignment = WRAP if column.width >= WRAP_WIDTH else TOP
    dim.alignment = alignment
    if column.number_format:
        dim.number_format = column.number_format
    for row in range(2, last + 1):
        cell = formula(ws.cell(row, col), text)
        cell.fill = COMPUTED_CELL_FILL
        cell.font = COMPUTED_FONT
        cell.alignment = alignment
        if column.number_format:
            cell.number_format = column.number_format


#: Excel's limit for a data validation's error title (longer titles are cut, or the file is "repaired").
MAX_ERROR_TITLE = 32


def _list_validation(
    ws: Worksheet, ref: str, list_name: str, label: str, what: str, *, blank: bool = True
) -> None:
    title, error = f"{label} tidak valid", f"Pilih {what} dari daftar."
    if len(title) > MAX_ERROR_TITLE:  # Excel keeps 32 characters: a cut title reads "... Turun ti"
        title, error = "Isian tidak valid", f"{label}: pilih {what} dari daftar."
    dv = DataValidation(
        type="list",
        formula1=list_name,
        allow_blank=blank,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=title,
        error=error,
    )
    dv.add(ref)
    ws.add_data_validation(dv)


def _define(wb: Workbook, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _field(obj: object, path: str) -> object:
    """Value of a schema field path such as "title" or "realisasi_q.2"."""
    name, _, index = path.partition(".")
    value = getattr(obj, name)
    return value[int(index)] if index else value


def _letter(columns: Sequence[s.Column], field: str) -> str:
    return get_column_letter(next(i for i, c in enumerate(columns, start=1) if c.field == field))


def _header(columns: Sequence[s.Column], field: str) -> str:
    return next(c.header for c in columns if c.field == field)


def _yes_no(flag: bool) -> str:
    return s.YES if flag else s.NO


# --- repairs on regenerate (issue 12, items 13-15; found by book/integrity.py) ---------------------------


def repair_workbook(wb: Workbook) -> list[str]:
    """Make the master what the generated sheets' formulas need, keeping every value: tidy the spaces of our
    headers and of codes, IDs and drop-down values; give our tables their names and a ref from the header
    row to the last data row; point every defined name the formulas and drop-downs use where it belongs.
    Returns what was repaired, in planners' words (for regenerate's summary)."""
    from xl_sakip.book import integrity as ig

    done: list[str] = []
    for d in ig.untidy_cells(wb):
        put(wb[d.sheet][d.cell], d.fix)
        done.append(f"spasi berlebih di {d.sheet}!{d.cell}")
    for d in ig.number_cells(wb):
        put(wb[d.sheet][d.cell], d.fix)
        done.append(f"ID/kode berupa angka di {d.sheet}!{d.cell}")
    for spec in ig.TABLES:
        if spec.sheet in wb.sheetnames and (what := _repair_table(wb, spec)):
            done.append(what)
    for name, ref in ig.expected_names(wb).items():
        dn = wb.defined_names.get(name)
        if dn is None or not ig._same_ref(dn.attr_text or "", ref):
            _define(wb, name, ref)
            done.append(f"nama {name}")
    for d in ig.computed_setting_damages(wb):  # a value typed over a computed Pengaturan row's formula
        formula(wb[d.sheet][d.cell], str(d.fix))
        done.append(f"rumus {d.sheet}!{d.cell}")
    return done


def _repair_table(wb: Workbook, spec) -> str | None:  # spec: integrity.TableSpec
    """Rename, re-create or resize one of our tables; its column names follow the header cells. Returns
    what was done, or None when it was right."""
    from xl_sakip.book import integrity as ig

    ws = wb[spec.sheet]
    found = ig.find_table(wb, spec)
    if found is not None and found[0] is not ws:
        return None  # our name on another sheet: the finding says how to fix it by hand
    table = found[1] if found else None
    want = ig.expected_ref(ws, spec, table.ref if table else None)
    if want is None or (table is not None and ig.below_total_row(table, want)):
        return None  # the finding says how to fix it by hand
    what: list[str] = []
    if table is None:
        table = Table(displayName=spec.name, ref=want, autoFilter=AutoFilter(ref=want))
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        what.append("dibuat ulang")
    else:
        del ws.tables[table.name]
        if table.displayName != spec.name:
            _rename_table_references(wb, table.displayName, spec.name)
            what.append(f"nama '{table.displayName}' dikembalikan")
            table.displayName = spec.name
        table.name = spec.name
        if table.headerRowCount == 0:  # our tables' titles are row 1: a header row, not data
            # Excel's box took the titles out of row 1 and kept them as the column names: put them back
            for col, title in ig.titles_gone(ws, table).items():
                put(ws.cell(1, col), title)
            table.headerRowCount = 1
            what.append("baris judul dinyalakan")
        if not ig._covers(table.ref, want):
            what.append(f"{table.ref} diperluas menjadi {want}")
            table.ref = want
            table.autoFilter = AutoFilter(ref=want)
    # Column names are the header cells' text (Excel requires it), keeping each column's own settings.
    min_col, _, max_col, _ = range_boundaries(table.ref)
    by_name = {tc.name: tc for tc in (table.tableColumns or [])}
    columns = []
    for i, col in enumerate(range(min_col, max_col + 1), start=1):
        head = ws.cell(1, col).value
        name = ig.tidy(str(head)) if head not in (None, "") else f"Kolom{i}"
        if head in (None, ""):
            put(ws.cell(1, col), name)
        tc = by_name.get(name) or TableColumn(id=i, name=name)
        tc.id = i
        tc.name = name
        columns.append(tc)
    renamed = [c.name for c in columns] != [c.name for c in (table.tableColumns or [])]
    table.tableColumns = columns
    ws.add_table(table)
    if renamed and not what:
        what.append("nama kolom disamakan dengan judul")
    return f"tabel {spec.name} ({', '.join(what)})" if what else None


def _rename_table_references(wb: Workbook, old: str, new: str) -> None:
    """Excel renamed every reference when the table was renamed: follow it back to `new` in formulas,
    defined names and the table's calculated columns."""
    pattern = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(old)}(?=\[)", re.IGNORECASE)
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            text = cell.value
            if cell.data_type == "f" and isinstance(text, str) and old.casefold() in text.casefold():
                cell.value = pattern.sub(new, cell.value)
        for table in ws.tables.values():
            for tc in table.tableColumns or []:
                f = tc.calculatedColumnFormula
                if f is not None and f.attr_text:
                    f.attr_text = pattern.sub(new, f.attr_text)
    for dn in list(wb.defined_names.values()):
        if dn.attr_text and old.casefold() in dn.attr_text.casefold():
            dn.attr_text = pattern.sub(new, dn.attr_text)
