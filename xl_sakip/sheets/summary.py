"""The plan of the Ringkasan sheet: capaian per position and the roll-up (IPK) tree, from the unit sheets."""

from __future__ import annotations

from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, RollUp
from xl_sakip.sheets.index import indicators_by_position
from xl_sakip.sheets.names import SUMMARY_SHEET
from xl_sakip.sheets.plan import ChartSpec, Content, Formula, SheetPlan, StyleSpan, cell_ref
from xl_sakip.sheets.refs import BAND_LABEL, SET_ABOVE, SET_OFFICE, SET_YEAR, L, count_equal, ref, sheet_area
from xl_sakip.sheets.textfit import wrapped_heights
from xl_sakip.sheets.unit_budget import version_suffix
from xl_sakip.sheets.unit_layout import (
    C_ALASAN,
    C_CAPAIAN,
    C_INDIKATOR,
    C_KATEGORI,
    C_PAKAI,
    C_SEL_T,
    C_T_ANAK,
    C_TARGET,
    FIRST_BODY_ROW,
    JABATAN_ROW,
    REGENERATE,
    VALUE_COL,
)

SUMMARY_KIND, SUMMARY_KEY = "summary", "RINGKASAN"  # the marker (xl_sakip/kinds.py registers the kind)


def plan_summary(cascade: Cascade, names: dict[str, str], rows: dict[str, int],
                 children: dict[str, list[str]], by_pos: dict[str, list[Indicator]] | None = None
                 ) -> SheetPlan:
    ref_ = cascade.reference
    by_pos = indicators_by_position(cascade) if by_pos is None else by_pos
    assert ref_ is not None
    n_bands = len(ref_.bands)
    grid: list[list[Content]] = []
    styles: list[StyleSpan] = []
    shows: dict[tuple[int, int], str] = {}  # what formula cells will show, for the row heights

    def row(values: list[Content]) -> int:
        grid.append(values)
        return len(grid)

    row([Formula(f'="RINGKASAN CAPAIAN KINERJA TAHUN "&{SET_YEAR}{version_suffix(cascade)}')])
    styles.append(StyleSpan("title", 1, 1, 1, 1))
    row([Formula(f"={SET_OFFICE}")])
    row([])
    # Table 1: capaian per position and category counts.
    band_heads: list[Content] = [Formula(f"=INDEX({BAND_LABEL},{i + 1})") for i in range(n_bands)]
    heads: list[Content] = ["Kode", "Jabatan", "Sheet", "Jumlah Indikator", "Rata-rata Capaian (%)",
                            *band_heads, Formula(f"={SET_ABOVE}"), "Tidak Dapat Dihitung"]
    h1 = row(heads)
    ncols1 = len(heads)
    for i, band in enumerate(ref_.bands):
        shows[(h1, 6 + i)] = band.label
    shows[(h1, 6 + n_bands)] = ref_.above_target_label
    styles.append(StyleSpan("head", h1, 1, h1, ncols1))
    for p in cascade.positions:
        n = len(by_pos.get(p.code, []))
        sh = names[p.code]
        last = FIRST_BODY_ROW + max(n, 1) - 1
        k_rng = sheet_area(sh, C_CAPAIAN, FIRST_BODY_ROW, last)
        l_rng = sheet_area(sh, C_KATEGORI, FIRST_BODY_ROW, last)
        # Not computable: the rows with a reason (core/rules.capaian_reason), counted by the reason cell
        # being filled, never by reading the words of the Capaian column.
        a_rng = sheet_area(sh, C_ALASAN, FIRST_BODY_ROW, last)
        # A label is counted with "=" (refs.count_equal): "<50" or "Baik*" as a COUNTIF criterion would not
        # count the cells holding that label.
        counts: list[Content] = [Formula(f"={count_equal(l_rng, f'{L(6 + i)}${h1}')}")
                                 for i in range(n_bands + 1)]
        shows[(len(grid) + 1, 2)] = p.title
        row([p.code, cell_ref(sh, VALUE_COL, JABATAN_ROW), sh, n,
             Formula(f'=IF(COUNT({k_rng})=0,"tidak ada capaian",AVERAGE({k_rng}))'),
             *counts, Formula(f'=COUNTIF({a_rng},"?*")')])
    last1 = len(grid)
    styles += [StyleSpan("text", h1 + 1, 1, last1, 3), StyleSpan("count", h1 + 1, 4, last1, 4),
               StyleSpan("number", h1 + 1, 5, last1, 5), StyleSpan("count", h1 + 1, 6, last1, ncols1)]
    charts = [ChartSpec("Rata-rata capaian per jabatan (%)", 1, 5, h1, h1 + 1, last1,
                        f"{L(ncols1 + 2)}{h1}", "Capaian (%)")]

    # Table 2: the roll-up (IPK) tree with targets, sums and differences, from the unit sheets.
    row([])
    t = row(["Pohon roll-up (IPK): target, jumlah target pendukung, realisasi dan selisihnya"])
    styles.append(StyleSpan("title", t, 1, t, 1))
    by_id = {i.id: i for i in cascade.indicators}
    tree_heads: list[Content] = ["ID", "Indikator Kinerja", "Jabatan", "Target", "Jumlah Target Pendukung",
                                 "Selisih Target", "Realisasi Dipakai", "Capaian (%)", "Kategori"]
    h2 = row(tree_heads)
    styles.append(StyleSpan("head", h2, 1, h2, len(tree_heads)))
    parents_of = {i.id for i in cascade.indicators if i.id in children}
    roots = [i for i in cascade.indicators if i.id in parents_of
             and not (i.rollup is RollUp.SUM and i.supports in by_id)]
    seen: set[str] = set()
    number0: list[int] = []

    def walk(iid: str, depth: int) -> None:
        if iid in seen or iid not in by_id or by_id[iid].position not in names:
            return
        seen.add(iid)
        ind = by_id[iid]
        sh, rr = names[ind.position], rows[iid]
        cell = lambda c_: cell_ref(sh, c_, rr)  # noqa: E731
        has_kids = iid in children
        row([iid, None, sh, cell(C_TARGET), cell(C_T_ANAK) if has_kids else None,
             cell(C_SEL_T) if has_kids else None, cell(C_PAKAI), cell(C_CAPAIAN), cell(C_KATEGORI)])
        indent = f'REPT(" ",{4 * depth})&' if depth else ""
        grid[-1][1] = Formula(f"={indent}{ref(sh, C_INDIKATOR, rr)}")
        shows[(len(grid), 2)] = " " * 4 * depth + ind.indikator
        if ind.kind is Kind.NUMBER and ind.aggregation is not Aggregation.RATIO:
            number0.append(len(grid))
        for ch in children.get(iid, []):
            walk(ch, depth + 1)

    for root in roots:
        walk(root.id, 0)
    last2 = len(grid)
    if last2 > h2:
        styles += [StyleSpan("text", h2 + 1, 1, last2, 3), StyleSpan("number", h2 + 1, 4, last2, 8),
                   StyleSpan("text", h2 + 1, 9, last2, 9)]
        styles += [StyleSpan("number0", r, 4, r, 7) for r in number0]  # counts: no decimals
    n = row([])
    row(["Angka di sheet ini adalah rumus yang merujuk ke sheet unit dan tabel Indikator; jangan diubah "
         f"manual. Setelah menambah jabatan atau indikator, {REGENERATE}."])
    styles.append(StyleSpan("note", n + 1, 1, n + 1, 1))
    width = max(ncols1, len(tree_heads))
    cells = [(r + [None] * (width - len(r)))[:width] for r in grid]
    # Column 9 holds "Melampaui Target" (table 2); sheet names (column 3) have up to 31 characters.
    widths: dict[int, float] = {1: 10, 2: 48, 3: 33, 4: 12, 5: 14, **{c: 12 for c in range(6, width + 1)},
                                9: 18}
    return SheetPlan(name=SUMMARY_SHEET, kind=SUMMARY_KIND, key=SUMMARY_KEY, cells=cells, styles=styles,
                     column_widths=widths, charts=charts,
                     row_heights=wrapped_heights(cells, styles, widths, shows))
