"""The reader's loading of the master (book/reader.load_master_sheets): only the master's sheets are parsed,
and their cells, bound from a scan of the XML where it can, are exactly the cells openpyxl makes.

openpyxl's own full load is the reference, on the good master, on every damaged workbook of the corpus
(dates, error values, formulas, merged cells, renamed or deleted columns) and on the master saved by
LibreOffice (shared strings and the cell forms another program writes).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalc, requires_libreoffice

from tests.conftest import make_small_cascade
from tests.corpus_workbooks import WORKBOOK_CORPUS, build
from xl_sakip.book import schema as s
from xl_sakip.book.reader import READ_SHEETS, load_master_sheets
from xl_sakip.book.writer import write_master
from xl_sakip.regenerate import regenerate

OPENPYXL_DAMAGES = [c for c in WORKBOOK_CORPUS if c.exit_code == 1 or c.name in (
    "kolom_diganti_nama", "kolom_hilang", "sel_gabungan", "rumus_di_nilai", "galat_excel", "tanggal_di_angka",
    "tanggal_di_realisasi", "sheet_diganti_nama")]


def cells(ws) -> dict[tuple[int, int], tuple[object, str, str]]:
    return {k: (c.value, c.data_type, c.number_format) for k, c in ws._cells.items()}


def same_as_openpyxl(path: Path) -> set[str]:
    """Compare every master sheet with openpyxl's load; returns the sheets bound from the scan."""
    scanned: set[str] = set()
    with path.open("rb") as fh:
        fast = load_master_sheets(fh, scanned=scanned)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = openpyxl.load_workbook(path)
    assert fast.sheetnames == ref.sheetnames
    for ws in ref.worksheets:
        mine = fast[ws.title]
        assert mine.sheet_state == ws.sheet_state
        if ws.title.casefold() not in READ_SHEETS:
            assert mine._cells == {}  # not parsed
            continue
        assert cells(mine) == cells(ws), ws.title
        assert mine.max_row == ws.max_row and mine.max_column == ws.max_column
        assert sorted(map(str, mine.merged_cells.ranges)) == sorted(map(str, ws.merged_cells.ranges))
        assert sorted(mine.tables) == sorted(ws.tables)
    assert [str(n) for n in fast.defined_names] == [str(n) for n in ref.defined_names]
    return scanned


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return write_master(make_small_cascade(), tmp_path_factory.mktemp("scan") / "Cascading_2023.xlsm")


def test_master_and_regenerated_workbook(good: Path, tmp_path: Path) -> None:
    scanned = same_as_openpyxl(good)
    assert {s.SHEET_INDICATORS, s.SHEET_POSITIONS} <= scanned  # the large ones; others may be parsed
    regenerated = tmp_path / "regenerated.xlsm"
    regenerated.write_bytes(good.read_bytes())
    regenerate(regenerated)
    assert s.SHEET_INDICATORS in same_as_openpyxl(regenerated)


@pytest.mark.parametrize("case", OPENPYXL_DAMAGES, ids=lambda c: c.name)
def test_damaged_workbooks(case, good: Path, tmp_path: Path) -> None:
    same_as_openpyxl(build(case, good, tmp_path))


@requires_libreoffice
def test_master_saved_by_libreoffice(good: Path, tmp_path: Path) -> None:
    saved = recalc(good, tmp_path)  # LibreOffice's own writing of the same workbook
    same_as_openpyxl(saved)
