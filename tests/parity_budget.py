"""Generated cases for the parity of the budget and efficiency rules (issue 15; tests/test_parity_budget.py).

An office is a budget table (levels, codes with prefix traps such as 1.011 beside 1.01, empty and zero
amounts, pagu perubahan present or not) with its settings (reporting quarter 1-4 or an empty cell, the
efficiency formula). A case is one line of a unit sheet's budget block: the code totalled, up to four
capaian cells (numbers, reasons as text, empty) and four EKA terms. The core evaluates the rules of
core/rules.py on the model (core/engine.py: tblAnggaran from the model); the workbook holds the same trees
with the variables replaced by the row's cells, the table by ranges and the settings by cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import strategies as st

from tests.parity import _put, _substitute
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.budget import BudgetItem, BudgetLevel
from xl_sakip.core.engine import RulesEnv, run
from xl_sakip.core.models import Settings

# Codes as the nomenclature writes them, and traps: codes that read as numbers (2.07 beside 2.070 and
# 2.07.01; in the table also stored as numbers, ANGGARAN_KODE_ANGKA), IDs differing by case only. Rows
# match by "=", so none of these meets another (a SUMIFS criterion read 2.07 as a number).
CODES = ["1.01.01", "1.01.01.1.01", "1.01.01.1.01.0001", "1.01.01.1.01.0002", "1.01.01.1.02.0001",
         "1.01.011", "1.01.011.1.01", "2.02.02", "2.02.02.1.01.0001", "2.07", "2.07.01", "2.070", "1.5",
         "X-1.1", "x-1.1.01"]
NUMBER_LIKE = {"2.07", "2.070", "1.5"}
# Looked-up codes a criterion would read as a wildcard or an operator (a unit sheet's Kode is written by the
# tool, from codes the reader accepts, but the cell can be edited).
KEYS = [*CODES, "1.*", "<5", "X-1.?", "2.07.*", "2.07~"]
CAPS, EKAS = (2, 3, 4, 5), (6, 7, 8, 9)
C_PAGU, C_SPENT, C_SERAPAN, C_CAP, C_TERM, C_E, C_EFF, C_LABEL = range(10, 18)
OUT = {"pagu": C_PAGU, "spent": C_SPENT, "serapan": C_SERAPAN, "capaian": C_CAP, "term": C_TERM,
       "e": C_E, "efficiency": C_EFF, "label": C_LABEL}


@dataclass
class Office:
    budget: list[BudgetItem]
    settings: Settings
    quarter_cell_empty: bool  # the Laporan s.d. Triwulan cell left empty: the whole year


@dataclass
class Case:
    code: str
    caps: list[Any]
    ekas: list[Any]


amounts = st.one_of(st.none(), st.just(0.0), st.integers(0, 10**9).map(float),
                    st.sampled_from([1e6, 2.5e6, 123456789.0]))
# Capaian and EKA terms around the band edges (+-5 from serapan) and 100 (sisa anggaran).
capaian_values = st.one_of(st.none(), st.sampled_from(["tidak dapat dihitung: realisasi belum diisi", ""]),
                           st.sampled_from([0.0, 95.0, 99.995, 100.0, 100.004, 105.0, 110.0]),
                           st.floats(0, 200).map(lambda x: round(x, 2)))


@st.composite
def offices(draw: st.DrawFn) -> Office:
    rows = []
    for code in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=8)):
        level = draw(st.sampled_from([BudgetLevel.SUB, BudgetLevel.SUB, BudgetLevel.KEGIATAN,
                                      BudgetLevel.PROGRAM]))
        rows.append(BudgetItem(level=level, code=code, name="x", pagu=draw(amounts),
                               pagu_perubahan=draw(st.one_of(st.none(), st.none(), amounts)),
                               spent_q=draw(st.lists(amounts, min_size=4, max_size=4)),
                               code_is_number=code in NUMBER_LIKE and draw(st.booleans())))
    quarter = draw(st.integers(1, 4))
    settings = Settings(reporting_quarter=quarter,
                        efficiency_formula=draw(st.sampled_from(rules.EFFICIENCY_FORMULAS)))
    return Office(rows, settings, quarter == 4 and draw(st.booleans()))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    return Case(draw(st.sampled_from(KEYS)), draw(st.lists(capaian_values, min_size=4, max_size=4)),
                draw(st.lists(st.one_of(st.none(), st.floats(-60, 60).map(lambda x: round(x, 3)),
                                        st.just("capaian 0")), min_size=4, max_size=4)))


def _v(v: Any) -> Any:
    return "" if v is None else v


def core_answers(case: Case, office: Office) -> dict[str, Any]:
    env = RulesEnv(office.settings, None, budget=office.budget)
    c, x, y, e = fx.Var("code"), fx.Var("x"), fx.Var("y"), fx.Var("e")
    pagu = run(rules.budget_pagu(c), env, code=case.code)
    spent = run(rules.budget_spent(c), env, code=case.code)
    ser = run(rules.serapan(x, y), env, x=spent, y=pagu)
    cap = run(rules.capaian_mean(x), env, x=fx.Arr(_v(v) if v is not None else fx.EMPTY for v in case.caps))
    term = run(rules.eka_term(x, y), env, x=_v(cap), y=ser)
    mean = run(rules.eka_mean(x), env, x=fx.Arr(v if v is not None else fx.EMPTY for v in case.ekas))
    eff = run(rules.efficiency(x, y, e), env, x=_v(cap), y=ser, e=_v(mean))
    label = run(rules.efficiency_label(x, y, e), env, x=_v(cap), y=ser, e=_v(eff))
    return {"pagu": pagu, "spent": spent, "serapan": ser, "capaian": cap, "term": term, "e": mean,
            "efficiency": eff, "label": label}


def _ref_sheet(wb: openpyxl.Workbook, office: Office) -> dict[str, fx.Expr]:
    ws = wb.create_sheet("Ref")
    refs: dict[str, fx.Expr] = {}
    headers = (rules.BUDGET_LEVEL_HEADER, rules.BUDGET_CODE_HEADER, rules.BUDGET_PAGU_HEADER,
               rules.BUDGET_PAGU_P_HEADER, *rules.BUDGET_SPENT_HEADERS)
    for r, b in enumerate(office.budget, start=2):
        code = float(b.code) if b.code_is_number else b.code  # what the cell holds
        for k, v in enumerate((b.level.value, code, b.pagu, b.pagu_perubahan, *b.spent_q), start=1):
            _put(ws, r, k, v)
    n = len(office.budget) + 1
    for k, h in enumerate(headers, start=1):
        refs[f"{rules.TABLE_BUDGET}[{h}]"] = fx.Area(fx.Cell(k, 2, "Ref", True, True),
                                                     fx.Cell(k, n, "Ref", True, True))
    quarter = None if office.quarter_cell_empty else office.settings.reporting_quarter
    for r, (name, value) in enumerate(((rules.NAME_QUARTER, quarter),
                                       (rules.NAME_EFFICIENCY, office.settings.efficiency_formula)), start=1):
        _put(ws, r, 12, value)
        refs[name] = fx.Cell(12, r, "Ref", True, True)
    # The reporting quarter in force: a cell holding its rule, as Pengaturan holds it (setTriwulanBerlaku).
    ws.cell(3, 12).value = fx.formula_text(_substitute(rules.QUARTER_IN_FORCE, {}, refs))
    refs[rules.NAME_QUARTER_IN_FORCE] = fx.Cell(12, 3, "Ref", True, True)
    return refs


def write_cases(path: Path, cases_: list[Case], office: Office) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "C"
    refs = _ref_sheet(wb, office)
    for row, case in enumerate(cases_, start=1):
        _put(ws, row, 1, case.code)
        for cols, values in ((CAPS, case.caps), (EKAS, case.ekas)):
            for col, v in zip(cols, values, strict=True):
                _put(ws, row, col, v)
        def c(col: int, row: int = row) -> fx.Expr:
            return fx.Cell(col, row)

        def area(cols: tuple[int, ...], row: int = row) -> fx.Expr:
            return fx.Area(fx.Cell(cols[0], row), fx.Cell(cols[-1], row))

        formulas = {
            C_PAGU: rules.budget_pagu(c(1)),
            C_SPENT: rules.budget_spent(c(1)),
            C_SERAPAN: rules.serapan(c(C_SPENT), c(C_PAGU)),
            C_CAP: rules.capaian_mean(area(CAPS)),
            C_TERM: rules.eka_term(c(C_CAP), c(C_SERAPAN)),
            C_E: rules.eka_mean(area(EKAS)),
            C_EFF: rules.efficiency(c(C_CAP), c(C_SERAPAN), c(C_E)),
            C_LABEL: rules.efficiency_label(c(C_CAP), c(C_SERAPAN), c(C_EFF)),
        }
        for col, e in formulas.items():
            ws.cell(row, col).value = fx.formula_text(_substitute(e, {}, refs))
    wb.save(path)
    return path
