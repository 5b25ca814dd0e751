"""Cell helpers shared by the workbook writer and reader.

Text from documents is data: a string that Excel (or a CSV importer) would read as a formula must be stored
as a string cell, never as a formula. openpyxl turns any str starting with "=" into a formula, so the writer
goes through `put` and never assigns `cell.value` directly.
"""

from __future__ import annotations

import re
import textwrap
from enum import Enum

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

#: Leading characters that spreadsheet programs may treat as the start of a formula. A line feed is here
#: because a carriage return is stored as one (clean_text), and CSV readers strip leading white space.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

# Characters XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
INPUT_HEADER_FILL = PatternFill("solid", fgColor="548235")  # columns planners fill in every quarter
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

#: Points per line of 11 pt text: Excel's default row height.
LINE_HEIGHT = 15.0
#: The tallest row Excel allows (points).
MAX_ROW_HEIGHT = 409.0
#: Characters of ordinary text per unit of column width (the width of a digit "0"). Calibri fits about 1.3;
#: LibreOffice with its stand-in font (DejaVu Sans, where Calibri and Carlito are missing) about 1.15. A
#: little less is used so that an estimated row is rather a line too tall than cut off.
CHARS_PER_WIDTH = 1.1


def clean_text(text: str) -> str:
    """The text as an .xlsx cell can hold it.

    Control characters other than tab and line feed cannot be stored (XML 1.0) and are dropped; a carriage
    return would come back as a line feed after any XML parser, so line ends become line feeds here, which
    is also what Excel uses inside a cell.
    """
    return _ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def put(cell: Cell, value: object, number_format: str | None = None) -> Cell:
    """Write `value` into `cell` as data: strings always stay strings, enums are written by value.

    A string that begins with a formula trigger is stored with data type "s" (never "f") and with Excel's
    quote prefix, so that editing the cell in Excel does not turn it into a formula either.
    """
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        cell.data_type = "s"  # undo openpyxl's "=..." -> formula guess
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    elif isinstance(value, bool):
        raise TypeError("booleans are written as ya/tidak, not as Excel booleans")
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def formula(cell: Cell, text: str) -> Cell:
    """Write a formula on purpose (the only way the writer creates one)."""
    if not text.startswith("="):
        raise ValueError(f"not a formula: {text!r}")
    cell.value = text
    return cell


def style_header(cell: Cell, *, input_column: bool = False) -> None:
    cell.font = HEADER_FONT
    cell.fill = INPUT_HEADER_FILL if input_column else HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT


def is_formula(cell: Cell) -> bool:
    """True when the cell holds a formula (workbook read with data_only=False)."""
    return cell.data_type == "f"


def wrapped_lines(
    text: object, width: float, *, size: float = 11, bold: bool = False, indent: int = 0
) -> int:
    """Lines `text` takes when wrapped in a column `width` units wide (Excel's column width), at least 1.

    Neither Excel nor LibreOffice sizes rows for wrapped text when a file is opened, and openpyxl cannot
    measure text: this estimates by words, per line of the text, for a font of `size` points (bold is
    about a tenth wider). `indent` is Excel's indent level (about two characters each).
    """
    if text is None or text == "":
        return 1
    chars = max(1, int(width * CHARS_PER_WIDTH * 11 / (size * (1.1 if bold else 1))) - 2 * indent)
    parts = str(text).split("\n")
    return sum(max(1, len(textwrap.wrap(part, chars, break_on_hyphens=False))) for part in parts)


def row_height(lines: int, *, size: float = 11) -> float:
    """Row height in points for `lines` lines of text of `size` points (at most Excel's maximum)."""
    return min(MAX_ROW_HEIGHT, round(max(1, lines) * LINE_HEIGHT * max(size, 11) / 11, 1))
