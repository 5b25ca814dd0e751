"""The four places where the core and the unit sheets used to disagree (issue 10), worked out by hand.

Each figure is checked three ways: the core (xl_sakip.core, as check, the UDFs and the pohon kinerja use
it), the cached value regenerate writes into the unit sheet, and LibreOffice's full recalculation of it.

1. Custom bands the band check accepts: 0–50, 50–65, 65–75, 75–90, 90–(open), no above-target label.
   Capaian 120 lies in the open top band; capaian −50 lies in no band (the lowest band starts at 0).
2. A capaian on a band edge: 63,99 / 71,10 × 100 = 90 as shown (IEEE: 90.00000000000001); the category is
   chosen on the value rounded to 2 decimals, so 90 is "Tinggi" (75 < 90 ≤ 90), everywhere.
3. A count with a quarter missing: quarterly targets 10/20/30/40, realisasi 10, –, 15, –: of what was
   reported, (10 + 15) / (10 + 30) × 100 = 62,5 %, belum lengkap, TW2 and TW4 named.
4. A quarterly target typed as text ('tw 1'): not computable, the reason names the quarter and says the
   value is not a number.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import udfs
from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book.package import save_workbook
from xl_sakip.book.writer import write_master
from xl_sakip.core.capaian import Status, capaian_of
from xl_sakip.core.categories import category
from xl_sakip.core.models import Aggregation, Band, Cascade, Indicator, Kind, Polarity, Position, Settings
from xl_sakip.core.reference import default_reference
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets import unit_layout as ul

BANDS = [Band(label="Sangat Rendah", lower=0, upper=50), Band(label="Rendah", lower=50, upper=65),
         Band(label="Sedang", lower=65, upper=75), Band(label="Tinggi", lower=75, upper=90),
         Band(label="Sangat Tinggi", lower=90, upper=None)]


def cascade() -> Cascade:
    ref = default_reference()
    ref.bands, ref.above_target_label = BANDS, ""

    def ind(i: str, **kw) -> Indicator:
        return Indicator(id=i, position="P01", sasaran_no=1, sasaran="Sasaran uji",
                         indikator=f"Indikator {i}", **kw)

    return Cascade(
        settings=Settings(office="Dinas Uji", year=2024), reference=ref,
        positions=[Position(code="P01", title="KEPALA DINAS", order=0)],
        indicators=[
            ind("P01-1.1", target=10, realisasi_q=[3, 3, 3, 3]),  # 12 / 10: 120 %
            ind("P01-1.2", target=10, polarity=Polarity.LOWER_IS_BETTER, realisasi_q=[25, None, None, None]),
            ind("P01-2.1", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=71.1,
                realisasi_q=[None, None, None, 63.99]),
            ind("P01-3.1", target=100, target_q=[10, 20, 30, 40], realisasi_q=[10, None, 15, None]),
            ind("P01-4.1", target=100, target_q=["tw 1", 20, 30, 40], realisasi_q=[10, 20, 30, 40]),
        ])


def typed_text_target(path: Path) -> None:
    """A planner types 'tw 1' into Target TW1 of P01-4.1 after regenerate (regenerate itself refuses to
    read it, naming the cell: the sheets must still say why, and every save recomputes cached values)."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "P01-4.1")
    ws.cell(row, header.index("Target TW1") + 1).value = "tw 1"
    save_workbook(wb, path, force=True)


HAND = {  # id -> (capaian as the sheet shows it, category)
    "P01-1.1": (120.0, "Sangat Tinggi"),
    "P01-1.2": (-50.0, None),  # (2 × 10 − 25) / 10 × 100; below every band
    "P01-2.1": (63.99 / 71.1 * 100, "Tinggi"),
    "P01-3.1": (62.5, "Rendah"),
    "P01-4.1": ("tidak dapat dihitung: target TW1 bukan angka: 'tw 1'", None),
}


def test_the_core_gives_the_hand_worked_figures():
    c = cascade()
    for ind in c.indicators:
        cap = capaian_of(ind, c.settings, c.reference)
        want, label = HAND[ind.id]
        assert cap.excel() == pytest.approx(want) if isinstance(want, float) else cap.excel() == want, ind.id
        assert category(cap.value, c.reference) == label, ind.id
    three = capaian_of(c.indicators[3], c.settings, c.reference)
    assert three.status is Status.INCOMPLETE and three.missing_quarters == [2, 4]
    assert three.reason == "realisasi TW2, TW4 belum diisi"


def test_the_udfs_give_the_same():
    # Quarters to date 3: the same (10 + 15) / (10 + 30), TW2 missing; and the text target named.
    rows = [[10, None, 15, None], [10, 20, 30, 40]]
    got = udfs.SAKIP_CAPAIAN_TW(rows, [[100], [100]], None, [["jumlah"], ["jumlah"]],
                                [[10, 20, 30, 40], ["tw 1", 20, 30, 40]], 3)
    assert got[0][0] == pytest.approx(62.5)
    assert got[1][0] == "tidak dapat dihitung: target TW1 bukan angka: 'tw 1'"
    status = udfs.SAKIP_STATUS(rows, [[100], [100]], None, [["jumlah"], ["jumlah"]],
                               [[10, 20, 30, 40], ["tw 1", 20, 30, 40]], 3)
    assert status[0][0] == "belum lengkap: realisasi TW2 belum diisi"
    assert udfs.SAKIP_KATEGORI([[63.99 / 71.1 * 100]])[0][0] == "Tinggi"


def _figures(book: openpyxl.Workbook) -> dict[str, tuple[object, object, object]]:
    ws = next(w for w in book.worksheets if w.title.startswith("P01"))
    out = {}
    for r in range(ul.FIRST_BODY_ROW, ws.max_row + 1):
        iid = ws.cell(r, ul.C_ID).value
        if iid:
            out[iid] = tuple(ws.cell(r, c).value for c in (ul.C_CAPAIAN, ul.C_KATEGORI, ul.C_KET))
    return out


@requires_libreoffice
def test_the_sheet_cached_values_and_libreoffice_give_the_same(tmp_path: Path):
    c = cascade()
    c.indicators[4].target_q[0] = 10  # typed as text below, after regenerate
    path = write_master(c, tmp_path / "uji.xlsm")
    regenerate(path)
    typed_text_target(path)
    cached = _figures(openpyxl.load_workbook(path, data_only=True))  # what Protected View shows
    recalculated = _figures(recalc_values(path, tmp_path / "lo"))
    for figures in (cached, recalculated):
        for iid, (want, label) in HAND.items():
            got, cat, _ = figures[iid]
            assert got == pytest.approx(want) if isinstance(want, float) else got == want, iid
            assert (cat or None) == label, iid
        assert figures["P01-3.1"][2] == "belum lengkap: realisasi TW2, TW4 belum diisi"
