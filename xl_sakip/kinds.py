"""Every kind of sheet the tool generates, in one registry.

A generated sheet carries a marker (sheets/marker.py) naming its kind and key. Everything that walks the
generated sheets iterates `KINDS` instead of naming kinds: `regenerate` (the unit pass, then the report
pass), `check`'s hand-edit detection (sheets/edits.py), the ribbon's writer (sheets/xlwings_writer.py) and
`write_report_sheets` below. Adding a kind touches this file only (docs/architecture.md, "Adding a sheet
kind"): write the kind's module (plan, finish), then add one `SheetKind` to `KINDS`.

Stages:
- `UNITS`: the unit sheets and Ringkasan, planned together from the cascade (sheets/replan.plan_for) and
  rendered from the template by both writers;
- `REPORTS`: planned after the unit sheets, which they refer to (Dasbor, Pohon Kinerja, PK ...); written in
  registry order, each kind's sheets after the previous kind's;
- `CHECK`: written by `check --write` / Periksa Data (Temuan), never by regenerate; listed so that its
  marker is known here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from xl_sakip import dashboard, evaluation, lkjip, pk, tree
from xl_sakip.core.models import Cascade
from xl_sakip.sheets.index import indicators_by_position
from xl_sakip.sheets.marker import MARKER_NAME
from xl_sakip.sheets.names import SUMMARY_SHEET
from xl_sakip.sheets.plan import SheetPlan
from xl_sakip.sheets.summary import SUMMARY_KIND
from xl_sakip.sheets.unit import UNIT_KIND


class Stage(enum.Enum):
    UNITS = "units"
    REPORTS = "reports"
    CHECK = "check"


@dataclass(frozen=True)
class PlanContext:
    """What a report kind plans from: the master, the unit sheet of each position (code -> sheet name),
    and the sheet names already taken in the workbook (a new sheet's name avoids them)."""

    cascade: Cascade
    units: dict[str, str]
    taken: frozenset[str] = frozenset()
    # What a kind's plan computed that its finish needs again (the PK layouts), by kind and key.
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)


#: plan(ctx) -> the kind's sheets, in the order they are written (a list, or made one at a time).
Planner = Callable[[PlanContext], Iterable[SheetPlan]]
#: replan(ctx, sheet name, key) -> what the tool would write now on the existing sheet of that key (for
#: the hand-edit check and the ribbon's staleness check); None when the key is no longer planned.
Replanner = Callable[[PlanContext, str, str], SheetPlan | None]
#: finish(ws, ctx, plan): what the openpyxl writer adds after the plan's cells (charts, picture, print setup).
Finisher = Callable[[Any, PlanContext, SheetPlan], None]


@dataclass(frozen=True)
class SheetKind:
    kind: str  # the marker's kind
    title: str  # what planners call these sheets (docs, messages)
    stage: Stage
    plan: Planner | None = None  # REPORTS: the kind's sheets
    replan: Replanner | None = None  # REPORTS: one existing sheet, fresh
    finish: Finisher | None = None  # REPORTS: the openpyxl finishing
    position_of: Callable[[str], str | None] = staticmethod(lambda key: None)  # the key's position code
    marker_name: str = MARKER_NAME  # the sheet-scoped defined name carrying the marker

    @property
    def report(self) -> bool:
        return self.stage is Stage.REPORTS


# ------------------------------------------------------------------ the report kinds' hooks


def _plan_dashboard(ctx: PlanContext) -> list[SheetPlan]:
    return [dashboard.plan_dashboard(ctx.cascade, ctx.units)]


def _replan_dashboard(ctx: PlanContext, name: str, key: str) -> SheetPlan | None:
    return dashboard.plan_dashboard(ctx.cascade, ctx.units, name)


def _finish_dashboard(ws: Any, ctx: PlanContext, plan: SheetPlan) -> None:
    dashboard.finish_dashboard(ws, ctx.cascade, ctx.units)


def _plan_tree(ctx: PlanContext) -> list[SheetPlan]:
    return [tree.plan_tree_sheet(ctx.cascade, ctx.taken)]


def _replan_tree(ctx: PlanContext, name: str, key: str) -> SheetPlan | None:
    return tree.plan_tree_sheet(ctx.cascade)


def _finish_tree(ws: Any, ctx: PlanContext, plan: SheetPlan) -> None:
    tree.finish_tree_sheet(ws, ctx.cascade)


def _plan_pk(ctx: PlanContext) -> Iterator[SheetPlan]:
    # One at a time (issue 13, memory): write_report_sheets writes and finishes each before the next is
    # planned, and _finish_pk lets its layout go.
    for sp, lay in pk.iter_pk_sheets(ctx.cascade, ctx.taken):
        ctx.memo[(pk.PK_KIND, sp.key)] = lay
        yield sp


def _replan_pk(ctx: PlanContext, name: str, key: str) -> SheetPlan | None:
    code = pk.code_of(key)
    if code is None or code not in {pos.code for pos in ctx.cascade.positions}:
        return None
    return pk.plan_pk(ctx.cascade, code, name)


def _finish_pk(ws: Any, ctx: PlanContext, plan: SheetPlan) -> None:
    code = pk.code_of(plan.key)
    assert code is not None
    lay = ctx.memo.pop((pk.PK_KIND, plan.key), None)
    if lay is None:
        lay = pk.pk_layout(ctx.cascade, code, indicators_by_position(ctx.cascade).get(code, []))
    pk.finish_pk_sheet(ws, ctx.cascade, code, lay)


def _plan_lkjip(ctx: PlanContext) -> list[SheetPlan]:
    return lkjip.plan_lkjip_sheets(ctx.cascade, ctx.units, ctx.taken)


def _replan_lkjip(ctx: PlanContext, name: str, key: str) -> SheetPlan | None:
    code = lkjip.code_of(key)
    if code is None or code not in {pos.code for pos in ctx.cascade.positions}:
        return None
    return lkjip.plan_lkjip(ctx.cascade, code, ctx.units, name)


def _finish_lkjip(ws: Any, ctx: PlanContext, plan: SheetPlan) -> None:
    lkjip.finish_lkjip(ws)


def _plan_evaluation(ctx: PlanContext) -> list[SheetPlan]:
    from xl_sakip.sheets.names import unit_sheet_name

    name = unit_sheet_name(evaluation.EVALUATION_SHEET, "", set(ctx.taken))
    return [evaluation.plan_evaluation(ctx.cascade, ctx.units, name)]


def _replan_evaluation(ctx: PlanContext, name: str, key: str) -> SheetPlan | None:
    return evaluation.plan_evaluation(ctx.cascade, ctx.units, name)


def _finish_evaluation(ws: Any, ctx: PlanContext, plan: SheetPlan) -> None:
    evaluation.finish_evaluation(ws, plan)


# ------------------------------------------------------------------ the registry

UNIT = SheetKind(UNIT_KIND, "sheet unit (satu per jabatan)", Stage.UNITS, position_of=lambda key: key)
SUMMARY = SheetKind(SUMMARY_KIND, SUMMARY_SHEET, Stage.UNITS)
DASHBOARD = SheetKind(dashboard.DASHBOARD_KIND, dashboard.DASHBOARD_SHEET, Stage.REPORTS,
                      _plan_dashboard, _replan_dashboard, _finish_dashboard)
TREE = SheetKind(tree.TREE_KIND, tree.TREE_SHEET, Stage.REPORTS, _plan_tree, _replan_tree, _finish_tree)
PK = SheetKind(pk.PK_KIND, "Perjanjian Kinerja (satu per jabatan)", Stage.REPORTS, _plan_pk, _replan_pk,
               _finish_pk, position_of=pk.code_of)
LKJIP = SheetKind(lkjip.LKJIP_KIND, lkjip.SHEET, Stage.REPORTS, _plan_lkjip, _replan_lkjip, _finish_lkjip,
                  position_of=lkjip.code_of)
EVALUATION = SheetKind(evaluation.EVALUATION_KIND, "Evaluasi Renja (Permendagri 86/2017)", Stage.REPORTS,
                       _plan_evaluation, _replan_evaluation, _finish_evaluation)
FINDINGS = SheetKind("temuan", "Temuan", Stage.CHECK, marker_name="_xlsakip_temuan")

#: Every generated kind. Report kinds are written in this order (Dasbor, the tree, the PKs, the LKjIP, the
#: Permendagri 86 form).
KINDS: tuple[SheetKind, ...] = (UNIT, SUMMARY, DASHBOARD, TREE, PK, LKJIP, EVALUATION, FINDINGS)
BY_KIND: dict[str, SheetKind] = {k.kind: k for k in KINDS}


def kinds_of(*stages: Stage) -> tuple[str, ...]:
    """The marker kinds of these stages, in registry order."""
    return tuple(k.kind for k in KINDS if k.stage in stages)


def unit_kinds() -> tuple[str, ...]:
    """The kinds of the unit pass (planned together by sheets/replan.plan_for)."""
    return kinds_of(Stage.UNITS)


def report_kinds() -> tuple[str, ...]:
    return kinds_of(Stage.REPORTS)


def regenerated_kinds(reports: bool = True) -> tuple[str, ...]:
    """What `regenerate` writes: the unit pass, and with `reports` the report pass."""
    return kinds_of(Stage.UNITS, Stage.REPORTS) if reports else unit_kinds()


def is_unit_sheet(kind: str) -> bool:
    return kind == UNIT.kind


def position_of(kind: str, key: str) -> str | None:
    """The position code a generated sheet belongs to (a unit or PK sheet), else None."""
    k = BY_KIND.get(kind)
    return k.position_of(key) if k is not None else None


def fresh_report_plan(ctx: PlanContext, kind: str, name: str, key: str) -> SheetPlan | None:
    """What the tool would write now on the existing report sheet `name` (kind, key); None if no longer
    planned or not a report kind."""
    k = BY_KIND.get(kind)
    if k is None or k.replan is None:
        return None
    return k.replan(ctx, name, key)


# ------------------------------------------------------------------ the report pass (openpyxl)


def unit_sheet_names(wb: Any) -> dict[str, str]:
    """Position code -> its generated unit sheet in an openpyxl workbook (found by marker)."""
    from xl_sakip.sheets.openpyxl_writer import read_marker

    return {m.key: ws.title for ws in wb.worksheets
            if (m := read_marker(ws)) is not None and is_unit_sheet(m.kind)}


def write_report_sheets(wb: Any, cascade: Cascade, *, force: bool = False,
                        only: Iterable[str] | None = None) -> list[str]:
    """Replace the sheets of every report kind (Dasbor, Pohon Kinerja, PK ...) of an openpyxl workbook.

    Call after the unit sheets are written (regenerate.regenerate_workbook): the reports refer to them.
    Sheets of these kinds that were edited by hand are not replaced without `force` (EditedSheetsError
    names them). `only`: the report kinds to write (default: all). Returns the sheet names written, in
    registry order.
    """
    from xl_sakip.errors import EditedSheetsError
    from xl_sakip.sheets.openpyxl_writer import read_marker, sheet_digest, write_report

    wanted = [k for k in KINDS if k.report and (only is None or k.kind in set(only))]
    units = unit_sheet_names(wb)
    ours = {ws.title: m for ws in wb.worksheets
            if (m := read_marker(ws)) is not None and m.kind in report_kinds()}
    edited = [t for t, m in ours.items() if sheet_digest(wb[t]) != m.digest]
    if edited and not force:
        raise EditedSheetsError(edited)
    index = {t: wb.sheetnames.index(t) for t in ours}
    for t in ours:
        wb.remove(wb[t])
    # Where they were; a workbook without them gets them right after the Ringkasan (else at the end).
    if index:
        at: int | None = min(index.values())
    elif SUMMARY_SHEET in wb.sheetnames:
        at = wb.sheetnames.index(SUMMARY_SHEET) + 1
    else:
        at = None
    written: list[str] = []
    for k in wanted:
        assert k.plan is not None and k.finish is not None
        ctx = PlanContext(cascade, units, frozenset(wb.sheetnames))
        for sp in k.plan(ctx):
            replan = None if k.replan is None else partial(k.replan, ctx, sp.name, sp.key)
            # written, finished, and its cached values and XML made now, where they can be
            ws = write_report(wb, sp, at, partial(k.finish, ctx=ctx, plan=sp), replan)
            written.append(ws.title)
            # By identity (wb.sheetnames reads every title: quadratic in the number of PK sheets).
            at = wb._sheets.index(ws) + 1
    return written
