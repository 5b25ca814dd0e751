"""The PK lampiran with its budget (issue 15): Program for eselon II, Kegiatan for eselon III, Sub Kegiatan
for eselon IV, each with its anggaran (pagu in force, summed by formula from Anggaran) and the total.

By hand from xl_sakip/data/sample_anggaran_2023.csv (pagu perubahan where typed: P05 750 jt, P11 520 jt,
P13 450 jt): 2.07.01 = 1.200 jt; 2.07.03 = 750 + 200 + 900 + 450 = 2.300 jt; 2.07.04 = 400 jt; 2.07.05 =
250 + 300 = 550 jt; 2.07.06 = 520 + 350 + 180 + 220 + 260 = 1.530 jt; 2.21.02 = 450 jt; total 6.430 jt.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.libreoffice import requires_libreoffice
from xl_sakip.build import SHIPPED_WORKBOOK, make_demo
from xl_sakip.cli import app

PROGRAMS = {
    "2.07.01 PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH PROVINSI": "Rp 1.200.000.000",
    "2.07.03 PROGRAM PELATIHAN KERJA DAN PRODUKTIVITAS TENAGA KERJA": "Rp 2.300.000.000",
    "2.07.04 PROGRAM PENEMPATAN TENAGA KERJA": "Rp 400.000.000",
    "2.07.05 PROGRAM HUBUNGAN INDUSTRIAL": "Rp 550.000.000",
    "2.07.06 PROGRAM PENGAWASAN KETENAGAKERJAAN": "Rp 1.530.000.000",
    "2.21.02 PROGRAM PERENCANAAN KAWASAN TRANSMIGRASI": "Rp 450.000.000",
}


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "Contoh.xlsm"
    make_demo(SHIPPED_WORKBOOK, path)
    return path


@requires_libreoffice
def test_kepala_dinas_pdf_lists_every_program_with_its_anggaran(demo_book: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["pk", str(demo_book), "--position", "P01", "--pdf", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pdf = next(tmp_path.glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Program Anggaran (Rp)" in " ".join(lines).replace("No Program", "Program")
    for program, amount in PROGRAMS.items():
        assert any(program in line and line.endswith(amount) for line in lines), program
    assert any(line.startswith("Jumlah") and line.endswith("Rp 6.430.000.000") for line in lines)


def _lampiran_budget(ws) -> dict[str, object]:
    head = next(c.row for c in ws["D"] if c.value == "Anggaran (Rp)")
    out = {}
    for r in range(head + 1, head + 20):
        label = ws.cell(r, 2).value
        if label is None:
            break
        out[label] = ws.cell(r, 4).value
    return out


def _pk_sheet(wb, code: str):
    return next(wb[n] for n in wb.sheetnames if n.startswith(f"PK {code}"))


def test_the_pk_sheets_sum_the_budget_by_formula(demo_book: Path) -> None:
    formulas = openpyxl.load_workbook(demo_book)
    cached = openpyxl.load_workbook(demo_book, data_only=True)
    kadis = _lampiran_budget(_pk_sheet(cached, "P01"))
    assert kadis == {**{k: float(v.replace("Rp ", "").replace(".", "")) for k, v in PROGRAMS.items()},
                     "Jumlah": 6_430_000_000.0}
    # Kabid Latpenta (eselon III): its two kegiatan; Kasi P05 (eselon IV): its sub kegiatan, pagu perubahan.
    assert _lampiran_budget(_pk_sheet(cached, "P04")) == {
        "2.07.03.1.01 Pelaksanaan Pelatihan berdasarkan Unit Kompetensi": 750e6,
        "2.07.04.1.01 Pelayanan Antarkerja Lintas Daerah Kabupaten/Kota": 400e6, "Jumlah": 1150e6}
    p05 = _lampiran_budget(_pk_sheet(cached, "P05"))
    assert p05["Jumlah"] == 750e6 and len(p05) == 2
    ws = _pk_sheet(formulas, "P01")
    head = next(c.row for c in ws["D"] if c.value == "Anggaran (Rp)")
    assert ws.cell(head, 2).value == "Program"
    # codes compare with "=" (never as SUMIFS criteria: docs/budget.md)
    assert str(ws.cell(head + 1, 4).value).startswith(
        '=SUMPRODUCT((tblAnggaran[Level]="sub kegiatan")*((tblAnggaran[Kode]="2.07.01")')
    assert ws.cell(head + 1, 4).number_format == "[$Rp-421] #,##0"


def test_a_position_without_budget_rows_has_no_budget_table(demo_book: Path) -> None:
    from xl_sakip.book.reader import read_master
    from xl_sakip.pk import pk_layout

    cascade = read_master(demo_book)
    cascade.budget = [b for b in cascade.budget if b.position != "P20"]
    assert pk_layout(cascade, "P20").budget_rows == (0, 0)
    assert pk_layout(cascade, "P21").budget_rows != (0, 0)
