"""Capaian against hand-worked cases: PermenPANRB 8/2021 examples, grades, ranges, zero/missing targets."""

from __future__ import annotations

import pytest

from xl_sakip.core.capaian import Status, capaian_of, capaian_per_quarter, compute, negative_quarters
from xl_sakip.core.models import Aggregation, Indicator, Kind, Polarity, Settings

TURUN, NAIK, RENTANG = Polarity.LOWER_IS_BETTER, Polarity.HIGHER_IS_BETTER, Polarity.RANGE
T_OVER_R = Settings(lower_is_better_formula="T/R")


def test_permenpanrb_lower_is_better_examples():
    # PermenPANRB 8/2021 "kondisi khusus": (1 + (1 - R/T)) x 100
    r = compute(6.5, 7, TURUN)
    assert r.status is Status.COMPUTED
    assert r.value == pytest.approx(107.14, abs=0.005)  # (14 - 6,5) / 7 = 7,5 / 7
    assert compute(9, 8, TURUN).value == pytest.approx(87.5)  # (16 - 9) / 8


def test_lower_is_better_t_over_r_setting():
    assert compute(6.5, 7, TURUN, settings=T_OVER_R).value == pytest.approx(700 / 6.5)  # 107,69
    assert compute(9, 8, TURUN, settings=T_OVER_R).value == pytest.approx(800 / 9)  # 88,89
    r0 = compute(0, 8, TURUN, settings=T_OVER_R)  # AKSARA: R = 0 counts as 100 %
    assert (r0.status, r0.value) == (Status.COMPUTED, 100.0)


def test_higher_is_better():
    assert compute(45, 60, NAIK).value == pytest.approx(75.0)
    # Text is not a number, even when it looks like one (as ISNUMBER on the sheets): the reason names it.
    r = compute("12,5", 10, NAIK)
    assert r.status is Status.NOT_COMPUTABLE and r.reason == "realisasi '12,5' bukan angka"
    zero = compute(0, 5, NAIK)  # a reported zero is a value, not a missing one
    assert (zero.status, zero.value) == (Status.COMPUTED, 0.0)


@pytest.mark.parametrize(
    ("realisasi", "target", "reason"),
    [
        (5, 0, "target 0"),
        (5, None, "target belum diisi"),
        (None, 5, "realisasi belum diisi"),
        ("", 5, "realisasi belum diisi"),
        ("banyak", 5, "bukan angka"),
    ],
)
def test_not_computable_is_never_zero(realisasi, target, reason):
    r = compute(realisasi, target, NAIK)
    assert r.status is Status.NOT_COMPUTABLE
    assert r.value is None
    assert reason in r.reason
    assert r.excel().startswith("tidak dapat dihitung")


def test_zero_target_lower_is_better_not_computable():
    assert compute(3, 0, TURUN).status is Status.NOT_COMPUTABLE
    assert compute(3, 0, TURUN, settings=T_OVER_R).status is Status.NOT_COMPUTABLE


def test_range_against_the_nearer_bound():
    assert compute(75, 70, RENTANG, target_upper=80).value == 100.0
    assert compute(70, 70, RENTANG, target_upper=80).value == 100.0
    assert compute(63, 70, RENTANG, target_upper=80).value == pytest.approx(90.0)  # 63 / 70
    assert compute(88, 70, RENTANG, target_upper=80).value == pytest.approx(90.0)  # (160 - 88) / 80
    assert compute(88, 70, RENTANG, target_upper=80, settings=T_OVER_R).value == pytest.approx(8000 / 88)
    assert compute(75, 70, RENTANG).status is Status.NOT_COMPUTABLE  # no upper bound


def test_grades():
    g = Kind.GRADE
    assert compute("WDP", "WTP", kind=g).value == pytest.approx(75.0)  # 3 / 4 (AKSARA e-SAKIP)
    assert compute(" b ", "BB", kind=g).value == pytest.approx(80.0)  # B 4 / BB 5, case-insensitive
    assert compute(" b B ", "bb", kind=g).value == pytest.approx(100.0)  # spaces do not count
    assert compute("a", "BB", kind=g).value == pytest.approx(120.0)  # A 6 / BB 5
    assert compute(5, "BB", kind=g).value == pytest.approx(100.0)  # a numeric score
    assert compute(3.5, "BB", kind=g).value == pytest.approx(70.0)  # a score: 3,5 of BB's 5
    for realisasi, target in (("XYZ", "BB"), ("BB", "ZZ"), (9, "BB"), (-1, "BB")):
        assert compute(realisasi, target, kind=g).status is Status.NOT_COMPUTABLE
    # The SAKIP scale tops out at AA = 7: a score of 8,5 is named the way planners write it.
    assert compute(8.5, "BB", kind=g).reason == "skor realisasi 8.5 di luar skala predikat (0 sampai 7)"


def test_cap_setting():
    r = compute(130, 100, NAIK, settings=Settings(capaian_cap=120))
    assert (r.value, r.capped) == (120.0, True)
    assert compute(110, 100, NAIK, settings=Settings(capaian_cap=120)).value == pytest.approx(110.0)
    assert compute(130, 100, NAIK).value == pytest.approx(130.0)  # no cap by default


def _count(**kw) -> Indicator:
    base = dict(
        id="P01-1.1",
        position="P01",
        indikator="Jumlah x",
        target=100.0,
        target_text="100 orang",
        kind=Kind.NUMBER,
        aggregation=Aggregation.SUM,
    )
    return Indicator(**{**base, **kw})


def test_quarterly_counts_to_date_and_incomplete():
    ind = _count(realisasi_q=[10, 20, None, 30])
    year = capaian_of(ind)
    assert year.status is Status.INCOMPLETE
    assert year.value == pytest.approx(60.0)  # (10 + 20 + 30) / 100
    assert year.missing_quarters == [3]
    tw2 = capaian_of(ind, upto=2)  # no quarterly targets: against the annual target
    assert (tw2.status, tw2.value) == (Status.COMPUTED, pytest.approx(30.0))


def test_quarterly_targets_to_date():
    ind = _count(realisasi_q=[10, 20, 15, 30], target_q=[20, 30, 25, 25])
    per_q = capaian_per_quarter(ind)
    assert [c.value for c in per_q] == pytest.approx([50.0, 60.0, 60.0, 75.0])  # 10/20, 30/50, 45/75, 75/100


def test_percent_takes_latest_quarter():
    ind = Indicator(
        id="P02-1.1",
        position="P02",
        indikator="Persentase x",
        target=80.0,
        target_text="80%",
        satuan="%",
        kind=Kind.PERCENT,
        aggregation=Aggregation.LATEST,
        realisasi_q=[40, 60, 72, None],
    )
    assert capaian_of(ind, upto=3).value == pytest.approx(90.0)  # 72 / 80
    year = capaian_of(ind)
    assert year.status is Status.INCOMPLETE and year.value == pytest.approx(90.0)


def test_nothing_reported():
    r = capaian_of(_count())
    assert r.status is Status.NOT_COMPUTABLE and r.value is None and "belum diisi" in r.reason


def test_negative_realisasi_is_a_data_error_not_a_capaian():
    # 5 - 3 + 2 + 1 = 5 would give 5 % silently; a negative count is a data error (REALISASI_NEGATIF).
    ind = _count(realisasi_q=[5, -3, 2, 1])
    assert negative_quarters(ind) == [2]
    res = capaian_of(ind)
    assert res.status is Status.NOT_COMPUTABLE and res.excel() == "tidak dapat dihitung: realisasi negatif"
    assert capaian_of(ind, upto=1).value == pytest.approx(5.0)  # TW1 to date is still fine: 5 / 100
    # A ratio: a negative denominator in TW3.
    ratio = _count(kind=Kind.PERCENT, aggregation=Aggregation.RATIO, numerator_q=[1, 1, 1, None],
                   denominator_q=[10, 10, -10, None])
    assert negative_quarters(ratio) == [3] and capaian_of(ratio).reason == "realisasi negatif"
    # Text that is not a number keeps its own reason (it comes first, as on the unit sheet).
    text = _count(realisasi_q=["abc", -1, None, None])
    assert capaian_of(text).reason == "realisasi TW1 bukan angka: 'abc'"
