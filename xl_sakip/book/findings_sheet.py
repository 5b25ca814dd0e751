"""`check` on a workbook file, and the findings sheet ("Temuan") it can add (openpyxl adapter).

- `run_check(path)`: read the master (``strict=False``: duplicate IDs, unknown codes and loops become
  findings with their cells, not a refusal), run the core checks with the reader's rows and columns (so
  findings name their cell even after people moved columns or sorted rows), return a CheckReport;
- `add_findings_sheet(wb, findings)` / `write_findings_sheet(path, findings)`: add or replace "Temuan";
  only a Temuan the tool wrote (its hash in a sheet-scoped name) and nobody edited since is replaced: a
  user's own sheet of that name, or notes typed into ours, are never thrown away (the save is refused).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ConfigDict

from xl_sakip.book.cells import TOP, WRAP, put, row_height, style_header, wrapped_lines
from xl_sakip.book.lock import workbook_lock
from xl_sakip.book.losses import refuse_losses
from xl_sakip.book.package import check_target, save_workbook
from xl_sakip.book.reader import (
    gc_paused,
    missing_settings_findings,
    read_master_with_rows,
    sheet_findings,
)
from xl_sakip.core.findings import Finding, Severity, count_by_severity, findings_to_json, has_errors
from xl_sakip.core.validation import check
from xl_sakip.errors import UserError, WorkbookError
from xl_sakip.kinds import FINDINGS
from xl_sakip.sheets.marker import digest_cells

SHEET_FINDINGS = FINDINGS.title  # the Temuan kind of the registry (xl_sakip/kinds.py)

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
    with gc_paused():  # everything it makes stays alive until the report (reader.gc_paused)
        cascade, where = read_master_with_rows(path, strict=False)
        from xl_sakip.sheets.edits import with_edit_findings  # + generated sheets edited by hand

        folder = path.resolve().parent
        findings = (check(cascade, where.locator(), lambda p: (folder / p).exists())
                    + missing_settings_findings(cascade, where.missing_settings)
                    + sheet_findings(where)
                    + where.damaged)  # spaces, tables, names the formulas need (book/integrity.py)
        return CheckReport(path=path, findings=with_edit_findings(findings, path, cascade))


def add_findings_sheet(wb: Workbook, findings: list[Finding]) -> None:
    """Add the "Temuan" sheet to `wb`, replacing one the tool wrote before (at the same place in the tab
    order). Raises UserError, before changing anything, when the existing "Temuan" is not the tool's or was
    edited by hand since (see `refuse_foreign_findings_sheet`)."""
    index = None
    if SHEET_FINDINGS in wb.sheetnames:
        refuse_foreign_findings_sheet(wb[SHEET_FINDINGS])
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
        put(ws.cell(2, 1), NO_FINDINGS)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_COLUMNS))}{max(len(findings) + 1, 2)}"
    # What was written, so that a later run can tell notes typed into the sheet (never thrown away).
    # A text constant, stored without "=" (a defined name's formula in the file has none; issue 11).
    ws.defined_names[FINDINGS_MARKER] = DefinedName(FINDINGS_MARKER, attr_text=f'"{_digest(ws)}"',
                                                    hidden=True)


# --- whose "Temuan" is it (issue 12, item 7) ---------------------------------------------------------------

#: Sheet-scoped name on the Temuan sheet the tool wrote: the hash of its cells (not the generated sheets'
#: `_xlsakip` marker: an edited Temuan is the user's notes, not a SHEET_DIUBAH_MANUAL error of the master).
FINDINGS_MARKER = FINDINGS.marker_name
NO_FINDINGS = "Tidak ada temuan."


def _digest(ws: Worksheet) -> str:
    return digest_cells((r, c, cell.value) for (r, c), cell in ws._cells.items())


def refuse_foreign_findings_sheet(ws: Worksheet) -> None:
    """Raise UserError when the sheet named "Temuan" may not be replaced: a sheet of the user's own, or the
    tool's sheet with notes typed into it since it was written."""
    dn = ws.defined_names.get(FINDINGS_MARKER)
    if dn is not None:
        if (dn.attr_text or "").strip().lstrip("=").strip('"') == _digest(ws):
            return
        raise UserError(
            f"Sheet '{SHEET_FINDINGS}' sudah diubah manual sejak ditulis oleh xl-sakip check --write; "
            "menimpanya akan membuang catatan Anda, sehingga workbook tidak diubah. Untuk menyimpan catatan "
            f"itu, ganti nama sheet '{SHEET_FINDINGS}' (misalnya menjadi 'Catatan Temuan'), lalu ulangi: "
            f"xl-sakip membuat sheet '{SHEET_FINDINGS}' yang baru. Bila catatan itu tidak diperlukan, hapus "
            f"sheet '{SHEET_FINDINGS}', lalu ulangi.")
    if _looks_written_by_ribbon(ws):
        return
    raise UserError(
        f"Workbook sudah memiliki sheet '{SHEET_FINDINGS}' yang tidak dibuat oleh xl-sakip; sheet itu tidak "
        "ditimpa, dan workbook tidak diubah. Ganti nama sheet itu (misalnya menjadi 'Temuan Saya'), lalu "
        "ulangi xl-sakip check --write.")


def _looks_written_by_ribbon(ws: Worksheet) -> bool:
    """A Temuan without the marker, as the ribbon's "Periksa Data" writes it (macros.write_findings): the
    headers in row 1, nothing right of the last column, a severity in column A of every row. Notes typed
    into another column or row of such a sheet make it the user's."""
    width = len(FINDING_COLUMNS)
    severities = {sev.value for sev in Severity}
    if [ws.cell(1, c).value for c in range(1, width + 1)] != [h for h, _, _ in FINDING_COLUMNS]:
        return False
    rows: dict[int, dict[int, object]] = {}
    for (r, c), cell in ws._cells.items():
        if cell.value in (None, ""):
            continue
        if c > width:
            return False
        rows.setdefault(r, {})[c] = cell.value
    for r, cells in rows.items():
        if r == 1:
            continue
        if cells == {1: NO_FINDINGS} and r == 2:
            continue
        if cells.get(1) not in severities or not cells.get(2):
            return False
    return True


def write_findings_sheet(path: str | Path, findings: list[Finding], *, cleaned: list[Path] | None = None
                         ) -> Path:
    """Add or replace the "Temuan" sheet of the workbook at `path`, keeping its macros; atomic save.

    Refused before any change (UserError, exit 2): a read-only file, a workbook holding parts openpyxl
    cannot keep (book/losses.py), a "Temuan" sheet that is not the tool's or holds notes typed since.
    `cleaned` receives the temporary files of an earlier, killed save that were removed.
    """
    path = Path(path)
    with workbook_lock(path):  # held from loading to saving: no other writer's change is lost
        check_target(path, force=True)
        refuse_losses(path, action="menulis sheet Temuan (check --write)")
        wb = _load(path, keep_vba=path.suffix.lower() == ".xlsm")
        try:
            add_findings_sheet(wb, findings)
            return save_workbook(wb, path, force=True, cleaned=cleaned)
        finally:  # openpyxl's copy of the macro parts, a zip over a buffer, is closed while the buffer is
            if wb.vba_archive is not None:  # open, not when the collector breaks cycles (as regenerate)
                wb.vba_archive.close()
