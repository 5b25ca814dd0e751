"""Excel functions: hand cases, and the same results as the core on every row of the shipped workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import udfs
from xl_sakip.book import schema
from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import write_master
from xl_sakip.core.capaian import capaian_of
from xl_sakip.core.categories import category
from xl_sakip.core.rollup import rolled_realisasi, rolled_target, sum_children
from xl_sakip.core.validation import row_problems
from xl_sakip.importer import read_seed
from xl_sakip.sample import apply_sample

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "cascading_2023.txt"
SHIPPED = ROOT / "workbook" / "Cascading_2023.xlsm"


def flat(col):
    return [r[0] for r in col]


def test_capaian_columns_by_hand():
    out = udfs.SAKIP_CAPAIAN(
        [[6.5], [9], [None], ["WDP"], [75]],
        [[7], [8], [5], ["WTP"], [70]],
        [["turun"], ["turun"], ["naik"], ["naik"], ["rentang"]],
        [[None]] * 4 + [[80]],
    )
    assert flat(out)[:2] == [pytest.approx(750 / 7), pytest.approx(87.5)]  # PermenPANRB 8/2021
    assert flat(out)[2] == "tidak dapat dihitung: realisasi belum diisi"
    assert flat(out)[3:] == [pytest.approx(75.0), 100.0]
    assert flat(udfs.SAKIP_CAPAIAN(6.5, 7, "turun", rumus_turun="T/R")) == [pytest.approx(700 / 6.5)]
    assert flat(udfs.SAKIP_CAPAIAN(130, 100, "naik", batas=120)) == [120.0]
    assert flat(udfs.SAKIP_CAPAIAN(1, 1, "miring"))[0].startswith("tidak dapat dihitung: Polaritas «miring»")


def test_quarterly_functions_by_hand():
    tw = [[10, 20, None, 30], [40, 55, None, None]]
    assert flat(udfs.SAKIP_REALISASI(tw, [["jumlah"], ["terakhir"]])) == [60.0, 55.0]
    assert flat(udfs.SAKIP_REALISASI(tw, [["jumlah"], ["terakhir"]], 1)) == [10.0, 40.0]
    cap = udfs.SAKIP_CAPAIAN_TW(tw, [[100], [80]], "naik", [["jumlah"], ["terakhir"]])
    assert flat(cap) == [pytest.approx(60.0), pytest.approx(68.75)]  # 60/100, 55/80
    status = udfs.SAKIP_STATUS(tw, [[100], [80]], "naik", [["jumlah"], ["terakhir"]], sampai_tw=2)
    assert flat(status) == ["dihitung", "dihitung"]
    assert flat(udfs.SAKIP_STATUS(tw, [[100], [80]], "naik", [["jumlah"], ["terakhir"]]))[0] == (
        "belum lengkap: realisasi TW3 belum diisi"
    )
    assert flat(udfs.SAKIP_TARGET_SD(100, [[10, 20, 30, 40]], "jumlah", 2)) == [30.0]


def test_category_rollup_and_numbers_by_hand():
    assert flat(udfs.SAKIP_KATEGORI([[107.14], [90], ["tidak dapat dihitung: x"]])) == [
        "Melampaui Target",
        "Tinggi",
        "",
    ]
    custom = udfs.SAKIP_KATEGORI([[40], [70]], [[None], [50]], [[50], [100]], [["Kurang"], ["Baik"]], "Lebih")
    assert flat(custom) == ["Kurang", "Baik"]
    ids, sup = [["A"], ["B"], ["C"], ["D"]], [[None], ["A"], ["B"], ["B"]]
    jumlah = [["tidak"], ["jumlah"], ["jumlah"], ["jumlah"]]
    assert flat(udfs.SAKIP_ROLLUP([["A"], ["C"]], ids, sup, [[9], [None], [1.5], [2.25]], jumlah)) == [
        3.75,
        "tidak ada indikator pendukung",
    ]
    got = flat(udfs.SAKIP_ROLLUP("A", ids, sup, [[9], [None], [1.5], [None]], jumlah))
    assert got[0].startswith("belum lengkap")
    # Only "jumlah" links add, as in check and on the unit sheets: without the Roll-up column, none does.
    no_column = flat(udfs.SAKIP_ROLLUP("A", ids, sup, [[9], [None], [1.5], [2.25]]))
    assert no_column == ["tidak ada indikator pendukung"]
    assert flat(udfs.SAKIP_ANGKA([["71,10"], ["14.000"]])) == [pytest.approx(71.10), 14000.0]
    assert flat(udfs.SAKIP_STATUS_IPK([[71.10], [65.99]])) == ["Menengah Atas", "Menengah Bawah"]


def test_validasi_by_hand():
    headers = [
        [
            "ID",
            "Kode Jabatan",
            "Indikator Kinerja",
            "Target Tertulis",
            "Target",
            "Satuan",
            "Jenis",
            "Agregasi",
        ]
    ]
    rows = [
        ["P03-5.1", "P03", "Rata- rata Presentase Kinerja ASN", "95%", 95, "%", "persen", "terakhir"],
        ["P03-1.1", "P03", "Persentase Kehadiran", "95%", 95, "%", "persen", "terakhir"],
        ["P03-2.1", "P03", "Persentase x", "95%", 95, "%", "miring", "terakhir"],
    ]
    out = flat(udfs.SAKIP_VALIDASI(rows, headers))
    assert "EJAAN_MENCURIGAKAN" in out[0] and "Presentase" in out[0]
    assert out[1] == ""
    assert out[2].startswith("baris tidak dapat dibaca")


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory):
    """The shipped workbook (or, before it is built, the same written from the seed) with the sample."""
    tmp = tmp_path_factory.mktemp("udfs")
    base = SHIPPED if SHIPPED.exists() else write_master(read_seed(SEED).cascade, tmp / "base.xlsm")
    cascade = apply_sample(read_master(base))
    path = write_master(cascade, tmp / "sample.xlsm")
    ws = openpyxl.load_workbook(path)[schema.SHEET_INDICATORS]
    values = list(ws.iter_rows(min_row=1, values_only=True))
    header, rows = list(values[0]), [list(r) for r in values[1:] if r[0] is not None]
    return read_master(path), header, rows


def _cols(header, rows, *names):
    idx = [header.index(n) for n in names]
    return [[r[k] for k in idx] for r in rows]


def test_udfs_match_core_on_every_row(sample_book):
    cascade, header, rows = sample_book
    assert len(rows) == len(cascade.indicators) == 94
    col = lambda *n: _cols(header, rows, *n)  # noqa: E731
    q = schema.Q
    # A grade row passes its written target (what the sheet's formula does with IF([@Jenis]="predikat", ...))
    target = [
        [
            r[header.index("Target Tertulis")]
            if r[header.index("Jenis")] == "predikat"
            else r[header.index("Target")]
        ]
        for r in rows
    ]
    args = dict(
        target=target,
        polaritas=col("Polaritas"),
        agregasi=col("Agregasi"),
        target_tw=col(*(f"Target {x}" for x in q)),
        target_atas=col("Target Atas"),
        jenis=col("Jenis"),
        pembilang_tw=col(*(f"Pembilang {x}" for x in q)),
        penyebut_tw=col(*(f"Penyebut {x}" for x in q)),
    )
    real_tw = col(*(f"Realisasi {x}" for x in q))
    s, ref = cascade.settings, cascade.reference
    for upto in (1, 2, 3, 4):
        core = [capaian_of(i, s, ref, upto) for i in cascade.indicators]
        got = flat(udfs.SAKIP_CAPAIAN_TW(real_tw, sampai_tw=upto, **args))
        assert got == [pytest.approx(c.excel()) if isinstance(c.excel(), float) else c.excel() for c in core]
        assert flat(udfs.SAKIP_STATUS(real_tw, sampai_tw=upto, **args)) == [c.status_text() for c in core]
        assert flat(udfs.SAKIP_KATEGORI([[c.excel()] for c in core])) == [
            category(c.value, ref) or "" for c in core
        ]
    assert flat(udfs.SAKIP_VALIDASI(rows, [header])) == [row_problems(i, ref) for i in cascade.indicators]
    assert any(flat(udfs.SAKIP_VALIDASI(rows, [header])))  # the seed's misspellings show up
    parents = sorted(sum_children(cascade.indicators))
    ids, sup, rol = col("ID"), col("Mendukung ID"), col("Roll-up")
    by_target = flat(udfs.SAKIP_ROLLUP([[p] for p in parents], ids, sup, col("Target"), rol))
    assert by_target == [pytest.approx(rolled_target(cascade, p).value) for p in parents]
    # With the Target column, the rule of the unit sheets: a pendukung whose own pendukung do not cover
    # its target (P07-2.1: 0,49 of 2,90) contributes its own value.
    tw4, tg = col("Realisasi TW4"), col("Target")
    by_tw4 = flat(udfs.SAKIP_ROLLUP([[p] for p in parents], ids, sup, tw4, rol, tg))
    assert by_tw4 == [pytest.approx(rolled_realisasi(cascade, p).value) for p in parents]
    # The IPK's nine components at TW4 (by hand, tests/test_rollup.py): 64,99 with P07-2.1's own 2,75;
    # every leaf instead (no Target column): 64,99 - 2,75 + (0,14 + 0,15 + 0,17) = 62,70.
    assert by_tw4[parents.index("P01-1.1")] == pytest.approx(64.99)
    leaves = flat(udfs.SAKIP_ROLLUP([["P01-1.1"]], ids, sup, col("Realisasi TW4"), rol))
    assert leaves == [pytest.approx(62.70)]
