"""Which sheets the tool generated, and whether someone edited them since.

A generated sheet carries a hidden sheet-scoped defined name ``_xlsakip`` whose value is the text
``"xl-sakip|<kind>|<key>|<hash>"``, stored in the file without a leading "=" (workbooks of earlier
versions stored one; `Marker.parse` reads both, and regenerate writes every marker anew). A sheet-scoped
name moves with the sheet when it is renamed and is copied with it; a sheet without it is never touched.
The hash covers the cells the tool wrote (constants and formula text, in a canonical form both writers
and both readers produce), so a hand edit shows as a different hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from xl_sakip.sheets.plan import Content, Formula, SheetPlan

MARKER_NAME = "_xlsakip"
PREFIX = "xl-sakip"


@dataclass(frozen=True)
class Marker:
    kind: str
    key: str
    digest: str

    def text(self) -> str:
        return f"{PREFIX}|{self.kind}|{self.key}|{self.digest}"

    def formula(self) -> str:
        """The name's formula as the file format stores it (a text constant, no leading "="): what an
        openpyxl DefinedName's attr_text holds. A stored "=" is not valid SpreadsheetML."""
        return '"' + self.text() + '"'

    def refers_to(self) -> str:
        """The name's formula as Excel's object model takes it (`Names.Add`, `Name.RefersTo`): with "="."""
        return "=" + self.formula()

    @classmethod
    def parse(cls, refers_to: str | None) -> Marker | None:
        if not refers_to:
            return None
        t = refers_to.strip().lstrip("=").strip().strip('"')
        parts = t.split("|")
        if len(parts) != 4 or parts[0] != PREFIX:
            return None
        return cls(parts[1], parts[2], parts[3])


def canonical(value: object) -> str | None:
    """One cell as text for the hash; None for an empty cell.

    Numbers are written with 15 significant digits (what Excel keeps), so 3.5, "3.5" from a COM .Formula
    read and 3.5000000000000001 agree; formulas are their text.
    """
    if value is None:
        return None
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _num(float(value))
    text = str(value)
    if text == "":
        return None
    if text.startswith("="):
        return text
    try:
        return _num(float(text))
    except ValueError:
        return text


def _num(x: float) -> str:
    return format(x, ".15g")


def digest_cells(cells: Iterable[tuple[int, int, object]]) -> str:
    """Hash of (row, col, value) triples; empty cells do not count."""
    # one canonical() per cell that is not None; the hash of the joined text is that of its parts fed one
    # by one (UTF-8 encodes a text part by part), without an update call per cell
    canon = [(r, c, t) for r, c, v in cells if v is not None and (t := canonical(v)) is not None]
    canon.sort()
    return hashlib.sha256("".join([f"{r},{c}\x1f{v}\x1e" for r, c, v in canon]).encode()).hexdigest()[:20]


def plan_cells(plan: SheetPlan) -> Iterable[tuple[int, int, Content]]:
    for r, row in enumerate(plan.cells, start=1):
        for c, v in enumerate(row, start=1):
            yield r, c, v


def plan_digest(plan: SheetPlan) -> str:
    return digest_cells(plan_cells(plan))


def plan_marker(plan: SheetPlan) -> Marker:
    return Marker(plan.kind, plan.key, plan_digest(plan))
