"""Parity of the budget and efficiency rules (issue 15): the core's answer equals its formulas computed by
the `formulas` package, by our own evaluator on the cells, and by LibreOffice. Cases: tests/parity_budget.py
(codes with prefix traps, empty and zero amounts, pagu perubahan or not, every reporting quarter and an empty
cell, every efficiency formula, capaian on the band edges and at 100, reasons as text, empty cells)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.libreoffice import recalc, requires_libreoffice
from tests.parity import same
from tests.parity_budget import OUT, Case, Office, cases, core_answers, offices, write_cases
from tests.test_parity import PHASES, _formulas_engine, _our_engine
from xl_sakip.core.models import Settings


def _mismatches(batch: list[Case], office: Office, values: dict[tuple[int, int], object],
                rounding_ties: bool = False) -> list[str]:
    """`rounding_ties`: the `formulas` package rounds x.xx5 reached by arithmetic (1.5949999999999989) down,
    where Excel and LibreOffice (and core/formula.xl_round) take 15 significant digits first and round up:
    with it, a rounded figure may differ by one unit of its last decimal."""
    out = []
    for row, case in enumerate(batch, start=1):
        want = core_answers(case, office)
        for name, col in OUT.items():
            got = values.get((row, col))
            tie = (rounding_ties and name == "efficiency" and isinstance(got, float)
                   and isinstance(want[name], float) and abs(got - want[name]) <= 0.0100001)
            if not same(want[name], got) and not tie:
                out.append(f"row {row} {name}: core {want[name]!r} != sheet {got!r}\n  {case}\n  {office}")
    return out


@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=4, phases=PHASES)
@given(st.lists(cases(), min_size=40, max_size=40), offices())
def test_core_equals_the_formulas_engine(tmp_path_factory: pytest.TempPathFactory, batch: list[Case],
                                         office: Office) -> None:
    path = write_cases(tmp_path_factory.mktemp("parity_budget") / "cases.xlsx", batch, office)
    assert _mismatches(batch, office, _formulas_engine(path), rounding_ties=True) == []


@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=15, phases=PHASES)
@given(st.lists(cases(), min_size=30, max_size=30), offices())
def test_core_equals_its_own_formulas_on_cells(tmp_path_factory: pytest.TempPathFactory, batch: list[Case],
                                               office: Office) -> None:
    path = write_cases(tmp_path_factory.mktemp("own_budget") / "cases.xlsx", batch, office)
    assert _mismatches(batch, office, _our_engine(path)) == []


@requires_libreoffice
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=2, phases=PHASES)
@given(st.lists(cases(), min_size=60, max_size=60), offices())
def test_core_equals_libreoffice(tmp_path_factory: pytest.TempPathFactory, batch: list[Case],
                                 office: Office) -> None:
    tmp = tmp_path_factory.mktemp("lo_budget")
    path = write_cases(tmp / "cases.xlsx", batch, office)
    wb = openpyxl.load_workbook(recalc(path, tmp / "out"), data_only=True)
    values = {(r, c): cell.value for (r, c), cell in wb["C"]._cells.items()}
    assert _mismatches(batch, office, values) == []


def test_a_hand_case_on_every_engine(tmp_path: Path) -> None:
    """One office by hand: sub kegiatan 1.01.01.1.01.0001 pagu 100, perubahan 80, realisasi 10/20/30/40;
    sub 1.01.011.1.01 (not inside 1.01.01) pagu 1000. To TW3 the program 1.01.01 has 60 of 80: serapan 75;
    capaian 80 -> 80 - 75 = 5,00: cukup (the band edge)."""
    from xl_sakip.core.budget import BudgetItem, BudgetLevel
    from xl_sakip.core.models import Settings

    office = Office([BudgetItem(level=BudgetLevel.SUB, code="1.01.01.1.01.0001", pagu=100,
                                pagu_perubahan=80, spent_q=[10, 20, 30, 40]),
                     BudgetItem(level=BudgetLevel.SUB, code="1.01.011.1.01", pagu=1000)],
                    Settings(reporting_quarter=3), False)
    case = Case("1.01.01", [80.0, None, "teks", None], [None] * 4)
    want = {"pagu": 80.0, "spent": 60.0, "serapan": 75.0, "capaian": 80.0, "efficiency": 5.0,
            "label": "cukup"}
    assert {k: core_answers(case, office)[k] for k in want} == want
    path = write_cases(tmp_path / "hand.xlsx", [case], office)
    for values in (_formulas_engine(path), _our_engine(path)):
        assert {k: values.get((1, OUT[k])) for k in want} == want


@requires_libreoffice
def test_codes_match_exactly_on_every_engine(tmp_path: Path) -> None:
    """Codes compare with "=" (case ignored, nothing else), worked out by hand. Sub kegiatan rows with pagu
    1 "2.07" (text), 10 "2.07.01", 100 "2.070", 1 000 the number 2.08, 10 000 "X-1.1", 100 000
    "x-1.1.01", 1 000 000 "1.5"; a kegiatan "2.07" with pagu 5 (only Sub Kegiatan rows add up).
    - 2.07 -> 1 + 10 = 11 (itself and the row inside it; not 2.070). SUMIFS read the criterion 2.07 as a
      number: LibreOffice also met the text "2.07" (11), our evaluator only numbers (10).
    - 2.070 -> 100; 2.08 -> 0 (the cell holds a number, not the code's text: ANGGARAN_KODE_ANGKA).
    - x-1.1 -> 110 000 (case ignored, the row inside it too); X-1.? -> 0 (SUMIFS: 110 000, a wildcard);
      1.* -> 0 (SUMIFS: 1 000 000 from 1.5); <5 -> 0 (SUMIFS: the numbers below 5, 1 000 from 2.08);
      2.07.* -> 0 (SUMIFS: 10); 2.07~ -> 0."""
    from xl_sakip.core.budget import BudgetItem, BudgetLevel

    sub = BudgetLevel.SUB
    office = Office([BudgetItem(level=sub, code="2.07", pagu=1),
                     BudgetItem(level=sub, code="2.07.01", pagu=10),
                     BudgetItem(level=sub, code="2.070", pagu=100),
                     BudgetItem(level=sub, code="2.08", pagu=1000, code_is_number=True),
                     BudgetItem(level=sub, code="X-1.1", pagu=10_000),
                     BudgetItem(level=sub, code="x-1.1.01", pagu=100_000),
                     BudgetItem(level=sub, code="1.5", pagu=1_000_000),
                     BudgetItem(level=BudgetLevel.KEGIATAN, code="2.07", pagu=5)],
                    Settings(reporting_quarter=4), False)
    want = {"2.07": 11.0, "2.070": 100.0, "2.08": 0.0, "x-1.1": 110_000.0, "X-1.?": 0.0, "1.*": 0.0,
            "<5": 0.0, "2.07.*": 0.0, "2.07~": 0.0}
    batch = [Case(code, [None] * 4, [None] * 4) for code in want]
    path = write_cases(tmp_path / "codes.xlsx", batch, office)
    lo = openpyxl.load_workbook(recalc(path, tmp_path / "out"), data_only=True)["C"]
    ours = _our_engine(path)
    got = {case.code: (core_answers(case, office)["pagu"], ours.get((row, OUT["pagu"])),
                       lo.cell(row, OUT["pagu"]).value) for row, case in enumerate(batch, start=1)}
    assert got == {code: (v, v, v) for code, v in want.items()}
