"""The Permendagri 86/2017 evaluation form (Evaluasi terhadap Hasil Renja Perangkat Daerah), issue 15: one
generated, printable sheet with a row per indicator and each column a pair K (kinerja) / Rp (anggaran):

(1) target akhir Renstra, (2) realisasi s.d. tahun lalu, (3) target tahun ini, (4)-(7) realisasi TW I-IV,
(8) realisasi tahun ini, (9) capaian tahun ini, (10) realisasi kumulatif s.d. tahun ini, (11) capaian
terhadap Renstra; then the footer rows faktor pendorong, faktor penghambat and tindak lanjut (from the
Narasi sheet, reporting quarter).

The K figures of this year are the unit sheet's cells, by reference; the Renstra and earlier-years figures
and every Rp figure are rules of core/rules.py (core/evaluation_form.py evaluates the same trees). Rp for the
Renstra and the earlier years is not in the master (no Renstra budget): those cells stay empty, and the
header says so.
"""

from __future__ import annotations

from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.evaluation_form import final_years, supporting_by_id
from xl_sakip.core.models import Cascade, Indicator, Kind
from xl_sakip.core.rollup import capaian_rolled, walker
from xl_sakip.sheets import index as ix
from xl_sakip.sheets import refs as rf
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.plan import Content, Formula, MadeRows, SheetPlan, StyleSpan, cell_ref
from xl_sakip.sheets.textfit import wrapped_heights
from xl_sakip.sheets.unit_budget import F, version_suffix

EVALUATION_KIND, EVALUATION_KEY = "evaluasi", "EVALUASI-RENJA"
EVALUATION_SHEET = "Evaluasi Renja"

C_NO, C_SASARAN, C_PROGRAM, C_INDIKATOR, C_SATUAN = 1, 2, 3, 4, 5
PAIRS = {k: (6 + 2 * (k - 1), 7 + 2 * (k - 1)) for k in range(1, 12)}  # (K, Rp) of columns (1)..(11)
C_ID = 28
N_COLS = C_ID
GROUP_ROW, HEAD_ROW, NUMBER_ROW = 5, 6, 7
FIRST_ROW = 8
GROUPS = {
    1: "Target Akhir Renstra", 2: "Realisasi s.d. Tahun Lalu", 3: "Target Tahun Ini",
    4: "Realisasi TW I", 5: "Realisasi TW II", 6: "Realisasi TW III", 7: "Realisasi TW IV",
    8: "Realisasi Tahun Ini", 9: "Capaian Tahun Ini (%)", 10: "Realisasi Kumulatif s.d. Tahun Ini",
    11: "Capaian terhadap Renstra (%)",
}
FOOTER = ("Faktor pendorong keberhasilan pencapaian", "Faktor penghambat pencapaian kinerja",
          "Tindak lanjut yang diperlukan pada triwulan atau tahun berikutnya")
NO_RP = "Rp (1), (2), (10), (11): pagu Renstra dan realisasi anggaran tahun lalu belum ada di master: kosong."
WIDTHS = {C_NO: 5, C_SASARAN: 26, C_PROGRAM: 28, C_INDIKATOR: 34, C_SATUAN: 10,
          **{c: 12 for pair in PAIRS.values() for c in pair}, C_ID: 10,
          PAIRS[9][0]: ul.UNIT_WIDTHS[ul.C_CAPAIAN]}  # (9) K shows the unit sheet's capaian, or its reason


def plan_evaluation(cascade: Cascade, units: dict[str, str], name: str = EVALUATION_SHEET) -> SheetPlan:
    """The form as a plan; `units`: position code -> its unit sheet."""
    grid: list[list[Content]] = []
    styles: list[StyleSpan] = []

    def row(*values: Content) -> int:
        grid.append(list(values) + [None] * (N_COLS - len(values)))
        return len(grid)

    row(Formula('="EVALUASI TERHADAP HASIL RENJA PERANGKAT DAERAH (PERMENDAGRI 86/2017) TAHUN "&'
                f'{rf.SET_YEAR}{version_suffix(cascade)}'))
    styles.append(StyleSpan("title", 1, 1, 1, 1))
    row(Formula(f"={rf.SET_OFFICE}"))
    row(F(fx.lift("Periode pelaksanaan: s.d. TW ") & rules.quarter_to_date()
          & "; K = kinerja, Rp = anggaran (juta rupiah). " + NO_RP))
    styles.append(StyleSpan("note", 3, 1, 3, 1))
    row()
    group = [None] * N_COLS
    head = [None] * N_COLS
    numbers = [None] * N_COLS
    for c_, text in ((C_NO, "No"), (C_SASARAN, "Sasaran"), (C_PROGRAM, "Program / Kegiatan"),
                     (C_INDIKATOR, "Indikator Kinerja"), (C_SATUAN, "Satuan"), (C_ID, "ID")):
        group[c_ - 1] = text
    for k, (ck, crp) in PAIRS.items():
        group[ck - 1] = f"({k}) {GROUPS[k]}"
        head[ck - 1], head[crp - 1] = "K", "Rp"
        numbers[ck - 1] = f"({k})"
    row(*group)
    row(*head)
    row(*numbers)
    styles += [StyleSpan("head", GROUP_ROW, 1, NUMBER_ROW, N_COLS)]
    by_pos = ix.indicators_by_position(cascade)
    rows = ix.unit_rows(cascade, by_pos)
    last_years, supporting = final_years(cascade), supporting_by_id(cascade)  # once, not per indicator
    # The body: a row per indicator, made when a writer reads it (MadeRows) from what is kept here, its
    # number, indicator, unit sheet and rows there; the rows' rule trees were most of the plan's memory.
    body: list[tuple[int, Indicator, str, int, int]] = []
    shows: dict[tuple[int, int], str] = {}  # what the reference cells will show, for the row heights
    roll = walker(cascade)  # column (9) shows the unit sheet's capaian: a reason wraps over lines
    k9 = PAIRS[9][0]

    def text_cells(k: int) -> dict[int, Content]:
        n, ind, _, _, _ = body[k]
        items = supporting.get(ind.id.casefold(), [])
        return {C_NO: n, C_PROGRAM: "; ".join(f"{b.code} {b.name}" for b in items), C_ID: ind.id}

    for pos in cascade.positions:
        sh = units.get(pos.code)
        if sh is None:
            continue
        for ind in by_pos.get(pos.code, []):
            r = len(grid) + 1
            body.append((len(body) + 1, ind, sh, rows[ind.id], rows[ind.id] - _sasaran_offset(by_pos, ind)))
            shown = capaian_rolled(cascade, ind, _roll=roll).excel()  # a number never wraps
            shows.update({(r, C_SASARAN): ind.sasaran, (r, C_INDIKATOR): ind.indikator,
                          (r, C_SATUAN): ind.satuan or "", (r, k9): shown if isinstance(shown, str) else ""})
            # its plain texts only, for the row heights (a formula counts through `shows`); made when read
            texts = text_cells(len(body) - 1)
            grid.append([texts.get(c_) for c_ in range(1, N_COLS + 1)])

    def make(r: int) -> list[Content]:
        _, ind, sh, rr, sasaran_row = body[r - FIRST_ROW]
        cells = text_cells(r - FIRST_ROW)
        cells |= {C_INDIKATOR: cell_ref(sh, ul.C_INDIKATOR, rr), C_SATUAN: cell_ref(sh, ul.C_SATUAN, rr),
                  C_SASARAN: cell_ref(sh, ul.C_SASARAN, sasaran_row)}
        items = supporting.get(ind.id.casefold(), [])
        k = lambda x: PAIRS[x][0]  # noqa: E731
        cells[k(3)] = cell_ref(sh, ul.C_TARGET, rr)
        for q in range(4):
            cells[k(4 + q)] = cell_ref(sh, ul.C_TW[q], rr)
        cells[k(8)] = cell_ref(sh, ul.C_TAHUN, rr)
        cells[k(9)] = cell_ref(sh, ul.C_CAPAIAN, rr)
        id_cell = fx.Cell(C_ID, r, abs_col=True)
        year = last_years.get(ind.id.casefold())
        if year is not None:
            cells[k(1)] = F(rules.renstra_final_target(id_cell))
        cells[k(2)] = F(rules.realisasi_to_last_year(ind.aggregation, id_cell))
        cells[k(10)] = F(rules.cumulative_realisasi(ind.aggregation, fx.Cell(k(2), r), fx.Cell(k(8), r)))
        if year is not None and ind.kind is not Kind.GRADE:
            cells[k(11)] = F(rules.capaian_renstra(ind.kind, ind.polarity, fx.Cell(k(10), r),
                                                   fx.Cell(k(1), r)))
        codes = [b.code for b in items]
        if codes:
            rp = lambda x: PAIRS[x][1]  # noqa: E731
            cells[rp(3)] = F(rules.over_codes(rules.budget_pagu, codes))
            for q in range(1, 5):
                quarter = lambda code, q=q: rules.budget_quarter(code, q)  # noqa: E731
                cells[rp(3 + q)] = F(rules.over_codes(quarter, codes))
            cells[rp(8)] = F(rules.over_codes(rules.budget_spent, codes))
            cells[rp(9)] = F(rules.serapan(fx.Cell(rp(8), r), fx.Cell(rp(3), r)))
        return [cells.get(c_) for c_ in range(1, N_COLS + 1)]

    last = len(grid)
    if last >= FIRST_ROW:
        styles += [StyleSpan("count", FIRST_ROW, C_NO, last, C_NO),
                   StyleSpan("text", FIRST_ROW, C_SASARAN, last, C_SATUAN),
                   StyleSpan("number", FIRST_ROW, PAIRS[1][0], last, k9 - 1),
                   # (9) K: the capaian, or why there is none (a reason of up to 100 characters)
                   StyleSpan("numberwrap", FIRST_ROW, k9, last, k9),
                   StyleSpan("number", FIRST_ROW, PAIRS[9][1], last, PAIRS[11][1]),
                   StyleSpan("text", FIRST_ROW, C_ID, last, C_ID)]
        styles += [StyleSpan("rupiah_juta", FIRST_ROW, PAIRS[x][1], last, PAIRS[x][1]) for x in range(1, 9)]
        styles += [StyleSpan("rupiah_juta", FIRST_ROW, PAIRS[10][1], last, PAIRS[10][1])]
    row()
    q = cascade.settings.reporting_quarter
    notes = [n_ for n_ in cascade.narratives if n_.quarter == q]
    for label, field in zip(FOOTER, ("pendukung", "penghambat", "upaya"), strict=True):
        text = "; ".join(f"{n_.id}: {getattr(n_, field)}" for n_ in notes if getattr(n_, field).strip())
        r = row(None, label, None, text or "(belum diisi di sheet Narasi untuk triwulan laporan)")
        styles += [StyleSpan("total", r, C_SASARAN, r, C_SASARAN), StyleSpan("text", r, C_INDIKATOR, r,
                                                                                C_INDIKATOR)]
    heights = wrapped_heights(grid, styles, {c_: float(w) for c_, w in WIDTHS.items()}, shows)
    for k in range(len(body)):
        grid[FIRST_ROW - 1 + k] = None  # type: ignore[call-overload]  # made when read
    # the body's formulas read their own row only, and finish_evaluation touches rows before the body or
    # after it: the body can be written in chunks (openpyxl_writer.write_report)
    return SheetPlan(name=name, kind=EVALUATION_KIND, key=EVALUATION_KEY,
                     cells=MadeRows(grid, make), styles=styles,  # type: ignore[arg-type]
                     column_widths=dict(WIDTHS), row_heights=heights,
                     stream=(FIRST_ROW, last) if last > FIRST_ROW else None)


def _sasaran_offset(by_pos, ind) -> int:
    """Rows from the first indicator of the sasaran (whose row shows the sasaran's text) to this one."""
    inds = by_pos.get(ind.position, [])
    k = inds.index(ind)
    first = k
    key = (ind.sasaran_no, ind.sasaran)
    while first > 0 and (inds[first - 1].sasaran_no, inds[first - 1].sasaran) == key:
        first -= 1
    return k - first


def finish_evaluation(ws, plan: SheetPlan) -> None:
    """Merged group headers, A3 landscape, one page wide, the header rows repeated on every page."""
    for c_ in (C_NO, C_SASARAN, C_PROGRAM, C_INDIKATOR, C_SATUAN, C_ID):
        ws.merge_cells(start_row=GROUP_ROW, start_column=c_, end_row=HEAD_ROW, end_column=c_)
    for ck, crp in PAIRS.values():
        ws.merge_cells(start_row=GROUP_ROW, start_column=ck, end_row=GROUP_ROW, end_column=crp)
        ws.merge_cells(start_row=NUMBER_ROW, start_column=ck, end_row=NUMBER_ROW, end_column=crp)
    ws.row_dimensions[GROUP_ROW].height = 48
    last = len(plan.cells)
    for r in range(last - 2, last + 1):
        ws.merge_cells(start_row=r, start_column=C_INDIKATOR, end_row=r, end_column=PAIRS[11][1])
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.print_title_rows = f"{GROUP_ROW}:{NUMBER_ROW}"
    ws.freeze_panes = ws.cell(FIRST_ROW, PAIRS[1][0]).coordinate
