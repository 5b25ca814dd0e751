"""The ribbon's "Buat Ulang Sheet Unit" rebuilds the report sheets (Dasbor, Pohon Kinerja, PK) of the open
workbook, through xlwings' real Windows implementation over the recording fake of Excel's COM objects
(tests/fake_excel.py): the same cells and markers as the openpyxl writer writes into the shipped workbook,
the merges and page breaks of each PK, the Dasbor's charts, the tree picture; existing sheets rebuilt on the
same sheet objects (formulas pointing at them stay valid); hand edits refused.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.fake_excel import FakeExcel
from xl_sakip import macros
from xl_sakip.book.writer import write_master
from xl_sakip.build import SEED_2023, SHIPPED_WORKBOOK
from xl_sakip.importer import read_seed
from xl_sakip.kinds import report_kinds
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets.marker import MARKER_NAME, Marker, canonical

REPORT_NAMES_IN_ORDER = 25  # Dasbor, Pohon Kinerja, 21 PK sheets, LKjIP Bab III, Evaluasi Renja
# The report kinds of the registry (xl_sakip/kinds.py) by title, as the ribbon's message names them.
REPORT_KINDS = ("Dasbor, Pohon Kinerja, Perjanjian Kinerja (satu per jabatan), LKjIP Bab III "
                "dan Evaluasi Renja (Permendagri 86/2017)")


def _reports(path: Path) -> dict[str, tuple[Marker, dict, object]]:
    """The report sheets of a file written by the openpyxl writer, in tab order: marker, canonical cells,
    the worksheet."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        dn = ws.defined_names.get(MARKER_NAME)
        m = Marker.parse(dn.attr_text) if dn is not None else None
        if m is not None and m.kind in report_kinds():
            out[ws.title] = (m, {k: t for k, c in ws._cells.items() if (t := canonical(c.value)) is not None},
                             ws)
    return out


def _cells(excel: FakeExcel, name: str) -> dict:
    return {k: t for k, v in excel.sheet(name).cells.items() if (t := canonical(v)) is not None}


def _marker(excel: FakeExcel, name: str) -> Marker | None:
    entry = excel.book.names.get((excel.sheet(name), MARKER_NAME))
    return Marker.parse(entry.refers_to) if entry is not None else None


def _stale_reports(excel: FakeExcel) -> None:
    """Every report sheet's marker says it holds something else: the ribbon must rebuild them all."""
    for (_scope, name), entry in excel.book.names.items():
        if name == MARKER_NAME and (m := Marker.parse(entry.refers_to)) and m.kind in report_kinds():
            entry.refers_to = Marker(m.kind, m.key, "0" * 20).refers_to()


@pytest.fixture(scope="module")
def without_reports(tmp_path_factory) -> Path:
    """The master of the seed with its unit sheets and Ringkasan only (as the shipped workbook before its
    report pass)."""
    path = tmp_path_factory.mktemp("units") / "Cascading_2023.xlsm"
    write_master(read_seed(SEED_2023).cascade, path)
    regenerate(path, reports=False)
    return path


def test_ribbon_creates_the_report_sheets_the_file_writer_writes(without_reports: Path, monkeypatch):
    excel = FakeExcel(without_reports)
    assert not [ws for ws in excel.book.sheets if ws._name.startswith(("Dasbor", "PK "))]
    msg = macros.regenerate(excel.xlwings_book(monkeypatch))
    assert f"Sheet laporan {REPORT_KINDS}: 25 dibuat ulang." in msg
    want = _reports(SHIPPED_WORKBOOK)
    assert len(want) == REPORT_NAMES_IN_ORDER
    # Same sheets in the same places: after the Ringkasan, Dasbor, Pohon Kinerja, then the PK sheets.
    names = [ws._name for ws in excel.book.sheets]
    assert names == openpyxl.load_workbook(SHIPPED_WORKBOOK, read_only=True).sheetnames
    for name, (marker, cells, ws) in want.items():
        assert _cells(excel, name) == cells, name
        assert _marker(excel, name) == marker, name
        if marker.kind == "pk":
            sheet = excel.sheet(name)
            assert sorted(sheet.merges) == sorted(
                (m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges), name
            assert sheet.breaks == [b.id + 1 for b in ws.row_breaks.brk], name  # a break before that row
            assert sheet.widths == {k + 1: ws.column_dimensions[c].width for k, c in enumerate("ABCD")}
            assert {r: h for r, h in sheet.heights.items()} == {
                r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}, name
    # The Dasbor's three charts read its own tables; the tree sheet carries the picture.
    dasbor = excel.sheet("Dasbor")
    assert len(dasbor.charts) == 3
    first = dasbor.charts[0].Chart.__dict__["source"]
    assert first.startswith("$A$") and ",$E$" in first  # categories (Kode) and Rata-rata Capaian (%)
    (picture,) = excel.sheet("Pohon Kinerja").pictures
    assert picture.data.startswith(b"\x89PNG")
    # Window settings of the new sheets: the Dasbor's first two rows frozen, no gridlines on the PK and
    # tree sheets; the sheet the user had open is shown again.
    views = {name: w.__dict__ for name, w in excel.windows.items()}
    assert (views["Dasbor"]["SplitRow"], views["Dasbor"]["SplitColumn"], views["Dasbor"]["FreezePanes"]) \
        == (2, 0, True)
    assert views["Pohon Kinerja"]["DisplayGridlines"] is False
    assert all(views[n]["DisplayGridlines"] is False for n in want if n.startswith("PK "))
    assert excel.active is None or excel.active is excel.book.sheets[0]


def test_stale_report_sheets_are_rebuilt_in_place(monkeypatch):
    """Rebuilt on the same sheet objects: a formula of the user's pointing at a PK sheet or the Dasbor keeps
    its sheet (deleting and re-adding would turn it into #REF!)."""
    excel = FakeExcel(SHIPPED_WORKBOOK)
    _stale_reports(excel)
    before = {ws._name: ws for ws in excel.book.sheets}
    msg = macros.regenerate(excel.xlwings_book(monkeypatch))
    assert "25 dibuat ulang" in msg
    assert {ws._name: ws for ws in excel.book.sheets} == before  # the same objects, names and order
    for name, (marker, cells, _ws) in _reports(SHIPPED_WORKBOOK).items():
        assert excel.sheet(name) is before[name]
        assert _cells(excel, name) == cells, name
        assert _marker(excel, name) == marker, name
    assert len(excel.sheet("Dasbor").charts) == 3  # the old charts went, the new ones came
    assert len(excel.sheet("Pohon Kinerja").pictures) == 1


def test_report_sheets_that_hold_what_the_tool_writes_are_left_alone(monkeypatch):
    """The shipped workbook's Dasbor and PK sheets already hold what the tool would write: not one of
    their cells is written; the tree picture, a snapshot of the realisasi, is redrawn."""
    excel = FakeExcel(SHIPPED_WORKBOOK)
    msg = macros.regenerate(excel.xlwings_book(monkeypatch))
    assert (f"Sheet laporan {REPORT_KINDS}: "
            "1 dibuat ulang, 24 sudah sesuai"
            in msg)
    writes = excel.app.__dict__["writes_with"]
    assert len(writes) == 22 + 1  # 21 unit sheets, Ringkasan, Pohon Kinerja
    assert len(excel.sheet("Pohon Kinerja").pictures) == 1


def test_a_hand_edited_report_sheet_is_refused_before_anything_is_written(monkeypatch):
    excel = FakeExcel(SHIPPED_WORKBOOK)
    _stale_reports(excel)
    pk = next(ws for ws in excel.book.sheets if ws._name.startswith("PK P05"))
    pk.cells[(40, 5)] = "catatan saya"
    msg = macros.regenerate(excel.xlwings_book(monkeypatch))
    assert pk._name in msg and "diubah manual" in msg
    assert not [c for c in excel.calls if c[1] == "Formula="]  # nothing written, the unit sheets neither
    assert pk.cells[(40, 5)] == "catatan saya"


def test_a_hand_edited_report_sheet_is_rebuilt_with_force(monkeypatch):
    excel = FakeExcel(SHIPPED_WORKBOOK)
    _stale_reports(excel)
    pk = next(ws for ws in excel.book.sheets if ws._name.startswith("PK P05"))
    pk.cells[(40, 5)] = "catatan saya"
    msg = macros.regenerate(excel.xlwings_book(monkeypatch), force=True)
    assert "Ditimpa: " + pk._name in msg
    assert (40, 5) not in pk.cells


def test_a_new_position_gets_its_pk_sheet_and_the_dasbor_follows(monkeypatch):
    """A position typed into Jabatan (with one indicator) in Excel: the ribbon adds its unit sheet and its
    PK sheet (after the last PK), rebuilds the Dasbor in place (its tables list every position) and leaves
    the other 20 PK sheets, which do not change, as they are."""
    excel = FakeExcel(SHIPPED_WORKBOOK)
    jab, ind = excel.sheet("Jabatan"), excel.sheet("Indikator")
    heads = {v: c for (r, c), v in ind.cells.items() if r == 1}
    jab.cells.update({(23, 1): "P22", (23, 2): "KEPALA SEKSI UJI COBA", (23, 3): "P01", (23, 4): 4,
                      (23, 5): 22})
    new = {"ID": "P22-1.1", "Kode Jabatan": "P22", "No Sasaran": 1, "Sasaran Strategis": "Sasaran uji coba",
           "Indikator Kinerja": "Jumlah dokumen uji coba", "Target Tertulis": "4 dokumen", "Target": 4,
           "Satuan": "dokumen", "Jenis": "jumlah", "Polaritas": "naik", "Agregasi": "jumlah",
           "Roll-up": "tidak"}
    ind.cells.update({(96, heads[h]): v for h, v in new.items()})
    dasbor = excel.sheet("Dasbor")
    msg = macros.regenerate(excel.xlwings_book(monkeypatch))
    assert (f"Sheet laporan {REPORT_KINDS}: "
            "4 dibuat ulang, 22 sudah sesuai"
            in msg)
    names = [ws._name for ws in excel.book.sheets]
    pk_new = next(n for n in names if n.startswith("PK P22"))
    assert names.index(pk_new) == names.index(next(n for n in names if n.startswith("PK P21"))) + 1
    assert excel.sheet("Dasbor") is dasbor  # in place
    assert "P22" in [v for (r, c), v in dasbor.cells.items() if c == 1]
    lampiran = [v for v in excel.sheet(pk_new).cells.values() if isinstance(v, str) and "P22-1.1" in v]
    assert lampiran  # its indicator, read from the master by ID
    assert _marker(excel, pk_new) == Marker("pk", "PK-P22", _marker(excel, pk_new).digest)
