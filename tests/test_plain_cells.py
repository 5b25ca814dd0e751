"""A unit sheet's body cells made without openpyxl Cells on regenerate's way (issue 13, time):
book/frozen.PlainCell, sheets/openpyxl_writer._write_body.

The reference for the bytes is the way every cell was made before, openpyxl Cells styled by `_copy_layout`
and filled by `_write_cells` (`_lean` switched off): the saved parts must be the same byte for byte, for a
hand-made plan holding every kind of value the body can hold and for a whole regenerate. The values read
back are the ones put in, worked out by hand.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import IllegalCharacterError

from xl_sakip.book import sheet_writer, values
from xl_sakip.book.frozen import PlainCell
from xl_sakip.book.writer import write_master
from xl_sakip.core import formula as fx
from xl_sakip.core.models import Cascade
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets import openpyxl_writer as ow
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.plan import Formula, SheetPlan
from xl_sakip.sheets.template import ensure_template
from xl_sakip.sheets.unit import UNIT_KIND

pytestmark = pytest.mark.skipif(not sheet_writer.fast(), reason="lxml installed: the body is made as before")

_STAMPS = rb"<dcterms:(?:modified|created)[^>]*>[^<]*</dcterms:(?:modified|created)>"
WIDTH = ul.N_COLS + 1  # one column past the template's


def _row(**by_letter: object) -> list[object]:
    row: list[object] = [None] * WIDTH
    for letter, v in by_letter.items():
        row[openpyxl.utils.column_index_from_string(letter) - 1] = v
    return row


def _plan(body: list[list[object]]) -> SheetPlan:
    first = ul.FIRST_BODY_ROW
    head = [[None] * WIDTH for _ in range(first - 1)]
    head[0][0] = "CAPAIAN UJI"
    return SheetPlan(name="Uji", kind=UNIT_KIND, key="P99", cells=head + body, body_first=first,
                     body_last=first + len(body) - 1)


#: Every kind of value a body row can hold, and the ones that go to openpyxl's own checks.
BODY = [
    _row(A=1, B="P01-1.1", C=Formula("=1+2", fx.parse("=1+2")), D=2.5, E=Formula("=C9*2"),
         F="=bukan rumus", G="-5 orang", H="", I=True, BR="di luar template"),
    _row(A=2, B="x" * 40_000, C=float("nan"), D=10**20, E=Formula("=E9+D10", fx.parse("=E9+D10"))),
    _row(),  # an empty body row: every column's style, no value
]


def _write(master: Path, lean: bool, monkeypatch: pytest.MonkeyPatch, body: list[list[object]] = BODY
           ) -> tuple[dict[str, bytes], openpyxl.Workbook]:
    wb = openpyxl.load_workbook(master, keep_vba=True)
    ensure_template(wb)
    values.evaluate_early(wb, wb.sheetnames)
    original = ow._lean
    monkeypatch.setattr(ow, "_lean", lambda wb, plan: lean and original(wb, plan))
    ws = ow.write_sheet(wb, _plan(body))
    plain = sum(type(c) is PlainCell for c in ws._cells.values())
    assert (plain > 0) == lean  # the path under test was taken, or not
    ow.sheet_done(wb, "Uji", ws)
    monkeypatch.setattr(ow, "_lean", original)
    parts = sheet_writer.workbook_parts(wb, values.cached_values(wb))
    parts["docProps/core.xml"] = re.sub(_STAMPS, b"", bytes(parts["docProps/core.xml"]))  # type: ignore[arg-type]
    values.discard_early(wb)
    return parts, wb  # type: ignore[return-value]


def test_plain_cells_are_saved_as_openpyxls_cells_byte_for_byte(small_cascade: Cascade, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    master = write_master(small_cascade, tmp_path / "master.xlsm")
    lean, _ = _write(master, True, monkeypatch)
    cells, _ = _write(master, False, monkeypatch)
    assert lean.keys() == cells.keys()
    for name in lean:
        assert bytes(lean[name]) == bytes(cells[name]), name  # type: ignore[arg-type]

    # Read back (a second reader of the bytes), against the values put in.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in lean.items():
            zf.writestr(name, data.raw() if isinstance(data, sheet_writer.Deflated) else data)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["Uji"]
    got = openpyxl.load_workbook(io.BytesIO(buf.getvalue()), data_only=True)["Uji"]
    r = ul.FIRST_BODY_ROW
    assert [ws.cell(r, c).value for c in range(1, 5)] == [1, "P01-1.1", "=1+2", 2.5]
    assert got.cell(r, 3).value == 3 and got.cell(r, 5).value == 6  # cached: 1+2, and C9*2
    assert got.cell(r + 1, 5).value == 1e20  # E9+D10 in doubles, as Excel adds them
    assert ws.cell(r, 6).value == "=bukan rumus" and ws.cell(r, 6).data_type == "s"
    assert ws.cell(r, 6).quotePrefix and ws.cell(r, 7).quotePrefix  # text that would read as a formula
    assert not ws.cell(r, 2).quotePrefix
    assert ws.cell(r, WIDTH).value == "di luar template" and not ws.cell(r, WIDTH).has_style
    assert ws.cell(r + 1, 2).value == "x" * 32_767  # cut where Excel's cells end, as openpyxl cuts it
    template = ws.parent[ow.TEMPLATE_SHEET]
    for c in (1, 8, ul.N_COLS):  # the empty row keeps the template's body style in every column
        assert ws.cell(r + 2, c).style_id == template.cell(ul.FIRST_BODY_ROW, c).style_id


def test_text_xml_cannot_hold_is_refused_as_before(small_cascade: Cascade, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    master = write_master(small_cascade, tmp_path / "master.xlsm")
    for lean in (True, False):
        with pytest.raises(IllegalCharacterError):
            _write(master, lean, monkeypatch, [_row(A=1, B="teks\x01rusak")])
        monkeypatch.undo()


def test_regenerate_writes_the_same_file_with_and_without_plain_cells(
        small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    master = write_master(small_cascade, tmp_path / "master.xlsm")
    lean, cells = tmp_path / "lean.xlsm", tmp_path / "cells.xlsm"
    shutil.copyfile(master, lean)
    shutil.copyfile(master, cells)
    made: list[int] = []
    body = ow._write_body

    def spy(ws: object, plan: SheetPlan, style: dict) -> None:
        body(ws, plan, style)  # type: ignore[arg-type]
        made.append(sum(type(c) is PlainCell for c in ws._cells.values()))  # type: ignore[attr-defined]

    monkeypatch.setattr(ow, "_write_body", spy)
    written = regenerate(lean).written
    assert len(written) > len(small_cascade.positions)
    assert len(made) == len(small_cascade.positions) and all(made)  # every unit sheet's body, lean
    monkeypatch.setattr(ow, "_lean", lambda wb, plan: False)
    regenerate(cells)
    assert lean.read_bytes() == cells.read_bytes()


def test_a_style_span_over_cells_not_made_yet_styles_each_as_openpyxl_does() -> None:
    """`_apply_style` makes a missing cell with the style it gave the first such cell (without ws.cell and
    a copy per cell): every cell of the span has the style of the plan's "head" (sheets/plan.STYLES),
    read back through openpyxl's own style objects, and a cell made before keeps its value."""
    from xl_sakip.sheets.plan import StyleSpan

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"] = "ada"
    ow._apply_style(ws, StyleSpan("head", 1, 1, 4, 3))
    assert ws._current_row == 4 and len(ws._cells) == 12
    for row in ws.iter_rows(min_row=1, max_row=4, max_col=3):
        for cell in row:
            assert cell.font.b and cell.font.color.rgb == "00FFFFFF", cell.coordinate
            assert cell.fill.fgColor.rgb == "001F4E78" and cell.fill.fill_type == "solid"
            assert cell.alignment.wrap_text and cell.alignment.horizontal == "center"
            assert cell.alignment.vertical == "top"
            assert cell.border.left.style == "thin" and cell.border.bottom.color.rgb == "00808080"
    assert ws["B2"].value == "ada"
    assert len({tuple(c._style) for row in ws.iter_rows(max_row=4, max_col=3) for c in row}) == 1
    assert len({id(c._style) for row in ws.iter_rows(max_row=4, max_col=3) for c in row}) == 12  # own arrays


def test_a_callers_code_gets_openpyxl_cells_on_a_unit_sheet_not_serialised_yet(
        small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """regenerate's `extra` reads sheets through openpyxl's API; a unit sheet it finds not serialised yet
    (here: none is, `freeze` off) holds openpyxl Cells by then, and the file is what it was without
    PlainCells (found by a review: cell.coordinate, font and a value set failed on a PlainCell)."""
    master = write_master(small_cascade, tmp_path / "master.xlsm")
    lean, cells = tmp_path / "lean.xlsm", tmp_path / "cells.xlsm"
    shutil.copyfile(master, lean)
    shutil.copyfile(master, cells)
    monkeypatch.setattr(sheet_writer, "freeze", lambda ws, cached: False)
    r = ul.FIRST_BODY_ROW
    seen: list[object] = []

    def extra(wb: openpyxl.Workbook, cascade: Cascade, *, force: bool) -> list[str]:
        unit = next(ws for ws in wb.worksheets if ow.read_marker(ws) and ow.read_marker(ws).kind == UNIT_KIND)
        cell = unit.cell(r, 1)
        seen.append((cell.coordinate, cell.value, cell.font.b, type(unit._cells[(r, 1)]).__name__))
        wb.create_sheet("Tambahan")["A1"] = cell.coordinate
        return ["Tambahan"]

    regenerate(lean, extra=extra)
    monkeypatch.setattr(ow, "_lean", lambda wb, plan: False)
    regenerate(cells, extra=extra)
    assert seen[0] == seen[1] == ("A9", 1, seen[1][2], "Cell")  # the first indicator's row number
    assert openpyxl.load_workbook(lean)["Tambahan"]["A1"].value == "A9"
    for a, b in zip(zipfile.ZipFile(lean).infolist(), zipfile.ZipFile(cells).infolist(), strict=True):
        if a.filename != "docProps/core.xml":
            assert zipfile.ZipFile(lean).read(a) == zipfile.ZipFile(cells).read(b), a.filename
