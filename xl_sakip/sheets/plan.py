"""One description of the generated sheets (unit sheets and Ringkasan) as plain data.

A `SheetPlan` is a rectangle of cell contents starting at A1 (constants and `Formula`s), plus the styles
and layout the writers apply. Two writers turn it into cells: openpyxl (headless, closed file) and xlwings
(the open workbook, from the ribbon). Nothing here imports openpyxl or xlwings.

Formulas auditors can read (docs/sheets.md):
- every row of a unit sheet holds its indicator ID as a value and one MATCH of it in tblIndikator[ID]
  (hidden helper column); every other master value is an INDEX into a column of tblIndikator by that row,
  so sorting, filtering or inserting rows in the master never makes the sheet wrong;
- structured references (tblIndikator[Target]) and the defined names of Pengaturan (setTahun ...), which
  Excel and LibreOffice 7.4 both read; no XLOOKUP/FILTER/LET, nothing volatile;
- a value that cannot be computed is text saying why, never a silent 0.

The formulas mirror xl_sakip.core (aggregate, capaian, categories, rollup); the LibreOffice test proves
they give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xl_sakip.book import schema as s
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.capaian import Status, negative_quarters
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Polarity, RollUp
from xl_sakip.core.rollup import (
    Source,
    capaian_rolled,
    on_cycle,
    sum_children,
    used_realisasi,
)
from xl_sakip.sheets.names import SUMMARY_SHEET, quote_sheet, unit_sheet_name

# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Formula:
    text: str  # starts with "="
    # The rule the text was rendered from (core/formula.py), for the cached value; None: parsed from text.
    expr: fx.Expr | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with '=': {self.text!r}")


Content = str | float | int | Formula | None


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
    align: str | None = None  # "left" | "center" | "right"
    border: bool = False


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


@dataclass
class SheetPlan:
    name: str
    kind: str  # "unit" | "summary"
    key: str  # position code of a unit sheet; "RINGKASAN" for the summary
    cells: list[list[Content]]  # rows x columns from A1; rectangular
    # Unit sheets: rows body_first..body_last take the style of the template's body row.
    body_first: int | None = None
    body_last: int | None = None
    styles: list[StyleSpan] = field(default_factory=list)  # summary: explicit styles
    column_widths: dict[int, float] = field(default_factory=dict)  # summary only (units: from template)
    charts: list[ChartSpec] = field(default_factory=list)
    # Row heights (points) for wrapped text, estimated from the master's text lengths: neither Excel nor
    # LibreOffice fits them when a file is opened.
    row_heights: dict[int, float] = field(default_factory=dict)

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


# ------------------------------------------------------------------ layout of a unit sheet

TITLE_ROW = 1
CODE_ROW = 3  # C3 holds the position code (the key of the sheet)
STATUS_ROW = 7
HEADER_ROW = 8
FIRST_BODY_ROW = 9

# Visible table
C_NO, C_SASARAN, C_INDIKATOR, C_SATUAN, C_TARGET = 1, 2, 3, 4, 5
C_TW = (6, 7, 8, 9)
C_TAHUN, C_CAPAIAN, C_KATEGORI = 10, 11, 12
C_T_ANAK, C_SEL_T, C_R_ANAK, C_SEL_R = 13, 14, 15, 16
C_KET, C_ID = 17, 18
# Hidden helper columns (grouped, so an auditor can unhide them)
C_BARIS = 19
C_TQ = (20, 21, 22, 23)
C_TATAS = 24
C_PAKAI = 25  # the realisasi used for capaian (core/rollup.used_realisasi): own, or the pendukung's sum
C_KOSONG = (26, 27, 28, 29)  # 1 when the quarter is missing (for a parent: in any leaf below it)
C_MASALAH = 30  # 1 when the realisasi used cannot be a number (text in a number cell, penyebut 0 ...)
C_PEMBILANG = (31, 32, 33, 34)
C_PENYEBUT = (35, 36, 37, 38)
C_SKOR_T, C_SKOR_R = 39, 40
C_CAPAIAN_MENTAH = 41
C_CAKUP = 42  # parent: 1 when its pendukung cover its target (core/rollup.covers), so it takes their sum
C_DESIMAL = 43  # decimals the numbers of the row show: 0 for counts (jumlah), else 2 (template.py)
C_ALASAN = 44  # why no capaian can be computed ("" when it can): core/rules.capaian_reason
N_COLS = 44

UNIT_HEADERS: dict[int, str] = {
    C_NO: "No", C_SASARAN: "Sasaran Strategis", C_INDIKATOR: "Indikator Kinerja", C_SATUAN: "Satuan",
    C_TARGET: "Target", **{c: f"Realisasi {q}" for c, q in zip(C_TW, s.Q, strict=True)},
    C_TAHUN: "Realisasi Tahun", C_CAPAIAN: "Capaian (%)", C_KATEGORI: "Kategori",
    C_T_ANAK: "Jumlah Target Pendukung", C_SEL_T: "Selisih: Pendukung - Target",
    C_R_ANAK: "Realisasi dari Pendukung", C_SEL_R: "Selisih: Pendukung - Realisasi",
    C_KET: "Keterangan", C_ID: "ID", C_BARIS: "Baris di tblIndikator",
    **{c: f"Target {q}" for c, q in zip(C_TQ, s.Q, strict=True)}, C_TATAS: "Target Atas",
    C_PAKAI: "Realisasi Dipakai", **{c: f"{q} Kosong" for c, q in zip(C_KOSONG, s.Q, strict=True)},
    C_MASALAH: "Bermasalah", **{c: f"Pembilang {q}" for c, q in zip(C_PEMBILANG, s.Q, strict=True)},
    **{c: f"Penyebut {q}" for c, q in zip(C_PENYEBUT, s.Q, strict=True)},
    C_SKOR_T: "Skor Target", C_SKOR_R: "Skor Realisasi", C_CAPAIAN_MENTAH: "Capaian Sebelum Batas",
    C_CAKUP: "Pendukung Mencakup Target", C_DESIMAL: "Desimal", C_ALASAN: "Alasan Tidak Dapat Dihitung",
}
FIRST_HIDDEN_COL = C_BARIS

NOT_FOUND = w.NOT_FOUND
NC = w.NC  # Capaian.excel() prefix of a not computable capaian (core/capaian.py)
REGENERATE = "klik Buat Ulang Sheet Unit (tab SAKIP) atau jalankan xl-sakip regenerate"
# Keterangan of a parent: where its realisasi comes from (core/rollup.Source). Informative: the status
# row does not count them as rows to check.
FROM_PENDUKUNG = w.FROM_PENDUKUNG
FROM_OWN = w.FROM_OWN


def L(col: int) -> str:
    """Column letters of a 1-based column number: 1 -> A, 27 -> AA."""
    return fx.col_letters(col)


# ------------------------------------------------------------------ references


def col(table: str, header: str) -> str:
    """A structured reference to a whole table column: tblIndikator[Target], tblIndikator[[Roll-up]]."""
    return fx.render(fx.TableCol(table, header))


def icol(field_name: str) -> str:
    hdr = next(c.header for c in s.INDICATOR_COLUMNS if c.field == field_name)
    return col(s.TABLE_INDICATORS, hdr)


def pcol(field_name: str) -> str:
    hdr = next(c.header for c in s.POSITION_COLUMNS if c.field == field_name)
    return col(s.TABLE_POSITIONS, hdr)


def setting(field_name: str) -> str:
    return next(x.name for x in s.SETTINGS if x.field == field_name)


BAND_LABEL = col(s.TABLE_BANDS, s.BAND_COLUMNS[0].header)
BAND_UPPER = col(s.TABLE_BANDS, s.BAND_COLUMNS[2].header)
GRADE_SCALE = col(s.TABLE_GRADES, s.GRADE_COLUMNS[0].header)
GRADE_CODE = col(s.TABLE_GRADES, s.GRADE_COLUMNS[1].header)
GRADE_SCORE = col(s.TABLE_GRADES, s.GRADE_COLUMNS[2].header)
SET_YEAR = setting("settings.year")
SET_OFFICE = setting("settings.office")
SET_CAP = setting("settings.capaian_cap")
SET_LOWER = setting("settings.lower_is_better_formula")
SET_ABOVE = setting("reference.above_target_label")


def text_literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def ref(sheet: str, col_: int, row: int) -> str:
    return f"{quote_sheet(sheet)}!${L(col_)}${row}"


# ------------------------------------------------------------------ formulas of one row


def _c(col_: int, r: int, *, abs_col: bool = False) -> fx.Cell:
    return fx.Cell(col_, r, abs_col=abs_col)


def _tcol(field_name: str) -> fx.TableCol:
    hdr = next(c.header for c in s.INDICATOR_COLUMNS if c.field == field_name)
    return fx.TableCol(s.TABLE_INDICATORS, hdr)


def _master(field_name: str, r: int) -> fx.Expr:
    """The master value of this row's indicator, "" when the master cell is empty (never a silent 0)."""
    row = _c(C_BARIS, r, abs_col=True)
    x = fx.INDEX(_tcol(field_name), row)
    return fx.IF(row.eq(""), "", fx.IF(x.eq(""), "", x))


def F(e: fx.Expr) -> Formula:
    """A formula cell from a rule's expression: its text and the expression its cached value comes from."""
    return Formula(fx.formula_text(e), e)


def _row_formulas(
    ind: Indicator,
    r: int,
    children: list[tuple[str, int]],  # (sheet name, row) of each pendukung with roll-up "jumlah"
    cycle: bool,
) -> dict[int, Content]:
    """The cells of one unit-sheet row: every figure is a rule of core/rules.py with this row's cells as
    its inputs (the same rule check and the UDFs evaluate)."""
    c: dict[int, Content] = {}
    S, R_ = _c(C_BARIS, r, abs_col=True), _c(C_ID, r, abs_col=True)
    tw = [_c(x, r) for x in C_TW]
    tq = [_c(x, r) for x in C_TQ]
    num = [_c(x, r) for x in C_PEMBILANG]
    den = [_c(x, r) for x in C_PENYEBUT]
    E, J, X, Y = _c(C_TARGET, r), _c(C_TAHUN, r), _c(C_TATAS, r), _c(C_PAKAI, r)
    AO, AP, AR = _c(C_CAPAIAN_MENTAH, r), _c(C_CAKUP, r), _c(C_ALASAN, r)
    kind, agg = ind.kind, ind.aggregation
    is_grade = kind is Kind.GRADE
    ratio = rules.is_ratio(kind, agg)
    is_parent = bool(children) or cycle

    c[C_ID] = ind.id
    c[C_BARIS] = F(fx.IFERROR(fx.MATCH(R_, _tcol("id"), 0), ""))
    c[C_INDIKATOR] = F(fx.IF(S.eq(""), NOT_FOUND, fx.INDEX(_tcol("indikator"), S)))
    c[C_SATUAN] = F(_master("satuan", r))
    for i, x in enumerate(C_TW):
        c[x] = F(_master(f"realisasi_q.{i}", r))
    for i, x in enumerate(C_TQ):
        c[x] = F(_master(f"target_q.{i}", r))
    if ratio:
        for i, x in enumerate(C_PEMBILANG):
            c[x] = F(_master(f"numerator_q.{i}", r))
        for i, x in enumerate(C_PENYEBUT):
            c[x] = F(_master(f"denominator_q.{i}", r))
    if ind.polarity is Polarity.RANGE and not is_grade:
        c[C_TATAS] = F(_master("target_upper", r))

    # Target to date and realisasi of the year (rules.target, rules.realisasi).
    rep = rules.reported(kind, agg, tw, num, den)
    annual = _master("target", r)
    if is_grade:  # a grade target is its written code unless a score is typed in Target
        written = fx.TRIM(fx.INDEX(_tcol("target_text"), S))
        annual = fx.IF(S.eq(""), "", fx.IF(fx.INDEX(_tcol("target"), S).eq(""), written,
                                            fx.INDEX(_tcol("target"), S)))
    c[C_TARGET] = F(rules.target(kind, agg, tq, annual, rep))
    c[C_TAHUN] = F(rules.realisasi(kind, agg, tw, num, den))
    c[C_DESIMAL] = 0 if kind is Kind.NUMBER and not ratio else 2
    neg = rules.negative(kind, agg, tw, num, den)
    own = rules.own_realisasi(J, neg)
    own_missing = rules.missing(rep)

    # Roll-up (rules.covers, rules.rolled, rules.used): direct pendukung targets from the master; their
    # realisasi through the "Realisasi Dipakai" cells of the pendukung rows.
    covered: fx.Expr | None = None
    if is_parent:
        crit = (_tcol("supports"), R_, _tcol("rollup"), RollUp.SUM.value)
        c[C_T_ANAK] = F(fx.SUMIFS(_tcol("target"), *crit))
        M, O_ = _c(C_T_ANAK, r), _c(C_R_ANAK, r)
        c[C_SEL_T] = F(fx.IF(fx.AND(fx.ISNUMBER(M), fx.ISNUMBER(E)), M - E, ""))
        if cycle:
            c[C_R_ANAK] = w.CYCLE
            for q in range(4):
                c[C_KOSONG[q]] = 0
            c[C_MASALAH] = 1
            c[C_PAKAI] = F(O_)
        else:
            kid = lambda col_: [fx.Cell(col_, rr, sh, True, True) for sh, rr in children]  # noqa: E731
            c[C_R_ANAK] = F(rules.rolled(kid(C_PAKAI), kid(C_MASALAH)))
            t_own = fx.INDEX(_tcol("target"), S)
            # Pendukung with a target (the reader accepts only numbers there; an empty cell has none).
            with_target = fx.COUNTIFS(*crit, _tcol("target"), "<>")
            cover = rules.covers(t_own, len(children), with_target, M)
            c[C_CAKUP] = F(fx.IF(S.eq(""), 0, fx.IF(cover, 1, 0)))
            covered = AP.eq(1)
            c[C_PAKAI] = F(rules.used(covered, O_, own))
            for q in range(4):
                c[C_KOSONG[q]] = F(fx.IF(covered, fx.MAX(*kid(C_KOSONG[q])), own_missing[q]))
            c[C_MASALAH] = F(rules.problem(Y))
        c[C_SEL_R] = F(fx.IF(fx.AND(fx.ISNUMBER(O_), fx.ISNUMBER(J)), O_ - J, ""))
    else:
        c[C_PAKAI] = F(own)
        for q in range(4):
            c[C_KOSONG[q]] = F(own_missing[q])
        c[C_MASALAH] = F(rules.problem(Y))

    # Capaian (rules.capaian_reason / capaian_value / capaian) of the realisasi used, and its category.
    scores: tuple[fx.Expr, fx.Expr] | None = None
    if is_grade:
        c[C_SKOR_T] = F(rules.grade_score_target(E))
        c[C_SKOR_R] = F(rules.grade_score_realisasi(Y, E))
        scores = (_c(C_SKOR_T, r), _c(C_SKOR_R, r))
    empty = rules.empty_reason(covered) if is_parent and not cycle else w.NO_REALISASI
    reason = rules.capaian_reason(kind, ind.polarity, Y, E, X, empty, scores)
    c[C_ALASAN] = F(fx.IF(S.eq(""), "", reason))
    c[C_CAPAIAN_MENTAH] = F(fx.IF(AR.eq(""), fx.IF(S.eq(""), "", rules.capaian_value(
        kind, ind.polarity, Y, E, X, scores)), ""))
    K = _c(C_CAPAIAN, r)
    c[C_CAPAIAN] = F(fx.IF(S.eq(""), "", rules.capaian(AR, AO)))
    c[C_KATEGORI] = F(rules.category(K))

    # Keterangan: why a row needs attention (not found, stale, negative, incomplete); on a parent row
    # also where its realisasi comes from.
    c[C_KET] = F(_keterangan(ind, r, children, is_parent, cycle, neg, K, covered))
    return c


def _quarter_list(flags: Sequence[fx.Expr]) -> fx.Expr:
    """ "TW1, TW3" of the quarters whose flag holds (text joined, the last ", " cut)."""
    parts = [fx.IF(f, f"{s.Q[q]}, ", "") for q, f in enumerate(flags)]
    joined = parts[0]
    for p_ in parts[1:]:
        joined = joined & p_
    return fx.LEFT(joined, fx.LEN(joined) - 2)


def _keterangan(ind: Indicator, r: int, children: list[tuple[str, int]], is_parent: bool, cycle: bool,
                neg: Sequence[fx.Expr], K: fx.Expr, covered: fx.Expr | None) -> fx.Expr:
    S, R_ = _c(C_BARIS, r, abs_col=True), _c(C_ID, r, abs_col=True)
    kinds = "|".join([ind.kind.value, ind.polarity.value, ind.aggregation.value, ind.position])
    key: fx.Expr = fx.INDEX(_tcol("kind"), S)
    for f_ in ("polarity", "aggregation", "position"):
        key = key & "|" & fx.INDEX(_tcol(f_), S)
    source = fx.IF(covered, w.FROM_PENDUKUNG, w.FROM_OWN) if covered is not None else None

    def also(e: fx.Expr) -> fx.Expr:
        return e & "; " & source if source is not None else e

    stale = "usang: Jenis/Polaritas/Agregasi/Kode Jabatan berubah di Indikator; " + REGENERATE
    checks: list[tuple[fx.Expr, object]] = [(S.eq(""), NOT_FOUND), (key.ne(kinds), stale)]
    if is_parent:
        n_now = fx.COUNTIFS(_tcol("supports"), R_, _tcol("rollup"), RollUp.SUM.value)
        stale_kids = f"usang: indikator pendukung berubah di Indikator; {REGENERATE}"
        checks.append((n_now.ne(len(children)), stale_kids))
    if neg:
        note = "realisasi negatif di " & _quarter_list(neg) & ": periksa sheet Indikator"
        checks.append((fx.OR(*neg), also(note)))
    missing = [_c(C_KOSONG[q], r).eq(1) for q in range(4)]
    checks.append((fx.AND(fx.ISNUMBER(K), fx.SUM(fx.Area(_c(C_KOSONG[0], r), _c(C_KOSONG[-1], r))).gt(0)),
                   also(w.INCOMPLETE + ": realisasi " & _quarter_list(missing) & " belum diisi")))
    return fx.cond(checks, source if source is not None else "")


# ------------------------------------------------------------------ unit sheets


def sheet_names(cascade: Cascade, taken: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Position code -> unit sheet name, avoiding `taken` (sheets that are not ours)."""
    used = set(taken) | {SUMMARY_SHEET}
    out: dict[str, str] = {}
    for p in cascade.positions:
        name = unit_sheet_name(p.code, p.title, used)
        used.add(name)
        out[p.code] = name
    return out


def indicators_by_position(cascade: Cascade) -> dict[str, list[Indicator]]:
    """Position code -> its indicators in table order: `Cascade.indicators_of` for every position in one
    pass (calling it per position costs positions x indicators)."""
    out: dict[str, list[Indicator]] = {}
    for ind in cascade.indicators:
        out.setdefault(ind.position, []).append(ind)
    return out


def unit_rows(cascade: Cascade, by_pos: dict[str, list[Indicator]] | None = None) -> dict[str, int]:
    """Indicator id -> its row on its unit sheet."""
    by_pos = indicators_by_position(cascade) if by_pos is None else by_pos
    rows: dict[str, int] = {}
    for p in cascade.positions:
        for k, ind in enumerate(by_pos.get(p.code, [])):
            rows[ind.id] = FIRST_BODY_ROW + k
    return rows


def plan_unit(
    cascade: Cascade, code: str, names: dict[str, str], rows: dict[str, int],
    children: dict[str, list[str]], cycles: set[str], *,
    by_pos: dict[str, list[Indicator]] | None = None, by_id: dict[str, Indicator] | None = None,
) -> SheetPlan:
    """One unit sheet. `by_pos` (`indicators_by_position`) and `by_id` are found once by a caller planning
    every position; without them they are computed here."""
    inds = cascade.indicators_of(code) if by_pos is None else by_pos.get(code, [])
    by_id = {i.id: i for i in cascade.indicators} if by_id is None else by_id
    n = len(inds)
    grid: list[list[Content]] = [[None] * N_COLS for _ in range(HEADER_ROW + max(n, 0))]

    def put(row: int, col_: int, v: Content) -> None:
        grid[row - 1][col_ - 1] = v

    put(TITLE_ROW, 1, Formula(f'="CAPAIAN KINERJA TAHUN "&{SET_YEAR}'))
    labels = ["Instansi", "Kode Jabatan", "Jabatan", "Atasan", "Tahun", "Status Sheet"]
    for i, lab in enumerate(labels):
        put(2 + i, 1, lab)
    code_ref = f"$C${CODE_ROW}"
    pos_row = f"MATCH({code_ref},{pcol('code')},0)"
    put(2, 3, Formula(f"={SET_OFFICE}"))
    put(CODE_ROW, 3, code)
    put(4, 3, Formula(f'=IFERROR(INDEX({pcol("title")},{pos_row}),'
                      '"Kode jabatan tidak ditemukan di Jabatan")'))
    put(5, 3, Formula(f'=IFERROR(INDEX({pcol("title")},MATCH(INDEX({pcol("parent")},{pos_row}),'
                      f'{pcol("code")},0)),"-")'))
    put(6, 3, Formula(f"={SET_YEAR}"))
    last = FIRST_BODY_ROW + n - 1
    if n:
        ket = f"$Q${FIRST_BODY_ROW}:$Q${last}"
        # Rows to check: a Keterangan other than the informative source of a parent's realisasi.
        attention = (f'(COUNTIF({ket},"?*")-SUMPRODUCT(--({ket}={text_literal(FROM_PENDUKUNG)}))'
                     f"-SUMPRODUCT(--({ket}={text_literal(FROM_OWN)})))")
        put(STATUS_ROW, 3, Formula(
            f'=IF(COUNTIF({icol("position")},{code_ref})<>{n},"USANG: jumlah indikator "&{code_ref}&'
            f'" di Indikator ("&COUNTIF({icol("position")},{code_ref})&") berbeda dengan sheet ini ({n}); '
            f'{REGENERATE}",IF({attention}>0,"PERIKSA: "&{attention}&'
            f'" baris punya keterangan (kolom Keterangan)","Sesuai dengan tabel Indikator"))'))
    else:
        put(STATUS_ROW, 3, Formula(
            f'=IF(COUNTIF({icol("position")},{code_ref})<>0,"USANG: ada indikator "&{code_ref}&'
            f'" di Indikator; {REGENERATE}","Jabatan ini belum punya indikator")'))
    for col_, hdr in UNIT_HEADERS.items():
        put(HEADER_ROW, col_, hdr)

    prev_sasaran: object = object()
    heights: dict[int, float] = {}
    for k, ind in enumerate(inds):
        r = FIRST_BODY_ROW + k
        kids = [(names[by_id[ch].position], rows[ch]) for ch in children.get(ind.id, [])
                if ch in by_id and by_id[ch].position in names]
        for col_, v in _row_formulas(ind, r, kids, ind.id in cycles).items():
            put(r, col_, v)
        group = (ind.sasaran_no, ind.sasaran)
        texts = {C_INDIKATOR: ind.indikator,
                 **_estimated_notes(cascade, ind, children, by_id, ind.id in cycles)}
        if group != prev_sasaran:  # the first row of a sasaran shows its number and text
            put(r, C_NO, ind.sasaran_no)
            put(r, C_SASARAN, Formula(f'=IF($S{r}="","",INDEX({icol("sasaran")},$S{r}))'))
            texts[C_SASARAN] = ind.sasaran
        lines = max(wrapped_lines(t, UNIT_WIDTHS[c_]) for c_, t in texts.items())
        if lines > 1:
            heights[r] = height(lines)
        prev_sasaran = group
    return SheetPlan(name=names[code], kind="unit", key=code, cells=grid,
                     body_first=FIRST_BODY_ROW if n else None, body_last=last if n else None,
                     row_heights=heights)


def _estimated_notes(cascade: Cascade, ind: Indicator, children: dict[str, list[str]],
                     by_id: dict[str, Indicator], cycle: bool) -> dict[int, str]:
    """What the Capaian and Keterangan cells of a row will show for the master as it is now (the core
    computes what the formulas do), for the row's height: only text wraps over lines."""
    cap = capaian_rolled(cascade, ind, _tree=children, _by_id=by_id)
    shown = cap.excel()
    notes: list[str] = []
    if neg := negative_quarters(ind):
        notes.append(f"realisasi negatif di {', '.join(f'TW{q}' for q in neg)}: periksa sheet Indikator")
    elif cap.status is Status.INCOMPLETE:
        quarters = ", ".join(f"TW{q}" for q in cap.missing_quarters)
        notes.append(f"belum lengkap: realisasi {quarters} belum diisi")
    if children.get(ind.id) and not cycle:
        used = used_realisasi(cascade, ind.id, _tree=children, _by_id=by_id)
        notes.append(FROM_PENDUKUNG if used.source is Source.PENDUKUNG else FROM_OWN)
    return {C_CAPAIAN: shown if isinstance(shown, str) else "", C_KET: "; ".join(notes)}


LINE_HEIGHT = 15.0  # points per line of 11 pt text, with the cell's padding

# Visible unit-sheet columns that wrap, with their widths in characters (template.py applies these).
UNIT_WIDTHS: dict[int, float] = {
    C_NO: 5, C_SASARAN: 30, C_INDIKATOR: 44, C_SATUAN: 10, C_TARGET: 11,
    # Capaian: a number, or why there is none ("tidak dapat dihitung: realisasi belum diisi", 2 lines).
    **{c: 10 for c in C_TW}, C_TAHUN: 11, C_CAPAIAN: 22, C_KATEGORI: 16,
    C_T_ANAK: 13, C_SEL_T: 13, C_R_ANAK: 13, C_SEL_R: 13, C_KET: 32, C_ID: 10,
}


def wrapped_lines(text: object, width: float, bold: bool = False) -> int:
    """Lines a text takes when Excel or LibreOffice wraps it at word boundaries in a column `width`
    characters wide (a greedy estimate; bold text is wider). Neither engine fits row heights of a file it
    opens, so the writers set heights from this."""
    cap = max(1, int(width - (2 if bold else 1)))
    lines = 0
    for para in str(text or "").split("\n"):
        n, used = 1, 0
        for word in para.split():
            while len(word) > cap:  # a word longer than the column is broken
                if used:
                    n, used = n + 1, 0
                word = word[cap:]
                n += 1
            if used and used + 1 + len(word) > cap:
                n, used = n + 1, len(word)
            else:
                used += len(word) + (1 if used else 0)
        lines += n
    return max(1, lines)


def height(lines: int) -> float:
    return LINE_HEIGHT * lines + (3 if lines > 1 else 0)


def header_height(headers: dict[int, object], widths: dict[int, float]) -> float:
    """Height of a bold, wrapped header row: the tallest of its labels."""
    return height(max((wrapped_lines(h, widths[c], bold=True) for c, h in headers.items()
                       if c in widths and isinstance(h, str)), default=1))


# ------------------------------------------------------------------ summary


def wrapped_heights(cells: list[list[Content]], styles: list[StyleSpan], widths: dict[int, float],
                    text_of: dict[tuple[int, int], str] | None = None) -> dict[int, float]:
    """Row heights for every cell of a wrapping style (header rows included), from the column widths.

    `text_of[(row, col)]` is what a formula cell will show (a title read from a unit sheet, a band label),
    as far as the master tells; other cells count by their text.
    """
    text_of = text_of or {}
    out: dict[int, float] = {}
    for span in styles:
        st = STYLES[span.style]
        if not st.wrap:
            continue
        for r in range(span.first_row, span.last_row + 1):
            for c in range(span.first_col, span.last_col + 1):
                v = cells[r - 1][c - 1] if r <= len(cells) and c <= len(cells[r - 1]) else None
                t = text_of.get((r, c), v if isinstance(v, str) else "")
                lines = wrapped_lines(t, widths.get(c, 8.43), bold=st.bold)
                if lines > 1:
                    out[r] = max(out.get(r, 0.0), height(lines))
    return out


STYLES: dict[str, Style] = {
    "title": Style(bold=True, size=14),
    "head": Style(bold=True, font_color="FFFFFF", fill="1F4E78", wrap=True, border=True, align="center"),
    "text": Style(wrap=True, border=True),
    "number": Style(number_format="#,##0.00", border=True),
    "count": Style(number_format="0", border=True, align="center"),
    "number0": Style(number_format="#,##0", border=True),  # a count (Jenis "jumlah") in a number column
    "note": Style(italic=True, font_color="595959"),
}


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

    row([Formula(f'="RINGKASAN CAPAIAN KINERJA TAHUN "&{SET_YEAR}')])
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
        k_rng = f"{quote_sheet(sh)}!$K${FIRST_BODY_ROW}:$K${FIRST_BODY_ROW + max(n, 1) - 1}"
        l_rng = f"{quote_sheet(sh)}!$L${FIRST_BODY_ROW}:$L${FIRST_BODY_ROW + max(n, 1) - 1}"
        # Not computable: the rows with a reason (core/rules.capaian_reason), counted by the reason cell
        # being filled, never by reading the words of the Capaian column.
        a = L(C_ALASAN)
        a_rng = f"{quote_sheet(sh)}!${a}${FIRST_BODY_ROW}:${a}${FIRST_BODY_ROW + max(n, 1) - 1}"
        counts: list[Content] = [Formula(f"=COUNTIF({l_rng},{L(6 + i)}${h1})") for i in range(n_bands + 1)]
        shows[(len(grid) + 1, 2)] = p.title
        row([p.code, Formula(f"={quote_sheet(sh)}!$C$4"), sh, n,
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
        cell = lambda c_: Formula(f"={ref(sh, c_, rr)}")  # noqa: E731
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
    return SheetPlan(name=SUMMARY_SHEET, kind="summary", key="RINGKASAN", cells=cells, styles=styles,
                     column_widths=widths, charts=charts,
                     row_heights=wrapped_heights(cells, styles, widths, shows))


# ------------------------------------------------------------------ the whole plan


def plan_workbook(cascade: Cascade, taken: set[str] | frozenset[str] = frozenset(),
                  names: dict[str, str] | None = None) -> WorkbookPlan:
    """The plan of every generated sheet. `taken`: sheet names that belong to the user or the master;
    `names`: sheet names to keep for positions that already have a generated sheet."""
    auto = sheet_names(cascade, set(taken) | set((names or {}).values()))
    names = {**auto, **(names or {})}
    by_pos = indicators_by_position(cascade)
    by_id = {i.id: i for i in cascade.indicators}
    rows = unit_rows(cascade, by_pos)
    kids = {p: [c.id for c in cs] for p, cs in sum_children(cascade.indicators).items()}
    cycles = on_cycle(kids)
    sheets = [plan_unit(cascade, p.code, names, rows, kids, cycles, by_pos=by_pos, by_id=by_id)
              for p in cascade.positions]
    sheets.append(plan_summary(cascade, names, rows, kids, by_pos))
    return WorkbookPlan(sheets=sheets)
