"""The plan of the unit sheets and Ringkasan of a cascade (`plan_workbook`), and of a workbook that may
already hold generated sheets (`plan_for`).

Here, below regenerate, the ribbon's writer and the hand-edit check, because all three need the same plan
(it was in regenerate.py, which made sheets/edits.py and regenerate.py import each other).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from xl_sakip.core.models import Cascade
from xl_sakip.core.rollup import on_cycle, sum_children, walker
from xl_sakip.sheets.index import indicators_by_position, sheet_names, unit_rows
from xl_sakip.sheets.names import SUMMARY_SHEET
from xl_sakip.sheets.plan import SheetPlan, WorkbookPlan
from xl_sakip.sheets.row_shapes import RowShapes
from xl_sakip.sheets.summary import SUMMARY_KEY, SUMMARY_KIND, plan_summary
from xl_sakip.sheets.unit import UNIT_KIND, master_positions, plan_unit


@dataclass(frozen=True)
class PlannedSheet:
    """A generated sheet of the plan before it is planned: its kind, key and name, and how to plan it.

    regenerate plans each sheet just before writing it and lets it go after (issue 13, memory: a plan's
    Formula objects hold the rule trees of every cell)."""

    kind: str
    key: str
    name: str
    make: Callable[[], SheetPlan] = field(compare=False, repr=False)

    def plan(self) -> SheetPlan:
        sp = self.make()
        assert (sp.kind, sp.key, sp.name) == (self.kind, self.key, self.name), (sp.name, self.name)
        return sp


def planned_sheets(cascade: Cascade, taken: set[str] | frozenset[str] = frozenset(),
                   names: dict[str, str] | None = None) -> list[PlannedSheet]:
    """The sheets of `plan_workbook`, in its order, each planned when asked (`PlannedSheet.plan`)."""
    auto = sheet_names(cascade, set(taken) | set((names or {}).values()))
    names = {**auto, **(names or {})}
    by_pos = indicators_by_position(cascade)
    by_id = {i.id: i for i in cascade.indicators}
    rows = unit_rows(cascade, by_pos)
    kids = {p: [c.id for c in cs] for p, cs in sum_children(cascade.indicators).items()}
    cycles = on_cycle(kids)
    master_k = master_positions(cascade)
    roll = walker(cascade, tree=kids, by_id=by_id)
    shapes = RowShapes()  # every unit sheet's rows, by shape
    out = [PlannedSheet(UNIT_KIND, p.code, names[p.code],
                        partial(plan_unit, cascade, p.code, names, rows, kids, cycles, by_pos=by_pos,
                                by_id=by_id, master_k=master_k, roll=roll, shapes=shapes))
           for p in cascade.positions]
    out.append(PlannedSheet(SUMMARY_KIND, SUMMARY_KEY, SUMMARY_SHEET,
                            partial(plan_summary, cascade, names, rows, kids, by_pos)))
    return out


def plan_workbook(cascade: Cascade, taken: set[str] | frozenset[str] = frozenset(),
                  names: dict[str, str] | None = None) -> WorkbookPlan:
    """The plan of every generated sheet. `taken`: sheet names that belong to the user or the master;
    `names`: sheet names to keep for positions that already have a generated sheet."""
    return WorkbookPlan(sheets=[ps.plan() for ps in planned_sheets(cascade, taken, names)])


def plan_for(wb_sheetnames: list[str], markers: dict[str, tuple[str, str]], cascade: Cascade) -> WorkbookPlan:
    """The plan, keeping the names of existing generated sheets and avoiding every other sheet name.

    `markers` (sheet name -> (kind, key)) in workbook order. Two sheets with the same key (a user copied a
    generated sheet: the copy carries the marker too) -> the first keeps the name: the original, which
    formulas elsewhere point at, as the ribbon does (xlwings_writer.regenerate_book).
    """
    return WorkbookPlan(sheets=[ps.plan() for ps in planned_for(wb_sheetnames, markers, cascade)])


def planned_for(wb_sheetnames: list[str], markers: dict[str, tuple[str, str]], cascade: Cascade
                ) -> list[PlannedSheet]:
    """`plan_for`, each sheet planned when asked."""
    generated = set(markers)
    taken = {n for n in wb_sheetnames if n not in generated}
    keep: dict[str, str] = {}
    for name, (_kind, key) in markers.items():
        if key != SUMMARY_KEY:
            keep.setdefault(key, name)
    valid = {pos.code for pos in cascade.positions}
    return planned_sheets(cascade, taken, {k: v for k, v in keep.items() if k in valid})
