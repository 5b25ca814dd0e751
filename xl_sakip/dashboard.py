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

import math
from dataclasses import dataclass, field, replace

from xl_sakip.book import schema as s
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.efficiency import budget_layout
from xl_sakip.core.models import Cascade, Indicator
from xl_sakip.core.rollup import component_of
from xl_sakip.sheets import index as ix
from xl_sakip.sheets import refs as rf
from xl_sakip.sheets import textfit as tf
from xl_sakip.sheets import unit_budget as ub
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.names import quote_sheet
from xl_sakip.sheets.plan import BarChartSpec as ChartDef
from xl_sakip.sheets.plan import Content, Formula, Look, PageSpec, Series, SheetPlan, StyleSpan, cell_ref

DASHBOARD_SHEET = "Dasbor"
DASHBOARD_KIND, DASHBOARD_KEY = "dasbor", "DASBOR"
CHART_COL = 9  # charts start in column I
WIDTHS: dict[int, float] = {1: 34, 2: 40, 3: 13, 4: 13, 5: 13, 6: 12}
# Columns the tables' own formulas refer to (table 1: Kode | Jabatan | Jumlah Indikator | Capaian
# Terhitung | Rata-rata; table 2: Kategori | Jumlah; table 3: Komponen | ID | Nilai Maksimum | Target |
# Realisasi | Capaian).
T1_COUNT, T1_COMPUTED = 3, 4
T2_LABEL = 1
T3_NAME, T3_MAX = 1, 3


@dataclass
class DashLayout:
    cells: list[list[Content]] = field(default_factory=list)
    styles: list[StyleSpan] = field(default_factory=list)
    charts: list[ChartDef] = field(default_factory=list)
    shows: dict[tuple[int, int], str] = field(default_factory=dict)  # what formula cells show (heights)
    positions: tuple[int, int] = (0, 0)  # first, last row of table 1
    categories: tuple[int, int] = (0, 0)
    components: tuple[int, int] = (0, 0)
    details: tuple[int, int] = (0, 0)  # first, last row of table 4 (one row per position with a unit sheet)
    budget: tuple[int, int] = (0, 0)  # first, last row of table 5 (budget and efficiency; issue 15)
    width: int = 6  # columns of `cells`

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
            c = rf.L(col)
            last = ul.FIRST_BODY_ROW + n - 1
            out.append(f"{quote_sheet(names[pos.code])}!${c}${ul.FIRST_BODY_ROW}:${c}${last}")
    return out


def dashboard_layout(cascade: Cascade, names: dict[str, str]) -> DashLayout:
    """`names`: position code -> its unit sheet (as planned by xl_sakip.sheets.plan)."""
    ref = cascade.reference
    assert ref is not None
    lay = DashLayout()
    by_pos = ix.indicators_by_position(cascade)
    counts = {code: len(inds) for code, inds in by_pos.items()}
    lay.row(Formula(f'="DASBOR KINERJA TAHUN "&{rf.SET_YEAR}{ub.version_suffix(cascade)}'))
    lay.styles.append(StyleSpan("title", 1, 1, 1, 1))
    lay.row(Formula(f"={rf.SET_OFFICE}"))
    n = lay.row("Angka di sheet ini adalah rumus yang merujuk ke sheet unit; grafik membaca tabel di sheet "
                f"ini. Setelah menambah jabatan atau indikator, {ul.REGENERATE}.")
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
        k = rf.sheet_area(sh, ul.C_CAPAIAN, ul.FIRST_BODY_ROW, ul.FIRST_BODY_ROW + n_ind - 1)
        lay.shows[(len(lay.cells) + 1, 2)] = pos.title
        lay.row(pos.code, cell_ref(sh, ul.VALUE_COL, ul.JABATAN_ROW), n_ind,
                Formula(f"=COUNT({k})"), Formula(f'=IF(COUNT({k})=0,"",AVERAGE({k}))'))
    last1 = len(lay.cells)
    lay.positions = (h1 + 1, last1)
    # Every formula stays far below Excel's 8 192 characters whatever the number of positions: the totals
    # below sum the columns of table 4 (one row per position) instead of naming every unit sheet in one
    # formula (issue 13). Table 4's rows are known now, so the totals can point at them.
    with_sheet = [pos for pos in cascade.positions if counts.get(pos.code, 0) and pos.code in names]
    n_cat = len(ref.bands) + 3  # bands, above target, no realisasi yet, not computable (other reason)
    tot = len(lay.cells) + 1
    h2 = tot + 3  # after the total row, a blank row and the title of table 2
    first2 = h2 + 1
    last2 = first2 + n_cat - 1
    n_ipk = sum(map(len, _ipk_items(cascade, names)))
    h3 = last2 + 3
    # Table 4 starts below the charts that float over columns I.. (the IPK chart from h2, 9 cm; the
    # positions' chart from h1): rows are at least 15 pt (0,53 cm) high.
    chart1_rows = math.ceil(max(7.5, 0.55 * (last1 - h1)) / 0.53)
    h4 = max(h3 + n_ipk + 3, h2 + 20, h1 + chart1_rows + 3)
    first4, last4 = h4 + 1, h4 + len(with_sheet)
    sum_col = 2 + n_cat  # table 4: Kode, the n_cat counts, the sum of the capaian
    count, computed = rf.L(T1_COUNT), rf.L(T1_COMPUTED)
    lay.row("Semua", "Seluruh jabatan", Formula(f"=SUM({count}{h1 + 1}:{count}{last1})"),
            Formula(f"=SUM({computed}{h1 + 1}:{computed}{last1})"),
            Formula(f'=IF({computed}{tot}=0,"",'
                    f'SUM({rf.column_area(sum_col, first4, last4)})/{computed}{tot})')
            if with_sheet else "")
    lay.styles += [StyleSpan("text", h1 + 1, 1, tot, 2), StyleSpan("count", h1 + 1, 3, tot, 4),
                   StyleSpan("number", h1 + 1, 5, tot, 5)]
    lay.charts.append(ChartDef("Rata-rata capaian per jabatan (%)", "bar", 1, h1 + 1, last1,
                               (Series((h1, 5), 5, h1 + 1, last1),), f"{rf.L(CHART_COL)}{h1}", "Capaian (%)",
                               max(7.5, 0.55 * (last1 - h1))))
    lay.row()

    # 2. Indicators per category: the column sums of table 4
    t = lay.row("Jumlah indikator per kategori capaian")
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    assert lay.row("Kategori", "Jumlah Indikator") == h2
    lay.styles.append(StyleSpan("head", h2, 1, h2, 2))

    def total(k: int) -> Formula | int:
        """Sum of the k-th count column of table 4 (0 when no position has a unit sheet)."""
        return Formula(f"=SUM({rf.column_area(2 + k, first4, last4)})") if with_sheet else 0

    labels: list[Content] = []
    for i in range(len(ref.bands)):
        lay.shows[(len(lay.cells) + 1, 1)] = ref.bands[i].label
        labels.append(Formula(f"=INDEX({rf.BAND_LABEL},{i + 1})"))
    lay.shows[(len(lay.cells) + len(labels) + 1, 1)] = ref.above_target_label
    labels += [Formula(f"={rf.SET_ABOVE}"), "Belum ada realisasi", "Tidak dapat dihitung (sebab lain)"]
    for k, label in enumerate(labels):
        lay.row(label, total(k))
    assert len(lay.cells) == last2
    lay.categories = (first2, last2)
    lay.styles += [StyleSpan("text", first2, 1, last2, 1), StyleSpan("count", first2, 2, last2, 2)]
    lay.row()

    # 3. IPK components: target against realisasi
    t = lay.row("Komponen Indeks Pembangunan Ketenagakerjaan (IPK): target dan realisasi")
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    assert lay.row("Komponen IPK", "ID", "Nilai Maksimum", "Target", "Realisasi", "Capaian (%)") == h3
    lay.styles.append(StyleSpan("head", h3, 1, h3, 6))
    rows = ix.unit_rows(cascade, by_pos)
    max_col = rf.col(s.TABLE_IPK, s.IPK_COLUMNS[2].header)
    name_col = rf.col(s.TABLE_IPK, s.IPK_COLUMNS[1].header)
    components, ipks = _ipk_items(cascade, names)
    for comp_name, ind in components:
        sh, rr = names[ind.position], rows[ind.id]
        r = len(lay.cells) + 1
        # The name as MATCH finds that very text (its * ? ~ escaped: a component named "IPK*" would find the
        # first name beginning with IPK).
        name = fx.render(rules.match_text(fx.Cell(T3_NAME, r, abs_col=True)))
        match = f"MATCH({name},{name_col},0)"
        lay.row(comp_name, ind.id, Formula(f'=IFERROR(INDEX({max_col},{match}),"")'),
                cell_ref(sh, ul.C_TARGET, rr), cell_ref(sh, ul.C_PAKAI, rr),
                cell_ref(sh, ul.C_CAPAIAN, rr))
    last3 = len(lay.cells)
    lay.components = (h3 + 1, last3)
    for ind in ipks:
        sh, rr = names[ind.position], rows[ind.id]
        top = rf.L(T3_MAX)
        lay.row(f"IPK ({ind.indikator.strip()})", ind.id, Formula(f"=SUM({top}{h3 + 1}:{top}{last3})"),
                cell_ref(sh, ul.C_TARGET, rr), cell_ref(sh, ul.C_PAKAI, rr),
                cell_ref(sh, ul.C_CAPAIAN, rr))
    end = len(lay.cells)
    if end > h3:
        lay.styles += [StyleSpan("text", h3 + 1, 1, end, 2), StyleSpan("number", h3 + 1, 3, end, 6)]
    if last3 > h3:
        lay.charts.append(ChartDef(
            "Komponen IPK: target dan realisasi", "col", 1, h3 + 1, last3,
            (Series((h3, 4), 4, h3 + 1, last3), Series((h3, 5), 5, h3 + 1, last3)),
            f"{rf.L(CHART_COL)}{h2}", "Nilai", 9.0))
    lay.charts.insert(1, ChartDef("Jumlah indikator per kategori", "col", 1, h2 + 1, last2,
                                  (Series((h2, 2), 2, h2 + 1, last2),), f"{rf.L(CHART_COL + 10)}{h1}",
                                  "Indikator", 9.0))

    # 4. Per position: indicators per category and the sum of their capaian (what tables 1 and 2 total)
    while len(lay.cells) < h4 - 2:
        lay.row()
    t = lay.row("Rincian per jabatan: jumlah indikator per kategori capaian")
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    heads: list[Content] = ["Kode Jabatan"]
    for k in range(n_cat):
        # the label of table 2 (a band label can be edited)
        heads.append(Formula(f"={rf.absolute(T2_LABEL, first2 + k)}"))
        shown = lay.shows.get((first2 + k, 1))
        lay.shows[(h4, 2 + k)] = shown if shown is not None else str(labels[k])
    heads.append("Jumlah Capaian (%)")  # over the indicators with a capaian: the total average of table 1
    assert lay.row(*heads) == h4
    lay.styles.append(StyleSpan("head", h4, 1, h4, sum_col))
    not_yet_col = rf.L(n_cat)  # the count column of "Belum ada realisasi"
    for pos in with_sheet:
        r = len(lay.cells) + 1
        sh, last = quote_sheet(names[pos.code]), ul.FIRST_BODY_ROW + counts[pos.code] - 1
        kat = f"{sh}!{rf.column_area(ul.C_KATEGORI, ul.FIRST_BODY_ROW, last)}"
        cap = f"{sh}!{rf.column_area(ul.C_CAPAIAN, ul.FIRST_BODY_ROW, last)}"
        # Counted on the reason column (core/rules.capaian_reason): no realisasi is that reason; any other
        # filled reason is "another cause". The capaian's words are never read back.
        why = f"{sh}!{rf.column_area(ul.C_ALASAN, ul.FIRST_BODY_ROW, last)}"
        cells: list[Content] = [pos.code]
        # Labels counted with "=", not as COUNTIF criteria (refs.count_equal): they are typed by planners.
        cells += [Formula(f"={rf.count_equal(kat, rf.absolute(T2_LABEL, first2 + k))}")
                  for k in range(n_cat - 2)]
        cells.append(Formula(f"=COUNTIF({why},{rf.text_literal(w.NO_REALISASI)})"))
        cells.append(Formula(f'=COUNTIF({why},"?*")-{not_yet_col}{r}'))
        cells.append(Formula(f"=SUM({cap})"))
        lay.row(*cells)
    lay.details = (first4, last4)
    assert len(lay.cells) == last4
    if with_sheet:
        lay.styles += [StyleSpan("text", first4, 1, last4, 1),
                       StyleSpan("count", first4, 2, last4, sum_col - 1),
                       StyleSpan("number", first4, sum_col, last4, sum_col)]
    if cascade.budget:
        _budget_table(lay, cascade, names, by_pos)
    lay.width = max(6, sum_col)
    lay.cells = [(r + [None] * (lay.width - len(r)))[:lay.width] for r in lay.cells]
    return lay


BUDGET_HEADS = ("Kode", "Jabatan", "Pagu Berlaku (juta Rp)", "Realisasi s.d. TW (juta Rp)", "Serapan (%)",
                "Capaian Kinerja (%)", "Efisiensi", "Keterangan")


def _budget_table(lay: DashLayout, cascade: Cascade, names: dict[str, str],
                  by_pos: dict[str, list[Indicator]]) -> None:
    """5. Budget and efficiency per position (issue 15): the position's line of the efficiency table on
    its unit sheet (sheets/unit_budget.py), by reference; the formula chosen in Pengaturan is named."""
    lay.row()
    quarter = fx.render(rules.quarter_to_date())
    t = lay.row(Formula(f'="Anggaran dan efisiensi per jabatan (s.d. TW "&{quarter}'
                        f'&"; rumus efisiensi: "&{rules.NAME_EFFICIENCY}&")"'))
    lay.styles.append(StyleSpan("title", t, 1, t, 1))
    h5 = lay.row(*BUDGET_HEADS)
    lay.styles.append(StyleSpan("head", h5, 1, h5, len(BUDGET_HEADS)))
    for pos in cascade.positions:
        sh = names.get(pos.code)
        if sh is None:
            continue
        inds = by_pos.get(pos.code, [])
        block = ub.plan_block(budget_layout(cascade, pos.code), pos.code,
                              {i.id: ul.FIRST_BODY_ROW + k for k, i in enumerate(inds)}, len(inds), 0)
        tr = block.total_row
        lay.shows[(len(lay.cells) + 1, 2)] = pos.title
        lay.row(pos.code, cell_ref(sh, ul.VALUE_COL, ul.JABATAN_ROW),
                *(cell_ref(sh, c, tr) for c in (ub.E_PAGU, ub.E_REAL, ub.E_SERAPAN,
                                                            ub.E_CAPAIAN, ub.E_NILAI, ub.E_KET)))
    last5 = len(lay.cells)
    if last5 > h5:
        lay.styles += [StyleSpan("text", h5 + 1, 1, last5, 2),
                       StyleSpan("rupiah_juta", h5 + 1, 3, last5, 4),
                       StyleSpan("number", h5 + 1, 5, last5, 7), StyleSpan("text", h5 + 1, 8, last5, 8)]
    lay.budget = (h5 + 1, last5)


def _ipk_items(cascade: Cascade, names: dict[str, str]
               ) -> tuple[list[tuple[str, Indicator]], list[Indicator]]:
    """The rows of table 3: (component name, indicator) of every IPK sub-value on a unit sheet, in master
    order, then the IPK indicators they support (on a unit sheet too)."""
    ref = cascade.reference
    assert ref is not None
    by_id = {i.id: i for i in cascade.indicators}
    components: list[tuple[str, Indicator]] = []
    ipk_ids: list[str] = []
    for ind in cascade.indicators:
        parent = by_id.get(ind.supports or "")
        comp = component_of(ind, parent, ref)
        if comp is None or ind.position not in names:
            continue
        if parent is not None and parent.id not in ipk_ids:
            ipk_ids.append(parent.id)
        components.append((comp.name, ind))
    return components, [by_id[i] for i in ipk_ids if by_id[i].position in names]


def plan_dashboard(cascade: Cascade, names: dict[str, str], name: str = DASHBOARD_SHEET) -> SheetPlan:
    """The Dasbor sheet as a plan (kind "dasbor", key "DASBOR"); charts come from `finish_dashboard`."""
    lay = dashboard_layout(cascade, names)
    widths = {**WIDTHS, **{c: 13.0 for c in range(len(WIDTHS) + 1, lay.width + 1)}}  # table 4's counts
    heights = tf.wrapped_heights(lay.cells, lay.styles, widths, lay.shows)
    charts = tuple(replace(cd, width=17.0 if cd.bar_dir == "col" else 16.0) for cd in lay.charts
                   if cd.last_row >= cd.first_row)
    look = Look(charts=charts, page=PageSpec(freeze="A3"))
    return SheetPlan(name=name, kind=DASHBOARD_KIND, key=DASHBOARD_KEY, cells=lay.cells, styles=lay.styles,
                     column_widths=widths, row_heights=heights, look=look)


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
            ser.tx = SeriesLabel(strRef=StrRef(f"{quote_sheet(ws.title)}!${rf.L(sr.title_cell[1])}"
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
