"""Write the sheet plan into an open workbook through xlwings (the ribbon's "Buat Ulang Sheet Unit").

Same plan, same cells as the openpyxl writer; written the way Excel likes it over COM:
- a generated sheet that exists is rewritten IN PLACE (same sheet object and name): deleting it would turn
  every formula pointing at it (Dasbor, PK, a user's own sheet) into #REF!. It is cleared, gets the
  template's header block and body row by range copies, then all values and formulas as ONE 2-D block
  (`Range.formula`);
- a new unit sheet is a copy of the template sheet (styles, widths, hidden helper columns, conditional
  formats, print setup come with it), the body rows get the template's body row in ONE range copy, then
  the block; only sheets of positions gone from the master are deleted;
- the summary sheet is styled by blocks (a handful of calls), its chart added by xlwings;
- the marker is a sheet-scoped defined name, as in the file written by openpyxl.

Works on any xlwings Book: Excel on Windows/macOS, and xlwings' remote engine (`xw.Book(json=...)`),
which the tests use on Linux. The remote engine cannot read formulas synchronously, so there the check for
hand edits cannot run: existing generated sheets are replaced only with force (docs/sheets.md).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_sakip.book import schema as s
from xl_sakip.book.cells import FORMULA_TRIGGERS
from xl_sakip.core.models import Cascade
from xl_sakip.errors import UserError
from xl_sakip.kinds import is_unit_sheet
from xl_sakip.sheets import plan as p
from xl_sakip.sheets import refs as rf
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.edits import EditedSheet, block_values, compare_sheets
from xl_sakip.sheets.marker import MARKER_NAME, Marker, digest_cells, plan_digest, plan_marker
from xl_sakip.sheets.names import TEMPLATE_SHEET

_NUMERIC = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*%?\s*$")
MASTER_SHEETS = (s.SHEET_POSITIONS, s.SHEET_INDICATORS, s.SHEET_SETTINGS, s.SHEET_BANDS, s.SHEET_GRADES,
                 s.SHEET_IPK, s.SHEET_IPK_SUB, s.SHEET_IPK_STATUS, s.SHEET_BUDGET, s.SHEET_PK_VERSIONS,
                 *(y[0] for y in s.YEAR_SHEETS))  # Renstra, Riwayat, Narasi: read when present


def excel_input(v: p.Content) -> Any:
    """What goes into `Range.formula` for one planned cell.

    Text that Excel would parse (a leading = + - @, a number, TRUE/FALSE) gets Excel's text prefix "'",
    which is not part of the cell's value: text from documents never becomes a formula or a number.
    """
    if v is None:
        return ""
    if isinstance(v, p.Formula):
        return v.text
    if isinstance(v, str):
        if v.startswith(FORMULA_TRIGGERS) or v.startswith("'") or _NUMERIC.match(v) \
                or v.strip().upper() in ("TRUE", "FALSE", "BENAR", "SALAH"):
            return "'" + v
        return v
    return v


def block(plan: p.SheetPlan) -> list[list[Any]]:
    return [[excel_input(v) for v in row] for row in plan.cells]


# ------------------------------------------------------------------ the open book, asked once

_ADDRESS = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def address(r1: int, c1: int, r2: int | None = None, c2: int | None = None) -> str:
    """"A9:AF40" (or "A9"): a range by its address is one COM call (`Worksheet.Range`); by two corner
    cells, as xlwings' `sheet.range((r1, c1), (r2, c2))` does, it is five."""
    first = f"{rf.L(c1)}{r1}"
    return first if r2 is None else f"{first}:{rf.L(c2 if c2 is not None else c1)}{r2}"


def _corners(text: str) -> tuple[int, int, int, int]:
    """(first row, first col, last row, last col) of an address such as "$A$1:$AJ$95"."""
    from openpyxl.utils import column_index_from_string

    m = _ADDRESS.match(text.split("!")[-1].replace("'", ""))
    if not m:
        raise ValueError(text)
    r1, c1 = int(m[2]), column_index_from_string(m[1])
    return (r1, c1, int(m[4]), column_index_from_string(m[3])) if m[3] else (r1, c1, r1, c1)


def put_formulas(rng: Any, rows: list[list[Any]]) -> None:
    """Write a prepared 2-D block (`block`) into `rng` with ONE COM call.

    xlwings' `Range.formula` setter runs its conversion pipeline first, which asks Excel about the range,
    its sheet, book and application again (about 100 COM calls a write, measured with
    tests/fake_excel.py). The block is already what Excel takes (text, numbers, "" for empty), so it goes
    to the engine's range directly, as the pipeline's last stage does; on every engine (COM, the remote
    engine's setFormula action)."""
    rng.impl.formula = rows


@dataclass
class _Read:
    cells: dict[tuple[int, int], str] | None  # None: this engine cannot read formulas
    last_row: int  # of the used range; 0 if unknown


class OpenBook:
    """The open workbook as the writer sees it, each piece of metadata asked of Excel once.

    Over COM every property read is a round trip to Excel's process (0.2-2 ms), and xlwings' objects ask
    again on every use (a sheet's name, its book, the book's application and window). This keeps what
    does not change while the macro runs, or changes only through this object: the sheets in tab order by
    name, each generated sheet's marker and its Name object, and what the hand-edit check read of each
    generated sheet (its cells and last row, which the rewrite needs again).
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self.sheets: dict[str, Any] = {sh.name: sh for sh in book.sheets}  # tab order
        self._markers: dict[str, tuple[Marker, Any]] | None = None
        self._reads: dict[str, _Read] = {}

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def marker_entries(self) -> dict[str, tuple[Marker, Any]]:
        """Sheet name -> (marker, its Name object), for every generated sheet, in tab order."""
        if self._markers is None:
            self._markers = {}
            for name, sheet in self.sheets.items():
                found = _find_marker(sheet)
                if found is not None and (m := Marker.parse(found.refers_to)) is not None:
                    self._markers[name] = (m, found)
        return self._markers

    def markers(self, kinds: tuple[str, ...] | None = None) -> dict[str, Marker]:
        return {n: m for n, (m, _) in self.marker_entries().items() if kinds is None or m.kind in kinds}

    def read(self, name: str) -> _Read:
        """The sheet's formulas and constants, read in ONE `Range.Formula` call on its used range."""
        if name not in self._reads:
            rng = self.sheets[name].used_range
            try:
                r1, c1, r2, _ = _corners(rng.address)
            except Exception:  # an engine without addresses: nothing known
                self._reads[name] = _Read(None, 0)
                return self._reads[name]
            try:
                formulas = rng.formula
            except NotImplementedError:  # xlwings' remote engine reads formulas only asynchronously
                self._reads[name] = _Read(None, r2)
            else:
                self._reads[name] = _Read(block_values(r1, c1, formulas), r2)
        return self._reads[name]

    def digest(self, name: str) -> str | None:
        cells = self.read(name).cells
        return None if cells is None else digest_cells((r, c, v) for (r, c), v in cells.items())

    # Changes made through this object keep it true.

    def delete(self, name: str) -> None:
        self.sheets.pop(name).delete()
        if self._markers is not None:
            self._markers.pop(name, None)

    def rename(self, old: str, new: str) -> None:
        sheet = self.sheets[old]
        sheet.name = new
        self.sheets = {(new if n == old else n): s for n, s in self.sheets.items()}
        if self._markers is not None and old in self._markers:
            self._markers = {(new if n == old else n): v for n, v in self._markers.items()}

    def inserted(self, index: int, name: str) -> Any:
        """The sheet Excel just inserted at 0-based tab `index`, given its final `name`."""
        sheet = self.book.sheets[index]
        if sheet.name != name:
            sheet.name = name
        items = list(self.sheets.items())
        items.insert(index, (name, sheet))
        self.sheets = dict(items)
        return sheet

    def add_sheet(self, index: int, name: str) -> Any:
        """A new empty sheet at 0-based tab `index`. Added on the engine's collection: xlwings'
        `Sheets.add(name=...)` first lists every sheet's name to refuse a duplicate (known here)."""
        if index > 0:  # after=: the remote engine's add before= lands one sheet too early
            self.book.sheets.impl.add(before=None, after=self.sheets[self.sheetnames[index - 1]].impl)
        else:
            self.book.sheets.impl.add(before=self.sheets[self.sheetnames[0]].impl, after=None)
        return self.inserted(index, name)

    def forget(self, name: str) -> None:
        """The sheet was rewritten: what was read of it is stale."""
        self._reads.pop(name, None)

    def set_marker(self, name: str, marker: Marker) -> None:
        """Write the sheet's marker: the existing Name gets its new formula (one call); a new sheet gets a
        hidden sheet-scoped name."""
        entry = self.marker_entries().get(name)
        if entry is not None:
            entry[1].refers_to = marker.refers_to()
            self.marker_entries()[name] = (marker, entry[1])
            return
        sheet = self.sheets[name]
        found = _find_marker(sheet)  # a copy of the template carries none; a copied sheet would
        if found is not None:
            found.delete()
        added = sheet.names.add(MARKER_NAME, marker.refers_to())
        # Hidden from the Name Manager where the engine allows it (COM); the remote engine has no COM object.
        with contextlib.suppress(Exception):
            added.api.Visible = False
        self.marker_entries()[name] = (marker, added)


def _find_marker(sheet: Any, marker: str = MARKER_NAME) -> Any:
    """The sheet's marker Name (the sheet-scoped name `marker`), or None.

    Excel (COM) finds a sheet-scoped name by its bare name in Worksheet.Names: one call. The remote engine
    names sheet-scoped names "Sheet!name" and costs nothing to iterate, so a sheet without the bare name
    is looked through (on COM that costs a count, and finds nothing)."""
    names = sheet.names
    with contextlib.suppress(Exception):
        return names(marker)
    for name in names:
        if name.name.rsplit("!", 1)[-1] == marker:
            return name
    return None


def keep_users_findings_sheet(ob: OpenBook, name: str) -> None:
    """Before Periksa Data clears the sheet `name` ("Temuan" in any case) to write its findings: raise
    UserError when it is the user's own or holds notes typed into the tool's (`check --write`'s rule,
    findings_sheet.refuse_foreign_findings, on its cells read in one call). `check --write`'s marker, which
    the rewritten sheet would no longer match, is removed: the ribbon's sheet is known by its shape. An
    engine that cannot read formulas (the remote one) cannot tell, and the sheet is rewritten as before."""
    from xl_sakip.book.findings_sheet import FINDINGS_MARKER, refuse_foreign_findings

    found = _find_marker(ob.sheets[name], FINDINGS_MARKER)
    cells = ob.read(name).cells
    if cells is not None:
        refuse_foreign_findings({k: v for k, v in cells.items() if v not in (None, "")},
                                None if found is None else str(found.refers_to))
    if found is not None:
        found.delete()


def _open(book: Any) -> OpenBook:
    return book if isinstance(book, OpenBook) else OpenBook(book)


def markers(book: Any) -> dict[str, Marker]:
    """Sheet name -> marker, for the generated sheets this writer manages (unit sheets, Ringkasan)."""
    from xl_sakip.kinds import unit_kinds

    return _open(book).markers(unit_kinds())


def sheet_cells(sheet: Any) -> dict[tuple[int, int], str] | None:
    """{(row, col): canonical value} of the sheet's formulas and constants, read in ONE `Range.formula`
    call on the used range; None if the engine cannot read formulas (xlwings' remote engine)."""
    try:
        rng = sheet.used_range
        formulas = rng.formula
    except NotImplementedError:
        return None
    return block_values(rng.row, rng.column, formulas)


def sheet_digest(sheet: Any) -> str | None:
    """Hash of the sheet's formulas and constants (as `marker.plan_digest`); None if the engine can't read."""
    cells = sheet_cells(sheet)
    return None if cells is None else digest_cells((r, c, v) for (r, c), v in cells.items())


def edited_sheets_in_book(book: Any, cascade: Cascade | None) -> list[EditedSheet] | None:
    """The generated sheets of the open book (every marker kind) edited by hand, in tab order, compared as
    `edits.edited_sheets` compares a file; None if the engine cannot read formulas (then nothing is known)."""
    ob = _open(book)
    found = ob.markers()
    values = {}
    for name in found:
        cells = ob.read(name).cells
        if cells is None:
            return None
        values[name] = cells
    return compare_sheets(ob.sheetnames, found, values, cascade)


def read_cascade(book: Any) -> Cascade:
    """The master of the open book, read by the same reader as the files, from an in-memory workbook of
    its values (one values read per master sheet; no file is written)."""
    return read_cascade_with_rows(book)[0]


def read_cascade_with_rows(book: Any):  # -> (Cascade, reader.MasterRows)
    """`read_cascade` and where the master's rows are (and which Pengaturan rows it lacks)."""
    import openpyxl
    from openpyxl.utils import range_boundaries

    from xl_sakip.book.reader import read_master_workbook

    ob = _open(book)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in MASTER_SHEETS:
        if name not in ob.sheets:
            continue
        sheet = ob.sheets[name]
        used = sheet.used_range
        values = used.options(ndim=2).value
        # The used range starts where the first value is: below row 1 when a table's Header Row was turned
        # off (Excel empties row 1), right of A when column A is empty. Its values go where they are.
        c1, r1, _, _ = range_boundaries(used.address.replace("$", ""))
        ws = wb.create_sheet(name)
        for _ in range(r1 - 1):
            ws.append(())
        pad = [None] * (c1 - 1)
        for row in values or []:
            ws.append(pad + list(row))
        _tables(sheet, ws, row_1_empty=r1 > 1)
    return read_master_workbook(wb, _book_name(ob.book))


def _tables(sheet: Any, ws: Any, row_1_empty: bool) -> None:
    """What the values alone do not say about the sheet's tables, given to `ws` as the file has it: which
    row is a Total Row (the reader leaves it out: not data), and, when row 1 is empty, the column names of a
    table whose Header Row is off (the reader reads the titles from them: integrity.headerless_names). Two
    COM calls a table without either; one more a table when row 1 is empty."""
    from openpyxl.worksheet.table import Table, TableColumn

    for table in sheet.tables:
        totals = bool(table.show_totals)
        headerless = row_1_empty and not table.show_headers
        if not (totals or headerless):
            continue
        ref = table.range.address.replace("$", "")
        out = Table(displayName=table.name, ref=ref, totalsRowCount=1 if totals else None)
        if headerless:
            listed = table.api.ListColumns
            out.headerRowCount = 0
            out.tableColumns = [TableColumn(id=k, name=str(listed(k).Name))
                                for k in range(1, listed.Count + 1)]
        ws.add_table(out)


def _book_name(book: Any) -> str:
    try:
        return str(book.name)
    except Exception:
        return "workbook"


@contextlib.contextmanager
def quiet(app: Any, *, calculation: bool = True) -> Iterator[None]:
    """Screen updating and automatic calculation off while the macro writes, each restored afterwards,
    also when the writing fails. Excel redraws and recalculates once, at the end, instead of after each
    block. A setting the engine cannot read (xlwings' remote engine) is left alone. `calculation=False`:
    screen updating only (printing must see calculated values)."""
    restore: list[tuple[str, Any]] = []
    wanted = [("screen_updating", False)] + ([("calculation", "manual")] if calculation else [])
    for attr, value in wanted:
        try:
            before = getattr(app, attr)
        except Exception:
            continue
        if before != value:
            setattr(app, attr, value)
            restore.append((attr, before))
    try:
        yield
    finally:
        for attr, before in reversed(restore):
            with contextlib.suppress(Exception):
                setattr(app, attr, before)


# ------------------------------------------------------------------ writing


@dataclass
class BookResult:
    """What `write_workbook` did. `written`: every planned sheet, in plan order; `in_place`: those that
    existed and were rewritten on the same sheet object (formulas pointing at them stay valid); `created`:
    new sheets; `removed`: sheets of positions gone from the master (deleted); `reports`: the report sheets
    of the book (Dasbor, PK, Pohon Kinerja), `stale_reports` those whose cells differ from what
    `xl-sakip regenerate` would write now (positions or indicators changed) and that were not rebuilt (an
    engine without Excel's object model); `reports_rebuilt`: report sheets rebuilt in place or created,
    `reports_current`: those that already held what the tool would write (left as they were)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)  # hand-edited or unverifiable, replaced by force
    in_place: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    stale_reports: list[str] = field(default_factory=list)
    reports_rebuilt: list[str] = field(default_factory=list)
    reports_current: list[str] = field(default_factory=list)
    reports_removed: list[str] = field(default_factory=list)


def _new_sheet_index(ob: OpenBook) -> int:
    """0-based tab index for a new sheet: just before Template_Unit, so new sheets follow each other in
    plan order."""
    return ob.sheetnames.index(TEMPLATE_SHEET)


def _body_format(template: Any, sheet: Any, plan: p.SheetPlan) -> None:
    if plan.body_first:
        src = template.range(address(ul.FIRST_BODY_ROW, 1, ul.FIRST_BODY_ROW, ul.N_COLS))
        src.copy(sheet.range(address(plan.body_first, 1, plan.body_last, ul.N_COLS)))


def _new_unit(ob: OpenBook, template: Any, plan: p.SheetPlan) -> Any:
    """A copy of the template sheet, before the template. Copied on the engine's sheet: xlwings'
    `Sheet.copy` lists every sheet's name three times to find the copy, which is where it lands anyway."""
    at = _new_sheet_index(ob)
    if at > 0:  # after=: the remote engine's copy before= lands one sheet too early
        template.impl.copy(before=None, after=ob.sheets[ob.sheetnames[at - 1]].impl)
    else:
        template.impl.copy(before=template.impl, after=None)
    sheet = ob.inserted(at, plan.name)
    sheet.visible = True
    _body_format(template, sheet, plan)
    for span in plan.styles:  # the budget block below the table (sheets/unit_budget.py)
        _style(sheet, span)
    put_formulas(sheet.range(address(1, 1, plan.n_rows, plan.n_cols)), block(plan))
    _row_heights(sheet, plan)
    return sheet


def _rewrite_unit(template: Any, sheet: Any, plan: p.SheetPlan, old_last: int) -> None:
    """Rewrite an existing unit sheet on the same sheet object.

    Cells, formats, merges and conditional formats are cleared and the template's header block and body
    row are copied over (Range.copy: values and formats; the values are then replaced by the block).
    Column widths, hidden helper columns, freeze panes and print setup belong to the sheet and stay as
    they were when the sheet was first copied from the template. `old_last`: the last row the sheet used
    (0 if unknown).
    """
    sheet.clear()
    head = address(1, 1, ul.HEADER_ROW, ul.N_COLS)
    template.range(head).copy(sheet.range(head))
    _body_format(template, sheet, plan)
    for span in plan.styles:  # the budget block below the table (sheets/unit_budget.py)
        _style(sheet, span)
    put_formulas(sheet.range(address(1, 1, plan.n_rows, plan.n_cols)), block(plan))
    # Rows that held longer texts before keep their height after Clear: fit them to the new contents,
    # then the plan's estimated heights (Excel does not fit wrapped formula results reliably).
    last = max(old_last, plan.n_rows)
    if last >= ul.FIRST_BODY_ROW:
        sheet.range(address(ul.FIRST_BODY_ROW, 1, last, 1)).rows.autofit()
    _row_heights(sheet, plan)


def _row_heights(sheet: Any, plan: p.SheetPlan) -> None:
    """One call per run of consecutive rows with the same height."""
    rows = sorted(plan.row_heights.items())
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == (rows[j][0] + 1, rows[i][1]):
            j += 1
        sheet.range(address(rows[i][0], 1, rows[j][0], 1)).row_height = rows[i][1]
        i = j + 1


def _style(sheet: Any, span: p.StyleSpan) -> None:
    st = p.STYLES[span.style]
    rng = sheet.range(address(span.first_row, span.first_col, span.last_row, span.last_col))
    font = rng.font if (st.bold or st.italic or st.size or st.font_color) else None
    if st.bold:
        font.bold = True
    if st.italic:
        font.italic = True
    if st.size:
        font.size = st.size
    if st.font_color:
        font.color = "#" + st.font_color
    if st.fill:
        rng.color = "#" + st.fill
    if st.number_format:
        rng.number_format = st.number_format
    if st.wrap:
        rng.wrap_text = True


def _fill_summary(sheet: Any, plan: p.SheetPlan, old_last: int = 0) -> None:
    """Widths, styles, the block, row heights and the chart of the summary. `old_last`: the last row the
    sheet used before it was cleared (0 for a new sheet)."""
    for c, w in plan.column_widths.items():
        sheet.range(address(1, c)).column_width = w
    for span in plan.styles:
        _style(sheet, span)
    put_formulas(sheet.range(address(1, 1, plan.n_rows, plan.n_cols)), block(plan))
    # As on the unit sheets: rows keep their old height after Clear, so fit them to the new contents,
    # then the plan's estimated heights (wrapped titles and names would otherwise overlap in Excel).
    if old_last:
        sheet.range(address(1, 1, max(old_last, plan.n_rows), 1)).rows.autofit()
    _row_heights(sheet, plan)
    for spec in plan.charts:
        if spec.last_row < spec.first_row:
            continue
        src = sheet.range(address(spec.header_row, spec.values_col, spec.last_row, spec.values_col))
        chart = sheet.charts.add(anchor=sheet.range(spec.anchor), width=480,
                                 height=max(220, 18 * (spec.last_row - spec.first_row + 1)))
        chart.chart_type = "bar_clustered"
        chart.set_source_data(src)


def _new_summary(ob: OpenBook, plan: p.SheetPlan) -> Any:
    sheet = ob.add_sheet(_new_sheet_index(ob), plan.name)
    _fill_summary(sheet, plan)
    return sheet


def _rewrite_summary(sheet: Any, plan: p.SheetPlan, old_last: int) -> None:
    sheet.clear()
    charts = sheet.charts
    for i in range(len(charts) - 1, -1, -1):  # last first: indices stay valid
        charts[i].delete()
    _fill_summary(sheet, plan, old_last)


def write_workbook(book: Any, plan: p.WorkbookPlan, *, force: bool = False, progress=None) -> BookResult:
    """Bring the generated sheets of an open book to the plan, keeping every sheet that stays.

    A sheet of a planned position (or the summary) is rewritten in place: the same sheet object and name,
    so formulas elsewhere that point at it (the Dasbor, PK sheets, a user's own sheet) stay valid. Only
    positions new to the master get a new sheet (before Template_Unit), and only sheets of positions gone
    from the master are deleted (and copies of a generated sheet carrying the same marker, as the headless
    writer does). `book`: an xlwings Book, or the `OpenBook` of it the caller already has.
    """
    from xl_sakip.errors import EditedSheetsError
    from xl_sakip.kinds import unit_kinds

    ob = _open(book)
    found = ob.markers(unit_kinds())
    planned = {(sp.kind, sp.key): sp for sp in plan.sheets}
    edited, unverifiable = [], []
    for name, m in found.items():
        now = ob.digest(name)
        sp = planned.get((m.kind, m.key))
        if now is None:
            unverifiable.append(name)
        elif now != m.digest and (sp is None or now != plan_digest(sp)):
            edited.append(name)
    if edited and not force:
        raise EditedSheetsError(edited)
    if unverifiable and not force:
        raise UserError(
            "Sheet " + ", ".join(f"'{n}'" for n in unverifiable) + " tidak dapat diperiksa apakah sudah "
            "diubah manual (mesin xlwings ini tidak dapat membaca rumus). Klik Buat Ulang Sheet Unit "
            "di Excel desktop, atau jalankan xl-sakip regenerate.")
    if TEMPLATE_SHEET not in ob.sheets:
        raise UserError(f"Sheet '{TEMPLATE_SHEET}' tidak ada di workbook ini: jalankan sekali "
                        "'xl-sakip regenerate' pada file ini untuk membuatnya, lalu buka kembali di Excel.")
    # One existing sheet per planned key: the one already carrying the planned name, else the first.
    keep: dict[tuple[str, str], str] = {}
    for name, m in found.items():
        key = (m.kind, m.key)
        if key in planned and (key not in keep or name == planned[key].name):
            keep[key] = name
    res = BookResult(overwritten=edited + unverifiable)
    res.removed = [n for n, m in found.items() if (m.kind, m.key) not in planned]
    for name in found:
        if name not in keep.values():
            ob.delete(name)
    template = ob.sheets[TEMPLATE_SHEET]
    for k, sp in enumerate(plan.sheets, start=1):
        old = keep.get((sp.kind, sp.key))
        if old is None:
            _new_unit(ob, template, sp) if is_unit_sheet(sp.kind) else _new_summary(ob, sp)
            res.created.append(sp.name)
        else:
            old_last = ob.read(old).last_row
            if old != sp.name:  # a renamed summary gets its name back; Excel follows in formulas
                ob.rename(old, sp.name)
            sheet = ob.sheets[sp.name]
            if is_unit_sheet(sp.kind):
                _rewrite_unit(template, sheet, sp, old_last)
            else:
                _rewrite_summary(sheet, sp, old_last)
            res.in_place.append(sp.name)
        ob.forget(sp.name)
        ob.set_marker(sp.name, plan_marker(sp))
        res.written.append(sp.name)
        if progress:
            progress(k, len(plan.sheets), sp.name)
    return res


def report_markers(book: Any) -> dict[str, Marker]:
    """Sheets of the report writers (Dasbor, PK, Pohon Kinerja) in the open book, found by marker."""
    from xl_sakip.kinds import report_kinds

    return _open(book).markers(report_kinds())


def stale_reports(reports: dict[str, Marker], cascade: Cascade, plan: p.WorkbookPlan) -> list[str]:
    """Report sheets whose cells are not what `xl-sakip regenerate` would write for this master: their
    position list or indicator ranges are out of date. Compared by the hash in the marker, so no cell is
    read (works on every engine). The Pohon Kinerja picture is a snapshot and is not judged here."""
    from xl_sakip.kinds import TREE, PlanContext, fresh_report_plan, is_unit_sheet

    names = {sp.key: sp.name for sp in plan.sheets if is_unit_sheet(sp.kind)}
    ctx = PlanContext(cascade, names)
    out = []
    for sheet, m in reports.items():
        if m.kind == TREE.kind:
            continue
        sp = fresh_report_plan(ctx, m.kind, sheet, m.key)
        now = plan_digest(sp) if sp is not None else None
        if now != m.digest:
            out.append(sheet)
    return out


def regenerate_book(book: Any, *, force: bool = False, progress=None) -> BookResult:
    """The ribbon's regenerate: read the master from the open book, plan, write (the user saves).

    The workbook's metadata is read once (`OpenBook`); the writes run with screen updating and automatic
    calculation off (`quiet`), restored afterwards also on error."""
    from xl_sakip.kinds import unit_kinds
    from xl_sakip.sheets.replan import plan_for

    ob = _open(book)
    cascade, rows = read_cascade_with_rows(ob)
    # The unit sheets' formulas read setTriwulanBerlaku (from setTriwulanLaporan): a workbook of an older
    # version lacks the rows (and the names), which only the headless regenerate adds (it rewrites Pengaturan
    # in the closed file).
    needed = [x.label for x in s.SETTINGS
              if x.field in ("settings.reporting_quarter", "computed.quarter_in_force")]
    if lacking := [label for label in needed if label in rows.missing_settings]:
        quarter = "' dan '".join(lacking)
        raise UserError(f"Workbook ini dibuat oleh versi xl-sakip yang lebih lama: sheet {s.SHEET_SETTINGS} "
                        f"belum memiliki baris '{quarter}'. Simpan dan tutup workbook, jalankan 'xl-sakip "
                        "regenerate' pada file itu sekali (baris itu ditambahkan), buka lagi, lalu klik Buat "
                        "Ulang Sheet Unit.")
    # One sheet per key, the first in workbook order: a copy of a generated sheet (it carries the same
    # marker) must not take the name, or the original, which formulas point at, would be the one deleted.
    first: dict[tuple[str, str], str] = {}
    for n, m in ob.markers(unit_kinds()).items():
        first.setdefault((m.kind, m.key), n)
    plan = plan_for(ob.sheetnames, {n: k for k, n in first.items()}, cascade)
    jobs = plan_reports(ob, cascade, plan, force=force) if renders_reports(ob) else None
    with quiet(ob.book.app):
        res = write_workbook(ob, plan, force=force, progress=progress)
        if jobs is not None:
            write_reports(ob, jobs, res)
    reports = report_markers(ob)
    res.reports = list(reports)
    if jobs is None:
        res.stale_reports = stale_reports(reports, cascade, plan)
    return res


# ------------------------------------------------------------------ report kinds (Excel on Windows)


def renders_reports(ob: OpenBook) -> bool:
    """Report sheets need Excel's object model (merges, page setup, charts, pictures: sheets/com_render.py),
    which xlwings reaches on Windows; on another engine (the remote one) they are only judged stale."""
    return type(ob.book.impl).__module__.endswith("_xlwindows")


@dataclass
class ReportJob:
    plan: p.SheetPlan
    existing: str | None  # the sheet now holding this kind and key; None: a new sheet
    rebuild: bool  # False: it already holds what the tool would write (and has no picture to redraw)


@dataclass
class ReportJobs:
    jobs: list[ReportJob]
    delete: list[str]  # report sheets of keys no longer planned, and copies of a report sheet
    overwritten: list[str]  # edited by hand, rebuilt because of force
    after: str | None  # a new report sheet with nothing before it goes after this sheet (the Ringkasan)


def plan_reports(ob: OpenBook, cascade: Cascade, unit_plan: p.WorkbookPlan, *, force: bool = False
                 ) -> ReportJobs:
    """What the ribbon does with each report sheet, for every report kind of the registry (kinds.py), in
    registry order: an existing sheet of a planned key is rebuilt in place under its own name (formulas
    pointing at it stay valid) unless it already holds what the tool would write; a new key gets a new
    sheet; a key no longer planned loses its sheet. Reads (one call each) only the sheets to rebuild, to
    refuse, before anything is written, those edited by hand (EditedSheetsError; `force` overwrites)."""
    from dataclasses import replace

    from xl_sakip.errors import EditedSheetsError
    from xl_sakip.kinds import KINDS, PlanContext, report_kinds

    units = {sp.key: sp.name for sp in unit_plan.sheets if is_unit_sheet(sp.kind)}
    found = ob.markers(report_kinds())
    first: dict[tuple[str, str], str] = {}
    for name, m in found.items():
        first.setdefault((m.kind, m.key), name)
    ctx = PlanContext(cascade, units, frozenset(ob.sheetnames))
    jobs: list[ReportJob] = []
    edited: list[str] = []
    for kind in KINDS:
        if not kind.report or kind.plan is None:
            continue
        for sp in kind.plan(ctx):
            old = first.get((sp.kind, sp.key))
            if old is None:
                jobs.append(ReportJob(sp, None, True))
                continue
            sp = replace(sp, name=old)
            pictures = sp.look is not None and sp.look.pictures
            m = found[old]
            if m.digest == plan_digest(sp) and not pictures:
                jobs.append(ReportJob(sp, old, False))
                continue
            now = ob.digest(old)
            if now is not None and now != m.digest and now != plan_digest(sp):
                edited.append(old)
            jobs.append(ReportJob(sp, old, True))
    if edited and not force:
        raise EditedSheetsError(edited)
    kept = {j.existing for j in jobs if j.existing is not None}
    summary = next((sp.name for sp in unit_plan.sheets if not is_unit_sheet(sp.kind)), None)
    return ReportJobs(jobs, [n for n in found if n not in kept], edited, summary)


def write_reports(ob: OpenBook, todo: ReportJobs, res: BookResult) -> None:
    """Carry out `plan_reports`: the cells as one block, row heights by runs, the rest of the look through
    Excel's object model (sheets/com_render.py), the marker."""
    from xl_sakip.sheets import com_render

    for name in todo.delete:
        ob.delete(name)
        res.reports_removed.append(name)
    res.overwritten += todo.overwritten
    prev = todo.after if todo.after in ob.sheets else None
    for job in todo.jobs:
        sp = job.plan
        if not job.rebuild:
            res.reports_current.append(sp.name)
            prev = sp.name
            continue
        if job.existing is None:
            at = ob.sheetnames.index(prev) + 1 if prev is not None else len(ob.sheetnames)
            sheet = ob.add_sheet(at, sp.name)
            old_last = 0
        else:
            sheet = ob.sheets[sp.name]
            old_last = ob.read(sp.name).last_row
            sheet.clear()
            com_render.delete_drawings(sheet.api)
        put_formulas(sheet.range(address(1, 1, sp.n_rows, sp.n_cols)), block(sp))
        if old_last:  # rows keep their old height after Clear: fit them, then the plan's heights
            sheet.range(address(1, 1, max(old_last, sp.n_rows), 1)).rows.autofit()
        com_render.row_heights(sheet.api, sp.row_heights)
        com_render.render_look(sheet.api, sp, new=job.existing is None)
        ob.forget(sp.name)
        ob.set_marker(sp.name, plan_marker(sp))
        res.reports_rebuilt.append(sp.name)
        if job.existing is None:
            res.created.append(sp.name)
        prev = sp.name


# ------------------------------------------------------------------ printing


@dataclass
class PdfResult:
    folder: Path
    written: list[Path] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # PK sheets not printed: out of date with the master


def export_pk_pdfs(book: Any, outdir: str | Path | None = None) -> PdfResult:
    """"Ekspor PK (PDF)" in Excel: each PK sheet of the open book printed to PDF by Excel itself
    (xlwings' PDF export, as `Sheet.to_pdf`: the sheet's own page setup, print area and page breaks; no
    LibreOffice on the planner's PC). One file per position, named as `xl-sakip pk --pdf` names them, in
    `outdir` (default: the folder PK_<year> beside the saved workbook).

    A PK sheet whose cells are no longer what `xl-sakip regenerate` would write for this master (an
    indicator added or removed since) is not printed: a signed PK must list the indicators in force. An
    engine that cannot print (xlwings' remote engine) raises NotImplementedError.
    """
    from xl_sakip.pk import PK_KIND, key_of, pdf_name, plan_pk

    ob = _open(book)
    pk_sheets = ob.markers((PK_KIND,))
    if not pk_sheets:
        raise UserError("Workbook ini belum memiliki sheet PK. Simpan dan tutup workbook, jalankan "
                        "'xl-sakip regenerate' pada file ini (membuat sheet PK tiap jabatan), buka lagi, "
                        "lalu klik Ekspor PK (PDF).")
    if outdir is None:
        full = Path(str(ob.book.fullname))
        if not full.is_absolute() or not full.parent.is_dir():
            raise UserError("Workbook ini belum disimpan, sehingga belum ada folder untuk PDF. Simpan "
                            "workbook (Ctrl+S), lalu klik Ekspor PK (PDF) lagi.")
    cascade = read_cascade(ob)
    folder = Path(outdir) if outdir is not None else full.parent / f"PK_{cascade.settings.year}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Folder '{folder}' tidak dapat dibuat: {exc.strerror or exc}.") from exc
    by_key = {key_of(pos.code): pos for pos in cascade.positions}
    res = PdfResult(folder)
    todo: list[tuple[str, Path]] = []
    for name, m in pk_sheets.items():
        pos = by_key.get(m.key)
        if pos is None or plan_digest(plan_pk(cascade, pos.code)) != m.digest:
            res.stale.append(name)
        else:
            todo.append((name, folder / pdf_name(cascade, pos)))
    if todo:
        with quiet(ob.book.app, calculation=False):
            _print_alone(ob, todo)
        res.written = [target for _, target in todo]
    return res


def _print_alone(ob: OpenBook, todo: list[tuple[str, Path]]) -> None:
    """Print each sheet of `todo` to its PDF as the only visible sheet (Excel prints a workbook's visible
    sheets), every sheet's visibility restored afterwards, also on error.

    What xlwings' `Sheet.to_pdf` does, with the visibility of every sheet asked and set once for the whole
    run instead of for each PDF (which was 17 340 COM calls for the 21 PK sheets of the shipped workbook):
    before each PDF the next sheet is shown, then the one printed last is hidden, so one sheet stays
    visible at every moment, as Excel requires."""
    before = {name: sheet.visible for name, sheet in ob.sheets.items()}
    shown_before = {n for n, v in before.items() if v is True or v == -1}  # COM: -1 shown, 0 hidden, 2 very
    first = todo[0][0]
    try:
        ob.sheets[first].visible = True
        for name in shown_before:
            if name != first:
                ob.sheets[name].visible = False
        shown = first
        for name, target in todo:
            if name != shown:
                ob.sheets[name].visible = True
                ob.sheets[shown].visible = False
                shown = name
            ob.book.impl.to_pdf(str(Path(target).resolve()), quality="standard")  # Book.ExportAsFixedFormat
    finally:
        for name, was in before.items():  # shown ones first: never no visible sheet at all
            if name in shown_before:
                with contextlib.suppress(Exception):
                    ob.sheets[name].visible = was
        for name, was in before.items():
            if name not in shown_before:
                with contextlib.suppress(Exception):
                    ob.sheets[name].visible = was
