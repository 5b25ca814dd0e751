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


def test_many_findings_are_summarised_per_code_and_listed_whole_on_request(monkeypatch) -> None:
    """Past cli.SCREEN_LIMIT findings the screen gets each code's count and its first EXAMPLES findings
    (a 10 000-row workbook gave 14 842 lines, and rich's table of them took 10 s); --semua lists them all.
    The shipped workbook's 24 findings against a limit of 5; the counts worked out by hand from the seed
    (see the first test): 4 ROLLUP_TARGET_TIDAK_SESUAI, 1 ROLLUP_CAKUPAN_SEBAGIAN, 1 ANGKA_AMBIGU, 18 info."""
    import re

    from xl_sakip import cli

    monkeypatch.setattr(cli, "SCREEN_LIMIT", 5)
    for width in (80, 200):  # a wide terminal gets the summary too, not a table of every finding
        result = CliRunner().invoke(app, ["check", str(SHIPPED_WORKBOOK)], terminal_width=width)
        assert result.exit_code == 0, result.output
        text = result.output
        assert "24 temuan, diringkas per kode (3 contoh pertama tiap kode)" in text
        assert "peringatan ROLLUP_TARGET_TIDAK_SESUAI: 4 temuan" in text
        assert "peringatan ROLLUP_CAKUPAN_SEBAGIAN: 1 temuan" in text
        assert "peringatan ANGKA_AMBIGU: 1 temuan" in text
        assert text.count("ROLLUP_TARGET_TIDAK_SESUAI") == 1 + 3  # its count, then three of the four
        assert "  peringatan Indikator!G2 ROLLUP_TARGET_TIDAK_SESUAI" in text  # the first, in file order
        info = [int(n) for n in re.findall(r"^info \w+: (\d+) temuan", text, re.MULTILINE)]
        assert sum(info) == 18
        assert text.index("info ") > text.index("peringatan ANGKA_AMBIGU")  # warnings before info
        assert "--semua" in text and "│" not in text
        assert "0 galat, 6 peringatan, 18 info" in text
    every = CliRunner().invoke(app, ["check", str(SHIPPED_WORKBOOK), "--semua"], terminal_width=80).output
    assert "diringkas" not in every and every.count("ROLLUP_TARGET_TIDAK_SESUAI") == 4
    assert every.count("EJAAN_MENCURIGAKAN") + every.count("KOMPONEN_TANPA_SUB") == 18


def test_findings_by_code_put_errors_first_and_keep_document_order() -> None:
    """core/findings.by_code, which the screen's summary reads: hand-made findings in document order."""
    from xl_sakip.core.findings import Finding, Severity, by_code

    def f(sev: Severity, code: str, n: int) -> Finding:
        return Finding(severity=sev, code=code, message=f"m{n}")

    made = [f(Severity.INFO, "I1", 1), f(Severity.WARNING, "W1", 2), f(Severity.ERROR, "E1", 3),
            f(Severity.WARNING, "W2", 4), f(Severity.WARNING, "W1", 5), f(Severity.ERROR, "E1", 6)]
    got = by_code(made)
    assert list(got) == [(Severity.ERROR, "E1"), (Severity.WARNING, "W1"), (Severity.WARNING, "W2"),
                         (Severity.INFO, "I1")]
    assert [x.message for x in got[(Severity.WARNING, "W1")]] == ["m2", "m5"]
    assert [x.message for x in got[(Severity.ERROR, "E1")]] == ["m3", "m6"]
