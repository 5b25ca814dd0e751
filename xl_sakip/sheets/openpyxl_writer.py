"""Write a sheet plan into a closed workbook with openpyxl (the headless path: `xl-sakip regenerate`)."""

from __future__ import annotations

from copy import copy
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book import sheet_writer, values
from xl_sakip.book.cells import FORMULA_TRIGGERS
from xl_sakip.book.unread import placeholder_digest
from xl_sakip.sheets import plan as p
from xl_sakip.sheets import refs as rf
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.marker import MARKER_NAME, Marker, digest_cells, plan_marker
from xl_sakip.sheets.names import TEMPLATE_SHEET
from xl_sakip.sheets.unit import UNIT_KIND


def read_marker(ws: Worksheet) -> Marker | None:
    dn = ws.defined_names.get(MARKER_NAME)
    return Marker.parse(dn.attr_text) if dn is not None else None


def sheet_digest(ws: Worksheet) -> str:
    """The hash of what the sheet holds now (same canonical form as `plan_digest`); of a placeholder
    (book/unread.py), the digest it was proven to hold."""
    if (known := placeholder_digest(ws)) is not None:
        return known
    return digest_cells((r, c, cell.value) for (r, c), cell in ws._cells.items())


def sheet_contents(ws: Worksheet) -> dict[tuple[int, int], object]:
    """Non-empty cells as {(row, col): value or formula text} (for tests and comparisons)."""
    return {(r, c): cell.value for (r, c), cell in ws._cells.items() if cell.value not in (None, "")}


def _write_value(ws: Worksheet, cell: Cell, v: p.Content) -> None:
    # cell._bind_value is what `cell.value = ...` runs (its types, checks and truncation), without the
    # property's dispatch
    if type(v) is p.Formula:
        cell._bind_value(v.text)
        if v.expr is not None:  # its cached value comes from the rule itself, not from re-parsing the text
            values.register(ws.parent, ws.title, cell.row, cell.column, v.expr)
    elif isinstance(v, str):
        cell._bind_value(v)
        cell.data_type = "s"  # text from documents never becomes a formula
        if v.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell._bind_value(v)


def _write_cells(ws: Worksheet, plan: p.SheetPlan) -> None:
    """The plan's cells, each that is not None written by `_write_value` (openpyxl's `ws.cell` checks the
    coordinates and looks the cell up per call: here the rows are checked once, the cells found in the
    sheet's dict, and a missing one made as `ws.cell` makes it, with its check of the row)."""
    cells = ws._cells
    last = 0
    for r, row in enumerate(plan.cells, start=1):
        for c, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = cells.get((r, c))
            if cell is None:
                if r > 1048576:
                    ws.cell(r, c)  # openpyxl's own error
                cell = cells[r, c] = Cell(ws, row=r, column=c)
                last = r
            _write_value(ws, cell, v)
    ws._current_row = max(ws._current_row, last)  # as ws.cell keeps it (for ws.append)


def _copy_layout(template: Worksheet, ws: Worksheet, plan: p.SheetPlan) -> None:
    """Styles, dimensions, conditional formats and print setup of the template, for the plan's rows."""
    body_style = {c: template.cell(ul.FIRST_BODY_ROW, c)._style for c in range(1, ul.N_COLS + 1)}
    for (r, c), src in template._cells.items():
        if r < ul.FIRST_BODY_ROW and src.has_style:
            ws.cell(r, c)._style = copy(src._style)
    if plan.body_first:
        # what ws.cell(r, c)._style = copy(st) gives (the sheet is new: no body cell exists yet; Cell
        # copies the style array), without its checks and dispatch per cell
        cells = ws._cells
        for r in range(plan.body_first, plan.body_last + 1):
            for c, st in body_style.items():
                cells[r, c] = Cell(ws, row=r, column=c, style_array=st)
        ws._current_row = max(ws._current_row, plan.body_last)
    for key, dim in template.column_dimensions.items():
        ws.column_dimensions[key] = copy(dim)
        ws.column_dimensions[key].worksheet = ws
    for key, dim in template.row_dimensions.items():
        if key < ul.FIRST_BODY_ROW:
            ws.row_dimensions[key] = copy(dim)
            ws.row_dimensions[key].worksheet = ws
    for rng in template.merged_cells.ranges:
        if rng.max_row < ul.FIRST_BODY_ROW:
            merge(ws, rng.min_row, rng.min_col, rng.max_row, rng.max_col)
    for cf in template.conditional_formatting:
        for rule in cf.rules:
            ws.conditional_formatting.add(str(cf.sqref), copy(rule))
    ws.sheet_format = copy(template.sheet_format)
    ws.sheet_properties = copy(template.sheet_properties)
    ws.page_margins = copy(template.page_margins)
    ws.page_setup = copy(template.page_setup)
    ws.print_options = copy(template.print_options)
    if template.print_title_rows:
        ws.print_title_rows = template.print_title_rows
    ws.freeze_panes = template.freeze_panes
    ws.sheet_view.zoomScale = template.sheet_view.zoomScale
    ws.sheet_view.showGridLines = template.sheet_view.showGridLines


# Per workbook: (rows - 1, columns - 1, the top-left cell's style ids, the bottom-right cell's or None when
# it does not exist) -> the style ids openpyxl's merge_cells leaves on every cell of the range.
_MERGED: WeakKeyDictionary[Workbook, dict[tuple, tuple[StyleArray | None, ...]]] = WeakKeyDictionary()


def merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    """`ws.merge_cells(start_row=r1, ...)` with the same result, done once per kind of range.

    openpyxl's merge builds a MergedCell for each covered cell and sets borders and protection on them
    through its style tables (a hash and compare per attribute and cell): 6 % of a regenerate, mostly the
    PK sheets' identical rows. What it leaves on the range's cells depends only on the range's shape and
    the style ids of its top-left and bottom-right cells (the others are replaced), so the first range of
    each such key is merged by openpyxl and the next ones get the style ids it left. The style tables are
    append-only: a repeated merge would only have found entries added the first time, so the tables, and
    the saved workbook, are the same (tests/test_sheet_xml.py compares the XML with openpyxl's)."""
    cells = ws._cells
    start, end = cells.get((r1, c1)), cells.get((r2, c2))
    key = (r2 - r1, c2 - c1, None if start is None or start._style is None else tuple(start._style),
           None if end is None else (None if end._style is None else tuple(end._style)))
    memo = _MERGED.setdefault(ws.parent, {})
    done = memo.get(key)
    if done is None:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        memo[key] = tuple(copy(cells[r, c]._style) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
        return
    if start is None:
        start = ws.cell(r1, c1)
    mcr = MergedCellRange.__new__(MergedCellRange)  # without its border work, done below from the memo
    CellRange.__init__(mcr, min_col=c1, min_row=r1, max_col=c2, max_row=r2)
    mcr.ws, mcr.start_cell = ws, start
    ws.merged_cells.add(mcr)
    styles = iter(done)
    start._style = copy(next(styles))
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if r == r1 and c == c1:
                continue
            mc = MergedCell(ws, r, c)
            mc._style = copy(next(styles))
            cells[r, c] = mc


_SIDE = Side(style="thin", color="808080")


# Per workbook: (style name, a cell's style ids before) -> its style ids after. Setting font, fill ... on a
# cell makes openpyxl look the object up in the workbook's style lists (hash and compare, per cell); a
# cell styled the same way before gets the same ids, so only the first such cell pays for the lookup.
_STYLED: WeakKeyDictionary[Workbook, dict[tuple[str, tuple[int, ...]], StyleArray]] = WeakKeyDictionary()


def _apply_style(ws: Worksheet, span: p.StyleSpan) -> None:
    st = p.STYLES[span.style]
    # None rather than False: that is what a saved and reloaded style holds, so the same style is found
    # again on the next run instead of being added to the workbook's style table each time.
    font = Font(bold=st.bold or None, italic=st.italic or None, size=st.size, color=st.font_color)
    fill = PatternFill("solid", fgColor=st.fill) if st.fill else None
    align = Alignment(wrap_text=st.wrap or None, horizontal=st.align, vertical="top")
    border = Border(left=_SIDE, right=_SIDE, top=_SIDE, bottom=_SIDE) if st.border else None
    memo = _STYLED.setdefault(ws.parent, {})
    for r in range(span.first_row, span.last_row + 1):
        for c in range(span.first_col, span.last_col + 1):
            cell = ws.cell(r, c)
            key = (span.style, tuple(cell._style or StyleArray()))
            done = memo.get(key)
            if done is not None:
                cell._style = copy(done)
                continue
            cell.font = font
            cell.alignment = align
            if fill:
                cell.fill = fill
            if border:
                cell.border = border
            if st.number_format:
                cell.number_format = st.number_format
            memo[key] = copy(cell._style)


def _add_chart(ws: Worksheet, spec: p.ChartSpec) -> None:
    if spec.last_row < spec.first_row:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.legend = None
    data = Reference(ws, min_col=spec.values_col, min_row=spec.header_row, max_row=spec.last_row)
    cats = Reference(ws, min_col=spec.categories_col, min_row=spec.first_row, max_row=spec.last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height = max(7.5, 0.6 * (spec.last_row - spec.first_row + 1))
    chart.width = 16
    ws.add_chart(chart, spec.anchor)


def write_sheet(wb: Workbook, plan: p.SheetPlan, index: int | None = None) -> Worksheet:
    """Create the sheet of `plan` (its name must be free) at `index`, with its marker."""
    ws = wb.create_sheet(plan.name, index)
    values.forget(wb, plan.name)
    if plan.kind == UNIT_KIND:
        _copy_layout(wb[TEMPLATE_SHEET], ws, plan)
        for span in plan.styles:  # below the table: the budget block (sheets/unit_budget.py)
            _apply_style(ws, span)
    else:
        for c, w in plan.column_widths.items():
            ws.column_dimensions[rf.L(c)].width = w
        for span in plan.styles:
            _apply_style(ws, span)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    _write_cells(ws, plan)
    for r, h in plan.row_heights.items():
        ws.row_dimensions[r].height = h
    for spec in plan.charts:
        _add_chart(ws, spec)
    marker = plan_marker(plan).formula()  # the file stores a name's formula without "="
    ws.defined_names[MARKER_NAME] = DefinedName(MARKER_NAME, attr_text=marker, hidden=True)
    return ws


def sheet_done(wb: Workbook, title: str, ws: Worksheet | None = None) -> None:
    """Sheet `title`, written here, is final until the save (`values.sheet_final`): each sheet whose cached
    values are now known (it, and those that waited for it) has its `<sheetData>` written now and its
    openpyxl cells let go (`sheet_writer.freeze`; issue 13, memory). Outside an early evaluation
    (regenerate) nothing happens."""
    for done, cached in values.sheet_final(wb, title, ws).values():
        sheet_writer.freeze(done, cached)
