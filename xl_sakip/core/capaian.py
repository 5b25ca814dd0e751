"""Capaian (achievement, %) of an indicator: domain.md, Capaian.

| polarity / kind    | formula                                                       |
|--------------------|---------------------------------------------------------------|
| naik               | R / T × 100                                                   |
| turun, "2T-R"      | (2T − R) / T × 100   (PermenPANRB 8/2021 "kondisi khusus")    |
| turun, "T/R"       | T / R × 100, R = 0 counts as 100 (AKSARA e-SAKIP)             |
| rentang [T, U]     | inside: 100; below: R / T × 100; above: as turun against U    |
| predikat           | score(R) / score(T) × 100 (Reference.grades; R may be a score)|

The formulas themselves are core/rules.py (capaian_reason, capaian_value, capped); this module evaluates
them on a model's values and says which outcome it is.

Every result is computed, not computable (with the reason) or incomplete (with the missing quarters);
never a silent 0. A negative realisasi is a data error (check: REALISASI_NEGATIF): not computable.
An optional cap (Settings.capaian_cap) limits computed values.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.aggregate import PeriodValue, annual_target, own_period, quarter_label, target_to_date
from xl_sakip.core.engine import (
    PLAIN,
    RulesEnv,
    capaian_trees,
    period_rules,
    quarter_vars,
    result,
    run,
    single_value_rule,
)
from xl_sakip.core.formula import Var, evaluate, evaluate_trees, is_number
from xl_sakip.core.models import (
    QUARTERS,
    Grade,
    Indicator,
    Kind,
    Polarity,
    Reference,
    Settings,
    Value,
)


class Status(StrEnum):
    COMPUTED = w.COMPUTED
    NOT_COMPUTABLE = w.NOT_COMPUTABLE
    INCOMPLETE = w.INCOMPLETE


class Capaian(BaseModel):
    status: Status
    value: float | None = None  # percent; also set when INCOMPLETE (the capaian of what was reported)
    reason: str | None = None  # Bahasa Indonesia; set when NOT_COMPUTABLE or INCOMPLETE
    missing_quarters: list[int] = Field(default_factory=list)
    formula: str = ""  # "R/T", "(2T-R)/T", "T/R", "rentang", "skor predikat"
    realisasi: Value | None = None
    target: Value | None = None
    capped: bool = False

    def excel(self) -> float | str:
        """What a cell shows: the number, or the reason as text (never an Excel error)."""
        return self.value if self.value is not None else self.status_text()

    def status_text(self) -> str:
        """The status as a planner reads it, e.g. "belum lengkap: TW3 kosong"."""
        if self.status is Status.COMPUTED:
            return self.status.value
        return f"{self.status.value}: {self.reason}"


_GRADE_ROW = rules.grade_row(Var("code"))


def find_grade(code: str, grades: list[Grade]) -> Grade | None:
    """The grade the formulas find for a typed code (rules.grade_row: plain spaces removed, case ignored,
    no wildcards), so that validation names exactly the codes the sheets cannot score."""
    i = _grade_index(code, tuple(g.code for g in grades))
    return None if i is None else grades[i]


@lru_cache(maxsize=4096)
def _grade_index(code: str, codes: tuple[str, ...]) -> int | None:
    ref = Reference.model_construct(bands=[], grades=[Grade(scale="", code=c, score=0.0) for c in codes],
                                    ipk_components=[], ipk_statuses=[])
    row = evaluate(_GRADE_ROW, RulesEnv(None, ref, {"code": code}))
    return int(row) - 1 if is_number(row) else None


def _formula_name(kind: Kind, polarity: Polarity, settings: Settings) -> str:
    """Which formula a capaian uses, for people (docs/engine.md)."""
    if kind is Kind.GRADE:
        return "skor predikat"
    if polarity is Polarity.RANGE:
        return "rentang"
    if polarity is Polarity.LOWER_IS_BETTER:
        return "T/R" if settings.lower_is_better_formula == "T/R" else "(2T-R)/T"
    return "R/T"


def _evaluate(
    realisasi: Value | None,
    target: Value | None,
    polarity: Polarity,
    target_upper: float | None,
    kind: Kind,
    settings: Settings | None,
    reference: Reference | None,
    empty_reason: str = w.NO_REALISASI,
    no_target: str = w.NO_TARGET,
) -> Capaian:
    """core/rules.capaian_reason, capaian_value and capped on values."""
    return Capaian(**_outcome(realisasi, target, polarity, target_upper, kind, settings, reference,
                              empty_reason, no_target))


def _outcome(realisasi: Value | None, target: Value | None, polarity: Polarity, target_upper: float | None,
             kind: Kind, settings: Settings | None, reference: Reference | None, empty_reason: str,
             no_target: str) -> dict[str, Any]:
    """`_evaluate`'s fields of a Capaian (a caller adding fields makes the model once)."""
    env = _env(settings, reference)
    bound = env.with_vars(R=realisasi, T=target, U=target_upper, empty=empty_reason, no_target=no_target)
    kw = {"realisasi": realisasi, "target": target, "formula": _formula_name(kind, polarity, env.settings)}
    # The reason, the value and the capped value on one environment (the value computed once); the value
    # is used only when there is no reason
    reason, raw, value = map(result, evaluate_trees(capaian_trees(kind, polarity), bound))
    if reason != "":
        return {"status": Status.NOT_COMPUTABLE, "reason": str(reason), **kw}
    assert isinstance(value, float) and isinstance(raw, float), (value, raw)
    return {"status": Status.COMPUTED, "value": value, "capped": value != raw, **kw}


_LAST: list[tuple[Any, Any, RulesEnv]] = [(None, None, RulesEnv(None, None))]  # settings, reference, env


def _env(settings: Settings | None, reference: Reference | None) -> RulesEnv:
    """RulesEnv(settings, reference), the last one kept: the core computes the capaian of every indicator
    of a cascade on the same settings and reference (one tuple, read and replaced whole)."""
    last_settings, last_reference, env = _LAST[0]
    if last_settings is settings and last_reference is reference:
        return env
    env = RulesEnv(settings, reference)
    _LAST[0] = (settings, reference, env)
    return env


def compute(
    realisasi: Value | None,
    target: Value | None,
    polarity: Polarity = Polarity.HIGHER_IS_BETTER,
    *,
    target_upper: float | None = None,
    kind: Kind = Kind.NUMBER,
    settings: Settings | None = None,
    reference: Reference | None = None,
) -> Capaian:
    """Capaian of one realised value against one target, each as a cell holds it (a number, a grade code,
    or text that is not a number, which is the reason it cannot be computed)."""
    r = run(single_value_rule(kind), PLAIN, R=realisasi)
    return _evaluate(r, target, polarity, target_upper, kind, settings, reference)


def from_period(
    pv: PeriodValue,
    target: Value | None,
    ind: Indicator,
    settings: Settings | None = None,
    reference: Reference | None = None,
    empty_reason: str = w.NO_REALISASI,
    no_target: str = w.NO_TARGET,
) -> Capaian:
    """Capaian of an aggregated realisasi (to date): incomplete when quarters are missing."""
    r: Value | None = pv.problem if pv.problem else pv.value
    res = _outcome(r, target, ind.polarity, ind.target_upper, ind.kind, settings, reference, empty_reason,
                   no_target)
    res["realisasi"] = pv.value
    computed = res["status"] is Status.COMPUTED
    res["missing_quarters"] = list(pv.missing) if computed or pv.value is None else []
    if computed and pv.missing:
        res["status"] = Status.INCOMPLETE
        res["reason"] = w.MISSING_QUARTERS.format(quarters=", ".join(quarter_label(q) for q in pv.missing))
    return Capaian(**res)


NEGATIVE = w.NEGATIVE


def negative_quarters(ind: Indicator, upto: int = QUARTERS) -> list[int]:
    """Quarters 1..upto holding a negative realisasi (a ratio: numerator or denominator); never a grade."""
    pr = period_rules(ind.kind, ind.aggregation, upto)
    env = PLAIN.with_vars(**quarter_vars("tw", ind.realisasi_q), **quarter_vars("num", ind.numerator_q),
                          **quarter_vars("den", ind.denominator_q))
    return [q for q, rule in enumerate(pr.negative, 1) if evaluate(rule, env) is True]


def own_realisasi(ind: Indicator, upto: int = QUARTERS) -> PeriodValue:
    """The indicator's own realisasi to date, except that a negative value in any quarter is a data error
    (check reports REALISASI_NEGATIF): then nothing can be computed from it (rules.own_realisasi)."""
    return own_period(ind, upto)


def capaian_of(
    ind: Indicator,
    settings: Settings | None = None,
    reference: Reference | None = None,
    upto: int = QUARTERS,
    realisasi: PeriodValue | None = None,
    empty_reason: str = w.NO_REALISASI,
) -> Capaian:
    """Capaian of an indicator for quarters 1..upto (upto=4: the year).

    `realisasi` replaces the indicator's own aggregated realisasi (`own_realisasi`; the roll-up passes
    the sum of the sub-indicators here).
    """
    pv = realisasi if realisasi is not None else own_realisasi(ind, upto)
    return from_period(pv, target_to_date(ind, upto), ind, settings, reference, empty_reason)


def capaian_per_quarter(
    ind: Indicator, settings: Settings | None = None, reference: Reference | None = None
) -> list[Capaian]:
    """Capaian to date at TW1, TW2, TW3 and TW4 (the last one is the year's)."""
    return [capaian_of(ind, settings, reference, q) for q in range(1, QUARTERS + 1)]


__all__ = ["Capaian", "Status", "annual_target", "compute", "capaian_of", "from_period"]
