"""The master's own sheets (Petunjuk, Jabatan, Indikator) display and print readably.

Expected values by hand: A4 portrait is 8,27 in wide, 0,75 in margins on each side leave 6,77 in = 650
pixels at 96 dpi; a Calibri 11 column of width w is 7w + 5 pixels wide; the 2023 seed has 94 indicators
(rows 2-95 of Indikator) and Realisasi TW4 is the 22nd column (V) of schema.INDICATOR_COLUMNS (14
columns ID ... Roll-up, 4 quarterly targets, 4 quarterly realisasi). LibreOffice renders the sheets to PDF
as a second opinion: every word of every cell must be on the page, and no two words may overlap (text
cut at the page edge or wrapped lines drawn over the next row fail).
"""

from __future__ import annotations

import html
import math
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from libreoffice import requires_libreoffice, soffice

from xl_sakip.book import schema as s
from xl_sakip.book.writer import build_master
from xl_sakip.importer import read_seed

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"
A4_PORTRAIT_PRINTABLE_PX = round((8.27 - 2 * 0.75) * 96)  # 650
#: Calibri 11 fits at most about 1,3 characters of text per unit of column width: fewer lines than
#: len / (1,3 w) are impossible, so a row shorter than that many lines cuts its text off.
MAX_CHARS_PER_WIDTH = 1.3


@pytest.fixture(scope="module")
def master() -> openpyxl.Workbook:
    return build_master(read_seed(SEED).cascade)


def _min_lines(text: str, width: float) -> int:
    return math.ceil(len(text) / (width * MAX_CHARS_PER_WIDTH))


def test_print_setup(master: openpyxl.Workbook) -> None:
    expected = {  # sheet: (orientation, paper (9 = A4, 8 = A3), rows repeated on every page, print area)
        "Petunjuk": ("portrait", 9, None, ""),
        "Jabatan": ("landscape", 9, "$1:$1", ""),
        "Indikator": ("landscape", 8, "$1:$1", "'Indikator'!$A$1:$V$95"),
    }
    for name, (orientation, paper, titles, area) in expected.items():
        ws = master[name]
        assert (ws.page_setup.orientation, int(ws.page_setup.paperSize)) == (orientation, paper), name
        # One page wide, as many pages tall as needed.
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0), name
        assert ws.print_title_rows == titles, name
        assert ws.print_area == area, name
    assert master["Indikator"]["V1"].value == "Realisasi TW4"


def test_instructions_fit_a4_portrait_and_rows_hold_their_lines(master: openpyxl.Workbook) -> None:
    ws = master["Petunjuk"]
    width = ws.column_dimensions["A"].width
    assert 7 * width + 5 <= A4_PORTRAIT_PRINTABLE_PX
    long_rows = 0
    for row in range(1, ws.max_row + 1):
        text = ws.cell(row, 1).value
        if not text:
            continue
        lines = _min_lines(text, width)
        if lines > 1:
            long_rows += 1
            assert (ws.row_dimensions[row].height or 15) >= 15 * lines, (row, text)
    assert long_rows >= 20  # most items of the sheet are longer than a line


def test_long_texts_get_taller_rows(master: openpyxl.Workbook) -> None:
    pos = master["Jabatan"]
    # P06 (row 7): 83 characters in the 48 wide Jabatan column: at least 2 lines. P01 KEPALA DINAS: one.
    assert pos["A7"].value == "P06" and len(pos["B7"].value) == 83
    assert pos.row_dimensions[7].height >= 30
    assert pos.row_dimensions[2].height is None
    assert pos.row_dimensions[1].height >= 30  # "Kode Atasan", "Baris Sumber" take two lines
    ind = master["Indikator"]
    col = {c.field: i for i, c in enumerate(s.INDICATOR_COLUMNS, start=1)}
    for row in range(2, 96):
        lines = max(_min_lines(ind.cell(row, col[f]).value or "", c.width)
                    for f, c in ((c.field, c) for c in s.INDICATOR_COLUMNS) if f in ("sasaran", "indikator"))
        if lines > 1:
            assert (ind.row_dimensions[row].height or 15) >= 15 * lines, row
    # P04-2.1: a 158-character indicator in a 48 wide column: 158 / (48 x 1,3) -> at least 3 lines.
    row = next(r for r in range(2, 96) if ind.cell(r, 1).value == "P04-2.1")
    assert len(ind.cell(row, col["indikator"]).value) == 158 and ind.row_dimensions[row].height >= 45


# --- LibreOffice as a second opinion -----------------------------------------------------------------


Word = tuple[int, float, float, float, float, str]


def _pdf_words(master: openpyxl.Workbook, sheet: str, tmp: Path) -> list[Word]:
    """The words LibreOffice prints for `sheet` alone: (page, xMin, yMin, xMax, yMax, text)."""
    for ws in list(master.worksheets):
        if ws.title != sheet:
            master.remove(ws)
    master.active = 0
    src = tmp / f"{sheet}.xlsx"
    master.save(src)
    subprocess.run([soffice(), f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(tmp), str(src)],
                   check=True, capture_output=True, timeout=180)
    xml = subprocess.run(["pdftotext", "-bbox", str(tmp / f"{sheet}.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = []
    for page, body in enumerate(re.split(r"<page ", xml)[1:], start=1):
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                             r"([^<]*)</word>", body):
            words.append((page, *map(float, m.groups()[:4]), html.unescape(m.group(5))))
    return words


def _tokens(text: str) -> list[str]:
    # LibreOffice breaks lines after a hyphen ("batas-" / "batasnya"): compare the parts.
    return [t for w in text.split() for t in w.split("-") if t]


def _overlaps(words: list[Word]) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other: boxes that meet across and share more than 40 % of their
    height (the lines of one wrapped cell touch by a point or two; text over text shares most of it)."""
    hits = []
    ordered = sorted(words, key=lambda w: (w[0], w[2]))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b[0] != a[0] or b[2] >= a[4] - 1:  # another page, or starts below a's bottom
                break
            shared = min(a[4], b[4]) - max(a[2], b[2])
            if min(a[3], b[3]) - max(a[1], b[1]) > 1 and shared > 0.4 * min(a[4] - a[2], b[4] - b[2]):
                hits.append((a[5], b[5]))
    return hits


@requires_libreoffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) not installed")
@pytest.mark.parametrize(("sheet", "fields"), [
    ("Petunjuk", None),
    ("Jabatan", ("code", "title")),
    ("Indikator", ("id", "sasaran", "indikator")),
])
def test_libreoffice_prints_every_word_without_overlap(sheet: str, fields: tuple[str, ...] | None,
                                                       tmp_path: Path) -> None:
    master = build_master(read_seed(SEED).cascade)
    ws = master[sheet]
    if fields is None:
        texts = [c.value for c in ws["A"] if c.value]
    else:
        columns = s.POSITION_COLUMNS if sheet == "Jabatan" else s.INDICATOR_COLUMNS
        letters = [i for i, c in enumerate(columns, start=1) if c.field in fields]
        texts = [ws.cell(r, c).value for r in range(2, ws.max_row + 1) for c in letters]
        texts = [text for text in texts if text]
    words = _pdf_words(master, sheet, tmp_path)
    printed = Counter(t for w in words for t in _tokens(w[5]))
    missing = Counter(t for text in texts for t in _tokens(str(text))) - printed
    assert not missing, f"not printed whole: {sorted(missing)[:10]}"
    assert _overlaps(words) == []
