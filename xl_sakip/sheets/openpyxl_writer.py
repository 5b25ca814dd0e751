"""Write a sheet plan into a closed workbook with openpyxl (the headless path: `xl-sakip regenerate`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from copy import copy
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book import sheet_writer, values
from xl_sakip.book.cells import FORMULA_TRIGGERS
from xl_sakip.book.frozen import PlainCell
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


def _write_cells(ws: Worksheet, plan: p.SheetPlan, rows: Sequence[range] | None = None) -> None:
    """The plan's cells (of the row ranges `rows` only, if given), each that is not None written by
    `_write_value` (openpyxl's `ws.cell` checks the coordinates and looks the cell up per call: here the
    rows are checked once, the cells found in the sheet's dict, and a missing one made as `ws.cell` makes
    it, with its check of the row)."""
    cells = ws._cells
    last = 0
    n = len(plan.cells)
    for r in _rows([range(1, n + 1)] if rows is None else rows, 1, n):
        for c, v in enumerate(plan.cells[r - 1], start=1):
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


def _copy_layout(template: Worksheet, ws: Worksheet, plan: p.SheetPlan, lean: bool = False) -> None:
    """Styles, dimensions, conditional formats and print setup of the template, for the plan's rows.
    `lean`: the body rows' cells are made with their values by `_write_body`, not here."""
    body_style = {c: template.cell(ul.FIRST_BODY_ROW, c)._style for c in range(1, ul.N_COLS + 1)}
    for (r, c), src in template._cells.items():
        if r < ul.FIRST_BODY_ROW and src.has_style:
            ws.cell(r, c)._style = copy(src._style)
    if lean:
        _write_body(ws, plan, body_style)
    elif plan.body_first:
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


def _lean(wb: Workbook, plan: p.SheetPlan) -> bool:
    """Whether a unit sheet's body rows are written by `_write_body`: on regenerate's way (an early
    evaluation, the sheet serialised by our writer once final), and where no style span reaches the body
    (its cells would be restyled one by one; the budget block's spans lie below it)."""
    if not plan.body_first or not plan.body_last or not values.early(wb) or not sheet_writer.fast():
        return False
    return all(s.last_row < plan.body_first or s.first_row > plan.body_last for s in plan.styles)


def _write_body(ws: Worksheet, plan: p.SheetPlan, body_style: dict[int, StyleArray | None]) -> None:
    """The cells `_copy_layout` and `_write_cells` make of a unit sheet's body rows (the template's body
    style per column, the plan's value), with each plain value's cell a `PlainCell` whose style array is
    shared by its column, and any other value's an openpyxl Cell made as before (a text taken for a
    formula gets a quote prefix, a text too long or with characters XML cannot hold goes to openpyxl's
    checks, a number that is not finite or not int/float to its writer). A formula's rule is registered
    for its cached value, as `_write_value` registers it (issue 13: 60 openpyxl Cells per body row, each
    made, styled, given its value and written, were a sixth of a regenerate)."""
    cells = ws._cells
    registered = values.registry(ws.parent, ws.title)
    illegal = ILLEGAL_CHARACTERS_RE.search
    # a column without a style gets openpyxl's default array (what Cell.style_id gives it), not None
    columns = [(c, StyleArray() if st is None else copy(st), st is not None and any(st), st)
               for c, st in body_style.items()]
    formula, plain = p.Formula, PlainCell
    n_cols = len(columns)
    for r in range(plan.body_first, plan.body_last + 1):  # type: ignore[arg-type,operator]
        row = plan.cells[r - 1] if r <= len(plan.cells) else []
        width = len(row)
        for c, shared, styled, st in columns:
            v = row[c - 1] if c <= width else None
            t = type(v)
            if v is None:
                cells[r, c] = plain(ws, r, c, None, "n", shared, styled)
                continue
            if t is str:
                if len(v) <= 32767 and not v.startswith(FORMULA_TRIGGERS) and not illegal(v):
                    cells[r, c] = plain(ws, r, c, v, "s", shared, styled)
                    continue
            elif t is formula:
                text = v.text
                if 1 < len(text) <= 32767 and not illegal(text):
                    cells[r, c] = plain(ws, r, c, text, "f", shared, styled)
                    if v.expr is not None:
                        registered[r, c] = v.expr
                    continue
            elif t is int or (t is float and math.isfinite(v)):
                cells[r, c] = plain(ws, r, c, v, "n", shared, styled)
                continue
            cell = cells[r, c] = Cell(ws, row=r, column=c, style_array=st)
            _write_value(ws, cell, v)
        for c in range(n_cols + 1, width + 1):  # beyond the template's columns: no style, as _write_cells
            if row[c - 1] is not None:
                cell = cells[r, c] = Cell(ws, row=r, column=c)
                _write_value(ws, cell, row[c - 1])
    ws._current_row = max(ws._current_row, plan.body_last)  # type: ignore[type-var]


def openpyxl_cells(wb: Workbook) -> None:
    """Every `PlainCell` of a sheet not serialised yet made an openpyxl Cell with the same value, type and
    style (its own array): before a caller's code reads or writes the workbook through openpyxl's API
    (regenerate's `extra`), which a PlainCell does not offer (coordinate, font, a value set ...). Nothing
    to do when every unit sheet was serialised as it was written (FrozenCells), the usual case."""
    for ws in wb.worksheets:
        cells = ws._cells
        if not isinstance(cells, dict):
            continue
        for key, c in cells.items():
            if type(c) is PlainCell:
                cell = cells[key] = Cell(ws, row=c.row, column=c.column, style_array=c._style)
                cell._value, cell.data_type = c._value, c.data_type


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


def _rows(blocks: Sequence[range], first: int, last: int) -> Iterator[int]:
    """The rows of `blocks` (ranges) from `first` to `last`."""
    for b in blocks:
        yield from range(max(b.start, first), min(b.stop - 1, last) + 1)


def _apply_style(ws: Worksheet, span: p.StyleSpan, rows: Sequence[range] | None = None) -> None:
    """The span's style on its cells (of the row ranges `rows` only, if given)."""
    st = p.STYLES[span.style]
    # None rather than False: that is what a saved and reloaded style holds, so the same style is found
    # again on the next run instead of being added to the workbook's style table each time.
    font = Font(bold=st.bold or None, italic=st.italic or None, size=st.size, color=st.font_color)
    fill = PatternFill("solid", fgColor=st.fill) if st.fill else None
    align = Alignment(wrap_text=st.wrap or None, horizontal=st.align, vertical="top")
    border = Border(left=_SIDE, right=_SIDE, top=_SIDE, bottom=_SIDE) if st.border else None
    memo = _STYLED.setdefault(ws.parent, {})
    every = [range(span.first_row, span.last_row + 1)]
    cells = ws._cells
    fresh = (span.style, _PLAIN)  # a cell not made yet has openpyxl's default style
    last = 0
    for r in _rows(every if rows is None else rows, span.first_row, span.last_row):
        for c in range(span.first_col, span.last_col + 1):
            cell = cells.get((r, c))
            if cell is None and 1 <= r <= 1048576 and 1 <= c <= 16384:
                done = memo.get(fresh)
                if done is not None:  # what ws.cell and the copy below make, without their calls
                    cells[r, c] = Cell(ws, row=r, column=c, style_array=done)
                    last = r
                    continue
            if cell is None:
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
    ws._current_row = max(ws._current_row, last)  # as ws.cell keeps it


_PLAIN = tuple(StyleArray())


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


def write_sheet(wb: Workbook, plan: p.SheetPlan, index: int | None = None,
                rows: Sequence[range] | None = None) -> Worksheet:
    """Create the sheet of `plan` (its name must be free) at `index`, with its marker. `rows`: only these
    rows' cells (`write_report`, which writes the others in chunks)."""
    ws = wb.create_sheet(plan.name, index)
    values.forget(wb, plan.name)
    if plan.kind == UNIT_KIND:
        assert rows is None
        lean = _lean(wb, plan)
        _copy_layout(wb[TEMPLATE_SHEET], ws, plan, lean)
        for span in plan.styles:  # below the table: the budget block (sheets/unit_budget.py)
            _apply_style(ws, span)
        if lean:  # the body's cells hold their values already
            rows = [range(1, plan.body_first), range(plan.body_last + 1, len(plan.cells) + 1)]  # type: ignore[arg-type,operator]
    else:
        for c, w in plan.column_widths.items():
            ws.column_dimensions[rf.L(c)].width = w
        for span in plan.styles:
            _apply_style(ws, span, rows)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    _write_cells(ws, plan, rows)
    for r, h in plan.row_heights.items():
        ws.row_dimensions[r].height = h
    for spec in plan.charts:
        _add_chart(ws, spec)
    marker = plan_marker(plan).formula()  # the file stores a name's formula without "="
    ws.defined_names[MARKER_NAME] = DefinedName(MARKER_NAME, attr_text=marker, hidden=True)
    return ws


#: Body rows of a streamed report sheet written, evaluated and serialised at a time (`write_report`).
CHUNK_ROWS = 512


def write_report(wb: Workbook, plan: p.SheetPlan, index: int | None, finish: Callable[[Worksheet], None],
                 replan: Callable[[], p.SheetPlan | None] | None = None) -> Worksheet:
    """Write a report sheet at `index`, finish it (`finish`: merges, page setup, charts) and declare it
    final (`sheet_done`).

    A plan with `stream` body rows is written in chunks of CHUNK_ROWS rows during an early evaluation
    (regenerate): each chunk's cells are made, evaluated, serialised and let go before the next, so that a
    sheet of 10 000 indicators (the Evaluasi Renja) never holds all its openpyxl cells at once (issue 13,
    memory). The saved bytes are those of the sheet written whole: the rows outside the body and the
    body's first row are written first with every style span in plan order (the body's other rows are
    styled alike, so they add nothing to the workbook's style tables, which are numbered in the order they
    are met), then `finish`, which may touch only those rows, then the rows are serialised in row order
    (book/sheet_writer.Freezer). Where a chunk cannot be done so (a cell reads a row already let go or not
    written yet, or a sheet that may still change; a cell only openpyxl's writer writes), the body is
    written whole and the sheet goes the ordinary way.

    `replan`: makes the same plan again. Given, the plan's body rows are emptied as their chunks are
    written (the Evaluasi Renja's rule trees, 37 MB at 10 000 indicators, go with them), and a body to be
    written whole after some of them went is taken from a plan made again."""
    streamed = _streamable(wb, plan)
    if streamed is None:
        ws = write_sheet(wb, plan, index)
        finish(ws)
        sheet_done(wb, ws.title, ws)
        return ws
    first, last = streamed
    ws = write_sheet(wb, plan, index, [range(1, first + 1), range(last + 1, len(plan.cells) + 1)])
    finish(ws)
    released: list[int] = []
    if not _stream_body(wb, ws, plan, first, last, released if replan is not None else None):
        if released:
            again = replan() if replan is not None else None
            if (again is None or len(again.cells) != len(plan.cells)
                    or again.cells[:first] != plan.cells[:first]):
                raise RuntimeError(f"sheet '{plan.name}': its plan could not be made again")
            plan = again
        body = [range(first + 1, last + 1)]
        for span in plan.styles:  # what was let go, and what was not written yet: the memo has their styles
            _apply_style(ws, span, body)
        _write_cells(ws, plan, body)
    sheet_done(wb, ws.title, ws)
    return ws


def _streamable(wb: Workbook, plan: p.SheetPlan) -> tuple[int, int] | None:
    """The body rows (first, last) `write_report` writes in chunks, or None: the sheet is written whole
    (no body to stream, no early evaluation to give the chunks their values, openpyxl's writer writes the
    cells, or a style span covers only part of the body, whose rows would then not all be styled alike)."""
    if plan.stream is None or plan.kind == UNIT_KIND or plan.charts:
        return None
    first, last = plan.stream
    if last - first < CHUNK_ROWS or not values.early(wb) or not sheet_writer.fast():
        return None
    for span in plan.styles:
        if span.first_row <= last and span.last_row >= first and not (
                span.first_row <= first and span.last_row >= last):
            return None
    return first, last


def _stream_body(wb: Workbook, ws: Worksheet, plan: p.SheetPlan, first: int, last: int,
                 released: list[int] | None = None) -> bool:
    """Rows 1..`first`, then the body's other rows chunk by chunk, then the rows after `last`: each block's
    cells evaluated (`values.evaluate_written`) and serialised (`sheet_writer.Freezer`), a body chunk's
    cells let go; the sheet's cells become the `FrozenCells`. False where a block cannot be done so, with
    the sheet's cells as before the body's chunks (the caller writes the body's other rows again, whole).
    `released`: the plan's rows of each chunk written are emptied, and their numbers added to it."""
    freezer = sheet_writer.Freezer(ws)
    cells = ws._cells
    bounds = [1 << 30, 1 << 30, 0, 0]  # min row, min col, max row, max col of every cell written

    def block(lo: int, hi: int, live: Callable[[int], bool]) -> bool:
        rows: defaultdict[int, list[Cell]] = defaultdict(list)
        for (r, c), cell in sorted(item for item in cells.items() if lo <= item[0][0] <= hi):
            rows[r].append(cell)
            bounds[0], bounds[1] = min(bounds[0], r), min(bounds[1], c)
            bounds[2], bounds[3] = max(bounds[2], r), max(bounds[3], c)
        for r in ws.row_dimensions:  # a row with its own height or style and no cell is written too
            if lo <= r <= hi and r not in rows:
                rows[r] = []
        keys = [(cell.row, cell.column) for row in rows.values() for cell in row if cell.data_type == "f"]
        try:
            got = values.evaluate_written(wb, ws.title, ws, keys, live)
        except values.NotYet:
            return False
        return got is not None and freezer.add(sorted(rows.items()), got)

    def outside(r: int) -> bool:
        return not first < r <= last

    if not block(1, first, outside):
        return False
    for lo in range(first + 1, last + 1, CHUNK_ROWS):
        hi = min(lo + CHUNK_ROWS - 1, last)
        chunk = [range(lo, hi + 1)]
        for span in plan.styles:
            _apply_style(ws, span, chunk)
        _write_cells(ws, plan, chunk)
        ok = block(lo, hi, lambda r, lo=lo, hi=hi: outside(r) or lo <= r <= hi)
        done = [k for k in cells if lo <= k[0] <= hi]
        for key in done:  # serialised, or to be written again whole
            del cells[key]
        if not ok:
            return False
        values.let_go(wb, ws.title, done)
        if released is not None:
            for r in range(lo, hi + 1):
                plan.cells[r - 1] = []
            released.extend(range(lo, hi + 1))
    if not block(last + 1, 1 << 30, outside):
        return False
    if bounds[2]:
        dimension = (f"{get_column_letter(bounds[1])}{bounds[0]}:"
                     f"{get_column_letter(bounds[3])}{bounds[2]}")
    else:
        dimension = "A1:A1"
    ws._cells = freezer.close(dimension)
    return True


def sheet_done(wb: Workbook, title: str, ws: Worksheet | None = None) -> None:
    """Sheet `title`, written here, is final until the save (`values.sheet_final`): each sheet whose cached
    values are now known (it, and those that waited for it) has its `<sheetData>` written now and its
    openpyxl cells let go (`sheet_writer.freeze`; issue 13, memory). Outside an early evaluation
    (regenerate) nothing happens."""
    for done, cached in values.sheet_final(wb, title, ws).values():
        sheet_writer.freeze(done, cached)
