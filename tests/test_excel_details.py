"""Details of the file that Excel is strict about and openpyxl/LibreOffice are not (issue 11).

- A defined name's formula has no leading "=" in SpreadsheetML (ECMA-376 18.2.5: the element's text is
  the formula itself); the `_xlsakip` markers were stored as `="xl-sakip|..."`. Excel may drop such
  names as "repaired records", and then nothing is known to be generated.
- A data validation's error title is at most 32 characters in Excel's dialog; a longer one was cut
  ("Rumus Capaian Polaritas Turun ti").
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import openpyxl

from tests.conftest import make_small_cascade
from xl_sakip.book import schema as s
from xl_sakip.book.writer import write_master
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets.marker import MARKER_NAME, Marker

DEFINED = re.compile(r'<definedName name="([^"]+)"([^>]*)>([^<]*)</definedName>')


def defined_names(path: Path) -> list[tuple[str, str, str]]:
    """(name, attributes, formula text as stored) of every defined name in xl/workbook.xml."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode()
    return [(n, a, html.unescape(t)) for n, a, t in DEFINED.findall(xml)]


def test_markers_are_stored_without_a_leading_equals_sign(tmp_path: Path) -> None:
    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    regenerate(master)
    names = defined_names(master)
    markers = [(a, t) for n, a, t in names if n == MARKER_NAME]
    # 3 unit sheets, Ringkasan, Dasbor, Pohon Kinerja, 3 PK sheets, LKjIP, Evaluasi Renja: every one
    # sheet-scoped and hidden.
    assert len(markers) == 11
    for attrs, text in markers:
        assert 'localSheetId="' in attrs and 'hidden="1"' in attrs
        assert re.fullmatch(r'"xl-sakip\|[a-z]+\|[A-Z0-9-]+\|[0-9a-f]{20}"', text), text
    assert not [n for n, _a, t in names if t.startswith("=")]


def test_regenerate_repairs_markers_of_older_workbooks(tmp_path: Path) -> None:
    """A workbook written by an earlier version (markers stored with "=") is still recognised: its
    generated sheets are replaced in place (no second set of sheets) and their markers written anew."""
    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    regenerate(master)
    wb = openpyxl.load_workbook(master)
    before = wb.sheetnames
    for ws in wb.worksheets:
        if (dn := ws.defined_names.get(MARKER_NAME)) is not None:
            dn.attr_text = "=" + dn.attr_text  # what 0.1.0 development versions wrote
    wb.save(master)
    assert sum(t.startswith("=") for n, _a, t in defined_names(master) if n == MARKER_NAME) == 11

    regenerate(master)
    assert openpyxl.load_workbook(master).sheetnames == before
    markers = [t for n, _a, t in defined_names(master) if n == MARKER_NAME]
    assert len(markers) == 11 and not [t for t in markers if t.startswith("=")]


def test_marker_forms() -> None:
    m = Marker("unit", "P01", "0123456789abcdef0123")
    assert m.formula() == '"xl-sakip|unit|P01|0123456789abcdef0123"'
    assert m.refers_to() == '="xl-sakip|unit|P01|0123456789abcdef0123"'  # what COM's Names.Add takes
    assert Marker.parse(m.formula()) == Marker.parse(m.refers_to()) == m


def test_validation_error_titles_fit_excel(tmp_path: Path) -> None:
    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(master)
    titles = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            titles[(ws.title, str(dv.sqref))] = (dv.errorTitle, dv.error)
    assert titles
    for where, (title, _error) in titles.items():
        assert len(title) <= 32, where
        assert title.endswith(" tidak valid"), (where, title)  # whole words, never cut
    # Pengaturan's lower-is-better setting: its label is too long for "<label> tidak valid" (41
    # characters), so the title is general and the message names the setting.
    row = next(r for r, x in enumerate(s.SETTINGS, start=2) if x.label == "Rumus Capaian Polaritas Turun")
    title, error = titles[(s.SHEET_SETTINGS, f"B{row}")]
    assert title == "Isian tidak valid"
    assert error == "Rumus Capaian Polaritas Turun: pilih 2T-R atau T/R dari daftar."
    assert titles[(s.SHEET_INDICATORS, next(k[1] for k in titles if k[0] == s.SHEET_INDICATORS
                                            and titles[k][0].startswith("Polaritas")))][0] \
        == "Polaritas tidak valid"


def test_the_shipped_workbook_has_no_name_stored_with_an_equals_sign() -> None:
    from xl_sakip.build import SHIPPED_WORKBOOK

    names = defined_names(SHIPPED_WORKBOOK)
    # 21 units, Ringkasan, Dasbor, Pohon, 21 PK, LKjIP, Evaluasi Renja
    assert sum(n == MARKER_NAME for n, _a, _t in names) == 47
    assert not [(n, t) for n, _a, t in names if t.startswith("=")]


def test_the_temuan_sheets_name_is_stored_without_an_equals_sign(tmp_path: Path) -> None:
    """`check --write` marks its Temuan sheet with a hidden sheet-scoped name holding the hash of its
    cells: a text constant, as the markers, and still recognised on the next run (not the user's notes)."""
    from xl_sakip.book.findings_sheet import FINDINGS_MARKER, SHEET_FINDINGS, write_findings_sheet
    from xl_sakip.core.validation import check

    master = write_master(make_small_cascade(), tmp_path / "m.xlsx")
    cascade = make_small_cascade()
    write_findings_sheet(master, check(cascade))
    (text,) = [t for n, _a, t in defined_names(master) if n == FINDINGS_MARKER]
    assert re.fullmatch(r'"[0-9a-f]{20}"', text), text
    write_findings_sheet(master, check(cascade))  # its own sheet: replaced, not refused
    assert SHEET_FINDINGS in openpyxl.load_workbook(master).sheetnames
