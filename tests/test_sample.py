"""The shipped sample realisasi: one row for each of the 94 indicators of 2023, marked as sample data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from xl_sakip.core.capaian import Status, capaian_of
from xl_sakip.core.models import Indicator
from xl_sakip.errors import UserError
from xl_sakip.importer import read_seed
from xl_sakip.sample import SAMPLE_FILE, apply_sample, apply_sample_report, load_sample

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"


@pytest.fixture(scope="module")
def seed():
    return read_seed(SEED).cascade


def test_marked_as_sample_data():
    text = resources.files("xl_sakip").joinpath("data", SAMPLE_FILE).read_text(encoding="utf-8")
    assert text.startswith("# DATA CONTOH")
    assert all(r.note.startswith("data contoh") for r in load_sample())


def test_every_indicator_has_a_row(seed):
    # Counted by hand from the seed: P01 2, P02 6, P03 9, P04 6, P05 7, P06 2, P07 5, P08 6, P09 6, P10 3,
    # P11 6, P12 4, P13 3, P14 4, P15 7, P16 2, P17 3, P18 3, P19 7, P20 1, P21 2 = 94
    rows = load_sample()
    assert len(rows) == 94 and len({r.id for r in rows}) == 94
    result = apply_sample_report(seed)
    assert result.without_sample == []
    assert all(i.realisasi_q == [None] * 4 for i in seed.indicators)  # the input is not changed


def test_interesting_rows(seed):
    c = apply_sample(seed)
    by = {i.id: i for i in c.indicators}
    grade = capaian_of(by["P02-1.4"], c.settings, c.reference)
    assert grade.value == pytest.approx(120.0)  # A (6) against BB (5) in TW4
    gap = capaian_of(by["P06-1.2"], c.settings, c.reference)
    # 122 + 153 + 184 = 459 of 600 orang, TW3 not reported
    assert (
        gap.status is Status.INCOMPLETE and gap.missing_quarters == [3] and gap.value == pytest.approx(76.5)
    )
    over = capaian_of(by["P02-1.3"], c.settings, c.reference)
    assert over.value == pytest.approx(10000 / 96)  # 100 % against 96 %
    assert by["P08-1.1"].realisasi_q[:3] == [0.0, 0.0, 0.0]  # zeros reported, not missing
    assert by["P04-2.1"].numerator_q == [30, 45, 50, 55] and by["P04-2.1"].denominator_q == [50, 75, 80, 90]


def test_unknown_id_is_an_error_and_missing_ids_are_reported(seed, tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("# contoh\nid,realisasi_tw1,realisasi_tw2,realisasi_tw3,realisasi_tw4\nP99-1.1,1,2,3,4\n")
    with pytest.raises(UserError, match="P99-1.1 \\(baris 3\\)"):
        apply_sample(seed, bad)
    extra = seed.model_copy(deep=True)
    extra.indicators.append(Indicator(id="P21-3.1", position="P21", indikator="Baru", target=1.0))
    assert apply_sample_report(extra).without_sample == ["P21-3.1"]


def test_bad_number_names_the_line(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text(
        "id,realisasi_tw1,realisasi_tw2,realisasi_tw3,realisasi_tw4,pembilang_tw1\nP01-1.1,,,,,x\n"
    )
    with pytest.raises(UserError, match="baris 2"):
        load_sample(bad)
