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
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ConfigDict

from xl_sakip.book.cells import TOP, WRAP, put, row_height, style_header, wrapped_lines
from xl_sakip.book.lock import workbook_lock
from xl_sakip.book.losses import refuse_losses, refuse_misnamed_macros
from xl_sakip.book.package import check_target, save_workbook
from xl_sakip.book.package_edit import REL_WORKSHEET, Declined, PackageEdit
from xl_sakip.book.reader import (
    gc_paused,
    missing_settings_findings,
    read_master_with_rows,
    sheet_findings,
)
from xl_sakip.book.sheet_xml import Package, Unsure
from xl_sakip.book.sheet_xml import digest as scanned_digest
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
    same = findings_sheet_name(wb.sheetnames)  # (openpyxl would add "Temuan1" beside a "temuan")
    if same is not None:
        refuse_foreign_findings_sheet(wb[same])
        index = wb.sheetnames.index(same)
        wb.remove(wb[same])
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
            if isinstance(value, float):
                # The 15 digits the marker's hash keeps (marker.canonical). The file holds 16 (openpyxl's
                # "%.16g"): rounding 17 digits to 16 and then to 15 gave another last digit (24 of
                # 14 842 findings), and the next `check --write` took the sheet for one edited by hand.
                # + 0.0: no -0.0, which is written "-0" and read back as 0 (another hash again)
                value = float(format(value, ".15g")) + 0.0
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


def findings_sheet_name(names: Iterable[str]) -> str | None:
    """The sheet among `names` where the Temuan goes: "Temuan" in any case, as Excel compares names."""
    return next((n for n in names if n.casefold() == SHEET_FINDINGS.casefold()), None)


def _marker_digest(text: str) -> str:
    """The hash a FINDINGS_MARKER holds, as stored ('"abc"') or as Excel gives it ('="abc"')."""
    return text.strip().lstrip("=").strip('"')


def _digest(ws: Worksheet) -> str:
    return digest_cells((r, c, cell.value) for (r, c), cell in ws._cells.items())


def refuse_foreign_findings_sheet(ws: Worksheet) -> None:
    """Raise UserError when the sheet named "Temuan" may not be replaced: a sheet of the user's own, or the
    tool's sheet with notes typed into it since it was written (cells, comments, pictures, charts, tables:
    what openpyxl reads of them)."""
    dn = ws.defined_names.get(FINDINGS_MARKER)
    added = any(c.comment for c in ws._cells.values()) or bool(ws._images or ws._charts or ws.tables)
    refuse_foreign_findings({(r, c): cell.value for (r, c), cell in ws._cells.items()},
                            None if dn is None else dn.attr_text or "", added=added)


def refuse_foreign_findings(cells: Mapping[tuple[int, int], object], marker: str | None, *,
                            added: bool = False) -> None:
    """`refuse_foreign_findings_sheet` on a sheet's values by (row, column) and the text of its marker
    (None: it has none). `added`: the sheet holds more than cells (comments, pictures, a table), which
    the tool never writes there: an edit, never replaced."""
    if marker is not None:
        if not added and _marker_digest(marker) == digest_cells((r, c, v) for (r, c), v in cells.items()):
            return
        raise UserError(
            f"Sheet '{SHEET_FINDINGS}' sudah diubah manual sejak ditulis oleh xl-sakip check --write; "
            "menimpanya akan membuang catatan Anda, sehingga workbook tidak diubah. Untuk menyimpan catatan "
            f"itu, ganti nama sheet '{SHEET_FINDINGS}' (misalnya menjadi 'Catatan Temuan'), lalu ulangi: "
            f"xl-sakip membuat sheet '{SHEET_FINDINGS}' yang baru. Bila catatan itu tidak diperlukan, hapus "
            f"sheet '{SHEET_FINDINGS}', lalu ulangi.")
    if not added and _looks_written_by_ribbon(cells):
        return
    raise UserError(
        f"Workbook sudah memiliki sheet '{SHEET_FINDINGS}' yang tidak dibuat oleh xl-sakip; sheet itu tidak "
        "ditimpa, dan workbook tidak diubah. Ganti nama sheet itu (misalnya menjadi 'Temuan Saya'), lalu "
        "ulangi xl-sakip check --write.")


def _looks_written_by_ribbon(cells: Mapping[tuple[int, int], object]) -> bool:
    """A Temuan without the marker, as the ribbon's "Periksa Data" writes it (macros.write_findings): the
    headers in row 1, nothing right of the last column, a severity in column A of every row. Notes typed
    into another column or row of such a sheet make it the user's."""
    width = len(FINDING_COLUMNS)
    severities = {sev.value for sev in Severity}
    if [cells.get((1, c)) for c in range(1, width + 1)] != [h for h, _, _ in FINDING_COLUMNS]:
        return False
    rows: dict[int, dict[int, object]] = {}
    for (r, c), value in cells.items():
        if value in (None, ""):
            continue
        if c > width:
            return False
        rows.setdefault(r, {})[c] = value
    for r, row in rows.items():
        if r == 1:
            continue
        if row == {1: NO_FINDINGS} and r == 2:
            continue
        if row.get(1) not in severities or not row.get(2):
            return False
    return True


def write_findings_sheet(path: str | Path, findings: list[Finding], *, cleaned: list[Path] | None = None
                         ) -> Path:
    """Add or replace the "Temuan" sheet of the workbook at `path`; atomic save.

    The sheet is put into the package as it is on disk (book/package_edit.py): every other part is kept
    byte for byte, macros, parts openpyxl cannot read and regenerate's part stamps included. A package that
    module cannot edit with certainty is loaded and saved through openpyxl as before (`_write_by_openpyxl`).

    Refused before any change (UserError, exit 2): a read-only file, a macro workbook named .xlsx, a
    "Temuan" sheet that is not the tool's or holds notes added since (cells, comments, pictures, tables);
    on openpyxl's way also parts openpyxl would drop (book/losses.py).
    `cleaned` receives the temporary files of an earlier, killed save that were removed.
    """
    path = Path(path)
    with workbook_lock(path):  # held from loading to saving: no other writer's change is lost
        check_target(path, force=True)
        refuse_misnamed_macros(path)
        try:  # nothing is written before edit.save: a package declined on the way goes through openpyxl
            edit = PackageEdit(path)
            existing = edit.find(SHEET_FINDINGS)
            if existing is not None:
                if existing.rel_type != REL_WORKSHEET:  # a chart sheet of that name: the user's
                    refuse_foreign_findings({}, None)
                added = bool(edit.shown_relationships(existing))
                marker = edit.local_name(existing, FINDINGS_MARKER)
                if added or marker is None or not _scanned_as_written(path, existing.name, marker):
                    refuse_foreign_findings(_sheet_values(path, existing.name), marker, added=added)
            own = openpyxl.Workbook()  # the sheet as `add_findings_sheet` makes it, in a workbook of its own
            own.remove(own.active)
            add_findings_sheet(own, findings)
            edit.put(own[SHEET_FINDINGS], replacing=existing)
        except Declined:
            return _write_by_openpyxl(path, findings, cleaned=cleaned)
        return edit.save(cleaned=cleaned)


def _scanned_as_written(path: Path, name: str, marker: str) -> bool:
    """The sheet's cells, scanned from its XML (book/sheet_xml.py, no openpyxl), give the hash `marker`
    holds. The scan only ever clears a sheet: anything it is not sure of, or another hash, sends the sheet
    to openpyxl's reading (`_sheet_values`), which decides. At 10 000 indicators that reading of the whole
    package took 460 MB for a sheet of 90 000 cells."""
    try:
        with zipfile.ZipFile(path) as zf:
            cells = list(Package(zf).cells(name))
    except (Unsure, KeyError, ValueError, IndexError, OSError, zipfile.BadZipFile, ET.ParseError):
        return False
    return scanned_digest(cells) == _marker_digest(marker)


def _sheet_values(path: Path, name: str) -> dict[tuple[int, int], object]:
    """The values of sheet `name` by (row, column), as openpyxl reads them (streaming, that sheet only)."""
    wb = _load(path, read_only=True)
    try:
        ws = wb[name]
        ws.reset_dimensions()  # every cell, not only those inside its <dimension>, which may be stale
        return {(cell.row, cell.column): cell.value for row in ws.iter_rows() for cell in row
                if getattr(cell, "value", None) is not None}
    finally:
        wb.close()


def _write_by_openpyxl(path: Path, findings: list[Finding], *, cleaned: list[Path] | None) -> Path:
    """The whole workbook loaded and saved through openpyxl, keeping its macros (the lock is held)."""
    refuse_losses(path, action="menulis sheet Temuan (check --write)")
    wb = _load(path, keep_vba=path.suffix.lower() == ".xlsm")
    try:
        add_findings_sheet(wb, findings)
        return save_workbook(wb, path, force=True, cleaned=cleaned)
    finally:  # openpyxl's copy of the macro parts, a zip over a buffer, is closed while the buffer is
        if wb.vba_archive is not None:  # open, not when the collector breaks cycles (as regenerate)
            wb.vba_archive.close()
