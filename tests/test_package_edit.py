"""`check --write` puts its Temuan sheet into the package as it is on disk (book/package_edit.py).

The second engine here is openpyxl's own way (load the workbook, add the sheet, save), still taken for
packages the edit does not handle: both ways must give the same sheet, cell by cell, style by style. Every
other part must come out as it went in, compressed bytes included, and LibreOffice must read the result.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from tests.conftest import force_openpyxl_way, make_small_cascade
from tests.libreoffice import recalc, requires_libreoffice
from xl_sakip.book import findings_sheet, package, package_edit
from xl_sakip.book.findings_sheet import FINDINGS_MARKER, SHEET_FINDINGS, run_check, write_findings_sheet
from xl_sakip.book.package_edit import merge_styles
from xl_sakip.book.sheet_xml import Package
from xl_sakip.book.writer import write_master
from xl_sakip.core.findings import Finding, Severity
from xl_sakip.errors import UserError

SHIPPED = Path(__file__).resolve().parents[1] / "workbook" / "Cascading_2023.xlsm"
EDITED = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}

#: Numbers whose 17 digits, rounded to the 16 a file holds (openpyxl's "%.16g") and then to the 15 the
#: marker's hash keeps, end in another digit than rounded to 15 at once (seen at 10 000 indicators: 24 of
#: 14 842 findings): 61.165862864332155 -> 61.16586286433215 -> 61.1658628643321, not ...322.
DOUBLE_ROUNDED = (61.165862864332155, 61.972318339100354, 50.109225340278954)

FINDINGS = [
    Finding(severity=Severity.ERROR, code="CONTOH", message="pesan contoh " * 12, cell="Indikator!G2",
            position="P01", indicator_id="P01-1.1", target=71.1, sum=64.31, actual=DOUBLE_ROUNDED[0]),
    Finding(severity=Severity.WARNING, code="LAIN", message=" spasi di depan", target=DOUBLE_ROUNDED[1],
            sum=DOUBLE_ROUNDED[2]),
    Finding(severity=Severity.INFO, code="INFO", message="baris\nkedua"),
]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    return write_master(make_small_cascade(), tmp_path / "m.xlsm")


def members(path: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """Each member's CRC, sizes and compressed bytes (what a copy keeps, beyond the inflated part)."""
    out = {}
    with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            fh.seek(info.header_offset + 26)
            name_len, extra_len = int.from_bytes(fh.read(2), "little"), int.from_bytes(fh.read(2), "little")
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            out[info.filename] = (info.CRC, info.file_size, info.compress_size, fh.read(info.compress_size))
    return out


def look(cell) -> tuple:
    return (cell.value, cell.font.b, cell.font.color and cell.font.color.rgb, cell.fill.fgColor.rgb,
            cell.fill.fill_type, cell.alignment.vertical, cell.alignment.wrap_text, cell.number_format)


def sheet_look(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_FINDINGS]
    return {
        "index": wb.sheetnames.index(SHEET_FINDINGS),
        "cells": {k: look(c) for k, c in sorted(ws._cells.items())},
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "marker": ws.defined_names[FINDINGS_MARKER].attr_text,
    }


def test_the_sheet_is_the_one_openpyxl_would_write(master: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.xlsm"
    shutil.copyfile(master, other)
    write_findings_sheet(master, FINDINGS)
    with monkeypatch.context() as m:
        force_openpyxl_way(m)
        write_findings_sheet(other, FINDINGS)
    ours, theirs = sheet_look(master), sheet_look(other)
    assert ours == theirs
    # and what the sheet says, worked out from FINDINGS by hand
    cells = ours["cells"]
    assert [cells[(1, c)][0] for c in range(1, 10)] == ["Tingkat", "Kode", "Jabatan", "ID Indikator", "Sel",
                                                       "Pesan", "Target", "Jumlah", "Nilai"]
    assert cells[(1, 1)][1:5] == (True, "00FFFFFF", "001F4E78", "solid")  # bold white on dark blue
    assert [cells[(2, c)][0] for c in (1, 2, 3, 4, 5)] == [
        "galat", "CONTOH", "P01", "P01-1.1", "Indikator!G2"]
    assert cells[(2, 9)][0] == pytest.approx(61.1658628643322, abs=1e-12)
    assert cells[(2, 9)][7] == "#,##0.00"
    assert cells[(3, 6)][0] == " spasi di depan" and cells[(4, 6)][0] == "baris\nkedua"
    assert cells[(2, 6)][5:7] == ("top", True)  # Pesan wraps
    assert ours["freeze"] == "A2" and ours["filter"] == "A1:I4"
    assert ours["widths"]["F"] == 90 and ours["heights"][2] > 15  # the long message's row is taller


@pytest.mark.parametrize("way", ["package", "openpyxl"])
def test_a_second_write_replaces_the_tools_sheet(master: Path, way: str, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    """Before (both ways): the numbers of DOUBLE_ROUNDED made the second `check --write` refuse the tool's
    own Temuan as "diubah manual" (at 10 000 indicators, every time)."""
    if way == "openpyxl":
        force_openpyxl_way(monkeypatch)
    write_findings_sheet(master, FINDINGS)
    write_findings_sheet(master, FINDINGS)
    write_findings_sheet(master, FINDINGS[1:])
    wb = openpyxl.load_workbook(master)
    assert wb.sheetnames.count(SHEET_FINDINGS) == 1
    assert wb[SHEET_FINDINGS]["B2"].value == "LAIN" and wb[SHEET_FINDINGS]["B4"].value is None


def test_every_other_part_is_kept_as_it_was(tmp_path: Path) -> None:
    """The shipped workbook (47 generated sheets, the macros, the ribbon): every part but the four edited
    ones is the same member, compressed bytes included; the generated sheets keep their part stamps, so the
    next `check` knows them unchanged without reading a cell."""
    book = tmp_path / "Cascading_2023.xlsm"
    shutil.copyfile(SHIPPED, book)
    before = members(book)
    findings = run_check(book).findings
    write_findings_sheet(book, findings)
    after = members(book)
    (new,) = set(after) - set(before)
    assert set(before) - set(after) == set()
    assert {n: v for n, v in before.items() if n not in EDITED} == \
        {n: v for n, v in after.items() if n in before and n not in EDITED}
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        assert len(pkg.markers) == 47 and all(pkg.written_as_is(name) for name in pkg.markers)
        ct = zf.read("[Content_Types].xml").decode()
        assert f'<Override PartName="/{new}" ContentType="{package_edit.WORKSHEET_CONTENT_TYPE}"/>' in ct
        assert "macroEnabled" in ct and "vbaProject.bin" in ct
    assert run_check(book).findings == findings  # the new sheet disturbs nothing the check reads


def test_existing_styles_keep_their_ids(tmp_path: Path) -> None:
    book = tmp_path / "Cascading_2023.xlsm"
    shutil.copyfile(SHIPPED, book)
    with zipfile.ZipFile(book) as zf:
        old = ET.fromstring(zf.read("xl/styles.xml"))
    write_findings_sheet(book, FINDINGS)
    with zipfile.ZipFile(book) as zf:
        styles = zf.read("xl/styles.xml")
        new = ET.fromstring(styles)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    for tag in ("numFmts", "fonts", "fills", "borders", "cellXfs", "cellStyleXfs", "dxfs"):
        was, now = list(old.find(main + tag)), list(new.find(main + tag))
        assert [ET.tostring(e) for e in now[:len(was)]] == [ET.tostring(e) for e in was], tag
        assert new.find(main + tag).get("count") == str(len(now))
    # A second write finds the formats it added and adds nothing.
    write_findings_sheet(book, FINDINGS)
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/styles.xml") == styles


def test_formats_rewritten_as_excel_saves_them_are_found_again(tmp_path: Path) -> None:
    """Excel, saving a workbook, writes a font's children in its own order, colours with alpha FF and a
    solid fill with `<bgColor indexed="64"/>`: the formats appended before are still found, and the next
    write appends nothing (review: a font and four cell formats more at every run)."""
    book = tmp_path / "Cascading_2023.xlsm"
    shutil.copyfile(SHIPPED, book)
    write_findings_sheet(book, FINDINGS)

    def as_excel(xml: str) -> str:
        xml = re.sub(r"<font>(.*?)</font>", lambda m: "<font>" + "".join(
            reversed(re.findall(r"<[^>]+/>", m.group(1)))) + "</font>", xml)
        xml = re.sub(r'rgb="00([0-9A-Fa-f]{6})"', r'rgb="FF\1"', xml)
        return re.sub(r"(<fgColor [^>]*/>)(</patternFill>)", r'\1<bgColor indexed="64"/>\2', xml)

    rewrite(book, styles=as_excel)
    with zipfile.ZipFile(book) as zf:
        styles = zf.read("xl/styles.xml")
    assert b'<bgColor indexed="64"/>' in styles and b'rgb="FF1F4E78"' in styles
    write_findings_sheet(book, FINDINGS)
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/styles.xml") == styles


def test_merge_styles_by_hand() -> None:
    """Ids worked out by hand: the target has 2 fonts, 1 fill, 1 border, 2 cell formats and the number
    format 164 "0.0%"; the source's format 1 (bold, "0.0%") and 2 ("#,##0.000", builtin-free) are added."""
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    target = (f'<styleSheet {main}><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
              '<fonts count="2"><font><sz val="11"/></font><font><b val="1"/></font></fonts>'
              '<fills count="1"><fill><patternFill/></fill></fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>')
    source = (f'<styleSheet {main}><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.000"/>'
              '<numFmt numFmtId="165" formatCode="0.0%"/></numFmts>'
              '<fonts count="2"><font><sz val="11"/></font><font><b val="1"/></font></fonts>'
              '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>'
              '</fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="165" fontId="1" fillId="0" borderId="0" xfId="0" pivotButton="0"/>'
              '<xf numFmtId="164" fontId="0" fillId="1" borderId="0" xfId="0"/></cellXfs></styleSheet>')
    merged, ids = merge_styles(target, source, {0, 1, 2})
    assert ids == {0: 0, 1: 2, 2: 3}
    root = ET.fromstring(merged)
    m = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert [(e.get("numFmtId"), e.get("formatCode")) for e in root.find(m + "numFmts")] == [
        ("164", "0.0%"), ("165", "#,##0.000")]
    assert root.find(m + "fills").get("count") == "2"  # gray125 added; the bold font was there already
    assert root.find(m + "fonts").get("count") == "2"
    xfs = [(e.get("numFmtId"), e.get("fontId"), e.get("fillId")) for e in root.find(m + "cellXfs")]
    assert xfs == [("0", "0", "0"), ("164", "0", "0"), ("164", "1", "0"), ("165", "0", "1")]
    assert root.find(m + "cellXfs").get("count") == "4"
    # no number formats of its own: the part gets the collection, first in the stylesheet
    plain = re.sub(r"<numFmts.*?</numFmts>", "", target)
    merged, ids = merge_styles(plain, source, {2})
    assert re.search(r'<styleSheet [^>]*><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.000"/>'
                     r"</numFmts><fonts", merged)


@pytest.mark.parametrize("way", ["package", "openpyxl"])
@pytest.mark.parametrize("note", ["comment", "picture", "table"])
def test_notes_on_the_tools_sheet_are_kept(master: Path, tmp_path: Path, way: str, note: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment, a picture or a table added to the tool's Temuan (its cells unchanged): the next write is
    refused, as for a note typed into a cell. (Before, both ways: the sheet replaced, the note gone.)"""
    write_findings_sheet(master, FINDINGS)
    wb = openpyxl.load_workbook(master, keep_vba=True)
    ws = wb[SHEET_FINDINGS]
    if note == "comment":
        ws["B2"].comment = Comment("dibahas 12 Mei", "Kabid")
    elif note == "picture":
        from openpyxl.drawing.image import Image
        from PIL import Image as PILImage

        PILImage.new("RGB", (8, 8), "red").save(tmp_path / "foto.png")
        ws.add_image(Image(str(tmp_path / "foto.png")), "K2")
    else:
        from openpyxl.worksheet.table import Table

        ws.add_table(Table(displayName="tblTemuan", ref="A1:I4"))  # Format as Table over its own cells
    package.save_workbook(wb, master, force=True)
    if way == "openpyxl":
        force_openpyxl_way(monkeypatch)
    before = master.read_bytes()
    with pytest.raises(UserError, match="sudah diubah manual sejak ditulis"):
        write_findings_sheet(master, [])
    assert master.read_bytes() == before


def test_a_sheet_named_temuan_in_other_letters_is_the_users(master: Path) -> None:
    """Excel's sheet names ignore case: a user's "TEMUAN" is where ours would go, and is refused."""
    wb = openpyxl.load_workbook(master, keep_vba=True)
    wb.create_sheet("TEMUAN")["A1"] = "catatan rapat"
    package.save_workbook(wb, master, force=True)
    before = master.read_bytes()
    with pytest.raises(UserError, match="tidak dibuat oleh xl-sakip"):
        write_findings_sheet(master, FINDINGS)
    assert master.read_bytes() == before


def test_a_package_it_cannot_edit_goes_through_openpyxl(master: Path) -> None:
    """styles.xml with the spreadsheet namespace under a prefix (x:), as some generators write it: text
    inserted unprefixed would be in no namespace, so the edit declines and openpyxl's way writes it."""
    with zipfile.ZipFile(master) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    styles = parts["xl/styles.xml"].decode()
    styles = re.sub(r"<(/?)(\w+)", r"<\1x:\2", styles).replace(
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    parts["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(master, "w") as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    with pytest.raises(package_edit.Declined, match="styleSheet"):
        package_edit.PackageEdit(master)
    write_findings_sheet(master, FINDINGS)
    assert openpyxl.load_workbook(master)[SHEET_FINDINGS]["B2"].value == "CONTOH"


@requires_libreoffice
def test_libreoffice_reads_it_and_a_libreoffice_file_takes_it(master: Path, tmp_path: Path) -> None:
    """A workbook saved by LibreOffice (its own styles, shared strings, namespaces) takes the sheet too,
    and LibreOffice reads the result back: the Temuan's cells as written."""
    saved = recalc(master, tmp_path / "lo1")
    write_findings_sheet(saved, FINDINGS)
    again = openpyxl.load_workbook(recalc(saved, tmp_path / "lo2"))
    ws = again[SHEET_FINDINGS]
    assert again.sheetnames[-1] == SHEET_FINDINGS
    assert [ws.cell(r, 2).value for r in (1, 2, 3, 4)] == ["Kode", "CONTOH", "LAIN", "INFO"]
    assert ws["G2"].value == pytest.approx(71.1) and ws["F4"].value == "baris\nkedua"
    assert ws["A1"].font.b and ws["G2"].number_format == "#,##0.00"
    assert again["Indikator"]["A2"].value == openpyxl.load_workbook(master)["Indikator"]["A2"].value
    # LibreOffice saves our Temuan with an empty drawing (nothing on it): not a note, replaced (red team:
    # refused as "diubah manual")
    resaved = tmp_path / "lo2" / (saved.stem + ".xlsx")
    with zipfile.ZipFile(resaved) as zf:
        assert any(n.startswith("xl/drawings/") for n in zf.namelist())
    write_findings_sheet(resaved, FINDINGS[:1])
    assert openpyxl.load_workbook(resaved)[SHEET_FINDINGS]["B3"].value is None
    # its relationships went with it (the new part refers to none), and with them the empty drawing
    with zipfile.ZipFile(resaved) as zf:
        names = set(zf.namelist())
        part = temuan_part(resaved)
        assert f"xl/worksheets/_rels/{part.rsplit('/', 1)[1]}.rels" not in names
        overrides = re.findall(r'PartName="/([^"]+)"', zf.read("[Content_Types].xml").decode())
        assert set(overrides) <= names  # no override of a part that is gone


def test_the_tools_own_sheet_is_cleared_by_the_scan(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacing the tool's unedited Temuan reads it from its XML (sheet_xml's scan), not through openpyxl,
    which loaded the whole package for it (460 MB at 10 000 indicators). A note typed into it still goes
    to openpyxl's reading, which decides."""
    write_findings_sheet(master, FINDINGS)
    read: list[str] = []
    values = findings_sheet._sheet_values
    monkeypatch.setattr(findings_sheet, "_sheet_values",
                        lambda path, name: read.append(name) or values(path, name))
    write_findings_sheet(master, FINDINGS[:1])
    assert read == []
    wb = openpyxl.load_workbook(master, keep_vba=True)
    wb[SHEET_FINDINGS]["J2"] = "catatan"
    package.save_workbook(wb, master, force=True)
    with pytest.raises(UserError, match="sudah diubah manual"):
        write_findings_sheet(master, [])
    assert read == [SHEET_FINDINGS]


# --- the red team's cases (review 16) ----------------------------------------------------------------------

def rewrite(path: Path, **changes) -> None:
    """Rewrite members of the zip at `path`: a member (or its short name) -> a function of its text."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for key, change in changes.items():
        name = {"workbook": "xl/workbook.xml", "rels": "xl/_rels/workbook.xml.rels",
                "types": "[Content_Types].xml", "styles": "xl/styles.xml"}.get(key, key)
        out = change(parts[name].decode("utf-8"))
        parts[name] = out if isinstance(out, bytes) else out.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in parts.items():
            zf.writestr(n, b)


def temuan_part(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return dict(package.sheet_parts(zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels"))
                    )[SHEET_FINDINGS]


def test_a_note_outside_the_stated_dimension_is_seen(master: Path) -> None:
    """A note typed beside the tool's Temuan by a writer that left `<dimension>` as it was: openpyxl's
    streaming reader reads only inside it. Found (red team: the sheet was replaced, the note lost)."""
    write_findings_sheet(master, FINDINGS)
    part = temuan_part(master)
    rewrite(master, **{part: lambda x: x.replace(
        "</sheetData>",
        '<row r="10"><c r="J10" t="inlineStr"><is><t>catatan saya</t></is></c></row></sheetData>')})
    with zipfile.ZipFile(master) as zf:
        assert '<dimension ref="A1:I4"' in zf.read(part).decode()
    with pytest.raises(UserError, match="sudah diubah manual"):
        write_findings_sheet(master, [])
    assert openpyxl.load_workbook(master)[SHEET_FINDINGS]["J10"].value == "catatan saya"


@pytest.mark.parametrize("damage", ["utf16", "prefix_on_sheet", "single_quotes", "prefixed_sheets"])
def test_xml_the_edit_does_not_read_goes_through_openpyxl(master: Path, damage: str) -> None:
    """Legal XML the text edits would misread (red team): declined before anything is written, then
    openpyxl's way writes the sheet. Before: a traceback (UTF-16, `<x:sheets>`), a workbook.xml with an
    unbound prefix (relationships namespace declared on each `<sheet>`), a second rId1 that made the sheet
    Petunjuk show the Temuan (single quotes)."""
    r_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    changes = {
        "utf16": {"styles": lambda x: x.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")},
        "prefix_on_sheet": {"workbook": lambda x: x.replace(" " + r_ns, "", 1)
                            .replace("<sheet ", f"<sheet {r_ns} ")},
        "single_quotes": {"rels": lambda x: re.sub(r'Id="(rId\d+)"', r"Id='\1'", x)},
        "prefixed_sheets": {"workbook": lambda x: x.replace("<sheets>", '<x:sheets xmlns:x="http://schemas.'
                                                            'openxmlformats.org/spreadsheetml/2006/main">')
                            .replace("</sheets>", "</x:sheets>")},
    }[damage]
    petunjuk = openpyxl.load_workbook(master)["Petunjuk"]["A1"].value
    rewrite(master, **changes)
    write_findings_sheet(master, FINDINGS)
    wb = openpyxl.load_workbook(master)
    assert wb[SHEET_FINDINGS]["B2"].value == "CONTOH" and wb["Petunjuk"]["A1"].value == petunjuk


def test_a_stale_content_type_does_not_name_the_new_part(master: Path) -> None:
    """An Override left for a part that is gone: the new sheet takes another name (red team: two Overrides
    of one PartName, invalid OPC)."""
    with zipfile.ZipFile(master) as zf:
        n = len([m for m in zf.namelist() if m.startswith("xl/worksheets/sheet")])
    stale = f"/xl/worksheets/sheet{n + 1}.xml"
    with zipfile.ZipFile(master) as zf:  # the parts are sheet1..n: the next free name is the stale one
        assert f"xl/worksheets/sheet{n}.xml" in zf.namelist() and stale[1:] not in zf.namelist()
    rewrite(master, types=lambda x: x.replace("</Types>", f'<Override PartName="{stale}" ContentType="'
                                              f'{package_edit.WORKSHEET_CONTENT_TYPE}"/></Types>'))
    write_findings_sheet(master, FINDINGS)
    with zipfile.ZipFile(master) as zf:
        types = zf.read("[Content_Types].xml").decode()
    assert types.count(f'PartName="{stale}"') == 1 and temuan_part(master) != stale.lstrip("/")


def test_minus_zero(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-0.0 is written "-0" and read back by openpyxl as 0: stored as 0, so the next write still knows the
    sheet (red team; openpyxl's reading forced here, the XML scan reads "-0" as -0.0)."""
    monkeypatch.setattr(findings_sheet, "_scanned_as_written", lambda *_: False)
    zero = [FINDINGS[0].model_copy(update={"sum": -0.0})]
    write_findings_sheet(master, zero)
    write_findings_sheet(master, zero)
    assert openpyxl.load_workbook(master)[SHEET_FINDINGS]["H2"].value == 0


def test_a_hidden_temuan_comes_back_visible(master: Path) -> None:
    """As openpyxl's way writes it (red team: left veryHidden, which Excel's menus cannot undo)."""
    write_findings_sheet(master, FINDINGS)
    rewrite(master, workbook=lambda x: x.replace(f'<sheet name="{SHEET_FINDINGS}"',
                                                 f'<sheet state="veryHidden" name="{SHEET_FINDINGS}"'))
    assert openpyxl.load_workbook(master)[SHEET_FINDINGS].sheet_state == "veryHidden"
    write_findings_sheet(master, FINDINGS)
    assert openpyxl.load_workbook(master)[SHEET_FINDINGS].sheet_state == "visible"


def test_openpyxls_way_finds_temuan_in_other_letters(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before (openpyxl's way): beside a user's "temuan" it added "Temuan1" and said "Temuan" was written."""
    force_openpyxl_way(monkeypatch)
    wb = openpyxl.load_workbook(master, keep_vba=True)
    wb.create_sheet("temuan")["A1"] = "catatan rapat"
    package.save_workbook(wb, master, force=True)
    with pytest.raises(UserError, match="tidak dibuat oleh xl-sakip"):
        write_findings_sheet(master, FINDINGS)
