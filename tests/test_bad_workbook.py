"""The corpus of damaged workbooks (issue 7, item 1): each gets a message that names the place and the fix,
the documented exit code of `xl-sakip check` (2: the file cannot be used; 1: errors found), and no
traceback. Referential problems (a loop in the tree, unknown codes, repeated IDs) are findings of `check`
with their cells, while the strict reader that regenerate uses refuses them.

The damaged files are made from the good master by tests/corpus_workbooks.py; expected cells and words
come from the fixture's layout, worked out by hand (see that module's docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_workbooks import WORKBOOK_CORPUS, Case, build
from typer.testing import CliRunner

from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.reader import read_master, read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.models import Cascade
from xl_sakip.errors import WorkbookError


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages on one line, as in a wide terminal: rich would otherwise wrap them at 80 columns."""
    from xl_sakip import cli

    monkeypatch.setattr(cli.err, "width", 1000)
    monkeypatch.setattr(cli.out, "width", 1000)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_small_cascade

    return write_master(make_small_cascade(), tmp_path_factory.mktemp("good") / "master.xlsm")


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", WORKBOOK_CORPUS, ids=lambda c: c.name)
def test_check_answers_every_damaged_workbook(case: Case, good: Path, tmp_path: Path) -> None:
    path = build(case, good, tmp_path)
    code, stdout, stderr = run("check", str(path))
    text = flat(stdout + stderr)
    assert "Traceback" not in text
    assert code == case.exit_code, text
    if code == 2:
        assert text.startswith("Galat:")
        for words in case.words:
            assert words in text
    else:  # the table wraps its cells; the words are checked in the JSON output below
        assert f"{path}: " in stdout.replace("\n", "") and " galat," in text


@pytest.mark.parametrize("case", [c for c in WORKBOOK_CORPUS if c.codes], ids=lambda c: c.name)
def test_referential_problems_are_findings_with_cells(case: Case, good: Path, tmp_path: Path) -> None:
    path = build(case, good, tmp_path)
    code, stdout, _ = run("check", str(path), "--json")
    assert code == 1
    findings = json.loads(stdout)
    codes = {f["code"] for f in findings}
    assert set(case.codes) <= codes
    cells = {f.get("cell") for f in findings if f["code"] in case.codes}
    assert set(case.cells) <= cells
    messages = " ".join(f["message"] for f in findings if f["code"] in case.codes)
    for words in case.words:
        assert words in messages
    # The strict reader (regenerate, PK, tree) refuses the same file, naming the sheet.
    with pytest.raises(WorkbookError, match="Sheet '(Indikator|Jabatan)' sel"):
        read_master(path)


@pytest.mark.parametrize("name", ["siklus_jabatan", "siklus_jabatan_huruf_kecil"])
def test_strict_reader_names_the_loop(name: str, good: Path, tmp_path: Path) -> None:
    case = next(c for c in WORKBOOK_CORPUS if c.name == name)
    with pytest.raises(WorkbookError) as info:
        read_master(build(case, good, tmp_path))
    # P01 -> P03 (set by hand) -> P02 (P03's parent) -> P01 (P02's parent).
    assert str(info.value) == (
        "Sheet 'Jabatan' sel C2: Kode Atasan membentuk putaran P01 → P03 → P02 → P01; perbaiki Kode Atasan "
        "salah satunya (jabatan tertinggi dikosongkan)."
    )


def test_lenient_reading_keeps_every_row(good: Path, tmp_path: Path, small_cascade: Cascade) -> None:
    """strict=False drops nothing: the repeated ID and the unknown code stay in the cascade."""
    case = next(c for c in WORKBOOK_CORPUS if c.name == "id_ganda")
    cascade, where = read_master_with_rows(build(case, good, tmp_path), strict=False)
    assert [i.id for i in cascade.indicators] == [*(i.id for i in small_cascade.indicators[:7]), "P03-1.1"]
    assert where.indicator_rows["P03-1.1"] == 8  # the first of the two
    assert where.indicator_rows["P01-1.1"] == 2 and where.position_rows["P03"] == 4
    assert where.indicator_columns["supports"] == "M" and where.position_columns["parent"] == "C"


def test_rows_follow_moved_columns_and_sorted_rows(good: Path, tmp_path: Path) -> None:
    """Cells of findings come from the reader's own pass: after sorting rows and moving a column they still
    point at the right cell."""
    import openpyxl

    wb = openpyxl.load_workbook(good, keep_vba=True)
    ws = wb["Indikator"]
    ws.move_range("A9:AE9", rows=1)  # P03-2.1 one row down: row 9 blank
    ws.insert_cols(1)  # every column one to the right: ID in B, Mendukung ID in N
    ws["N8"] = "P02-9.9"  # P03-1.1 (row 8) supports an unknown ID
    path = tmp_path / "moved.xlsm"
    wb.save(path)
    report = run_check(path)
    links = [f for f in report.findings if f.code == "LINK_TIDAK_DIKENAL"]
    assert [(f.indicator_id, f.cell) for f in links] == [("P03-1.1", "Indikator!N8")]
    assert report.exit_code == 1


def test_position_findings_follow_moved_columns(good: Path, tmp_path: Path) -> None:
    """A finding on the Jabatan sheet names the column where Kode Atasan now is, not where the writer put it
    (the reader's columns reach the core for both sheets)."""
    import openpyxl

    wb = openpyxl.load_workbook(good, keep_vba=True)
    ws = wb["Jabatan"]
    ws.insert_cols(1)  # Kode moves from A to B, Kode Atasan from C to D
    ws["D4"] = "P99"  # P03 (row 4) reports to a code that does not exist
    path = tmp_path / "moved_positions.xlsm"
    wb.save(path)
    found = [f for f in run_check(path).findings if f.code == "ATASAN_TIDAK_DIKENAL"]
    assert [(f.position, f.cell) for f in found] == [("P03", "Jabatan!D4")]


def test_check_write_on_damaged_file_changes_nothing(good: Path, tmp_path: Path) -> None:
    case = next(c for c in WORKBOOK_CORPUS if c.name == "rumus_di_nilai")
    path = build(case, good, tmp_path)
    before = path.read_bytes()
    code, _, stderr = run("check", str(path), "--write")
    assert code == 2 and "Traceback" not in stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no lock or temp file left
