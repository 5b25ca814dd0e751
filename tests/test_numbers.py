"""Indonesian number and target parsing (domain.md, Numbers). Expected values written by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_sakip.core.models import Kind
from xl_sakip.core.numbers import parse_number, parse_target


@pytest.mark.parametrize(
    ("text", "value", "ambiguous"),
    [
        ("71,10", 71.10, False),  # decimal comma (P01 IPK target)
        ("14.000", 14000, False),  # thousands dot (P09-1.1)
        ("1.234.567,89", 1234567.89, False),
        ("8.96", 8.96, True),  # a dot before exactly two digits (P02-2.1): decimal, but flagged
        ("0.5", 0.5, True),
        ("1,234.5", 1234.5, True),  # English grouping
        ("-3,5", -3.5, False),
        ("\u2212 2", -2, False),  # the minus sign, then a space
        ("  10,00 ", 10.0, False),
        ("14 000", 14000, False),  # space as thousands mark
        ("0", 0, False),
        ("+7", 7, False),
        ("3150", 3150, False),
    ],
)
def test_parse_number(text: str, value: float, ambiguous: bool) -> None:
    n = parse_number(text)
    assert n.value == pytest.approx(value)
    assert n.ambiguous is ambiguous
    assert n.problem is None
    assert n.text == text


def test_ambiguous_note_says_how_it_was_read() -> None:
    assert "8,96" in (parse_number("8.96").note or "")


@pytest.mark.parametrize("text", ["", "   ", "abc", "1,2,3", "1..2", "12-", "100.", "٣", "1e5", "nan", "--1"])
def test_parse_number_rejects(text: str) -> None:
    n = parse_number(text)
    assert n.value is None
    assert n.problem  # a message, not an exception


def test_decimals_written() -> None:
    assert parse_number("71,10").decimals == 2
    assert parse_number("14.000").decimals == 0
    assert parse_number("8.96").decimals == 2


@pytest.mark.parametrize(
    ("text", "value", "upper", "satuan", "kind", "grade"),
    [
        ("40%", 40, None, "%", Kind.PERCENT, None),
        ("100 %", 100, None, "%", Kind.PERCENT, None),
        ("90 persen", 90, None, "persen", Kind.PERCENT, None),
        ("200 perusahaan", 200, None, "perusahaan", Kind.NUMBER, None),
        ("5 Kab/Kota", 5, None, "Kab/Kota", Kind.NUMBER, None),
        ("14.000 orang", 14000, None, "orang", Kind.NUMBER, None),
        ("5 dokumen", 5, None, "dokumen", Kind.NUMBER, None),
        ("388 Sertifikat", 388, None, "Sertifikat", Kind.NUMBER, None),
        ("1000 lowongan", 1000, None, "lowongan", Kind.NUMBER, None),
        ("71,10", 71.10, None, None, Kind.INDEX, None),  # bare number with decimals: an index value
        ("10,00", 10.0, None, None, Kind.INDEX, None),
        ("8.96", 8.96, None, None, Kind.INDEX, None),
        ("12", 12, None, None, Kind.NUMBER, None),
        ("70-80%", 70, 80, "%", Kind.PERCENT, None),
        ("70 \u2013 80 %", 70, 80, "%", Kind.PERCENT, None),
        ("70% - 80%", 70, 80, "%", Kind.PERCENT, None),
        ("10 s/d 20 orang", 10, 20, "orang", Kind.NUMBER, None),
        ("BB", None, None, "predikat", Kind.GRADE, "BB"),
        (" aa ", None, None, "predikat", Kind.GRADE, "AA"),
        ("Predikat A", None, None, "predikat", Kind.GRADE, "A"),
        ("WTP", None, None, "predikat", Kind.GRADE, "WTP"),
    ],
)
def test_parse_target(text, value, upper, satuan, kind, grade) -> None:
    t = parse_target(text)
    assert t.problem is None
    assert t.value == (pytest.approx(value) if value is not None else None)
    assert t.upper == upper
    assert t.satuan == satuan
    assert t.kind is kind
    assert t.grade == grade
    assert t.text == text


def test_target_ambiguous_flag() -> None:
    assert parse_target("8.96").ambiguous
    assert not parse_target("71,10").ambiguous
    assert parse_target("1.5 dokumen").ambiguous


@pytest.mark.parametrize("text", ["", "sembilan puluh persen", "XX", "80-70%", "70% - 80 orang", "± 5%"])
def test_parse_target_problem(text: str) -> None:
    t = parse_target(text)
    assert t.value is None and t.grade is None
    assert t.problem and "Tulis misalnya" in t.problem  # tells the planner what to write


def test_grade_codes_from_the_scale_in_use() -> None:
    assert parse_target("Baik", grade_codes=["Sangat Baik", "Baik"]).grade == "Baik"
    assert parse_target("BB", grade_codes=["Baik"]).problem


# --- properties ---------------------------------------------------------------------------------------


def _indonesian(whole: int, frac: str, grouped: bool) -> str:
    head = f"{whole:,}".replace(",", ".") if grouped else str(whole)
    return head + ("," + frac if frac else "")


@given(
    whole=st.integers(min_value=0, max_value=10**15),
    frac=st.text(alphabet="0123456789", max_size=4),
    grouped=st.booleans(),
    negative=st.booleans(),
)
def test_indonesian_form_round_trips(whole: int, frac: str, grouped: bool, negative: bool) -> None:
    text = ("-" if negative else "") + _indonesian(whole, frac, grouped)
    expected = float(f"{whole}.{frac or '0'}") * (-1 if negative else 1)
    n = parse_number(text)
    assert n.problem is None
    assert n.value == pytest.approx(expected, rel=1e-12, abs=0)
    assert not n.ambiguous  # the Indonesian form is never ambiguous
    assert n.decimals == len(frac)


@given(whole=st.integers(min_value=0, max_value=10**6), cents=st.integers(min_value=0, max_value=99))
def test_dot_before_two_digits_is_decimal_and_ambiguous(whole: int, cents: int) -> None:
    n = parse_number(f"{whole}.{cents:02d}")
    assert n.value == pytest.approx(whole + cents / 100, rel=1e-12)
    assert n.ambiguous


UNITS = ["%", "orang", "Kab/Kota", "MOU"]


@given(value=st.integers(min_value=0, max_value=10**9), unit=st.sampled_from(UNITS))
def test_target_with_unit_round_trips(value: int, unit: str) -> None:
    sep = "" if unit == "%" else " "
    t = parse_target(_indonesian(value, "", True) + sep + unit)
    assert t.value == value
    assert t.satuan == unit


@given(st.text())
def test_parse_number_never_raises(text: str) -> None:
    n = parse_number(text)
    assert (n.value is None) == (n.problem is not None)
    assert n.value is None or math.isfinite(n.value)
    assert n.text == text


@given(st.text(alphabet=st.sampled_from(list("0123456789.,- %\u2013sdBA orang\t")), max_size=40) | st.text())
def test_parse_target_never_raises(text: str) -> None:
    t = parse_target(text)
    assert (t.problem is None) == (t.value is not None or t.grade is not None)
    assert t.upper is None or (t.value is not None and t.value <= t.upper)
