"""Serapan anggaran and efficiency per budget row, per sasaran and per position (issue 15): the Python
entry points of the rules in core/rules.py ("budget and PK versions").

`budget_layout` decides, from the master, what a position's unit sheet lists: its budget rows (those whose
Kode Jabatan is the position, leaving out a row inside another row of the same position, which its total
already holds) and its sasaran with a budget (a row supports an indicator; the sasaran of that indicator).
The unit-sheet planner lays these out as cells; `position_figures` evaluates the very same rules with the
values the cells would hold, so `check`, the sheets' cached values and LibreOffice agree.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from xl_sakip.core import rules
from xl_sakip.core.budget import BudgetItem
from xl_sakip.core.engine import RulesEnv, run
from xl_sakip.core.formula import Arr, Var
from xl_sakip.core.models import Cascade
from xl_sakip.core.rollup import _ids_tree, capaian_rolled
from xl_sakip.core.versions import in_force


class SasaranBudget(BaseModel):
    """A sasaran of the position with the budget rows (indexes into BudgetLayout.rows) supporting it."""

    sasaran_no: int | None
    sasaran: str
    indicator_ids: list[str]
    rows: list[int]


class BudgetLayout(BaseModel):
    rows: list[BudgetItem]
    sasaran: list[SasaranBudget]


def position_rows(cascade: Cascade, code: str) -> list[BudgetItem]:
    """The budget rows of a position: Kode Jabatan = code, without those inside another of its rows."""
    own = [b for b in cascade.budget if b.position == code]
    return [b for b in own if not any(b.under(o) for o in own if o is not b)]


def budget_layout(cascade: Cascade, code: str) -> BudgetLayout:
    rows = position_rows(cascade, code)
    groups: list[SasaranBudget] = []
    by_key: dict[tuple[int | None, str], SasaranBudget] = {}
    for ind in cascade.indicators_of(code):
        key = (ind.sasaran_no, ind.sasaran)
        if key not in by_key:
            by_key[key] = SasaranBudget(sasaran_no=ind.sasaran_no, sasaran=ind.sasaran, indicator_ids=[],
                                        rows=[])
            groups.append(by_key[key])
        by_key[key].indicator_ids.append(ind.id)
    for k, b in enumerate(rows):
        for g in groups:
            if b.supports is not None and b.supports.casefold() in {i.casefold() for i in g.indicator_ids}:
                g.rows.append(k)
    return BudgetLayout(rows=rows, sasaran=[g for g in groups if g.rows])


class RowFigures(BaseModel):
    code: str
    pagu: float
    spent: float
    serapan: float | str


class EfficiencyFigures(BaseModel):
    """One line of the efficiency table: a sasaran, or the position (the last line)."""

    capaian: float | str | None  # mean capaian kinerja; None when no capaian is a number
    pagu: float
    spent: float
    serapan: float | str
    eka: float | str | None  # E (%): an output's term, or the position's mean
    value: float | str | None  # the figure of the chosen formula (setRumusEfisiensi)
    label: str | None


class PositionFigures(BaseModel):
    rows: list[RowFigures]
    sasaran: list[EfficiencyFigures]
    total: EfficiencyFigures


def _v(v: Any) -> Any:
    return "" if v is None else v


def position_figures(cascade: Cascade, code: str, *, layout: BudgetLayout | None = None,
                     capaian: dict[str, float | str] | None = None) -> PositionFigures:
    """Every budget and efficiency figure of a position's unit sheet, by the rules. `capaian`: indicator
    id -> the capaian its row shows (number or reason); computed when not given."""
    layout = budget_layout(cascade, code) if layout is None else layout
    env = RulesEnv(cascade.settings, cascade.reference, budget=cascade.budget)
    if capaian is None:  # against the targets of the PK version in force
        forced = in_force(cascade)
        tree, by_id = _ids_tree(forced), {i.id: i for i in forced.indicators}
        capaian = {i.id: capaian_rolled(forced, i, _tree=tree, _by_id=by_id).excel()
                   for i in forced.indicators_of(code)}
    c, x, y, e = Var("code"), Var("x"), Var("y"), Var("e")
    rows = []
    for b in layout.rows:
        pagu = run(rules.budget_pagu(c), env, code=b.code)
        spent = run(rules.budget_spent(c), env, code=b.code)
        rows.append(RowFigures(code=b.code, pagu=pagu, spent=spent,
                               serapan=run(rules.serapan(x, y), env, x=spent, y=pagu)))

    def line(caps: list[Any], members: list[RowFigures], eka_terms: list[Any] | None) -> EfficiencyFigures:
        cap = run(rules.capaian_mean(x), env, x=Arr(_v(v) for v in caps))
        pagu = run(rules.budget_total(x), env, x=Arr(r.pagu for r in members))
        spent = run(rules.budget_total(x), env, x=Arr(r.spent for r in members))
        ser = run(rules.serapan(x, y), env, x=spent, y=pagu)
        if eka_terms is None:  # a sasaran: one output
            eka = run(rules.eka_term(x, y), env, x=_v(cap), y=ser)
        else:  # the position: the mean over its sasaran
            eka = run(rules.eka_mean(x), env, x=Arr(_v(t) for t in eka_terms))
        value = run(rules.efficiency(x, y, e), env, x=_v(cap), y=ser, e=_v(eka))
        label = run(rules.efficiency_label(x, y, e), env, x=_v(cap), y=ser, e=_v(value))
        return EfficiencyFigures(capaian=cap, pagu=pagu, spent=spent, serapan=ser, eka=eka, value=value,
                                 label=label)

    sasaran = [line([capaian[i] for i in g.indicator_ids], [rows[k] for k in g.rows], None)
               for g in layout.sasaran]
    total = line([capaian[i.id] for i in cascade.indicators_of(code)], rows, [s.eka for s in sasaran])
    return PositionFigures(rows=rows, sasaran=sasaran, total=total)

