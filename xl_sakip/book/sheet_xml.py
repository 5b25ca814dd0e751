"""Generated sheets unchanged since xl-sakip wrote them, found from the package's XML without openpyxl.

`check` reports generated sheets edited by hand (sheets/edits.py): it hashes each generated sheet's cells
and compares the hash with the sheet's marker. Reading hundreds of generated sheets with openpyxl (even
read-only) cost more than reading the master (issue 13). Here each sheet part is scanned with regular
expressions, which run in C: the cells' values are rebuilt as openpyxl reads them (numbers, strings,
booleans, errors, formula text) and hashed the same way.

The scan only ever *clears* a sheet: a sheet whose scanned cells give its marker's hash holds exactly the
cells the tool wrote. Any sheet it cannot scan with certainty (shared or array formulas, rich text, escaped
characters, namespace prefixes, cells without an address, ...) and any sheet whose hash differs is left
to the exact reading with openpyxl, which also names the cells. A cell counted twice or missed changes the
hash, so it sends the sheet to the exact reading rather than hiding an edit.

Quicker still, without reading a cell or inflating the part: a sheet that regenerate wrote carries the
CRC-32 and size of its part's bytes as written, bound to its marker (book/package.part_stamp, in a hidden
sheet-scoped name), and the zip's directory records the CRC-32 and size of the part it holds. Equal bytes
are equal cells, so a match clears the sheet; any other writer (Excel, LibreOffice) gives other bytes, and
the sheet is scanned as above. (A workbook regenerated before holds a hash of the bytes themselves,
`package.part_hash`: read as before.)
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from xl_sakip.book.package import PART_HASH_NAME, STAMP_PREFIX, part_hash, part_name, part_stamp
from xl_sakip.sheets.marker import MARKER_NAME, Marker, canonical

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# The cells as openpyxl and Excel write them: an address, optional style and type, then an optional formula
# without attributes, a value, or an inline string. Anything else is not matched, and counted as unsure.
_CELL_FAST = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]+)"(?: s="([0-9]+)")?(?: t="(\w+)")?(?: s="([0-9]+)")?'
    r'(?: ?/>|>(?:<f>([^<]*)</f>)?(?:<v>([^<]*)</v>|<v ?/>)?'
    r'(?:<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)')
# The same pattern on the part's bytes (book/reader: no decoding of the whole part, and bytes groups are
# cheaper to make than str ones; `[^<]` never cuts a UTF-8 sequence, whose bytes are all above 0x7F), its
# quantifiers possessive (no backtracking, a tenth quicker). Each part of a cell is followed by a character
# the part cannot hold, so giving characters back never helps a match: a cell matches as with _CELL_FAST,
# or not at all (then scan_bytes's count differs and the sheet is left to openpyxl).
_CELL_FAST_BYTES = re.compile(
    rb'<c r="([A-Z]{1,3}+)([0-9]++)"(?: s="([0-9]++)")?+(?: t="(\w++)")?+(?: s="([0-9]++)")?+'
    rb'(?: ?/>|>(?:<f>([^<]*+)</f>)?+(?:<v>([^<]*+)</v>|<v ?/>)?+'
    rb'(?:<is><t(?: xml:space="preserve")?>([^<]*+)</t></is>)?+</c>)')
UNSURE = "\x00unsure"


class Unsure(Exception):
    """A construct the scan does not rebuild exactly: read the sheet with openpyxl."""


# XML's references: the five named entities and numeric character references (nothing of HTML's).
_REFERENCE = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _xml_char(code: int) -> bool:
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def unescape(t: str) -> str:
    """Text of an element as an XML parser gives it; raises Unsure for text openpyxl would decode further
    (_x000D_ escapes), carriage returns (which XML parsers normalise), and what an XML parser refuses (an
    "&" that starts no reference, a reference to a character XML does not allow). Not html.unescape: it
    reads &#128;-&#159; as Windows-1252 (an en dash for &#150;, where XML keeps U+0096) and knows HTML's
    entities (&nbsp;), which XML does not (a reviewer's finding, 2026-12-04)."""
    if "_x" in t or "\r" in t:
        raise Unsure
    if "&" not in t:
        return t
    found = 0

    def one(m: re.Match[str]) -> str:
        nonlocal found
        found += 1
        if m[3]:
            return _NAMED[m[3]]
        code = int(m[1]) if m[1] else int(m[2], 16)
        if not _xml_char(code):
            raise Unsure
        return chr(code)

    out = _REFERENCE.sub(one, t)
    if found != t.count("&"):
        raise Unsure
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class Package:
    """The sheets of a workbook package: names in tab order, their parts and markers, shared strings."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL}Relationship")}
        self.names: list[str] = []
        self.parts: dict[str, str] = {}
        for sh in wb.iter(f"{MAIN}sheet"):
            name, t = sh.get("name", ""), target.get(sh.get(f"{REL}id"), "")
            self.names.append(name)
            self.parts[name] = part_name("xl/workbook.xml", t)
        self.markers: dict[str, Marker] = {}
        self.marker_texts: dict[str, str] = {}  # as stored, for part_stamp / part_hash
        self.part_hashes: dict[str, str] = {}  # sheet -> package.PART_HASH_NAME's value
        for dn in wb.iter(f"{MAIN}definedName"):
            local = dn.get("localSheetId")
            if local is None or not local.isdigit() or int(local) >= len(self.names):
                continue
            name, text = self.names[int(local)], dn.text or ""
            if dn.get("name") == MARKER_NAME:
                if (m := Marker.parse(text if text.startswith("=") else "=" + text)) is not None:
                    self.markers[name] = m
                    self.marker_texts[name] = text
            elif dn.get("name") == PART_HASH_NAME:
                self.part_hashes[name] = text.strip('"')
        self._strings: list[str] | None = None

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            try:
                data = self.zf.read("xl/sharedStrings.xml")
            except KeyError:
                return self._strings
            for si in ET.fromstring(data).iter(f"{MAIN}si"):
                t = si.find(f"{MAIN}t")
                text = t.text or "" if t is not None else ""
                if t is not None and len(si) == 1 and "_x" not in text:
                    self._strings.append(text)
                else:  # rich text or phonetic runs: openpyxl joins them its own way
                    self._strings.append(UNSURE)
        return self._strings

    def written_as_is(self, name: str) -> bool:
        """The sheet's part is byte for byte what the tool wrote with its marker (package.part_stamp: the
        CRC-32 and size the zip's directory records; or a `part_hash` of its bytes, stored before): its
        cells are then the tool's, without reading them."""
        stored = self.part_hashes.get(name)
        if not stored or name not in self.marker_texts:
            return False
        if stored.startswith(STAMP_PREFIX):
            info = self.zf.getinfo(self.parts[name])
            return part_stamp(self.marker_texts[name], info.CRC, info.file_size) == stored
        return part_hash(self.marker_texts[name], self.zf.read(self.parts[name])) == stored

    def cells(self, name: str) -> Iterator[tuple[int, int, str]]:
        """(row, col, canonical text) of every non-empty cell, as `marker.canonical` gives it for the
        value openpyxl reads; raises Unsure."""
        xml = self.zf.read(self.parts[name]).decode("utf-8")
        start, end = xml.find("<sheetData"), xml.find("</sheetData>")
        if start < 0:
            raise Unsure
        found = scan(xml[start:end] if end >= 0 else xml[start:])
        cols: dict[str, int] = {}
        for letters, row, _s1, t, _s2, f, v, inline in found:
            col = cols.get(letters)
            if col is None:
                col = cols[letters] = _col(letters)
            if f:
                yield int(row), col, "=" + unescape(f)  # canonical(): a formula is its text
                continue
            if t == "s":
                if not v:
                    raise Unsure
                value: object = self.strings()[int(v)]
                if value == UNSURE:
                    raise Unsure
            elif t == "inlineStr":
                value = unescape(inline)
            elif not t or t == "n":
                if v:
                    yield int(row), col, format(float(v), ".15g")  # canonical() of a number
                continue
            elif t == "b":
                value = v == "1"
            elif t in ("e", "str"):
                value = unescape(v)
            else:
                raise Unsure
            if (c := canonical(value)) is not None:
                yield int(row), col, c


def scan(data: str) -> list[tuple[str, ...]]:
    """The cells of a sheetData element's XML as (column letters, row, style, type, style, formula, value,
    inline text) strings ("" where absent; the style comes in the first or the second place, by the order
    of the attributes); raises Unsure when a cell has another form (shared formula, rich text, no address,
    further attributes ...)."""
    found = _CELL_FAST.findall(data)
    # an empty formula is still a formula; a comment's cells are no cells (the pattern would find them)
    if len(found) != data.count("<c") or "<f></f>" in data or "<!--" in data:
        raise Unsure
    return found


def scan_bytes(data: bytes, start: int, end: int) -> list[tuple[bytes, ...]]:
    """`scan` of data[start:end] (a sheetData element in a part's bytes), its groups as bytes."""
    found = _CELL_FAST_BYTES.findall(data, start, end)
    if (len(found) != data.count(b"<c", start, end) or data.find(b"<f></f>", start, end) >= 0
            or data.find(b"<!--", start, end) >= 0):
        raise Unsure
    return found


def digest(cells: list[tuple[int, int, str]]) -> str:
    """`marker.digest_cells` of cells already in canonical form (one hash update, not one per cell)."""
    text = "".join(f"{r},{c}\x1f{v}\x1e" for r, c, v in sorted(cells))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def unchanged_sheets(path: str | Path, names: Iterable[str] | None = None
                     ) -> tuple[list[str], dict[str, Marker], set[str]]:
    """(sheet names in tab order, markers of the generated sheets, the generated sheets proven unchanged).

    `names`: only these generated sheets are scanned (default: all). Raises OSError, KeyError or
    zipfile.BadZipFile for a package it cannot open (the caller then reads everything with openpyxl).
    """
    wanted = None if names is None else set(names)
    with zipfile.ZipFile(path) as zf:
        pkg = Package(zf)
        clear: set[str] = set()
        for name, marker in pkg.markers.items():
            if wanted is not None and name not in wanted:
                continue
            if pkg.written_as_is(name):
                clear.add(name)
                continue
            try:
                cells = list(pkg.cells(name))
            except (Unsure, KeyError, ValueError, IndexError):
                continue
            if digest(cells) == marker.digest:  # a cell listed twice would change the hash too
                clear.add(name)
        return pkg.names, pkg.markers, clear
