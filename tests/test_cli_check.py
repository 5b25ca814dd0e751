"""`xl-sakip check` on the shipped 2023 workbook, as a planner runs it in a narrow terminal."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.cli import app


def test_check_lists_every_finding_with_its_cell_and_exits_0_without_errors() -> None:
    result = CliRunner().invoke(app, ["check", str(SHIPPED_WORKBOOK)], terminal_width=80)
    assert result.exit_code == 0, result.output
    # Worked out by hand from the seed: 8.96 is ambiguous (P02-2.1, written target in column F, row 9);
    # four parents whose children's targets do not add up (P01-1.1 71,10 vs 64,31; P04-3.3 9,22 vs 9,25;
    # P04-3.4 4,42 vs 4,44; P10-2.1 4,37 vs 4,45) and one partial coverage (P07-2.1 2,90 vs 0,49).
    assert "Indikator!F9 ANGKA_AMBIGU" in result.output
    assert "Indikator!G2 ROLLUP_TARGET_TIDAK_SESUAI" in result.output  # P01-1.1 is the first data row
    assert result.output.count("ROLLUP_TARGET_TIDAK_SESUAI") == 4
    assert result.output.count("ROLLUP_CAKUPAN_SEBAGIAN") == 1
    assert "0 galat, 6 peringatan" in result.output


def test_check_json_carries_the_numbers() -> None:
    result = CliRunner().invoke(app, ["check", str(SHIPPED_WORKBOOK), "--json"])
    assert result.exit_code == 0
    ipk = next(f for f in json.loads(result.output)
               if f["code"] == "ROLLUP_TARGET_TIDAK_SESUAI" and f["indicator_id"] == "P01-1.1")
    # 8,96 + 5,90 + 10,44 + 9,22 + 4,42 + 2,90 + 8,10 + 10,00 + 4,37 = 64,31 against 71,10
    assert ipk["target"] == 71.10 and round(ipk["sum"], 2) == 64.31
