"""LKjIP Bab III: the generated sheet (cached values, LibreOffice) and `xl-sakip lkjip --pdf`.

The demo workbook with, for the Kepala Dinas (P01), what a planner types into the year sheets:
- Riwayat: P01-1.1 realisasi 2021 = 60,5 and 2022 = 63,2; P01-2.1 2022 = 30 (2021 not typed: empty);
- Renstra: P01-1.1 2024 = 72, 2026 = 75 (the final year: target akhir 75); P01-2.1 2026 = 46;
- Narasi: P01-1.1 TW4: pendukung "pelatihan berbasis kompetensi", penghambat "data BPS terlambat",
  upaya "koordinasi dengan BPS"; a TW2 row that must not show at TW4.

By hand, at TW4 (sample realisasi, xl_sakip/data/sample_realisasi_2023.csv):
- P01-1.1: realisasi 65,14 (its own: the pendukung cover only part of 71,10); capaian 65,14 / 71,10 x 100 =
  91,6174...; Sangat Tinggi (90-100); against the Renstra 65,14 / 75 x 100 = 86,8533...
- P01-2.1: realisasi 36,8 (TW4); capaian 36,8 / 40 x 100 = 92; against the Renstra 36,8 / 46 x 100 = 80.
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip import lkjip as lk
from xl_sakip.book.reader import read_master
from xl_sakip.build import SHIPPED_WORKBOOK, make_demo, write_with_sheets
from xl_sakip.cli import app
from xl_sakip.core.models import Narrative, PastYear, RenstraTarget

EXPECTED = {  # id -> column -> value, by hand (module docstring)
    "P01-1.1": {lk.C_R2: 60.5, lk.C_R1: 63.2, lk.C_TARGET: 71.1, lk.C_REALISASI: 65.14,
                lk.C_CAPAIAN: 65.14 / 71.1 * 100, lk.C_KATEGORI: "Sangat Tinggi", lk.C_RENSTRA: 75.0,
                lk.C_CAP_RENSTRA: 65.14 / 75 * 100, lk.C_PENDUKUNG: "pelatihan berbasis kompetensi",
                lk.C_PENGHAMBAT: "data BPS terlambat", lk.C_UPAYA: "koordinasi dengan BPS"},
    "P01-2.1": {lk.C_R2: None, lk.C_R1: 30.0, lk.C_TARGET: 40.0, lk.C_REALISASI: 36.8, lk.C_CAPAIAN: 92.0,
                lk.C_KATEGORI: "Sangat Tinggi", lk.C_RENSTRA: 46.0, lk.C_CAP_RENSTRA: 80.0,
                lk.C_PENDUKUNG: None, lk.C_PENGHAMBAT: None, lk.C_UPAYA: None},
}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("lkjip")
    demo = make_demo(SHIPPED_WORKBOOK, tmp / "Contoh.xlsm")
    cascade = read_master(demo)
    cascade.history = [PastYear(id="P01-1.1", year=2021, realisasi=60.5),
                       PastYear(id="P01-1.1", year=2022, realisasi=63.2),
                       PastYear(id="P01-2.1", year=2022, realisasi=30)]
    cascade.renstra = [RenstraTarget(id="P01-1.1", year=2024, target=72),
                       RenstraTarget(id="P01-1.1", year=2026, target=75),
                       RenstraTarget(id="P01-2.1", year=2026, target=46)]
    cascade.narratives = [
        Narrative(id="P01-1.1", quarter=4, pendukung="pelatihan berbasis kompetensi",
                  penghambat="data BPS terlambat", upaya="koordinasi dengan BPS"),
        Narrative(id="P01-1.1", quarter=2, penghambat="bukan triwulan laporan")]
    out = tmp / "LKjIP.xlsm"
    write_with_sheets(cascade, out)
    return out


def _rows(ws) -> dict[str, dict[int, object]]:
    return {ws.cell(r, lk.C_ID).value: {c: ws.cell(r, c).value for c in range(1, lk.N_COLS + 1)}
            for r in range(lk.FIRST_ROW, ws.max_row + 1) if ws.cell(r, lk.C_ID).value}


def _check(rows: dict[str, dict[int, object]]) -> None:
    assert set(rows) == set(EXPECTED)  # every indicator of the root, nothing else
    for iid, want in EXPECTED.items():
        for col, v in want.items():
            got = rows[iid][col]
            if isinstance(v, float):
                assert isinstance(got, int | float) and math.isclose(got, v, rel_tol=1e-9), (iid, col, got)
            else:
                assert (got or None) == v, (iid, col, got)


def test_sheet_cached_values(book: Path) -> None:
    wb = openpyxl.load_workbook(book, data_only=True)
    assert lk.SHEET in wb.sheetnames
    ws = wb[lk.SHEET]
    _check(_rows(ws))
    assert ws.cell(lk.HEADER_ROW, lk.C_R2).value == "Realisasi 2021"
    assert ws["A1"].value == "PENGUKURAN KINERJA TAHUN 2023 S.D. TW 4 (LKjIP BAB III)"
    formulas = openpyxl.load_workbook(book)[lk.SHEET]
    assert str(formulas.cell(lk.FIRST_ROW, lk.C_CAPAIAN).value).startswith("=")  # native formulas
    assert (formulas.page_setup.orientation, formulas.page_setup.paperSize) == ("landscape", 9)  # A4


@requires_libreoffice
def test_libreoffice_recalculation(book: Path, tmp_path: Path) -> None:
    _check(_rows(recalc_values(book, tmp_path)[lk.SHEET]))


@requires_libreoffice
def test_pdf_holds_every_indicator_of_the_root(book: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lkjip", str(book), "--pdf", str(tmp_path / "pdf")])
    assert result.exit_code == 0, result.output
    (pdf,) = (tmp_path / "pdf").glob("*.pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    cascade = read_master(book)
    root = [i for i in cascade.indicators if i.position == "P01"]
    assert root and all(" ".join(i.indikator.split()) in text for i in root), text[:2000]
    assert "Realisasi 2022" in text and "data BPS terlambat" in text
    assert "86,85" in text or "86.85" in text  # 65,14 / 75 x 100 against the Renstra


@requires_libreoffice
def test_pdf_of_another_position_and_a_wrong_code(book: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lkjip", str(book), "--position", "P04", "--pdf", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (pdf,) = tmp_path.glob("*P04*.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    for ind in (i for i in read_master(book).indicators if i.position == "P04"):
        assert " ".join(ind.indikator.split()) in text
    result = CliRunner().invoke(app, ["lkjip", str(book), "--position", "P99", "--pdf", str(tmp_path)])
    assert result.exit_code == 2 and "P99" in result.output


def test_row_heights_find_the_ids_as_the_formulas_do() -> None:
    """The Narasi and Renstra cells find an ID with "=", ignoring case: a row whose narrative is typed
    under the ID in lower case shows that narrative (a long pendukung: a taller row), and one whose Renstra
    row is in lower case does not show "tidak dapat dihitung: ..." (no Renstra). Heights are those of the
    same rows typed with the ID as written in Indikator."""
    cascade = read_master(SHIPPED_WORKBOOK)
    code = lk.root_of(cascade).code
    plan = lk.plan_lkjip(cascade, code, {})
    first = next(i for i in cascade.indicators if i.position == code).id
    row = next(r for r, cells in enumerate(plan.cells, start=1) if cells[lk.C_ID - 1] == first)
    q = cascade.settings.reporting_quarter
    long_text = "kendala anggaran dan sumber daya manusia di lapangan " * 4

    def height(ind_id: str, renstra: bool) -> float | None:
        c = cascade.model_copy(deep=True)
        c.narratives = [Narrative(id=ind_id, quarter=q, pendukung=long_text)]
        c.renstra = [RenstraTarget(id=ind_id, year=2026, target=1)] if renstra else []
        return lk.plan_lkjip(c, code, {}).row_heights.get(row)

    plain = plan.row_heights.get(row)
    assert height(first, True) is not None and height(first, True) > (plain or 0)
    assert height(first.lower(), True) == height(first, True)
    assert height(first.lower(), False) == height(first, False)
    # without the narrative, a lower-case Renstra row is found as well: the row keeps its plain height
    c = cascade.model_copy(deep=True)
    c.renstra = [RenstraTarget(id=first.lower(), year=2026, target=1)]
    no_renstra = c.model_copy(deep=True)
    no_renstra.renstra = []
    assert lk.plan_lkjip(c, code, {}).row_heights.get(row) != lk.plan_lkjip(no_renstra, code, {}
                                                                                 ).row_heights.get(row)
