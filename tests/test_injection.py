"""Formula injection (issue 7, item 4): no text from a document or a cell ever becomes a formula in a
workbook the tool writes, including text that begins with "=", "+", "-", "@", a tab or a carriage return.

A seed whose texts start with those is imported; the master is reopened with openpyxl and every such cell
must be a string cell (data type "s") holding the text as written. The findings sheet (check --write) and
the generated sheets (regenerate) quote master text too: no formula of theirs may contain it. LibreOffice,
as a second reader, must show the same texts after a full recalculation, not a computed value.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalc, requires_libreoffice
from typer.testing import CliRunner

from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.models import Cascade, Indicator, Position

#: Texts that a spreadsheet would take for a formula (=1+1 would show 2; the others likewise).
HOSTILE = ["=1+1", "+1+1", "-1+3", "@SUM(1,1)", '=HYPERLINK("http://contoh.invalid","klik")']

SEED = "\n".join([
    "**CASCADING DINAS CONTOH TAHUN 2024**", "",
    "No\tSasaran Strategis\tIndikator Kinerja\tTarget",
    *(f"{k}\t{text} sasaran\t{text}\t{text}" for k, text in enumerate(HOSTILE, start=1)),
    "", "KEPALA DINAS", "",
    "No\tSasaran Strategis\tIndikator Kinerja\tTarget",
    "1\tS\t-2 Jumlah\t5 orang",
    "", "=1+1 SEKRETARIS",
])


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inj")
    seed = folder / "seed.txt"
    seed.write_text(SEED, encoding="utf-8")
    out = folder / "master.xlsm"
    result = CliRunner().invoke(app, ["import", str(seed), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    return out


def cells_with(wb: openpyxl.Workbook, texts: set[str]) -> dict[tuple[str, str], openpyxl.cell.Cell]:
    return {(ws.title, c.coordinate): c for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value in texts}


def no_formula_quotes(wb: openpyxl.Workbook, texts: list[str]) -> None:
    """No formula cell of any sheet contains a hostile text (the writers' own formulas never quote data)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    # A quoted sheet name ('P02 =1+1 SEKRETARIS'!C4) is a reference, not quoted data.
                    body = re.sub(r"'(?:[^']|'')*'!", "", str(c.value))
                    assert not any(t in body for t in texts), (ws.title, c.coordinate, c.value)


def test_imported_texts_are_string_cells(imported: Path) -> None:
    wb = openpyxl.load_workbook(imported)
    ind = wb["Indikator"]
    # Rows 2..6 are P01-1.1..P01-5.1; columns D Sasaran Strategis, E Indikator Kinerja, F Target Tertulis.
    for row, text in enumerate(HOSTILE, start=2):
        for col, expected in (("D", f"{text} sasaran"), ("E", text), ("F", text)):
            cell = ind[f"{col}{row}"]
            assert (cell.data_type, cell.value) == ("s", expected)
            assert cell.quotePrefix  # Excel keeps it text when the cell is edited
    title = wb["Jabatan"]["B3"]
    assert (title.data_type, title.value, title.quotePrefix) == ("s", "=1+1 SEKRETARIS", True)
    assert ind["E7"].value == "-2 Jumlah" and ind["E7"].data_type == "s"
    no_formula_quotes(wb, HOSTILE)
    # And the reader gives the same texts back.
    c = read_master(imported)
    assert [i.indikator for i in c.indicators[:5]] == HOSTILE


def test_tab_and_carriage_return_starts_are_text(tmp_path: Path) -> None:
    """Tab and CR cannot come from the seed (they split cells and lines) but can from a cell."""
    c = Cascade(positions=[Position(code="P01", title="\tKEPALA DINAS", order=0)], indicators=[
        Indicator(id="P01-1.1", position="P01", indikator="\t=1+1", sasaran="\r=1+1", target_text="\r\n+1"),
    ])
    path = write_master(c, tmp_path / "m.xlsm")
    ws = openpyxl.load_workbook(path)["Indikator"]
    # A lone CR would come back as LF from any XML parser: the writer stores LF (cells.clean_text).
    for ref, expected in (("E2", "\t=1+1"), ("D2", "\n=1+1"), ("F2", "\n+1")):
        assert (ws[ref].data_type, ws[ref].value, ws[ref].quotePrefix) == ("s", expected, True)


def test_findings_sheet_quotes_text_as_text(imported: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.xlsm"
    path.write_bytes(imported.read_bytes())
    result = CliRunner().invoke(app, ["check", str(path), "--write"], catch_exceptions=False)
    assert result.exit_code == 1  # unreadable targets are errors
    wb = openpyxl.load_workbook(path)
    temuan = wb["Temuan"]
    assert all(c.data_type != "f" for row in temuan.iter_rows() for c in row)
    messages = [c.value for c in temuan["F"] if isinstance(c.value, str)]
    assert any("=1+1" in m for m in messages)  # quoted in a message, as text
    no_formula_quotes(wb, HOSTILE)


def test_generated_sheets_never_turn_master_text_into_formulas(imported: Path, tmp_path: Path) -> None:
    regenerate = pytest.importorskip("xl_sakip.regenerate").regenerate
    path = tmp_path / "m.xlsm"
    path.write_bytes(imported.read_bytes())
    regenerate(path, force=True)
    wb = openpyxl.load_workbook(path)
    no_formula_quotes(wb, HOSTILE)
    for (sheet, ref), cell in cells_with(wb, set(HOSTILE)).items():
        assert cell.data_type == "s", (sheet, ref)


@requires_libreoffice
def test_libreoffice_shows_the_text_not_a_result(imported: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.xlsm"
    path.write_bytes(imported.read_bytes())
    try:
        from xl_sakip.regenerate import regenerate
    except ImportError:
        regenerated = False
    else:
        regenerate(path, force=True)
        regenerated = True
    values = openpyxl.load_workbook(recalc(path, tmp_path / "lo"), data_only=True)
    ind = values["Indikator"]
    for row, text in enumerate(HOSTILE, start=2):
        assert ind[f"E{row}"].value == text and ind[f"F{row}"].value == text
    assert values["Jabatan"]["B3"].value == "=1+1 SEKRETARIS"
    if regenerated:  # generated sheets show the master's text through their INDEX formulas: the text
        for text in HOSTILE:
            shown = [(ws.title, c.coordinate) for ws in values.worksheets if ws.title != "Indikator"
                     for row in ws.iter_rows() for c in row if c.value == text]
            assert shown, text
