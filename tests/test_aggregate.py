"""Quarterly -> period aggregation, worked by hand."""

from __future__ import annotations

import pytest

from xl_sakip.core.aggregate import (
    NotANumber,
    aggregate_values,
    realisasi_to_date,
    target_to_date,
    to_number,
)
from xl_sakip.core.models import Aggregation, Indicator, Kind

SUM, LATEST, RATIO = Aggregation.SUM, Aggregation.LATEST, Aggregation.RATIO


def test_counts_add_up_and_zero_is_reported():
    pv = aggregate_values([0, 5, None, 7], SUM)
    assert pv.value == 12.0
    assert pv.reported == [1, 2, 4] and pv.missing == [3]
    assert aggregate_values([0, 5, None, 7], SUM, upto=2).value == 5.0
    assert aggregate_values([0, 5, None, 7], SUM, upto=2).missing == []


def test_latest_reported_quarter():
    pv = aggregate_values([40, 55, "", None], LATEST, kind=Kind.PERCENT)
    assert pv.value == 55.0 and pv.missing == [3, 4]
    assert aggregate_values(["BB", None, "A", None], SUM, kind=Kind.GRADE).value == "A"  # grades never add up
    assert aggregate_values([None] * 4, LATEST).value is None


def test_ratio_recomputed_from_parts_not_averaged():
    # 30/50, 45/75, 50/80, 55/90: summed parts 180/295 = 61,02 %; the mean of the ratios would be 61,16 %
    pv = aggregate_values(
        [None] * 4, RATIO, kind=Kind.PERCENT, numerators=[30, 45, 50, 55], denominators=[50, 75, 80, 90]
    )
    assert pv.value == pytest.approx(18000 / 295)
    assert aggregate_values(
        [None] * 4, RATIO, kind=Kind.NUMBER, numerators=[1, 2, None, None], denominators=[4, 4, None, None]
    ).value == pytest.approx(3 / 8)
    zero = aggregate_values([None] * 4, RATIO, numerators=[1, 0, 0, 0], denominators=[0, 0, 0, 0])
    assert zero.value is None and "penyebut 0" in zero.problem


def test_text_in_a_number_cell_is_a_problem():
    pv = aggregate_values([5, "lima", None, None], SUM)
    assert pv.value is None and "TW2" in pv.problem


def test_to_number_forms():
    assert to_number("14.000") == 14000.0
    assert to_number("71,10") == pytest.approx(71.10)
    assert to_number("40%") == 40.0
    assert to_number(" ") is None
    assert to_number("1.234,5") == 1234.5  # thousands dot and decimal comma together
    assert to_number("14 000") == 14000.0  # a space as thousands mark, before exactly three digits
    assert to_number("8.96") == pytest.approx(8.96)  # the seed's English form, read as a decimal
    # Refused: a word; English thousands commas (1234.5 or 1,2345?); a space that is no thousands mark.
    for text in ("dua", "1,234.5", "12 5"):
        with pytest.raises(NotANumber):
            to_number(text)


def _ind(**kw) -> Indicator:
    base = dict(id="P01-1.1", position="P01", target=100.0, target_text="100 orang")
    return Indicator(**{**base, **kw})


def test_target_to_date():
    assert target_to_date(_ind(), 2) == 100.0  # no quarterly targets: the annual target
    summed = _ind(aggregation=SUM, target_q=[10, 20, 30, 40])
    assert [target_to_date(summed, q) for q in (1, 2, 3, 4)] == [10.0, 30.0, 60.0, 100.0]
    latest = _ind(aggregation=LATEST, kind=Kind.PERCENT, target=80.0, target_q=[50, None, 70, 80])
    assert [target_to_date(latest, q) for q in (1, 2, 3, 4)] == [50.0, 50.0, 70.0, 80.0]
    grade = _ind(kind=Kind.GRADE, target=None, target_text="BB", aggregation=LATEST)
    assert target_to_date(grade) == "BB"


def test_realisasi_to_date_uses_the_indicator_rule():
    ind = _ind(
        aggregation=RATIO, kind=Kind.PERCENT, numerator_q=[1, 1, None, None], denominator_q=[2, 2, None, None]
    )
    pv = realisasi_to_date(ind)
    assert pv.value == pytest.approx(50.0) and pv.missing == [3, 4]
