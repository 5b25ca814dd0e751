"""A second regenerate does not parse the generated sheets it replaces (book/unread.py, issue 13).

What it must keep: every other sheet as openpyxl reads it, an edited generated sheet read (so that it is
refused and named), the report sheets read when a run writes only the unit sheets, never a placeholder
saved, and the same file as with openpyxl's full load.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from xl_sakip import regenerate as regen
from xl_sakip.book import package
from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.book.unread import placeholder_digest, placeholders
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Cascade
from xl_sakip.kinds import regenerated_kinds, unit_kinds
from xl_sakip.regenerate import EditedSheetsError, load_for_update, regenerate
from xl_sakip.sheets.marker import MARKER_NAME, Marker
from xl_sakip.sheets.openpyxl_writer import sheet_contents, sheet_digest

CUSTOM_UI = (b'<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui"><ribbon><tabs>'
             b'<tab id="t" label="SAKIP"/></tabs></ribbon></customUI>')
VBA = b"not a VBA project, but bytes that must come back unchanged"
UNITS = ("P01 KEPALA DINAS", "P02 KABID LATPENTA", "P03 Kasi Pelatihan", "Ringkasan")


@pytest.fixture
def book(small_cascade: Cascade, tmp_path: Path) -> Path:
    path = write_master(small_cascade, tmp_path / "Cascading_2023.xlsm",
                        macro_parts=MacroParts(vba_project=VBA, custom_ui=CUSTOM_UI))
    regenerate(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)  # a user's own sheet, saved by another writer
    wb.create_sheet("Catatan Saya")["A1"] = "rapat evaluasi TW2"
    package.save_workbook(wb, path, force=True)
    regenerate(path)  # the stamps again (the save above rewrote every part)
    return path


def markers(wb: openpyxl.Workbook) -> dict[str, Marker]:
    return {ws.title: Marker.parse(dn.attr_text) for ws in wb.worksheets
            if (dn := ws.defined_names.get(MARKER_NAME)) is not None}


def test_the_generated_sheets_are_placeholders_and_every_other_sheet_is_openpyxls(book: Path) -> None:
    full = openpyxl.load_workbook(book, keep_vba=True)
    made = markers(full)
    assert set(UNITS) < set(made)  # the unit sheets, Ringkasan, the reports (Dasbor, PK ...)
    wb = load_for_update(book, regenerated_kinds())
    assert sorted(placeholders(wb)) == sorted(made)
    assert wb.sheetnames == full.sheetnames
    assert [ws.sheet_state for ws in wb.worksheets] == [ws.sheet_state for ws in full.worksheets]
    for name, marker in made.items():  # the marker stays (workbook.xml), the cells are not read
        assert markers(wb)[name] == marker
        assert wb[name]._cells == {} and sheet_digest(wb[name]) == marker.digest
    for ws in full.worksheets:
        if ws.title not in made:
            assert sheet_contents(wb[ws.title]) == sheet_contents(ws), ws.title
            assert placeholder_digest(wb[ws.title]) is None
    assert wb.vba_archive is not None  # the macro parts, as openpyxl keeps them


def test_an_edited_generated_sheet_is_read_and_refused(book: Path) -> None:
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["P02 KABID LATPENTA"]["Q9"] = "sudah dicek kepala bidang"
    package.save_workbook(wb, book, force=True)  # every part rewritten: the unchanged are cleared by scan
    loaded = load_for_update(book, regenerated_kinds())
    assert "P02 KABID LATPENTA" not in placeholders(loaded)
    assert loaded["P02 KABID LATPENTA"]["Q9"].value == "sudah dicek kepala bidang"
    assert "P03 Kasi Pelatihan" in placeholders(loaded)
    before = book.read_bytes()
    with pytest.raises(EditedSheetsError) as exc:
        regenerate(book)
    assert "'P02 KABID LATPENTA'" in exc.value.message and "Q9" in exc.value.message
    assert book.read_bytes() == before


def test_a_run_of_the_unit_sheets_reads_the_report_sheets(book: Path) -> None:
    wb = load_for_update(book, unit_kinds())
    kinds = {name: m.kind for name, m in markers(wb).items()}
    assert sorted(placeholders(wb)) == sorted(n for n, k in kinds.items() if k in unit_kinds())
    reports = [n for n, k in kinds.items() if k not in unit_kinds()]
    assert reports and all(wb[n]._cells for n in reports)  # read, and kept by regenerate(reports=False)
    dasbor = [n for n in reports if n.startswith("Dasbor")]
    before = sheet_contents(openpyxl.load_workbook(book)[dasbor[0]])
    regenerate(book, reports=False)
    assert sheet_contents(openpyxl.load_workbook(book)[dasbor[0]]) == before


def test_a_placeholder_is_never_saved(book: Path) -> None:
    wb = load_for_update(book, regenerated_kinds())
    before = book.read_bytes()
    with pytest.raises(RuntimeError, match="placeholders"):
        package.save_workbook(wb, book, force=True)
    assert book.read_bytes() == before


def test_the_same_file_as_with_openpyxls_full_load(book: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    full = tmp_path / "full.xlsm"
    shutil.copyfile(book, full)
    regenerate(book)
    monkeypatch.setattr(regen, "load_for_update", lambda path, kinds=(): load_for_update(path))
    regenerate(full)
    assert book.read_bytes() == full.read_bytes()


def test_the_copy_kept_for_the_save_holds_every_part_but_the_worksheets(book: Path) -> None:
    import zipfile

    with zipfile.ZipFile(book) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    wb = load_for_update(book, regenerated_kinds())
    kept = wb.vba_archive.namelist()
    assert sorted(kept) == sorted(n for n in parts if not n.startswith("xl/worksheets/"))
    assert all(wb.vba_archive.read(n) == parts[n] for n in kept)  # the macro project among them
    assert parts["xl/vbaProject.bin"] == VBA and "customUI/customUI.xml" in kept
    regenerate(book)  # and the save takes them from there
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/vbaProject.bin") == VBA
        assert zf.read("customUI/customUI.xml") == parts["customUI/customUI.xml"]
