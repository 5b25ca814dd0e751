"""The plan of one unit sheet (one per position): the header block, a row per indicator, row heights."""

from __future__ import annotations

from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.capaian import Status, negative_quarters
from xl_sakip.core.efficiency import budget_layout
from xl_sakip.core.models import Cascade, Indicator
from xl_sakip.core.rollup import Source, Walker, capaian_rolled, used_realisasi, walker
from xl_sakip.core.versions import murni_name, perubahan_names
from xl_sakip.sheets.plan import Content, Formula, SheetPlan
from xl_sakip.sheets.refs import (
    SET_OFFICE,
    SET_YEAR,
    L,
    absolute,
    column_area,
    icol,
    pcol,
    text_literal,
)
from xl_sakip.sheets.row_shapes import RowShapes
from xl_sakip.sheets.textfit import height, wrapped_lines
from xl_sakip.sheets.unit_budget import F, plan_block
from xl_sakip.sheets.unit_layout import (
    ATASAN_ROW,
    C_BARIS,
    C_CAPAIAN,
    C_INDIKATOR,
    C_KET,
    C_NO,
    C_SASARAN,
    CODE_ROW,
    FIRST_BODY_ROW,
    FROM_OWN,
    FROM_PENDUKUNG,
    HEADER_LABELS,
    HEADER_ROW,
    JABATAN_ROW,
    N_COLS,
    OFFICE_ROW,
    REGENERATE,
    STATUS_ROW,
    TITLE_ROW,
    UNIT_HEADERS,
    UNIT_WIDTHS,
    VALUE_COL,
    YEAR_ROW,
)
from xl_sakip.sheets.unit_rules import pendukung_row

UNIT_KIND = "unit"  # the marker kind (xl_sakip/kinds.py registers it); the key is the position code


def plan_unit(
    cascade: Cascade, code: str, names: dict[str, str], rows: dict[str, int],
    children: dict[str, list[str]], cycles: set[str], *,
    by_pos: dict[str, list[Indicator]] | None = None, by_id: dict[str, Indicator] | None = None,
    master_k: dict[str, int] | None = None, roll: Walker | None = None, shapes: RowShapes | None = None,
) -> SheetPlan:
    """One unit sheet. `by_pos` (`indicators_by_position`), `by_id` and `roll` (`rollup.walker` over
    `children` and `by_id`) are found once by a caller planning every position; without them they are
    computed here; `shapes` (the rows' formulas by shape, sheets/row_shapes.py) too, for this sheet only."""
    inds = cascade.indicators_of(code) if by_pos is None else by_pos.get(code, [])
    by_id = {i.id: i for i in cascade.indicators} if by_id is None else by_id
    roll = walker(cascade, tree=children, by_id=by_id) if roll is None else roll
    master_k = master_positions(cascade) if master_k is None else master_k
    shapes = RowShapes() if shapes is None else shapes
    n = len(inds)
    # Each row's pendukung ("jumlah"), and where the pendukung block holds them (unit_layout.C_PD_*).
    kid_ids = {ind.id: [ch for ch in children.get(ind.id, []) if ch in by_id and by_id[ch].position in names]
               for ind in inds}
    blocks: dict[str, tuple[int, int]] = {}
    next_row = FIRST_BODY_ROW
    for ind in inds:
        if kid_ids[ind.id] and ind.id not in cycles:
            blocks[ind.id] = (next_row, next_row + len(kid_ids[ind.id]) - 1)
            next_row += len(kid_ids[ind.id])
    grid: list[list[Content]] = [[None] * N_COLS for _ in range(max(HEADER_ROW + n, next_row - 1))]

    def put(row: int, col_: int, v: Content) -> None:
        grid[row - 1][col_ - 1] = v

    perubahan = perubahan_names(cascade)
    if cascade.pk_versions:  # the PK version whose targets the sheet uses (issue 15)
        version = rules.version_name(perubahan, murni_name(cascade))
        put(TITLE_ROW, 1, F(fx.lift("CAPAIAN KINERJA TAHUN ") & rules.SET_YEAR & " S.D. TW "
                            & rules.REPORTING_QUARTER & " (PK " & version & ")"))
    else:  # an empty "Laporan s.d. Triwulan" is the whole year, TW 4, as in every rule
        put(TITLE_ROW, 1, F(fx.lift("CAPAIAN KINERJA TAHUN ") & rules.SET_YEAR & " S.D. TW "
                            & rules.REPORTING_QUARTER))
    for i, lab in enumerate(HEADER_LABELS):
        put(OFFICE_ROW + i, 1, lab)
    code_ref = absolute(VALUE_COL, CODE_ROW)
    pos_row = f"MATCH({code_ref},{pcol('code')},0)"
    put(OFFICE_ROW, VALUE_COL, Formula(f"={SET_OFFICE}"))
    put(CODE_ROW, VALUE_COL, code)
    put(JABATAN_ROW, VALUE_COL, Formula(f'=IFERROR(INDEX({pcol("title")},{pos_row}),'
                                        '"Kode jabatan tidak ditemukan di Jabatan")'))
    put(ATASAN_ROW, VALUE_COL, Formula(f'=IFERROR(INDEX({pcol("title")},MATCH(INDEX({pcol("parent")},'
                                       f'{pos_row}),{pcol("code")},0)),"-")'))
    put(YEAR_ROW, VALUE_COL, Formula(f"={SET_YEAR}"))
    last = FIRST_BODY_ROW + n - 1
    # The position's indicators now, compared with "=" (case ignored), not as a COUNTIF criterion: a code
    # such as 01 would be read as the number 1 (LibreOffice then also counts the text "01", we do not).
    n_now = f"SUMPRODUCT(--({icol('position')}={code_ref}))"
    if n:
        ket = column_area(C_KET, FIRST_BODY_ROW, last)
        # Rows to check: a Keterangan other than the informative source of a parent's realisasi.
        attention = (f'(COUNTIF({ket},"?*")-SUMPRODUCT(--({ket}={text_literal(FROM_PENDUKUNG)}))'
                     f"-SUMPRODUCT(--({ket}={text_literal(FROM_OWN)})))")
        put(STATUS_ROW, VALUE_COL, Formula(
            f'=IF({n_now}<>{n},"USANG: jumlah indikator "&{code_ref}&'
            f'" di Indikator ("&{n_now}&") berbeda dengan sheet ini ({n}); '
            f'{REGENERATE}",IF({attention}>0,"PERIKSA: "&{attention}&'
            f'" baris punya keterangan (kolom Keterangan)","Sesuai dengan tabel Indikator"))'))
    else:
        put(STATUS_ROW, VALUE_COL, Formula(
            f'=IF({n_now}<>0,"USANG: ada indikator "&{code_ref}&'
            f'" di Indikator; {REGENERATE}","Jabatan ini belum punya indikator")'))
    for col_, hdr in UNIT_HEADERS.items():
        put(HEADER_ROW, col_, hdr)

    prev_sasaran: object = object()
    heights: dict[int, float] = {}
    for k, ind in enumerate(inds):
        r = FIRST_BODY_ROW + k
        kids = [(names[by_id[ch].position], rows[ch]) for ch in kid_ids[ind.id]]
        block = blocks.get(ind.id)
        for col_, v in shapes.row(ind, r, kids, ind.id in cycles, master_k.get(ind.id), block,
                                  perubahan).items():
            put(r, col_, v)
        if block is not None:
            for j, (ch, (sheet, row)) in enumerate(zip(kid_ids[ind.id], kids, strict=True)):
                for col_, v in pendukung_row(ch, sheet, row, block[0] + j).items():
                    put(block[0] + j, col_, v)
        group = (ind.sasaran_no, ind.sasaran)
        texts = {C_INDIKATOR: ind.indikator,
                 **_estimated_notes(cascade, ind, children, roll, ind.id in cycles)}
        if group != prev_sasaran:  # the first row of a sasaran shows its number and text
            put(r, C_NO, ind.sasaran_no)
            row_of = f"${L(C_BARIS)}{r}"
            put(r, C_SASARAN, Formula(f'=IF({row_of}="","",INDEX({icol("sasaran")},{row_of}))'))
            texts[C_SASARAN] = ind.sasaran
        lines = max(wrapped_lines(t, UNIT_WIDTHS[c_]) for c_, t in texts.items())
        if lines > 1:
            heights[r] = height(lines)
        prev_sasaran = group
    # The budget and efficiency block below the table (issue 15; sheets/unit_budget.py), once the office
    # keeps its budget in the Anggaran sheet (the 2023 master has none: its sheets stay as they were).
    styles = []
    if cascade.budget:
        block = plan_block(budget_layout(cascade, code), code,
                           {ind.id: FIRST_BODY_ROW + k for k, ind in enumerate(inds)}, n,
                           sum(1 for b in cascade.budget if b.position == code))
        grid += [[None] * N_COLS for _ in range(block.last_row - len(grid))]
        for (r, c_), v in block.cells.items():
            put(r, c_, v)
        heights.update(block.heights)
        styles = block.styles
    return SheetPlan(name=names[code], kind=UNIT_KIND, key=code, cells=grid,
                     body_first=FIRST_BODY_ROW if n else None, body_last=last if n else None,
                     row_heights=heights, styles=styles)


def master_positions(cascade: Cascade) -> dict[str, int]:
    """Indicator ID -> its position in tblIndikator[ID] as the master is read now (rows in order; the first
    of a repeated ID): where rules.master_row looks first."""
    out: dict[str, int] = {}
    for k, ind in enumerate(cascade.indicators, start=1):
        out.setdefault(ind.id, k)
    return out


def _estimated_notes(cascade: Cascade, ind: Indicator, children: dict[str, list[str]], roll: Walker,
                     cycle: bool) -> dict[int, str]:
    """What the Capaian and Keterangan cells of a row will show for the master as it is now (the core
    computes what the formulas do), for the row's height: only text wraps over lines."""
    cap = capaian_rolled(cascade, ind, _roll=roll)
    shown = cap.excel()
    notes: list[str] = []
    if neg := negative_quarters(ind, cascade.settings.reporting_quarter):
        notes.append(f"realisasi negatif di {', '.join(f'TW{q}' for q in neg)}: periksa sheet Indikator")
    elif cap.status is Status.INCOMPLETE:
        quarters = ", ".join(f"TW{q}" for q in cap.missing_quarters)
        notes.append(f"belum lengkap: realisasi {quarters} belum diisi")
    if children.get(ind.id) and not cycle:
        used = used_realisasi(cascade, ind.id, _roll=roll)
        notes.append(FROM_PENDUKUNG if used.source is Source.PENDUKUNG else FROM_OWN)
    return {C_CAPAIAN: shown if isinstance(shown, str) else "", C_KET: "; ".join(notes)}
