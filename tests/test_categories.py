"""Category bands: lookup with (lower, upper] semantics, the above-target label, gaps and overlaps."""

from __future__ import annotations

import pytest

from xl_sakip.core.categories import categorizer, category, check_bands, ipk_status
from xl_sakip.core.models import Band
from xl_sakip.core.reference import default_reference


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (100, "Sangat Tinggi"),
        (90.5, "Sangat Tinggi"),
        (90, "Tinggi"),
        (76, "Tinggi"),
        (75.01, "Tinggi"),
        (75, "Sedang"),
        (66, "Sedang"),
        (65, "Rendah"),
        (51, "Rendah"),
        (50, "Sangat Rendah"),
        (0, "Sangat Rendah"),
        (-5, "Sangat Rendah"),
        (100.01, "Melampaui Target"),
        (107.14, "Melampaui Target"),
    ],
)
def test_default_bands(value, label):
    # Permendagri 86/2017 practice: 91-100, 76-90, 66-75, 51-65, <= 50; above 100 exceeds the target.
    assert category(value, default_reference()) == label


def test_categorizer_memo_is_keyed_by_the_rounded_value():
    """`categorizer` evaluates each value rounded to 2 decimals once. Each pair below shares its rounding
    with the value before it, which fills the memo, and must still get its own label (by hand, from the
    bands (lower, upper] and the rounding half away from zero): 50.004 -> 50.00 Sangat Rendah, 50.005 ->
    50.01 Rendah; 100.004 -> 100.00 Sangat Tinggi, 100.005 -> 100.01 Melampaui Target; 75.0049 -> 75.00
    Sedang."""
    of = categorizer(default_reference())
    seen = [(v, of(v)) for v in (50.004, 50.0, 50.005, 50.01, 100.004, 100.0, 100.005, 100.01, 75.0049, 75.0,
                                 None)]
    assert seen == [(50.004, "Sangat Rendah"), (50.0, "Sangat Rendah"), (50.005, "Rendah"), (50.01, "Rendah"),
                    (100.004, "Sangat Tinggi"), (100.0, "Sangat Tinggi"), (100.005, "Melampaui Target"),
                    (100.01, "Melampaui Target"), (75.0049, "Sedang"), (75.0, "Sedang"), (None, None)]
    assert all(of(v) == category(v, default_reference()) for v, _ in seen)


def test_no_value_no_category():
    assert category(None, default_reference()) is None


def test_lowest_band_holds_its_lower_bound():
    ref = default_reference()
    ref.bands = [Band(label="Kurang", lower=0, upper=50), Band(label="Baik", lower=50, upper=100)]
    assert category(0, ref) == "Kurang"
    assert category(-1, ref) is None
    assert check_bands(ref) == []


def test_default_bands_are_clean():
    assert check_bands(default_reference()) == []


def _codes(ref) -> list[str]:
    return [f.code for f in check_bands(ref)]


def test_gap_overlap_and_inverted_bands():
    ref = default_reference()
    ref.bands = [Band(label="A", lower=None, upper=50), Band(label="B", lower=60, upper=100)]
    findings = check_bands(ref)
    assert [f.code for f in findings] == ["KATEGORI_CELAH"]
    assert "50" in findings[0].message and "60" in findings[0].message
    ref.bands = [Band(label="A", lower=None, upper=55), Band(label="B", lower=50, upper=100)]
    assert _codes(ref) == ["KATEGORI_TUMPANG_TINDIH"]
    ref.bands = [Band(label="A", lower=None, upper=50), Band(label="B", lower=50, upper=90)]
    assert _codes(ref) == ["KATEGORI_CELAH"]  # nothing holds 90-100
    ref.bands = [
        Band(label="A", lower=None, upper=50),
        Band(label="B", lower=80, upper=50),
        Band(label="C", lower=50, upper=100),
    ]
    assert _codes(ref) == ["KATEGORI_BATAS_TERBALIK"]
    ref.bands = [Band(label="A", lower=10, upper=100)]
    assert _codes(ref) == ["KATEGORI_CELAH"]  # 0-10 falls nowhere
    ref.bands = []
    assert _codes(ref) == ["KATEGORI_KOSONG"]


def test_ipk_status():
    ref = default_reference()
    assert ipk_status(71.10, ref) == "Menengah Atas"  # above 66,00
    assert ipk_status(65.99, ref) == "Menengah Bawah"
    assert ipk_status(80, ref) == "Tinggi"
    assert ipk_status(10, ref) == "Rendah"
