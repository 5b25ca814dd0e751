"""The plan of the unit sheets and Ringkasan for a workbook that may already hold generated sheets.

Here, below regenerate, the ribbon's writer and the hand-edit check, because all three need the same plan
(it was in regenerate.py, which made sheets/edits.py and regenerate.py import each other).
"""

from __future__ import annotations

from xl_sakip.core.models import Cascade
from xl_sakip.sheets.plan import WorkbookPlan, plan_workbook

#: The marker kinds planned here and replaced by regenerate's unit-sheet pass and the ribbon; other kinds
#: (pk, dasbor, pohon ...) belong to their own writers.
MANAGED_KINDS = ("unit", "summary")


def plan_for(wb_sheetnames: list[str], markers: dict[str, tuple[str, str]], cascade: Cascade) -> WorkbookPlan:
    """The plan, keeping the names of existing generated sheets and avoiding every other sheet name.

    `markers` (sheet name -> (kind, key)) in workbook order. Two sheets with the same key (a user copied a
    generated sheet: the copy carries the marker too) -> the first keeps the name: the original, which
    formulas elsewhere point at, as the ribbon does (xlwings_writer.regenerate_book).
    """
    generated = set(markers)
    taken = {n for n in wb_sheetnames if n not in generated}
    keep: dict[str, str] = {}
    for name, (_kind, key) in markers.items():
        if key != "RINGKASAN":
            keep.setdefault(key, name)
    valid = {pos.code for pos in cascade.positions}
    return plan_workbook(cascade, taken, {k: v for k, v in keep.items() if k in valid})
