"""The plan of a generated sheet as plain data: what both writers render.

A `SheetPlan` is a rectangle of cell contents starting at A1 (constants and `Formula`s), plus the styles
and layout the writers apply. Two writers turn it into cells: openpyxl (headless, closed file) and xlwings
(the open workbook, from the ribbon). Nothing here imports openpyxl or xlwings.

What a plan holds is planned elsewhere, one concern a module (docs/architecture.md, "Sheet plans"):
`refs.py` (cell references and column letters), `unit_layout.py` (where things are on a unit sheet),
`unit_rules.py` (a unit-sheet row's formulas, rendered from core/rules.py), `textfit.py` (row heights of
wrapped text), `index.py` (sheet names and rows of a cascade), `unit.py` and `summary.py` (the unit sheets
and Ringkasan), and the report kinds in their own modules (dashboard, pk, tree); `xl_sakip/kinds.py` lists
every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import overload

from xl_sakip.core import formula as fx


@dataclass(frozen=True, slots=True)  # slotted: a plan holds one per formula cell (the Evaluasi Renja 120 000)
class Formula:
    text: str  # starts with "="
    # The rule the text was rendered from (core/formula.py), for the cached value; None: parsed from text.
    expr: fx.Expr | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with '=': {self.text!r}")


Content = str | float | int | Formula | None


def cell_ref(sheet: str, col: int, row: int) -> Formula:
    """`='Sheet'!$C$7`, with its rule: its cached value is computed without parsing the text (thousands of
    such cells in the report sheets; issue 13)."""
    e = fx.Cell(col, row, sheet=sheet, abs_col=True, abs_row=True)
    return Formula(fx.formula_text(e), e)


class MadeRows(Sequence[list[Content]]):
    """A plan's rows, some of them made each time they are read (`make(row)`, 1-based) instead of kept: the
    body of a large report sheet (the Evaluasi Renja: a row of rule trees per indicator, 42 MB at 10 000
    indicators) costs no memory until a writer reads a row, and none after it wrote it (issue 13). Reads
    as the list of rows it stands for; `make` must give equal rows on every call (the digest reads each row
    once, the writer once more)."""

    def __init__(self, rows: list[list[Content] | None], make: Callable[[int], list[Content]]) -> None:
        self._rows = rows  # None: a row made when read
        self._make = make

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> list[Content]: ...
    @overload
    def __getitem__(self, i: slice) -> list[list[Content]]: ...

    def __getitem__(self, i: int | slice) -> list[Content] | list[list[Content]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self._rows)))]
        row = self._rows[i]
        if row is None:
            return self._make(i + 1 if i >= 0 else len(self._rows) + i + 1)
        return row

    def __setitem__(self, i: int, row: list[Content]) -> None:
        """A row released once written (openpyxl_writer._stream_body): a made row is not kept anyway."""
        if self._rows[i] is not None:
            self._rows[i] = row

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(
            a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # as a list


@dataclass(frozen=True)
class Style:
    """A named cell style, plain data both writers understand."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    font_color: str | None = None  # "RRGGBB"
    fill: str | None = None  # "RRGGBB"
    number_format: str | None = None
    wrap: bool = False
    align: str | None = None  # "left" | "center" | "right" | "justify"
    border: bool = False
    font: str | None = None  # font name; None: the workbook's
    underline: bool = False
    valign: str | None = None  # "top" | "center"


@dataclass(frozen=True)
class StyleSpan:
    style: str  # key of STYLES
    first_row: int
    first_col: int
    last_row: int
    last_col: int


@dataclass(frozen=True)
class ChartSpec:
    """A clustered bar chart of one data column against one category column (rows first..last)."""

    title: str
    categories_col: int
    values_col: int
    header_row: int
    first_row: int
    last_row: int
    anchor: str  # top-left cell, e.g. "J3"
    y_title: str = ""


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: its values in column `col`, rows first..last; named by a header cell."""

    title_cell: tuple[int, int]  # (row, col)
    col: int
    first_row: int
    last_row: int


@dataclass(frozen=True)
class BarChartSpec:
    """A clustered bar chart of one or more series against one category column (the Dasbor's)."""

    title: str
    bar_dir: str  # "bar" (horizontal) or "col"
    categories_col: int
    first_row: int
    last_row: int
    series: tuple[Series, ...]
    anchor: str  # top-left cell
    y_title: str = ""
    height: float = 7.5  # cm
    width: float = 16.0  # cm


@dataclass(frozen=True)
class PictureSpec:
    """A picture placed on the sheet; `png()` draws it (lazily: only a writer that places it pays)."""

    png: Callable[[], bytes] = field(compare=False)
    anchor: str  # top-left cell
    width_px: int  # shown this wide, height in proportion


@dataclass(frozen=True)
class PageSpec:
    """Page setup and print layout."""

    orientation: str = "landscape"  # "portrait"
    paper: str = "A4"  # "A3"
    fit_wide: int | None = 1  # pages wide (None: no fitting, print at 100 %)
    fit_tall: int | None = None  # pages tall; None: as many as needed
    center_horizontally: bool = False
    margins: tuple[float, float, float, float] | None = None  # left, right, top, bottom (inches)
    print_area: tuple[int, int] | None = None  # (last row, last col) of A1:..; None: the used range
    row_breaks: tuple[int, ...] = ()  # a page break after each of these rows
    gridlines: bool = True  # shown on screen
    freeze: str | None = None  # top-left cell of the scrolling pane, e.g. "A3"


@dataclass(frozen=True)
class Look:
    """What a sheet of a report kind needs beyond its cells, styles, widths and row heights, for the writer
    that renders it from the plan (the ribbon's): merged ranges, cell styles of its own style table, page
    setup, charts, pictures. The openpyxl writer finishes these kinds from the same layout (kinds.py)."""

    merges: tuple[tuple[int, int, int, int], ...] = ()  # (first row, first col, last row, last col)
    spans: tuple[StyleSpan, ...] = ()  # styles of `styles` below (or of STYLES)
    styles: dict[str, Style] = field(default_factory=dict)
    column_widths: dict[int, float] = field(default_factory=dict)
    page: PageSpec | None = None
    charts: tuple[BarChartSpec, ...] = ()
    pictures: tuple[PictureSpec, ...] = ()
    base: Style | None = None  # the style of every cell of the block before the spans (fewer calls)


@dataclass
class SheetPlan:
    name: str
    kind: str  # the marker kind (xl_sakip/kinds.py)
    key: str  # position code of a unit sheet; "RINGKASAN" for the summary; the kind's own key otherwise
    cells: list[list[Content]] | MadeRows  # rows x columns from A1; rectangular
    # Unit sheets: rows body_first..body_last take the style of the template's body row.
    body_first: int | None = None
    body_last: int | None = None
    styles: list[StyleSpan] = field(default_factory=list)  # summary: explicit styles
    column_widths: dict[int, float] = field(default_factory=dict)  # summary only (units: from template)
    charts: list[ChartSpec] = field(default_factory=list)
    # Row heights (points) for wrapped text, estimated from the master's text lengths: neither Excel nor
    # LibreOffice fits them when a file is opened.
    row_heights: dict[int, float] = field(default_factory=dict)
    look: Look | None = None  # report kinds: merges, page setup, charts, pictures (see Look)
    # Report kinds: body rows (first, last) alike in style, written in row chunks where they can be
    # (sheets/openpyxl_writer.write_report; issue 13, memory).
    stream: tuple[int, int] | None = None

    def style(self, key: str) -> Style:
        """A span's style: the look's own table first (a report kind's styles), then STYLES."""
        if self.look is not None and key in self.look.styles:
            return self.look.styles[key]
        return STYLES[key]

    @property
    def n_rows(self) -> int:
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        return len(self.cells[0]) if self.cells else 0


@dataclass
class WorkbookPlan:
    sheets: list[SheetPlan]  # unit sheets in position order, then the summary

    def by_name(self) -> dict[str, SheetPlan]:
        return {p.name: p for p in self.sheets}


STYLES: dict[str, Style] = {
    "title": Style(bold=True, size=14),
    "head": Style(bold=True, font_color="FFFFFF", fill="1F4E78", wrap=True, border=True, align="center"),
    "text": Style(wrap=True, border=True),
    "number": Style(number_format="#,##0.00", border=True),
    "numberwrap": Style(number_format="#,##0.00", border=True, wrap=True),  # a number, or why there is none
    "count": Style(number_format="0", border=True, align="center"),
    "number0": Style(number_format="#,##0", border=True),  # a count (Jenis "jumlah") in a number column
    "note": Style(italic=True, font_color="595959"),
    # Rupiah shown in millions (the two trailing commas divide by 1 000 000 on display only: the cell holds
    # the rupiah the rules computed), Indonesian separators by the locale: 1.200,00 for Rp 1,2 miliar.
    "rupiah_juta": Style(number_format="#,##0.00,,", border=True),
    "subhead": Style(bold=True, size=12),
    "total": Style(bold=True, border=True, wrap=True),
}
