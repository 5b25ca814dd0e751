"""Findings: what `check` reports, one problem each, with a stable code and a message in Bahasa Indonesia.

A finding names where the problem is (position, indicator, cell when known) and, for numeric problems,
carries the numbers themselves so that a report or a JSON consumer need not parse the message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from xl_sakip.core.numbers import fmt  # noqa: F401 - re-exported: tree.py and older callers import it here


class Severity(StrEnum):
    # Values are what planners read (JSON, the Temuan sheet, counts): Bahasa Indonesia, like the importer's.
    ERROR = "galat"  # the figures are wrong or cannot be computed: fix before publishing
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


def by_code(findings: Iterable[Finding]) -> dict[tuple[Severity, str], list[Finding]]:
    """The findings of each (severity, code), in `sort_findings` order: errors first, each code where its
    first finding is, each code's findings in document order (the screen's summary of many findings)."""
    groups: dict[tuple[Severity, str], list[Finding]] = {}
    for f in sort_findings(findings):
        groups.setdefault((f.severity, f.code), []).append(f)
    return groups


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def findings_to_json(findings: Iterable[Finding], *, indent: int | None = 2) -> str:
    """The `check --json` output: a list of objects (severity, code, position, indicator_id, message, ...)."""
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=indent)


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per severity value ("galat", "peringatan", "info"), every severity present (0 if none)."""
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


def summary_text(findings: Iterable[Finding]) -> str:
    """The one-line count planners read after a run: "0 galat, 6 peringatan, 18 info"."""
    return ", ".join(f"{n} {sev}" for sev, n in count_by_severity(findings).items())


class YearCells(NamedTuple):
    """Where the items of a year sheet (Renstra, Riwayat, Narasi) are: the sheet, each field's column
    letter (a field whose column is missing has none) and the worksheet row of each item, in order."""

    sheet: str
    columns: dict[str, str]
    rows: list[int]


class Locator:
    """Turns (indicator id, field) into a cell address such as "Indikator!G12" when the row is known.

    The workbook adapter knows the layout and builds it (book/reader.py, `MasterRows.locator()`): `rows`
    maps indicator id -> worksheet row, `position_rows` position code -> row, `columns` and
    `position_columns` model field -> column letter as found by header text. Without them a finding
    names no cell (the default: the core does not know any file layout).
    """

    def __init__(
        self,
        rows: dict[str, int] | None = None,
        position_rows: dict[str, int] | None = None,
        columns: dict[str, str] | None = None,
        position_columns: dict[str, str] | None = None,
        *,
        indicator_sheet: str = "",
        position_sheet: str = "",
        settings: dict[str, str] | None = None,
        year_cells: dict[str, YearCells] | None = None,
        budget_rows: list[int] | None = None,
        budget_columns: dict[str, str] | None = None,
        budget_sheet: str = "",
        pk_rows: list[int] | None = None,
        pk_columns: dict[str, str] | None = None,
        pk_sheet: str = "",
    ) -> None:
        self.rows = rows or {}
        self.position_rows = position_rows or {}
        self.columns = columns or {}
        self.position_columns = position_columns or {}
        self.indicator_sheet = indicator_sheet
        self.position_sheet = position_sheet
        self.settings = settings or {}  # setting field ("settings.year") -> its value cell ("Pengaturan!B3")
        # Cascade field of a year sheet ("narratives") -> its sheet, columns and the row of each item.
        self.year_cells = year_cells or {}
        self.budget_rows = budget_rows or []  # worksheet row of each Cascade.budget row (issue 15)
        self.budget_columns = budget_columns or {}
        self.budget_sheet = budget_sheet
        self.pk_rows = pk_rows or []  # worksheet row of each Cascade.pk_targets row
        self.pk_columns = pk_columns or {}
        self.pk_sheet = pk_sheet

    def indicator(self, ind_id: str | None, field: str = "id") -> str | None:
        row = self.rows.get(ind_id) if ind_id else None
        return _address(self.indicator_sheet, self.columns, field, "id", row)

    def setting(self, field: str) -> str | None:
        return self.settings.get(field)

    def year_item(self, attr: str, index: int, field: str) -> str | None:
        """The cell of one field of an item of a year sheet (Renstra, Riwayat, Narasi)."""
        where = self.year_cells.get(attr)
        if where is None or not 0 <= index < len(where.rows) or field not in where.columns:
            return None
        return f"{where.sheet}!{where.columns[field]}{where.rows[index]}"

    def first_row(self, sheet: str) -> str | None:
        """The first data cell of the Indikator or Jabatan sheet (a finding about the sheet as a whole)."""
        if sheet == self.indicator_sheet and sheet:
            return f"{sheet}!{self.columns.get('id', 'A')}2"
        if sheet == self.position_sheet and sheet:
            return f"{sheet}!{self.position_columns.get('code', 'A')}2"
        return None

    def budget(self, index: int, field: str = "code") -> str | None:
        """The cell of `field` in the `index`-th row of the Anggaran table ("Anggaran!F5")."""
        row = self.budget_rows[index] if 0 <= index < len(self.budget_rows) else None
        return _address(self.budget_sheet, self.budget_columns, field, "code", row)

    def pk_target(self, index: int, field: str = "indicator_id") -> str | None:
        """The cell of `field` in the `index`-th row of tblTargetPK ("'Versi PK'!H3")."""
        row = self.pk_rows[index] if 0 <= index < len(self.pk_rows) else None
        address = _address(self.pk_sheet, self.pk_columns, field, "indicator_id", row)
        return address.replace(self.pk_sheet, f"'{self.pk_sheet}'", 1) if address and " " in self.pk_sheet \
            else address

    def position(self, code: str | None, field: str = "code") -> str | None:
        row = self.position_rows.get(code) if code else None
        return _address(self.position_sheet, self.position_columns, field, "code", row)


def _address(sheet: str, columns: dict[str, str], field: str, key: str, row: int | None) -> str | None:
    # A field whose column was deleted points at the row's key column: the row is still worth naming.
    col = columns.get(field) or columns.get(key)
    return f"{sheet}!{col}{row}" if sheet and row and col else None
