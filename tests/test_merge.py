"""Merged ranges written by `openpyxl_writer.merge`: the style ids of the first range of a kind are reused
for the next ones instead of merging through openpyxl again. The saved workbook must be the one openpyxl's
own `merge_cells` gives (every part, byte for byte), and a covered cell must keep the borders of the range
(worked out by hand below)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.styles import Border, Side
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.importer import read_seed
from xl_sakip.pk import write_pk_sheet
from xl_sakip.sheets import openpyxl_writer
from xl_sakip.sheets.index import indicators_by_position

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _parts(wb: openpyxl.Workbook) -> dict[str, bytes]:
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:  # docProps carry the time of the save
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


def _pk_workbook() -> openpyxl.Workbook:
    cascade = read_seed(SEED).cascade
    wb = openpyxl.Workbook()
    by_pos = indicators_by_position(cascade)
    for pos in cascade.positions:
        write_pk_sheet(wb, cascade, pos.code, inds=by_pos.get(pos.code, []))
    return wb


def test_pk_sheets_are_saved_as_openpyxl_merges_them(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"openpyxl": 0}
    plain = Worksheet.merge_cells

    def counted(self: Worksheet, *a: object, **kw: object) -> None:
        calls["openpyxl"] += 1
        plain(self, *a, **kw)

    monkeypatch.setattr(Worksheet, "merge_cells", counted)
    fast = _parts(_pk_workbook())
    fast_calls = calls["openpyxl"]
    monkeypatch.setattr(openpyxl_writer, "merge",
                        lambda ws, r1, c1, r2, c2: ws.merge_cells(start_row=r1, start_column=c1,
                                                                  end_row=r2, end_column=c2))
    calls["openpyxl"] = 0
    reference = _parts(_pk_workbook())
    # 21 PK sheets, each with its title, party and signature merges: most ranges repeat a kind already seen
    assert fast_calls < calls["openpyxl"] / 5, (fast_calls, calls["openpyxl"])
    assert list(fast) == list(reference)
    assert [n for n in reference if fast[n] != reference[n]] == []


def _border_sides(styles: ET.Element, xf: int) -> dict[str, str | None]:
    border_id = int(styles.find("m:cellXfs", NS)[xf].get("borderId"))  # type: ignore[index]
    border = styles.find("m:borders", NS)[border_id]  # type: ignore[index]
    return {side: (el.get("style") if (el := border.find(f"m:{side}", NS)) is not None else None)
            for side in ("left", "right", "top", "bottom")}


def test_a_repeated_merge_keeps_the_borders_of_its_range() -> None:
    """A boxed top-left cell, merged over A1:B1 and A3:B4 on two sheets; the second sheet's merges are the
    repeated kind (memo). By hand, from openpyxl's rule (each edge's covered cells take the top-left cell's
    side of that edge): B1 top, right, bottom; B3 top, right; A4 left, bottom; B4 right, bottom."""
    wb = openpyxl.Workbook()
    thin = Side(style="thin", color="000000")
    for ws in (wb.active, wb.create_sheet("Dua")):
        for coord in ("A1", "A3"):
            ws[coord].border = Border(left=thin, right=thin, top=thin, bottom=thin)
        openpyxl_writer.merge(ws, 1, 1, 1, 2)
        openpyxl_writer.merge(ws, 3, 1, 4, 2)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet2.xml"))
    merged = [m.get("ref") for m in sheet.iter(f"{{{NS['m']}}}mergeCell")]
    assert sorted(merged) == ["A1:B1", "A3:B4"]
    xf = {c.get("r"): int(c.get("s", "0")) for c in sheet.iter(f"{{{NS['m']}}}c")}
    t = "thin"
    expected = {
        "A1": dict(left=t, right=t, top=t, bottom=t),
        "B1": dict(left=None, right=t, top=t, bottom=t),
        "A3": dict(left=t, right=t, top=t, bottom=t),
        "B3": dict(left=None, right=t, top=t, bottom=None),
        "A4": dict(left=t, right=None, top=None, bottom=t),
        "B4": dict(left=None, right=t, top=None, bottom=t),
    }
    assert {c: _border_sides(styles, xf[c]) for c in expected} == expected
