"""openpyxl's package parts for a workbook, its worksheets' cells written quickly, cached values included.

openpyxl serialises every cell as an element object through the pure-Python et_xmlfile (lxml is not a
dependency): at 10 000 indicators a fifth of a `regenerate`. Here `<sheetData>` is written as text for
the cells the tool produces in bulk (numbers, strings, booleans, errors, formulas, empty styled cells),
exactly as openpyxl's own writer (openpyxl/cell/_writer.py `etree_write_cell`, worksheet/_writer.py
`write_row`) writes them; any other cell (dates, array and data-table formulas, rich text, hyperlinks, odd
values) is handed to openpyxl's cell writer, so its bytes and side effects (hyperlinks registered on the
sheet) are openpyxl's. Everything outside `<sheetData>` is openpyxl's as before.

Each formula cell's cached value is written with it, as `values.with_cached_values` would fill it in
afterwards (the same `t=` and value text, `values._cell_xml`), which saves a pass over every sheet part.
The parts are collected in a dict (`PartsArchive`) rather than deflated into a zip and read back.

`regenerate` serialises each generated sheet's `<sheetData>` as soon as the sheet is final (`freeze`, from
sheets/openpyxl_writer.sheet_done) and lets its openpyxl cells go (book/frozen.py); the save writes that XML.
The save keeps each worksheet part deflated as it is written (`Deflated`), not every part whole until the
zip (issue 13, memory).

Nothing is changed in openpyxl for anyone else: the writers are subclasses used by `openpyxl_parts` only.
With lxml installed openpyxl writes cells through lxml, in other bytes; then openpyxl's writer is used
unchanged and the values are filled in by `with_cached_values`, as before.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any

# the escapers et_xmlfile uses for element text and attribute values (the same bytes on every Python)
from xml.etree.ElementTree import _escape_attrib as _attr  # type: ignore[attr-defined]
from xml.etree.ElementTree import _escape_cdata as _cdata  # type: ignore[attr-defined]

import openpyxl
from openpyxl import Workbook
from openpyxl.cell._writer import etree_write_cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.writer.excel import ExcelWriter

from xl_sakip.book.frozen import FrozenCells, PlainCell, data_type, pack
from xl_sakip.book.values import _FORMULA_CELL, _cell_xml, with_cached_values
from xl_sakip.core import formula as fx

Values = Mapping[str, Mapping[tuple[int, int], fx.Scalar]]


#: The zip's compression level (package.write_member): a part deflated early gets the bytes the zip would.
ZIP_LEVEL = 6


class Deflated:
    """A package part as its zip member will hold it (raw deflate at ZIP_LEVEL, as zipfile compresses it),
    with the CRC and size of its bytes: a sheet part is compressed as soon as it is written, not kept
    whole until the zip is written (issue 13, memory). `raw()` gives the part's bytes back."""

    __slots__ = ("data", "crc", "size")

    def __init__(self, part: bytes) -> None:
        z = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)  # zipfile's _get_compressor for ZIP_DEFLATED
        self.data = z.compress(part) + z.flush()
        self.crc = zlib.crc32(part)
        self.size = len(part)

    def raw(self) -> bytes:
        return zlib.decompress(self.data, -15)

    @classmethod
    def made(cls, data: bytes, crc: int, size: int) -> Deflated:
        """A part deflated as it was written (`DeflatingBuffer`: the same bytes as `Deflated(part)`), or a
        zip member's compressed bytes copied as they are (book/package_edit.read_parts)."""
        self = cls.__new__(cls)
        self.data, self.crc, self.size = data, crc, size
        return self


class PartsArchive:
    """What ExcelWriter needs of a ZipFile (writestr, write, namelist, close), keeping each part's bytes by
    name. Names are normalised as ZipInfo does; a part written twice keeps its last bytes, as reading the
    zip back by name did."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes | Deflated] = {}

    def writestr(self, name: str | zipfile.ZipInfo, data: str | bytes | Deflated, *_: Any, **__: Any) -> None:
        info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
        if isinstance(data, Deflated):
            self.parts[info.filename] = data
            return
        self.parts[info.filename] = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(self, filename: str | os.PathLike[str], arcname: str | None = None, *_: Any, **__: Any) -> None:
        info = zipfile.ZipInfo.from_file(filename, arcname)
        with open(filename, "rb") as fh:
            self.parts[info.filename] = fh.read()

    def namelist(self) -> list[str]:
        return list(self.parts)

    def close(self) -> None:
        pass


_FORMULA_CELL_TEXT = re.compile(_FORMULA_CELL.pattern.decode())


def _with_value(xml: str, value: fx.Scalar | None) -> str:
    """A cell openpyxl wrote (`xml`), its `<v/>` filled as `with_cached_values` fills it."""
    m = _FORMULA_CELL_TEXT.fullmatch(xml)
    got = None if m is None or value is None else _cell_xml(value)
    if got is None or " t=" in m.group(3):  # type: ignore[union-attr]
        return xml
    t, v = got
    return f'<c r="{m[1]}{m[2]}"{m[3]}{t.decode()}><f>{m[4]}</f><v>{v.decode("utf-8")}</v></c>'


#: Line ends as a file opened in text mode writes them here: openpyxl's temporary sheet files are.
_NEWLINE = os.linesep.encode()


class SheetBuffer(io.BytesIO):
    """A sheet part in memory instead of openpyxl's temporary file (created, written, read back and
    removed for every sheet), with the bytes that file gets: et_xmlfile writes the file in text mode, so
    a line break in a cell's text is os.linesep there ("\r\n" on Windows), and "\n" into a buffer.
    One difference from before on Windows only: a cached text value with a line break is written here and
    gets "\r\n" too, where the old pass filled it in after the file and kept "\n" (found by a review that
    simulated Windows line ends; not run on Windows). An XML parser reads both as "\n", so Excel's value is
    the same, and the part hash is of the bytes written."""

    def write(self, data: Any) -> int:
        if _NEWLINE != b"\n":
            self._put(bytes(data).replace(b"\n", _NEWLINE))
            return len(data)
        self._put(data)
        return len(data)

    def _put(self, data: Any) -> None:
        super().write(data)


class DeflatingBuffer(SheetBuffer):
    """A sheet part deflated as it is written, never whole (the save of a large sheet held its text twice
    besides: the buffer and the bytes read from it; issue 13, memory). `deflated()` gives what
    `Deflated(part)` gives: deflate's output does not depend on how its input is cut."""

    def __init__(self) -> None:
        super().__init__()
        self._z = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)  # as Deflated
        self._out: list[bytes] = []
        self._crc = 0
        self._size = 0

    def _put(self, data: Any) -> None:
        data = bytes(data)
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._out.append(self._z.compress(data))

    def deflated(self) -> Deflated:
        self._out.append(self._z.flush())
        return Deflated.made(b"".join(self._out), self._crc, self._size)


_DEFAULT_STYLE = StyleArray()


def _write_rows(ws: Any, rows: Iterable[tuple[int, list[Any]]], values: Mapping[tuple[int, int], fx.Scalar],
                write: Callable[[str], Any], fallback: Callable[[Any, bool, fx.Scalar | None], str] | None,
                new_styles: dict[StyleArray, int] | None = None,
                comments: list[CommentRecord] | None = None) -> bool:
    """The `<row>` elements of `rows` (WorksheetWriter.rows), passed to `write` in chunks.

    `fallback(cell, styled, cached value)`: the XML of a cell only openpyxl's writer writes (None: there is
    no such cell, and False is returned at the first one). `new_styles` (`freeze`): a
    cell style the workbook has not numbered yet is written as "\0k\0", k its place in `new_styles`
    (numbered at the save), instead of being numbered now. A cell's comment is recorded in `comments` as
    openpyxl's writer records it (default: the sheet's own list, which the save writes out after the rows;
    `freeze` keeps them for the save instead)."""
    dims = ws.row_dimensions
    comments = ws._comments if comments is None else comments
    letters: dict[int, str] = {}
    # the workbook's cell styles by value: what `cell.style_id` returns for a style already numbered,
    # without its side effect (numbering a new one, left to it) and with one hash instead of three
    style_ids = ws.parent._cell_styles._dict
    shared: dict[int, int | str] = {}
    held: list[StyleArray] = []
    out: list[str] = []
    for row_idx, row in rows:
        attrs = {"r": f"{row_idx}"}
        dim = dims.get(row_idx)
        if dim is not None:
            # iterating it numbers its style (None: the default one)
            style = _DEFAULT_STYLE if dim._style is None else dim._style
            if new_styles is not None and style not in style_ids:
                return False
            attrs.update(dim)
        out.append("<row" + "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items()) + ">")
        for cell in row:
            if cell._comment is not None:
                comments.append(CommentRecord.from_cell(cell))
            value = cell._value
            styled = cell.has_style
            if value is None and not styled and not cell._comment:
                continue
            col = cell.column
            letter = letters.get(col)
            if letter is None:
                letter = letters[col] = get_column_letter(col)
            head = f'<c r="{letter}{row_idx}"'
            if styled:
                plain = type(cell) is PlainCell
                # a PlainCell's style array is its column's: numbered once per array, not hashed per cell
                sid = shared.get(id(cell._style)) if plain else None
                if sid is None:
                    sid = style_ids.get(cell._style)
                    if sid is None:
                        if new_styles is None:
                            sid = cell.style_id
                        else:
                            sid = "\0%d\0" % new_styles.setdefault(cell._style, len(new_styles))  # noqa: UP031
                    if plain:
                        shared[id(cell._style)] = sid
                        held.append(cell._style)  # alive while its id is a key
                head = f'{head} s="{sid}"'
            kind = cell.data_type
            vt = type(value)
            if cell.hyperlink:
                pass  # openpyxl's writer registers the link on the sheet
            elif value is None or (value == "" and vt is str):
                if kind == "s":
                    out.append(head + ' t="inlineStr" />')
                    continue
                if kind in ("n", "b", "e"):
                    out.append(f'{head} t="{kind}" />')
                    continue
            elif kind == "n":
                if (vt is int or vt is float) and math.isfinite(value):
                    out.append(f'{head} t="n"><v>{"%.16g" % value}</v></c>')  # noqa: UP031 (safe_string's)
                    continue
            elif kind == "s":
                if vt is str:
                    stripped = value.strip()
                    space = ' xml:space="preserve"' if stripped and value != stripped else ""
                    out.append(f'{head} t="inlineStr"><is><t{space}>{_cdata(value)}</t></is></c>')
                    continue
            elif kind == "f":
                if vt is str and len(value) > 1:
                    got = _cell_xml(values[(row_idx, col)]) if (row_idx, col) in values else None
                    if got is None:
                        out.append(f"{head}><f>{_cdata(value[1:])}</f><v /></c>")
                    else:
                        out.append(f"{head}{got[0].decode()}><f>{_cdata(value[1:])}</f>"
                                   f"<v>{got[1].decode('utf-8')}</v></c>")
                    continue
            elif kind == "b":
                if vt is bool:
                    out.append(f'{head} t="b"><v>{"1" if value else "0"}</v></c>')
                    continue
            elif kind == "e" and vt is str:
                out.append(f'{head} t="e"><v>{_cdata(value)}</v></c>')
                continue
            # Anything else is openpyxl's to write: the same bytes and side effects by construction.
            if fallback is None:
                return False
            out.append(fallback(cell, styled, values.get((row_idx, col))))
        out.append("</row>")
        if len(out) > 2048:
            write("".join(out))
            out.clear()
    write("".join(out))
    return True


class FastWorksheetWriter(WorksheetWriter):
    """openpyxl's WorksheetWriter with `<sheetData>` written as text, cached values included."""

    def __init__(self, ws: Any, values: Mapping[tuple[int, int], fx.Scalar], out: Any = None) -> None:
        super().__init__(ws, out)
        self.values = values

    def write_dimensions(self) -> None:
        frozen = self.ws._cells
        if isinstance(frozen, FrozenCells):  # its cells are gone: the dimension of when they were there
            self.xf.send(SheetDimension(frozen.dimension).to_tree())
            return
        super().write_dimensions()

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        write = xf._file  # et_xmlfile's text writer: what xf.write uses after escaping
        frozen = self.ws._cells
        if isinstance(frozen, FrozenCells):  # serialised when the sheet was final (`freeze`)
            # its comments, recorded then, are written after the rows, as openpyxl's writer does
            self.ws._comments.extend(frozen.comments)
            frozen.write_sheet_data(write, self.ws.parent._cell_styles.add)
        else:
            write("<sheetData>")
            _write_rows(self.ws, self.rows(), self.values, write,
                        lambda cell, styled, value: self._openpyxl_cell(xf, cell, styled, value))
            write("</sheetData>")
        self.xf.send(None)  # return control to the generator

    def _openpyxl_cell(self, xf: Any, cell: Any, styled: bool, value: fx.Scalar | None) -> str:
        parts: list[str] = []
        write, xf._file = xf._file, parts.append
        try:
            etree_write_cell(xf, self.ws, cell, styled)
        finally:
            xf._file = write
        return _with_value("".join(parts), value)


class FastExcelWriter(ExcelWriter):
    """openpyxl's ExcelWriter with its worksheets written by FastWorksheetWriter (cached values `values`:
    sheet title -> (row, col) -> value)."""

    def __init__(self, workbook: Workbook, archive: Any, values: Values, deflate: bool = False) -> None:
        super().__init__(workbook, archive)
        self.values = values
        self.deflate = deflate  # each worksheet part kept deflated (`Deflated`)

    def write_worksheet(self, ws: Any) -> None:
        # ExcelWriter.write_worksheet with the writer class swapped
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = DeflatingBuffer() if self.deflate else SheetBuffer()
        writer = FastWorksheetWriter(ws, self.values.get(ws.title, {}), out)
        writer.write()
        ws._rels = writer._rels
        part = out.deflated() if isinstance(out, DeflatingBuffer) else writer.read()
        self._archive.writestr(ws.path[1:], part)
        self.manifest.append(ws)


def fast() -> bool:
    """Whether openpyxl writes cells through et_xmlfile, whose bytes FastWorksheetWriter reproduces."""
    return not openpyxl.LXML


def workbook_parts(wb: Workbook, values: Values | None = None, *, deflate: bool = False
                   ) -> dict[str, bytes | Deflated]:
    """The package parts openpyxl writes for `wb`, by name, each formula cell with its cached value from
    `values` (sheet title -> (row, col) -> value; none: no cached values). `deflate`: the worksheet parts
    as `Deflated` (the save, which writes them into a zip), where openpyxl's cells are written quickly."""
    values = values or {}
    for ws in wb.worksheets:  # before openpyxl's writer starts (a half-written part warns when collected)
        if isinstance(ws._cells, FrozenCells) and ws._cells.xml is None:
            raise RuntimeError(f"sheet '{ws.title}' was serialised once already (by an earlier save)")
    archive = PartsArchive()
    if fast() and not wb.write_only:  # a write-only workbook's sheets are written as they are filled
        FastExcelWriter(wb, archive, values, deflate).save()
        return archive.parts
    ExcelWriter(wb, archive).save()
    return with_cached_values(archive.parts, values, in_place=True)  # type: ignore[arg-type]  # bytes only


def freeze(ws: Any, values: Mapping[tuple[int, int], fx.Scalar]) -> bool:
    """Serialise the `<sheetData>` of a final sheet now, with its cached `values` ((row, col) -> value),
    and replace its openpyxl cells by a `FrozenCells` holding that XML and the cells' values; the save
    writes the XML as it is. Returns whether it was done: not when openpyxl writes cells in other bytes
    (`fast`), nor for a sheet with a cell only openpyxl's writer writes (a hyperlink, a date ...: its side
    effects belong to the save), nor when a row's own style is not numbered yet. Comments are recorded
    now and handed to the save (`FrozenCells.comments`), which writes them as for any sheet.

    The bytes are those the save would write: the XML depends on the cells, the row dimensions and the
    numbered cell styles, none of which change once the sheet is final, and the styles the workbook has not
    numbered yet are numbered at the save, in the order this sheet meets them (`FrozenCells.sheet_data`)."""
    if not fast() or isinstance(ws._cells, FrozenCells):
        return False
    freezer = Freezer(ws)
    rows = WorksheetWriter.rows(SimpleNamespace(ws=ws))  # type: ignore[arg-type]  # it reads self.ws only
    if not freezer.add(rows, values):
        return False
    ws._cells = freezer.close(ws.calculate_dimension())
    return True


class Freezer:
    """A final sheet's `<sheetData>` serialised in blocks of rows, in row order (`freeze`: one block; a
    sheet written in row chunks, sheets/openpyxl_writer.write_report: a block per chunk, its cells let go
    after each). `close` gives the `FrozenCells` that replaces the sheet's cells."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        # deflated as it is written (`frozen.pack`), never whole as text; encoded as the save's text writer
        # encodes (et_xmlfile: UTF-8, xmlcharrefreplace for a lone surrogate)
        self._packer = pack()
        self._packed: list[bytes] = []
        self.new: dict[StyleArray, int] = {}
        self.constants: dict[tuple[int, int], Any] = {}
        self.formulas: dict[int, int] = {}  # row -> its formula columns as bits (FrozenCells)
        self.types: dict[tuple[int, int], str] = {}
        self.comments: list[CommentRecord] = []  # written by the save (FastWorksheetWriter.write_rows)
        self._write("<sheetData>")

    def _write(self, text: str) -> None:
        self._packed.append(self._packer.compress(text.encode("utf-8", "xmlcharrefreplace")))

    def add(self, rows: Iterable[tuple[int, list[Any]]], values: Mapping[tuple[int, int], fx.Scalar]) -> bool:
        """The `<row>` elements of `rows` ((row, its cells), after those added before), and the cells'
        values kept for the `FrozenCells`. False where `freeze` would refuse the sheet (nothing to undo:
        the caller drops the freezer)."""
        rows = list(rows)
        if not _write_rows(self.ws, rows, values, self._write, None, self.new, self.comments):
            return False
        constants, formulas, types = self.constants, self.formulas, self.types
        for _, cells in rows:
            for cell in cells:
                v = cell._value
                if v is None:
                    continue
                if cell.data_type == "f":
                    formulas[cell.row] = formulas.get(cell.row, 0) | 1 << cell.column
                else:
                    key = (cell.row, cell.column)
                    constants[key] = v
                    if cell.data_type != data_type(v):
                        types[key] = cell.data_type
        return True

    def close(self, dimension: str) -> FrozenCells:
        """The serialised sheet; `dimension`: the `<dimension ref>` of all the cells it was made of."""
        self._write("</sheetData>")
        self._packed.append(self._packer.flush())
        return FrozenCells(self.ws.title, self.constants, self.formulas, self.types, b"".join(self._packed),
                           list(self.new), dimension, self.comments)
