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

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from xl_sakip.book import schema as s
from xl_sakip.core.capaian import NEGATIVE, Status, negative_quarters
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Polarity, RollUp
from xl_sakip.core.rollup import (
    CYCLE,
    PARTIAL_EMPTY,
    Source,
    capaian_rolled,
    on_cycle,
    sum_children,
    tolerance,
    used_realisasi,
)
from xl_sakip.sheets.names import SUMMARY_SHEET, quote_sheet, unit_sheet_name

# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Formula:
    text: str  # starts with "="

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
N_COLS = 43

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
    C_CAKUP: "Pendukung Mencakup Target", C_DESIMAL: "Desimal",
}
FIRST_HIDDEN_COL = C_BARIS

NOT_FOUND = "ID tidak ditemukan di Indikator"
NC = "tidak dapat dihitung: "  # Capaian.excel() prefix of a not computable capaian (core/capaian.py)
REGENERATE = "klik Buat Ulang Sheet Unit (tab SAKIP) atau jalankan xl-sakip regenerate"
# Keterangan of a parent: where its realisasi comes from (core/rollup.Source). Informative: the status
# row does not count them as rows to check.
FROM_PENDUKUNG = "realisasi = jumlah indikator pendukung"
FROM_OWN = "pendukung hanya mencakup sebagian target: memakai realisasi sendiri"


def L(col: int) -> str:
    """Column letters of a 1-based column number: 1 -> A, 27 -> AA."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _cond(branches: list[tuple[str, str]], otherwise: str) -> str:
    """Nested IFs from (condition, value) pairs, the first true condition winning."""
    out = otherwise
    for cond, value in reversed(branches):
        out = f"IF({cond},{value},{out})"
    return out


# ------------------------------------------------------------------ references


def col(table: str, header: str) -> str:
    """A structured reference to a whole table column: tblIndikator[Target], tblIndikator[[Roll-up]]."""
    esc = re.sub(r"([\[\]#'])", r"'\1", header)
    if re.fullmatch(r"[A-Za-z0-9 _()%]+", header):
        return f"{table}[{esc}]"
    return f"{table}[[{esc}]]"


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


def _master(field_name: str, r: int) -> str:
    """The master value of this row's indicator, "" when the master cell is empty (never a silent 0)."""
    x = f"INDEX({icol(field_name)},$S{r})"
    return f'IF($S{r}="","",IF({x}="","",{x}))'


def _latest(cells: Sequence[str], otherwise: str) -> str:
    """The last non-empty of `cells` (TW4 first), else `otherwise`: nested IFs an auditor can read."""
    out = otherwise
    for c in cells:
        out = f'IF({c}<>"",{c},{out})'
    return out


def _count_filled(rng: str) -> str:
    return f'SUMPRODUCT(--({rng}<>""))'


def _row_formulas(
    ind: Indicator,
    r: int,
    children: list[tuple[str, int]],  # (sheet name, row) of each pendukung with roll-up "jumlah"
    cycle: bool,
) -> dict[int, Content]:
    c: dict[int, Content] = {}
    S = f"$S{r}"
    tw = [f"{L(x)}{r}" for x in C_TW]
    tq = [f"{L(x)}{r}" for x in C_TQ]
    tw_rng, tq_rng = f"{tw[0]}:{tw[-1]}", f"{tq[0]}:{tq[-1]}"
    E, J, K, Y = f"E{r}", f"J{r}", f"K{r}", f"Y{r}"
    is_grade = ind.kind is Kind.GRADE
    is_ratio = ind.aggregation is Aggregation.RATIO and not is_grade
    is_parent = bool(children) or cycle

    c[C_ID] = ind.id
    c[C_BARIS] = Formula(f'=IFERROR(MATCH($R{r},{icol("id")},0),"")')
    c[C_INDIKATOR] = Formula(f'=IF({S}="",{text_literal(NOT_FOUND)},INDEX({icol("indikator")},{S}))')
    c[C_SATUAN] = Formula("=" + _master("satuan", r))
    for i, x in enumerate(C_TW):
        c[x] = Formula("=" + _master(f"realisasi_q.{i}", r))
    for i, x in enumerate(C_TQ):
        c[x] = Formula("=" + _master(f"target_q.{i}", r))

    # Target to date (core/aggregate.target_to_date): the annual target unless quarterly targets are set.
    annual = _master("target", r)
    if is_grade:
        written = f'TRIM(INDEX({icol("target_text")},{S}))'
        annual = f'IF({S}="","",IF(INDEX({icol("target")},{S})="",{written},INDEX({icol("target")},{S})))'
    if ind.aggregation is Aggregation.SUM and not is_grade:
        target = f"IF({_count_filled(tq_rng)}=0,{annual},SUM({tq_rng}))"
    else:
        target = _latest(tq, annual)
    c[C_TARGET] = Formula("=" + target)

    # Realisasi for the year (core/aggregate.aggregate_values).
    filled = _count_filled(tw_rng)
    if is_ratio:
        num = [f"{L(x)}{r}" for x in C_PEMBILANG]
        den = [f"{L(x)}{r}" for x in C_PENYEBUT]
        for i, x in enumerate(C_PEMBILANG):
            c[x] = Formula("=" + _master(f"numerator_q.{i}", r))
        for i, x in enumerate(C_PENYEBUT):
            c[x] = Formula("=" + _master(f"denominator_q.{i}", r))
        both = f'({num[0]}:{num[-1]}<>"")*({den[0]}:{den[-1]}<>"")'
        scale = "*100" if ind.kind is Kind.PERCENT else ""
        year = (f'IF(SUMPRODUCT({both})=0,"",IF(SUMPRODUCT({both},{den[0]}:{den[-1]})=0,'
                f'"jumlah penyebut 0: rasio tidak dapat dihitung",'
                f"SUMPRODUCT({both},{num[0]}:{num[-1]})/SUMPRODUCT({both},{den[0]}:{den[-1]}){scale}))")
        own_empty = [f'IF(AND({num[q]}<>"",{den[q]}<>""),0,1)' for q in range(4)]
        neg_q = [f"OR(N({num[q]})<0,N({den[q]})<0)" for q in range(4)]
    elif is_grade:
        last = _latest(tw, '""')
        year = f"IF(ISTEXT({last}),TRIM({last}),{last})"
        own_empty = [f'IF({tw[q]}="",1,0)' for q in range(4)]
        neg_q = []  # a grade's score is checked against its scale instead
    else:
        agg = f"SUM({tw_rng})" if ind.aggregation is Aggregation.SUM else _latest(tw, '""')
        # The first quarter holding text that is not a number, as core/aggregate words it.
        not_number = _cond([(f'AND({tw[q]}<>"",NOT(ISNUMBER({tw[q]})))',
                             f'"realisasi {s.Q[q]} bukan angka: \'"&{tw[q]}&"\'"') for q in range(4)], '""')
        year = f'IF({filled}=0,"",IF(COUNT({tw_rng})<{filled},{not_number},{agg}))'
        own_empty = [f'IF({tw[q]}="",1,0)' for q in range(4)]
        neg_q = [f"N({tw[q]})<0" for q in range(4)]
    c[C_TAHUN] = Formula("=" + year)
    c[C_DESIMAL] = 0 if ind.kind is Kind.NUMBER and not is_ratio else 2
    # The row's own realisasi as core/capaian.own_realisasi: a negative quarter is a data error.
    neg = f"OR({','.join(neg_q)})" if neg_q else ""
    own = f'IF(ISTEXT({J}),{J},IF({neg},{text_literal(NEGATIVE)},{J}))' if neg else J
    masalah = f'=IF(AND(ISTEXT({Y}),{Y}<>""),1,0)'

    # Roll-up (core/rollup): direct pendukung targets from the master; their realisasi through the
    # "Realisasi Dipakai" cells of the pendukung rows. The parent takes that sum only when the pendukung
    # cover its target (core/rollup.covers: every target set, their sum >= the parent's - n x 0,005).
    AP = f"{L(C_CAKUP)}{r}"
    if is_parent:
        crit = f'{icol("supports")},$R{r},{icol("rollup")},"{RollUp.SUM.value}"'
        c[C_T_ANAK] = Formula(f"=SUMIFS({icol('target')},{crit})")
        c[C_SEL_T] = Formula(f'=IF(AND(ISNUMBER(M{r}),ISNUMBER({E})),M{r}-{E},"")')
        if cycle:
            c[C_R_ANAK] = CYCLE
            for q in range(4):
                c[C_KOSONG[q]] = 0
            c[C_MASALAH] = 1
            c[C_PAKAI] = Formula(f"=O{r}")
        else:
            refs = lambda col_: ",".join(ref(sh, col_, rr) for sh, rr in children)  # noqa: E731
            c[C_R_ANAK] = Formula(
                f'=IF(MAX({refs(C_MASALAH)})>0,"realisasi pendukung bermasalah",'
                f'IF(COUNT({refs(C_PAKAI)})=0,"",SUM({refs(C_PAKAI)})))')
            n = len(children)
            t_own = f"INDEX({icol('target')},{S})"
            with_target = (f'SUMPRODUCT(({icol("supports")}=$R{r})*({icol("rollup")}="{RollUp.SUM.value}")'
                           f"*ISNUMBER({icol('target')}))")
            c[C_CAKUP] = Formula(f'=IF({S}="",0,IF(AND(ISNUMBER({t_own}),{with_target}={n}),'
                                 f"IF(M{r}>={t_own}-{tolerance(n):.10g},1,0),0))")
            c[C_PAKAI] = Formula(f"=IF({AP}=1,O{r},{own})")
            for q in range(4):
                c[C_KOSONG[q]] = Formula(f"=IF({AP}=1,MAX({refs(C_KOSONG[q])}),{own_empty[q]})")
            c[C_MASALAH] = Formula(masalah)
        c[C_SEL_R] = Formula(f'=IF(AND(ISNUMBER(O{r}),ISNUMBER({J})),O{r}-{J},"")')
    else:
        c[C_PAKAI] = Formula("=" + own)
        for q in range(4):
            c[C_KOSONG[q]] = Formula("=" + own_empty[q])
        c[C_MASALAH] = Formula(masalah)

    # Capaian (core/capaian.compute) of the realisasi used, before the cap.
    ST, SR = f"{L(C_SKOR_T)}{r}", f"{L(C_SKOR_R)}{r}"
    q = "'"  # core/capaian quotes grade codes in its reasons
    if is_grade:
        c[C_SKOR_T] = Formula(
            f'=IF({E}="","",IF(ISNUMBER({E}),{E},IFERROR(INDEX({GRADE_SCORE},MATCH(SUBSTITUTE({E}," ",""),'
            f'{GRADE_CODE},0)),"")))')
        scale = f'IF(ISNUMBER({E}),"",INDEX({GRADE_SCALE},MATCH(SUBSTITUTE({E}," ",""),{GRADE_CODE},0)))'
        rc = f'SUBSTITUTE({Y}," ","")'
        c[C_SKOR_R] = Formula(
            f'=IF({Y}="","",IF(ISNUMBER({Y}),{Y},IFERROR(IF(COUNTIFS({GRADE_CODE},{rc},{GRADE_SCALE},'
            f'IFERROR({scale},""))>0,SUMIFS({GRADE_SCORE},{GRADE_CODE},{rc},{GRADE_SCALE},{scale}),'
            f'INDEX({GRADE_SCORE},MATCH({rc},{GRADE_CODE},0))),"")))')
        top = (f"IF(ISNUMBER({E}),MAX({GRADE_SCORE}),SUMPRODUCT(MAX(({GRADE_SCALE}={scale})*{GRADE_SCORE})))")
        core = (
            f'IF({SR}="",{text_literal(NC + "predikat realisasi " + q)}&{Y}&'
            f'{text_literal(q + " tidak ada di skala predikat (Ref_Predikat)")},'
            f'IF(OR({SR}<0,{SR}>{top}),{text_literal(NC + "skor realisasi ")}&{Y}&'
            f'{text_literal(" di luar skala predikat")},'
            f'IF({ST}=0,{text_literal(NC + "skor predikat target 0")},{SR}/{ST}*100)))')
        core = (f'IF({ST}="",{text_literal(NC + "predikat target " + q)}&{E}&'
                f'{text_literal(q + " tidak ada di skala predikat (Ref_Predikat)")},{core})')
    else:
        div0 = text_literal(NC + "target 0: capaian tidak dapat dihitung (pembagian dengan nol)")
        higher = lambda t: f"IF({t}=0,{div0},{Y}/{t}*100)"  # noqa: E731

        def lower(t: str) -> str:
            tr = (f'IF({t}=0,{text_literal(NC + "target 0: capaian tidak dapat dihitung")},'
                  f"IF({Y}=0,100,{t}/{Y}*100))")
            tr2 = f"IF({t}=0,{div0},(2*{t}-{Y})/{t}*100)"
            return f'IF(SUBSTITUTE(UPPER({SET_LOWER})," ","")="T/R",{tr},{tr2})'

        if ind.polarity is Polarity.RANGE:
            x = f"X{r}"
            lo, hi = f"MIN({E},{x})", f"MAX({E},{x})"
            core = (f'IF({x}="",{text_literal(NC + "target rentang tanpa batas atas (Target Atas)")},'
                    f"IF(AND({Y}>={lo},{Y}<={hi}),100,IF({Y}<{lo},{higher(lo)},{lower(hi)})))")
            c[C_TATAS] = Formula("=" + _master("target_upper", r))
        elif ind.polarity is Polarity.LOWER_IS_BETTER:
            core = lower(E)
        else:
            core = higher(E)
        core = f'IF(ISTEXT({E}),{text_literal(NC + "target ")}&{E}&" bukan angka",{core})'
    # The order of core/capaian.from_period: a problem of the realisasi, no realisasi, no target.
    checks = [(f'{S}=""', '""')]
    if not is_grade:
        checks.append((f'AND(ISTEXT({Y}),{Y}<>"")', f"{text_literal(NC)}&{Y}"))
    empty = text_literal(NC + "realisasi belum diisi")
    if is_parent and not cycle:  # the pendukung cover only part of the target and the own value is empty
        empty = f"IF({AP}=1,{empty},{text_literal(NC + PARTIAL_EMPTY)})"
    checks += [(f'{Y}=""', empty), (f'{E}=""', text_literal(NC + "target belum diisi"))]
    raw = "=" + _cond(checks, core)
    c[C_CAPAIAN_MENTAH] = Formula(raw)
    raw_ref = f"AO{r}"
    c[C_CAPAIAN] = Formula(
        f"=IF(ISNUMBER({raw_ref}),IF(AND(ISNUMBER({SET_CAP}),{raw_ref}>{SET_CAP}),{SET_CAP},{raw_ref}),{raw_ref})")

    # Category (core/categories.category): the above-target label over 100, else the band whose upper
    # bound is the smallest one not below the capaian (bands are checked for gaps and overlaps).
    n_below = f'SUMPRODUCT(({BAND_UPPER}<>"")*({BAND_UPPER}<{K}))'
    c[C_KATEGORI] = Formula(
        f'=IF(ISNUMBER({K}),IF(AND({K}>100,{SET_ABOVE}<>""),{SET_ABOVE},'
        f'IFERROR(INDEX({BAND_LABEL},MATCH(SMALL({BAND_UPPER},{n_below}+1),{BAND_UPPER},0)),'
        f'"tanpa kategori")),"")')

    # Keterangan: why a row needs attention (not found, stale, negative, incomplete); on a parent row
    # also where its realisasi comes from.
    kinds = "|".join([ind.kind.value, ind.polarity.value, ind.aggregation.value, ind.position])
    key = "&\"|\"&".join(f"INDEX({icol(f)},{S})" for f in ("kind", "polarity", "aggregation", "position"))
    missing = "&".join(f'IF({L(C_KOSONG[q])}{r}=1,"{s.Q[q]}, ","")' for q in range(4))
    source = (f"IF({AP}=1,{text_literal(FROM_PENDUKUNG)},{text_literal(FROM_OWN)})"
              if is_parent and not cycle else "")
    also = f'&"; "&{source}' if source else ""
    stale = "usang: Jenis/Polaritas/Agregasi/Kode Jabatan berubah di Indikator; " + REGENERATE
    checks = [(f'{S}=""', text_literal(NOT_FOUND)), (f"{key}<>{text_literal(kinds)}", text_literal(stale))]
    if is_parent:
        checks.append((f'COUNTIFS({icol("supports")},$R{r},{icol("rollup")},"{RollUp.SUM.value}")'
                       f"<>{len(children)}",
                       text_literal(f"usang: indikator pendukung berubah di Indikator; {REGENERATE}")))
    if neg_q:
        negs = "&".join(f'IF({cond},"{s.Q[q]}, ","")' for q, cond in enumerate(neg_q))
        checks.append((neg, f'"realisasi negatif di "&LEFT({negs},LEN({negs})-2)&": periksa sheet Indikator"'
                            + also))
    checks.append((f"AND(ISNUMBER({K}),SUM(Z{r}:AC{r})>0)",
                   f'"belum lengkap: realisasi "&LEFT({missing},LEN({missing})-2)&" belum diisi"' + also))
    ket = "=" + _cond(checks, source or '""')
    c[C_KET] = Formula(ket)
    return c


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
        counts: list[Content] = [Formula(f"=COUNTIF({l_rng},{L(6 + i)}${h1})") for i in range(n_bands + 1)]
        shows[(len(grid) + 1, 2)] = p.title
        row([p.code, Formula(f"={quote_sheet(sh)}!$C$4"), sh, n,
             Formula(f'=IF(COUNT({k_rng})=0,"tidak ada capaian",AVERAGE({k_rng}))'),
             *counts, Formula(f'=COUNTIF({k_rng},"tidak dapat dihitung*")')])
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
