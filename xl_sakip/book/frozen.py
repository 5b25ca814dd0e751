"""A generated sheet's cells after its `<sheetData>` was serialised early (issue 13, memory).

`regenerate` writes each generated sheet's `<sheetData>` as soon as the sheet is final and its cached values
are known (book/sheet_writer.freeze, called by sheets/openpyxl_writer.sheet_done), then replaces the sheet's
openpyxl cells (`ws._cells`) with a `FrozenCells`: the serialised XML, waiting for the save, and the cells'
values in two plain dicts, for what still reads the sheet afterwards (the cached-value evaluator's
constants, a digest, tests). openpyxl's cells with their style arrays cost several times that.

A `FrozenCells` reads like `ws._cells` for its cells that hold a value (each as a `FrozenCell`, read-only);
empty styled cells are not listed (their bytes are in the XML). Any write (a new cell through `ws.cell`,
assigning a value) raises: nothing may change a sheet once it is final, and a change would not reach the
file.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import column_index_from_string

Coord = tuple[int, int]


class FrozenCell(NamedTuple):
    """What is read of an openpyxl Cell (`row`, `column`, `value`, `data_type`); read-only."""

    row: int
    column: int
    value: Any
    data_type: str

    @property
    def _value(self) -> Any:
        return self.value


class PlainCell:
    """A generated sheet's cell before its sheet is serialised, made without an openpyxl Cell: a unit sheet's
    body cell on regenerate's way (sheets/openpyxl_writer._write_body; issue 13, time). It holds what the
    cached-value evaluator, `freeze` and the save's cell writer (book/sheet_writer._write_rows) read of a
    Cell, for the plain values only (text, finite numbers, formulas, empty), and a style array shared by the
    cells of its column: changed in place, it would restyle the whole column, so nothing restyles these
    cells (a style span over the body turns them off). Written, its bytes are those of the openpyxl Cell it
    stands for. Not the rest of a Cell's API (coordinate, font, a value set): code that wants it gets
    openpyxl Cells first (`openpyxl_writer.openpyxl_cells`)."""

    __slots__ = ("parent", "row", "column", "_value", "data_type", "_style", "has_style")
    _comment = None
    _hyperlink = None
    hyperlink = None

    def __init__(self, parent: Any, row: int, column: int, value: Any, data_type: str, style: StyleArray,
                 styled: bool) -> None:
        self.parent, self.row, self.column = parent, row, column
        self._value, self.data_type, self._style, self.has_style = value, data_type, style, styled

    @property
    def value(self) -> Any:
        return self._value

    @property
    def style_id(self) -> int:
        """As openpyxl's: the style's number in the workbook, numbering it if it is new."""
        return self.parent.parent._cell_styles.add(self._style)


def data_type(value: Any) -> str:
    """openpyxl's data type of a constant, as its `_bind_value` sets it for the values the plan holds."""
    if isinstance(value, str):
        return "s"
    if isinstance(value, bool):
        return "b"
    return "n"


class FrozenCells(Mapping[Coord, FrozenCell]):
    """A generated sheet's cells once serialised: (row, col) -> FrozenCell for every cell holding a value.

    `xml`: its `<sheetData>` element as UTF-8 (kept deflated, `pack`), cached values included, cell style
    ids written as "\\0k\\0" for `new_styles[k]` (a style array the workbook had not numbered yet: openpyxl
    numbers cell styles in the order the save first meets them, so these are numbered at the save, in the
    order this sheet would have met them there); None once the save used it. `dimension`: the
    `<dimension ref>` of the cells it was made of."""

    def __init__(self, title: str, constants: dict[Coord, Any], formulas: dict[int, int],
                 types: dict[Coord, str], packed: bytes, new_styles: list[StyleArray], dimension: str,
                 comments: list[CommentRecord] | None = None) -> None:
        self.title = title
        self.constants = constants  # (row, col) -> value of a cell that is not a formula
        # the formula cells, row -> its columns as bits (1 << col): a (row, col) tuple each was a fifth of
        # what the frozen sheets held (issue 13, memory). Their text is read back from the XML when asked
        # for (`_formula_texts`): kept, the texts would be a third of what a frozen sheet holds, and the
        # evaluator has their values
        self.formulas = formulas
        self._texts: dict[Coord, str] | None = None
        self.types = types  # (row, col) -> data type of a constant not `_data_type` of its value
        self.xml: bytes | None = packed  # deflated (`pack`)
        self.new_styles = new_styles
        self.dimension = dimension
        # its cells' comments as the save records them (`CommentRecord.from_cell`), for the comments part
        self.comments = comments or []

    def get(self, key: Coord, default: Any = None) -> Any:
        v = self.constants.get(key)
        if v is not None:
            return FrozenCell(key[0], key[1], v, self.types.get(key) or data_type(v))
        if self.formulas.get(key[0], 0) >> key[1] & 1:
            return FrozenCell(key[0], key[1], self._formula_texts()[key], "f")
        return default

    def __getitem__(self, key: Coord) -> FrozenCell:
        got = self.get(key)
        if got is None:
            raise KeyError(key)
        return got

    def __contains__(self, key: object) -> bool:
        if key in self.constants:
            return True
        row, col = key  # type: ignore[misc]
        return bool(self.formulas.get(row, 0) >> col & 1)

    def __iter__(self) -> Iterator[Coord]:
        yield from self.constants
        yield from self.formula_keys()

    def __len__(self) -> int:
        return len(self.constants) + sum(m.bit_count() for m in self.formulas.values())

    def formula_keys(self) -> Iterator[Coord]:
        """(row, col) of every formula cell, by row then column."""
        for row, mask in self.formulas.items():
            col = 0
            while mask:
                if mask & 1:
                    yield row, col
                mask >>= 1
                col += 1

    def _formula_texts(self) -> dict[Coord, str]:
        """(row, col) -> formula text of every formula cell, read from the XML once (a test, a digest:
        nothing on regenerate's way reads a frozen sheet's formulas, the evaluator has their values)."""
        if self._texts is None:
            if self.xml is None:
                raise RuntimeError(f"sheet '{self.title}' was saved: its formulas are in the file only")
            self._texts = {
                (int(m[2]), column_index_from_string(m[1].decode())): "=" + _unescape(m[3].decode("utf-8"))
                for m in _FORMULA.finditer(unpack(self.xml))}
        return self._texts

    def _refuse(self, *_: Any, **__: Any) -> None:
        raise RuntimeError(f"sheet '{self.title}' is final and already serialised: its cells cannot change")

    __setitem__ = __delitem__ = pop = popitem = setdefault = update = clear = _refuse

    def sheet_data(self, number: Any) -> str:
        """The `<sheetData>` text for the save, each new style numbered by `number(style_array)` in order
        (the workbook's `_cell_styles.add`); the XML is released (a second save raises)."""
        parts: list[str] = []
        self.write_sheet_data(parts.append, number)
        return "".join(parts)

    def write_sheet_data(self, write: Any, number: Any) -> None:
        """`sheet_data` passed to `write` in pieces, never whole (issue 13, memory: a sheet of 10 000
        indicators is 17 MB of text)."""
        if self.xml is None:
            raise RuntimeError(f"sheet '{self.title}' was serialised once already (by an earlier save)")
        packed, self.xml = self.xml, None
        ids = [str(number(style)).encode() for style in self.new_styles]  # numbered in order, as the save
        d = zlib.decompressobj()
        rest = b""
        for at in range(0, len(packed), _PIECE):
            got = rest + d.decompress(packed[at:at + _PIECE])
            # up to the last ">": a style placeholder, inside an attribute, and a UTF-8 character end before
            cut = got.rfind(b">") + 1
            rest = got[cut:]
            write(_numbered(got[:cut], ids))
        write(_numbered(rest + d.flush(), ids))


#: Deflated bytes read at a time by `FrozenCells.write_sheet_data` (about ten times as much text).
_PIECE = 1 << 17
_PLACEHOLDER = re.compile(rb"\0([0-9]+)\0")


def _numbered(xml: bytes, ids: list[bytes]) -> str:
    """XML text with each new style's placeholder replaced by its number."""
    if ids:
        xml = _PLACEHOLDER.sub(lambda m: ids[int(m[1])], xml)
    return xml.decode("utf-8")


# A formula cell as sheet_writer writes it (its text escaped: no "<" inside).
_FORMULA = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*><f>([^<]*)</f>')


def _unescape(text: str) -> str:
    """The text `xml.etree.ElementTree._escape_cdata` escaped (&, <, >)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def pack() -> Any:
    """The compressor of a frozen sheet's XML, kept deflated until the save (a tenth of its size for a fast
    compression: it waits while the other sheets are written); `unpack` reads it."""
    return zlib.compressobj(1)


def unpack(packed: bytes) -> bytes:
    return zlib.decompress(packed)
