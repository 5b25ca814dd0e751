"""Quarterly values -> the value of a period (domain.md, Period aggregation).

The rules themselves are core/rules.py (realisasi, target, reported); this module evaluates them on a
model's values:
- SUM (counts: perusahaan, orang, dokumen ...): the reported quarters add up;
- LATEST (percentages, indices, grades): the latest reported quarter;
- RATIO: recomputed from the summed numerators and denominators, never an average of ratios (× 100 for
  a percent indicator).

A zero is a reported value; an empty cell (None or "") is missing. "To date" means quarters 1..upto.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from xl_sakip.core.engine import ANNUAL, DEN, NUM, PLAIN, period_rules
from xl_sakip.core.formula import EMPTY, Arr, XlError, evaluate, evaluate_tree, evaluate_trees
from xl_sakip.core.models import QUARTERS, Aggregation, Indicator, Kind, Value
from xl_sakip.core.numbers import parse_number
from xl_sakip.core.rules import is_ratio, sum_if


class NotANumber(ValueError):
    """A cell holds text where a number is needed."""


def is_empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def to_number(v: Value | None) -> float | None:
    """A realisasi or target cell as a number; None when empty; NotANumber for text that is not one.

    Accepts numbers and the Indonesian forms a person types into a text cell ("12,5", "14.000", "40%"),
    read by core/numbers.py like every other number. The English dot-decimal "8.96" is read as in the seed;
    English thousands commas ("1,234.5") are refused, since reading them would be a silent guess.
    """
    if is_empty(v):
        return None
    if isinstance(v, bool):  # a TRUE/FALSE cell is not a figure
        raise NotANumber(str(v))
    if isinstance(v, int | float):
        return float(v)
    text = str(v).strip().removesuffix("%")
    parsed = parse_number(text)
    if parsed.value is None or (parsed.ambiguous and "," in text):
        raise NotANumber(str(v))
    return parsed.value


def default_aggregation(kind: Kind) -> Aggregation:
    """The aggregation an indicator of `kind` gets unless someone chooses another: counts add up over the
    quarters; percentages, indices and grades take the latest reported quarter."""
    return Aggregation.SUM if kind is Kind.NUMBER else Aggregation.LATEST


def quarter_label(q: int) -> str:
    return f"TW{q}"


class PeriodValue(BaseModel):
    """The realisasi of quarters 1..upto, with what was reported and what is missing."""

    value: float | str | None = None  # str only for grade codes
    upto: int = QUARTERS
    reported: list[int] = Field(default_factory=list)  # 1-based quarters with a value
    missing: list[int] = Field(default_factory=list)  # 1-based quarters without a value
    problem: str | None = None  # why no value can be given (Bahasa Indonesia), e.g. text in a number cell
    numerator: float | None = None
    denominator: float | None = None


def _check_upto(upto: int) -> None:
    if not 1 <= upto <= QUARTERS:
        raise ValueError(f"upto must be 1..{QUARTERS}, got {upto}")


def aggregate_values(
    values: list[Value | None],
    aggregation: Aggregation,
    *,
    kind: Kind = Kind.NUMBER,
    upto: int = QUARTERS,
    numerators: list[Value | None] | None = None,
    denominators: list[Value | None] | None = None,
) -> PeriodValue:
    """Aggregate quarterly values (index 0 = TW1) over quarters 1..upto: core/rules.realisasi."""
    return _period(kind, aggregation, upto, values, numerators, denominators)


def _period(kind: Kind, aggregation: Aggregation, upto: int, values: list, numerators: list | None,
            denominators: list | None, *, own: bool = False) -> PeriodValue:
    _check_upto(upto)
    pr = period_rules(kind, aggregation, upto)
    env = PLAIN.with_quarters({"tw": values, "num": numerators or [], "den": denominators or []})
    # The flags and the realisasi on one memo (formula.evaluate_trees); a flag as `evaluate` shows it
    *values, v = evaluate_trees((*pr.reported, pr.own if own else pr.realisasi), env)
    flags = [(x[0] if x else EMPTY) is True if isinstance(x, Arr) else x is True for x in values]
    reported = [q for q in range(1, upto + 1) if flags[q - 1]]
    missing = [q for q in range(1, upto + 1) if not flags[q - 1]]
    fields: dict[str, Any] = {"upto": upto, "reported": reported, "missing": missing}  # one model made
    if isinstance(v, XlError):  # cannot happen with the rules as written; never a silent value
        fields["problem"] = str(v)
    elif v == "" or v is EMPTY:
        pass
    elif isinstance(v, str) and kind is not Kind.GRADE:
        fields["problem"] = v
    else:
        fields["value"] = v if isinstance(v, str) else float(v)
    if is_ratio(kind, aggregation) and fields.get("value") is not None:
        fields["numerator"] = float(evaluate(sum_if(NUM[:upto], pr.reported), env))  # type: ignore[arg-type]
        fields["denominator"] = float(evaluate(sum_if(DEN[:upto], pr.reported), env))  # type: ignore[arg-type]
    return PeriodValue(**fields)


def realisasi_to_date(ind: Indicator, upto: int = QUARTERS) -> PeriodValue:
    """The indicator's realisasi for quarters 1..upto by its aggregation rule."""
    return _period(ind.kind, ind.aggregation, upto, ind.realisasi_q, ind.numerator_q, ind.denominator_q)


def own_period(ind: Indicator, upto: int = QUARTERS) -> PeriodValue:
    """`realisasi_to_date`, except that a negative quarter makes it not computable (rules.own_realisasi)."""
    return _period(ind.kind, ind.aggregation, upto, ind.realisasi_q, ind.numerator_q, ind.denominator_q,
                   own=True)


def annual_target(ind: Indicator) -> Value | None:
    """The annual target as the Target column holds it; a grade indicator's written code."""
    if ind.kind is Kind.GRADE and ind.target is None:
        return ind.target_grade
    return ind.target


def target_to_date(ind: Indicator, upto: int = QUARTERS) -> float | str | None:
    """The target matching `realisasi_to_date` (core/rules.target): the annual target without quarterly
    targets; with them, the targets of the reported quarters (a sum) or of the latest reported quarter.
    None when there is none; text when it is a grade code, or why it is not a number."""
    _check_upto(upto)
    pr = period_rules(ind.kind, ind.aggregation, upto)
    env = PLAIN.with_quarters({"tw": ind.realisasi_q, "num": ind.numerator_q, "den": ind.denominator_q,
                               "tq": ind.target_q}, **{ANNUAL.name: annual_target(ind)})
    v = evaluate_tree(pr.target, env)
    if v == "" or v is EMPTY or isinstance(v, XlError):
        return None
    return v if isinstance(v, str) else float(v)  # type: ignore[arg-type]
