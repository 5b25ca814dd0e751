"""Roll-up over the indicator tree, checked against sums worked out by hand from the seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_sakip.core.capaian import Status
from xl_sakip.core.categories import category
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp
from xl_sakip.core.rollup import (
    PARTIAL_EMPTY,
    Source,
    capaian_rolled,
    check_rollup,
    covers,
    rolled_realisasi,
    rolled_target,
    rollup_sum,
    used_realisasi,
    walker,
)
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


def test_rule_on_the_seed_with_the_sample_realisasi(seed):
    """A parent takes its pendukung's sum only when their targets cover its own; else its own realisasi.

    Seed targets and xl_sakip/data/sample_realisasi_2023.csv, worked by hand (n pendukung: tolerance
    n x 0,005):
    """
    c = apply_sample(seed)
    by_id = {i.id: i for i in c.indicators}

    def cap(i, upto=4):
        return capaian_rolled(c, by_id[i], upto)

    # P07-2.1 Hubungan Industrial, target 2,90: P09-4.1..4.3 targets 0,18 + 0,15 + 0,16 = 0,49 < 2,90 - 0,015
    # -> partial: its own realisasi, TW4 2,75 (TW1-TW3 empty, so "belum lengkap"): 2,75 / 2,90 = 94,83 %.
    u = used_realisasi(c, "P07-2.1")
    assert u.source is Source.PARTIAL and u.pv.value == pytest.approx(2.75) and u.pv.missing == [1, 2, 3]
    assert u.rolled.value == pytest.approx(0.14 + 0.15 + 0.17)  # the pendukung's 0,46, shown, not used
    res = cap("P07-2.1")
    assert res.status is Status.INCOMPLETE and res.value == pytest.approx(275 / 2.90)  # 94,827...
    assert category(res.value, c.reference) == "Sangat Tinggi"  # (90, 100]
    # P04-3.3 Pelatihan dan Kompetensi, target 9,22: P05-3.x 2,18 + 6,01 + 1,06 = 9,25 >= 9,22 - 0,015
    # -> covered: 2,01 + 6,01 + 0,90 = 8,92 (every quarter reported): 8,92 / 9,22 = 96,75 %.
    u = used_realisasi(c, "P04-3.3")
    assert u.source is Source.PENDUKUNG and u.pv.value == pytest.approx(8.92)
    res = cap("P04-3.3")
    assert res.status is Status.COMPUTED and res.value == pytest.approx(892 / 9.22)  # 96,746...
    # P10-2.1 Kondisi Lingkungan Kerja, target 4,37: P11-2.1 0,97 + P12-2.1 0,61 + P12-2.2 2,87 = 4,45
    # >= 4,37 - 0,015 -> covered: 0,89 + 0,68 + 2,78 = 4,35: 4,35 / 4,37 = 99,54 %.
    res = cap("P10-2.1")
    assert res.status is Status.COMPUTED and res.value == pytest.approx(435 / 4.37)  # 99,542...
    # P01-1.1 the IPK, target 71,10: its nine components' targets add up to 64,31 < 71,10 - 0,045 -> its
    # own realisasi 65,14 (TW4 only): 65,14 / 71,10 = 91,62 %, "belum lengkap" (TW1-TW3 empty).
    u = used_realisasi(c, "P01-1.1")
    assert u.source is Source.PARTIAL and u.pv.value == pytest.approx(65.14)
    res = cap("P01-1.1")
    assert res.status is Status.INCOMPLETE and res.value == pytest.approx(6514 / 71.10)  # 91,617...
    # The pendukung's sum (column "Realisasi dari Pendukung") adds each component's USED realisasi:
    # 9,14 + 5,02 + 11,69 + 8,92 (P04-3.3) + (4,67 + 0,26) (P04-3.4: 4,44 covers 4,42) + 2,75 (P07-2.1, own)
    # + 8,51 (P07-2.2 = P08-4.1) + (3,68 + 6,00) (P07-2.3) + 4,35 (P10-2.1) = 64,99; TW1-TW3 are missing
    # because P07-2.1's own realisasi has only TW4.
    assert u.rolled.value == pytest.approx(64.99) and u.rolled.missing == [1, 2, 3]
    # TW1 to date: the IPK's own realisasi is empty, and the pendukung cover only part of it.
    res = cap("P01-1.1", 1)
    assert res.status is Status.NOT_COMPUTABLE and res.reason == PARTIAL_EMPTY
    assert "sebagian target" in res.status_text() and "realisasi sendiri belum diisi" in res.status_text()
    # TW1 sum: 8,87 + 4,87 + 11,34 + (1,95 + 5,83 + 0,87) + (4,53 + 0,25) + [P07-2.1 empty] + 8,25
    # + (3,57 + 5,82) + (0,86 + 0,66 + 2,70) = 60,37
    assert rolled_realisasi(c, "P01-1.1", 1).value == pytest.approx(60.37)
    # ROLLUP_REALISASI_TIDAK_SESUAI only where the pendukung cover the parent: P04-3.3 (8,94 entered
    # against 8,92, tolerance 0,015) yes; the IPK (65,14 against 64,99) and P07-2.1 (2,75 vs 0,46) no.
    w = _by(check_rollup(c), "ROLLUP_REALISASI_TIDAK_SESUAI")
    assert set(w) == {"P04-3.3"} and w["P04-3.3"].sum == pytest.approx(8.92)
    assert w["P04-3.3"].actual == pytest.approx(8.94)
    # The findings say which realisasi the capaian uses.
    partial = _by(check_rollup(c), "ROLLUP_CAKUPAN_SEBAGIAN")["P07-2.1"]
    assert "memakai realisasinya sendiri" in partial.message


def test_one_walker_shared_by_many_indicators(seed):
    """What the unit sheets and the tree ask of one `walker` (memo shared over the whole cascade): the IPK
    first, which walks every pendukung below it, then those pendukung, whose memoised used realisasi
    must be their own. Values by hand as in the test above."""
    c = apply_sample(seed)
    by_id = {i.id: i for i in c.indicators}
    roll = walker(c, 4)
    ipk = used_realisasi(c, "P01-1.1", _roll=roll)
    assert ipk.source is Source.PARTIAL and ipk.pv.value == pytest.approx(65.14)
    assert ipk.rolled.value == pytest.approx(64.99) and ipk.rolled.missing == [1, 2, 3]
    res = capaian_rolled(c, by_id["P04-3.3"], 4, _roll=roll)
    assert res.status is Status.COMPUTED and res.value == pytest.approx(892 / 9.22)
    res = capaian_rolled(c, by_id["P07-2.1"], 4, _roll=roll)
    assert res.status is Status.INCOMPLETE and res.value == pytest.approx(275 / 2.90)
    res = capaian_rolled(c, by_id["P10-2.1"], 4, _roll=roll)
    assert res.status is Status.COMPUTED and res.value == pytest.approx(435 / 4.37)
    with pytest.raises(ValueError):  # a walker answers for its own quarter only
        capaian_rolled(c, by_id["P10-2.1"], 1, _roll=roll)


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


def test_covers_is_the_rule():
    assert covers(1.00, [0.5, 0.495])  # 0,995 >= 1,00 - 2 x 0,005
    assert not covers(1.00, [0.5, 0.489])  # 0,989 < 0,99
    assert covers(1.00, [0.7, 0.7])  # more than the target still covers (check: TIDAK_SESUAI)
    assert not covers(1.00, [0.5, None])  # a pendukung without a target: coverage unknown
    assert not covers(None, [0.5, 0.5]) and not covers(1.0, [])


def _leaf(i, target, sup, q, **kw):
    return _idx(i, target, sup, realisasi_q=q, **kw)


def test_partial_coverage_uses_own_realisasi_and_says_why_when_empty():
    # A (target 10) <- B (target 3): partial. A's own TW4 8 is used: 8 / 10 = 80 %.
    c = _cascade(_idx("A", 10.0, realisasi_q=[None, None, None, 8]), _leaf("B", 3.0, "A", [3, 3, 3, 3]))
    res = capaian_rolled(c, c.indicators[0])
    assert res.value == pytest.approx(80.0) and res.status is Status.INCOMPLETE
    assert rolled_realisasi(c, "A").value == 3.0  # the sum is still known, just not used
    # A without its own realisasi: not computable, and the reason names both facts.
    c.indicators[0].realisasi_q = [None] * 4
    res = capaian_rolled(c, c.indicators[0])
    assert res.status is Status.NOT_COMPUTABLE and res.excel() == "tidak dapat dihitung: " + PARTIAL_EMPTY
    # B gets a sibling that completes the target: 3 + 7 = 10 covers, A takes 3 + 6 = 9 -> 90 %.
    c.indicators.append(_leaf("C", 7.0, "A", [6, 6, 6, 6]))
    res = capaian_rolled(c, c.indicators[0])
    assert res.status is Status.COMPUTED and res.value == pytest.approx(90.0)
    # A pendukung without a target: coverage cannot be shown, A's own (empty) realisasi is used.
    c.indicators[2].target = None
    assert used_realisasi(c, "A").source is Source.PARTIAL


def test_a_partial_pendukung_contributes_its_own_realisasi_upward():
    # R (5) <- M (4) + N (1); M (4) <- M1 (1): M is partial, so M contributes its own 3,5, not M1's 0,9.
    # R is covered (4 + 1 = 5): 3,5 + 0,8 = 4,3 -> 86 %.
    c = _cascade(_idx("R", 5.0), _idx("M", 4.0, "R", realisasi_q=[None, None, None, 3.5]),
                 _leaf("N", 1.0, "R", [0.8] * 4), _leaf("M1", 1.0, "M", [0.9] * 4))
    pv = rolled_realisasi(c, "R")
    assert pv.value == pytest.approx(4.3) and pv.missing == [1, 2, 3]  # M's own TW1-TW3 are empty
    assert capaian_rolled(c, c.indicators[0]).value == pytest.approx(86.0)
    # The same rule in the generic sum (SAKIP_ROLLUP with a target column): 3,5 + 0,8.
    tree = {"R": ["M", "N"], "M": ["M1"]}
    values = {"M": 3.5, "N": 0.8, "M1": 0.9}
    targets = {"R": 5.0, "M": 4.0, "N": 1.0, "M1": 1.0}
    assert rollup_sum("R", tree, values.get, targets.get).value == pytest.approx(4.3)
    assert rollup_sum("R", tree, values.get).value == pytest.approx(1.7)  # leaves only: 0,9 + 0,8


def test_negative_pendukung_makes_the_sum_not_computable():
    # A (2) <- B (1) + C (1); C reported -1 in TW2: a data error, not a value to add.
    c = _cascade(_idx("A", 2.0), _leaf("B", 1.0, "A", [1, 1, 1, 1]), _leaf("C", 1.0, "A", [1, -1, 1, 1]))
    res = capaian_rolled(c, c.indicators[2])
    assert res.excel() == "tidak dapat dihitung: realisasi negatif"
    res = capaian_rolled(c, c.indicators[0])
    # The parent says a pendukung has a problem; the pendukung's own row says which (above).
    assert res.status is Status.NOT_COMPUTABLE and res.reason == "realisasi pendukung bermasalah"
