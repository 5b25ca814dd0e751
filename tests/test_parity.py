"""Parity: the Python engine and the sheet formulas come from one definition (core/rules.py), and agree.

Generated cases (tests/parity.py): every kind and aggregation, every polarity, both lower-is-better
formulas, caps, band tables the band check accepts (custom labels, open ends, an empty above-target
label), missing quarters, zeros, negatives, text in number cells, values on band edges, roll-up parents
at and around the coverage tolerance. The core's answer for each case is compared with its formulas
computed by a second engine: the `formulas` package in-process (hundreds of cases), and LibreOffice (a
smaller set). A failure prints the case.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from tests.libreoffice import recalc, requires_libreoffice
from tests.parity import OUT, Case, Office, cases, core_answers, offices, same, write_cases
from xl_sakip.book.values import WorkbookEnv

# No shrinking: a failure lists every mismatching case in full, and shrinking a batch takes minutes.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
SLOW = settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=3, phases=PHASES)


def _mismatches(batch: list[Case], office: Office, values: dict[tuple[int, int], object]) -> list[str]:
    out = []
    for row, case in enumerate(batch, start=1):
        want = core_answers(case, office)
        for name, col in OUT.items():
            got = values.get((row, col))
            if not same(want[name], got):
                out.append(f"row {row} {name}: core {want[name]!r} != sheet {got!r}\n  {case}\n  "
                           f"bands {office.reference.bands} above {office.reference.above_target_label!r} "
                           f"cap {office.settings.capaian_cap} "
                           f"turun {office.settings.lower_is_better_formula}")
    return out


def _formulas_engine(path: Path) -> dict[tuple[int, int], object]:
    """Values computed by the `formulas` package (an Excel formula engine in Python)."""
    import formulas
    import schedula

    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    out: dict[tuple[int, int], object] = {}
    for key, rng in solution.items():
        m = re.fullmatch(r"'\[[^\]]+\]C'!([A-Z]+)(\d+)", key)
        if not m:
            continue
        v = rng.value[0][0]
        if v is schedula.EMPTY:
            v = None
        elif hasattr(v, "item"):
            v = v.item()
        elif type(v).__name__ == "XlError":
            v = str(v)
        col = openpyxl.utils.column_index_from_string(m.group(1))
        out[(int(m.group(2)), col)] = v
    return out


def _our_engine(path: Path) -> dict[tuple[int, int], object]:
    wb = openpyxl.load_workbook(path)
    env = WorkbookEnv(wb)
    cells = wb["C"]._cells.items()
    return {(r, c): env.value(("C", r, c)) for (r, c), cell in cells if cell.data_type == "f"}


@SLOW
@given(st.lists(cases(), min_size=70, max_size=70), offices())
def test_core_equals_the_formulas_engine(tmp_path_factory: pytest.TempPathFactory, batch: list[Case],
                                         office: Office) -> None:
    path = write_cases(tmp_path_factory.mktemp("parity") / "cases.xlsx", batch, office)
    assert _mismatches(batch, office, _formulas_engine(path)) == []


@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=10, phases=PHASES)
@given(st.lists(cases(), min_size=50, max_size=50), offices())
def test_core_equals_its_own_formulas_on_cells(tmp_path_factory: pytest.TempPathFactory, batch: list[Case],
                                               office: Office) -> None:
    """The evaluator that writes cached values, on the rendered cells, gives the core's answers."""
    path = write_cases(tmp_path_factory.mktemp("own") / "cases.xlsx", batch, office)
    assert _mismatches(batch, office, _our_engine(path)) == []


@requires_libreoffice
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=4, phases=PHASES)
@given(st.lists(cases(), min_size=40, max_size=40), offices())
def test_core_equals_libreoffice(tmp_path_factory: pytest.TempPathFactory, batch: list[Case],
                                 office: Office) -> None:
    # Hypothesis's first example is the simplest one (40 copies of one empty case, the default bands):
    # with one example, as before, this test compared nothing generated. Trivial batches are skipped;
    # each of the others is one LibreOffice run.
    assume(len({repr(c) for c in batch}) >= 30)
    tmp = tmp_path_factory.mktemp("lo")
    path = write_cases(tmp / "cases.xlsx", batch, office)
    wb = openpyxl.load_workbook(recalc(path, tmp / "out"), data_only=True)
    values = {(r, c): cell.value for (r, c), cell in wb["C"]._cells.items()}
    assert _mismatches(batch, office, values) == []
