"""The rules of the domain, each written once as an expression (core/formula.py).

Every function here builds a tree from its inputs. The core passes variables (`Var`) and evaluates the
tree in Python (core/engine.py); the unit sheets pass cells and write the rendered formula, with the
evaluated value as the cell's cached value. So check, the UDFs, the pohon kinerja and every generated
sheet compute a figure from the same definition, and the parity tests compare the two back ends.

Inputs follow the sheets' conventions: an empty value is an empty cell or "" (a formula that found
nothing), so the rules test emptiness with `x = ""`, never ISBLANK; a number is what ISNUMBER accepts —
text that looks like a number is not one (check says so, naming the cell).

Decisions written down once:
- A capaian's category is chosen on the capaian rounded to 2 decimals, as shown (63,99 / 71,10 is 90 %,
  "Tinggi", whatever the last bits); so is the above-target test.
- "Of what was reported": a period's realisasi adds (or takes the latest of) the reported quarters, and its
  target, where quarterly targets exist, is the target of those same quarters.
- Coverage of a roll-up parent compares (sum of pendukung targets − parent target) / 0,005, rounded to 6
  decimals, with −n: exact at the tolerance in both engines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xl_sakip.core import words as w
from xl_sakip.core.formula import (
    AND,
    AVERAGE,
    COUNT,
    COUNTIF,
    DATE,
    IF,
    IFERROR,
    INDEX,
    ISNUMBER,
    ISTEXT,
    LEFT,
    LEN,
    MATCH,
    MAX,
    MIN,
    NOT,
    OR,
    ROUND,
    ROW,
    SUBSTITUTE,
    SUM,
    SUMPRODUCT,
    TRIM,
    UPPER,
    Expr,
    Lit,
    N,
    Name,
    TableCol,
    cond,
    lift,
)
from xl_sakip.core.models import Aggregation, Kind, Polarity

# ------------------------------------------------------------------ the workbook names rules read
# (book/schema.py takes them from here: one place)

TABLE_BANDS = "tblKategori"
BAND_HEADERS = ("Kategori", "Capaian Di Atas (%)", "Capaian Sampai Dengan (%)")
TABLE_GRADES = "tblPredikat"
GRADE_HEADERS = ("Skala", "Kode", "Skor", "Keterangan")

BAND_LABEL = TableCol(TABLE_BANDS, BAND_HEADERS[0])
BAND_LOWER = TableCol(TABLE_BANDS, BAND_HEADERS[1])
BAND_UPPER = TableCol(TABLE_BANDS, BAND_HEADERS[2])
GRADE_SCALE = TableCol(TABLE_GRADES, GRADE_HEADERS[0])
GRADE_CODE = TableCol(TABLE_GRADES, GRADE_HEADERS[1])
GRADE_SCORE = TableCol(TABLE_GRADES, GRADE_HEADERS[2])

NAME_CAP = "setBatasCapaian"
NAME_LOWER_FORMULA = "setRumusTurun"
NAME_ABOVE_LABEL = "setLabelMelampaui"
NAME_QUARTER = "setTriwulanLaporan"  # the reporting quarter: "s.d. TW n"
SET_CAP = Name(NAME_CAP)
SET_LOWER_FORMULA = Name(NAME_LOWER_FORMULA)
SET_ABOVE_LABEL = Name(NAME_ABOVE_LABEL)
SET_QUARTER = Name(NAME_QUARTER)
# The reporting quarter in force: an empty Pengaturan cell is the whole year, as in the model
# (Settings.reporting_quarter), never quarter 0. Written once, in a Pengaturan cell of its own named
# setTriwulanBerlaku (book/schema.py SETTINGS); every sheet formula reads that name, so the test is not
# repeated in each period rule (28 % of the unit sheets' formula text when it was; issue 13). The engine
# evaluates the name by this same tree (core/engine.py RulesEnv.name).
NAME_QUARTER_IN_FORCE = "setTriwulanBerlaku"
QUARTER_IN_FORCE = IF(ISNUMBER(SET_QUARTER), SET_QUARTER, 4)
REPORTING_QUARTER = Name(NAME_QUARTER_IN_FORCE)

ROUNDING = 0.005  # half a unit of the second decimal: the roll-up tolerance per pendukung


def text(v: str) -> Expr:
    return lift(v)


def filled(x: Expr) -> Expr:
    return x.ne("")


def blank(x: Expr) -> Expr:
    return x.eq("")


def not_number(x: Expr) -> Expr:
    """Filled, but not a number (text in a number cell)."""
    return AND(filled(x), NOT(ISNUMBER(x)))


def _fmt(template: str, **parts: Expr | str) -> Expr:
    """A words.py template with its {placeholders} filled by expressions: text & expr & text."""
    out: Expr | None = None
    rest = template
    while "{" in rest:
        head, tail = rest.split("{", 1)
        key, rest = tail.split("}", 1)
        piece = parts[key]
        for bit in (lift(head) if head else None, lift(piece)):
            if bit is not None:
                out = bit if out is None else out & bit
    if rest or out is None:
        out = lift(rest) if out is None else out & lift(rest)
    return out


def _first(checks: Sequence[tuple[Expr, Expr]]) -> Expr:
    """The value of the first true check, else ""."""
    return cond(list(checks), "")


# ------------------------------------------------------------------ period aggregation


def is_ratio(kind: Kind, aggregation: Aggregation) -> bool:
    return aggregation is Aggregation.RATIO and kind is not Kind.GRADE


def in_period(q: int, upto: Expr | None) -> Expr | None:
    """Is quarter q (1-based) inside the reporting period "s.d. TW upto"? None when every quarter given is
    (the core passes only quarters 1..upto; the sheets pass all four and the reporting quarter's name)."""
    return None if upto is None else lift(q).le(upto)


def _within(x: Expr, inq: Expr | None) -> Expr:
    return x if inq is None else AND(x, inq)


def reported(kind: Kind, aggregation: Aggregation, tw: Sequence[Expr], num: Sequence[Expr],
             den: Sequence[Expr], upto: Expr | None = None) -> list[Expr]:
    """Per quarter: was it reported? A zero is a value; an empty cell is not (a ratio needs both parts).
    A quarter after the reporting quarter `upto` is not, even when filled."""
    if is_ratio(kind, aggregation):
        return [_within(AND(filled(a), filled(b)), in_period(q, upto))
                for q, (a, b) in enumerate(zip(num, den, strict=True), 1)]
    return [_within(filled(x), in_period(q, upto)) for q, x in enumerate(tw, 1)]


def _latest(values: Sequence[Expr], flags: Sequence[Expr], otherwise: Expr | str) -> Expr:
    """The value of the last quarter whose flag holds (nested IFs an auditor can read)."""
    out = lift(otherwise)
    for v, f in zip(values, flags, strict=True):
        out = IF(f, v, out)
    return out


def realisasi(kind: Kind, aggregation: Aggregation, tw: Sequence[Expr], num: Sequence[Expr],
              den: Sequence[Expr], upto: Expr | None = None, rep: Sequence[Expr] | None = None) -> Expr:
    """The realisasi of the quarters given (1..upto): a number; "" when none was reported; a reason
    (text) when it cannot be a number. A grade indicator gives its latest code (or score). `rep`: cells
    holding `reported` of these same inputs (the unit sheets), else it is computed here."""
    if rep is None:
        rep = reported(kind, aggregation, tw, num, den, upto)
    any_rep = OR(*rep)
    if kind is Kind.GRADE:
        last = _latest(tw, rep, "")
        return IF(ISTEXT(last), TRIM(last), last)
    if is_ratio(kind, aggregation):
        bad = _first([(AND(r, not_number(x)), _fmt(w.RATIO_NOT_NUMBER, q=w.quarter(q + 1), value=x))
                      for q, (a, b, r) in enumerate(zip(num, den, rep, strict=True)) for x in (a, b)])
        n = sum_if(num, rep)
        d = sum_if(den, rep)
        scale = 100 if kind is Kind.PERCENT else 1
        return IF(NOT(any_rep), "", IF(bad.ne(""), bad, IF(d.eq(0), w.RATIO_ZERO, n / d * scale)))
    bad = _first([(_within(not_number(x), in_period(q + 1, upto)),
                   _fmt(w.REALISASI_NOT_NUMBER, q=w.quarter(q + 1), value=x)) for q, x in enumerate(tw)])
    value = SUM(*[IF(r, x, 0) for x, r in zip(tw, rep, strict=True)]) if aggregation is Aggregation.SUM \
        else _latest(tw, rep, "")
    return IF(NOT(any_rep), "", IF(bad.ne(""), bad, value))


def sum_if(values: Sequence[Expr], flags: Sequence[Expr] | None) -> Expr:
    """The sum of the values whose flag holds, or of all without flags (N: empty and text count 0)."""
    terms = [N(v) for v in values] if flags is None else [
        IF(f, N(v), 0) for v, f in zip(values, flags, strict=True)]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def negative(kind: Kind, aggregation: Aggregation, tw: Sequence[Expr], num: Sequence[Expr],
             den: Sequence[Expr], upto: Expr | None = None) -> list[Expr]:
    """Per quarter of the period: does it hold a negative number (a data error; never for a grade)?"""
    if kind is Kind.GRADE:
        return []
    if is_ratio(kind, aggregation):
        return [_within(OR(N(a).lt(0), N(b).lt(0)), in_period(q, upto))
                for q, (a, b) in enumerate(zip(num, den, strict=True), 1)]
    return [_within(N(x).lt(0), in_period(q, upto)) for q, x in enumerate(tw, 1)]


def own_realisasi(year: Expr, neg: Sequence[Expr]) -> Expr:
    """The realisasi an indicator is measured by when it has no pendukung: a negative quarter makes it
    not computable (check reports REALISASI_NEGATIF)."""
    if not neg:
        return year
    return IF(ISTEXT(year), year, IF(OR(*neg), w.NEGATIVE, year))


def target(kind: Kind, aggregation: Aggregation, tq: Sequence[Expr], annual: Expr, rep: Sequence[Expr],
           tq_all: Sequence[Expr] | None = None, upto: Expr | None = None) -> Expr:
    """The target the realisasi of quarters 1..upto is measured against.

    No quarterly targets in the year (`tq_all`, default `tq`): the annual target. With them: for a sum, the
    targets of the reported quarters added up (all quarters to date while none is reported); otherwise
    the target of the latest reported quarter (the latest set before it, else the annual target). A
    quarterly or annual target that is text is a reason, naming the quarter. Quarters after the
    reporting quarter `upto` (sheets) are not looked at.
    """
    tq_all = tq if tq_all is None else tq_all
    none_set = no_quarterly_targets(tq_all)
    if kind is Kind.GRADE:
        quarterly = _pick_latest(tq, rep, annual, upto)
        return IF(none_set, annual, quarterly)
    # Without an annual target to fall back on (target_rencana_aksi passes ""), nothing to test.
    no_annual = isinstance(annual, Lit) and annual.value == ""
    bad_annual = annual if no_annual else IF(not_number(annual), _fmt(w.TARGET_NOT_NUMBER, value=annual),
                                               annual)
    bad = _first([(_within(not_number(x), in_period(q + 1, upto)),
                   _fmt(w.TARGET_Q_NOT_NUMBER, q=w.quarter(q + 1), value=x)) for q, x in enumerate(tq)])
    if aggregation is Aggregation.SUM:
        to_date = None if upto is None else [in_period(q, upto) for q in range(1, len(tq) + 1)]
        quarterly = IF(OR(*rep), sum_if(tq, rep), sum_if(tq, to_date))  # type: ignore[arg-type]
    else:
        quarterly = _pick_latest(tq, rep, bad_annual, upto)
    return IF(none_set, bad_annual, IF(bad.ne(""), bad, quarterly))


def no_quarterly_targets(tq_all: Sequence[Expr]) -> Expr:
    """No quarterly target (Rencana Aksi) is set in the whole year."""
    return AND(*[blank(x) for x in tq_all])


def _pick_latest(tq: Sequence[Expr], rep: Sequence[Expr], annual: Expr, upto: Expr | None = None) -> Expr:
    """The target of the latest reported quarter: its own if set, else the latest set before it, else
    `annual`; while none is reported, the latest set up to date."""

    def set_up_to(k: int) -> Expr:  # the latest quarterly target set among quarters 1..k
        return _latest(tq[:k], [filled(x) for x in tq[:k]], annual)

    out = _latest(tq, [_within(filled(x), in_period(q, upto)) for q, x in enumerate(tq, 1)], annual)
    for k in range(1, len(tq) + 1):
        out = IF(rep[k - 1], set_up_to(k), out)
    return out


def missing(rep: Sequence[Expr], upto: Expr | None = None) -> list[Expr]:
    """Per quarter: 1 when not reported, up to the reporting quarter (one after it is not missing)."""
    if upto is None:
        return [IF(r, 0, 1) for r in rep]
    return [IF(r, 0, IF(in_period(q, upto), 1, 0)) for q, r in enumerate(rep, 1)]


# ------------------------------------------------------------------ capaian


def single_realisasi(r: Expr, kind: Kind) -> Expr:
    """One realised value typed in a cell: text that is not a number is the reason (grades: codes)."""
    if kind is Kind.GRADE:
        return r
    return IF(not_number(r), _fmt(w.REALISASI_VALUE_NOT_NUMBER, value=r), r)


def lower_is_t_over_r() -> Expr:
    """The office's lower-is-better formula setting is "T/R" (else (2T − R)/T)."""
    return SUBSTITUTE(UPPER(SET_LOWER_FORMULA), " ", "").eq("T/R")


# Grade codes are typed by planners (a target or realisasi "BB"): they match the scale's codes exactly, as
# "=" compares (case ignored). MATCH gets the code with ~ before * ? ~ (else wildcards: "B*" found "BB"),
# and the score within a scale is a SUMPRODUCT of "=", not SUMIFS/COUNTIFS criteria (which also read "3" as
# a number and "<B" as an operator).


def match_text(x: Expr) -> Expr:
    """`x` for an exact MATCH: its * ? ~ escaped with ~, so that MATCH finds that very text."""
    return SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(x, "~", "~~"), "*", "~*"), "?", "~?")


def _grade_row(code: Expr) -> Expr:
    return MATCH(match_text(code), GRADE_CODE, 0)


def grade_key(t: Expr) -> Expr:
    """A typed grade code as the formulas compare it: plain spaces removed (" B B" is BB), nothing else
    (a tab or a non-breaking space stays); case is ignored by MATCH and "=" themselves."""
    return SUBSTITUTE(t, " ", "")


def grade_row(t: Expr) -> Expr:
    """The row in Ref_Predikat of the typed grade code `t` (the first with that code, any scale); #N/A when
    none. Validation finds a code by this very rule (capaian.find_grade)."""
    return _grade_row(grade_key(t))


def _grade_scale(t: Expr) -> Expr:
    return IF(ISNUMBER(t), "", IFERROR(INDEX(GRADE_SCALE, grade_row(t)), ""))


def grade_score_target(t: Expr) -> Expr:
    """The score of a grade target: a number as it is, a code by the scale (Ref_Predikat); "" if unknown."""
    return IF(blank(t), "", IF(ISNUMBER(t), t,
                               IFERROR(INDEX(GRADE_SCORE, grade_row(t)), "")))


def grade_score_realisasi(r: Expr, t: Expr) -> Expr:
    """The score of a realised grade: a number as it is; a code by the target's scale first, else by
    any scale; "" if unknown."""
    code = grade_key(r)
    scale = _grade_scale(t)
    rows = GRADE_CODE.eq(code) * GRADE_SCALE.eq(scale)
    by_scale = SUMPRODUCT(rows, GRADE_SCORE)
    any_scale = INDEX(GRADE_SCORE, _grade_row(code))
    in_scale = SUMPRODUCT(rows).gt(0)
    return IF(blank(r), "", IF(ISNUMBER(r), r, IFERROR(IF(in_scale, by_scale, any_scale), "")))


def _grade_top(t: Expr) -> Expr:
    return IF(ISNUMBER(t), MAX(GRADE_SCORE), SUMPRODUCT(MAX(GRADE_SCALE.eq(_grade_scale(t)) * GRADE_SCORE)))


def _divisions(polarity: Polarity, r: Expr, t: Expr, u: Expr) -> list[tuple[Expr, Expr]]:
    """The reasons a number capaian cannot be computed, in the order the value formula divides."""
    div0 = text(w.TARGET_ZERO_DIV)
    if polarity is Polarity.HIGHER_IS_BETTER:
        return [(t.eq(0), div0)]
    if polarity is Polarity.LOWER_IS_BETTER:
        return [(t.eq(0), IF(lower_is_t_over_r(), w.TARGET_ZERO, div0))]
    lo, hi = MIN(t, u), MAX(t, u)
    return [(blank(u), text(w.RANGE_NO_UPPER)), (NOT(ISNUMBER(u)), text(w.RANGE_UPPER_NOT_NUMBER)),
            (AND(r.lt(lo), lo.eq(0)), div0),
            (AND(r.gt(hi), hi.eq(0)), IF(lower_is_t_over_r(), w.TARGET_ZERO, div0))]


def capaian_reason(kind: Kind, polarity: Polarity, r: Expr, t: Expr, u: Expr,
                   empty: Expr | str = w.NO_REALISASI, scores: tuple[Expr, Expr] | None = None,
                   no_target: Expr | str = w.NO_TARGET) -> Expr:
    """Why no capaian can be computed from realisasi `r` and target `t` ("" when it can): a problem of
    the realisasi, no realisasi (`empty`), no target (`no_target`), a target that is not a number, a
    division by 0, a grade outside the scale. `scores`: cells holding the grade scores of target and
    realisasi."""
    checks: list[tuple[Expr, Expr]] = []
    if kind is not Kind.GRADE:
        checks.append((AND(ISTEXT(r), filled(r)), r))
    checks += [(blank(r), lift(empty)), (blank(t), lift(no_target))]
    if kind is Kind.GRADE:
        st, sr = scores or (grade_score_target(t), grade_score_realisasi(r, t))
        checks += [
            (blank(st), _fmt(w.GRADE_TARGET_UNKNOWN, code=t)),
            (blank(sr), _fmt(w.GRADE_REALISASI_UNKNOWN, code=r)),
            (OR(sr.lt(0), sr.gt(_grade_top(t))), _fmt(w.GRADE_OUT_OF_SCALE, score=r, top=_grade_top(t))),
            (st.eq(0), text(w.GRADE_TARGET_ZERO)),
        ]
    else:
        checks.append((ISTEXT(t), t))
        checks += _divisions(polarity, r, t, u)
    return _first(checks)


def _higher(r: Expr, t: Expr) -> Expr:
    return r / t * 100


def _lower(r: Expr, t: Expr) -> Expr:
    return IF(lower_is_t_over_r(), IF(r.eq(0), 100, t / r * 100), (2 * t - r) / t * 100)


def capaian_value(kind: Kind, polarity: Polarity, r: Expr, t: Expr, u: Expr,
                  scores: tuple[Expr, Expr] | None = None) -> Expr:
    """Capaian (%) before the cap, where `capaian_reason` is "".

    naik R/T×100; turun (2T−R)/T×100 or, by the setting, T/R×100 with R = 0 counting 100 (AKSARA
    e-SAKIP); rentang [T, U] 100 inside, below as naik against the lower bound, above as turun against
    the upper; predikat score(R)/score(T)×100.
    """
    if kind is Kind.GRADE:
        st, sr = scores or (grade_score_target(t), grade_score_realisasi(r, t))
        return sr / st * 100
    if polarity is Polarity.HIGHER_IS_BETTER:
        return _higher(r, t)
    if polarity is Polarity.LOWER_IS_BETTER:
        return _lower(r, t)
    lo, hi = MIN(t, u), MAX(t, u)
    return IF(AND(r.ge(lo), r.le(hi)), 100, IF(r.lt(lo), _higher(r, lo), _lower(r, hi)))


def capaian(reason: Expr, value: Expr) -> Expr:
    """The capaian a cell shows: the value, capped by the setting (empty: no cap), or the reason."""
    return IF(blank(reason), capped(value), w.NC & reason)


def capped(value: Expr) -> Expr:
    return IF(AND(ISNUMBER(SET_CAP), value.gt(N(SET_CAP))), SET_CAP, value)


# ------------------------------------------------------------------ categories


def band_hits(v: Expr) -> Expr:
    """Per band of Ref_Kategori, 1 when it holds the (rounded) capaian `v`: above its lower bound (the
    lowest band, when every band has one, also at it) and up to its upper bound; an empty bound is open;
    a band without a label holds nothing."""
    lo, hi, lab = BAND_LOWER, BAND_UPPER, BAND_LABEL
    at_lowest = lo.eq(v) * lo.eq(MIN(lo)) * COUNTIF(lo, "").eq(0)
    above = (blank(lo) + lo.lt(v) + at_lowest).gt(0)
    below = (blank(hi) + v.le(hi)).gt(0)
    return above * below * filled(lab)


def category(capaian_cell: Expr) -> Expr:
    """The category of a capaian: "" when it is not a number; the above-target label (when set) over 100;
    else the label of the one band holding it ("" when none or more than one: check reports gaps and
    overlaps). Chosen on the capaian rounded to 2 decimals."""
    v = ROUND(capaian_cell, 2)
    hits = band_hits(v)
    position = SUMPRODUCT(hits * (ROW(BAND_LABEL) - MIN(ROW(BAND_LABEL)) + 1))
    return IF(NOT(ISNUMBER(capaian_cell)), "",
              IF(AND(v.gt(100), filled(SET_ABOVE_LABEL)), SET_ABOVE_LABEL,
                 IF(SUMPRODUCT(hits).eq(1), INDEX(BAND_LABEL, position), "")))


# ------------------------------------------------------------------ roll-up


def covers(parent_target: Expr, n: int, n_with_target: Expr, sum_targets: Expr) -> Expr:
    """THE roll-up rule: a parent takes the sum of its n pendukung's realisasi only when they cover it:
    the parent and every pendukung have a target, and the pendukung's targets add up to at least the
    parent's less n × 0,005 (two-decimal rounding moves a sum of n values by at most that)."""
    if n == 0:
        return lift(False)
    gap = ROUND((sum_targets - parent_target) / ROUNDING, 6)
    return IF(ISNUMBER(parent_target), IF(n_with_target.eq(n), gap.ge(-n), False), False)


def rolled(values: Sequence[Expr], problems: Sequence[Expr], numbers: Sequence[Expr] | None = None) -> Expr:
    """The sum of the pendukung's used realisasi: a reason when one of them has a problem; "" when none
    has a value (a pendukung without one adds nothing; its quarters count as missing).

    `values`, `problems` (and `numbers`, each value's `rolled_number`) are the pendukung's cells one by
    one, or ranges holding them: the unit sheets pass ranges of their pendukung block, whose cells hold
    those same values, so the formula does not grow with the number of pendukung."""
    if numbers is None:
        numbers = [rolled_number(v) for v in values]
    return IF(MAX(*problems).gt(0), w.PENDUKUNG_PROBLEM, IF(COUNT(*values).eq(0), "", SUM(*numbers)))


def rolled_number(value: Expr) -> Expr:
    """What one pendukung's used realisasi adds to the sum: itself when it is a number, else 0."""
    return IF(ISNUMBER(value), value, 0)


def used(covered: Expr, rolled_value: Expr, own: Expr) -> Expr:
    """The realisasi a parent is measured by: its pendukung's sum where they cover it, else its own."""
    return IF(covered, rolled_value, own)


def problem(used_value: Expr) -> Expr:
    """1 when the realisasi used cannot be a number (text other than ""): a pendukung passes it up."""
    return IF(AND(ISTEXT(used_value), filled(used_value)), 1, 0)


def empty_reason(covered: Expr | None) -> Expr:
    """Why a capaian has no realisasi: a parent whose pendukung cover only part of it says so."""
    if covered is None:
        return text(w.NO_REALISASI)
    return IF(covered, w.NO_REALISASI, w.PARTIAL_EMPTY)


# ------------------------------------------------------------------ looking up the master


def master_row(indicator_id: Expr, ids: Expr, k: int | None = None) -> Expr:
    """The position (1-based, as MATCH gives it) of an indicator in the master's ID column `ids`, "" when
    it is not there (IDs compared as MATCH and "=" compare them, ignoring case).

    `k`: its position when the sheet was generated. It is checked first, so that a master nobody sorted
    since costs one comparison per looked-up row; an exact MATCH over the whole column, a linear scan
    (n²/2 comparisons for a workbook of n rows), runs only when that row no longer holds the ID: sorting,
    filtering or inserting rows in the master never makes a sheet wrong (issue 13)."""
    # An exact MATCH reads * ? ~ in the looked-up value as wildcards, but `indicator_id` is an ID the tool
    # wrote from a row the reader accepted (models.Indicator: ^[A-Za-z0-9_.-]+$, none of them; `check`
    # reports a generated sheet edited by hand); wildcards in the column are plain text to MATCH, and it
    # compares text with text only, as "=" does (a number-stored ID is KODE_ANGKA, book/integrity.py).
    found = IFERROR(MATCH(indicator_id, ids, 0), "")
    if k is None:
        return found
    return IF(IFERROR(INDEX(ids, k).eq(indicator_id), False), k, found)


# --- the SAKIP year (issue 14)
# The report is "s.d. TW n" (setTriwulanLaporan): the period rules above take the reporting quarter as
# `upto` (quarters after it are ignored even when filled; an empty one before it is missing, so the figure
# is "belum lengkap" naming it). Each indicator is read two ways against the same realisasi to date:
# - against the annual target (Permendagri 86/2017 evaluation form): realisasi to date ÷ annual target;
# - against the target to date (Rencana Aksi): the quarterly targets up to the reporting quarter, of what
#   was reported (as `target`), never the annual target in their place: without quarterly targets the
#   reading is not computable and says so.


def annual_target(kind: Kind, annual: Expr) -> Expr:
    """The annual target as a capaian reads it: text in a number target is the reason (a grade: its code)."""
    if kind is Kind.GRADE:
        return annual
    return IF(not_number(annual), _fmt(w.TARGET_NOT_NUMBER, value=annual), annual)


def target_rencana_aksi(kind: Kind, aggregation: Aggregation, tq: Sequence[Expr], rep: Sequence[Expr],
                        tq_all: Sequence[Expr] | None = None, upto: Expr | None = None) -> Expr:
    """The Rencana Aksi target of the period: `target` with no annual target to fall back on ("" when no
    quarterly target is set up to date)."""
    return target(kind, aggregation, tq, lift(""), rep, tq_all, upto)


def no_target_rencana_aksi(tq_all: Sequence[Expr]) -> Expr:
    """Why the Rencana Aksi reading has no target: no quarterly target in the year, or none up to date."""
    return IF(no_quarterly_targets(tq_all), w.NO_RA_TARGETS, w.NO_RA_TARGET_TO_DATE)


# The master sheets of the SAKIP year (book/schema.py takes the names from here): long tables by ID.
TABLE_RENSTRA = "tblRenstra"
RENSTRA_HEADERS = ("ID", "Tahun", "Target Renstra", "Keterangan")
TABLE_HISTORY = "tblRiwayat"
HISTORY_HEADERS = ("ID", "Tahun", "Target", "Realisasi", "Keterangan")
TABLE_NARRATIVE = "tblNarasi"
NARRATIVE_HEADERS = ("ID", "Triwulan", "Faktor Pendukung", "Faktor Penghambat", "Upaya / Tindak Lanjut",
                     "Bukti Dukung")


def lookup_row(table: str, key_col: str, key: Expr, by_col: str, by: Expr, value_col: str,
               sheet: str) -> Expr:
    """`value_col` of the one row of `table` whose `key_col` is `key` and `by_col` is `by` (an ID and a
    year or quarter): "" when there is none or the cell is empty; a reason naming the sheet when there is
    more than one (never one of them silently). A text value (a grade code) comes as it is. IDs compare
    as "=" compares them (ignoring case only): counted with "=", not COUNTIFS, whose criterion reads * ? ~
    as wildcards, < > = as operators, and an ID such as 1.1 as a number."""
    kc, bc, vc = TableCol(table, key_col), TableCol(table, by_col), TableCol(table, value_col)
    n = SUMPRODUCT(kc.eq(key) * bc.eq(by))
    position = SUMPRODUCT(kc.eq(key) * bc.eq(by) * (ROW(kc) - MIN(ROW(kc)) + 1))
    x = INDEX(vc, position)
    return IF(n.eq(0), "", IF(n.gt(1), _fmt(w.DUPLICATE_ROWS, sheet=sheet, by=by_col),
                              IF(x.eq(""), "", x)))


def past_realisasi(key: Expr, year: Expr) -> Expr:
    """The realisasi of an indicator in an earlier year (Riwayat)."""
    return lookup_row(TABLE_HISTORY, HISTORY_HEADERS[0], key, HISTORY_HEADERS[1], year, HISTORY_HEADERS[3],
                      "Riwayat")


def renstra_final_year(key: Expr) -> Expr:
    """The last year of an indicator's Renstra period (0 when it has no Renstra row)."""
    ids, years = TableCol(TABLE_RENSTRA, RENSTRA_HEADERS[0]), TableCol(TABLE_RENSTRA, RENSTRA_HEADERS[1])
    return SUMPRODUCT(MAX(ids.eq(key) * years))


def renstra_final_target(key: Expr) -> Expr:
    """The final target of the Renstra (target akhir): the target of the period's last year."""
    return lookup_row(TABLE_RENSTRA, RENSTRA_HEADERS[0], key, RENSTRA_HEADERS[1], renstra_final_year(key),
                      RENSTRA_HEADERS[2], "Renstra")


def narrative(key: Expr, quarter: Expr, column: str) -> Expr:
    """One narrative column (Faktor Pendukung ...) of an indicator for a quarter (Narasi)."""
    return lookup_row(TABLE_NARRATIVE, NARRATIVE_HEADERS[0], key, NARRATIVE_HEADERS[1], quarter, column,
                      "Narasi")


# --- budget and PK versions (issue 15)
#
# Serapan (budget absorption) to date = realisasi anggaran of quarters 1..the reporting quarter ÷ the pagu
# in force (the pagu perubahan where typed, else the pagu), × 100. Amounts are typed on Sub Kegiatan rows;
# a Program or Kegiatan has the sum of the Sub Kegiatan whose code begins with its code and a dot. An
# empty realisasi anggaran counts as nothing spent (money is recorded when it is spent), unlike an
# indicator's realisasi.
#
# Efficiency, chosen in Pengaturan (setRumusEfisiensi; domain.md, "Efficiency"):
# - "capaian-serapan" (default): capaian kinerja − serapan anggaran, in points, rounded to 2 decimals;
#   above +5 efisien, from −5 to +5 cukup, below −5 kurang efisien;
# - "EKA" (Kemenkeu): E = (1/n) Σ [1 − (RA/RV)/(PA/TV)] × 100 %, where RA/PA is the serapan and RV/TV the
#   capaian of output i, so each term is 1 − serapan/capaian; nilai efisiensi = 50 % + (E/20) × 50 %. The
#   outputs of a position are its sasaran with a budget; a sasaran is one output. Not capped (no rule
#   found for a cap);
# - "sisa anggaran": where the target is met (capaian ≥ 100, rounded to 2 decimals), the share of the
#   pagu left unspent, 100 − serapan; otherwise no value ("target belum tercapai").
# The capaian kinerja of a sasaran or a position is the mean of its indicators' capaian that are numbers.

TABLE_BUDGET = "tblAnggaran"
BUDGET_LEVEL_HEADER, BUDGET_CODE_HEADER = "Level", "Kode"
BUDGET_PAGU_HEADER, BUDGET_PAGU_P_HEADER = "Pagu", "Pagu Perubahan"
BUDGET_SPENT_HEADERS = tuple(f"Realisasi Anggaran TW{q}" for q in range(1, 5))
BUDGET_LEVEL = TableCol(TABLE_BUDGET, BUDGET_LEVEL_HEADER)
BUDGET_CODE = TableCol(TABLE_BUDGET, BUDGET_CODE_HEADER)
BUDGET_PAGU = TableCol(TABLE_BUDGET, BUDGET_PAGU_HEADER)
BUDGET_PAGU_P = TableCol(TABLE_BUDGET, BUDGET_PAGU_P_HEADER)
BUDGET_SPENT = tuple(TableCol(TABLE_BUDGET, h) for h in BUDGET_SPENT_HEADERS)
SUB_LEVEL = "sub kegiatan"  # BudgetLevel.SUB: the level amounts are typed on

NAME_EFFICIENCY = "setRumusEfisiensi"
SET_EFFICIENCY = Name(NAME_EFFICIENCY)
EFFICIENCY_GAP, EFFICIENCY_EKA, EFFICIENCY_UNSPENT = "capaian-serapan", "EKA", "sisa anggaran"
EFFICIENCY_FORMULAS = (EFFICIENCY_GAP, EFFICIENCY_EKA, EFFICIENCY_UNSPENT)
EFFICIENCY_BAND = 5  # points either side of 0: cukup


def quarter_to_date() -> Expr:
    """The reporting quarter (setTriwulanLaporan); an empty cell is the whole year."""
    return REPORTING_QUARTER


def budget_rows(code: Expr) -> Expr:
    """1 for each Sub Kegiatan row of Anggaran that is `code` or inside it (its Kode begins with `code` and
    a dot), else 0: an array for SUMPRODUCT.

    Codes compare with "=" (case ignored, nothing else), as `lookup_row` compares IDs, never as SUMIFS
    criteria: a criterion reads a code such as 2.07 as a number (LibreOffice then meets the text "2.07"
    and the number 2.07, our evaluator the number only), * ? ~ as wildcards and < > = as operators. So a
    Kode cell holding the number 2.07 is not the code "2.07" (finding ANGGARAN_KODE_ANGKA)."""
    own = BUDGET_CODE.eq(code) + LEFT(BUDGET_CODE, LEN(code) + 1).eq(code & ".")
    return BUDGET_LEVEL.eq(SUB_LEVEL) * own


def budget_sum(column: Expr, rows: Expr) -> Expr:
    """The sum of the numbers of `column` on `rows` (budget_rows; text and empty cells add nothing)."""
    return SUMPRODUCT(rows, column)


def budget_pagu(code: Expr) -> Expr:
    """The pagu in force of `code`: each Sub Kegiatan's pagu perubahan where typed, else its pagu (the
    rows whose pagu perubahan is empty)."""
    rows = budget_rows(code)
    return budget_sum(BUDGET_PAGU_P, rows) + budget_sum(BUDGET_PAGU, rows * BUDGET_PAGU_P.eq(""))


def budget_spent(code: Expr) -> Expr:
    """The realisasi anggaran of `code` in quarters 1..the reporting quarter."""
    q = quarter_to_date()
    rows = budget_rows(code)
    out: Expr | None = None
    for k, column in enumerate(BUDGET_SPENT, start=1):
        term = IF(q.ge(k), budget_sum(column, rows), 0)
        out = term if out is None else out + term
    assert out is not None
    return out


def serapan(spent: Expr, pagu: Expr) -> Expr:
    """Serapan anggaran (%): realisasi ÷ pagu × 100; the reason when the pagu is 0 or empty."""
    return IF(AND(ISNUMBER(pagu), N(pagu).ne(0)), spent / pagu * 100, w.NO_PAGU)


def capaian_mean(*capaian_cells: Expr) -> Expr:
    """The capaian kinerja of a sasaran or a position: the mean of the capaian that are numbers (a
    capaian that cannot be computed is text and left out); "" when there is none."""
    return IF(COUNT(*capaian_cells).eq(0), "", AVERAGE(*capaian_cells))


def _both(cap: Expr, ser: Expr) -> Expr:
    return AND(ISNUMBER(cap), ISNUMBER(ser))


def eka_term(cap: Expr, ser: Expr) -> Expr:
    """One output's EKA term × 100: (1 − serapan/capaian) × 100; "" without both; a reason at capaian 0."""
    return IF(_both(cap, ser), IF(cap.eq(0), w.CAPAIAN_ZERO, (1 - ser / cap) * 100), "")


def eka_mean(*terms: Expr) -> Expr:
    """E: the mean of the outputs' EKA terms that are numbers; "" when there is none."""
    return IF(COUNT(*terms).eq(0), "", AVERAGE(*terms))


def _method() -> Expr:
    return UPPER(TRIM(SET_EFFICIENCY))


def efficiency(cap: Expr, ser: Expr, e: Expr) -> Expr:
    """The efficiency figure by the setting: the gap capaian − serapan (points), the EKA nilai efisiensi
    (%) from E, or the unspent share of the pagu where the target was met (%). "" when the inputs are
    missing; text when the figure does not exist (target not met, no capaian)."""
    gap = ROUND(cap - ser, 2)
    eka = IF(ISNUMBER(e), ROUND(50 + e / 20 * 50, 2), IF(e.eq(""), w.NO_CAPAIAN, e))
    unspent = IF(ROUND(cap, 2).ge(100), ROUND(100 - ser, 2), w.TARGET_NOT_MET)
    return IF(NOT(ISNUMBER(ser)), "", IF(_method().eq(EFFICIENCY_EKA.upper()), eka,
                                          IF(NOT(ISNUMBER(cap)), w.NO_CAPAIAN,
                                             IF(_method().eq(EFFICIENCY_UNSPENT.upper()), unspent, gap))))


def efficiency_label(cap: Expr, ser: Expr, value: Expr) -> Expr:
    """The word beside the figure: for capaian − serapan its band (above +5 efisien, −5..+5 cukup, below
    −5 kurang efisien); for sisa anggaran whether the target was met; none for EKA (the nilai speaks)."""
    band = IF(value.gt(EFFICIENCY_BAND), w.EFFICIENT, IF(value.ge(-EFFICIENCY_BAND), w.FAIR, w.INEFFICIENT))
    met = IF(ROUND(cap, 2).ge(100), w.TARGET_MET, "")
    return IF(NOT(AND(ISNUMBER(value), _both(cap, ser))), "",
              IF(_method().eq(EFFICIENCY_EKA.upper()), "",
                 IF(_method().eq(EFFICIENCY_UNSPENT.upper()), met, band)))


def budget_total(*amount_cells: Expr) -> Expr:
    """The pagu or realisasi of several budget rows: their sum."""
    return SUM(*amount_cells)


# PK versions: the target in force. The PK Murni's targets are the Indikator sheet's; a PK Perubahan lists
# the targets it changes (tblTargetPK) and is in force from its date (tblVersiPK[Tanggal]). The version in
# force is the latest dated on or before the end of the reporting quarter of setTahun; an indicator's target
# in force is its target in the latest version in force that changes it, else the Murni's. The versions are
# taken in date order when the sheet is planned (a version added later needs a regenerate); their dates and
# targets are read live.

TABLE_PK_VERSIONS = "tblVersiPK"
PK_VERSION_HEADERS = ("Versi", "Jenis", "Tanggal", "Alasan")
TABLE_PK_TARGETS = "tblTargetPK"
PK_TARGET_HEADERS = ("Versi PK", "ID Indikator", "Target Baru", "Keterangan Rencana Aksi")
PK_V_NAME = TableCol(TABLE_PK_VERSIONS, PK_VERSION_HEADERS[0])
PK_V_DATE = TableCol(TABLE_PK_VERSIONS, PK_VERSION_HEADERS[2])
PK_T_VERSION = TableCol(TABLE_PK_TARGETS, PK_TARGET_HEADERS[0])
PK_T_ID = TableCol(TABLE_PK_TARGETS, PK_TARGET_HEADERS[1])
PK_T_TARGET = TableCol(TABLE_PK_TARGETS, PK_TARGET_HEADERS[2])
NAME_YEAR = "setTahun"
SET_YEAR = Name(NAME_YEAR)


def quarter_end() -> Expr:
    """The last day of the reporting quarter of setTahun, as a date serial."""
    return DATE(SET_YEAR, 3 * quarter_to_date() + 1, 1) - 1


def version_in_force(name: str) -> Expr:
    """Is PK version `name` dated on or before the end of the reporting quarter? (No date: not in force.)"""
    # The name is typed by planners: its * ? ~ would be MATCH wildcards, so they are escaped with ~.
    literal = name.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    d = INDEX(PK_V_DATE, MATCH(literal, PK_V_NAME, 0))
    return IFERROR(AND(ISNUMBER(d), d.le(quarter_end())), False)


def target_in_force(murni: Expr, indicator_id: Expr, perubahan: Sequence[str]) -> Expr:
    """The annual target in force: the latest version in force among `perubahan` (names in date order) that
    changes this indicator gives it; else the Murni's target `murni`."""
    # IDs and version names compare with "=" (case ignored), as in lookup_row: a COUNTIFS/SUMIFS criterion
    # reads an ID such as 1.1 as a number, * ? ~ as wildcards and < > = as operators.
    out = murni
    for name in perubahan:
        rows = PK_T_ID.eq(indicator_id) * PK_T_VERSION.eq(name)
        changed = SUMPRODUCT(rows * PK_T_TARGET.ne("")).gt(0)
        out = IF(AND(version_in_force(name), changed), SUMPRODUCT(rows, PK_T_TARGET), out)
    return out


def version_name(perubahan: Sequence[str], murni: str) -> Expr:
    """The name of the PK version in force (shown on every generated sheet)."""
    out: Expr = lift(murni)
    for name in perubahan:
        out = IF(version_in_force(name), name, out)
    return out


# The Permendagri 86/2017 evaluation form (Renja PD): the Renstra target and the realisasi of earlier years
# of an indicator (sheets Renstra and Riwayat), its cumulative realisasi and its capaian against the Renstra.

# The final Renstra target is the SAKIP year's `renstra_final_target` (above); Riwayat's columns by header.
HISTORY_ID = TableCol(TABLE_HISTORY, HISTORY_HEADERS[0])
HISTORY_YEAR = TableCol(TABLE_HISTORY, HISTORY_HEADERS[1])
HISTORY_REALISASI = TableCol(TABLE_HISTORY, HISTORY_HEADERS[3])


def realisasi_to_last_year(aggregation: Aggregation, indicator_id: Expr) -> Expr:
    """The realisasi up to last year: counts add the earlier years of Riwayat, any other takes last year's
    (as the quarters do); "" when Riwayat has none."""
    # IDs compare with "=", as in lookup_row: a COUNTIFS/SUMIFS criterion reads * ? ~ as wildcards, < > =
    # as operators and an ID such as 1.1 as a number. SUMPRODUCT's second array adds numbers only.
    if aggregation is Aggregation.SUM:
        year_ok = ISNUMBER(HISTORY_YEAR) * HISTORY_YEAR.lt(SET_YEAR)
    else:
        year_ok = HISTORY_YEAR.eq(SET_YEAR - 1)
    rows = HISTORY_ID.eq(indicator_id) * year_ok
    return IF(SUMPRODUCT(rows * HISTORY_REALISASI.ne("")).eq(0), "", SUMPRODUCT(rows, HISTORY_REALISASI))


def cumulative_realisasi(aggregation: Aggregation, past: Expr, this_year: Expr) -> Expr:
    """The realisasi up to this year: counts add last years' to this year's; any other is this year's. A
    reason (text) stays the reason."""
    if aggregation is not Aggregation.SUM:
        return this_year
    return IF(AND(ISTEXT(this_year), filled(this_year)), this_year,
              IF(AND(blank(past), blank(this_year)), "", N(past) + N(this_year)))


def capaian_renstra(kind: Kind, polarity: Polarity, cumulative: Expr, final_target: Expr) -> Expr:
    """Capaian against the Renstra: the cumulative realisasi against the final Renstra target, by the
    indicator's capaian rule (and the cap); "" without a final target."""
    reason = capaian_reason(kind, polarity, cumulative, final_target, lift(""))
    return IF(blank(final_target), "", capaian(reason, capaian_value(kind, polarity, cumulative, final_target,
                                                                     lift(""))))


def budget_quarter(code: Expr, k: int) -> Expr:
    """The realisasi anggaran of quarter `k` of `code`; 0 after the reporting quarter."""
    return IF(quarter_to_date().ge(k), budget_sum(BUDGET_SPENT[k - 1], budget_rows(code)), 0)


def over_codes(rule: Callable[[Expr], Expr], codes: Sequence[str]) -> Expr:
    """A budget figure of several rows (their codes): the figure of each, added; 0 without rows."""
    terms = [rule(lift(code)) for code in codes]
    out = terms[0] if terms else lift(0)
    for t in terms[1:]:
        out = out + t
    return out
