"""The "Dasbor" sheet: what the Kepala Dinas looks at each quarter.

Three tables of formulas that read the unit sheets (so they follow the realisasi typed into Indikator
without Python), and a chart over each:
1. capaian per position: indicators, capaian computed, average capaian (%) -> bar chart;
2. indicators per category (the bands of Ref_Kategori, above target, not computable, no realisasi yet)
   -> column chart;
3. the IPK components: maximum, target, realisasi used (rolled up from the sub-indicators where they
   exist) and capaian, and the IPK itself -> clustered column chart, target against realisasi.

Charts are openpyxl bar charts (c:barChart): Excel and LibreOffice both draw them. `dashboard_layout`
says where every table and chart series is, so tests check the charts' data ranges against it and
against figures worked out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xl_sakip.core.models import Cascade
from xl_sakip.core.rollup import component_of
from xl_sakip.sheets import plan as p
from xl_sakip.sheets.names import SUMMARY_SHEET, quote_sheet
from xl_sakip.sheets.plan import Content, Formula, SheetPlan, StyleSpan

DASHBOARD_SHEET = "Dasbor"
DASHBOARD_KIND, DASHBOARD_KEY = "dasbor", "DASBOR"
NOT_YET = p.NC + "realisasi belum diisi"  # what a unit sheet's Capaian shows before any realisasi
CHART_COL = 9  # charts start in column I
WIDTHS: dict[int, float] = {1: 34, 2: 40, 3: 13, 4: 13, 5: 13, 6: 12}


@dataclass(frozen=True)
class Series:
    title_cell: tuple[int, int]  # (row, col) of the header naming the series
    col: int
    first_row: int
    last_row: int


@dataclass(frozen=True)
class ChartDef:
    title: str
    bar_dir: str  # "bar" (horizontal) or "col"
    categories_col: int
    first_row: int
    last_row: int
    series: tuple[Series, ...]
    anchor: str
    y_title: str = ""
    height: float = 7.5  # cm


@dataclass
class DashLayout:
    cells: list[list[Content]] = field(default_factory=list)
    styles: list[StyleSpan] = field(default_factory=list)
    charts: list[ChartDef] = field(default_factory=list)
    shows: dict[tuple[int, int], str] = field(default_factory=dict)  # what formula cells show (heights)
    positions: tuple[int, int] = (0, 0)  # first, last row of table 1
    categories: tuple[int, int] = (0, 0)
    components: tuple[int, int] = (0, 0)

    def row(self, *values: Content) -> int:
        self.cells.append(list(values))
        return len(self.cells)


def _ranges(cascade: Cascade, names: dict[str, str], col: int, counts: dict[str, int]) -> list[str]:
    """The range of column `col` over the indicator rows of every unit sheet (`counts`: code -> number of
    indicators)."""
    out = []
    for pos in cascade.positions:
        n = counts.get(pos.code, 0)
        if n and pos.code in names:
            c = p.L(col)
            last = p.FIRST_BODY_ROW + n - 1
            out.append(f"{quote_sheet(names[pos.code])}!${c}${p.FIRST_BODY_ROW}:${c}${last}")
    return out


def dashboard_layout(cascade: Cascade, names: dict[str, str]) -> DashLayout:
    """`names`: position code -> its unit sheet (as planned by xl_sakip.sheets.plan)."""
    ref = cascade.reference
    assert ref is not None
    lay = DashLayout()
    by_pos = p.indicators_by_position(cascade)
    counts = {code: len(inds) for code, inds in by_pos.items()}
    lay.row(Formula(f'="DASBOR KINERJA TAHUN "&{p.SET_YEAR}'))
    lay.styles.append(StyleSpan("title", 1, 1, 1, 1))
    lay.row(Formula(f"={p.SET_OFFICE}"))
    n = lay.row("Angka di sheet ini adalah rumus yang merujuk ke sheet unit; grafik membaca tabel di sheet "
                "ini. Setelah menambah jabatan atau indikator, jalankan xl-sakip regenerate (tombol Buat "
                "Ulang Sheet Unit tidak menulis ulang Dasbor).")
    lay.styles.append(StyleSpan("note", n, 1, n, 1))
    lay.row()

    # 1. Capaian per position
    t = lay.row("Capaian per jabatan")
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    h1 = lay.row("Kode", "Jabatan", "Jumlah Indikator", "Capaian Terhitung", "Rata-rata Capaian (%)")
    lay.styles.append(StyleSpan("head", h1, 1, h1, 5))
    for pos in cascade.positions:
        n_ind = counts.get(pos.code, 0)
        sh = names.get(pos.code)
        if sh is None or not n_ind:
            lay.row(pos.code, pos.title, n_ind, 0, "")
            continue
        k = f"{quote_sheet(sh)}!$K${p.FIRST_BODY_ROW}:$K${p.FIRST_BODY_ROW + n_ind - 1}"
        lay.shows[(len(lay.cells) + 1, 2)] = pos.title
        lay.row(pos.code, Formula(f"={quote_sheet(sh)}!$C$4"), n_ind, Formula(f"=COUNT({k})"),
                Formula(f'=IF(COUNT({k})=0,"",AVERAGE({k}))'))
    last1 = len(lay.cells)
    lay.positions = (h1 + 1, last1)
    all_k = _ranges(cascade, names, p.C_CAPAIAN, counts)
    tot = lay.row("Semua", "Seluruh jabatan", Formula(f"=SUM(C{h1 + 1}:C{last1})"),
                  Formula(f"=SUM(D{h1 + 1}:D{last1})"),
                  Formula(f'=IF(D{last1 + 1}=0,"",AVERAGE({",".join(all_k)}))') if all_k else "")
    lay.styles += [StyleSpan("text", h1 + 1, 1, tot, 2), StyleSpan("count", h1 + 1, 3, tot, 4),
                   StyleSpan("number", h1 + 1, 5, tot, 5)]
    lay.charts.append(ChartDef("Rata-rata capaian per jabatan (%)", "bar", 1, h1 + 1, last1,
                               (Series((h1, 5), 5, h1 + 1, last1),), f"{p.L(CHART_COL)}{h1}", "Capaian (%)",
                               max(7.5, 0.55 * (last1 - h1))))
    lay.row()

    # 2. Indicators per category
    t = lay.row("Jumlah indikator per kategori capaian")
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    h2 = lay.row("Kategori", "Jumlah Indikator")
    lay.styles.append(StyleSpan("head", h2, 1, h2, 2))
    all_l = _ranges(cascade, names, p.C_KATEGORI, counts)

    def count(criteria: str, ranges: list[str]) -> Formula | int:
        return Formula("=" + "+".join(f"COUNTIF({r},{criteria})" for r in ranges)) if ranges else 0

    for i in range(len(ref.bands)):
        r = len(lay.cells) + 1
        lay.shows[(r, 1)] = ref.bands[i].label
        lay.row(Formula(f"=INDEX({p.BAND_LABEL},{i + 1})"), count(f"$A{r}", all_l))
    r = len(lay.cells) + 1
    lay.shows[(r, 1)] = ref.above_target_label
    lay.row(Formula(f"={p.SET_ABOVE}"), count(f"$A{r}", all_l))
    r = len(lay.cells) + 1
    lay.row("Belum ada realisasi", count(p.text_literal(NOT_YET), all_k))
    not_yet = r
    other = count(p.text_literal(p.NC + "*"), all_k)
    lay.row("Tidak dapat dihitung (sebab lain)",
            Formula(f"={other.text[1:]}-B{not_yet}") if isinstance(other, Formula) else 0)
    last2 = len(lay.cells)
    lay.categories = (h2 + 1, last2)
    lay.styles += [StyleSpan("text", h2 + 1, 1, last2, 1), StyleSpan("count", h2 + 1, 2, last2, 2)]
    lay.row()

    # 3. IPK components: target against realisasi
    t = lay.row("Komponen Indeks Pembangunan Ketenagakerjaan (IPK): target dan realisasi")
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    h3 = lay.row("Komponen IPK", "ID", "Nilai Maksimum", "Target", "Realisasi", "Capaian (%)")
    lay.styles.append(StyleSpan("head", h3, 1, h3, 6))
    rows = p.unit_rows(cascade, by_pos)
    by_id = {i.id: i for i in cascade.indicators}
    ipk_ids: list[str] = []
    max_col = p.col(p.s.TABLE_IPK, p.s.IPK_COLUMNS[2].header)
    name_col = p.col(p.s.TABLE_IPK, p.s.IPK_COLUMNS[1].header)
    for ind in cascade.indicators:
        parent = by_id.get(ind.supports or "")
        comp = component_of(ind, parent, ref)
        if comp is None or ind.position not in names:
            continue
        if parent is not None and parent.id not in ipk_ids:
            ipk_ids.append(parent.id)
        sh, rr = names[ind.position], rows[ind.id]
        r = len(lay.cells) + 1
        lay.row(comp.name, ind.id, Formula(f'=IFERROR(INDEX({max_col},MATCH($A{r},{name_col},0)),"")'),
                Formula(f"={p.ref(sh, p.C_TARGET, rr)}"), Formula(f"={p.ref(sh, p.C_PAKAI, rr)}"),
                Formula(f"={p.ref(sh, p.C_CAPAIAN, rr)}"))
    last3 = len(lay.cells)
    lay.components = (h3 + 1, last3)
    for iid in ipk_ids:
        ind = by_id[iid]
        if ind.position not in names:
            continue
        sh, rr = names[ind.position], rows[iid]
        lay.row(f"IPK ({ind.indikator.strip()})", iid, Formula(f"=SUM(C{h3 + 1}:C{last3})"),
                Formula(f"={p.ref(sh, p.C_TARGET, rr)}"), Formula(f"={p.ref(sh, p.C_PAKAI, rr)}"),
                Formula(f"={p.ref(sh, p.C_CAPAIAN, rr)}"))
    end = len(lay.cells)
    if end > h3:
        lay.styles += [StyleSpan("text", h3 + 1, 1, end, 2), StyleSpan("number", h3 + 1, 3, end, 6)]
    if last3 > h3:
        lay.charts.append(ChartDef(
            "Komponen IPK: target dan realisasi", "col", 1, h3 + 1, last3,
            (Series((h3, 4), 4, h3 + 1, last3), Series((h3, 5), 5, h3 + 1, last3)),
            f"{p.L(CHART_COL)}{h2}", "Nilai", 9.0))
    lay.charts.insert(1, ChartDef("Jumlah indikator per kategori", "col", 1, h2 + 1, last2,
                                  (Series((h2, 2), 2, h2 + 1, last2),), f"{p.L(CHART_COL + 10)}{h1}",
                                  "Indikator", 9.0))
    width = 6
    lay.cells = [(r + [None] * (width - len(r)))[:width] for r in lay.cells]
    return lay


def plan_dashboard(cascade: Cascade, names: dict[str, str], name: str = DASHBOARD_SHEET) -> SheetPlan:
    """The Dasbor sheet as a plan (kind "dasbor", key "DASBOR"); charts come from `finish_dashboard`."""
    lay = dashboard_layout(cascade, names)
    heights = p.wrapped_heights(lay.cells, lay.styles, WIDTHS, lay.shows)
    return SheetPlan(name=name, kind=DASHBOARD_KIND, key=DASHBOARD_KEY, cells=lay.cells, styles=lay.styles,
                     column_widths=WIDTHS, row_heights=heights)


def finish_dashboard(ws, cascade: Cascade, names: dict[str, str]) -> None:
    """Add the charts to the Dasbor sheet written from `plan_dashboard`."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import StrRef
    from openpyxl.chart.series import SeriesLabel

    lay = dashboard_layout(cascade, names)
    for cd in lay.charts:
        if cd.last_row < cd.first_row:
            continue
        chart = BarChart()
        chart.type = cd.bar_dir
        chart.grouping = "clustered"
        chart.title = cd.title
        chart.y_axis.title = cd.y_title
        chart.y_axis.majorGridlines = chart.y_axis.majorGridlines  # keep openpyxl's default gridlines
        # openpyxl hides axes unless told otherwise (delete=True); both engines must show them.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        for sr in cd.series:
            data = Reference(ws, min_col=sr.col, min_row=sr.first_row, max_row=sr.last_row)
            chart.add_data(data, titles_from_data=False)
            ser = chart.series[-1]
            ser.tx = SeriesLabel(strRef=StrRef(f"{quote_sheet(ws.title)}!${p.L(sr.title_cell[1])}"
                                               f"${sr.title_cell[0]}"))
        chart.set_categories(Reference(ws, min_col=cd.categories_col, min_row=cd.first_row,
                                       max_row=cd.last_row))
        if len(cd.series) == 1:
            chart.legend = None
        else:
            chart.legend.position = "b"
        chart.height = cd.height
        chart.width = 17 if cd.bar_dir == "col" else 16
        ws.add_chart(chart, cd.anchor)
    # Row heights of wrapped text (header rows included) come with the plan (`plan_dashboard`).
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4


def write_dashboard(wb, cascade: Cascade, names: dict[str, str], index: int | None = None):
    """Write the Dasbor sheet (with its marker and charts) into an openpyxl workbook."""
    from xl_sakip.sheets.openpyxl_writer import write_sheet

    ws = write_sheet(wb, plan_dashboard(cascade, names), index)
    finish_dashboard(ws, cascade, names)
    return ws


# ------------------------------------------------------------------ all report sheets at once

REPORT_KINDS = ("pk", DASHBOARD_KIND, "pohon")


def unit_sheet_names(wb) -> dict[str, str]:
    """Position code -> its generated unit sheet in an openpyxl workbook (found by marker)."""
    from xl_sakip.sheets.openpyxl_writer import read_marker

    return {m.key: ws.title for ws in wb.worksheets
            if (m := read_marker(ws)) is not None and m.kind == "unit"}


def write_report_sheets(wb, cascade: Cascade, *, force: bool = False, pk: bool = True,
                        tree: bool = True) -> list[str]:
    """Replace the Dasbor, the PK sheets and the Pohon Kinerja picture sheet of an openpyxl workbook.

    Call after the unit sheets are written (xl_sakip.regenerate.regenerate_workbook): the Dasbor refers to
    them. Sheets of these kinds that were edited by hand are not replaced without `force`
    (EditedSheetsError names them). Returns the sheet names written, Dasbor first.
    """
    from xl_sakip.errors import EditedSheetsError
    from xl_sakip.pk import pk_sheet_name, write_pk_sheet
    from xl_sakip.sheets.openpyxl_writer import read_marker, sheet_digest, write_sheet
    from xl_sakip.tree import finish_tree_sheet, plan_tree_sheet

    names = unit_sheet_names(wb)
    ours = {ws.title: m for ws in wb.worksheets
            if (m := read_marker(ws)) is not None and m.kind in REPORT_KINDS}
    edited = [t for t, m in ours.items() if sheet_digest(wb[t]) != m.digest]
    if edited and not force:
        raise EditedSheetsError(edited)
    index = {t: wb.sheetnames.index(t) for t in ours}
    for t in ours:
        wb.remove(wb[t])
    # Where they were; a workbook without them gets them right after the Ringkasan (else at the end).
    if index:
        first: int | None = min(index.values())
    elif SUMMARY_SHEET in wb.sheetnames:
        first = wb.sheetnames.index(SUMMARY_SHEET) + 1
    else:
        first = None
    written: list[str] = []
    ws = write_dashboard(wb, cascade, names, first)
    written.append(ws.title)
    at = wb.sheetnames.index(ws.title) + 1
    if tree:
        plan = plan_tree_sheet(cascade, set(wb.sheetnames))
        tws = write_sheet(wb, plan, at)
        finish_tree_sheet(tws, cascade)
        written.append(tws.title)
        at += 1
    if pk:
        taken = set(wb.sheetnames)
        by_pos = p.indicators_by_position(cascade)
        for pos in cascade.positions:
            name = pk_sheet_name(pos, taken)
            taken.add(name)
            write_pk_sheet(wb, cascade, pos.code, name, index=at, inds=by_pos.get(pos.code, []))
            written.append(name)
            at += 1
    return written
