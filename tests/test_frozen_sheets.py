"""Generated sheets serialised as soon as they are final, their openpyxl cells let go (issue 13, memory):
book/frozen.py, book/sheet_writer.freeze, sheets/openpyxl_writer.sheet_done.

The reference for the bytes is the save without freezing (the cells kept and written at the save, as
before): a twin workbook built the same way, or the same regenerate with `freeze` switched off.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Font

from xl_sakip.book import package, sheet_writer, values
from xl_sakip.book import schema as s
from xl_sakip.book.frozen import FrozenCells
from xl_sakip.book.writer import write_master
from xl_sakip.core import formula as fx
from xl_sakip.core.models import Cascade
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets.names import TEMPLATE_SHEET
from xl_sakip.sheets.openpyxl_writer import sheet_contents, sheet_digest, sheet_done

pytestmark = pytest.mark.skipif(not sheet_writer.fast(), reason="lxml installed: nothing is frozen")


# openpyxl stamps core.xml with the second of the load (created, for a file without one) and of the save
# (modified): two workbooks straddling a second differed there, a flaky failure in CI's full run
_STAMPS = rb"<dcterms:(?:modified|created)[^>]*>[^<]*</dcterms:(?:modified|created)>"


def _put(wb: openpyxl.Workbook, title: str, cells: dict[str, object], bold: str = "") -> None:
    """A sheet as a writer makes it: formulas registered as trees, `bold` cells in a style new to `wb`."""
    ws = wb.create_sheet(title)
    for ref, v in cells.items():
        ws[ref] = v
        if isinstance(v, str) and v.startswith("="):
            values.register(wb, title, ws[ref].row, ws[ref].column, fx.parse(v))
    for ref in bold.split():
        ws[ref].font = Font(bold=True, size=13)


def _parts(wb: openpyxl.Workbook, cached: dict) -> dict[str, bytes]:
    """The saved parts, without the save's modification time (two saves can straddle a second)."""
    parts = sheet_writer.workbook_parts(wb, cached)
    parts["docProps/core.xml"] = re.sub(_STAMPS, b"", bytes(parts["docProps/core.xml"]))  # type: ignore[arg-type]
    return parts  # type: ignore[return-value]


def _book(freeze: bool) -> openpyxl.Workbook:
    """M (final from the start); U reads M and is done, then R reads U's constants and formulas; then a
    style new to the workbook is put on M, which comes before U in the tab order."""
    wb = openpyxl.Workbook()
    wb.active.title = "M"
    wb["M"]["A1"] = 10
    values.evaluate_early(wb, ["M"])
    _put(wb, "U", {"A1": "Teks", "B1": 5, "C1": "=M!A1*2", "D1": "=B1+C1", "A3": "a < b & c"}, bold="A1 C1")
    (sheet_done if freeze else values.sheet_final)(wb, "U")
    _put(wb, "R", {"A1": "=U!C1+U!B1", "A2": '=U!A1&"!"', "A3": "=U!D1", "A4": "=U!E9"})
    (sheet_done if freeze else values.sheet_final)(wb, "R")
    wb["M"]["B1"] = "catatan"
    wb["M"]["B1"].font = Font(italic=True, size=9)  # numbered at the save before U's bold, as before
    return wb


def test_a_frozen_sheet_gives_its_values_and_the_same_bytes() -> None:
    wb, twin = _book(True), _book(False)
    assert isinstance(wb["U"]._cells, FrozenCells) and isinstance(wb["R"]._cells, FrozenCells)
    assert not isinstance(twin["U"]._cells, FrozenCells)
    # R read U after U's cells were gone. By hand: U!C1 = 10*2 = 20, U!D1 = 5 + 20 = 25, U!E9 empty.
    got = values.cached_values(wb)
    assert got["R"] == {(1, 1): 25.0, (2, 1): "Teks!", (3, 1): 25.0, (4, 1): 0.0}
    assert got["U"] == {(1, 3): 20.0, (1, 4): 25.0}
    # What is read of a frozen sheet is what its cells held.
    u = wb["U"]
    assert u._cells[(1, 3)].value == "=M!A1*2" and u._cells[(1, 3)].data_type == "f"
    assert u._cells[(1, 1)].value == "Teks" and u._cells[(1, 2)].value == 5
    assert u._cells[(3, 1)].value == "a < b & c" and u._cells.get((9, 9)) is None
    assert sheet_contents(u) == sheet_contents(twin["U"])
    assert sheet_digest(u) == sheet_digest(twin["U"])
    # Every part as the save without freezing writes it (styles numbered in the same order).
    parts = _parts(wb, values.cached_values(wb, serialised=False))
    want = _parts(twin, values.cached_values(twin))
    assert sorted(parts) == sorted(want)
    for name in want:
        assert parts[name] == want[name], name
    assert b'<c r="C1" s="2"><f>M!A1*2</f><v>20.0</v></c>' in parts["xl/worksheets/sheet2.xml"]


def test_a_frozen_sheet_cannot_change_nor_be_saved_twice() -> None:
    wb = _book(True)
    u = wb["U"]
    with pytest.raises(RuntimeError, match="final"):
        u.cell(7, 7)  # a new cell
    with pytest.raises(AttributeError):
        u["A1"].value = "lain"  # type: ignore[misc]
    sheet_writer.workbook_parts(wb)
    with pytest.raises(RuntimeError, match="once already"):
        sheet_writer.workbook_parts(wb)


def test_a_sheet_with_a_cell_only_openpyxl_writes_is_kept() -> None:
    """A hyperlink is written by openpyxl at the save (its relationship): not frozen."""
    wb = openpyxl.Workbook()
    values.evaluate_early(wb, [wb.active.title])
    _put(wb, "C", {"A1": 1, "A2": "=A1+1"})
    wb["C"]["A1"].hyperlink = "https://example.org/bukti"
    sheet_done(wb, "C")
    assert not isinstance(wb["C"]._cells, FrozenCells)
    assert values.cached_values(wb) == {"C": {(2, 1): 2.0}}


def _commented(freeze: bool) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    values.evaluate_early(wb, [wb.active.title])
    _put(wb, "C", {"A1": 1, "A2": "=A1+1", "B5": "teks"})
    wb["C"]["A1"].comment = Comment("Catatan <penting> & benar", "penyusun")
    wb["C"]["C9"].comment = Comment("di sel kosong", "penyusun")
    (sheet_done if freeze else values.sheet_final)(wb, "C")
    return wb


def test_a_frozen_sheets_comments_are_written_by_the_save() -> None:
    """The master's Indikator carries comments on its headers: it is frozen like any sheet, its comments
    recorded then and written by the save as openpyxl writes them (the comments part, its drawing, the
    sheet's legacyDrawing), byte for byte."""
    wb, twin = _commented(True), _commented(False)
    assert isinstance(wb["C"]._cells, FrozenCells) and len(wb["C"]._cells.comments) == 2
    parts = _parts(wb, values.cached_values(wb, serialised=False))
    want = _parts(twin, values.cached_values(twin))
    assert sorted(parts) == sorted(want)
    for name in want:
        assert parts[name] == want[name], name
    comments = next(p for n, p in parts.items() if n.startswith("xl/comments"))
    assert b"Catatan &lt;penting&gt; &amp; benar" in comments and b'ref="C9"' in comments
    assert b"<legacyDrawing" in parts["xl/worksheets/sheet2.xml"]


def test_a_deflated_part_is_zipped_as_zipfile_zips_it() -> None:
    rng = __import__("random").Random(7)
    parts = {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"",
             "xl/worksheets/sheet2.xml": bytes(rng.randrange(60, 70) for _ in range(300_000)),
             "xl/worksheets/sheet3.xml": os.urandom(70_000), "xl/workbook.xml": b"<workbook/>" * 1000}
    plain, early = io.BytesIO(), io.BytesIO()
    package.write_zip(plain, parts)
    package.write_zip(early, {n: sheet_writer.Deflated(p) if "sheets/" in n else p for n, p in parts.items()})
    assert early.getvalue() == plain.getvalue()
    with zipfile.ZipFile(early) as zf:
        assert zf.testzip() is None
        assert zf.read("xl/worksheets/sheet2.xml") == parts["xl/worksheets/sheet2.xml"]


def test_regenerate_freezes_every_generated_sheet_and_writes_the_same_file(
        small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    master = write_master(small_cascade, tmp_path / "master.xlsm")
    frozen, kept = tmp_path / "frozen.xlsm", tmp_path / "kept.xlsm"
    shutil.copyfile(master, frozen)
    shutil.copyfile(master, kept)
    seen: dict[str, set[str]] = {}
    real = package.openpyxl_parts

    def spy(wb: openpyxl.Workbook, *a: object, **k: object) -> object:
        seen["frozen"] = {ws.title for ws in wb.worksheets if isinstance(ws._cells, FrozenCells)}
        return real(wb, *a, **k)

    monkeypatch.setattr(package, "openpyxl_parts", spy)
    written = regenerate(frozen).written
    assert len(written) > 3 and set(written) <= seen["frozen"]  # every sheet written, unit and report
    # and the master's sheets, serialised before the first unit sheet; not the template, which each unit
    # sheet copies
    assert {s.SHEET_INDICATORS, s.SHEET_POSITIONS} <= seen["frozen"]
    assert TEMPLATE_SHEET not in seen["frozen"]
    monkeypatch.setattr(sheet_writer, "freeze", lambda ws, cached: False)  # cells kept to the save
    regenerate(kept)
    assert frozen.read_bytes() == kept.read_bytes()
    # A second regenerate of the regenerated workbook (its generated sheets loaded from the file) writes
    # it again byte for byte.
    monkeypatch.undo()
    first = frozen.read_bytes()
    regenerate(frozen)
    assert frozen.read_bytes() == first


def test_a_master_formula_reads_what_regenerate_repairs_before_it_is_frozen(
        small_cascade: Cascade, tmp_path: Path) -> None:
    """The master's sheets are evaluated and serialised before the unit sheets: only after the last change
    regenerate makes to them, the band names reset (found by a red team: a user's formula over a band name
    moved in Excel was cached with the old target's value)."""
    from openpyxl.workbook.defined_name import DefinedName

    path = write_master(small_cascade, tmp_path / "master.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb.defined_names["_xlsakip_kategori1"] = DefinedName("_xlsakip_kategori1", attr_text="Pengaturan!$B$2")
    wb.create_sheet("Catatan")["A1"] = "=_xlsakip_kategori1"
    wb.save(path)
    regenerate(path)
    got = openpyxl.load_workbook(path, data_only=True)["Catatan"]["A1"].value
    assert got == small_cascade.reference.bands[0].label  # the first label, where regenerate resets it


def test_regenerate_with_extra_code_leaves_the_master_sheets_to_it(small_cascade: Cascade,
                                                                     tmp_path: Path) -> None:
    """`extra` (Python callers) may read any sheet through openpyxl, which adds a cell where it reads an
    empty one: the master's sheets are not serialised early then."""
    path = write_master(small_cascade, tmp_path / "master.xlsm")

    def extra(wb: openpyxl.Workbook, cascade: Cascade, *, force: bool) -> list[str]:
        wb.create_sheet("Tambahan")["A1"] = wb[s.SHEET_POSITIONS]["Z99"].value is None
        return ["Tambahan"]

    assert regenerate(path, extra=extra).written[-1] == "Tambahan"
    assert openpyxl.load_workbook(path)["Tambahan"]["A1"].value is True
