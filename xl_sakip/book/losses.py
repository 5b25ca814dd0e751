"""What openpyxl would drop from a workbook it loads and saves again, found before any work (issue 12,
item 8).

openpyxl keeps cells, styles, tables, comments, images and charts, but not: drawing shapes (text boxes,
arrows, SmartArt), the worksheet's extension list (sparklines, Excel 2010 data bars and other
x14 conditional formats, slicers, cross-sheet drop-downs), form and ActiveX controls, embedded OLE objects,
a sheet's background picture, threaded comments, slicer and timeline parts. A save by `regenerate` or
`check --write` would make them vanish silently, so `refuse_losses(path)` reads the package as it is on disk
and refuses (UserError, exit 2) naming each sheet and what it holds. Sheets the tool generated (they carry
its marker) are replaced anyway and are not looked at.

A workbook holding a VBA project under the name .xlsx is refused too: Excel would not run it, and the
macro-free save would drop it.

Only the zip directory and the small XML tail of each sheet (after <sheetData>) are read: the cells
of a large sheet are never parsed.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from xl_sakip.book.package import MAIN_NS, R_NS, REL_NS
from xl_sakip.errors import UserError

XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"

#: The sheet-scoped defined name of a generated sheet (sheets/marker.py), which regenerate replaces whole.
#: Not the Temuan sheet's own hash (findings_sheet.py): a text box there is a note, and is looked at too.
MARKERS = ("_xlsakip",)

#: Worksheet extensions (<extLst><ext uri=...>) by URI, in planners' words.
EXT_NAMES = {
    "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}": "sparkline",
    "{78C0D931-6437-407d-A8EE-F0AAD7539E65}": "format bersyarat Excel 2010 (data bar, ikon)",
    "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}": "drop-down (validasi data) yang merujuk sheet lain",
    "{A8765BA9-456A-4dab-B4F3-ACF838C121DE}": "slicer",
    "{3A4CF648-6AED-40f4-86FF-DC5316D8AED3}": "slicer tabel",
    "{7E03D99C-DC04-49d9-9315-930204A7B6E9}": "timeline",
}
#: Relationships of a worksheet to parts openpyxl does not keep (by the end of the type URI).
REL_NAMES = {
    "/threadedComment": "komentar berutas (threaded comment)",
    "/slicer": "slicer",
    "/timeline": "timeline",
    "/ctrlProp": "kontrol formulir (tombol, kotak centang)",
    "/control": "kontrol ActiveX",
    "/oleObject": "objek tersemat (OLE)",
    "/queryTable": "tabel kueri data eksternal",
}
#: Worksheet elements openpyxl drops.
ELEMENT_NAMES = {
    "controls": "kontrol formulir atau ActiveX",
    "oleObjects": "objek tersemat (OLE)",
    "picture": "gambar latar sheet",
}
#: Drawing anchors' content openpyxl keeps: pictures and charts; anything else is a shape.
SHAPE = "kotak teks atau bentuk (shape)"
#: Package parts (outside sheets) openpyxl does not keep.
PACKAGE_PARTS = (
    ("xl/connections.xml", "koneksi data (Power Query atau sumber data eksternal)"),
    ("xl/model/", "model data (Power Pivot)"),
    ("xl/slicerCaches/", "slicer"),
    ("xl/timelineCaches/", "timeline"),
)


@dataclass(frozen=True)
class Loss:
    sheet: str | None  # None: a part of the workbook, not of one sheet
    what: str


def refuse_losses(path: str | Path, *, action: str = "menulis workbook ini") -> None:
    """Raise UserError (exit 2) when saving the workbook at `path` with openpyxl would lose a part of it.

    `action` says what would be done ("menjalankan regenerate"), for the message.
    """
    path = Path(path)
    refuse_misnamed_macros(path)
    try:
        with zipfile.ZipFile(path) as zf:
            losses = find_losses(zf, set(zf.namelist()))
    except (zipfile.BadZipFile, OSError, KeyError, ET.ParseError):
        return  # the reader reports a damaged file in its own words
    if losses:
        raise UserError(losses_message(path, losses, action))


def refuse_misnamed_macros(path: str | Path) -> None:
    """Raise UserError (exit 2) for a workbook holding a VBA project under the name .xlsx: Excel would not
    open it as it is, and a save as .xlsx would drop the macros."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        return
    try:
        with zipfile.ZipFile(path) as zf:
            macros = "xl/vbaProject.bin" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return  # the reader reports a damaged file in its own words
    if macros:
        raise UserError(
            f"'{path}' berisi makro (proyek VBA) tetapi bernama .xlsx; bila ditulis sebagai .xlsx, "
            "makronya hilang. Ganti nama filenya menjadi .xlsm (misalnya di File Explorer), lalu "
            "ulangi dengan nama baru itu. Workbook tidak diubah.")


def losses_message(path: Path, losses: list[Loss], action: str) -> str:
    by_sheet: dict[str | None, list[str]] = {}
    for loss in losses:
        items = by_sheet.setdefault(loss.sheet, [])
        if loss.what not in items:
            items.append(loss.what)
    where = "; ".join((f"sheet '{sheet}': " if sheet is not None else "workbook: ") + ", ".join(items)
                      for sheet, items in by_sheet.items())
    return (
        f"'{path.name}' berisi bagian yang tidak dapat disimpan ulang oleh xl-sakip di luar Excel "
        f"({where}); bila xl-sakip {action}, bagian itu hilang. Workbook tidak diubah. Pilih salah satu: "
        "jalankan perintah yang sama dari ribbon xl-sakip di Excel (Excel menyimpan bagian itu), atau "
        "pindahkan bagian itu ke workbook lain (atau hapus), simpan, lalu ulangi.")


def find_losses(zf: zipfile.ZipFile, names: set[str] | None = None) -> list[Loss]:
    """Every part of the package openpyxl would drop, by sheet (sheets the tool generated excepted)."""
    names = set(zf.namelist()) if names is None else names
    out: list[Loss] = []
    for sheet, part in user_sheets(zf):
        if part in names:
            out += [Loss(sheet, what) for what in sheet_losses(zf, part, names)]
    for prefix, what in PACKAGE_PARTS:
        if any(n == prefix or (prefix.endswith("/") and n.startswith(prefix)) for n in names):
            out.append(Loss(None, what))
    return out


def user_sheets(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) of every worksheet without the tool's marker, in tab order."""
    root = ET.fromstring(zf.read("xl/workbook.xml"))
    sheets = root.findall(f"{{{MAIN_NS}}}sheets/{{{MAIN_NS}}}sheet")
    marked = set()
    for dn in root.iter(f"{{{MAIN_NS}}}definedName"):
        if dn.get("name") in MARKERS and (local := dn.get("localSheetId")) is not None and local.isdigit():
            marked.add(int(local))
    targets = _targets(zf, "xl/workbook.xml")
    out = []
    for i, sheet in enumerate(sheets):
        part = targets.get(sheet.get(f"{{{R_NS}}}id") or "")
        if i not in marked and part is not None:
            out.append((sheet.get("name") or "", part))
    return out


def sheet_losses(zf: zipfile.ZipFile, part: str, names: set[str]) -> list[str]:
    """What openpyxl would drop from one worksheet part."""
    tail = _tail(zf.read(part))
    out: list[str] = []
    rels = _targets(zf, part, with_type=True) if _rels_name(part) in names else {}
    for rel_type, _target in rels.values():
        for end, what in REL_NAMES.items():
            if rel_type.endswith(end):
                out.append(what)
    if tail is None:
        return out
    for child in tail:
        local = child.tag.rsplit("}", 1)[-1]
        if local in ELEMENT_NAMES:
            out.append(ELEMENT_NAMES[local])
        elif local == "extLst":
            for ext in child:
                uri = ext.get("uri") or ""
                out.append(EXT_NAMES.get(uri, f"data tambahan Excel (extLst {uri})"))
        elif local == "drawing":
            rel = rels.get(child.get(f"{{{R_NS}}}id") or "")
            if rel is not None and rel[1] in names and _has_shapes(zf.read(rel[1])):
                out.append(SHAPE)
    return out


def _has_shapes(drawing: bytes) -> bool:
    """Whether a drawing part holds an anchor that is neither a picture nor a chart."""
    root = ET.fromstring(drawing)
    for anchor in root:
        for child in anchor:
            local = child.tag.rsplit("}", 1)[-1]
            if local in ("from", "to", "pos", "ext", "clientData"):
                continue
            if local == "pic":
                continue
            if local == "graphicFrame" and child.find(f".//{{{CHART_NS}}}chart") is not None:
                continue
            return True
    return False


_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
_END_DATA = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData>|<(?:[A-Za-z_][\w.-]*:)?sheetData\s*/>")


def _tail(xml: bytes) -> ET.Element | None:
    """The worksheet's root with only what follows <sheetData> (drawing, controls, extLst ...): the cells
    of a large sheet are not parsed."""
    root = _ROOT.search(xml)
    if root is None:
        return None
    end = _END_DATA.search(xml, root.end())  # sheetData occurs once
    start = end.end() if end is not None else root.end()
    try:
        return ET.fromstring(xml[root.start():root.end()] + xml[start:])
    except ET.ParseError:
        return None


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _targets(zf: zipfile.ZipFile, part: str, *, with_type: bool = False) -> dict:
    """Relationship id -> target part name (or (type, part) with `with_type`) of `part`."""
    try:
        root = ET.fromstring(zf.read(_rels_name(part)))
    except KeyError:
        return {}
    folder = posixpath.dirname(part)
    out: dict = {}
    for rel in root.findall(f"{{{REL_NS}}}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            resolved = target
        elif target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id") or ""] = (rel.get("Type") or "", resolved) if with_type else resolved
    return out
