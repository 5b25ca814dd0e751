"""Generated cases for the parity of the two back ends (tests/test_parity.py).

Each case is one indicator row with its quarterly inputs and the office's settings and band table. The
core evaluates the rules on the case (xl_sakip.core); a workbook holds the same rules as formulas, built
from the very trees the core evaluates (core/engine.py) with the variables replaced by the row's cells,
the reference tables by ranges and the settings by cells. Another engine (the `formulas` package, or
LibreOffice) computes that workbook; the two must agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import strategies as st

from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.capaian import capaian_of
from xl_sakip.core.categories import category, check_bands
from xl_sakip.core.engine import REPORTING, capaian_rules, category_rule, covers_rule, period_rules
from xl_sakip.core.findings import Severity
from xl_sakip.core.models import Aggregation, Band, Cascade, Indicator, Kind, Polarity, Reference, Settings
from xl_sakip.core.readings import readings
from xl_sakip.core.reference import default_reference
from xl_sakip.core.rollup import covers

# Input columns of a case row (sheet "C"), then the formula columns.
TW, TQ, NUM, DEN = (1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16)
ANNUAL, UPPER, PARENT_T = 17, 18, 19
KIDS = (20, 21, 22, 23)  # targets of up to four pendukung
C_TARGET, C_OWN, C_REASON, C_VALUE, C_CAPAIAN, C_CATEGORY, C_COVERS = 24, 25, 26, 27, 28, 29, 30
# The two readings s.d. TW n (issue 14): annual target, Rencana Aksi target; quarters missing.
C_T_ANNUAL, C_R_ANNUAL, C_V_ANNUAL, C_CAP_ANNUAL = 31, 32, 33, 34
C_T_RA, C_NO_RA, C_R_RA, C_V_RA, C_CAP_RA = 35, 36, 37, 38, 39
C_MISSING = (40, 41, 42, 43)
# Each input as a unit sheet reads it from the master ("" when empty), in a cell of its own as on the unit
# sheets (the INDEX columns): the rules then name that cell, and their text stays the size it has there
# (written inline, a ratio's realisasi reached 14 000 characters, past LibreOffice's token limit).
INPUT_COLS = {**{f"tw{q}": 49 + q for q in range(1, 5)}, **{f"tq{q}": 53 + q for q in range(1, 5)},
              **{f"num{q}": 57 + q for q in range(1, 5)}, **{f"den{q}": 61 + q for q in range(1, 5)},
              "annual": 66, "U": 67}
OUT = {"target": C_TARGET, "capaian": C_CAPAIAN, "category": C_CATEGORY, "covers": C_COVERS,
       "target_annual": C_T_ANNUAL, "capaian_annual": C_CAP_ANNUAL, "target_ra": C_T_RA,
       "capaian_ra": C_CAP_RA, **{f"missing{q}": c for q, c in enumerate(C_MISSING, 1)}}

COMBOS = [
    (Kind.NUMBER, Aggregation.SUM), (Kind.PERCENT, Aggregation.LATEST), (Kind.INDEX, Aggregation.LATEST),
    (Kind.PERCENT, Aggregation.RATIO), (Kind.NUMBER, Aggregation.RATIO), (Kind.INDEX, Aggregation.SUM),
    (Kind.GRADE, Aggregation.LATEST),
]
GRADE_CODES = ["AA", "A", "BB", "B", "CC", "C", "D", "WTP", "WDP", "TW", "TMP", " bb", "zz"]


@dataclass
class Case:
    kind: Kind
    aggregation: Aggregation
    polarity: Polarity
    tw: list[Any]
    tq: list[Any]
    num: list[Any]
    den: list[Any]
    annual: Any
    upper: Any
    parent_target: Any = None
    kids: list[Any] = field(default_factory=list)

    def indicator(self) -> Indicator:
        grade = self.kind is Kind.GRADE
        return Indicator(
            id="X-1.1", position="X", kind=self.kind, aggregation=self.aggregation, polarity=self.polarity,
            target=None if isinstance(self.annual, str) else self.annual,
            target_text=self.annual if grade and isinstance(self.annual, str) else "",
            target_upper=self.upper, target_q=list(self.tq), realisasi_q=list(self.tw),
            numerator_q=list(self.num), denominator_q=list(self.den))


@dataclass
class Office:
    settings: Settings
    reference: Reference


# ------------------------------------------------------------------ strategies

_edge_values = st.sampled_from([0.0, 50.0, 65.0, 75.0, 90.0, 100.0, 63.99, 71.1, 8.96, 0.1, 0.2, 0.3])
numbers = st.one_of(
    st.integers(-5, 400).map(float),
    st.floats(0, 500, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
    _edge_values,
)
cell = st.one_of(st.none(), st.just(None), numbers, st.just(0.0), st.sampled_from(["abc", "12,5"]))
quarterly_target = st.one_of(st.none(), st.none(), numbers, st.just("tw 1"))


@st.composite
def bands(draw: st.DrawFn) -> tuple[list[Band], str]:
    """A band table the band check accepts: cut points, open or closed ends, made-up labels."""
    cuts = sorted(set(draw(st.lists(st.sampled_from([20.0, 33.33, 50.0, 65.0, 75.0, 80.0, 90.0, 95.0]),
                                     min_size=1, max_size=5))))
    low_open = draw(st.booleans())
    top_open = draw(st.booleans())
    edges: list[float | None] = [None if low_open else 0.0, *cuts, None if top_open else 100.0]
    if edges[-1] is not None and edges[-2] is not None and edges[-2] >= 100:
        edges = edges[:-1]
    labels = draw(st.lists(st.sampled_from(["Baik", "Cukup", "Kurang", "Sangat", "Merah", "Hijau", "Ok"]),
                           min_size=len(edges) - 1, max_size=len(edges) - 1))
    table = [Band(label=f"{lab} {i}", lower=lo, upper=hi)
             for i, (lab, lo, hi) in enumerate(zip(labels, edges, edges[1:], strict=False))]
    above = draw(st.sampled_from(["", "Melampaui Target", "Lebih"]))
    return table, above


@st.composite
def offices(draw: st.DrawFn) -> Office:
    ref = default_reference()
    if draw(st.booleans()):
        ref.bands, ref.above_target_label = draw(bands())
        assert not [f for f in check_bands(ref) if f.severity is Severity.ERROR], ref.bands
    settings = Settings(lower_is_better_formula=draw(st.sampled_from(["2T-R", "T/R"])),
                        capaian_cap=draw(st.sampled_from([None, None, 100.0, 120.0])),
                        reporting_quarter=draw(st.sampled_from([1, 2, 3, 4, 4])))
    return Office(settings, ref)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind, agg = draw(st.sampled_from(COMBOS))
    polarity = draw(st.sampled_from(list(Polarity))) if kind is not Kind.GRADE else Polarity.HIGHER_IS_BETTER
    q = st.lists(cell, min_size=4, max_size=4)
    if kind is Kind.GRADE:
        scores = st.sampled_from([3.0, 5.5, 9.0])
        tw = draw(st.lists(st.one_of(st.none(), st.sampled_from(GRADE_CODES), scores), min_size=4,
                           max_size=4))
        annual = draw(st.sampled_from(GRADE_CODES[:10] + [None, 4.0]))
        tq = draw(st.lists(st.one_of(st.none(), st.none(), st.sampled_from(GRADE_CODES[:8])),
                           min_size=4, max_size=4))
    else:
        tw = draw(q)
        annual = draw(st.one_of(numbers, st.none(), st.just(0.0)))
        tq = draw(st.lists(quarterly_target, min_size=4, max_size=4)) if draw(st.booleans()) else [None] * 4
        if annual is not None and draw(st.booleans()):  # realisasi on a band edge of the default table
            edge = draw(st.sampled_from([50.0, 65.0, 75.0, 90.0, 100.0]))
            tw[draw(st.integers(0, 3))] = round(edge * annual / 100, 2)
    num = draw(st.lists(st.one_of(st.none(), numbers), min_size=4, max_size=4))
    den = draw(st.lists(st.one_of(st.none(), numbers, st.just(0.0)), min_size=4, max_size=4))
    upper = draw(st.one_of(st.none(), numbers)) if polarity is Polarity.RANGE else None
    # A roll-up parent at and around the coverage tolerance: children's targets sum to the parent's
    # target give or take n x 0,005.
    n = draw(st.integers(1, 4))
    kids = draw(st.lists(st.floats(0, 20).map(lambda x: round(x, 2)), min_size=n, max_size=n))
    shift = draw(st.sampled_from([0.0, 1.0, -1.0, 0.999, 1.001, 2.0, -2.0]))
    parent = round(sum(kids) + shift * n * rules.ROUNDING, 6)
    if draw(st.integers(0, 9)) == 0:
        kids[0] = None
    return Case(kind, agg, polarity, tw, tq, num, den, annual, upper, parent, kids)


# ------------------------------------------------------------------ the core's answers


def core_answers(case: Case, office: Office) -> dict[str, Any]:
    ind = case.indicator()
    upto = office.settings.reporting_quarter
    cap = capaian_of(ind, office.settings, office.reference, upto)
    from xl_sakip.core.aggregate import target_to_date

    t = target_to_date(ind, upto)
    two = readings(Cascade(settings=office.settings, reference=office.reference, indicators=[ind]), ind)
    missing = set(two.used.pv.missing)
    return {
        "target": "" if t is None else t,
        "capaian": cap.excel(),
        "category": category(cap.value, office.reference) or "",
        "covers": covers(case.parent_target, case.kids),
        "target_annual": "" if two.annual_target is None else two.annual_target,
        "capaian_annual": two.annual.excel(),
        "target_ra": "" if two.target_to_date is None else two.target_to_date,
        "capaian_ra": two.to_date.excel(),
        **{f"missing{q}": 1.0 if q in missing else 0.0 for q in range(1, 5)},
    }


# ------------------------------------------------------------------ the workbook


def _substitute(e: fx.Expr, cells: dict[str, fx.Expr], refs: dict[str, fx.Expr]) -> fx.Expr:
    """The tree with variables replaced by cells, tables and names by ranges and cells of sheet Ref."""
    if isinstance(e, fx.Var):
        return cells[e.name]
    if isinstance(e, fx.TableCol):
        return refs[f"{e.table}[{e.column}]"]
    if isinstance(e, fx.Name):
        return refs[e.name]
    if isinstance(e, fx.Fn):
        return fx.Fn(e.name, tuple(_substitute(a, cells, refs) for a in e.args))
    if isinstance(e, fx.Op):
        return fx.Op(e.op, _substitute(e.a, cells, refs), _substitute(e.b, cells, refs))
    if isinstance(e, fx.Neg):
        return fx.Neg(_substitute(e.a, cells, refs))
    return e


def _ref_sheet(wb: openpyxl.Workbook, office: Office) -> dict[str, fx.Expr]:
    ws = wb.create_sheet("Ref")
    ref, refs = office.reference, {}
    n = max(len(ref.bands), 1)
    for i, b in enumerate(ref.bands, start=2):
        ws.cell(i, 1, b.label)
        ws.cell(i, 2, b.lower)
        ws.cell(i, 3, b.upper)
    for k, h in enumerate(rules.BAND_HEADERS):
        refs[f"{rules.TABLE_BANDS}[{h}]"] = fx.Area(fx.Cell(k + 1, 2, "Ref", True, True),
                                                    fx.Cell(k + 1, n + 1, "Ref", True, True))
    for i, g in enumerate(ref.grades, start=2):
        ws.cell(i, 5, g.scale)
        ws.cell(i, 6, g.code)
        ws.cell(i, 7, g.score)
    m = max(len(ref.grades), 1)
    for k, h in enumerate(rules.GRADE_HEADERS[:3]):
        refs[f"{rules.TABLE_GRADES}[{h}]"] = fx.Area(fx.Cell(k + 5, 2, "Ref", True, True),
                                                     fx.Cell(k + 5, m + 1, "Ref", True, True))
    for r, (name, value) in enumerate(((rules.NAME_CAP, office.settings.capaian_cap),
                                       (rules.NAME_LOWER_FORMULA, office.settings.lower_is_better_formula),
                                       (rules.NAME_ABOVE_LABEL, ref.above_target_label or None),
                                       (rules.NAME_QUARTER, office.settings.reporting_quarter)), start=1):
        ws.cell(r, 10, name)
        ws.cell(r, 11, value)
        refs[name] = fx.Cell(11, r, "Ref", True, True)
    # The reporting quarter in force: a cell holding its rule, as Pengaturan holds it (setTriwulanBerlaku).
    ws.cell(5, 10, rules.NAME_QUARTER_IN_FORCE)
    ws.cell(5, 11).value = fx.formula_text(_substitute(rules.QUARTER_IN_FORCE, {}, refs))
    refs[rules.NAME_QUARTER_IN_FORCE] = fx.Cell(11, 5, "Ref", True, True)
    return refs


def _put(ws: Any, row: int, col: int, v: Any) -> None:
    c = ws.cell(row, col)
    c.value = v
    if isinstance(v, str):
        c.data_type = "s"


def _write_row(ws: Any, row: int, case: Case, refs: dict[str, fx.Expr]) -> None:
    for cols, values in ((TW, case.tw), (TQ, case.tq), (NUM, case.num), (DEN, case.den)):
        for col, v in zip(cols, values, strict=True):
            _put(ws, row, col, v)
    _put(ws, row, ANNUAL, case.annual)
    _put(ws, row, UPPER, case.upper)
    _put(ws, row, PARENT_T, case.parent_target)
    for col, v in zip(KIDS, case.kids, strict=False):
        _put(ws, row, col, v)
    c = lambda col: fx.Cell(col, row)  # noqa: E731

    def inp(col: int) -> fx.Expr:  # an input as a unit sheet reads it from the master: empty is ""
        return fx.IF(c(col).eq(""), "", c(col))

    sources = {**{f"tw{q}": TW[q - 1] for q in range(1, 5)}, **{f"tq{q}": TQ[q - 1] for q in range(1, 5)},
               **{f"num{q}": NUM[q - 1] for q in range(1, 5)}, **{f"den{q}": DEN[q - 1] for q in range(1, 5)},
               "annual": ANNUAL, "U": UPPER}
    for name, src in sources.items():
        ws.cell(row, INPUT_COLS[name]).value = fx.formula_text(inp(src))
    cells: dict[str, fx.Expr] = {name: c(col) for name, col in INPUT_COLS.items()}
    cells |= {"R": c(C_OWN), "T": c(C_TARGET), "empty": fx.Lit("realisasi belum diisi"), "K": c(C_VALUE)}
    cells["no_target"] = fx.Lit("target belum diisi")
    pr = period_rules(case.kind, case.aggregation, REPORTING)  # every quarter, and setTriwulanBerlaku
    reason, value = capaian_rules(case.kind, case.polarity)
    sub = lambda e: _substitute(e, cells, refs)  # noqa: E731

    def reading(t_col: int, no_target: fx.Expr) -> fx.Expr:
        return _substitute(reason, {**cells, "T": c(t_col), "no_target": no_target}, refs)

    def value_of(t_col: int, r_col: int) -> fx.Expr:
        return fx.IF(c(r_col).eq(""), _substitute(value, {**cells, "T": c(t_col)}, refs), "")
    n = len(case.kids)
    kids = fx.Area(c(KIDS[0]), c(KIDS[n - 1]))
    formulas = {
        C_TARGET: sub(pr.target),
        C_OWN: sub(pr.own),
        C_REASON: sub(reason),
        C_VALUE: fx.IF(c(C_REASON).eq(""), sub(value), ""),
        C_CAPAIAN: _substitute(rules.capaian(c(C_REASON), c(C_VALUE)), cells, refs),
        C_CATEGORY: _substitute(category_rule(), {**cells, "K": c(C_CAPAIAN)}, refs),
        C_COVERS: _substitute(covers_rule(n), {"T": c(PARENT_T), "n_with_target": fx.COUNT(kids),
                                               "sum_targets": fx.SUM(kids)}, refs),
        C_T_ANNUAL: sub(pr.annual),
        C_R_ANNUAL: reading(C_T_ANNUAL, fx.Lit("target belum diisi")),
        C_V_ANNUAL: value_of(C_T_ANNUAL, C_R_ANNUAL),
        C_CAP_ANNUAL: _substitute(rules.capaian(c(C_R_ANNUAL), c(C_V_ANNUAL)), cells, refs),
        C_T_RA: sub(pr.target_ra),
        C_NO_RA: sub(pr.no_target_ra),
        C_R_RA: reading(C_T_RA, c(C_NO_RA)),
        C_V_RA: value_of(C_T_RA, C_R_RA),
        C_CAP_RA: _substitute(rules.capaian(c(C_R_RA), c(C_V_RA)), cells, refs),
        **{col: sub(m) for col, m in zip(C_MISSING, pr.missing, strict=True)},
    }
    for col, e in formulas.items():
        ws.cell(row, col).value = fx.formula_text(e)


def write_cases(path: Path, cases_: list[Case], office: Office) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "C"
    refs = _ref_sheet(wb, office)
    for row, case in enumerate(cases_, start=1):
        _write_row(ws, row, case, refs)
    wb.save(path)
    return path


def same(a: Any, b: Any) -> bool:
    """Equal as a person reads them: numbers to 9 significant digits, "" and empty alike."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b) and isinstance(a, bool | int | float) and isinstance(b, bool | int | float)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b
