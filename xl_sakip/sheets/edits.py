"""Generated sheets edited by hand since xl-sakip wrote them, and which of their cells differ.

A generated sheet (any marker kind of xl_sakip/kinds.py) stores the hash of what the tool wrote
(sheets/marker.py). A sheet whose cells no longer give that hash was edited. Which cells: the sheet is
compared cell by cell with a fresh plan from the master (the plan is a pure function of the master and the
sheet names, so the comparison follows the planners' current formulas). When the master changed since the
sheet was written, the differing cells include the ones the master changed; when no plan can be made (a
master that check reads leniently but that the planners cannot lay out), only the sheet is named.

A sheet equal to the fresh plan is not counted as edited, as in `regenerate` (it holds what the tool would
write now).

`edited_sheets` reads an openpyxl workbook; `compare_sheets` is the comparison itself, for cells read any
other way (the ribbon's Periksa Data reads them from the open book with `block_values`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_sakip.book.unread import placeholder_digest
from xl_sakip.core.findings import Finding, Severity, sort_findings
from xl_sakip.core.models import Cascade
from xl_sakip.errors import MAX_CELLS_SHOWN, cell_list  # noqa: F401 (MAX_CELLS_SHOWN: for callers)
from xl_sakip.sheets.marker import MARKER_NAME, Marker, canonical, digest_cells, plan_cells
from xl_sakip.sheets.names import quote_sheet
from xl_sakip.sheets.plan import SheetPlan
from xl_sakip.sheets.refs import L

CODE = "SHEET_DIUBAH_MANUAL"


@dataclass(frozen=True)
class EditedSheet:
    name: str
    kind: str
    key: str
    cells: tuple[str, ...]  # A1 addresses that differ from a fresh plan, row by row; () when unknown

    @property
    def position(self) -> str | None:
        """The position code of a unit or PK sheet."""
        from xl_sakip.kinds import position_of

        return position_of(self.kind, self.key)


def read_marker(ws: Any) -> Marker | None:
    """The marker of a worksheet (also of a read-only one), or None for a sheet the tool did not make."""
    dn = ws.defined_names.get(MARKER_NAME)
    return Marker.parse(dn.attr_text) if dn is not None else None


def sheet_values(ws: Any) -> dict[tuple[int, int], str]:
    """{(row, col): canonical value} of the non-empty cells, for a normal or a read-only worksheet."""
    if hasattr(ws, "_cells"):
        items: Iterable[tuple[int, int, object]] = ((r, c, cell.value) for (r, c), cell in ws._cells.items())
    else:  # read-only: stream the rows
        items = ((cell.row, cell.column, cell.value) for row in ws.iter_rows() for cell in row
                 if cell.value is not None)
    out: dict[tuple[int, int], str] = {}
    for r, c, v in items:
        if (t := canonical(v)) is not None:
            out[(r, c)] = t
    return out


def differing_cells(now: dict[tuple[int, int], str], plan: SheetPlan) -> list[str]:
    """A1 addresses where the sheet's cells differ from the plan's, in row then column order."""
    want = {(r, c): t for r, c, v in plan_cells(plan) if (t := canonical(v)) is not None}
    return [f"{L(c)}{r}" for r, c in sorted(set(now) | set(want)) if now.get((r, c)) != want.get((r, c))]


def block_values(first_row: int, first_col: int, block: Any) -> dict[tuple[int, int], str]:
    """{(row, col): canonical value} of the non-empty cells of a 2-D block read from a book in one call
    (xlwings `used_range.formula`: formula text, numbers as text, "" for empty), its top-left cell at
    (first_row, first_col). A single cell or a single row, as xlwings returns them, counts as a block."""
    if not isinstance(block, list | tuple):
        block = [[block]]
    elif block and not isinstance(block[0], list | tuple):
        block = [block]
    out: dict[tuple[int, int], str] = {}
    for i, row in enumerate(block):
        for j, v in enumerate(row):
            if (t := canonical(v)) is not None:
                out[(first_row + i, first_col + j)] = t
    return out


def _fresh_plans(sheetnames: list[str], markers: dict[str, Marker], cascade: Cascade, wanted: set[str]
                 ) -> dict[str, SheetPlan]:
    """Sheet name -> the plan the tool would write now for that generated sheet (of the names in `wanted`)."""
    from xl_sakip.kinds import PlanContext, fresh_report_plan, is_unit_sheet, unit_kinds
    from xl_sakip.sheets.replan import plan_for

    out: dict[str, SheetPlan] = {}
    kinds = {markers[n].kind for n in wanted}
    if kinds & set(unit_kinds()):
        managed = {n: (m.kind, m.key) for n, m in markers.items() if m.kind in unit_kinds()}
        planned = {(sp.kind, sp.key): sp for sp in plan_for(sheetnames, managed, cascade).sheets}
        for n in wanted:
            if (sp := planned.get((markers[n].kind, markers[n].key))) is not None:
                out[n] = sp
    units = {mk.key: t for t, mk in markers.items() if is_unit_sheet(mk.kind)}
    ctx = PlanContext(cascade, units, frozenset(sheetnames))
    for n in wanted:
        m = markers[n]
        if n not in out and (sp := fresh_report_plan(ctx, m.kind, n, m.key)) is not None:
            out[n] = sp
    return out


def edited_sheets(wb: Any, cascade: Cascade | None, kinds: Iterable[str] | None = None,
                  unchanged: Iterable[str] = ()) -> list[EditedSheet]:
    """The generated sheets of an openpyxl workbook (normal or read-only) edited by hand, in tab order.

    `cascade`: the master read from the same workbook, to name the differing cells; None names sheets only.
    `kinds`: only sheets of these marker kinds (default: every generated sheet).
    `unchanged`: sheets already known to hold what the tool wrote (book/sheet_xml.py): not read.
    """
    wanted = None if kinds is None else set(kinds)
    skip = set(unchanged)
    markers: dict[str, Marker] = {}
    values: dict[str, dict[tuple[int, int], str]] = {}
    for ws in wb.worksheets:
        if (m := read_marker(ws)) is None:
            continue
        markers[ws.title] = m
        # a placeholder (book/unread.py) was proven unchanged before it was loaded as one
        if (wanted is None or m.kind in wanted) and ws.title not in skip and placeholder_digest(ws) is None:
            values[ws.title] = sheet_values(ws)
    return compare_sheets(wb.sheetnames, markers, values, cascade)


def compare_sheets(sheetnames: list[str], markers: dict[str, Marker],
                   values: dict[str, dict[tuple[int, int], str]],
                   cascade: Cascade | None) -> list[EditedSheet]:
    """The edited sheets among `values` (sheet name -> its cells as `sheet_values`/`block_values` give them),
    in the order of `values`, however the cells were read (an openpyxl workbook or an open book).

    `sheetnames`: every sheet of the book, in tab order; `markers`: every generated sheet's marker (the
    fresh plans need the names of all of them, also of sheets not compared).
    """
    edited = {n: now for n, now in values.items()
              if digest_cells((r, c, v) for (r, c), v in now.items()) != markers[n].digest}
    if not edited:
        return []
    plans: dict[str, SheetPlan] = {}
    if cascade is not None:
        try:
            plans = _fresh_plans(sheetnames, markers, cascade, set(edited))
        except Exception:  # a master check reads leniently may not plan: name the sheets only
            plans = {}
    out: list[EditedSheet] = []
    for name, now in edited.items():
        cells: list[str] = []
        if (sp := plans.get(name)) is not None:
            cells = differing_cells(now, sp)
            if not cells:  # holds what the tool would write now: not a hand edit that matters
                continue
        out.append(EditedSheet(name, markers[name].kind, markers[name].key, tuple(cells)))
    return out


def edit_finding(e: EditedSheet) -> Finding:
    where = f" di sel {cell_list(e.cells)}" if e.cells else ""
    message = (
        f"Sheet '{e.name}' dibuat oleh xl-sakip tetapi sudah diubah manual{where}: angka di sheet ini tidak "
        "lagi dihitung dari sheet Indikator. Ubah datanya di sheet Indikator, lalu jalankan xl-sakip "
        "regenerate --force untuk membuang perubahan manual (tombol Buat Ulang Sheet Unit tidak menimpa "
        "sheet yang diubah manual). Catatan Anda sendiri simpan di sheet baru milik Anda.")
    cell = f"{quote_sheet(e.name)}!{e.cells[0]}" if e.cells else None
    return Finding(severity=Severity.ERROR, code=CODE, message=message, position=e.position, cell=cell)


def edit_findings(wb: Any, cascade: Cascade | None) -> list[Finding]:
    """One SHEET_DIUBAH_MANUAL finding per generated sheet edited by hand, in tab order."""
    return [edit_finding(e) for e in edited_sheets(wb, cascade)]


def check_edited_sheets(path: str | Path, cascade: Cascade | None) -> list[Finding]:
    """`edit_findings` of the workbook file at `path`. `check` has already read the master from this file,
    so it opens.

    The generated sheets are first scanned from the package's XML (book/sheet_xml.py: about a fifth of
    the time openpyxl takes to stream them); only the sheets the scan cannot clear, edited ones included,
    are read once more with openpyxl (read-only, streaming) to be compared cell by cell.
    """
    import openpyxl

    from xl_sakip.book.sheet_xml import unchanged_sheets

    try:
        _, markers, clear = unchanged_sheets(path)
        if set(markers) <= clear:
            return []
    except Exception:  # a package the scan cannot open: openpyxl below reads (or reports) it
        clear = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
    try:
        return [edit_finding(e) for e in edited_sheets(wb, cascade, unchanged=clear)]
    finally:
        wb.close()


def with_edit_findings(findings: list[Finding], path: str | Path, cascade: Cascade | None) -> list[Finding]:
    """`findings` of the master plus those of `check_edited_sheets`, errors first (what `check` reports)."""
    return sort_findings([*findings, *check_edited_sheets(path, cascade)])
