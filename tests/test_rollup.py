"""Roll-up over the indicator tree, checked against sums worked out by hand from the seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_sakip.core.capaian import Status
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp
from xl_sakip.core.rollup import capaian_rolled, check_rollup, rolled_realisasi, rolled_target, rollup_sum
from xl_sakip.importer import read_seed
from xl_sakip.sample import apply_sample

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"


@pytest.fixture(scope="module")
def seed() -> Cascade:
    return read_seed(SEED).cascade


def _by(findings, code):
    return {f.indicator_id: f for f in findings if f.code == code}


def test_seed_target_sums(seed):
    findings = check_rollup(seed)
    wrong = _by(findings, "ROLLUP_TARGET_TIDAK_SESUAI")
    # P05-3.1..3.3: 2,18 + 6,01 + 1,06 = 9,25 against P04-3.3 9,22 (tolerance 3 x 0,005)
    assert wrong["P04-3.3"].target == pytest.approx(9.22) and wrong["P04-3.3"].sum == pytest.approx(9.25)
    # P05-4.x: 4,17 + 0,27 = 4,44 against P04-3.4 4,42
    assert wrong["P04-3.4"].sum == pytest.approx(4.44)
    # P11-2.1 + P12-2.x: 0,97 + 0,61 + 2,87 = 4,45 against P10-2.1 4,37
    assert wrong["P10-2.1"].sum == pytest.approx(4.45) and wrong["P10-2.1"].target == pytest.approx(4.37)
    # IPK: 8,96 + (5,90 + 10,44 + 9,22 + 4,42) + (2,90 + 8,10 + 10,00) + 4,37 = 64,31 against 71,10; all nine
    # components are there, so the shortfall is a mismatch, not partial coverage.
    assert wrong["P01-1.1"].sum == pytest.approx(64.31) and wrong["P01-1.1"].target == pytest.approx(71.10)
    assert set(wrong) == {"P04-3.3", "P04-3.4", "P10-2.1", "P01-1.1"}
    # P08-5.x: 4,00 + 6,00 = 10,00 = P07-2.3, and P08-4.1 8,10 = P07-2.2: no finding
    partial = _by(findings, "ROLLUP_CAKUPAN_SEBAGIAN")
    # P09-4.x: 0,18 + 0,15 + 0,16 = 0,49 against 2,90: the children cover only part of Hubungan Industrial
    assert set(partial) == {"P07-2.1"}
    assert partial["P07-2.1"].sum == pytest.approx(0.49) and partial["P07-2.1"].target == pytest.approx(2.90)
    assert "64,31" in wrong["P01-1.1"].message and "71,10" in wrong["P01-1.1"].message


def test_seed_components_without_children_and_maximum(seed):
    findings = check_rollup(seed)
    # Perencanaan (P02-2.1), Penduduk dan TK (P04-3.1), Kesempatan Kerja (P04-3.2) have no sub-indicator.
    assert set(_by(findings, "KOMPONEN_TANPA_SUB")) == {"P02-2.1", "P04-3.1", "P04-3.2"}
    assert _by(findings, "TARGET_MELEBIHI_MAKS_KOMPONEN") == {}  # 10,00 Jaminan Sosial = its maximum 10
    too_high = seed.model_copy(deep=True)
    next(i for i in too_high.indicators if i.id == "P07-2.3").target = 10.5
    hit = _by(check_rollup(too_high), "TARGET_MELEBIHI_MAKS_KOMPONEN")
    assert set(hit) == {"P07-2.3"} and hit["P07-2.3"].actual == 10.0


def test_rolled_target_is_recursive(seed):
    # P04-3.3 counts with its children's sum 9,25, P04-3.4 with 4,44, P07-2.1 with 0,49, P10-2.1 with 4,45:
    # 8,96 + 5,90 + 10,44 + 9,25 + 4,44 + 0,49 + 8,10 + 10,00 + 4,45 = 62,03
    assert rolled_target(seed, "P01-1.1").value == pytest.approx(62.03)


def test_ipk_realised_from_the_sub_indicators(seed):
    c = apply_sample(seed)
    # TW4 of the sample's leaves: 9,14 + 5,02 + 11,69 + (2,01 + 6,01 + 0,90) + (4,67 + 0,26) + (0,14 + 0,15
    # + 0,17) + 8,51 + (3,68 + 6,00) + (0,89 + 0,68 + 2,78) = 62,70
    pv = rolled_realisasi(c, "P01-1.1")
    assert pv.value == pytest.approx(62.70) and pv.missing == []
    ipk = next(i for i in c.indicators if i.id == "P01-1.1")
    res = capaian_rolled(c, ipk)
    assert res.status is Status.COMPUTED and res.value == pytest.approx(6270 / 71.10)
    # the sample's own P01-1.1 value 65,14 differs from the sum: a warning with both numbers
    w = _by(check_rollup(c), "ROLLUP_REALISASI_TIDAK_SESUAI")
    assert w["P01-1.1"].actual == pytest.approx(65.14) and w["P01-1.1"].sum == pytest.approx(62.70)
    assert "P04-3.4" not in w  # 4,93 entered = 4,67 + 0,26
    assert w["P04-3.3"].sum == pytest.approx(8.92)  # 2,01 + 6,01 + 0,90 against 8,94 (tolerance 0,015)
    # TW1 to date: 8,87 + 4,87 + 11,34 + (1,95 + 5,83 + 0,87) + (4,53 + 0,25) + (0,14 + 0,15 + 0,16) + 8,25
    # + (3,57 + 5,82) + (0,86 + 0,66 + 2,70) = 60,82
    assert rolled_realisasi(c, "P01-1.1", 1).value == pytest.approx(60.82)


def _cascade(*inds: Indicator) -> Cascade:
    return Cascade(positions=[Position(code="P01", title="Kepala", order=0)], indicators=list(inds))


def _idx(i: str, target: float | None, supports: str | None = None, kind=Kind.INDEX, **kw) -> Indicator:
    return Indicator(
        id=i,
        position="P01",
        indikator=f"Nilai {i}",
        target=target,
        target_text=str(target),
        kind=kind,
        aggregation=Aggregation.LATEST,
        supports=supports,
        rollup=RollUp.SUM if supports else RollUp.NONE,
        **kw,
    )


def test_tolerance_is_half_a_unit_per_child():
    ok = _cascade(_idx("A", 1.00), _idx("B", 0.335, "A"), _idx("C", 0.675, "A"))  # 1,01: within 2 x 0,005
    assert check_rollup(ok) == []
    over = _cascade(_idx("A", 1.00), _idx("B", 0.34, "A"), _idx("C", 0.675, "A"))  # 1,015 > 1,01
    assert [f.code for f in check_rollup(over)] == ["ROLLUP_TARGET_TIDAK_SESUAI"]


def test_links_missing_cycles_and_kinds():
    missing = _cascade(_idx("A", 1.0, "NOPE"))
    assert [f.code for f in check_rollup(missing)] == ["LINK_TIDAK_DIKENAL"]
    cycle = _cascade(_idx("A", 1.0, "B"), _idx("B", 1.0, "A"))
    codes = [f.code for f in check_rollup(cycle)]
    assert codes.count("SIKLUS_DUKUNGAN") == 1 and "ROLLUP_TARGET_TIDAK_SESUAI" not in codes
    kinds = _cascade(_idx("A", 5.0), _idx("B", 5.0, "A", kind=Kind.PERCENT))  # a percentage into an index
    assert [f.code for f in check_rollup(kinds)] == ["JENIS_TIDAK_COCOK"]
    orphan = _cascade(_idx("A", 5.0).model_copy(update={"rollup": RollUp.SUM}))
    assert [f.code for f in check_rollup(orphan)] == ["ROLLUP_TANPA_INDUK"]


def test_rollup_sum_generic():
    tree = {"A": ["B", "C"], "B": ["D", "E"]}
    values = {"C": 1.0, "D": 2.0, "E": None}
    r = rollup_sum("A", tree, values.get)
    assert r.value == 3.0 and r.missing == ["E"] and r.leaves == ["D", "E", "C"]
    loop = rollup_sum("A", {"A": ["B"], "B": ["A"]}, values.get)
    assert loop.problem and "A" in loop.problem
