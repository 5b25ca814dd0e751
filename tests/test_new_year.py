"""`xl-sakip new-year`: next year's master from this one (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_sakip.book.reader import read_master, read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.build import SHIPPED_WORKBOOK, make_demo
from xl_sakip.cli import app
from xl_sakip.core.models import RenstraTarget


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["new-year", *args])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_shipped_2023_gives_a_2024_workbook_that_check_reads(tmp_path: Path) -> None:
    out = tmp_path / "Cascading_2024.xlsm"
    before = SHIPPED_WORKBOOK.read_bytes()
    code, text = _run(str(SHIPPED_WORKBOOK), "-o", str(out))
    assert code == 0, text
    assert SHIPPED_WORKBOOK.read_bytes() == before  # the source is only read
    old, new = read_master(SHIPPED_WORKBOOK), read_master(out)
    assert new.settings.year == 2024 and new.settings.reporting_quarter == 1
    assert [i.id for i in new.indicators] == [i.id for i in old.indicators]
    assert [p.code for p in new.positions] == [p.code for p in old.positions]
    assert new.reference == old.reference
    # One history row per 2023 indicator, with its 2023 target (the shipped workbook has no realisasi).
    assert sorted((h.id, h.year) for h in new.history) == sorted((i.id, 2023) for i in old.indicators)
    p04 = next(h for h in new.history if h.id == "P04-1.1")
    assert (p04.target, p04.realisasi) == (200, None)
    # No Renstra: every target empty, and check says so (it reads the workbook: exit 1, not 2).
    assert all(i.target is None and i.target_text == "" for i in new.indicators)
    result = CliRunner().invoke(app, ["check", str(out), "--json"])
    assert result.exit_code == 1, result.output
    assert result.output.count('"TARGET_KOSONG"') == 94


def test_every_2023_realisasi_moves_into_the_history(tmp_path: Path) -> None:
    demo = make_demo(SHIPPED_WORKBOOK, tmp_path / "Contoh.xlsm")
    out = tmp_path / "Contoh_2024.xlsm"
    code, text = _run(str(demo), "-o", str(out))
    assert code == 0, text
    hist = {h.id: h for h in read_master(out).history}
    assert len(hist) == 94
    # By hand from xl_sakip/data/sample_realisasi_2023.csv (s.d. TW4):
    assert hist["P04-1.1"].realisasi == 37 + 46 + 46 + 55  # a count adds up: 184
    assert hist["P02-1.1"].realisasi == 86.0  # a percentage: the latest quarter
    assert hist["P02-1.4"].realisasi == "A"  # a grade: its latest code
    assert hist["P06-1.2"].realisasi == 122 + 153 + 184  # TW3 empty: 459, noted
    assert "belum lengkap: TW3 kosong" in hist["P06-1.2"].note
    # A roll-up parent covered by its pendukung: P08-5.1 3,68 + P08-5.2 6,00 = 9,68.
    assert hist["P07-2.3"].realisasi == pytest.approx(9.68)
    new = read_master(out)
    assert all(i.realisasi_q == [None] * 4 and i.target_q == [None] * 4 for i in new.indicators)
    assert new.narratives == [] and new.settings.date == ""


def test_targets_come_from_the_renstra(tmp_path: Path) -> None:
    cascade = read_master(SHIPPED_WORKBOOK)
    cascade.renstra = [RenstraTarget(id="P04-1.1", year=2024, target=220),
                       RenstraTarget(id="P04-1.1", year=2026, target=260),
                       RenstraTarget(id="P02-1.4", year=2024, target="A"),
                       RenstraTarget(id="P02-1.1", year=2024, target=88)]
    src = write_master(cascade, tmp_path / "src.xlsm")
    out = tmp_path / "new.xlsm"
    assert _run(str(src), "-o", str(out), "--year", "2024")[0] == 0
    new, rows = read_master_with_rows(out)
    by_id = {i.id: i for i in new.indicators}
    assert (by_id["P04-1.1"].target, by_id["P04-1.1"].target_text) == (220, "220 perusahaan")
    assert (by_id["P02-1.1"].target, by_id["P02-1.1"].target_text) == (88, "88%")
    assert (by_id["P02-1.4"].target, by_id["P02-1.4"].target_text) == (None, "A")
    assert by_id["P04-2.1"].target is None
    assert len(new.renstra) == 4  # the Renstra goes along


def test_never_overwrites_without_force_and_never_the_source(tmp_path: Path) -> None:
    out = tmp_path / "ada.xlsm"
    out.write_bytes(b"punya saya")
    code, text = _run(str(SHIPPED_WORKBOOK), "-o", str(out))
    assert code == 2 and "--force" in text and out.read_bytes() == b"punya saya"
    src = tmp_path / "src.xlsm"
    src.write_bytes(SHIPPED_WORKBOOK.read_bytes())
    code, text = _run(str(src), "-o", str(src), "--force")
    assert code == 2 and "sama dengan workbook sumber" in text
    assert src.read_bytes() == SHIPPED_WORKBOOK.read_bytes()
    code, text = _run(str(SHIPPED_WORKBOOK), "-o", str(tmp_path / "x.xlsm"), "--year", "2022")
    assert code == 2 and "harus sesudah tahun workbook (2023)" in text
