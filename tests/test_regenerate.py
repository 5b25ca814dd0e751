"""`regenerate` keeps people's work safe: only its own sheets change, edits are not lost, saves are atomic."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import make_small_cascade
from xl_sakip.book import package
from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Indicator, Position
from xl_sakip.errors import UserError
from xl_sakip.regenerate import EditedSheetsError, backup_path, regenerate
from xl_sakip.sheets.marker import MARKER_NAME, Marker
from xl_sakip.sheets.names import SUMMARY_SHEET, TEMPLATE_SHEET
from xl_sakip.sheets.openpyxl_writer import sheet_contents

CUSTOM_UI = (b'<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui"><ribbon><tabs>'
             b'<tab id="t" label="SAKIP"/></tabs></ribbon></customUI>')
VBA = b"not really a VBA project, but bytes that must come back unchanged"
MASTER_SHEETS = ("Jabatan", "Indikator", "Pengaturan", "Ref_Kategori", "Ref_Predikat")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_master(make_small_cascade(), tmp_path / "Cascading_2023.xlsm",
                        macro_parts=MacroParts(vba_project=VBA, custom_ui=CUSTOM_UI))


def generated(path: Path) -> dict[str, Marker]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        dn = ws.defined_names.get(MARKER_NAME)
        if dn is not None:
            out[ws.title] = Marker.parse(dn.attr_text)
    return out


def contents(path: Path, names) -> dict[str, dict]:
    wb = openpyxl.load_workbook(path)
    return {n: sheet_contents(wb[n]) for n in names}


def test_one_sheet_per_position_and_a_summary(book: Path):
    result = regenerate(book, reports=False)
    assert result.written == ["P01 KEPALA DINAS", "P02 KABID LATPENTA", "P03 Kasi Pelatihan",
                              SUMMARY_SHEET]
    marks = generated(book)
    assert {m.key for m in marks.values()} == {"P01", "P02", "P03", "RINGKASAN"}
    wb = openpyxl.load_workbook(book)
    assert wb[TEMPLATE_SHEET].sheet_state == "hidden"
    ws = wb["P03 Kasi Pelatihan"]
    assert ws["C3"].value == "P03"
    assert [ws.cell(r, 18).value for r in (9, 10)] == ["P03-1.1", "P03-2.1"]  # the IDs, as values
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$8:$8"
    assert int(ws.page_setup.paperSize) == 9  # A4 and ws.page_setup.fitToWidth == 1
    assert len(wb[SUMMARY_SHEET]._charts) == 1


def test_twice_gives_the_same_cells_and_then_the_same_bytes(book: Path):
    regenerate(book)
    first, marks = contents(book, generated(book)), generated(book)
    regenerate(book)
    assert contents(book, generated(book)) == first
    assert generated(book) == marks
    # Once the file has been through a load and save, a further run changes nothing at all (no style
    # table that grows with every run).
    second = book.read_bytes()
    regenerate(book)
    assert book.read_bytes() == second


def test_user_and_master_sheets_untouched(book: Path):
    wb = openpyxl.load_workbook(book, keep_vba=True)
    notes = wb.create_sheet("Catatan Saya")
    notes["A1"] = "rapat evaluasi TW2"
    notes["B2"] = "=Indikator!G2*2"
    package.save_workbook(wb, book, force=True)
    before = contents(book, ("Catatan Saya", *MASTER_SHEETS))
    regenerate(book)
    regenerate(book)
    assert contents(book, ("Catatan Saya", *MASTER_SHEETS)) == before
    assert "Catatan Saya" not in generated(book)


def test_hand_edited_sheet_is_refused_and_named(book: Path):
    regenerate(book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["P02 KABID LATPENTA"]["Q9"] = "sudah dicek kepala bidang"
    package.save_workbook(wb, book, force=True)
    stamp = book.read_bytes()
    with pytest.raises(EditedSheetsError) as exc:
        regenerate(book)
    assert "'P02 KABID LATPENTA'" in exc.value.message and "--force" in exc.value.message
    assert isinstance(exc.value, UserError)
    assert book.read_bytes() == stamp  # nothing written
    result = regenerate(book, force=True)
    assert result.overwritten_edits == ["P02 KABID LATPENTA"]
    sheet = contents(book, ["P02 KABID LATPENTA"])["P02 KABID LATPENTA"]
    assert sheet.get((9, 17)) != "sudah dicek kepala bidang"


def test_backup_holds_the_previous_file(book: Path):
    before = book.read_bytes()
    result = regenerate(book)
    assert result.backup == backup_path(book) == book.with_name("Cascading_2023.bak.xlsm")
    assert result.backup.read_bytes() == before


def test_interrupted_save_leaves_the_original(book: Path, monkeypatch):
    regenerate(book)
    before = book.read_bytes()

    def broken(fh, parts):
        fh.write(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package, "write_zip", broken)
    with pytest.raises((OSError, UserError)):
        regenerate(book, force=True)
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == ["Cascading_2023.bak.xlsm", "Cascading_2023.xlsm"]


def test_vba_project_and_ribbon_survive(book: Path):
    regenerate(book)
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/vbaProject.bin") == VBA
        assert zf.read("customUI/customUI.xml") == CUSTOM_UI
        types = zf.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert "ui/extensibility" in zf.read("_rels/.rels").decode()


def test_renamed_sheet_keeps_its_name_and_removed_position_goes(book: Path, tmp_path: Path):
    regenerate(book, reports=False)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["P01 KEPALA DINAS"].title = "Kadis"
    package.save_workbook(wb, book, force=True)
    regenerate(book, reports=False)
    assert "Kadis" in generated(book) and "P01 KEPALA DINAS" not in generated(book)

    # The master loses P03 and gains P04: P03's sheet goes, P04's comes.
    cascade = make_small_cascade()
    cascade.indicators = [i for i in cascade.indicators if i.position != "P03"]
    cascade.positions = [p for p in cascade.positions if p.code != "P03"]
    cascade.positions.append(Position(code="P04", title="Kepala Seksi Baru", parent="P02", order=3))
    cascade.indicators.append(Indicator(id="P04-1.1", position="P04", sasaran_no=1, indikator="Uji",
                                        target=1))
    fresh = write_master(cascade, tmp_path / "fresh.xlsm")
    wb, new = openpyxl.load_workbook(book, keep_vba=True), openpyxl.load_workbook(fresh)
    for name in ("Jabatan", "Indikator"):
        idx = wb.sheetnames.index(name)
        wb.remove(wb[name])
        target = wb.create_sheet(name, idx)
        for row in new[name].iter_rows():
            for c in row:
                target.cell(c.row, c.column, c.value)
        for t in new[name].tables.values():
            target.add_table(t)
    package.save_workbook(wb, book, force=True)
    result = regenerate(book, reports=False)
    assert result.removed == ["P03 Kasi Pelatihan"]
    assert {m.key for m in generated(book).values()} == {"P01", "P02", "P04", "RINGKASAN"}


def test_a_copied_generated_sheet_does_not_take_the_original_name(book: Path):
    from openpyxl.workbook.defined_name import DefinedName

    regenerate(book, reports=False)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    original = wb["P01 KEPALA DINAS"]
    place = wb.sheetnames.index("P01 KEPALA DINAS")
    # The user copies the sheet (Excel copies its sheet-scoped marker name along) and renames the
    # original; a sheet of theirs points at the original by name.
    dup = wb.copy_worksheet(original)
    dup.title = "Salinan Kadis"
    dup.defined_names[MARKER_NAME] = DefinedName(MARKER_NAME, attr_text=original.defined_names[MARKER_NAME]
                                                 .attr_text)
    original.title = "Kadis"
    wb.create_sheet("Catatan")["A1"] = "='Kadis'!K9"
    package.save_workbook(wb, book, force=True)
    assert wb.sheetnames.index("Kadis") < wb.sheetnames.index("Salinan Kadis")
    regenerate(book, reports=False)
    marks = generated(book)
    # The first one (the original) keeps its name and place; the copy is gone.
    assert [n for n, m in marks.items() if m.key == "P01"] == ["Kadis"]
    wb = openpyxl.load_workbook(book)
    assert "Salinan Kadis" not in wb.sheetnames and wb.sheetnames[place] == "Kadis"
    assert wb["Catatan"]["A1"].value == "='Kadis'!K9"


def test_user_sheet_with_the_planned_name_is_left_alone(book: Path):
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb.create_sheet("P02 KABID LATPENTA")["A1"] = "punya saya"
    package.save_workbook(wb, book, force=True)
    regenerate(book)
    wb = openpyxl.load_workbook(book)
    assert wb["P02 KABID LATPENTA"]["A1"].value == "punya saya"
    assert "P02 KABID LATPENTA (2)" in generated(book)


def test_missing_workbook_is_a_user_error(tmp_path: Path):
    with pytest.raises(UserError) as exc:
        regenerate(tmp_path / "tidak_ada.xlsm")
    assert "tidak ditemukan" in exc.value.message


def test_other_writers_sheets_are_left_alone_and_extra_runs_before_the_save(book: Path):
    from xl_sakip.sheets.openpyxl_writer import write_sheet
    from xl_sakip.sheets.plan import SheetPlan

    wb = openpyxl.load_workbook(book, keep_vba=True)
    write_sheet(wb, SheetPlan(name="Dasbor", kind="dasbor", key="DASBOR", cells=[["dasbor lama"]]))
    package.save_workbook(wb, book, force=True)

    def extra(wb, cascade, *, force):
        wb.create_sheet("Tambahan")["A1"] = len(cascade.positions)
        return ["Tambahan"]

    result = regenerate(book, reports=False, extra=extra)
    assert result.written[-1] == "Tambahan"
    wb = openpyxl.load_workbook(book)
    assert wb["Dasbor"]["A1"].value == "dasbor lama"  # a marker of another kind: not ours to replace
    assert wb["Tambahan"]["A1"].value == 3
    assert "Dasbor" not in result.removed


def test_the_collector_is_left_as_it_was_except_in_the_one_shot_program(book: Path, monkeypatch):
    """regenerate pauses Python's cyclic collector while it works (speed, docs/sheets.md) and must leave it
    running afterwards, with nothing frozen out of its sight: the ribbon runs in a long-lived Python, where
    frozen objects would never be freed. Only the `xl-sakip` program, which ends right after its command,
    freezes what is alive (cli.ONE_SHOT)."""
    import gc
    import subprocess
    import sys

    from typer.testing import CliRunner

    from xl_sakip import cli

    frozen = gc.get_freeze_count()
    regenerate(book)
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert CliRunner().invoke(cli.app, ["regenerate", str(book)]).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    # the program itself: main() sets ONE_SHOT; what is alive after the command is frozen
    code = ("import gc, sys; from xl_sakip import cli; sys.argv = ['xl-sakip', 'regenerate', sys.argv[1]]\n"
            "try:\n    cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(cli.ONE_SHOT, gc.isenabled(), gc.get_freeze_count() > 0)")
    run = subprocess.run([sys.executable, "-c", code, str(book)], capture_output=True, text=True, check=True)
    assert run.stdout.split()[-3:] == ["True", "True", "True"]


def test_check_leaves_the_collector_as_it_was_except_in_the_one_shot_program(book: Path):
    """`xl-sakip check` keeps the collector paused past run_check until the program ends (cli.ONE_SHOT,
    as regenerate); run inside another process it leaves the collector running, nothing frozen."""
    import gc
    import subprocess
    import sys

    from typer.testing import CliRunner

    from xl_sakip import cli

    frozen = gc.get_freeze_count()
    assert CliRunner().invoke(cli.app, ["check", str(book)]).exit_code in (0, 1)
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    code = ("import gc, sys; from xl_sakip import cli; sys.argv = ['xl-sakip', 'check', sys.argv[1]]\n"
            "try:\n    cli.main()\nexcept SystemExit as e:\n    assert e.code in (0, 1), e.code\n"
            "print(cli.ONE_SHOT, gc.isenabled(), gc.get_freeze_count() > 0)")
    run = subprocess.run([sys.executable, "-c", code, str(book)], capture_output=True, text=True, check=True)
    assert run.stdout.split()[-3:] == ["True", "True", "True"]


def test_a_refused_regenerate_leaves_the_collector_as_it_was(book: Path, tmp_path: Path, monkeypatch):
    """The collector is paused through regenerate (reader.gc_paused): a run that stops on a user error
    (edited sheets, a file that is no workbook) must leave it running, with nothing frozen; and a caller
    that had paused it finds it paused still. The workbook a refused run opened has its copy of the macro
    parts (a zip over a buffer) closed too: left to the collector, it could be finalised after its buffer
    and print "Exception ignored ... I/O operation on closed file" (seen with the collector paused by the
    caller)."""
    import gc

    from xl_sakip import regenerate as regen

    regenerate(book, reports=False)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["P02 KABID LATPENTA"]["Q9"] = "diubah"
    package.save_workbook(wb, book, force=True)
    wb.vba_archive.close()
    opened: list = []
    load = regen.load_for_update
    monkeypatch.setattr(regen, "load_for_update", lambda *a: opened.append(load(*a)) or opened[-1])
    broken = tmp_path / "Rusak.xlsm"
    broken.write_bytes(b"bukan workbook")
    frozen = gc.get_freeze_count()
    for path, error in ((book, EditedSheetsError), (broken, UserError)):
        with pytest.raises(error):
            regenerate(path, reports=False)
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert len(opened) == 1 and opened[0].vba_archive.fp is None  # closed
    gc.disable()
    try:
        with pytest.raises(EditedSheetsError):
            regenerate(book, reports=False)
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
    assert len(opened) == 2 and opened[1].vba_archive.fp is None


def test_a_span_style_keeps_what_each_cell_had_before(tmp_path: Path):
    """The openpyxl writer memoises a style's result per (style, the cell's style before) in a workbook:
    every cell gets the span's style and keeps its own protection, quote prefix and number format, on
    the first sheet written and on the next (where every cell is a memo hit), also once saved and read
    back."""
    from openpyxl.styles import Protection

    from xl_sakip.sheets import openpyxl_writer as ow
    from xl_sakip.sheets.plan import StyleSpan

    wb = openpyxl.Workbook()
    sheets = [wb.active, wb.create_sheet("Dua")]
    for ws in sheets:
        ws["A1"].protection = Protection(locked=False)
        ws["A1"].quotePrefix = True
        ws["A4"].number_format = "0%"
        ow._apply_style(ws, StyleSpan("head", 1, 1, 4, 1))
    path = tmp_path / "gaya.xlsx"
    wb.save(path)
    for ws in [*sheets, *openpyxl.load_workbook(path).worksheets]:
        for r in range(1, 5):
            c = ws.cell(r, 1)
            # "head": bold white on 1F4E78, thin borders, centred, wrapped; vertical top for every style
            got = (c.font.b, c.font.color.rgb, c.fill.fgColor.rgb, c.border.left.style, c.border.bottom.style,
                   c.alignment.horizontal, c.alignment.wrap_text, c.alignment.vertical)
            assert got == (True, "00FFFFFF", "001F4E78", "thin", "thin", "center", True, "top"), (ws.title, r)
            assert (c.protection.locked, c.quotePrefix) == ((False, True) if r == 1 else (True, False))
            assert c.number_format == ("0%" if r == 4 else "General")
