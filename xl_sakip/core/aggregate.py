"""Quarterly values -> the value of a period (domain.md, Period aggregation).

- SUM (counts: perusahaan, orang, dokumen ...): the reported quarters add up;
- LATEST (percentages, indices, grades): the latest reported quarter;
- RATIO: recomputed from the summed numerators and denominators, never an average of ratios (× 100 for
  a percent indicator).

A zero is a reported value; an empty cell (None or "") is missing. "To date" means quarters 1..upto.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from xl_sakip.core.models import QUARTERS, Aggregation, Indicator, Kind, Value
from xl_sakip.core.numbers import parse_number


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
    numerators: list[float | None] | None = None,
    denominators: list[float | None] | None = None,
) -> PeriodValue:
    """Aggregate quarterly values (index 0 = TW1) over quarters 1..upto."""
    _check_upto(upto)
    qs = range(1, upto + 1)
    if aggregation is Aggregation.RATIO and kind is not Kind.GRADE:
        return _ratio(numerators or [None] * QUARTERS, denominators or [None] * QUARTERS, kind, upto)
    raw = {q: values[q - 1] if q - 1 < len(values) else None for q in qs}
    reported = [q for q in qs if not is_empty(raw[q])]
    missing = [q for q in qs if q not in reported]
    pv = PeriodValue(upto=upto, reported=reported, missing=missing)
    if not reported:
        return pv
    if kind is Kind.GRADE:
        # A grade (or its numeric score) is never added up: the latest reported one counts.
        last = raw[reported[-1]]
        pv.value = last.strip() if isinstance(last, str) else float(last)
        return pv
    nums: dict[int, float] = {}
    for q in reported:
        try:
            nums[q] = to_number(raw[q])  # type: ignore[assignment]
        except NotANumber:
            pv.problem = f"realisasi {quarter_label(q)} bukan angka: '{raw[q]}'"
            return pv
    if aggregation is Aggregation.SUM:
        pv.value = sum(nums.values())
    else:
        pv.value = nums[reported[-1]]
    return pv


def _ratio(nums: list[float | None], dens: list[float | None], kind: Kind, upto: int) -> PeriodValue:
    qs = range(1, upto + 1)
    reported = [q for q in qs if not is_empty(nums[q - 1]) and not is_empty(dens[q - 1])]
    missing = [q for q in qs if q not in reported]
    pv = PeriodValue(upto=upto, reported=reported, missing=missing)
    if not reported:
        return pv
    try:
        n = sum(to_number(nums[q - 1]) for q in reported)  # type: ignore[misc]
        d = sum(to_number(dens[q - 1]) for q in reported)  # type: ignore[misc]
    except NotANumber as e:
        pv.problem = f"pembilang/penyebut bukan angka: '{e}'"
        return pv
    pv.numerator, pv.denominator = n, d
    if d == 0:
        pv.problem = "jumlah penyebut 0: rasio tidak dapat dihitung"
        return pv
    pv.value = n / d * (100 if kind is Kind.PERCENT else 1)
    return pv


def realisasi_to_date(ind: Indicator, upto: int = QUARTERS) -> PeriodValue:
    """The indicator's realisasi for quarters 1..upto by its aggregation rule."""
    return aggregate_values(
        ind.realisasi_q,
        ind.aggregation,
        kind=ind.kind,
        upto=upto,
        numerators=ind.numerator_q,
        denominators=ind.denominator_q,
    )


def target_to_date(ind: Indicator, upto: int = QUARTERS) -> float | str | None:
    """The target matching `realisasi_to_date`.

    Without quarterly targets: the annual target. With them: their sum to date for SUM, the latest
    quarterly target to date for LATEST/RATIO (the annual target when none is set yet). A grade indicator
    gives its grade code. Text that is not a number gives None (validation reports it).
    """
    _check_upto(upto)
    tq = ind.target_q[:upto]
    given = [v for v in tq if not is_empty(v)]
    if ind.kind is Kind.GRADE:
        if given:
            last = given[-1]
            return last.strip() if isinstance(last, str) else float(last)
        return ind.target_grade if ind.target is None else ind.target
    if all(is_empty(v) for v in ind.target_q):
        return ind.target
    try:
        numbers = [to_number(v) for v in given]
    except NotANumber:
        return None
    if ind.aggregation is Aggregation.SUM:
        return float(sum(numbers))  # type: ignore[arg-type]
    return numbers[-1] if numbers else ind.target
