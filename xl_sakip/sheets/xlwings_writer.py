"""Write the sheet plan into an open workbook through xlwings (the ribbon's "Buat Ulang Sheet Unit").

Same plan, same cells as the openpyxl writer; written the way Excel likes it over COM:
- a unit sheet is a copy of the template sheet (styles, widths, hidden helper columns, conditional
  formats, print setup come with it), the body rows get the template's body row in ONE range copy, and
  all values and formulas go in as ONE 2-D block (`Range.formula`);
- the summary sheet is added and styled by blocks (a handful of calls), its chart added by xlwings;
- the marker is a sheet-scoped defined name, as in the file written by openpyxl.

Works on any xlwings Book: Excel on Windows/macOS, and xlwings' remote engine (`xw.Book(json=...)`),
which the tests use on Linux. The remote engine cannot read formulas synchronously, so there the check for
hand edits cannot run: existing generated sheets are replaced only with force (docs/sheets.md).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path
from typing import Any

from xl_sakip.book import schema as s
from xl_sakip.book.cells import FORMULA_TRIGGERS
from xl_sakip.core.models import Cascade
from xl_sakip.errors import UserError
from xl_sakip.sheets import plan as p
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
    for name in sheet.names:
        if name.name.rsplit("!", 1)[-1] == MARKER_NAME:
            return Marker.parse(name.refers_to)
    return None


def markers(book) -> dict[str, Marker]:
    """Sheet name -> marker, for the generated sheets this writer manages (unit sheets, Ringkasan)."""
    from xl_sakip.regenerate import MANAGED_KINDS

    out = {}
    for sheet in book.sheets:
        m = _marker_of(sheet)
        if m is not None and m.kind in MANAGED_KINDS:
            out[sheet.name] = m
    return out


def sheet_digest(sheet) -> str | None:
    """Hash of the sheet's formulas and constants (as `marker.plan_digest`); None if the engine can't read."""
    try:
        rng = sheet.used_range
        formulas = rng.formula
    except NotImplementedError:
        return None
    if not isinstance(formulas, list | tuple):
        formulas = [[formulas]]
    elif formulas and not isinstance(formulas[0], list | tuple):
        formulas = [formulas]
    r0, c0 = rng.row, rng.column
    return digest_cells((r0 + i, c0 + j, v) for i, row in enumerate(formulas) for j, v in enumerate(row))


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


def _place(prev, template) -> dict:
    # after= where possible: the remote engine's Sheets.add(before=...) lands one sheet too early.
    return {"after": prev} if prev is not None else {"before": template}


def _write_unit(book, template, plan: p.SheetPlan, prev) -> Any:
    sheet = template.copy(name=plan.name, **_place(prev, template))
    sheet.visible = True
    if plan.body_first:
        src = template.range((p.FIRST_BODY_ROW, 1), (p.FIRST_BODY_ROW, p.N_COLS))
        src.copy(sheet.range((plan.body_first, 1), (plan.body_last, p.N_COLS)))
    sheet.range((1, 1), (plan.n_rows, plan.n_cols)).formula = block(plan)
    _row_heights(sheet, plan)
    return sheet


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


def _write_summary(book, plan: p.SheetPlan, prev) -> Any:
    sheet = book.sheets.add(name=plan.name, **_place(prev, book.sheets[TEMPLATE_SHEET]))
    for c, w in plan.column_widths.items():
        sheet.range((1, c)).column_width = w
    for span in plan.styles:
        _style(sheet, span)
    sheet.range((1, 1), (plan.n_rows, plan.n_cols)).formula = block(plan)
    for spec in plan.charts:
        if spec.last_row < spec.first_row:
            continue
        src = sheet.range((spec.header_row, spec.values_col), (spec.last_row, spec.values_col))
        chart = sheet.charts.add(anchor=sheet.range(spec.anchor), width=480,
                                 height=max(220, 18 * (spec.last_row - spec.first_row + 1)))
        chart.chart_type = "bar_clustered"
        chart.set_source_data(src)
    return sheet


def _mark(sheet, plan: p.SheetPlan) -> None:
    name = sheet.names.add(MARKER_NAME, plan_marker(plan).refers_to())
    # Hidden from the Name Manager where the engine allows it (COM); the remote engine has no COM object.
    with contextlib.suppress(Exception):
        name.api.Visible = False


def write_workbook(book, plan: p.WorkbookPlan, *, force: bool = False, progress=None
                   ) -> tuple[list[str], list[str], list[str]]:
    """Replace the generated sheets of an open book by the plan. Returns (written, removed, overwritten)."""
    from xl_sakip.regenerate import EditedSheetsError

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
            "diubah manual (mesin xlwings ini tidak dapat membaca rumus). Jalankan Regenerate dari Excel "
            "desktop, atau ulangi dengan force=True untuk menimpanya.")
    if TEMPLATE_SHEET not in [sh.name for sh in book.sheets]:
        raise UserError(f"Sheet '{TEMPLATE_SHEET}' tidak ada di workbook ini: jalankan sekali "
                        "'xl-sakip regenerate' pada file ini untuk membuatnya, lalu buka kembali di Excel.")
    removed = [n for n, m in found.items() if (m.kind, m.key) not in planned]
    for name in found:
        book.sheets[name].delete()
    template = book.sheets[TEMPLATE_SHEET]
    prev = book.sheets[template.index - 2] if template.index > 1 else None
    written = []
    for k, sp in enumerate(plan.sheets, start=1):
        sheet = _write_unit(book, template, sp, prev) if sp.kind == "unit" else _write_summary(book, sp, prev)
        _mark(sheet, sp)
        prev = sheet
        written.append(sp.name)
        if progress:
            progress(k, len(plan.sheets), sp.name)
    return written, removed, edited + unverifiable


def regenerate_book(book, *, force: bool = False, progress=None) -> tuple[list[str], list[str], list[str]]:
    """The ribbon's regenerate: read the master from the open book, plan, write (the user saves)."""
    from xl_sakip.regenerate import plan_for

    cascade = read_cascade(book)
    found = markers(book)
    plan = plan_for([sh.name for sh in book.sheets], {n: (m.kind, m.key) for n, m in found.items()}, cascade)
    return write_workbook(book, plan, force=force, progress=progress)
