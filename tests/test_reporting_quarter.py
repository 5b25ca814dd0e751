"""Reporting quarter 2 on the demo workbook: both readings of capaian, worked out by hand (issue 14).

The demo workbook (`xl-sakip demo`: the shipped 2023 master with the sample realisasi) is edited as a
planner would in Excel: Pengaturan "Laporan s.d. Triwulan" = 2, quarterly targets (Rencana Aksi) typed for
some indicators, one ratio, one lower-is-better indicator and one TW2 left empty; then regenerated. The
sample realisasi (xl_sakip/data/sample_realisasi_2023.csv) fills TW3 and TW4 too: they must be ignored.

By hand (grade scores of Ref_Predikat: BB 5, A 6):

Worked out by hand (grade scores of Ref_Predikat: BB 5, A 6). Per ID: kind; realisasi s.d. TW2; annual
target -> capaian tahunan; quarterly targets TW1, TW2 -> capaian s.d. TW.

- P04-1.1, jumlah (sum): 37 + 46 = 83 (TW3 46, TW4 55 ignored); 200 -> 83 / 200 x 100 = 41,5;
  40, 50 -> 83 / (40 + 50) x 100 = 92,2222...
- P02-1.1, persen (latest): 64,5 (TW2); 86 -> 64,5 / 86 x 100 = 75; 45, 65 -> 64,5 / 65 x 100 = 99,2307...
- P02-1.4, predikat: BB (TW2; TW4's A ignored); BB -> 5 / 5 x 100 = 100; no quarterly targets -> not
  computable, saying so.
- P04-2.1, persen made rasio: (30 + 45) / (50 + 75) x 100 = 60; 60 -> 100; 55, 58 -> target of the latest
  reported quarter 58 -> 60 / 58 x 100 = 103,4482...
- P07-2.3, indeks, roll-up parent: pendukung P08-5.1 3,61 + P08-5.2 5,88 = 9,49 (their targets 4 + 6
  cover 10); 10 -> 94,9; 9, 9,5 -> 9,49 / 9,5 x 100 = 99,8947...
- P09-3.1, persen made turun (2T-R): 7,27 (TW2); 10 -> (2 x 10 - 7,27) / 10 x 100 = 127,3;
  12, 11 -> (2 x 11 - 7,27) / 11 x 100 = 133,9090...
- P05-2.1, jumlah, TW2 emptied: 10 (TW1 only); 50 -> 10 / 50 x 100 = 20, belum lengkap (TW2);
  10, 15 -> of what was reported, 10 / 10 x 100 = 100, belum lengkap (TW2).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import make_small_cascade
from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book import schema as s
from xl_sakip.book.package import save_workbook
from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import write_master
from xl_sakip.build import SHIPPED_WORKBOOK, make_demo
from xl_sakip.cli import app
from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.engine import RulesEnv, run
from xl_sakip.core.formula import evaluate_tree, render
from xl_sakip.core.models import Settings
from xl_sakip.core.readings import readings
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets import unit_layout as ul

NC = w.NC
NO_TW = NC + w.NO_RA_TARGETS

#: id -> (capaian tahunan, status, capaian s.d. TW, status), by hand (module docstring).
EXPECTED: dict[str, tuple[float | str, str, float | str, str]] = {
    "P04-1.1": (41.5, w.COMPUTED, 83 / 90 * 100, w.COMPUTED),
    "P02-1.1": (75.0, w.COMPUTED, 64.5 / 65 * 100, w.COMPUTED),
    "P02-1.4": (100.0, w.COMPUTED, NO_TW, w.NOT_COMPUTABLE),
    "P04-2.1": (100.0, w.COMPUTED, 60 / 58 * 100, w.COMPUTED),
    "P07-2.3": (94.9, w.COMPUTED, 9.49 / 9.5 * 100, w.COMPUTED),
    "P09-3.1": (127.3, w.COMPUTED, (22 - 7.27) / 11 * 100, w.COMPUTED),
    "P05-2.1": (20.0, w.INCOMPLETE, 100.0, w.INCOMPLETE),
}
TW_TARGETS = {"P04-1.1": [40, 50, 50, 60], "P02-1.1": [45, 65, 75, 86], "P04-2.1": [55, 58, 60, 60],
              "P07-2.3": [9, 9.5, 9.8, 10], "P09-3.1": [12, 11, 10.5, 10], "P05-2.1": [10, 15, 10, 15]}


def _edit_master(path: Path) -> None:
    """What a planner types: Pengaturan, Rencana Aksi targets, a ratio, a lower-is-better, an empty TW2."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[s.SHEET_INDICATORS]
    col = {c.value: c.column for c in ws[1]}
    row = {ws.cell(r, col["ID"]).value: r for r in range(2, ws.max_row + 1)}
    for iid, targets in TW_TARGETS.items():
        for q, t in enumerate(targets, 1):
            ws.cell(row[iid], col[f"Target TW{q}"]).value = t
    ws.cell(row["P04-2.1"], col["Agregasi"]).value = "rasio"
    ws.cell(row["P09-3.1"], col["Polaritas"]).value = "turun"
    ws.cell(row["P05-2.1"], col["Realisasi TW2"]).value = None
    st = wb[s.SHEET_SETTINGS]
    label = next(x.label for x in s.SETTINGS if x.field == "settings.reporting_quarter")
    r = next(r for r in range(1, st.max_row + 1) if st.cell(r, 1).value == label)
    st.cell(r, 2).value = 2
    save_workbook(wb, path, force=True)


@pytest.fixture(scope="module")
def demo_tw2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tw2") / "Contoh_2023.xlsm"
    make_demo(SHIPPED_WORKBOOK, path)
    _edit_master(path)
    regenerate(path)
    return path


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9)
    return a == b


def test_core_gives_both_readings_by_hand(demo_tw2: Path) -> None:
    cascade = read_master(demo_tw2)
    assert cascade.settings.reporting_quarter == 2
    by_id = {i.id: i for i in cascade.indicators}
    for iid, (annual, st_a, to_date, st_b) in EXPECTED.items():
        two = readings(cascade, by_id[iid])
        assert _same(two.annual.excel(), annual), (iid, two.annual)
        assert two.annual.status.value == st_a, iid
        assert _same(two.to_date.excel(), to_date), (iid, two.to_date)
        assert two.to_date.status.value == st_b, iid
    # The empty TW2 is named; TW3 and TW4 (filled) are not.
    assert readings(cascade, by_id["P05-2.1"]).annual.missing_quarters == [2]


def test_export_gives_the_same_readings(demo_tw2: Path, tmp_path: Path) -> None:
    out = tmp_path / "ekspor.json"
    result = CliRunner().invoke(app, ["export", str(demo_tw2), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert len(rows) == 94
    for iid, (annual, st_a, to_date, st_b) in EXPECTED.items():
        r = rows[iid]
        assert r["sd_triwulan"] == 2
        got_a = r["capaian_tahunan"] if r["capaian_tahunan"] is not None else NC + r["alasan_tahunan"]
        got_b = r["capaian_sd_tw"] if r["capaian_sd_tw"] is not None else NC + r["alasan_sd_tw"]
        assert _same(got_a, annual) and r["status_tahunan"] == st_a, (iid, r)
        assert _same(got_b, to_date) and r["status_sd_tw"] == st_b, (iid, r)
    assert rows["P04-1.1"]["realisasi_sd_tw"] == 83  # TW3 and TW4 (46, 55) ignored
    assert math.isclose(rows["P07-2.3"]["realisasi_sd_tw"], 9.49)
    assert rows["P07-2.3"]["sumber_realisasi"] == "pendukung"
    assert rows["P05-2.1"]["triwulan_kosong"] == "TW2"
    # The Capaian column (and its category) reads the TW targets where they exist: 99,23 is in 90–100.
    assert rows["P02-1.1"]["kategori"] == "Sangat Tinggi"
    assert rows["P02-1.4"]["kategori"] == "Sangat Tinggi"  # no TW targets: the annual 100


def _unit_values(wb: openpyxl.Workbook) -> dict[str, tuple[object, object]]:
    """id -> (Capaian thd Target Tahunan, Capaian thd Target s.d. TW) as the unit sheets show them."""
    out: dict[str, tuple[object, object]] = {}
    for ws in wb.worksheets:
        if ws.cell(ul.HEADER_ROW, ul.C_CAP_SD_TW).value != ul.UNIT_HEADERS[ul.C_CAP_SD_TW]:
            continue
        for r in range(ul.FIRST_BODY_ROW, ws.max_row + 1):
            iid = ws.cell(r, ul.C_ID).value
            if iid in EXPECTED:
                out[iid] = (ws.cell(r, ul.C_CAP_TAHUNAN).value, ws.cell(r, ul.C_CAP_SD_TW).value)
    return out


def _check_sheet_values(values: dict[str, tuple[object, object]]) -> None:
    assert set(values) == set(EXPECTED)
    for iid, (annual, _, to_date, _) in EXPECTED.items():
        got_a, got_b = values[iid]
        assert _same(got_a, annual), (iid, got_a, annual)
        assert _same(got_b, to_date), (iid, got_b, to_date)


def test_cached_values_of_the_unit_sheets(demo_tw2: Path) -> None:
    wb = openpyxl.load_workbook(demo_tw2, data_only=True)
    _check_sheet_values(_unit_values(wb))
    title = next(ws for ws in wb.worksheets if ws.cell(ul.CODE_ROW, ul.VALUE_COL).value == "P04")["A1"].value
    assert title == "CAPAIAN KINERJA TAHUN 2023 S.D. TW 2"


@requires_libreoffice
def test_libreoffice_recalculation_of_the_unit_sheets(demo_tw2: Path, tmp_path: Path) -> None:
    _check_sheet_values(_unit_values(recalc_values(demo_tw2, tmp_path)))


def _capaian_cells(path: Path) -> dict[tuple[str, int, int], object]:
    """Every unit sheet's Realisasi Tahun, Capaian and both readings, as cached."""
    wb = openpyxl.load_workbook(path, data_only=True)
    cols = (ul.C_TAHUN, ul.C_CAPAIAN, ul.C_CAP_TAHUNAN, ul.C_CAP_SD_TW)
    return {(ws.title, r, c): ws.cell(r, c).value for ws in wb.worksheets
            if ws.cell(ul.HEADER_ROW, ul.C_CAP_SD_TW).value == ul.UNIT_HEADERS[ul.C_CAP_SD_TW]
            for r in range(ul.FIRST_BODY_ROW, ws.max_row + 1) for c in cols}


def test_an_empty_reporting_quarter_is_the_whole_year_on_the_sheets(tmp_path: Path) -> None:
    """The model reads an empty "Laporan s.d. Triwulan" as 4; the sheet formulas must too (not as
    quarter 0, which would leave every quarter out)."""
    four, empty = tmp_path / "four.xlsm", tmp_path / "empty.xlsm"
    for path, value in ((four, 4), (empty, None)):
        make_demo(SHIPPED_WORKBOOK, path)
        wb = openpyxl.load_workbook(path, keep_vba=True)
        ws = wb[s.SHEET_SETTINGS]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Laporan s.d. Triwulan")
        ws.cell(row, 2).value = value
        save_workbook(wb, path, force=True)
        regenerate(path)
    want, got = _capaian_cells(four), _capaian_cells(empty)
    assert any(isinstance(v, float) for v in want.values())  # the demo has figures to compare
    assert got == want


def test_titles_of_an_empty_reporting_quarter_say_tw_4(tmp_path: Path) -> None:
    """Every heading that shows the reporting quarter (unit sheet titles, the budget block, the LKjIP title
    and header, the Dasbor, the Evaluasi Renja period) reads it through rules.REPORTING_QUARTER (the name
    setTriwulanBerlaku): an empty
    "Laporan s.d. Triwulan" shows TW 4, in the cached values and after LibreOffice's recalculation (it
    showed "S.D. TW " and nothing)."""
    import re

    path = tmp_path / "empty.xlsm"
    make_demo(SHIPPED_WORKBOOK, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[s.SHEET_SETTINGS]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Laporan s.d. Triwulan")
    ws.cell(row, 2).value = None
    save_workbook(wb, path, force=True)
    regenerate(path)

    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    headings = {(ws.title, c.row, c.column): cached[ws.title].cell(c.row, c.column).value
                for ws in formulas.worksheets for line in ws.iter_rows() for c in line
                if isinstance(c.value, str) and c.value.startswith("=")
                and rules.NAME_QUARTER_IN_FORCE in c.value and "TW " in c.value}
    units = [n for n in formulas.sheetnames if re.match(r"P\d\d ", n)]
    assert {(n, ul.TITLE_ROW, 1) for n in units} <= headings.keys()
    assert ("LKjIP Bab III", 1, 1) in headings and len(headings) > 2 * len(units)  # + budget blocks
    assert cached[units[0]].cell(ul.TITLE_ROW, 1).value == "CAPAIAN KINERJA TAHUN 2023 S.D. TW 4"
    assert cached["LKjIP Bab III"]["A1"].value == "PENGUKURAN KINERJA TAHUN 2023 S.D. TW 4 (LKjIP BAB III)"
    for key, value in headings.items():
        assert isinstance(value, str) and re.search(r"(?i)s\.d\. TW 4\b", value), (key, value)
    lo = recalc_values(path, tmp_path / "lo")
    assert {k: lo[k[0]].cell(k[1], k[2]).value for k in headings} == headings


# ------------------------------------------------------------------ the reporting quarter in force (issue 13)

#: "Laporan s.d. Triwulan" as typed -> the quarter in force, by hand: a number is itself; empty or text (the
#: reader refuses text, but a formula reads whatever the cell holds) is the whole year, 4.
QUARTER_CASES: tuple[tuple[object, float], ...] = (
    (None, 4.0), (1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), ("dua", 4.0))


class _RawSetting(RulesEnv):
    """The engine with setTriwulanLaporan holding a raw cell value (empty, text), which the model never
    holds: it normalises empty to 4 and refuses text."""

    def __init__(self, raw: object) -> None:
        super().__init__(None, None)
        self.raw = raw

    def name(self, name: str) -> object:  # type: ignore[override]
        if name == rules.NAME_QUARTER:
            return "" if self.raw is None else float(self.raw) if isinstance(self.raw, int) else self.raw
        return super().name(name)


def _quarter_books(tmp_path: Path) -> list[tuple[object, float, Path]]:
    """A small master per case, "Laporan s.d. Triwulan" set as a planner would type it (cached values by
    save_workbook, as every save writes them)."""
    base = write_master(make_small_cascade(), tmp_path / "base.xlsm")
    out = []
    for k, (value, want) in enumerate(QUARTER_CASES):
        wb = openpyxl.load_workbook(base, keep_vba=True)
        ws = wb[s.SHEET_SETTINGS]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Laporan s.d. Triwulan")
        ws.cell(row, 2).value = value
        out.append((value, want, save_workbook(wb, tmp_path / f"q{k}.xlsm", force=True)))
    return out


def _named_cell(path: Path, *, data_only: bool) -> object:
    wb = openpyxl.load_workbook(path, data_only=data_only)
    sheet, ref = wb.defined_names[rules.NAME_QUARTER_IN_FORCE].attr_text.split("!")
    return wb[sheet.strip("'")][ref.replace("$", "")].value


def test_the_quarter_in_force_is_one_pengaturan_cell_the_engine_agrees_with(tmp_path: Path) -> None:
    """The name setTriwulanBerlaku points at Pengaturan "Triwulan Laporan Berlaku", which holds the one
    definition (rules.QUARTER_IN_FORCE); its cached value and the engine's value of the name are the value
    worked out by hand, for an empty setting, 1..4 and text."""
    for value, want, path in _quarter_books(tmp_path):
        assert _named_cell(path, data_only=False) == "=" + render(rules.QUARTER_IN_FORCE)
        assert _named_cell(path, data_only=True) == want, value
        assert evaluate_tree(rules.REPORTING_QUARTER, _RawSetting(value)) == want, value
        if isinstance(value, int):  # through the model, as check and export evaluate it
            env = RulesEnv(Settings(reporting_quarter=value), None)
            assert run(rules.REPORTING_QUARTER, env) == want
    assert run(rules.REPORTING_QUARTER, RulesEnv(Settings(reporting_quarter=None), None)) == 4.0


@requires_libreoffice
def test_libreoffice_computes_the_quarter_in_force_as_the_engine(tmp_path: Path) -> None:
    for value, want, path in _quarter_books(tmp_path):
        wb = recalc_values(path, tmp_path / f"lo-{value}")
        sheet, ref = wb.defined_names[rules.NAME_QUARTER_IN_FORCE].attr_text.split("!")
        assert wb[sheet.strip("'")][ref.replace("$", "")].value == want, value
