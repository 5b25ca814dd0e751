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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_sakip.book import schema as s
from xl_sakip.book.cells import FORMULA_TRIGGERS
from xl_sakip.core.models import Cascade
from xl_sakip.errors import UserError
from xl_sakip.sheets import plan as p
from xl_sakip.sheets.edits import EditedSheet, block_values, compare_sheets
from xl_sakip.sheets.marker import MARKER_NAME, Marker, digest_cells, plan_digest, plan_marker
from xl_sakip.sheets.names import TEMPLATE_SHEET

_NUMERIC = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*%?\s*$")
MASTER_SHEETS = (s.SHEET_POSITIONS, s.SHEET_INDICATORS, s.SHEET_SETTINGS, s.SHEET_BANDS, s.SHEET_GRADES,
                 s.SHEET_IPK, s.SHEET_IPK_SUB, s.SHEET_IPK_STATUS)


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


# ------------------------------------------------------------------ reading the open book


def _marker_of(sheet) -> Marker | None:
    name = _marker_name(sheet)
    return Marker.parse(name.refers_to) if name is not None else None


def markers(book) -> dict[str, Marker]:
    """Sheet name -> marker, for the generated sheets this writer manages (unit sheets, Ringkasan)."""
    from xl_sakip.sheets.replan import MANAGED_KINDS

    out = {}
    for sheet in book.sheets:
        m = _marker_of(sheet)
        if m is not None and m.kind in MANAGED_KINDS:
            out[sheet.name] = m
    return out


def sheet_cells(sheet) -> dict[tuple[int, int], str] | None:
    """{(row, col): canonical value} of the sheet's formulas and constants, read in ONE `Range.formula`
    call on the used range; None if the engine cannot read formulas (xlwings' remote engine)."""
    try:
        rng = sheet.used_range
        formulas = rng.formula
    except NotImplementedError:
        return None
    return block_values(rng.row, rng.column, formulas)


def sheet_digest(sheet) -> str | None:
    """Hash of the sheet's formulas and constants (as `marker.plan_digest`); None if the engine can't read."""
    cells = sheet_cells(sheet)
    return None if cells is None else digest_cells((r, c, v) for (r, c), v in cells.items())


def edited_sheets_in_book(book, cascade: Cascade | None) -> list[EditedSheet] | None:
    """The generated sheets of the open book (every marker kind) edited by hand, in tab order, compared as
    `edits.edited_sheets` compares a file; None if the engine cannot read formulas (then nothing is known)."""
    found = {sh.name: m for sh in book.sheets if (m := _marker_of(sh)) is not None}
    values = {}
    for name in found:
        cells = sheet_cells(book.sheets[name])
        if cells is None:
            return None
        values[name] = cells
    return compare_sheets([sh.name for sh in book.sheets], found, values, cascade)


def read_cascade(book) -> Cascade:
    """The master of the open book, read by the same reader as the files (from a values-only copy)."""
    import openpyxl

    from xl_sakip.book.reader import read_master

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    names = [sh.name for sh in book.sheets]
    for name in MASTER_SHEETS:
        if name not in names:
            continue
        values = book.sheets[name].used_range.options(ndim=2).value
        ws = wb.create_sheet(name)
        for row in values or []:
            ws.append(list(row))
    with tempfile.TemporaryDirectory(prefix="xl-sakip-") as tmp:
        path = Path(tmp) / "master.xlsx"
        wb.save(path)
        return read_master(path)


# ------------------------------------------------------------------ writing


@dataclass
class BookResult:
    """What `write_workbook` did. `written`: every planned sheet, in plan order; `in_place`: those that
    existed and were rewritten on the same sheet object (formulas pointing at them stay valid); `created`:
    new sheets; `removed`: sheets of positions gone from the master (deleted); `reports`: the report sheets
    of the book (Dasbor, PK, Pohon Kinerja; not written here), `stale_reports` those whose cells differ from
    what `xl-sakip regenerate` would write now (positions or indicators changed)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)  # hand-edited or unverifiable, replaced by force
    in_place: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    stale_reports: list[str] = field(default_factory=list)


def _before_template(book) -> dict:
    """Where a new sheet goes: just before Template_Unit, so new sheets follow each other in plan order.
    after= where possible: the remote engine's Sheets.add(before=...) lands one sheet too early."""
    template = book.sheets[TEMPLATE_SHEET]
    return {"after": book.sheets[template.index - 2]} if template.index > 1 else {"before": template}


def _body_format(template, sheet, plan: p.SheetPlan) -> None:
    if plan.body_first:
        src = template.range((p.FIRST_BODY_ROW, 1), (p.FIRST_BODY_ROW, p.N_COLS))
        src.copy(sheet.range((plan.body_first, 1), (plan.body_last, p.N_COLS)))


def _new_unit(book, template, plan: p.SheetPlan) -> Any:
    sheet = template.copy(name=plan.name, **_before_template(book))
    sheet.visible = True
    _body_format(template, sheet, plan)
    sheet.range((1, 1), (plan.n_rows, plan.n_cols)).formula = block(plan)
    _row_heights(sheet, plan)
    return sheet


def _last_row(sheet) -> int:
    try:
        return int(sheet.used_range.last_cell.row)
    except Exception:  # an engine that cannot tell: the caller falls back to the plan's rows
        return 0


def _rewrite_unit(template, sheet, plan: p.SheetPlan) -> None:
    """Rewrite an existing unit sheet on the same sheet object.

    Cells, formats, merges and conditional formats are cleared and the template's header block and body
    row are copied over (Range.copy: values and formats; the values are then replaced by the block).
    Column widths, hidden helper columns, freeze panes and print setup belong to the sheet and stay as
    they were when the sheet was first copied from the template.
    """
    old_last = _last_row(sheet)
    sheet.clear()
    head = ((1, 1), (p.HEADER_ROW, p.N_COLS))
    template.range(*head).copy(sheet.range(*head))
    _body_format(template, sheet, plan)
    sheet.range((1, 1), (plan.n_rows, plan.n_cols)).formula = block(plan)
    # Rows that held longer texts before keep their height after Clear: fit them to the new contents,
    # then the plan's estimated heights (Excel does not fit wrapped formula results reliably).
    last = max(old_last, plan.n_rows)
    if last >= p.FIRST_BODY_ROW:
        sheet.range((p.FIRST_BODY_ROW, 1), (last, 1)).rows.autofit()
    _row_heights(sheet, plan)


def _row_heights(sheet, plan: p.SheetPlan) -> None:
    """One call per run of consecutive rows with the same height."""
    rows = sorted(plan.row_heights.items())
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == (rows[j][0] + 1, rows[i][1]):
            j += 1
        sheet.range((rows[i][0], 1), (rows[j][0], 1)).row_height = rows[i][1]
        i = j + 1


def _style(sheet, span: p.StyleSpan) -> None:
    st = p.STYLES[span.style]
    rng = sheet.range((span.first_row, span.first_col), (span.last_row, span.last_col))
    if st.bold:
        rng.font.bold = True
    if st.italic:
        rng.font.italic = True
    if st.size:
        rng.font.size = st.size
    if st.font_color:
        rng.font.color = "#" + st.font_color
    if st.fill:
        rng.color = "#" + st.fill
    if st.number_format:
        rng.number_format = st.number_format
    if st.wrap:
        rng.wrap_text = True


def _fill_summary(sheet, plan: p.SheetPlan, old_last: int = 0) -> None:
    """Widths, styles, the block, row heights and the chart of the summary. `old_last`: the last row the
    sheet used before it was cleared (0 for a new sheet)."""
    for c, w in plan.column_widths.items():
        sheet.range((1, c)).column_width = w
    for span in plan.styles:
        _style(sheet, span)
    sheet.range((1, 1), (plan.n_rows, plan.n_cols)).formula = block(plan)
    # As on the unit sheets: rows keep their old height after Clear, so fit them to the new contents,
    # then the plan's estimated heights (wrapped titles and names would otherwise overlap in Excel).
    if old_last:
        sheet.range((1, 1), (max(old_last, plan.n_rows), 1)).rows.autofit()
    _row_heights(sheet, plan)
    for spec in plan.charts:
        if spec.last_row < spec.first_row:
            continue
        src = sheet.range((spec.header_row, spec.values_col), (spec.last_row, spec.values_col))
        chart = sheet.charts.add(anchor=sheet.range(spec.anchor), width=480,
                                 height=max(220, 18 * (spec.last_row - spec.first_row + 1)))
        chart.chart_type = "bar_clustered"
        chart.set_source_data(src)


def _new_summary(book, plan: p.SheetPlan) -> Any:
    sheet = book.sheets.add(name=plan.name, **_before_template(book))
    _fill_summary(sheet, plan)
    return sheet


def _rewrite_summary(sheet, plan: p.SheetPlan) -> None:
    old_last = _last_row(sheet)
    sheet.clear()
    charts = sheet.charts
    for i in range(len(charts) - 1, -1, -1):  # last first: indices stay valid
        charts[i].delete()
    _fill_summary(sheet, plan, old_last)


def _marker_name(sheet) -> Any:
    for name in sheet.names:
        if name.name.rsplit("!", 1)[-1] == MARKER_NAME:
            return name
    return None


def _mark(sheet, plan: p.SheetPlan) -> None:
    existing = _marker_name(sheet)
    if existing is not None:  # a rewritten sheet: its marker is replaced (nothing refers to it)
        existing.delete()
    name = sheet.names.add(MARKER_NAME, plan_marker(plan).refers_to())
    # Hidden from the Name Manager where the engine allows it (COM); the remote engine has no COM object.
    with contextlib.suppress(Exception):
        name.api.Visible = False


def write_workbook(book, plan: p.WorkbookPlan, *, force: bool = False, progress=None) -> BookResult:
    """Bring the generated sheets of an open book to the plan, keeping every sheet that stays.

    A sheet of a planned position (or the summary) is rewritten in place: the same sheet object and name,
    so formulas elsewhere that point at it (the Dasbor, PK sheets, a user's own sheet) stay valid. Only
    positions new to the master get a new sheet (before Template_Unit), and only sheets of positions gone
    from the master are deleted (and copies of a generated sheet carrying the same marker, as the headless
    writer does).
    """
    from xl_sakip.errors import EditedSheetsError

    found = markers(book)
    planned = {(sp.kind, sp.key): sp for sp in plan.sheets}
    edited, unverifiable = [], []
    for name, m in found.items():
        now = sheet_digest(book.sheets[name])
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
    if TEMPLATE_SHEET not in [sh.name for sh in book.sheets]:
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
            book.sheets[name].delete()
    template = book.sheets[TEMPLATE_SHEET]
    for k, sp in enumerate(plan.sheets, start=1):
        old = keep.get((sp.kind, sp.key))
        if old is None:
            sheet = _new_unit(book, template, sp) if sp.kind == "unit" else _new_summary(book, sp)
            res.created.append(sp.name)
        else:
            sheet = book.sheets[old]
            if sheet.name != sp.name:  # a renamed summary gets its name back; Excel follows in formulas
                sheet.name = sp.name
            if sp.kind == "unit":
                _rewrite_unit(template, sheet, sp)
            else:
                _rewrite_summary(sheet, sp)
            res.in_place.append(sp.name)
        _mark(sheet, sp)
        res.written.append(sp.name)
        if progress:
            progress(k, len(plan.sheets), sp.name)
    return res


def report_markers(book) -> dict[str, Marker]:
    """Sheets of the report writers (Dasbor, PK, Pohon Kinerja) in the open book, found by marker."""
    from xl_sakip.dashboard import REPORT_KINDS

    return {sh.name: m for sh in book.sheets if (m := _marker_of(sh)) is not None and m.kind in REPORT_KINDS}


def stale_reports(reports: dict[str, Marker], cascade: Cascade, plan: p.WorkbookPlan) -> list[str]:
    """Report sheets whose cells are not what `xl-sakip regenerate` would write for this master: their
    position list or indicator ranges are out of date. Compared by the hash in the marker, so no cell is
    read (works on every engine). The Pohon Kinerja picture is a snapshot and is not judged here."""
    from xl_sakip.dashboard import DASHBOARD_KIND, plan_dashboard
    from xl_sakip.pk import PK_KIND, key_of, plan_pk

    names = {sp.key: sp.name for sp in plan.sheets if sp.kind == "unit"}
    pk_codes = {key_of(pos.code): pos.code for pos in cascade.positions}
    out = []
    for sheet, m in reports.items():
        if m.kind == DASHBOARD_KIND:
            now = plan_digest(plan_dashboard(cascade, names))
        elif m.kind == PK_KIND:
            code = pk_codes.get(m.key)
            now = plan_digest(plan_pk(cascade, code)) if code else None
        else:
            continue
        if now != m.digest:
            out.append(sheet)
    return out


def regenerate_book(book, *, force: bool = False, progress=None) -> BookResult:
    """The ribbon's regenerate: read the master from the open book, plan, write (the user saves)."""
    from xl_sakip.sheets.replan import plan_for

    cascade = read_cascade(book)
    # One sheet per key, the first in workbook order: a copy of a generated sheet (it carries the same
    # marker) must not take the name, or the original, which formulas point at, would be the one deleted.
    first: dict[tuple[str, str], str] = {}
    for n, m in markers(book).items():
        first.setdefault((m.kind, m.key), n)
    plan = plan_for([sh.name for sh in book.sheets], {n: k for k, n in first.items()}, cascade)
    res = write_workbook(book, plan, force=force, progress=progress)
    reports = report_markers(book)
    res.reports = list(reports)
    res.stale_reports = stale_reports(reports, cascade, plan)
    return res
