"""`check` on a workbook file, and the findings sheet ("Temuan") it can add (openpyxl adapter).

- `run_check(path)`: read the master (``strict=False``: duplicate IDs, unknown codes and loops become
  findings with their cells, not a refusal), run the core checks with the reader's rows and columns (so
  findings name their cell even after people moved columns or sorted rows), return a CheckReport;
- `add_findings_sheet(wb, findings)` / `write_findings_sheet(path, findings)`: add or replace "Temuan".
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from pydantic import BaseModel, ConfigDict

from xl_sakip.book.cells import TOP, WRAP, put, row_height, style_header, wrapped_lines
from xl_sakip.book.lock import workbook_lock
from xl_sakip.book.package import save_workbook
from xl_sakip.book.reader import missing_settings_findings, read_master_with_rows, sheet_findings
from xl_sakip.core.findings import Finding, count_by_severity, findings_to_json, has_errors
from xl_sakip.core.validation import check
from xl_sakip.errors import WorkbookError

SHEET_FINDINGS = "Temuan"

#: (header, attribute, width) of the findings sheet.
FINDING_COLUMNS = (
    ("Tingkat", "severity", 11),
    ("Kode", "code", 30),
    ("Jabatan", "position", 9),
    ("ID Indikator", "indicator_id", 12),
    ("Sel", "cell", 16),
    ("Pesan", "message", 90),
    ("Target", "target", 11),
    ("Jumlah", "sum", 11),
    ("Nilai", "actual", 11),
)


class CheckReport(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def exit_code(self) -> int:
        """0 without errors, 1 with errors (an unusable file raises WorkbookError, exit code 2)."""
        return 1 if self.has_errors else 0

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    def to_json(self) -> str:
        return findings_to_json(self.findings)


def _load(path: Path, **kw) -> Workbook:
    try:
        data = io.BytesIO(path.read_bytes())  # read-only workbooks read lazily: keep the bytes open
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(data, **kw)
    except Exception as exc:  # the reader has already reported unusable files; this is a second opening
        raise WorkbookError(
            f"'{path}' tidak dapat dibuka sebagai workbook ({type(exc).__name__}: {exc})."
        ) from exc


def run_check(path: str | Path) -> CheckReport:
    """Read the master workbook at `path` and check it. Raises WorkbookError (exit 2) for an unusable file."""
    path = Path(path)
    cascade, where = read_master_with_rows(path, strict=False)
    from xl_sakip.sheets.edits import with_edit_findings  # + generated sheets edited by hand

    findings = (check(cascade, where.locator()) + missing_settings_findings(cascade, where.missing_settings)
                + sheet_findings(where))
    return CheckReport(path=path, findings=with_edit_findings(findings, path, cascade))


def add_findings_sheet(wb: Workbook, findings: list[Finding]) -> None:
    """Add the "Temuan" sheet to `wb`, replacing an existing one (at the same place in the tab order)."""
    index = None
    if SHEET_FINDINGS in wb.sheetnames:
        index = wb.sheetnames.index(SHEET_FINDINGS)
        wb.remove(wb[SHEET_FINDINGS])
    ws = wb.create_sheet(SHEET_FINDINGS, index)
    for col, (header, _, width) in enumerate(FINDING_COLUMNS, start=1):
        style_header(put(ws.cell(1, col), header))
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, f in enumerate(findings, start=2):
        lines = 1
        for col, (_, attr, width) in enumerate(FINDING_COLUMNS, start=1):
            value = getattr(f, attr)
            if value is None:
                continue
            cell = put(ws.cell(row, col), value, "#,##0.00" if isinstance(value, float) else None)
            cell.alignment = WRAP if width >= 30 else TOP
            if width >= 30:
                lines = max(lines, wrapped_lines(cell.value, width))
        if lines > 1:  # Excel does not size rows for wrapped text: a long message would be cut off
            ws.row_dimensions[row].height = row_height(lines)
    if not findings:
        put(ws.cell(2, 1), "Tidak ada temuan.")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_COLUMNS))}{max(len(findings) + 1, 2)}"


def write_findings_sheet(path: str | Path, findings: list[Finding]) -> Path:
    """Add or replace the "Temuan" sheet of the workbook at `path`, keeping its macros; atomic save."""
    path = Path(path)
    with workbook_lock(path):  # held from loading to saving: no other writer's change is lost
        wb = _load(path, keep_vba=path.suffix.lower() == ".xlsm")
        add_findings_sheet(wb, findings)
        return save_workbook(wb, path, force=True)
