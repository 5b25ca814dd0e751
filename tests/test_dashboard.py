"""The Dasbor sheet: its charts' data ranges, and the figures behind them recalculated by LibreOffice.

Expected figures are worked out by hand from the seed (tests/data/cascading_2023.txt) and the sample
realisasi (xl_sakip/data/sample_realisasi_2023.csv):
- IPK component targets, in the order of the seed: Perencanaan 8,96 (P02-2.1); Penduduk dan Tenaga Kerja
  5,90, Kesempatan Kerja 10,44, Pelatihan dan Kompetensi 9,22, Produktivitas 4,42 (P04-3.1..3.4); Hubungan
  Industrial 2,90, Pengupahan 8,10, Jaminan Sosial 10,00 (P07-2.1..2.3); Kondisi Lingkungan Kerja 4,37
  (P10-2.1); the IPK 71,10 (P01-1.1);
- average capaian: P20 85,0 / 100 -> 85; P16 (61,6 / 55 = 112 and 1+1+1+2 = 5 of 5 Kab/Kota = 100) -> 106;
  P21 (34+42+42+50 = 168 of 150 = 112; 97+121+121+146 = 485 of 500 = 97) -> 104,5;
  P13 (15,6 / 20 = 78; 61,2 / 60 = 102; 81+102+102+122 = 407 of 388 = 104,897) -> 94,966.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalc_values, requires_libreoffice

from xl_sakip.book.package import save_workbook
from xl_sakip.book.writer import build_master
from xl_sakip.dashboard import (
    DASHBOARD_SHEET,
    dashboard_layout,
    plan_dashboard,
)
from xl_sakip.errors import UserError
from xl_sakip.importer import read_seed
from xl_sakip.kinds import unit_sheet_names, write_report_sheets
from xl_sakip.regenerate import regenerate_workbook
from xl_sakip.sample import apply_sample

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
IPK_TARGETS = [8.96, 5.90, 10.44, 9.22, 4.42, 2.90, 8.10, 10.00, 4.37]
IPK_NAMES = ["Perencanaan Tenaga Kerja", "Penduduk dan Tenaga Kerja", "Kesempatan Kerja",
             "Pelatihan dan Kompetensi Kerja", "Produktivitas Tenaga Kerja", "Hubungan Industrial",
             "Pengupahan dan Kesejahteraan Pekerja", "Jaminan Sosial Tenaga Kerja",
             "Kondisi Lingkungan Kerja"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    cascade = apply_sample(read_seed(SEED).cascade)
    wb = build_master(cascade)
    regenerate_workbook(wb, cascade)
    written = write_report_sheets(wb, cascade)
    path = save_workbook(wb, tmp_path_factory.mktemp("dash") / "dasbor.xlsx")
    return cascade, wb, path, written


def charts(path: Path) -> dict[str, dict]:
    """Chart title -> {"cat": [refs], "val": [refs], "tx": [refs], "dir": barDir} read from the package."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(n for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            root = ET.fromstring(zf.read(name))
            head = root.find(f"{C}chart/{C}title")
            title = "".join(t.text or "" for t in head.iter(f"{A}t"))
            out[title] = {
                "cat": [f.text for s in root.iter(f"{C}cat") for f in s.iter(f"{C}f")],
                "val": [f.text for s in root.iter(f"{C}val") for f in s.iter(f"{C}f")],
                "tx": [f.text for s in root.iter(f"{C}tx") for f in s.iter(f"{C}f")],
                "dir": root.find(f".//{C}barDir").get("val"),
            }
    return out


def cells(ref: str) -> tuple[str, int, int, str]:
    """'Dasbor'!$E$7:$E$27 -> ("E", 7, 27, sheet)."""
    m = re.fullmatch(r"'?([^'!]+)'?!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?", ref)
    assert m, ref
    sheet, c1, r1, c2, r2 = m.groups()
    assert c2 in (None, c1)
    return c1, int(r1), int(r2 or r1), sheet


def test_sheets_written_and_marked(book) -> None:
    cascade, wb, path, written = book
    assert written[:2] == [DASHBOARD_SHEET, "Pohon Kinerja"] and len(written) == 2 + 21 + 2
    assert written[-1] == "Evaluasi Renja"  # registry order: LKjIP, then the Permendagri 86 form
    assert wb.sheetnames.index(DASHBOARD_SHEET) == wb.sheetnames.index("Ringkasan") + 1
    assert len(unit_sheet_names(wb)) == 21


def test_chart_data_ranges(book) -> None:
    cascade, wb, path, _ = book
    ch = charts(path)
    assert set(ch) == {"Rata-rata capaian per jabatan (%)", "Jumlah indikator per kategori",
                       "Komponen IPK: target dan realisasi"}
    ws = wb[DASHBOARD_SHEET]

    pos = ch["Rata-rata capaian per jabatan (%)"]
    col, r1, r2, sheet = cells(pos["cat"][0])
    assert sheet == DASHBOARD_SHEET and r2 - r1 + 1 == 21  # one bar per position
    assert [ws[f"{col}{r}"].value for r in range(r1, r2 + 1)] == [f"P{k:02d}" for k in range(1, 22)]
    vcol, v1, v2, _ = cells(pos["val"][0])
    assert (v1, v2) == (r1, r2) and ws[f"{vcol}{r1 - 1}"].value == "Rata-rata Capaian (%)"

    ipk = ch["Komponen IPK: target dan realisasi"]
    assert ipk["dir"] == "col" and len(ipk["val"]) == 2
    col, r1, r2, _ = cells(ipk["cat"][0])
    assert [ws[f"{col}{r}"].value for r in range(r1, r2 + 1)] == IPK_NAMES
    heads = [ws[cells(t)[0] + str(cells(t)[1])].value for t in ipk["tx"]]
    assert heads == ["Target", "Realisasi"]
    for ref in ipk["val"]:
        assert cells(ref)[1:3] == (r1, r2)

    cat = ch["Jumlah indikator per kategori"]
    col, r1, r2, _ = cells(cat["cat"][0])
    assert r2 - r1 + 1 == len(cascade.reference.bands) + 3  # bands, above target, no realisasi, other


@requires_libreoffice
def test_dashboard_figures_recalculated_by_libreoffice(book, tmp_path: Path) -> None:
    cascade, _, path, _ = book
    book_lo = recalc_values(path, tmp_path)
    lo = book_lo[DASHBOARD_SHEET]
    ch = charts(path)
    ipk = ch["Komponen IPK: target dan realisasi"]
    tcol, r1, r2, _ = cells(ipk["val"][0])
    assert [lo[f"{tcol}{r}"].value for r in range(r1, r2 + 1)] == pytest.approx(IPK_TARGETS)
    rcol = cells(ipk["val"][1])[0]
    # Realisasi used (sample, TW4): a component takes its sub-indicators' sum only where their targets
    # cover it: Pelatihan 2,01 + 6,01 + 0,90 = 8,92 (9,25 covers 9,22), Produktivitas 4,67 + 0,26 = 4,93,
    # Pengupahan 8,51, Jaminan Sosial 3,68 + 6,00 = 9,68, Kondisi 0,89 + 0,68 + 2,78 = 4,35; Hubungan
    # Industrial its own 2,75 (P09-4.x cover 0,49 of 2,90); the rest have no sub-indicator.
    assert [lo[f"{rcol}{r}"].value for r in range(r1, r2 + 1)] == pytest.approx(
        [9.14, 5.02, 11.69, 8.92, 4.93, 2.75, 8.51, 9.68, 4.35])
    # The IPK row under the components: its target and the sum of the maximum values (100, provisional).
    assert lo[f"A{r2 + 1}"].value.startswith("IPK") and lo[f"{tcol}{r2 + 1}"].value == pytest.approx(71.10)
    assert lo[f"C{r2 + 1}"].value == pytest.approx(100)
    # The IPK's components cover 64,31 of 71,10: its own realisasi 65,14 -> 91,62 %.
    assert lo[f"{rcol}{r2 + 1}"].value == pytest.approx(65.14)
    assert lo[f"F{r2 + 1}"].value == pytest.approx(6514 / 71.10)

    pos = ch["Rata-rata capaian per jabatan (%)"]
    ccol, p1, p2, _ = cells(pos["cat"][0])
    vcol = cells(pos["val"][0])[0]
    avg = {lo[f"{ccol}{r}"].value: lo[f"{vcol}{r}"].value for r in range(p1, p2 + 1)}
    assert avg["P20"] == pytest.approx(85.0)
    assert avg["P16"] == pytest.approx(106.0)
    assert avg["P21"] == pytest.approx(104.5)
    assert avg["P13"] == pytest.approx((78 + 102 + 407 / 388 * 100) / 3)

    cat = ch["Jumlah indikator per kategori"]
    ccol, c1, c2, _ = cells(cat["cat"][0])
    vcol = cells(cat["val"][0])[0]
    counts = {lo[f"{ccol}{r}"].value: lo[f"{vcol}{r}"].value for r in range(c1, c2 + 1)}
    assert list(counts)[:5] == ["Sangat Rendah", "Rendah", "Sedang", "Tinggi", "Sangat Tinggi"]
    assert sum(counts.values()) == len(cascade.indicators)  # every indicator counted once
    assert counts["Belum ada realisasi"] == 0  # the sample covers every indicator

    # Table 4, per position, which tables 1 and 2 total: P20 85 -> Tinggi (76-90); P16 112 (above the
    # target) and 100 (Sangat Tinggi); P21 112 and 97 (above, Sangat Tinggi).
    lay = dashboard_layout(cascade, unit_sheet_names(openpyxl.load_workbook(path, read_only=True)))
    d1, d2 = lay.details
    head = [lo.cell(d1 - 1, c).value for c in range(1, lay.width + 1)]
    assert head[0] == "Kode Jabatan" and head[-1] == "Jumlah Capaian (%)"
    assert head[1:6] == ["Sangat Rendah", "Rendah", "Sedang", "Tinggi", "Sangat Tinggi"]
    assert head[7:9] == ["Belum ada realisasi", "Tidak dapat dihitung (sebab lain)"]
    above = head[6]
    detail = {lo.cell(r, 1).value: dict(zip(head[1:], (lo.cell(r, c).value for c in range(2, lay.width + 1)),
                                            strict=True)) for r in range(d1, d2 + 1)}
    assert len(detail) == 21
    assert detail["P20"]["Tinggi"] == 1 and detail["P20"]["Jumlah Capaian (%)"] == pytest.approx(85)
    assert detail["P16"]["Sangat Tinggi"] == 1 and detail["P16"][above] == 1
    assert detail["P16"]["Jumlah Capaian (%)"] == pytest.approx(212)
    assert detail["P21"][above] == 1 and detail["P21"]["Sangat Tinggi"] == 1
    assert detail["P21"]["Jumlah Capaian (%)"] == pytest.approx(112 + 97)
    for code, row in detail.items():  # each position's indicators counted once
        n = sum(1 for i in cascade.indicators if i.position == code)
        assert sum(v for k, v in row.items() if k != "Jumlah Capaian (%)") == n
    # The total average equals the average of every numeric capaian of the unit sheets (LibreOffice's).
    caps = [book_lo[n].cell(r, 11).value for n in unit_sheet_names(book_lo).values()
            for r in range(9, book_lo[n].max_row + 1)]
    caps = [v for v in caps if isinstance(v, int | float) and not isinstance(v, bool)]
    total_row = p2 + 1
    assert lo[f"A{total_row}"].value == "Semua"
    assert lo[f"E{total_row}"].value == pytest.approx(sum(caps) / len(caps))


def test_layout_without_realisasi_and_edited_sheets(book) -> None:
    cascade, wb, _, _ = book
    names = unit_sheet_names(wb)
    lay = dashboard_layout(cascade, names)
    assert lay.components[1] - lay.components[0] + 1 == 9
    ws = wb["PK P05 Kasi Pelatihan"]
    ws["A3"] = "catatan tangan"
    with pytest.raises(UserError, match="PK P05"):
        write_report_sheets(wb, cascade)
    written = write_report_sheets(wb, cascade, force=True)
    assert "PK P05 Kasi Pelatihan" in written
    assert wb["PK P05 Kasi Pelatihan"]["A3"].value is None


def test_row_heights_cover_wrapped_headers_and_titles(book) -> None:
    cascade, wb, _, _ = book
    plan = plan_dashboard(cascade, unit_sheet_names(wb))
    rows: dict[str, int] = {}  # first row of each text in column A (table 4 repeats the codes)
    for r, row in enumerate(plan.cells, start=1):
        if isinstance(row[0], str):
            rows.setdefault(row[0], r)
    # Bold headers wrap 2 characters narrower than the column: "Rata-rata / Capaian (%)" in 13 -> 33 pt;
    # "Nilai / Maksimum" in 13 -> 33 pt.
    assert plan.row_heights[rows["Kode"]] == 33 and plan.row_heights[rows["Komponen IPK"]] == 33
    # Titles in the 40-wide Jabatan column (39 characters a line): P06 "Kepala Seksi Penempatan Tenaga
    # Kerja / Dalam Negeri dan Penggunaan Tenaga / Kerja Asing" -> 48 pt; P11 2 lines -> 33 pt; P01 one.
    assert plan.row_heights[rows["P06"]] == 48 and plan.row_heights[rows["P11"]] == 33
    assert rows["P01"] not in plan.row_heights
