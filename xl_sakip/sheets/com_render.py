"""What a report kind's plan needs beyond its cells, rendered through Excel's object model (COM).

The ribbon writes the cells of every generated sheet as one block (xlwings_writer.put_formulas); the look
of a report sheet (sheets/plan.Look: styles of its own table, merges, widths, page setup and page breaks,
bar charts, pictures) is set here on the COM worksheet (`sheet.api`), in as few calls as Excel allows:
ranges by address (one call), the cells of one style as one multi-area range, row heights by runs.

Only Excel on Windows has this object model; xlwings_writer renders report kinds there only.
Constants are Excel's (XlPageOrientation, XlPaperSize, XlHAlign, XlVAlign, XlChartType ...).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xl_sakip.sheets.plan import BarChartSpec, Look, PageSpec, PictureSpec, SheetPlan, Style
from xl_sakip.sheets.refs import L

ORIENTATION = {"portrait": 1, "landscape": 2}
PAPER = {"A4": 9, "A3": 8}
H_ALIGN = {"left": -4131, "center": -4108, "right": -4152, "justify": -4130}
V_ALIGN = {"top": -4160, "center": -4108}
CHART_TYPE = {"bar": 57, "col": 51}  # xlBarClustered, xlColumnClustered
XL_CONTINUOUS, XL_UNDERLINE_SINGLE, XL_UNDERLINE_NONE, MSO_PICTURE = 1, 2, -4142, 13
XL_GENERAL, XL_BOTTOM, XL_COLUMNS = 1, -4107, 2
POINTS_PER_CM, POINTS_PER_INCH, POINTS_PER_PX = 72 / 2.54, 72.0, 0.75
MAX_ADDRESS = 250  # Excel takes a Range address of at most 255 characters


def address(r1: int, c1: int, r2: int | None = None, c2: int | None = None) -> str:
    first = f"{L(c1)}{r1}"
    if r2 is None or (r2, c2 if c2 is not None else c1) == (r1, c1):
        return first
    return f"{first}:{L(c2 if c2 is not None else c1)}{r2}"


def unions(addresses: Iterable[str]) -> list[str]:
    """Addresses joined into multi-area addresses ("A1:D1,A5:D5"), each short enough for Excel."""
    out: list[str] = []
    for a in addresses:
        if out and len(out[-1]) + 1 + len(a) <= MAX_ADDRESS:
            out[-1] += "," + a
        else:
            out.append(a)
    return out


def bgr(rgb: str) -> int:
    """Excel's colour number of "RRGGBB"."""
    r, g, b = int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16)
    return r | (g << 8) | (b << 16)


_NONE = Style()


def set_style(rng: Any, st: Style, base: Style | None = None) -> None:
    """A style on a (multi-area) COM range: each property one call, only those that differ from `base`
    (the style the cells already have; none: a cleared cell's)."""
    was = base or _NONE

    def changed(attr: str) -> bool:
        return getattr(st, attr) != getattr(was, attr) and (base is not None or bool(getattr(st, attr)))

    font_attrs = ("font", "size", "bold", "italic", "underline", "font_color")
    if any(changed(a) for a in font_attrs):
        font = rng.Font
        if changed("font"):
            font.Name = st.font
        if changed("size"):
            font.Size = st.size
        if changed("bold"):
            font.Bold = st.bold
        if changed("italic"):
            font.Italic = st.italic
        if changed("underline"):
            font.Underline = XL_UNDERLINE_SINGLE if st.underline else XL_UNDERLINE_NONE
        if changed("font_color") and st.font_color:
            font.Color = bgr(st.font_color)
    if changed("fill") and st.fill:
        rng.Interior.Color = bgr(st.fill)
    if changed("number_format") and st.number_format:
        rng.NumberFormat = st.number_format
    if changed("wrap"):
        rng.WrapText = st.wrap
    if changed("align"):
        rng.HorizontalAlignment = H_ALIGN[st.align] if st.align else XL_GENERAL
    if changed("valign"):
        rng.VerticalAlignment = V_ALIGN[st.valign] if st.valign else XL_BOTTOM
    if changed("border") and st.border:
        rng.Borders.LineStyle = XL_CONTINUOUS


def styles(ws: Any, plan: SheetPlan, look: Look) -> None:
    """The plan's style spans and the look's, the cells of one style as one multi-area range. With a base
    style (the look's), the whole block gets it first and each style sets only what differs from it."""
    base = look.base
    if base is not None:
        set_style(ws.Range(address(1, 1, plan.n_rows, plan.n_cols)), base)
    by_key: dict[str, list[str]] = {}
    for sp in [*plan.styles, *look.spans]:
        by_key.setdefault(sp.style, []).append(address(sp.first_row, sp.first_col, sp.last_row, sp.last_col))
    for key, addrs in by_key.items():
        st = plan.style(key)
        for union in unions(addrs):
            set_style(ws.Range(union), st, base)


def merges(ws: Any, look: Look) -> None:
    """The merged ranges, many at once: Merge on a multi-area range merges each area on its own."""
    for union in unions(address(r1, c1, r2, c2) for r1, c1, r2, c2 in look.merges):
        ws.Range(union).Merge()


def row_heights(ws: Any, heights: dict[int, float]) -> None:
    """The rows of one height together (RowHeight on a multi-area range sets every row of it)."""
    by_height: dict[float, list[str]] = {}
    for r, h in sorted(heights.items()):
        by_height.setdefault(h, []).append(f"A{r}")
    for h, cells in by_height.items():
        for union in unions(cells):
            ws.Range(union).RowHeight = h


def column_widths(ws: Any, widths: dict[int, float]) -> None:
    """Columns of one width together."""
    by_width: dict[float, list[str]] = {}
    for c, w in sorted(widths.items()):
        by_width.setdefault(w, []).append(f"{L(c)}1")
    for w, cells in by_width.items():
        for union in unions(cells):
            ws.Range(union).ColumnWidth = w


def page_setup(ws: Any, page: PageSpec, n_rows: int, n_cols: int, *, full: bool = True) -> None:
    """Orientation, paper, fitting, margins (with `full`: a new sheet; they stay on a rewritten one), print
    area and page breaks. Excel talks to the printer driver on each PageSetup property unless
    PrintCommunication is off (Excel 2010 and later)."""
    if not full and page.print_area is None and not page.row_breaks:
        return
    with _print_communication_off(ws.Application):
        ps = ws.PageSetup
        if full:
            _page_layout(ps, page)
        if page.print_area is not None or full:
            last_row, last_col = page.print_area if page.print_area is not None else (n_rows, n_cols)
            ps.PrintArea = f"$A$1:${L(last_col)}${last_row}"
    if page.row_breaks:
        ws.ResetAllPageBreaks()
        breaks = ws.HPageBreaks
        for r in page.row_breaks:
            breaks.Add(ws.Range(f"A{r + 1}"))


def _page_layout(ps: Any, page: PageSpec) -> None:
    ps.Orientation = ORIENTATION[page.orientation]
    ps.PaperSize = PAPER[page.paper]
    if page.fit_wide is not None:
        ps.Zoom = False
        ps.FitToPagesWide = page.fit_wide
        ps.FitToPagesTall = page.fit_tall if page.fit_tall is not None else False
    if page.center_horizontally:
        ps.CenterHorizontally = True
    if page.margins is not None:
        left, right, top, bottom = (m * POINTS_PER_INCH for m in page.margins)
        ps.LeftMargin, ps.RightMargin, ps.TopMargin, ps.BottomMargin = left, right, top, bottom


@contextlib.contextmanager
def _print_communication_off(app: Any):
    try:
        app.PrintCommunication = False
    except Exception:  # older Excel: no such property
        yield
        return
    try:
        yield
    finally:
        app.PrintCommunication = True


def delete_drawings(ws: Any) -> None:
    """The sheet's charts and pictures (a rewritten report sheet gets its own again)."""
    charts = ws.ChartObjects()
    for i in range(charts.Count, 0, -1):
        charts.Item(i).Delete()
    shapes = ws.Shapes
    for i in range(shapes.Count, 0, -1):
        shape = shapes.Item(i)
        if shape.Type == MSO_PICTURE:
            shape.Delete()


def chart(ws: Any, spec: BarChartSpec) -> None:
    """A clustered bar chart: the category column and the series' columns (header row included, so Excel
    names the series after their headers) as one multi-area source."""
    header = spec.series[0].title_cell[0]
    parts = [address(header, spec.categories_col, spec.last_row, spec.categories_col)]
    parts += [address(header, s.col, s.last_row, s.col) for s in spec.series]
    anchor = ws.Range(spec.anchor)
    obj = ws.ChartObjects().Add(anchor.Left, anchor.Top, spec.width * POINTS_PER_CM,
                                spec.height * POINTS_PER_CM)
    c = obj.Chart
    c.ChartType = CHART_TYPE[spec.bar_dir]
    c.SetSourceData(ws.Range(",".join(parts)), XL_COLUMNS)  # series in columns, whatever the shape
    c.HasTitle = True
    c.ChartTitle.Text = spec.title
    if len(spec.series) == 1:
        c.HasLegend = False


def picture(ws: Any, spec: PictureSpec) -> None:
    """The picture from a temporary PNG file (Shapes.AddPicture takes a file), at its anchor, its width
    in points and its height in proportion."""
    anchor = ws.Range(spec.anchor)
    with tempfile.TemporaryDirectory(prefix="xl-sakip-") as tmp:
        path = Path(tmp) / "gambar.png"
        path.write_bytes(spec.png())
        shape = ws.Shapes.AddPicture(str(path), False, True, anchor.Left, anchor.Top, -1, -1)
    shape.LockAspectRatio = True
    shape.Width = spec.width_px * POINTS_PER_PX


def window_settings(ws: Any, page: PageSpec) -> None:
    """Hidden gridlines and frozen panes: settings of Excel's window, not of the sheet, so the sheet is
    shown for a moment (screen updating is off) and the sheet the user had open is shown again."""
    if page.gridlines and page.freeze is None:
        return
    app = ws.Application
    active = app.ActiveSheet
    ws.Activate()
    try:
        win = app.ActiveWindow
        if not page.gridlines:
            win.DisplayGridlines = False
        if page.freeze is not None:
            row, col = _cell(page.freeze)
            win.SplitColumn, win.SplitRow = col - 1, row - 1
            win.FreezePanes = True
    finally:
        active.Activate()


def _cell(a1: str) -> tuple[int, int]:
    letters = a1.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return int(a1[len(letters):]), col


def render_look(ws: Any, plan: SheetPlan, *, new: bool) -> None:
    """Everything of a report sheet but its cells and row heights, on a sheet just cleared (or new).
    Widths and page setup belong to the sheet and survive Clear: set on a new sheet only."""
    look = plan.look or Look()
    styles(ws, plan, look)
    merges(ws, look)
    if new:
        column_widths(ws, {**plan.column_widths, **look.column_widths})
    if look.page is not None:
        page_setup(ws, look.page, plan.n_rows, plan.n_cols, full=new)
        if new:  # a rewritten sheet keeps its window settings
            window_settings(ws, look.page)
    for spec in look.charts:
        chart(ws, spec)
    for pic in look.pictures:
        picture(ws, pic)
