"""The SAKIP ribbon tab: customUI.xml and its VBA callbacks in SakipRibbon.bas."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book import schema
from xl_sakip.book.package import save_workbook
from xl_sakip.vba.build import build_macro_parts, custom_ui_xml

VBA_DIR = Path(__file__).resolve().parents[1] / "xl_sakip" / "vba"
NS = "http://schemas.microsoft.com/office/2006/01/customui"  # the 2006 kind: openpyxl keeps it
BAS = (VBA_DIR / "SakipRibbon.bas").read_text(encoding="utf-8")


def buttons() -> list[ET.Element]:
    return ET.fromstring(custom_ui_xml()).findall(f".//{{{NS}}}button")


def sub_body(name: str) -> list[str]:
    """The statements of `Sub name(control As IRibbonControl)` in SakipRibbon.bas."""
    m = re.search(rf"^Public Sub {name}\(control As IRibbonControl\)\n(.*?)^End Sub$", BAS, re.M | re.S)
    assert m, f"no Sub {name}(control As IRibbonControl)"
    return [line.strip() for line in m.group(1).splitlines() if line.strip()]


def test_custom_ui_is_the_2006_kind_with_a_sakip_tab() -> None:
    root = ET.fromstring(custom_ui_xml())
    assert root.tag == f"{{{NS}}}customUI"
    tabs = root.findall(f"./{{{NS}}}ribbon/{{{NS}}}tabs/{{{NS}}}tab")
    assert [t.get("label") for t in tabs] == ["SAKIP"]


def test_buttons_labels_and_built_in_icons() -> None:
    assert [(b.get("label"), b.get("onAction")) for b in buttons()] == [
        ("Buat Ulang Sheet Unit", "SakipRegenerate"),
        ("Periksa Data", "SakipWriteFindings"),
        ("Ekspor PK (PDF)", "SakipExportPK"),
        ("Hitung Ulang", "SakipRecalculate"),
        ("Petunjuk", "SakipShowInstructions"),
    ]
    for b in buttons():
        assert b.get("imageMso"), f"{b.get('id')} needs a built-in Office icon"
        assert b.get("image") is None  # no picture parts to ship


def test_every_on_action_has_its_ribbon_callback() -> None:
    declared = set(re.findall(r"^Public Sub (\w+)\(control As IRibbonControl\)$", BAS, re.M))
    actions = {b.get("onAction") for b in buttons()}
    assert actions <= declared
    assert declared == actions  # and no stray callbacks


def test_python_buttons_call_the_fixed_entry_points() -> None:
    assert sub_body("SakipRegenerate") == ['RunPython "import xl_sakip.macros; xl_sakip.macros.regenerate()"']
    assert sub_body("SakipWriteFindings") == [
        'RunPython "import xl_sakip.macros; xl_sakip.macros.write_findings()"'
    ]


def test_recalculate_and_instructions_buttons() -> None:
    assert sub_body("SakipRecalculate") == ["Application.CalculateFull"]
    assert (
        f'Application.Goto ThisWorkbook.Worksheets("{schema.SHEET_INSTRUCTIONS}").Range("A1"), True'
        in sub_body("SakipShowInstructions")
    )


def test_macros_never_run_cell_contents() -> None:
    code = [line for line in BAS.splitlines() if not line.lstrip().startswith("'")]
    # Python code passed to RunPython is a string literal only, never built from a cell or variable.
    for line in code:
        if "RunPython" in line:
            assert re.fullmatch(r'\s*RunPython "[^"&]*"', line), line
    forbidden = ("Evaluate", "ExecuteExcel4Macro", "Application.Run", ".Formula", ".Value", "Shell")
    assert not [w for w in forbidden if any(w in line for line in code)]


@pytest.fixture()
def udfs_path(tmp_path: Path) -> Path:
    path = tmp_path / "udfs_min.py"
    path.write_text("import xlwings as xw\n\n\n@xw.func\ndef satu():\n    return 1\n", encoding="utf-8")
    return path


def test_ribbon_and_vba_survive_an_openpyxl_round_trip(tmp_path: Path, udfs_path: Path) -> None:
    parts = build_macro_parts(udfs_path)
    wb = openpyxl.Workbook()
    wb.active.title = schema.SHEET_INSTRUCTIONS
    first = save_workbook(wb, tmp_path / "a.xlsm", macro_parts=parts)
    again = openpyxl.load_workbook(first, keep_vba=True)
    second = save_workbook(again, tmp_path / "b.xlsm")
    with zipfile.ZipFile(second) as zf:
        assert zf.read("xl/vbaProject.bin") == parts.vba_project
        assert zf.read("customUI/customUI.xml") == parts.custom_ui
        rels = zf.read("_rels/.rels").decode("utf-8")
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"' in rels
    assert 'Target="customUI/customUI.xml"' in rels


# ------------------------------------------------------------------ the regenerate message


class _Book:
    """What macros.regenerate needs of a book when the writer is stubbed: an app that shows alerts."""

    def __init__(self) -> None:
        self.alerts: list[str] = []
        self.app = self

    def alert(self, message: str, title: str = "") -> None:
        self.alerts.append(message)


def test_the_regenerate_message_names_every_report_kind_of_the_registry(monkeypatch) -> None:
    """The message lists the report kinds of xl_sakip/kinds.py by title, so a kind added there is named
    (a list typed in macros.py left LKjIP and Evaluasi Renja out of one of its messages)."""
    from xl_sakip import kinds, macros
    from xl_sakip.sheets import xlwings_writer

    rebuilt = xlwings_writer.BookResult(written=["P01 KEPALA DINAS"], reports_rebuilt=["Dasbor"],
                                        reports_current=["PK P01"])
    remote = xlwings_writer.BookResult(written=["P01 KEPALA DINAS"], reports=["Dasbor"])
    results = iter([rebuilt, remote, rebuilt, remote])
    monkeypatch.setattr(xlwings_writer, "regenerate_book", lambda book, force=False: next(results))
    book = _Book()
    by_hand = ("Dasbor, Pohon Kinerja, Perjanjian Kinerja (satu per jabatan), LKjIP Bab III "
               "dan Evaluasi Renja (Permendagri 86/2017)")
    msg = macros.regenerate(book)
    assert f"Sheet laporan {by_hand}: 1 dibuat ulang, 1 sudah sesuai sehingga tidak diubah." in msg
    msg = macros.regenerate(book)  # an engine without Excel's object model: not rebuilt, all named
    assert f"Sheet laporan {by_hand} tidak ditulis ulang di sini" in msg
    assert book.alerts[-1] == msg

    extra = kinds.SheetKind("baru", "Laporan Baru", kinds.Stage.REPORTS)
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS[:-1], extra, kinds.KINDS[-1]))
    for msg in (macros.regenerate(book), macros.regenerate(book)):
        assert all(k.title in msg for k in kinds.KINDS if k.report)
        assert "Evaluasi Renja (Permendagri 86/2017) dan Laporan Baru" in msg
