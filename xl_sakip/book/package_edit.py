"""One worksheet added to a workbook package on disk, or put in place of one, every other part copied as
it is (issue 13: `check --write`).

`check --write` adds one sheet (Temuan). Through openpyxl that meant loading and saving every part of the
workbook: 60 s and 1.46 GB for a regenerated workbook of 10 000 indicators (500 positions x 20, 1 005
sheets). It also refused
workbooks holding parts openpyxl cannot keep (book/losses.py), and it rewrote every generated sheet, so the
next `check` had to read their cells again (their part stamps, book/package.part_stamp, no longer held).

Here the sheet is made in a workbook of its own, with openpyxl as before, and serialised there. What it
needs is then moved into the package:
- its part: a new one, or the part of the sheet it replaces, with its style ids renumbered;
- the cell formats it uses, appended to xl/styles.xml (fonts, fills, borders, number formats, cellXfs).
  An equal one already there is used instead. Every existing style id keeps its meaning;
- for a new sheet: a `<sheet>` at the end of the tab order, a relationship and a content type;
- its sheet-scoped defined names (the marker, the filter range) at its index.

Every other part is copied from the original zip as it is, compressed bytes included. No part is loaded
into openpyxl to be saved again (the caller may read the sheet it replaces with openpyxl's streaming
reader), nothing is lost, and regenerate's part stamps stay true.

The edits are made in the parts' text, never by serialising a parsed tree again: Excel's parts carry
namespace prefixes that mc:Ignorable names, and a parser would rename them. A package this module cannot
edit with certainty (a prefixed main namespace, no styles part, a workbook part elsewhere than
xl/workbook.xml ...) raises `Declined` before anything is written; the caller then takes the openpyxl way.
"""

from __future__ import annotations

import copy
import html
import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book.package import (
    CONTENT_TYPES,
    MAIN_NS,
    R_NS,
    REL_NS,
    ROOT_RELS,
    WORKBOOK_PART,
    WORKBOOK_RELS,
    part_name,
    save_parts,
    sheet_parts,
)
from xl_sakip.book.sheet_writer import Deflated, workbook_parts

REL_WORKSHEET = R_NS + "/worksheet"
REL_OFFICE_DOCUMENT = R_NS + "/officeDocument"
REL_PRINTER_SETTINGS = R_NS + "/printerSettings"
REL_DRAWING = R_NS + "/drawing"
WORKSHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_PART = "xl/styles.xml"
_M = "{" + MAIN_NS + "}"

#: The style collections a cell format points into, in the order of xl/styles.xml, with the attribute of
#: an `<xf>` that holds an index into each (number formats are matched by id, not by index).
_COLLECTIONS = (("fonts", "fontId"), ("fills", "fillId"), ("borders", "borderId"))
#: Attributes written with their default value by openpyxl and left out by Excel: not part of a format's
#: identity, so that a format written before and saved by Excel since is still found equal.
_DEFAULTS = {"pivotButton": "0", "quotePrefix": "0"}
#: The first number format id a workbook may define (below: Excel's built-in formats).
FIRST_CUSTOM_FORMAT = 164


class Declined(Exception):
    """The package holds something this module does not edit with certainty; nothing was written."""


def read_parts(path: Path) -> dict[str, bytes | Deflated]:
    """Every member of the zip at `path`, a deflated one as its compressed bytes (copied, not inflated and
    deflated again), a stored one as its bytes. Folder entries are not parts and are left out."""
    parts: dict[str, bytes | Deflated] = {}
    with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
                parts[info.filename] = zf.read(info)  # stored (or encrypted: zipfile raises, as it should)
                continue
            fh.seek(info.header_offset)
            header = fh.read(30)
            if header[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for {info.filename}")
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            parts[info.filename] = Deflated.made(fh.read(info.compress_size), info.CRC, info.file_size)
    return parts


def _bytes(part: bytes | Deflated) -> bytes:
    return part.raw() if isinstance(part, Deflated) else part


@dataclass(frozen=True)
class SheetEntry:
    """A sheet of the package: its name, its index in the tab order (a defined name's localSheetId), its
    relationship id and type, and its part."""

    name: str
    index: int
    rid: str
    rel_type: str
    part: str

    @property
    def rels_part(self) -> str:
        folder, file = posixpath.split(self.part)
        return f"{folder}/_rels/{file}.rels"


class PackageEdit:
    """A workbook package read from disk, to which one worksheet is put (`put`), then saved (`save`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.parts = read_parts(self.path)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise Declined(f"zip: {exc}") from exc
        for needed in (CONTENT_TYPES, ROOT_RELS, WORKBOOK_PART, WORKBOOK_RELS, STYLES_PART):
            if needed not in self.parts:
                raise Declined(f"no {needed}")
        root_rels = self._tree(ROOT_RELS)
        if [r.get("Target", "").lstrip("/") for r in root_rels if r.get("Type") == REL_OFFICE_DOCUMENT] \
                != [WORKBOOK_PART]:
            raise Declined("the workbook part is not xl/workbook.xml")
        self.workbook = self._text(WORKBOOK_PART)
        self.rels = self._text(WORKBOOK_RELS)
        _unprefixed_root(self.workbook, "workbook", MAIN_NS)
        _unprefixed_root(self.rels, "Relationships", REL_NS)
        _unprefixed_root(self._text(CONTENT_TYPES), "Types",
                         "http://schemas.openxmlformats.org/package/2006/content-types")
        _unprefixed_root(self._text(STYLES_PART), "styleSheet", MAIN_NS)
        for name in (CONTENT_TYPES, WORKBOOK_PART, WORKBOOK_RELS, STYLES_PART):
            if _SINGLE_QUOTED.search(self._text(name)):  # legal, rare; the edits read attributes in "..."
                raise Declined(f"{name}: attributes in single quotes")
        # bound on the root, so that a <sheet> inserted anywhere in <sheets> has it
        root = re.search(r"<workbook\b[^>]*>", self.workbook)
        prefix = re.search(r'xmlns:(\w+)="' + re.escape(R_NS) + '"', root.group(0) if root else "")
        if prefix is None:
            raise Declined("no prefix for the relationships namespace on <workbook>")
        self.r = prefix.group(1)
        self.sheets = self._sheets()

    # --- reading ------------------------------------------------------------------------------------------

    def _text(self, name: str) -> str:
        try:
            return _bytes(self.parts[name]).decode("utf-8")
        except UnicodeDecodeError as exc:  # UTF-16 or a declared legacy encoding: legal, not edited here
            raise Declined(f"{name}: not UTF-8") from exc

    def _tree(self, name: str) -> ET.Element:
        try:
            return ET.fromstring(_bytes(self.parts[name]))
        except ET.ParseError as exc:
            raise Declined(f"{name}: {exc}") from exc

    def _sheets(self) -> list[SheetEntry]:
        rels = {r.get("Id"): r for r in self._tree(WORKBOOK_RELS)}
        out = []
        for i, sh in enumerate(self._tree(WORKBOOK_PART).iter(_M + "sheet")):
            rid = sh.get("{" + R_NS + "}id", "")
            rel = rels.get(rid)
            target = "" if rel is None else rel.get("Target", "")
            rel_type = "" if rel is None else rel.get("Type", "")
            out.append(SheetEntry(sh.get("name", ""), i, rid, rel_type, part_name(WORKBOOK_PART, target)))
        return out

    def find(self, name: str) -> SheetEntry | None:
        """The sheet called `name`; as in Excel, case does not count."""
        return next((s for s in self.sheets if s.name.casefold() == name.casefold()), None)

    def shown_relationships(self, sheet: SheetEntry) -> list[str]:
        """The types of the relationships of `sheet`'s part that show something on it (comments, drawings,
        tables ...): not printer settings, nor an empty drawing (LibreOffice gives a sheet with a filter
        one)."""
        if sheet.rels_part not in self.parts:
            return []
        return [rel.get("Type", "") for rel in self._tree(sheet.rels_part)
                if not self._shows_nothing(sheet, rel)]

    def _shows_nothing(self, sheet: SheetEntry, rel: ET.Element) -> bool:
        if rel.get("Type") == REL_PRINTER_SETTINGS:
            return True
        if rel.get("Type") != REL_DRAWING or rel.get("TargetMode") == "External":
            return False
        part = part_name(sheet.part, rel.get("Target", ""))
        return part in self.parts and len(self._tree(part)) == 0

    def _drop_relationships(self, sheet: SheetEntry) -> str:
        """Remove `sheet`'s relationships part and the parts it points to, which show nothing (the caller
        made sure: `shown_relationships` is empty) and belong to it alone (Excel and LibreOffice give each
        sheet its own); returns [Content_Types].xml without their overrides. The new part refers to none."""
        types = self._text(CONTENT_TYPES)
        if sheet.rels_part not in self.parts:
            return types
        gone = [part_name(sheet.part, rel.get("Target", "")) for rel in self._tree(sheet.rels_part)]
        for part in [*gone, sheet.rels_part]:  # LibreOffice gives even a relationships part an override
            self.parts.pop(part, None)
            types = re.sub(r'<Override\b[^>]*\bPartName="/' + re.escape(part) + r'"[^>]*/>', "", types,
                           flags=re.IGNORECASE)
        return types

    def local_name(self, sheet: SheetEntry, name: str) -> str | None:
        """The text of the defined name `name` scoped to `sheet` (None: there is none)."""
        for attrs, text in _defined_names(self.workbook):
            if attrs.get("name", "").casefold() == name.casefold() \
                    and attrs.get("localSheetId") == str(sheet.index):
                return html.unescape(text)
        return None

    # --- writing ------------------------------------------------------------------------------------------

    def put(self, ws: Worksheet, replacing: SheetEntry | None = None) -> None:
        """Put the openpyxl worksheet `ws` (of a workbook of its own, where it is the only sheet) into the
        package: in place of `replacing` (its part, index and tab kept), or as a new last sheet. Its cell
        formats are added to the package's styles, its sheet-scoped defined names to the workbook's."""
        own = workbook_parts(ws.parent)
        (own_part,) = [p for name, p in _sheet_parts(own) if name == ws.title]
        folder, file = posixpath.split(own_part)
        if f"{folder}/_rels/{file}.rels" in own:
            raise RuntimeError("a sheet with relationships (links, pictures) cannot be put into a package")
        styles, ids = merge_styles(self._text(STYLES_PART), _bytes(own[STYLES_PART]).decode("utf-8"),
                                   _style_ids(_bytes(own[own_part]).decode("utf-8")))
        sheet_xml = _renumber_styles(_bytes(own[own_part]).decode("utf-8"), ids)
        own_names = [(attrs, text) for attrs, text in _defined_names(_bytes(own[WORKBOOK_PART]).decode())
                     if attrs.get("localSheetId") == "0"]
        if replacing is None:
            index = len(self.sheets)
            part = self._free_part()
            rid = _free_id(rel.get("Id", "") for rel in self._tree(WORKBOOK_RELS))
            sheet_ids = [sh.get("sheetId", "") for sh in self._tree(WORKBOOK_PART).iter(_M + "sheet")]
            sheet_id = 1 + max((int(v) for v in sheet_ids if v.isdigit()), default=0)
            self.workbook = _insert_before(
                self.workbook, "</sheets>",
                f'<sheet name="{_attr(ws.title)}" sheetId="{sheet_id}" {self.r}:id="{rid}"/>')
            self.rels = _insert_before(
                self.rels, "</Relationships>",
                f'<Relationship Id="{rid}" Type="{REL_WORKSHEET}" '
                f'Target="/{part}"/>')
            content_types = _insert_before(
                self._text(CONTENT_TYPES), "</Types>",
                f'<Override PartName="/{part}" ContentType="{WORKSHEET_CONTENT_TYPE}"/>')
            self.sheets.append(SheetEntry(ws.title, index, rid, REL_WORKSHEET, part))
        else:
            index, part = replacing.index, replacing.part
            # its name as written, and shown: a hidden Temuan comes back as openpyxl's way made it
            self.workbook = _as_new(self.workbook, replacing.rid, self.r, ws.title)
            content_types = self._drop_relationships(replacing)
        self.workbook = _with_local_names(self.workbook, index, own_names)
        edited = {WORKBOOK_PART: self.workbook, WORKBOOK_RELS: self.rels, STYLES_PART: styles,
                  CONTENT_TYPES: content_types}
        # a part whose text did not change keeps its bytes, compressed bytes included
        edited = {name: text for name, text in edited.items() if text != self._text(name)}
        edited[part] = sheet_xml
        for name, text in edited.items():  # a text edit that broke the XML is not written
            try:
                ET.fromstring(text.encode("utf-8"))
            except ET.ParseError as exc:
                raise Declined(f"{name} after the edit: {exc}") from exc
        for name, text in edited.items():
            self.parts[name] = text.encode("utf-8")

    def _free_part(self) -> str:
        taken = {name.casefold() for name in self.parts}  # part names ignore case (OPC)
        taken |= {el.get("PartName", "").lstrip("/").casefold() for el in self._tree(CONTENT_TYPES)}
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in taken:
            n += 1
        return f"xl/worksheets/sheet{n}.xml"

    def save(self, path: str | Path | None = None, *, cleaned: list[Path] | None = None) -> Path:
        """Write the package (atomically, under the workbook's lock: package.save_parts)."""
        return save_parts(Path(path or self.path), self.parts, cleaned=cleaned)


# --- text edits -------------------------------------------------------------------------------------------

def _unprefixed_root(xml: str, tag: str, namespace: str) -> None:
    """The part's root is `tag` in the default namespace `namespace` (what Office and openpyxl write): the
    elements inserted as text then belong to that namespace."""
    m = re.search(r"<([\w.:-]+)\b([^>]*)>", re.sub(r"^\s*(<\?xml[^>]*\?>)?\s*", "", xml, count=1))
    if m is None or m.group(1) != tag or f'xmlns="{namespace}"' not in m.group(2):
        raise Declined(f"root <{m.group(1) if m else '?'}> is not <{tag} xmlns=\"{namespace}\">")


def _insert_before(xml: str, closing: str, text: str) -> str:
    at = xml.rfind(closing)
    if at < 0:
        raise Declined(f"no {closing}")
    return xml[:at] + text + xml[at:]


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


#: An attribute value in single quotes (`a='1'`): legal XML that the edits here would misread.
_SINGLE_QUOTED = re.compile(r"<[^>]*\s[\w:]+\s*=\s*'")
_DEFINED_NAME = re.compile(r"<definedName\b([^>]*?)(?:/>|>([^<]*)</definedName>)")
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


def _defined_names(xml: str) -> Iterable[tuple[dict[str, str], str]]:
    for m in _DEFINED_NAME.finditer(xml):
        yield {k: html.unescape(v) for k, v in _ATTRIBUTE.findall(m.group(1))}, m.group(2) or ""


def _with_local_names(xml: str, index: int, names: list[tuple[dict[str, str], str]]) -> str:
    """`xml` (workbook.xml) with `names` scoped to sheet `index`: earlier names of the same names and scope
    are replaced; every other defined name stays as it is."""
    if not names:
        return xml
    replaced = {attrs["name"].casefold() for attrs, _ in names}

    def keep(m: re.Match[str]) -> str:
        attrs = dict(_ATTRIBUTE.findall(m.group(1)))
        name = html.unescape(attrs.get("name", "")).casefold()
        return "" if attrs.get("localSheetId") == str(index) and name in replaced else m.group(0)

    xml = _DEFINED_NAME.sub(keep, xml)
    added = "".join(
        "<definedName " + " ".join(f'{k}="{_attr(str(index) if k == "localSheetId" else v)}"'
                                   for k, v in attrs.items()) + f">{text}</definedName>"
        for attrs, text in names)
    if "</definedNames>" in xml:
        return _insert_before(xml, "</definedNames>", added)
    if re.search(r"<definedNames\s*/>", xml):
        return re.sub(r"<definedNames\s*/>", lambda _m: f"<definedNames>{added}</definedNames>", xml, count=1)
    # CT_Workbook: definedNames follows sheets, functionGroups and externalReferences
    ends = [m.end() for m in re.finditer(r"</sheets>|<functionGroups\b[^>]*/>|</functionGroups>|"
                                         r"</externalReferences>", xml)]
    if not ends:
        raise Declined("no </sheets> in workbook.xml")
    at = max(ends)
    return xml[:at] + f"<definedNames>{added}</definedNames>" + xml[at:]


def _as_new(xml: str, rid: str, r: str, name: str) -> str:
    """The `<sheet>` of relationship `rid` named `name` and visible (no `state`), as a new sheet is."""
    def renamed(m: re.Match[str]) -> str:
        element = re.sub(r'\bname="[^"]*"', lambda _m: f'name="{_attr(name)}"', m.group(0), count=1)
        return re.sub(r'\s+state="[^"]*"', "", element)

    element = r"<sheet\b[^>]*?\b" + re.escape(r) + r':id="' + re.escape(rid) + r'"[^>]*?/?>'
    xml, found = re.subn(element, renamed, xml, count=1)
    if not found:  # its relationship id written under another prefix
        raise Declined(f"no <sheet {r}:id=\"{rid}\"> in workbook.xml")
    return xml


def _free_id(used: Iterable[str]) -> str:
    taken = set(used)
    n = 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


def _sheet_parts(parts: dict[str, Any]) -> list[tuple[str, str]]:
    return sheet_parts(_bytes(parts[WORKBOOK_PART]), _bytes(parts[WORKBOOK_RELS]))


# --- styles -----------------------------------------------------------------------------------------------

_STYLE_ATTR = re.compile(r'(<(?:c|row)\b[^>]*?\ss=")([0-9]+)(")|(<col\b[^>]*?\sstyle=")([0-9]+)(")')


def _style_ids(sheet_xml: str) -> set[int]:
    """The cell format ids a sheet part uses (cells, rows, columns), and 0: a cell without one has it."""
    return {0} | {int(m.group(2) or m.group(5)) for m in _STYLE_ATTR.finditer(sheet_xml)}


def _renumber_styles(sheet_xml: str, ids: dict[int, int]) -> str:
    def renumber(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{m.group(1)}{ids[int(m.group(2))]}{m.group(3)}"
        return f"{m.group(4)}{ids[int(m.group(5))]}{m.group(6)}"

    return _STYLE_ATTR.sub(renumber, sheet_xml)


def _local(el: ET.Element) -> ET.Element:
    """A copy of `el` with its tags out of their namespace (text for a part whose default namespace is the
    spreadsheet one) and without the attributes that only repeat a default."""
    el = copy.deepcopy(el)
    for node in el.iter():
        node.tag = node.tag.rsplit("}", 1)[-1]
        for key, default in _DEFAULTS.items():
            if node.get(key) == default:
                del node.attrib[key]
    return el


def _canon(el: ET.Element) -> str:
    """What makes two style elements the same, as Excel shows them. Beyond attribute order and spacing,
    what Excel changes when it saves a format we appended, so that the next run finds it again instead of
    appending it once more: a font's children in its own order (CT_Font is an unordered choice), a colour's
    alpha byte (Excel writes FF, openpyxl 00; Excel shows both opaque), a solid fill's
    `<bgColor indexed="64"/>` (Excel's default, added on save)."""
    el = _local(el)
    for node in el.iter():
        for child in [c for c in node if c.tag == "bgColor" and c.attrib == {"indexed": "64"}]:
            node.remove(child)
        rgb = node.get("rgb")
        if rgb is not None and len(rgb) == 8:
            node.set("rgb", rgb[2:].upper())
    if el.tag == "font":
        el[:] = sorted(el, key=lambda c: (c.tag, sorted(c.attrib.items())))
    return ET.canonicalize(ET.tostring(el, encoding="unicode"), strip_text=True)


def _text_of(el: ET.Element) -> str:
    return ET.tostring(el, encoding="unicode", short_empty_elements=True).replace(" />", "/>")


class _Collection:
    """One collection of xl/styles.xml (fonts, fills, borders, numFmts, cellXfs): what it holds, and the
    elements added to it, each found again by its canonical text."""

    def __init__(self, root: ET.Element, tag: str) -> None:
        self.tag = tag
        node = root.find(_M + tag)
        self.present = node is not None
        self.items = [] if node is None else list(node)
        self.index: dict[str, int] = {}
        for i, el in enumerate(self.items):
            self.index.setdefault(_canon(el), i)
        self.added: list[str] = []

    def id_of(self, el: ET.Element) -> int:
        key = _canon(el)
        if key not in self.index:
            self.index[key] = len(self.items) + len(self.added)
            self.added.append(_text_of(_local(el)))
        return self.index[key]

    def apply(self, xml: str, after: str | None = None) -> str:
        """`xml` with the added elements appended to this collection (its count updated); a collection the
        part does not have is made, right after the root's start tag (`after` None: must exist)."""
        if not self.added:
            return xml
        count = len(self.items) + len(self.added)
        body = "".join(self.added)
        start = re.search(r"<" + self.tag + r"\b([^>]*?)(/?)>", xml)
        if start is None:
            if after is None:
                raise Declined(f"no <{self.tag}> in styles.xml")
            root = re.search(r"<" + after + r"\b[^>]*>", xml)
            assert root is not None  # _unprefixed_root checked it
            return xml[:root.end()] + f'<{self.tag} count="{count}">{body}</{self.tag}>' + xml[root.end():]
        attrs = re.sub(r'\s*\bcount="[^"]*"', "", start.group(1))
        if start.group(2):  # <fonts count="0"/>
            return xml[:start.start()] + f'<{self.tag} count="{count}"{attrs}>{body}</{self.tag}>' + \
                xml[start.end():]
        closing = xml.find(f"</{self.tag}>", start.end())
        if closing < 0:
            raise Declined(f"no </{self.tag}> in styles.xml")
        return (xml[:start.start()] + f'<{self.tag} count="{count}"{attrs}>' + xml[start.end():closing] + body
                + xml[closing:])


def _children(root: ET.Element, tag: str) -> list[ET.Element]:
    node = root.find(_M + tag)
    return [] if node is None else list(node)


def merge_styles(target: str, source: str, used: Iterable[int]) -> tuple[str, dict[int, int]]:
    """Add to the styles part `target` the cell formats `used` of the styles part `source`, with the fonts,
    fills, borders and number formats they point to. Returns the new styles part and, for each used
    format of `source`, its id in the result. What `target` holds keeps its place (only appended to); a
    format, font, fill, border or number format equal to one it holds is that one."""
    try:
        troot, sroot = ET.fromstring(target), ET.fromstring(source)
    except ET.ParseError as exc:
        raise Declined(f"styles.xml: {exc}") from exc
    if not list(troot.iterfind(f"{_M}cellStyleXfs/{_M}xf")):
        raise Declined("styles.xml has no cellStyleXfs")  # every cell format refers to its first (xfId 0)
    collections = {tag: _Collection(troot, tag) for tag, _ in _COLLECTIONS}
    formats = _Collection(troot, "numFmts")
    cell_xfs = _Collection(troot, "cellXfs")
    if not cell_xfs.present or not all(c.present for c in collections.values()):
        raise Declined("styles.xml lacks fonts, fills, borders or cellXfs")
    source_items = {tag: _children(sroot, tag) for tag, _ in _COLLECTIONS}
    source_formats = {el.get("numFmtId"): el.get("formatCode", "")
                      for el in sroot.iterfind(f"{_M}numFmts/{_M}numFmt")}
    target_formats: dict[str, str] = {}  # format code -> its id in target
    for el in formats.items:
        target_formats.setdefault(el.get("formatCode", ""), el.get("numFmtId", ""))
    try:
        ids = [int(el.get("numFmtId", "0")) for el in formats.items]
    except ValueError as exc:  # a damaged number format id: not ours to mend
        raise Declined(f"styles.xml: {exc}") from exc
    next_format = 1 + max([FIRST_CUSTOM_FORMAT - 1, *ids])
    source_xfs = _children(sroot, "cellXfs")
    ids: dict[int, int] = {}
    for sid in sorted(used):
        xf = copy.deepcopy(source_xfs[sid])
        for tag, attr in _COLLECTIONS:
            xf.set(attr, str(collections[tag].id_of(source_items[tag][int(xf.get(attr, "0"))])))
        fmt = xf.get("numFmtId", "0")
        if int(fmt) >= FIRST_CUSTOM_FORMAT:
            code = source_formats[fmt]
            if code not in target_formats:
                target_formats[code] = str(next_format)
                next_format += 1
                formats.id_of(ET.Element(_M + "numFmt", numFmtId=target_formats[code], formatCode=code))
            xf.set("numFmtId", target_formats[code])
        ids[sid] = cell_xfs.id_of(xf)
    for tag, _ in _COLLECTIONS:
        target = collections[tag].apply(target)
    target = formats.apply(target, after="styleSheet")
    target = cell_xfs.apply(target)
    return target, ids
