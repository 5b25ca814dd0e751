"""A generated sheet edited by hand: a `check` error naming its cells; regenerate's refusal names them too.

The workbook is the small master of conftest (P01 > P02 > P03) with its sheets made by `regenerate`. The edits
are the auditor's of the acceptance test: a capaian formula (column K "Capaian (%)", first indicator row 9)
overwritten with the number 150, and a text cell (C3, the position code) overwritten with other text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import make_small_cascade
from xl_sakip.book import package
from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.findings import Severity
from xl_sakip.core.validation import RULES
from xl_sakip.regenerate import EditedSheetsError, regenerate

UNIT = "P03 Kasi Pelatihan"
PK = "PK P02 KABID LATPENTA"
CODE = "SHEET_DIUBAH_MANUAL"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    path = write_master(make_small_cascade(), tmp_path_factory.mktemp("made") / "Cascading_2023.xlsm")
    regenerate(path)
    return path


@pytest.fixture
def book(made: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(made, tmp_path / made.name))


def edit(path: Path, changes: dict[tuple[str, str], object]) -> dict[tuple[str, str], object]:
    """Write `changes` {(sheet, cell): value} as a person would; returns the values they replaced."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    old = {}
    for (sheet, cell), value in changes.items():
        old[(sheet, cell)] = wb[sheet][cell].value
        wb[sheet][cell] = value
    package.save_workbook(wb, path, force=True)
    return old


def edits_of(path: Path):
    return [f for f in run_check(path).findings if f.code == CODE]


def test_untouched_workbook_has_no_such_finding(book: Path) -> None:
    assert edits_of(book) == []
    # A person's own sheet, and the master itself, are theirs to edit.
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb.create_sheet("Catatan Saya")["A1"] = "rapat evaluasi TW2"
    package.save_workbook(wb, book, force=True)
    assert edits_of(book) == []


def test_overwritten_formula_and_text_are_found_exactly(book: Path) -> None:
    old = edit(book, {(UNIT, "K9"): 150, (UNIT, "C3"): "P99", (PK, "B6"): "Nama Lengkap"})
    assert str(old[(UNIT, "K9")]).startswith("=")  # it was a formula (the capaian)
    assert old[(UNIT, "C3")] == "P03" and old[(PK, "B6")] == "Nama"
    found = {f.cell: f for f in edits_of(book)}
    assert set(found) == {f"'{UNIT}'!C3", f"'{PK}'!B6"}  # first differing cell of each sheet, row by row
    unit = found[f"'{UNIT}'!C3"]
    assert unit.severity is Severity.ERROR is RULES[CODE][0]
    assert unit.position == "P03"
    assert f"'{UNIT}'" in unit.message and "di sel C3, K9:" in unit.message
    assert "sheet Indikator" in unit.message and "xl-sakip regenerate --force" in unit.message
    assert "di sel B6:" in found[f"'{PK}'!B6"].message
    # Putting the values back is no edit any more.
    edit(book, old)
    assert edits_of(book) == []


def test_many_cells_are_counted_not_all_listed(book: Path) -> None:
    # Row 9, columns B..L (11 formulas) overwritten: 10 named, 1 counted.
    edit(book, {(UNIT, f"{c}9"): 1 for c in "BCDEFGHIJKL"})
    [f] = edits_of(book)
    assert "di sel B9, C9, D9, E9, F9, G9, H9, I9, J9, K9 dan 1 sel lain:" in f.message


def test_cli_check_exits_1_and_names_the_cell(book: Path) -> None:
    assert CliRunner().invoke(app, ["check", str(book)]).exit_code == 0
    edit(book, {(UNIT, "K9"): 150})
    result = CliRunner().invoke(app, ["check", str(book)], terminal_width=200)
    assert result.exit_code == 1
    assert CODE in result.output and f"'{UNIT}'!K9" in result.output


def test_regenerate_refusal_names_the_cells(book: Path) -> None:
    edit(book, {(UNIT, "K9"): 150, ("Dasbor", "A1"): "DASBOR SAYA"})
    stamp = book.read_bytes()
    with pytest.raises(EditedSheetsError) as exc:
        regenerate(book)
    msg = exc.value.message
    assert f"'{UNIT}' (sel K9)" in msg and "'Dasbor' (sel A1)" in msg
    assert "--force" in msg and "sheet baru" in msg and "_xlsakip" not in msg
    assert book.read_bytes() == stamp
    regenerate(book, force=True)
    assert edits_of(book) == []
