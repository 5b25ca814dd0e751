"""Findings: what `check` reports, one problem each, with a stable code and a message in Bahasa Indonesia.

A finding names where the problem is (position, indicator, cell when known) and, for numeric problems,
carries the numbers themselves so that a report or a JSON consumer need not parse the message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    ERROR = "error"  # the figures are wrong or cannot be computed: fix before publishing
    WARNING = "peringatan"  # probably a mistake: look at it
    INFO = "info"  # worth knowing, nothing to fix necessarily


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Severity
    code: str  # stable, upper snake case Indonesian, e.g. "TARGET_TIDAK_TERBACA"
    message: str  # Bahasa Indonesia: what is wrong and what to do
    position: str | None = None
    indicator_id: str | None = None
    cell: str | None = None  # e.g. "Indikator!G12" when the row is known
    target: float | None = None
    sum: float | None = None
    actual: float | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict; numeric fields only when they are set."""
        d = self.model_dump(mode="json")
        for key in ("target", "sum", "actual", "cell"):
            if d[key] is None:
                del d[key]
        return d


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity (document order)."""
    return sorted(findings, key=lambda f: _SEVERITY_ORDER[f.severity])


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def findings_to_json(findings: Iterable[Finding], *, indent: int | None = 2) -> str:
    """The `check --json` output: a list of objects (severity, code, position, indicator_id, message, ...)."""
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=indent)


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


def fmt(x: float | None, digits: int = 2) -> str:
    """A number as planners write it: decimal comma, thousands dot (71,10; 14.000)."""
    if x is None:
        return "-"
    s = f"{x:,.{digits}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class Locator:
    """Turns (indicator id, field) into a cell address such as "Indikator!G12" when the row is known.

    `rows` maps indicator id -> worksheet row and `position_rows` position code -> row (the reader knows
    them); `columns` maps a model field -> column letter (default: the column order of book/schema.py,
    which is what the writer produces; pass the reader's own when columns were moved).
    """

    def __init__(
        self,
        rows: dict[str, int] | None = None,
        position_rows: dict[str, int] | None = None,
        columns: dict[str, str] | None = None,
        position_columns: dict[str, str] | None = None,
    ) -> None:
        # book.schema is plain constants (no openpyxl): the one place where sheet and column names live.
        from xl_sakip.book import schema

        self.rows = rows or {}
        self.position_rows = position_rows or {}
        self.columns = columns or _letters(schema.INDICATOR_COLUMNS)
        self.position_columns = position_columns or _letters(schema.POSITION_COLUMNS)
        self.indicator_sheet = schema.SHEET_INDICATORS
        self.position_sheet = schema.SHEET_POSITIONS

    def indicator(self, ind_id: str | None, field: str = "id") -> str | None:
        row = self.rows.get(ind_id) if ind_id else None
        col = self.columns.get(field) or self.columns.get("id")
        return f"{self.indicator_sheet}!{col}{row}" if row and col else None

    def position(self, code: str | None, field: str = "code") -> str | None:
        row = self.position_rows.get(code) if code else None
        col = self.position_columns.get(field) or self.position_columns.get("code")
        return f"{self.position_sheet}!{col}{row}" if row and col else None


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def _letters(columns) -> dict[str, str]:
    return {c.field: column_letter(i) for i, c in enumerate(columns, start=1)}
