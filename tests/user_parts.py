"""Parts that Excel writes and openpyxl cannot keep, put into a workbook the way Excel stores them (issue 12,
item 8): a text box (a drawing shape), a sparkline group and an Excel 2010 data bar (worksheet extLst), a
form-control button (worksheet <controls>).

The XML follows ECMA-376 and the [MS-XLSX] extensions as Excel 2016 writes them (element order of CT_Worksheet
respected), so that the workbook opens in Excel; the tests only need the parts to be there.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"

TEXT_BOX_DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<xdr:twoCellAnchor><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row>'
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>7</xdr:col><xdr:colOff>0</xdr:colOff>'
    '<xdr:row>8</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/>'
    '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2438400" '
    'cy="1143000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>'
    '<xdr:txBody><a:bodyPr wrap="square"/><a:lstStyle/><a:p><a:r><a:rPr lang="id-ID" sz="1100"/>'
    '<a:t>Catatan rapat evaluasi TW2</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>'
    '</xdr:twoCellAnchor></xdr:wsDr>'
)

SPARKLINE_EXT = (
    '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
    '<x14:sparklines><x14:sparkline><xm:f>Catatan!A1:A2</xm:f><xm:sqref>B1</xm:sqref></x14:sparkline>'
    '</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext>'
)

DATA_BAR_ID = "{6A1E0C55-3F2B-4C1D-9E61-0D6A7E3C1A11}"
DATA_BAR_RULE = (
    '<conditionalFormatting sqref="A1:A2"><cfRule type="dataBar" priority="1"><dataBar>'
    '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar>'
    '<extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    f'<x14:id>{DATA_BAR_ID}</x14:id></ext></extLst></cfRule></conditionalFormatting>'
)
DATA_BAR_EXT = (
    '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:conditionalFormattings><x14:conditionalFormatting '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    f'<x14:cfRule type="dataBar" id="{DATA_BAR_ID}"><x14:dataBar minLength="0" maxLength="100" '
    'gradient="0"><x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/><x14:negativeFillColor rgb="FFFF0000"/>'
    '<x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule><xm:sqref>A1:A2</xm:sqref>'
    '</x14:conditionalFormatting></x14:conditionalFormattings></ext>'
)


def sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    """The part name of the worksheet called `sheet` (xl/worksheets/sheetN.xml)."""
    wbx = zf.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', wbx).group(1)
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*>', rels).group(0)
    target = re.search(r'Target="([^"]+)"', target).group(1).lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _rewrite(path: Path, change) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
        change(zf, parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _add_ext(xml: str, ext: str) -> str:
    if xml.endswith("</extLst></worksheet>"):  # the worksheet's own list (a cfRule has its own inside)
        return xml[: -len("</extLst></worksheet>")] + ext + "</extLst></worksheet>"
    return xml.replace("</worksheet>", f"<extLst>{ext}</extLst></worksheet>")


def add_text_box(path: Path, sheet: str) -> None:
    def change(zf: zipfile.ZipFile, parts: dict[str, bytes]) -> None:
        part = sheet_part(zf, sheet)
        drawing = "xl/drawings/drawing_user1.xml"
        parts[drawing] = TEXT_BOX_DRAWING.encode()
        rels_name = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        rel = f'<Relationship Id="rIdTb1" Type="{DRAWING_REL}" Target="../drawings/drawing_user1.xml"/>'
        if rels_name in parts:
            parts[rels_name] = parts[rels_name].decode().replace("</Relationships>", rel + "</Relationships>"
                                                                 ).encode()
        else:
            parts[rels_name] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                f'xmlns="{PKG_REL_NS}">{rel}</Relationships>').encode()
        xml = parts[part].decode()
        if 'xmlns:r="' not in xml[:500]:
            xml = xml.replace("<worksheet ", f'<worksheet xmlns:r="{R_NS}" ', 1)
        tail = re.search(r"<(legacyDrawing|tableParts|extLst)\b|</worksheet>", xml)
        xml = xml[:tail.start()] + '<drawing r:id="rIdTb1"/>' + xml[tail.start():]
        parts[part] = xml.encode()
        ct = parts["[Content_Types].xml"].decode()
        parts["[Content_Types].xml"] = ct.replace(
            "</Types>", f'<Override PartName="/{drawing}" ContentType="{DRAWING_CT}"/></Types>').encode()

    _rewrite(path, change)


def add_sparkline(path: Path, sheet: str) -> None:
    def change(zf: zipfile.ZipFile, parts: dict[str, bytes]) -> None:
        part = sheet_part(zf, sheet)
        parts[part] = _add_ext(parts[part].decode(), SPARKLINE_EXT).encode()

    _rewrite(path, change)


def add_data_bar(path: Path, sheet: str) -> None:
    def change(zf: zipfile.ZipFile, parts: dict[str, bytes]) -> None:
        part = sheet_part(zf, sheet)
        xml = parts[part].decode()
        xml = xml.replace("</sheetData>", "</sheetData>" + DATA_BAR_RULE, 1)
        parts[part] = _add_ext(xml, DATA_BAR_EXT).encode()

    _rewrite(path, change)
