"""Serapan anggaran and efficiency (issue 15) on the demo workbook's sample data, worked out by hand.

Sample budget: xl_sakip/data/sample_anggaran_2023.csv; sample realisasi: sample_realisasi_2023.csv; targets
from the 2023 master. Capaian by hand (R / T x 100, jumlah adds the quarters, persen takes the latest):
- P20: P20-1.1 85,0 / 100 = 85 %. Sub kegiatan 2.07.06.1.02.0002: pagu 220 jt, realisasi 50+50+60+55 =
  215 jt, serapan 97,7273 %.
- P21: P21-1.1 (34+42+42+50) / 150 = 112 %, P21-2.1 (97+121+121+146) / 500 = 97 %, mean 104,5 %. Sub kegiatan
  .0003: pagu 260 jt, realisasi 60+60+60+40 = 220 jt, serapan 84,6154 %.
- P16: P16-1.1 61,6 / 55 = 112 %, P16-2.1 (1+1+1+2) / 5 = 100 %, mean 106 %. Pagu 900 jt, realisasi 850 jt,
  serapan 94,4444 %.
- P06: P06-1.1 (156+195+195+234) / 1000 = 78 %, P06-1.2 (122+153+184) / 600 = 76,5 % (TW3 missing), mean
  77,25 %. Pagu 400 jt, realisasi 380 jt, serapan 95 %.
- P13: P13-1.1 15,6 / 20 = 78 %, P13-1.2 61,2 / 60 = 102 %, P13-1.3 407 / 388 = 104,8969 %, mean 94,9656 %.
  Its kegiatan 2.21.02.1.01 holds its sub kegiatan: pagu perubahan 450 jt (not the pagu 600 jt), realisasi
  50+100+120+144 = 414 jt, serapan 92 %.
"""

from __future__ import annotations

import pytest

from xl_sakip.book.reader import read_master
from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.core.efficiency import budget_layout, position_figures
from xl_sakip.core.models import Cascade
from xl_sakip.sample import apply_sample

JT = 1_000_000


@pytest.fixture(scope="module")
def demo() -> Cascade:
    return apply_sample(read_master(SHIPPED_WORKBOOK))


# code: (pagu, realisasi, serapan, capaian, capaian - serapan rounded, band)
BY_HAND = {
    "P20": (220 * JT, 215 * JT, 215 / 220 * 100, 85.0, -12.73, "kurang efisien"),
    "P21": (260 * JT, 220 * JT, 220 / 260 * 100, 104.5, 19.88, "efisien"),
    "P16": (900 * JT, 850 * JT, 850 / 900 * 100, 106.0, 11.56, "efisien"),
    "P06": (400 * JT, 380 * JT, 95.0, 77.25, -17.75, "kurang efisien"),
    "P13": (450 * JT, 414 * JT, 92.0, (78 + 102 + 407 / 388 * 100) / 3, 2.97, "cukup"),
}


@pytest.mark.parametrize("code", list(BY_HAND))
def test_serapan_and_capaian_minus_serapan_by_hand(demo: Cascade, code: str) -> None:
    pagu, spent, ser, cap, gap, band = BY_HAND[code]
    total = position_figures(demo, code).total
    assert (total.pagu, total.spent) == (pagu, spent)
    assert total.serapan == pytest.approx(ser, abs=1e-9)
    assert total.capaian == pytest.approx(cap, abs=1e-9)
    assert (total.value, total.label) == (gap, band)


def test_the_kegiatan_holds_its_sub_kegiatan_once(demo: Cascade) -> None:
    # P13 is responsible for the kegiatan and for the sub kegiatan inside it: listed once, by the kegiatan.
    assert [b.code for b in budget_layout(demo, "P13").rows] == ["2.21.02.1.01"]
    # P04 (Kabid Latpenta) has two kegiatan: 750 jt (pagu perubahan of P05's) + 400 jt (P06's).
    figures = position_figures(demo, "P04")
    assert [(r.code, r.pagu, r.spent) for r in figures.rows] == [
        ("2.07.03.1.01", 750 * JT, 720 * JT), ("2.07.04.1.01", 400 * JT, 380 * JT)]
    assert figures.total.serapan == pytest.approx(1100 / 1150 * 100)


def test_the_kepala_dinas_has_the_whole_budget(demo: Cascade) -> None:
    # Every sub kegiatan, each with its pagu in force (perubahan for P05 750, P11 520, P13 450):
    pagu = (1200 + 750 + 200 + 900 + 450 + 400 + 250 + 300 + 520 + 350 + 180 + 220 + 260 + 450) * JT
    spent = (1150 + 720 + 195 + 850 + 400 + 380 + 225 + 240 + 500 + 300 + 130 + 215 + 220 + 414) * JT
    total = position_figures(demo, "P01").total
    assert (total.pagu, total.spent) == (pagu, spent)


def test_eka_by_hand(demo: Cascade) -> None:
    demo = demo.model_copy(deep=True)
    demo.settings.efficiency_formula = "EKA"
    # P20: one sasaran, E = (1 - 97,7273 / 85) x 100 = -14,9733; nilai = 50 + E / 20 x 50 = 12,57.
    p20 = position_figures(demo, "P20").total
    assert p20.eka == pytest.approx((1 - (215 / 220 * 100) / 85) * 100)
    assert (p20.value, p20.label) == (12.57, "")
    # P21: its row supports P21-1.1 (sasaran 1, capaian 112): E = (1 - 84,6154 / 112) x 100 = 24,4505;
    # nilai = 50 + 24,4505 / 20 x 50 = 111,13.
    p21 = position_figures(demo, "P21")
    assert len(p21.sasaran) == 1 and p21.sasaran[0].capaian == pytest.approx(112)
    assert p21.total.value == 111.13


def test_unspent_budget_where_the_target_was_met(demo: Cascade) -> None:
    demo = demo.model_copy(deep=True)
    demo.settings.efficiency_formula = "sisa anggaran"
    p21 = position_figures(demo, "P21").total  # capaian 104,5 >= 100: 100 - 84,6154 = 15,38
    assert (p21.value, p21.label) == (15.38, "target tercapai")
    p20 = position_figures(demo, "P20").total  # capaian 85: no value
    assert p20.value == "target belum tercapai: tidak ada sisa anggaran yang dinilai" and p20.label == ""


def test_serapan_follows_the_reporting_quarter(demo: Cascade) -> None:
    demo = demo.model_copy(deep=True)
    demo.settings.reporting_quarter = 2
    p20 = position_figures(demo, "P20").total  # TW1 + TW2 = 100 jt of 220 jt
    assert p20.spent == 100 * JT and p20.serapan == pytest.approx(100 / 220 * 100)


def test_no_pagu_is_a_reason_not_a_zero(demo: Cascade) -> None:
    demo = demo.model_copy(deep=True)
    demo.budget = [b.model_copy(update={"pagu": None, "pagu_perubahan": None}) for b in demo.budget]
    total = position_figures(demo, "P20").total
    assert total.serapan == "pagu 0 atau belum diisi" and total.value == ""


# ------------------------------------------------------------------ the unit sheets: formulas, cache, LO


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory):
    from xl_sakip.build import make_demo

    path = tmp_path_factory.mktemp("demo") / "Contoh.xlsm"
    make_demo(SHIPPED_WORKBOOK, path)
    return path


def _total_line(ws) -> dict[str, object]:
    """The position's line of the efficiency table (column B says so): Capaian D, Pagu E, Realisasi F,
    Serapan G, Efisiensi I, Keterangan C."""
    from xl_sakip.sheets.unit_budget import TOTAL_LABEL

    r = next(c.row for c in ws["B"] if c.value == TOTAL_LABEL)
    return {"capaian": ws[f"D{r}"].value, "pagu": ws[f"E{r}"].value, "spent": ws[f"F{r}"].value,
            "serapan": ws[f"G{r}"].value, "value": ws[f"I{r}"].value, "label": ws[f"C{r}"].value}


def _sheet(wb, code: str):
    return next(wb[n] for n in wb.sheetnames if n.split(" ")[0] == code)


def test_unit_sheets_hold_formulas_whose_cached_values_are_the_hand_figures(demo_book) -> None:
    import openpyxl

    formulas = openpyxl.load_workbook(demo_book)
    cached = openpyxl.load_workbook(demo_book, data_only=True)
    for code, (pagu, spent, ser, cap, gap, band) in BY_HAND.items():
        line = _total_line(cached[_sheet(cached, code).title])
        assert (line["pagu"], line["spent"], line["value"], line["label"]) == (pagu, spent, gap, band), code
        assert line["serapan"] == pytest.approx(ser) and line["capaian"] == pytest.approx(cap)
        text = _total_line(formulas[_sheet(formulas, code).title])
        assert str(text["serapan"]).startswith("=IF(AND(ISNUMBER(")  # a native formula, not a value
        assert "setRumusEfisiensi" in str(text["value"])


def test_the_engine_equals_the_cached_values_on_every_position(demo_book, demo: Cascade) -> None:
    import openpyxl

    cached = openpyxl.load_workbook(demo_book, data_only=True)
    for p in demo.positions:
        total = position_figures(demo, p.code).total
        line = _total_line(_sheet(cached, p.code))
        assert line["pagu"] == total.pagu and line["spent"] == total.spent, p.code
        assert line["value"] == total.value and (line["label"] or "") == (total.label or ""), p.code


def test_libreoffice_recalculates_the_same_figures(demo_book) -> None:
    from tests.libreoffice import recalc_values, soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    import openpyxl

    cached = openpyxl.load_workbook(demo_book, data_only=True)
    lo = recalc_values(demo_book)
    for code in (*BY_HAND, "P01", "P04"):
        a, b = _total_line(_sheet(cached, code)), _total_line(_sheet(lo, code))
        assert a.keys() == b.keys()
        for k in a:
            same = a[k] == pytest.approx(b[k]) if isinstance(a[k], float) else (a[k] or "") == (b[k] or "")
            assert same, (code, k, a[k], b[k])


def test_the_dasbor_shows_each_positions_line_by_reference(demo_book) -> None:
    import openpyxl

    from xl_sakip.dashboard import BUDGET_HEADS

    formulas = openpyxl.load_workbook(demo_book)["Dasbor"]
    ws = openpyxl.load_workbook(demo_book, data_only=True)["Dasbor"]
    head = next(c.row for c in ws["A"] if c.value == BUDGET_HEADS[0] and ws.cell(c.row, 3).value ==
                BUDGET_HEADS[2])
    lines = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(3, 9)]
             for r in range(head + 1, head + 22)}
    for code, (pagu, spent, ser, cap, gap, band) in BY_HAND.items():
        got = lines[code]
        assert (got[0], got[1], got[4], got[5]) == (pagu, spent, gap, band)
        assert got[2] == pytest.approx(ser) and got[3] == pytest.approx(cap)
    r20 = next(r for r in range(head + 1, head + 22) if ws.cell(r, 1).value == "P20")
    assert str(formulas.cell(r20, 7).value).startswith("='P20")  # a reference to the unit sheet
    assert "rumus efisiensi: capaian-serapan" in ws.cell(head - 1, 1).value


def test_a_budget_row_whose_code_left_anggaran_says_so(demo_book, tmp_path) -> None:
    """P03's sub kegiatan 2.07.01.1.06.0001 renamed on Anggaran after regenerate: the unit sheet's row of
    that code names no budget line any more, and says so in the word of core/words.py (both engines)."""
    import openpyxl

    from tests.libreoffice import recalc_values, soffice
    from xl_sakip.book.package import save_workbook
    from xl_sakip.book.values import cached_values
    from xl_sakip.core import words as w
    from xl_sakip.sheets.unit_budget import B_KODE, B_NAMA

    code = "2.07.01.1.06.0001"
    wb = openpyxl.load_workbook(demo_book, keep_vba=True)
    unit = _sheet(wb, "P03").title
    row = next(c.row for c in wb[unit]["B"] if c.value == code and c.column == B_KODE)
    assert cached_values(wb, [unit])[unit][(row, B_NAMA)] == "Penyediaan Bahan Logistik dan Jasa Umum Kantor"
    anggaran = wb["Anggaran"]
    cell = next(c for c in anggaran["B"] if c.value == code)
    cell.value = "2.07.01.1.06.9999"
    gone = cached_values(wb, [unit])[unit][(row, B_NAMA)]
    assert gone == w.BUDGET_CODE_UNKNOWN == "kode tidak ada di Anggaran"
    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    path = save_workbook(wb, tmp_path / "renamed.xlsm")
    assert recalc_values(path, tmp_path / "lo")[unit].cell(row, B_NAMA).value == w.BUDGET_CODE_UNKNOWN
