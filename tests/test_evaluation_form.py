"""The Permendagri 86/2017 evaluation form (issue 15): a generated, printable sheet kind with K/Rp pairs per
indicator and the footer rows, on the demo with some Renstra, Riwayat and Narasi rows added.

By hand:
- P21-1.1 (jumlah, target 150 perusahaan): Renstra 2026 (final) 900; Riwayat 2021 120, 2022 140 -> (2) 260;
  this year 34+42+42+50 = 168 -> (10) 428; (11) 428 / 900 = 47,5556 %. Rp: its sub kegiatan
  2.07.06.1.02.0003: (3) 260 jt, (4)-(7) 60/60/60/40 jt, (8) 220 jt, (9) 84,6154 %.
- P20-1.1 (persen, terakhir, target 100 %): Renstra 2026 100; Riwayat 2022 80 -> (2) 80 (last year's); this
  year 85 -> (10) 85; (11) 85 %.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book.reader import read_master
from xl_sakip.build import SHIPPED_WORKBOOK, _write_with_sheets
from xl_sakip.core.evaluation_form import figures
from xl_sakip.core.models import Cascade, Narrative, PastYear, RenstraTarget
from xl_sakip.evaluation import C_ID, C_PROGRAM, EVALUATION_SHEET, FIRST_ROW, PAIRS
from xl_sakip.sample import apply_sample

JT = 1_000_000


@pytest.fixture(scope="module")
def demo() -> Cascade:
    c = apply_sample(read_master(SHIPPED_WORKBOOK))
    c.renstra = [RenstraTarget(id="P21-1.1", year=y, target=t) for y, t in
                 ((2022, 140), (2023, 150), (2024, 160), (2025, 200), (2026, 900))]
    c.renstra += [RenstraTarget(id="P20-1.1", year=2026, target=100)]
    c.history = [PastYear(id="P21-1.1", year=2021, realisasi=120),
                 PastYear(id="P21-1.1", year=2022, realisasi=140),
                 PastYear(id="P20-1.1", year=2022, realisasi=80)]
    c.narratives = [Narrative(id="P20-1.1", quarter=4, penghambat="kasus tertunda di pengadilan",
                              upaya="koordinasi dengan PHI"),
                    Narrative(id="P20-1.1", quarter=3, penghambat="bukan triwulan laporan")]
    return c


@pytest.fixture(scope="module")
def book(demo: Cascade, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("form") / "Contoh.xlsm"
    _write_with_sheets(demo, path)
    return path


def _line(ws, iid: str) -> dict[str, object]:
    r = next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, C_ID).value == iid)
    out = {f"K{k}": ws.cell(r, PAIRS[k][0]).value for k in PAIRS}
    out |= {f"Rp{k}": ws.cell(r, PAIRS[k][1]).value for k in PAIRS}
    out["program"] = ws.cell(r, C_PROGRAM).value
    return out


BY_HAND = {
    "P21-1.1": {"K1": 900, "K2": 260, "K3": 150, "K8": 168, "K10": 428, "K11": 428 / 900 * 100,
                "Rp3": 260 * JT, "Rp4": 60 * JT, "Rp5": 60 * JT, "Rp6": 60 * JT, "Rp7": 40 * JT,
                "Rp8": 220 * JT, "Rp9": 220 / 260 * 100,
                "Rp1": None, "Rp2": None, "Rp10": None, "Rp11": None},
    "P20-1.1": {"K1": 100, "K2": 80, "K3": 100, "K8": 85, "K9": 85, "K10": 85, "K11": 85, "Rp8": 215 * JT},
}


def test_cached_values_are_the_hand_figures(book: Path) -> None:
    ws = openpyxl.load_workbook(book, data_only=True)[EVALUATION_SHEET]
    for iid, want in BY_HAND.items():
        got = _line(ws, iid)
        for k, v in want.items():
            ok = got[k] == pytest.approx(v) if v is not None else got[k] is None
            assert ok, (iid, k, got[k])
    program = "2.07.06.1.02.0003 Pelayanan Higiene Perusahaan dan Kesehatan Kerja"
    assert _line(ws, "P21-1.1")["program"] == program


def test_the_engine_gives_the_same_figures(book: Path, demo: Cascade) -> None:
    ws = openpyxl.load_workbook(book, data_only=True)[EVALUATION_SHEET]
    for iid in ("P21-1.1", "P20-1.1", "P01-1.1", "P06-1.2"):
        ind = next(i for i in demo.indicators if i.id == iid)
        line = _line(ws, iid)
        f = figures(demo, ind, line["K8"])
        # "" (a formula that found nothing) reads back as an empty cell
        assert [_n(v) for v in (f.renstra, f.past, f.cumulative, f.capaian_renstra)] == [
            _n(line[k]) for k in ("K1", "K2", "K10", "K11")], iid
        assert [f.pagu, *f.spent_q, f.spent, f.serapan] == [line[f"Rp{k}"] or 0 for k in range(3, 10)] or \
            not line["program"], iid


def _n(v: object) -> object:
    return None if v in ("", None) else v


def test_libreoffice_recalculates_the_same(book: Path) -> None:
    from tests.libreoffice import recalc_values, soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    cached = openpyxl.load_workbook(book, data_only=True)[EVALUATION_SHEET]
    lo = recalc_values(book)[EVALUATION_SHEET]
    for r in range(1, cached.max_row + 1):
        for c in range(1, C_ID + 1):
            a, b = cached.cell(r, c).value, lo.cell(r, c).value
            assert (a == pytest.approx(b)) if isinstance(a, float) else (a or "") == (b or ""), (r, c, a, b)


def test_footer_rows_and_print_setup(book: Path) -> None:
    ws = openpyxl.load_workbook(book)[EVALUATION_SHEET]
    last = ws.max_row
    assert [ws.cell(r, 2).value for r in (last - 2, last - 1, last)] == [
        "Faktor pendorong keberhasilan pencapaian", "Faktor penghambat pencapaian kinerja",
        "Tindak lanjut yang diperlukan pada triwulan atau tahun berikutnya"]
    assert ws.cell(last - 1, 4).value == "P20-1.1: kasus tertunda di pengadilan"  # TW4 only
    assert ws.cell(last, 4).value == "P20-1.1: koordinasi dengan PHI"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A3)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$5:$7"


def test_rows_are_as_tall_as_the_texts_their_references_show(book: Path) -> None:
    """Sasaran, Indikator and Satuan are references to the unit sheet: the row is sized by the texts they
    will show, not as one line (the print overlapped before). P21-1.1's sasaran, "Terciptanya kondisi
    lingkungan kerja yang higienis, aman dan nyaman agar tenaga kerja bekerja di perusahaan selamat dan
    produktif", wrapped greedily at 25 characters (column width 26): "Terciptanya kondisi" /
    "lingkungan kerja yang" / "higienis, aman dan nyaman" / "agar tenaga kerja bekerja" /
    "di perusahaan selamat dan" / "produktif": 6 lines of 15 pt plus 3 pt = 93 pt. Its program text takes
    3 lines, its indikator 3 (of 33 characters)."""
    ws = openpyxl.load_workbook(book)[EVALUATION_SHEET]
    r = next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, C_ID).value == "P21-1.1")
    assert ws.cell(r, 2).value.startswith("=")  # a reference, not the text itself
    assert ws.row_dimensions[r].height == 93


def test_the_body_is_made_when_read_and_not_kept(demo: Cascade) -> None:
    """Issue 13, memory: the Evaluasi Renja's rows of rule trees are made when a writer reads them
    (sheets/plan.MadeRows), equal each time, and none is kept by the plan."""
    from xl_sakip.evaluation import C_INDIKATOR, C_NO, plan_evaluation
    from xl_sakip.sheets import unit_layout as ul
    from xl_sakip.sheets.plan import Formula, MadeRows

    units = {p.code: f"U {p.code}" for p in demo.positions}
    plan = plan_evaluation(demo, units)
    assert isinstance(plan.cells, MadeRows)
    first, last = plan.stream or (0, 0)
    assert last - first + 1 == len(demo.indicators) == 94  # every indicator of the shipped seed has a row
    assert all(row is None for row in plan.cells._rows[FIRST_ROW - 1:last])
    row = plan.cells[FIRST_ROW - 1]
    assert row == plan.cells[FIRST_ROW - 1] and row is not plan.cells[FIRST_ROW - 1]
    # By hand: the first body row is P01's first indicator, number 1, its text read from the first body row
    # of P01's unit sheet, whose column C is headed "Indikator Kinerja"
    first_ind = next(i for i in demo.indicators if i.position == demo.positions[0].code)
    assert row[C_NO - 1] == 1 and row[C_ID - 1] == first_ind.id
    assert ul.UNIT_HEADERS[3] == "Indikator Kinerja"
    want = f"='U {demo.positions[0].code}'!$C${ul.FIRST_BODY_ROW}"
    assert isinstance(row[C_INDIKATOR - 1], Formula) and row[C_INDIKATOR - 1].text == want
    plan.cells[FIRST_ROW - 1] = []  # released by the writer: nothing kept, the row is made again
    assert plan.cells[FIRST_ROW - 1] == row
    assert plan.cells[: FIRST_ROW - 1] == [plan.cells[k] for k in range(FIRST_ROW - 1)]
    assert plan.cells[-1] == plan.cells[len(plan.cells) - 1]


def test_a_capaian_reason_wraps_in_its_column_and_sizes_the_row(tmp_path: Path) -> None:
    """Column (9) K shows the unit sheet's capaian or, without realisasi, why there is none; in print the
    reason ran over the Rp cell beside it on every row of the shipped workbook. Now it wraps in a column as
    wide as the unit sheet's Capaian (22) and the row is as tall as the reason. The shipped master has no
    realisasi: P01-1.1's pendukung cover part of its target, so it reads "tidak dapat dihitung: pendukung
    hanya mencakup sebagian target dan realisasi sendiri belum diisi", wrapped greedily at 21 characters:
    "tidak dapat dihitung:" / "pendukung hanya" / "mencakup sebagian" / "target dan realisasi" /
    "sendiri belum diisi": 5 lines of 15 pt plus 3 pt = 78 pt (its other texts take 3 lines)."""
    path = tmp_path / "Kosong.xlsm"
    _write_with_sheets(read_master(SHIPPED_WORKBOOK), path)
    ws = openpyxl.load_workbook(path)[EVALUATION_SHEET]
    cached = openpyxl.load_workbook(path, data_only=True)[EVALUATION_SHEET]
    r = next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, C_ID).value == "P01-1.1")
    k9 = ws.cell(r, PAIRS[9][0])
    assert cached.cell(r, PAIRS[9][0]).value == ("tidak dapat dihitung: pendukung hanya mencakup sebagian "
                                                 "target dan realisasi sendiri belum diisi")
    assert k9.alignment.wrap_text and not ws.cell(r, PAIRS[9][1]).alignment.wrap_text
    assert ws.column_dimensions[k9.column_letter].width == 22
    assert ws.row_dimensions[r].height == 78
