"""Cell references in formulas: column letters, whole-table columns, settings' names, sheet ranges.

Column letters always come from a column number (`L`), and a column number from the constants that define
the column (unit_layout.py, book/schema.py).
"""

from __future__ import annotations

from xl_sakip.book import schema as s
from xl_sakip.core import formula as fx
from xl_sakip.sheets.names import quote_sheet


def L(col: int) -> str:
    """Column letters of a 1-based column number: 1 -> A, 27 -> AA."""
    return fx.col_letters(col)


def absolute(col_: int, row: int) -> str:
    """$C$3"""
    return f"${L(col_)}${row}"


def column_area(col_: int, first: int, last: int) -> str:
    """$K$9:$K$20: rows first..last of one column."""
    return f"{absolute(col_, first)}:{absolute(col_, last)}"


def sheet_area(sheet: str, col_: int, first: int, last: int) -> str:
    """'P05 Kasi'!$K$9:$K$20"""
    return f"{quote_sheet(sheet)}!{column_area(col_, first, last)}"


def col(table: str, header: str) -> str:
    """A structured reference to a whole table column: tblIndikator[Target], tblIndikator[[Roll-up]]."""
    return fx.render(fx.TableCol(table, header))


def icol(field_name: str) -> str:
    return fx.render(icol_node(field_name))


def icol_node(field_name: str) -> fx.TableCol:
    """tblIndikator's column of an Indicator field, as a formula node."""
    hdr = next(c.header for c in s.INDICATOR_COLUMNS if c.field == field_name)
    return fx.TableCol(s.TABLE_INDICATORS, hdr)


def pcol(field_name: str) -> str:
    hdr = next(c.header for c in s.POSITION_COLUMNS if c.field == field_name)
    return col(s.TABLE_POSITIONS, hdr)


def setting(field_name: str) -> str:
    return next(x.name for x in s.SETTINGS if x.field == field_name)


BAND_LABEL = col(s.TABLE_BANDS, s.BAND_COLUMNS[0].header)
BAND_UPPER = col(s.TABLE_BANDS, s.BAND_COLUMNS[2].header)
GRADE_SCALE = col(s.TABLE_GRADES, s.GRADE_COLUMNS[0].header)
GRADE_CODE = col(s.TABLE_GRADES, s.GRADE_COLUMNS[1].header)
GRADE_SCORE = col(s.TABLE_GRADES, s.GRADE_COLUMNS[2].header)
SET_YEAR = setting("settings.year")
SET_OFFICE = setting("settings.office")
SET_CAP = setting("settings.capaian_cap")
SET_LOWER = setting("settings.lower_is_better_formula")
SET_ABOVE = setting("reference.above_target_label")


def count_equal(area: str, value: str) -> str:
    """Formula text (no leading "=") counting the cells of `area` that `=` `value`: text, case ignored,
    nothing else. Not COUNTIF: its criterion reads * ? ~ as wildcards, a leading < > = as an operator and
    number-like text as a number, and the labels counted this way (Ref_Kategori, the "Melampaui Target"
    setting) are typed by planners. One comparison per cell of `area`, as COUNTIF does."""
    return f"SUMPRODUCT(--({area}={value}))"


def text_literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def ref(sheet: str, col_: int, row: int) -> str:
    """'P05 Kasi'!$C$7: the text of plan.cell_ref's node (one rendering of a reference, fx.render)."""
    return fx.render(fx.Cell(col_, row, sheet=sheet, abs_col=True, abs_row=True))
