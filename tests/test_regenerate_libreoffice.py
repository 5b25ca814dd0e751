"""Regenerated sheets recalculated by LibreOffice give the figures of the Python core (to 1e-9).

Two engines, one answer: the unit sheets' formulas are evaluated by headless LibreOffice (forced full
recalculation), the same master is evaluated by xl_sakip.core; every indicator's realisasi, capaian,
category and roll-up figures must agree. Once on the shipped seed with the sample realisasi, once after the
master table is sorted in reverse (no regenerate in between), and on a hand-made cascade with every rule
(turun with both formulas, rentang, rasio, predikat, cap, quarterly targets, text in a number cell, a
roll-up chain and a cycle), whose key figures are also worked out by hand below.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book.package import save_workbook
from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import write_master
from xl_sakip.core.aggregate import realisasi_to_date
from xl_sakip.core.categories import category
from xl_sakip.core.models import (
    Aggregation,
    Cascade,
    Indicator,
    Kind,
    Polarity,
    Position,
    RollUp,
    Settings,
)
from xl_sakip.core.rollup import (
    CYCLE,
    PARTIAL_EMPTY,
    Source,
    capaian_rolled,
    rolled_realisasi,
    sum_children,
    used_realisasi,
)
from xl_sakip.importer import read_seed
from xl_sakip.regenerate import regenerate
from xl_sakip.sample import apply_sample
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.marker import MARKER_NAME, Marker

SEED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cascading_2023.txt"
pytestmark = requires_libreoffice


def sheet_of(path: Path) -> dict[str, str]:
    """Position code -> generated sheet name, from the markers."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        dn = ws.defined_names.get(MARKER_NAME)
        m = Marker.parse(dn.attr_text) if dn else None
        if m and m.kind == "unit":
            out[m.key] = ws.title
    return out


def id_rows(values: openpyxl.Workbook, names: dict[str, str]) -> dict[str, int]:
    """Indicator id -> row on its unit sheet, read from the ID column (the sheet's own record)."""
    out = {}
    for sheet in names.values():
        ws = values[sheet]
        for r in range(ul.FIRST_BODY_ROW, ws.max_row + 1):
            if v := ws.cell(r, ul.C_ID).value:
                out[v] = r
    return out


def close(a: object, b: object) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(b, bool):
        return abs(a - b) <= 1e-9
    return (a in (None, "") and b in (None, "")) or a == b


def compare(path: Path, values: openpyxl.Workbook, cascade: Cascade | None = None) -> list[str]:
    """Every indicator's figures on the recalculated unit sheets against the core; the mismatches."""
    cascade = cascade or read_master(path)
    names = sheet_of(path)
    rows = id_rows(values, names)
    kids = sum_children(cascade.indicators)
    bad = []
    for ind in cascade.indicators:
        ws, r = values[names[ind.position]], rows[ind.id]
        got = {k: ws.cell(r, c).value for k, c in
               {"J": ul.C_TAHUN, "K": ul.C_CAPAIAN, "L": ul.C_KATEGORI, "M": ul.C_T_ANAK, "N": ul.C_SEL_T,
                "O": ul.C_R_ANAK, "Q": ul.C_KET, "R": ul.C_ID, "Y": ul.C_PAKAI}.items()}
        cap = capaian_rolled(cascade, ind)
        exp_k = cap.excel()
        pv = realisasi_to_date(ind)
        exp_j = pv.problem or pv.value
        checks = {"R": (got["R"], ind.id), "J": (got["J"], exp_j),
                  "L": (got["L"], category(cap.value, cascade.reference))}
        if isinstance(exp_k, float) or ind.id not in kids or cap.reason == PARTIAL_EMPTY:
            checks["K"] = (got["K"], exp_k)
        else:  # a parent's problem is worded per leaf by the core: the sheet says it is not computable
            checks["K"] = (str(got["K"]).startswith(ul.NC), True)
        # The realisasi used (hidden Y): the value the core measures the indicator by, or its problem.
        used = used_realisasi(cascade, ind.id)
        if not used.pv.problem:
            checks["Y"] = (got["Y"], used.pv.value)
        elif used.source is not Source.PENDUKUNG:  # an own problem is worded alike
            checks["Y"] = (got["Y"], used.pv.problem)
        else:
            checks["Y"] = (isinstance(got["Y"], str) and got["Y"] != "", True)
        if ind.id in kids and used.pv.problem != CYCLE:  # a parent says where its realisasi comes from
            source = ul.FROM_PENDUKUNG if used.source is Source.PENDUKUNG else ul.FROM_OWN
            checks["Q"] = (str(got["Q"]).endswith(source), True)
        if ind.id in kids:
            rolled = rolled_realisasi(cascade, ind.id)
            if rolled is not None and not rolled.problem:
                checks["O"] = (got["O"], rolled.value)
            targets = [k.target for k in kids[ind.id]]
            checks["M"] = (got["M"], sum(t for t in targets if t is not None))
            if ind.target is not None:
                checks["N"] = (got["N"], sum(t for t in targets if t is not None) - ind.target)
        for col, (a, b) in checks.items():
            if not close(a, b):
                bad.append(f"{ind.id} {col}: sheet {a!r} core {b!r}")
    return bad


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("shipped")
    cascade = apply_sample(read_seed(SEED).cascade)
    path = write_master(cascade, tmp / "Cascading_2023.xlsm")
    regenerate(path)
    return path


def test_seed_with_sample_matches_core(shipped: Path, tmp_path: Path):
    values = recalc_values(shipped, tmp_path)
    assert compare(shipped, values) == []
    # The roll-up rule by hand (tests/test_rollup.py has the arithmetic): a parent takes its pendukung's
    # sum only when their targets cover its own.
    names = sheet_of(shipped)
    rows = id_rows(values, names)

    def row(iid):
        ws, r = values[names[iid[:3]]], rows[iid]
        cols = {"J": ul.C_TAHUN, "K": ul.C_CAPAIAN, "L": ul.C_KATEGORI, "O": ul.C_R_ANAK, "Q": ul.C_KET}
        return {k: ws.cell(r, c).value for k, c in cols.items()}

    # P07-2.1: P09-4.x targets 0,49 of 2,90 -> its own 2,75: 94,83 % (not 0,46 / 2,90 = 15,86 %).
    hi = row("P07-2.1")
    assert hi["K"] == pytest.approx(275 / 2.90) and hi["L"] == "Sangat Tinggi"
    assert hi["O"] == pytest.approx(0.46) and hi["J"] == pytest.approx(2.75)
    assert hi["Q"] == "belum lengkap: realisasi TW1, TW2, TW3 belum diisi; " + ul.FROM_OWN
    # P04-3.3: 9,25 covers 9,22 -> 2,01 + 6,01 + 0,90 = 8,92: 96,75 %.
    pk = row("P04-3.3")
    assert pk["K"] == pytest.approx(892 / 9.22) and pk["Q"] == ul.FROM_PENDUKUNG
    assert row("P10-2.1")["K"] == pytest.approx(435 / 4.37)  # 4,45 covers 4,37: 0,89 + 0,68 + 2,78
    # The IPK: 64,31 of 71,10 -> its own 65,14: 91,62 %; its pendukung add up to 64,99.
    ipk = row("P01-1.1")
    assert ipk["K"] == pytest.approx(6514 / 71.10) and ipk["O"] == pytest.approx(64.99)
    assert ipk["Q"].endswith(ul.FROM_OWN)
    # A sheet whose only notes are where parents' realisasi comes from is not "PERIKSA".
    assert values[names["P04"]].cell(ul.STATUS_ROW, 3).value == "Sesuai dengan tabel Indikator"
    # Ringkasan: mean capaian and category counts per position, against the core.
    cascade = read_master(shipped)
    summary = values["Ringkasan"]
    header = next(r for r in range(1, 10) if summary.cell(r, 1).value == "Kode")
    heads = [summary.cell(header, c).value for c in range(1, summary.max_column + 1)]
    assert heads[5:10] == ["Sangat Rendah", "Rendah", "Sedang", "Tinggi", "Sangat Tinggi"]
    assert heads[10] == "Melampaui Target"
    for r in range(header + 1, header + 22):
        code = summary.cell(r, 1).value
        caps = [capaian_rolled(cascade, i) for i in cascade.indicators_of(code)]
        nums = [c.value for c in caps if c.value is not None]
        mean = summary.cell(r, 5).value
        assert close(mean, sum(nums) / len(nums)) if nums else mean == "tidak ada capaian"
        for c in range(6, 12):
            assert summary.cell(r, c).value == sum(category(x.value, cascade.reference) == heads[c - 1]
                                                   for x in caps), (code, heads[c - 1])
        assert summary.cell(r, 12).value == sum(x.value is None for x in caps)


def test_sorted_master_still_matches_core(shipped: Path, tmp_path: Path):
    path = tmp_path / "sorted.xlsm"
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    ws = wb["Indikator"]
    table = ws.tables["tblIndikator"]
    last = int(table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=last)]
    assert len(rows) == 94
    for i, values in enumerate(reversed(rows), start=2):
        for j, v in enumerate(values, start=1):
            ws.cell(i, j).value = v
    save_workbook(wb, path)
    assert read_master(path).indicators[0].id == read_master(shipped).indicators[-1].id  # really sorted
    assert compare(path, recalc_values(path, tmp_path)) == []


def variants(formula: str, cap: float | None) -> Cascade:
    """Every rule of the core on a few rows; texts are made up, figures chosen to be checked by hand."""
    def ind(i: str, pos: str = "P02", **kw) -> Indicator:
        base = dict(id=i, position=pos, sasaran_no=1, sasaran="Sasaran uji", indikator=f"Indikator {i}",
                    kind=Kind.NUMBER, aggregation=Aggregation.SUM)
        base.update(kw)
        return Indicator(**base)

    inds = [
        ind("P02-1.1", polarity=Polarity.LOWER_IS_BETTER, target=10, realisasi_q=[2, 3, None, 1]),
        ind("P02-1.2", polarity=Polarity.LOWER_IS_BETTER, target=0, realisasi_q=[1, None, None, None]),
        ind("P02-1.3", kind=Kind.PERCENT, aggregation=Aggregation.LATEST, polarity=Polarity.RANGE,
            target=60, target_upper=80, realisasi_q=[50, None, None, 85]),
        ind("P02-1.4", kind=Kind.PERCENT, aggregation=Aggregation.LATEST, polarity=Polarity.RANGE,
            target=60, target_upper=80, realisasi_q=[70, 70, 70, 70]),
        ind("P02-1.5", kind=Kind.PERCENT, aggregation=Aggregation.LATEST, polarity=Polarity.RANGE,
            target=60, target_upper=80, realisasi_q=[30, 30, 30, 30]),
        ind("P02-2.1", kind=Kind.PERCENT, aggregation=Aggregation.RATIO, polarity=Polarity.LOWER_IS_BETTER,
            target=5, numerator_q=[5, 10, None, 5], denominator_q=[100, 100, 50, 100]),
        ind("P02-2.2", kind=Kind.PERCENT, aggregation=Aggregation.RATIO, target=5,
            numerator_q=[0, 0, 0, 0], denominator_q=[0, 0, 0, 0]),
        ind("P02-2.3", realisasi_q=[1, 2, 3, 4], target=10),  # TW1 becomes "abc" after regenerate
        ind("P02-3.1", kind=Kind.GRADE, aggregation=Aggregation.LATEST, target_text="WTP",
            realisasi_q=["WTP", None, "wdp ", None]),
        ind("P02-3.2", kind=Kind.GRADE, aggregation=Aggregation.LATEST, target_text="BB",
            realisasi_q=["ZZ", None, None, None]),
        ind("P02-4.1", target=40, target_q=[10, 10, 10, 10], realisasi_q=[10, 12, None, None]),
        ind("P02-4.2", target=8, realisasi_q=[0, 0, 0, 0]),
        ind("P02-4.3", target=8),
        ind("P02-4.4", target=None, realisasi_q=[1, 1, 1, 1]),
        # Roll-up chain: R <- A + B + C, C <- C1 (C contributes its leaf).
        ind("P01-1.1", pos="P01", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=10),
        ind("P02-5.1", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=4,
            realisasi_q=[3, 3.2, 3.4, 3.5], supports="P01-1.1", rollup=RollUp.SUM),
        ind("P02-5.2", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=5,
            supports="P01-1.1", rollup=RollUp.SUM),
        ind("P02-5.3", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=1,
            realisasi_q=[9, 9, 9, 9], supports="P01-1.1", rollup=RollUp.SUM),
        ind("P02-5.4", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=1,
            realisasi_q=[0.5, 0.6, 0.7, 0.8], supports="P02-5.3", rollup=RollUp.SUM),
        # Partial coverage (2 of 10, 3 of 10): the parent's own realisasi, or none with the reason.
        ind("P01-2.1", pos="P01", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=10,
            realisasi_q=[None, None, None, 7]),
        ind("P02-7.1", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=2,
            realisasi_q=[1, 1, 1, 1], supports="P01-2.1", rollup=RollUp.SUM),
        ind("P01-2.2", pos="P01", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=10),
        ind("P02-7.2", kind=Kind.INDEX, aggregation=Aggregation.LATEST, target=3,
            realisasi_q=[2, 2, 2, 2], supports="P01-2.2", rollup=RollUp.SUM),
        # A negative count: a data error, not 5 - 3 + 2 + 1 = 5.
        ind("P02-8.1", target=10, realisasi_q=[5, -3, 2, 1]),
        # A cycle: neither can be rolled up.
        ind("P02-6.1", target=1, realisasi_q=[1, 1, 1, 1], supports="P02-6.2", rollup=RollUp.SUM),
        ind("P02-6.2", target=1, realisasi_q=[1, 1, 1, 1], supports="P02-6.1", rollup=RollUp.SUM),
    ]
    positions = [Position(code="P01", title="KEPALA DINAS", order=0),
                 Position(code="P02", title="Kepala Seksi Uji [coba]: satu/dua", parent="P01", order=1)]
    return Cascade(settings=Settings(office="Dinas Uji", year=2024, capaian_cap=cap,
                                     lower_is_better_formula=formula),
                   positions=positions, indicators=inds)


def with_text_in_number_cell(path: Path, cascade: Cascade) -> Cascade:
    """Type "abc" into Realisasi TW1 of P02-2.3 in the master (the reader refuses it, the sheet must cope)."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "P02-2.3")
    ws.cell(row, header.index("Realisasi TW1") + 1).value = "abc"
    save_workbook(wb, path, force=True)
    ind = next(i for i in cascade.indicators if i.id == "P02-2.3")
    ind.realisasi_q[0] = "abc"
    return cascade


def figures(path: Path, values: openpyxl.Workbook) -> dict[str, tuple[object, object]]:
    names = sheet_of(path)
    rows = id_rows(values, names)
    out = {}
    for iid, r in rows.items():
        ws = values[names[iid.split("-")[0]]]
        out[iid] = (ws.cell(r, ul.C_CAPAIAN).value, ws.cell(r, ul.C_KATEGORI).value)
    return out


def keterangan(path: Path, values: openpyxl.Workbook) -> dict[str, object]:
    names = sheet_of(path)
    return {iid: values[names[iid.split("-")[0]]].cell(r, ul.C_KET).value
            for iid, r in id_rows(values, names).items()}


def test_every_rule_2t_minus_r_matches_core_and_hand(tmp_path: Path):
    path = write_master(variants("2T-R", None), tmp_path / "v.xlsm")
    regenerate(path)
    cascade = with_text_in_number_cell(path, variants("2T-R", None))
    values = recalc_values(path, tmp_path)
    assert compare(path, values, cascade) == []
    f = figures(path, values)
    assert f["P02-1.1"][0] == pytest.approx((2 * 10 - 6) / 10 * 100)  # turun, sum 2+3+1 = 6
    assert str(f["P02-1.2"][0]).startswith("tidak dapat dihitung: target 0")
    assert f["P02-1.3"][0] == pytest.approx((2 * 80 - 85) / 80 * 100)  # above the range: turun vs 80
    assert f["P02-1.4"][0] == 100  # inside the range
    assert f["P02-1.5"] == (50, "Sangat Rendah")  # below: 30/60; 50 is the top of Sangat Rendah
    assert f["P02-2.1"][0] == pytest.approx((2 * 5 - 20 / 300 * 100) / 5 * 100)  # TW3 lacks a numerator
    assert f["P02-2.2"][0] == "tidak dapat dihitung: jumlah penyebut 0: rasio tidak dapat dihitung"
    assert f["P02-2.3"][0] == "tidak dapat dihitung: realisasi TW1 bukan angka: 'abc'"
    assert f["P02-3.1"] == (75, "Sedang")  # WDP 3 / WTP 4
    assert str(f["P02-3.2"][0]).startswith("tidak dapat dihitung: predikat realisasi 'ZZ'")
    # Of what was reported: 10 + 12 against the targets of TW1 and TW2 only (10 + 10), TW3/TW4 missing.
    assert f["P02-4.1"] == (110, "Melampaui Target")
    assert f["P02-4.2"] == (0, "Sangat Rendah")  # a reported zero is a value
    assert f["P02-4.3"][0] == "tidak dapat dihitung: realisasi belum diisi"
    assert f["P02-4.4"][0] == "tidak dapat dihitung: target belum diisi"
    assert f["P01-1.1"][0] == pytest.approx((3.5 + 0.8) / 10 * 100)  # leaves 5.1 and 5.4; 5.2 missing
    assert str(f["P02-6.1"][0]).startswith("tidak dapat dihitung")
    assert f["P01-2.1"] == (70, "Sedang")  # pendukung 2 of 10: its own 7 / 10
    assert f["P01-2.2"][0] == "tidak dapat dihitung: " + PARTIAL_EMPTY  # 3 of 10 and no own realisasi
    assert f["P02-8.1"][0] == "tidak dapat dihitung: realisasi negatif"
    notes = keterangan(path, values)
    assert notes["P02-8.1"] == "realisasi negatif di TW2: periksa sheet Indikator"
    assert notes["P01-2.1"] == "belum lengkap: realisasi TW1, TW2, TW3 belum diisi; " + ul.FROM_OWN
    assert notes["P01-2.2"] == ul.FROM_OWN and notes["P01-1.1"].endswith(ul.FROM_PENDUKUNG)  # 4+5+1 = 10


def test_every_rule_t_over_r_with_cap_matches_core(tmp_path: Path):
    path = write_master(variants("T/R", 120), tmp_path / "v.xlsm")
    regenerate(path)
    values = recalc_values(path, tmp_path)
    assert compare(path, values) == []
    f = figures(path, values)
    assert f["P02-1.1"] == (120, "Melampaui Target")  # 10/6 = 166,7 % capped at 120
    assert f["P02-1.3"][0] == pytest.approx(80 / 85 * 100)
