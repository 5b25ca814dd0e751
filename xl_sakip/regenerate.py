"""`xl-sakip regenerate`: rewrite the generated sheets (one per position, Ringkasan) of a closed workbook.

Safety rules (issue 4, docs/sheets.md):
- only sheets carrying the tool's marker are replaced; the master, reference and user sheets stay as they
  are;
- a generated sheet whose cells differ both from what the tool wrote last time and from what it would
  write now was edited by hand: it is not replaced without `force`, and the error names it;
- the previous file is kept as `<name>.bak<suffix>` next to it (written atomically, only once the new
  workbook is complete on disk); the new file is saved atomically through book.package.save_workbook, with
  the VBA project and the ribbon (load with keep_vba=True); a symbolic link is written through;
- before any work: a read-only file, parts of users' sheets that openpyxl would drop (book/losses.py) and a
  macro workbook named .xlsx are refused;
- the same master gives the same cells (the plan is a pure function of the master);
- a workbook of an older version lacking Pengaturan rows added since (reader.MasterRows.missing_settings)
  gets those rows appended at the end of Pengaturan with their default value, note and defined name (the
  unit-sheet formulas use the names); existing rows and values are never touched.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from xl_sakip.book import schema as s
from xl_sakip.book import values
from xl_sakip.book.integrity import table_damages
from xl_sakip.book.lock import workbook_lock
from xl_sakip.book.losses import refuse_losses
from xl_sakip.book.package import check_target, save_workbook, write_through
from xl_sakip.book.reader import gc_paused, read_master_with_rows
from xl_sakip.book.sheet_xml import unchanged_sheets
from xl_sakip.book.unread import load_for_update as load_skipping
from xl_sakip.book.writer import (
    add_missing_budget_sheet,
    add_missing_year_sheets,
    repair_workbook,
    setting_value,
    write_setting_row,
)
from xl_sakip.core.findings import Severity
from xl_sakip.core.models import Cascade
from xl_sakip.core.validation import check
from xl_sakip.errors import EditedSheetsError, UserError, WorkbookError
from xl_sakip.kinds import regenerated_kinds, unit_kinds, write_report_sheets
from xl_sakip.sheets.edits import edited_sheets
from xl_sakip.sheets.marker import plan_digest
from xl_sakip.sheets.names import TEMPLATE_SHEET
from xl_sakip.sheets.openpyxl_writer import (
    openpyxl_cells,
    read_marker,
    sheet_digest,
    sheet_done,
    write_sheet,
)
from xl_sakip.sheets.replan import PlannedSheet, plan_for, planned_for  # noqa: F401 (plan_for: see below)
from xl_sakip.sheets.template import ensure_template

#: progress(done, total, what): called once per sheet written.
Progress = Callable[[int, int, str], None]
#: More generated sheets written into the same workbook before it is saved: extra(wb, cascade, force=...)
#: -> sheet names written.
Extra = Callable[..., list[str]]
# plan_for (sheets/replan.py) and EditedSheetsError (errors.py) were defined here; they are imported above,
# so `from xl_sakip.regenerate import ...` keeps working.


@dataclass
class RegenerateResult:
    path: Path
    backup: Path | None
    written: list[str] = field(default_factory=list)  # sheet names, in workbook order
    removed: list[str] = field(default_factory=list)  # generated sheets of positions no longer in the master
    overwritten_edits: list[str] = field(default_factory=list)  # edited sheets replaced because of force
    added_settings: list[str] = field(default_factory=list)  # Pengaturan rows added (older workbook)
    added_sheets: list[str] = field(default_factory=list)  # master sheets added, empty (older workbook)
    findings: dict[str, int] = field(default_factory=dict)  # severity -> count
    cleaned_temps: list[Path] = field(default_factory=list)  # temporary files of a killed save, removed
    repaired: list[str] = field(default_factory=list)  # master repairs (writer.repair_workbook)

    def summary(self) -> str:
        f = ", ".join(f"{n} {sev}" for sev, n in self.findings.items() if n) or "tidak ada temuan"
        lines = [f"Ditulis {len(self.written)} sheet ke {self.path}"]
        if self.backup:
            lines.append(f"Cadangan file sebelumnya: {self.backup}")
        if self.removed:
            lines.append("Dihapus (jabatan tidak ada lagi di master): " + ", ".join(self.removed))
        if self.overwritten_edits:
            lines.append("Ditimpa walau sudah diubah manual (--force): " + ", ".join(self.overwritten_edits))
        if self.added_sheets:
            lines.append("Sheet master baru (kosong, isi bila perlu): " + ", ".join(self.added_sheets))
        if self.added_settings:
            computed = {x.label for x in s.SETTINGS if x.formula is not None}  # rows nobody fills in
            typed = [x for x in self.added_settings if x not in computed]
            if typed:
                lines.append(f"Baris baru di sheet {s.SHEET_SETTINGS} (nilai bawaan, isi bila perlu): "
                             + ", ".join(typed))
            if made := [x for x in self.added_settings if x in computed]:
                lines.append(f"Baris baru di sheet {s.SHEET_SETTINGS} (dihitung, jangan diisi): "
                             + ", ".join(made))
        if self.repaired:
            lines.append("Diperbaiki agar rumus sheet benar: " + "; ".join(self.repaired))
        if self.cleaned_temps:
            lines.append("Dihapus file sementara sisa penyimpanan yang terputus sebelumnya: "
                         + ", ".join(p.name for p in self.cleaned_temps))
        lines.append(f"Pemeriksaan: {f} (rincian: xl-sakip check)")
        return "\n".join(lines)


def backup_path(path: Path) -> Path:
    """workbook/Cascading_2023.xlsm -> workbook/Cascading_2023.bak.xlsm (one rolling backup)."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def load_for_update(path: Path, kinds: Collection[str] = ()) -> Workbook:
    """The workbook at `path` as openpyxl loads it for writing, except its generated sheets of `kinds`
    proven unchanged (their stamp, or their scanned cells, match their marker): those are about to be
    replaced and are not parsed (book/unread.py; a second regenerate spent a third of its time here)."""
    skip: dict[str, str] = {}
    if kinds:
        try:
            _, markers, clear = unchanged_sheets(path)
        except Exception:  # a package the scan cannot open: openpyxl below reads (or reports) it
            markers, clear = {}, set()
        skip = {n: m.digest for n, m in markers.items() if n in clear and m.kind in kinds}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_skipping(path, skip, skip, keep_vba=path.suffix.lower() == ".xlsm")
    except Exception as exc:  # read_master already opened it, so this is rare
        raise WorkbookError(f"Workbook '{path}' tidak dapat dibuka untuk ditulis: {exc}") from exc


def add_missing_settings(wb: Workbook, cascade: Cascade, missing: list[str]) -> list[str]:
    """Append the Pengaturan rows whose labels are in `missing` (schema order) after the sheet's last used
    row, as the writer writes them (value from `cascade`, i.e. the default the reader used). Returns the
    labels added."""
    settings = [x for x in s.SETTINGS if x.label in missing]
    if not settings:
        return []
    ws = wb[s.SHEET_SETTINGS]
    # The writer's row puts label | value | note in A | B | C; the reader finds columns by header, so a
    # sheet whose columns were moved would get a row it cannot read back.
    heads = [" ".join(str(ws.cell(1, c).value or "").split()).casefold() for c in (1, 2)]
    if heads != [h.casefold() for h in s.SETTINGS_HEADERS[:2]]:
        raise UserError(
            f"Sheet '{s.SHEET_SETTINGS}' tidak memiliki kolom '{s.SETTINGS_HEADERS[0]}' dan "
            f"'{s.SETTINGS_HEADERS[1]}' di kolom A dan B, sehingga baris baru ("
            + ", ".join(f"'{x.label}'" for x in settings)
            + ") tidak dapat ditambahkan; kembalikan urutan kolomnya lalu ulangi. Workbook tidak diubah.")
    last = max((c.row for r in ws.iter_rows() for c in r if c.value is not None), default=1)
    for row, setting in enumerate(settings, start=last + 1):
        write_setting_row(wb, ws, row, setting, setting_value(cascade, setting))
    return [x.label for x in settings]


@dataclass
class Existing:
    """Generated sheets found in a workbook: key -> sheet name, and each one's state."""

    by_key: dict[str, str]
    edited: list[str]
    stale_keys: list[str]  # keys no longer planned (position removed)


def _edited(now: str, marked: str, ps: PlannedSheet | None) -> bool:
    """A generated sheet holding neither what the tool wrote last time nor what it would write now."""
    return now != marked and (ps is None or now != plan_digest(ps.plan()))


def regenerate_workbook(
    wb: Workbook, cascade: Cascade, *, force: bool = False, progress: Progress | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Replace the generated sheets of an open openpyxl workbook. Returns (written, removed, overwritten)."""
    markers = {ws.title: m for ws in wb.worksheets
               if (m := read_marker(ws)) is not None and m.kind in unit_kinds()}
    # Each sheet is planned just before it is written and let go after (its Formula objects hold the rule
    # trees): with an early evaluation (values.evaluate_early, regenerate) its cached values are computed
    # as soon as the sheets it reads are written, and its trees are freed then rather than at the save.
    sheets = planned_for(wb.sheetnames, {n: (m.kind, m.key) for n, m in markers.items()}, cascade)
    planned = {(ps.kind, ps.key): ps for ps in sheets}
    edited = [name for name, m in markers.items()
              if _edited(sheet_digest(wb[name]), m.digest, planned.get((m.kind, m.key)))]
    if edited and not force:
        raise EditedSheetsError(edited)

    template = ensure_template(wb)
    order = wb.sheetnames
    positions = {name: order.index(name) for name in markers}
    removed = [n for n, m in markers.items() if (m.kind, m.key) not in planned]
    for name in markers:
        wb.remove(wb[name])
    written: list[str] = []
    total = len(sheets)
    # Sheets that existed go back to their place; new ones go before the template (or at the end).
    old_index: dict[tuple[str, str], int] = {}
    for n, i in positions.items():  # the first sheet of a key (the original, see plan_for)
        old_index.setdefault((markers[n].kind, markers[n].key), i)
    for k, ps in enumerate(sheets, start=1):
        idx = old_index.get((ps.kind, ps.key))
        # By identity, not by title: wb.sheetnames reads every sheet's title, per sheet written (quadratic
        # in the number of positions, issue 13). _sheets: the workbook's order, chart sheets included.
        idx = wb._sheets.index(template) if idx is None else min(idx, len(wb._sheets))
        ws = write_sheet(wb, ps.plan(), idx)
        written.append(ps.name)
        sheet_done(wb, ps.name, ws)  # its cached values, and its cells serialised, where they can be
        if progress:
            progress(k, total, ps.name)
    return written, removed, edited


def regenerate(
    path: str | Path, *, force: bool = False, progress: Progress | None = None, reports: bool = True,
    extra: Extra | None = None,
) -> RegenerateResult:
    """Regenerate the generated sheets of the workbook at `path` (saved in place, backup kept): the unit
    sheets and Ringkasan, and with `reports` the Dasbor, the PK sheets and the Pohon Kinerja picture.

    `extra(wb, cascade, force=force)` may write further generated sheets (that refer to the unit sheets)
    into the same workbook before the one atomic save; their names are added to `written`.
    """
    path = Path(path)
    # One lock around read, write and save, so that no other writer (check --write, import) slips in.
    # The collector paused: what a run makes (plans, formula trees, cells) stays alive to the save, and
    # each collection walked all of it again (two thirds of the planning time at 2 000 rows).
    with gc_paused(), workbook_lock(path) if path.exists() else contextlib.nullcontext():
        # raises WorkbookError naming the sheet and cell of a problem
        cascade, where = read_master_with_rows(path)
        prepare_save(path, "menjalankan regenerate")
        wb = load_for_update(path, regenerated_kinds(reports))
        try:
            # Refuse before writing anything, naming the edited cells of every kind written here.
            if not force and (hand := edited_sheets(wb, cascade, regenerated_kinds(reports))):
                raise EditedSheetsError([e.name for e in hand], {e.name: e.cells for e in hand})
            # before the sheets use the names
            added = add_missing_settings(wb, cascade, where.missing_settings)
            # An older workbook gets the master sheets added since, empty; nothing else is touched.
            added_sheets = add_missing_year_sheets(wb) + add_missing_budget_sheet(wb)
            repaired = repair_workbook(wb)  # spaces, tables and names the sheets' formulas need
            # What the repair cannot do (a table on another sheet, data below a Total Row) is told with the
            # findings, as check tells it
            unrepaired = [d.finding() for d in table_damages(wb)]
            # The template's new helper columns and the band names are the last changes to the sheets
            # without a marker: made before those are declared final below (regenerate_workbook's own call
            # then finds nothing to do). After it, a master formula reading them was cached stale.
            ensure_template(wb)
            # The unit sheets' cached values are computed as they are written, from the sheets without a
            # marker (master, settings, user sheets: nothing below writes to them) and the unit sheets
            # written so far; what reads anything else waits for the save (book/values.py).
            final = [ws for ws in wb.worksheets if read_marker(ws) is None]
            values.evaluate_early(wb, [ws.title for ws in final])
            # ... and those sheets are serialised now, with their cached values, and their openpyxl cells
            # let go: the master's Indikator was two thirds of what the run held (issue 13, memory). Not
            # the template, whose cells each unit sheet copies; nor with `extra`, a caller's code that may
            # read those sheets through openpyxl (ws["A1"] adds a cell where there is none, which a
            # serialised sheet refuses).
            for ws in final if extra is None else ():
                if ws.title != TEMPLATE_SHEET:
                    sheet_done(wb, ws.title, ws)
            written, removed, edited = regenerate_workbook(wb, cascade, force=force, progress=progress)
            if reports:  # every report kind of the registry, after the unit sheets they refer to
                written += write_report_sheets(wb, cascade, force=force)
            if extra is not None:
                openpyxl_cells(wb)  # a unit sheet not serialised yet: openpyxl's cells for the caller's code
                written += extra(wb, cascade, force=force)
            # The backup is written inside the save, once the new workbook is complete on disk (package.py).
            backup = backup_path(write_through(path))
            cleaned: list[Path] = []
            # Every sheet written here matches its marker: its part's hash lets check skip reading it.
            save_workbook(wb, path, force=True, backup=backup, cleaned=cleaned, fresh=written)
        finally:  # refused or saved: openpyxl's copy of the macro parts, a zip over a buffer, is closed
            if wb.vba_archive is not None:  # while the buffer is open, not when the collector breaks cycles
                wb.vba_archive.close()
            values.discard_early(wb)  # the save ends it; a run that stopped on the way must end it too
        del wb  # its reference cycles are collected once the collector runs again
        findings = check(cascade) + unrepaired
    counts = {sev.value: sum(1 for f in findings if f.severity is sev) for sev in Severity}
    return RegenerateResult(path=path, backup=backup, written=written, removed=removed,
                            overwritten_edits=edited, added_settings=added, findings=counts,
                            added_sheets=added_sheets,
                            cleaned_temps=cleaned, repaired=repaired)


def prepare_save(path: Path, action: str) -> None:
    """Refuse, before any work, a save that cannot go ahead or would lose what the user made: a read-only
    file, parts openpyxl cannot keep (text boxes, sparklines ...), a macro workbook named .xlsx."""
    check_target(path, force=True)
    refuse_losses(path, action=action)
