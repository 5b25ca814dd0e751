"""`xl-sakip demo`: a copy of the master with the sample realisasi, never the real workbook overwritten."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from xl_sakip.book.reader import read_master
from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.cli import app


def test_demo_copy_has_the_sample_realisasi_and_the_generated_sheets(tmp_path: Path) -> None:
    out = tmp_path / "Contoh.xlsm"
    before = SHIPPED_WORKBOOK.read_bytes()
    result = CliRunner().invoke(app, ["demo", str(SHIPPED_WORKBOOK), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert SHIPPED_WORKBOOK.read_bytes() == before  # the source is only read

    by_id = {i.id: i for i in read_master(out).indicators}
    # From xl_sakip/data/sample_realisasi_2023.csv, read by eye:
    assert by_id["P06-1.2"].realisasi_q == [122, 153, None, 184]  # TW3 deliberately empty
    assert by_id["P02-1.4"].realisasi_q == ["BB", "BB", "BB", "A"]  # a grade indicator
    assert by_id["P05-3.1"].realisasi_q == [1.95, 1.97, 1.99, 2.01]
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "Ringkasan" in names and "Dasbor" in names
    assert sum(n.startswith("P0") or n.startswith("P1") or n.startswith("P2") for n in names) == 21


def test_demo_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "Contoh.xlsm"
    out.write_bytes(b"punya saya")
    result = CliRunner().invoke(app, ["demo", str(SHIPPED_WORKBOOK), "-o", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert out.read_bytes() == b"punya saya"
