"""What the generated sheets' formulas need beyond the master's values (issue 12, items 13-15): stray spaces
in headers and codes, a renamed or short table, a deleted or stale defined name. `check` reports each as a
galat naming the cell (before issue 12 it exited 0 while 846 cells showed #VALUE!); `regenerate` repairs it
(before, it kept the damage and wrote sheets full of errors).

And the "Done when" of issue 12: after regenerate, a LibreOffice recalculation of every corpus workbook
shows no error value unless `check` reports a galat for the result.

Expected cells come from the fixture's layout (tests/corpus_workbooks.py docstring), worked out by hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
from corpus_workbooks import REPAIR_CORPUS, WORKBOOK_CORPUS, Case, build
from typer.testing import CliRunner

from tests.libreoffice import _REGISTRY, requires_libreoffice, soffice
from xl_sakip.book import schema as s
from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.errors import UserError
from xl_sakip.regenerate import regenerate


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_small_cascade

    return write_master(make_small_cascade(), tmp_path_factory.mktemp("good") / "master.xlsm")


def unquoted(wb: openpyxl.Workbook, name: str) -> str:
    """A defined name's reference without the optional quotes around the sheet name."""
    return wb.defined_names[name].attr_text.replace("'", "")


def by_name(name: str) -> Case:
    return next(c for c in REPAIR_CORPUS if c.name == name)


@pytest.mark.parametrize("case", REPAIR_CORPUS, ids=lambda c: c.name)
def test_check_reports_what_the_formulas_need(case: Case, good: Path, tmp_path: Path) -> None:
    path = build(case, good, tmp_path)
    result = CliRunner().invoke(app, ["check", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == case.exit_code == 1, result.output
    findings = [f for f in json.loads(result.stdout) if f["code"] in case.codes]
    assert findings and all(f["severity"] == "galat" for f in findings)
    assert set(case.cells) <= {f.get("cell") for f in findings}
    text = " ".join(f["message"] for f in findings)
    for words in case.words:
        assert words in text
    assert "xl-sakip regenerate" in text  # says how to proceed


@pytest.mark.parametrize("case", REPAIR_CORPUS, ids=lambda c: c.name)
def test_regenerate_repairs_it(case: Case, good: Path, tmp_path: Path) -> None:
    path = build(case, good, tmp_path)
    result = regenerate(path)
    assert result.repaired
    assert "Diperbaiki agar rumus sheet benar: " in result.summary()
    codes = {f.code for f in run_check(path).findings}
    assert not codes & {"SPASI_BERLEBIH", "TABEL_RUSAK", "NAMA_RUSAK", "KODE_ANGKA"}


def test_repaired_cells_tables_and_names(good: Path, tmp_path: Path) -> None:
    """The repairs themselves, cell by cell, against the layout written by hand in corpus_workbooks."""
    header = build(by_name("judul_spasi_takputus"), good, tmp_path)
    regenerate(header)
    wb = openpyxl.load_workbook(header)
    assert wb["Indikator"]["S1"].value == "Realisasi TW1"
    table = wb["Indikator"].tables["tblIndikator"]
    assert [c.name for c in table.tableColumns][18] == "Realisasi TW1"  # S is the 19th column

    code = build(by_name("kode_jabatan_spasi"), good, tmp_path)
    regenerate(code)
    assert openpyxl.load_workbook(code)["Indikator"]["B8"].value == "P03"

    number = build(by_name("id_angka"), good, tmp_path)
    regenerate(number)
    wb = openpyxl.load_workbook(number)
    assert (wb["Indikator"]["A9"].value, wb["Indikator"]["A9"].data_type) == ("7.5", "s")
    # The unit sheet finds it: before the repair its Keterangan said "ID tidak ditemukan di Indikator".
    from xl_sakip.sheets import unit_layout as ul

    p03 = next(ws for ws in openpyxl.load_workbook(number, data_only=True).worksheets
               if ws.title.startswith("P03"))
    row = next(r for r in range(1, p03.max_row + 1) if p03.cell(r, ul.C_ID).value == "7.5")
    assert p03.cell(row, ul.C_KET).value in (None, "")

    short = build(by_name("tabel_terpotong"), good, tmp_path)
    regenerate(short)
    assert openpyxl.load_workbook(short)["Indikator"].tables["tblIndikator"].ref == "A1:AJ9"

    renamed = build(by_name("tabel_diganti_nama"), good, tmp_path)
    regenerate(renamed)
    wb = openpyxl.load_workbook(renamed)
    assert set(wb["Indikator"].tables) == {"tblIndikator"}
    assert wb.defined_names[s.LIST_INDICATOR_IDS].attr_text == "tblIndikator[ID]"
    assert wb["Indikator"]["AF2"].value.startswith("=SAKIP_REALISASI(tblIndikator[[#This Row],")

    sorted_ = build(by_name("pengaturan_diurutkan"), good, tmp_path)
    regenerate(sorted_)
    wb = openpyxl.load_workbook(sorted_)
    ws = wb["Pengaturan"]
    labels = {ws.cell(r, 1).value: r for r in range(2, 2 + len(s.SETTINGS))}
    for setting in s.SETTINGS:  # every name points at the value beside its own label
        assert unquoted(wb, setting.name) == f"Pengaturan!$B${labels[setting.label]}"
    assert ws.cell(labels["Batas Atas Capaian (%)"], 2).value == 100


def test_settings_sorted_sheets_use_the_cap_after_regenerate(good: Path, tmp_path: Path) -> None:
    """Before: setBatasCapaian stayed at B6, which after the sort holds another setting."""
    path = build(by_name("pengaturan_diurutkan"), good, tmp_path)
    before = openpyxl.load_workbook(path)
    assert unquoted(before, "setBatasCapaian") == "Pengaturan!$B$6"
    assert before["Pengaturan"]["A6"].value != "Batas Atas Capaian (%)"
    regenerate(path)
    after = openpyxl.load_workbook(path)
    row = next(r for r in range(2, 12) if after["Pengaturan"].cell(r, 1).value == "Batas Atas Capaian (%)")
    assert unquoted(after, "setBatasCapaian") == f"Pengaturan!$B${row}"


# --- Done when: no error value after regenerate unless check reports a galat --------------------------------

ERRORS = ("#VALUE!", "#NAME?", "#REF!", "#N/A", "#DIV/0!", "#NUM!", "#NULL!")
#: The UDF columns of tblIndikator work only in Excel with xlwings; elsewhere they show #NAME? by design
#: (schema.COMPUTED_COLUMNS); every figure is also computed by the unit sheets, which are checked.
UDF_HEADERS = {c.header for c in s.COMPUTED_COLUMNS}


def error_cells(values: openpyxl.Workbook) -> list[str]:
    out = []
    for ws in values.worksheets:
        udf = set()
        if ws.title == s.SHEET_INDICATORS:
            udf = {c.column for c in ws[1] if c.value in UDF_HEADERS}
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in ERRORS and c.column not in udf:
                    out.append(f"{ws.title}!{c.coordinate}={c.value}")
    return out


def recalc_all(paths: list[Path], outdir: Path) -> dict[Path, Path]:
    """One LibreOffice run recalculating every file (forced full recalculation, see tests/libreoffice.py)."""
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        src = Path(profile) / "in"
        src.mkdir()
        copies = []
        for p in paths:
            copies.append(src / p.name)
            shutil.copyfile(p, copies[-1])
        cmd = [soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), *map(str, copies)]
        subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    return {p: outdir / (p.stem + ".xlsx") for p in paths}


def with_realisasi(good: Path, out: Path) -> None:
    """The good master with realisasi in every quarter of the number and index rows, so that capaian and
    roll-up formulas compute (Indikator S..V = Realisasi TW1..TW4)."""
    wb = openpyxl.load_workbook(good, keep_vba=True)
    ws = wb["Indikator"]
    for row, values in {2: (70.5, 70.8, 71.0, 71.2), 4: (10, 12, 15, 13), 5: (2.0, 2.1, 2.1, 2.2),
                        6: (5.9, 6.0, 6.0, 6.1), 8: (40, 55, 60, 50), 9: (1.2, 1.0, 0.9, 0.8)}.items():
        for col, v in enumerate(values, start=19):
            ws.cell(row, col).value = v
    wb.save(out)


CORPUS = [Case("utuh", lambda good, out: shutil.copyfile(good, out), 0, ()), *WORKBOOK_CORPUS, *REPAIR_CORPUS]
#: Texts a unit sheet shows when the master and its formulas disagree (sheets/plan.py): not error values, but
#: as wrong (item 13: "the P03 sheet says USANG for ever").
STALE = ("USANG", "tidak ditemukan")


def stale_cells(values: openpyxl.Workbook) -> list[str]:
    return [f"{ws.title}!{c.coordinate}" for ws in values.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and any(w in c.value for w in STALE) and ws.title != "Temuan"]


@requires_libreoffice
def test_no_error_value_after_regenerate_unless_check_reports_a_galat(good: Path, tmp_path: Path) -> None:
    """Every corpus workbook, damaged from the good master with realisasi in every quarter (so that the
    capaian, cap and roll-up formulas compute), is regenerated; a refusal leaves the file as it was; the
    result, recalculated by LibreOffice, shows no error value (and no USANG / not-found text) unless
    `check` reports a galat for it."""
    base = tmp_path / "base.xlsm"
    with_realisasi(good, base)
    regenerated: list[Path] = []
    for case in CORPUS:
        path = build(case, base, tmp_path)
        before = path.read_bytes()
        try:
            regenerate(path)
        except UserError:
            assert path.read_bytes() == before, case.name  # refused: nothing written
            continue
        regenerated.append(path)
    assert len(regenerated) >= len(REPAIR_CORPUS) + 1
    recalculated = recalc_all(regenerated, tmp_path / "lo")
    wrong = {}
    for path, values in recalculated.items():
        assert values.exists(), f"LibreOffice did not convert {path.name}"
        book = openpyxl.load_workbook(values, data_only=True)
        errors = error_cells(book) + stale_cells(book)
        if errors and not run_check(path).has_errors:
            wrong[path.stem] = errors[:10]
    assert wrong == {}


def test_a_value_typed_over_the_quarter_in_force_gets_its_formula_back(good: Path, tmp_path: Path) -> None:
    """Pengaturan "Triwulan Laporan Berlaku" overwritten with 2 while "Laporan s.d. Triwulan" says 4:
    regenerate writes the formula back, and the cell (so every sheet) shows 4 again."""
    path = build(by_name("triwulan_berlaku_ditimpa"), good, tmp_path)
    assert openpyxl.load_workbook(path)["Pengaturan"]["B12"].value == 4
    result = regenerate(path)
    assert "rumus Pengaturan!B15" in result.repaired
    wb = openpyxl.load_workbook(path)
    assert wb["Pengaturan"]["B15"].value == "=IF(ISNUMBER(setTriwulanLaporan),setTriwulanLaporan,4)"
    assert openpyxl.load_workbook(path, data_only=True)["Pengaturan"]["B15"].value == 4


def test_a_renstra_row_below_its_table_is_named_and_the_table_extended(tmp_path: Path) -> None:
    """The SAKIP year's tables are checked as the master's (integrity.TABLES): a Renstra row typed below
    tblRenstra was read by check but not by the Evaluasi Renja's formulas, with no finding."""
    from xl_sakip.book.integrity import damages
    from xl_sakip.build import SHIPPED_WORKBOOK
    from xl_sakip.evaluation import C_ID, EVALUATION_SHEET, PAIRS

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED_WORKBOOK, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[s.SHEET_RENSTRA]
    assert ws.tables[s.TABLE_RENSTRA].ref == "A1:D2"
    ws["A2"], ws["B2"], ws["C2"] = "P01-1.1", 2026, 80
    ws["A3"], ws["B3"], ws["C3"] = "P02-1.1", 2026, 90  # below the table
    wb.save(path)
    found = [(d.code, d.sheet) for d in damages(openpyxl.load_workbook(path))]
    assert found == [("TABEL_RUSAK", s.SHEET_RENSTRA)]
    result = regenerate(path)
    assert result.findings["galat"] == 0 and any("tblRenstra" in r for r in result.repaired)
    form = openpyxl.load_workbook(path, data_only=True)[EVALUATION_SHEET]
    shown = {form.cell(r, C_ID).value: form.cell(r, PAIRS[1][0]).value for r in range(8, form.max_row + 1)}
    assert (shown["P01-1.1"], shown["P02-1.1"]) == (80, 90)  # the targets typed, Renstra's final year


def test_a_missing_or_renamed_year_table_names_the_formulas_that_read_it(tmp_path: Path) -> None:
    """tblRenstra and tblRiwayat are read by the Evaluasi Renja's and LKjIP's formulas, not the unit
    sheets' (integrity.TableSpec.readers): the finding says which, and regenerate puts the table back."""
    from xl_sakip.book.integrity import damages
    from xl_sakip.build import SHIPPED_WORKBOOK

    path = tmp_path / "book.xlsm"
    shutil.copyfile(SHIPPED_WORKBOOK, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    del wb[s.SHEET_RENSTRA].tables[s.TABLE_RENSTRA]
    history = wb[s.SHEET_HISTORY]
    table = history.tables.pop(s.TABLE_HISTORY)
    table.name = table.displayName = "tblHist"
    history.add_table(table)
    wb.save(path)
    found = {d.sheet: d.message for d in damages(openpyxl.load_workbook(path))}
    assert set(found) == {s.SHEET_RENSTRA, s.SHEET_HISTORY}
    assert "'tblRenstra' yang dipakai rumus sheet Evaluasi Renja dan LKjIP;" in found[s.SHEET_RENSTRA]
    assert "padahal rumus sheet Evaluasi Renja dan LKjIP memakai nama 'tblRiwayat'" in found[s.SHEET_HISTORY]
    result = regenerate(path)
    assert result.findings["galat"] == 0
    after = openpyxl.load_workbook(path)
    assert (list(after[s.SHEET_RENSTRA].tables), list(after[s.SHEET_HISTORY].tables)) == (
        [s.TABLE_RENSTRA], [s.TABLE_HISTORY])
