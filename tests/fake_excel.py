"""A recording fake of Excel's COM object model, driven by xlwings' real Windows implementation.

Excel is not on these machines, and xlwings' Windows engine (`xlwings._xlwindows`) needs pywin32. Here the
pywin32 modules are stubbed just enough for `_xlwindows` to import on Linux, and the COM objects it talks
to (Application, Workbook, Worksheets, Worksheet, Range, Names, ChartObjects ...) are small Python objects
that keep the cells of an openpyxl workbook and RECORD EVERY CALL: each property read, property write and
method call on a COM object is one entry of `FakeExcel.calls`, as (object type, member). Over COM each such
call is one round trip to Excel's process (0.2-2 ms), which is what the ribbon's speed is made of.

What counts as one call (as pywin32's late binding does it): reading or writing a property; calling a
method; calling a collection (its default member, `Item`); each element of a `for` over a collection, and
the enumeration itself. Not counted: Win32 calls outside COM (the process id of a window).

The fake implements what the ribbon's macros use, with Excel's semantics where they matter for the
result (sheet order, sheet-scoped names, `Range.Formula` as text, `Range.Value` as values, Copy of a
range, Clear); styles are accepted and kept as plain attributes.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import re
import sys
import types
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

# ------------------------------------------------------------------ pywin32 stubs


class com_error(Exception):  # noqa: N801 (pywintypes' name)
    def __init__(self, hresult: int = -2147352567, msg: str = "", exc: Any = None, arg: Any = None):
        super().__init__(hresult, msg, exc, arg)
        self.hresult = hresult


def _module(name: str, **attrs: Any) -> types.ModuleType:
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    return m


class _Dispatch:  # stands for CDispatch and friends: nothing here is one of them
    pass


def _win32_modules() -> dict[str, types.ModuleType]:
    win32con = _module("win32con", MB_OK=0, MB_OKCANCEL=1, MB_YESNO=4, MB_YESNOCANCEL=3,
                       MB_ICONINFORMATION=64, MB_ICONWARNING=48)
    client = _module("win32com.client", CDispatch=_Dispatch, CoClassBaseClass=_Dispatch, Dispatch=_Dispatch,
                     DispatchBaseClass=_Dispatch, DispatchEx=_Dispatch)
    return {
        "pywintypes": _module("pywintypes", com_error=com_error, TimeType=dt.datetime),
        "win32api": _module("win32api", MessageBox=lambda *a: 1),
        "win32con": win32con,
        "pythoncom": _module("pythoncom", CoInitialize=lambda: None, new=None, __file__="pythoncom.dll"),
        "win32com": _module("win32com", client=client),
        "win32com.client": client,
        "win32gui": _module("win32gui"),
        "win32process": _module("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242)),
        "win32timezone": _module("win32timezone"),
    }


def xlwindows(monkeypatch) -> types.ModuleType:
    """xlwings' Windows implementation, importable on Linux for the test (stubs removed afterwards by
    monkeypatch; the module itself stays imported, it holds no state of its own that matters here)."""
    for name, mod in _win32_modules().items():
        monkeypatch.setitem(sys.modules, name, mod)
    dll = types.SimpleNamespace(user32=types.SimpleNamespace(),
                                ole32=types.SimpleNamespace(CLSIDFromString=lambda *a: 0))
    monkeypatch.setattr(ctypes, "windll", dll, raising=False)
    monkeypatch.setattr(ctypes, "oledll", dll, raising=False)
    if "xlwings._xlwindows" not in sys.modules:  # its import loads pythoncom's DLL
        monkeypatch.setattr(ctypes, "PyDLL", lambda path: types.SimpleNamespace(
            PyCom_PyObjectFromIUnknown=types.SimpleNamespace()))
    import xlwings._xlwindows as xlwin

    return xlwin


# ------------------------------------------------------------------ recording COM objects


class Com:
    """A COM object: members starting with a capital letter are COM members, and each use is recorded."""

    _excel: FakeExcel

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if not name[:1].isupper():
            return value
        kind = type(self).__name__
        calls = object.__getattribute__(self, "_excel").calls
        if isinstance(value, types.MethodType):
            def method(*args: Any, **kwargs: Any) -> Any:
                calls.append((kind, name))
                return value(*args, **kwargs)

            return method
        calls.append((kind, name))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name[:1].isupper():
            self._excel.calls.append((type(self).__name__, name + "="))
        object.__setattr__(self, name, value)

    def _record(self, member: str) -> None:
        self._excel.calls.append((type(self).__name__, member))


class Application(Com):
    def __init__(self, excel: FakeExcel) -> None:
        object.__setattr__(self, "_excel", excel)
        self.__dict__.update(Hwnd=1234, ScreenUpdating=True, Calculation=-4105, DisplayAlerts=True,
                             EnableEvents=True, StatusBar=False, CutCopyMode=False)
        # (ScreenUpdating, Calculation) at every Formula write: what the writes ran with
        self.__dict__["writes_with"] = []

    @property
    def Application(self) -> Application:  # noqa: N802
        return self

    @property
    def ActiveSheet(self) -> Worksheet:  # noqa: N802
        return self._excel.active or self._excel.book.sheets[0]

    @property
    def ActiveWindow(self) -> Style:  # noqa: N802
        return self._excel.windows.setdefault(self.ActiveSheet._name, Style(self._excel))


class Workbook(Com):
    def __init__(self, excel: FakeExcel, name: str, fullname: str) -> None:
        object.__setattr__(self, "_excel", excel)
        self.__dict__.update(_name=name, _fullname=fullname, sheets=[], names={})

    @property
    def Name(self) -> str:  # noqa: N802
        return self._name

    @property
    def FullName(self) -> str:  # noqa: N802
        return self._fullname

    @property
    def Path(self) -> str:  # noqa: N802
        return str(Path(self._fullname).parent) if "/" in self._fullname or "\\" in self._fullname else ""

    @property
    def Application(self) -> Application:  # noqa: N802
        return self._excel.app

    @property
    def Parent(self) -> Application:  # noqa: N802
        return self._excel.app

    @property
    def Worksheets(self) -> Sheets:  # noqa: N802
        return Sheets(self)

    @property
    def Sheets(self) -> Sheets:  # noqa: N802
        return Sheets(self)

    @property
    def Names(self) -> Names:  # noqa: N802
        return Names(self, None)

    def ExportAsFixedFormat(self, Type: int = 0, Filename: str = "", **kwargs: Any) -> None:  # noqa: N802, N803
        """Excel prints the visible sheets; the fake notes which, and writes a stand-in file."""
        assert Type == 0  # xlTypePDF
        shown = [ws._name for ws in self.sheets if ws.__dict__["Visible"] in (-1, True)]
        self._excel.pdfs.append((Filename, shown))
        Path(Filename).write_bytes(b"%PDF-1.7 fake: " + "|".join(shown).encode())


class Sheets(Com):
    def __init__(self, book: Workbook) -> None:
        object.__setattr__(self, "_excel", book._excel)
        self.__dict__["book"] = book

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.book.sheets)

    @property
    def Parent(self) -> Workbook:  # noqa: N802
        return self.book

    def __call__(self, key: str | int) -> Worksheet:
        self._record("Item")
        return self._item(key)

    def Item(self, key: str | int) -> Worksheet:  # noqa: N802
        return self._item(key)

    def _item(self, key: str | int) -> Worksheet:
        if isinstance(key, int):
            return self.book.sheets[key - 1]
        for ws in self.book.sheets:
            if ws._name.lower() == key.lower():
                return ws
        raise com_error()

    def __iter__(self):
        self._record("_NewEnum")
        for ws in list(self.book.sheets):
            self._record("Next")
            yield ws

    def Add(self, Before: Worksheet | None = None, After: Worksheet | None = None) -> Worksheet:  # noqa: N802, N803
        ws = Worksheet(self.book, self._excel.new_sheet_name())
        self.book.sheets.insert(_insert_at(self.book, Before, After), ws)
        return ws


def _insert_at(book: Workbook, before: Worksheet | None, after: Worksheet | None) -> int:
    if before is not None:
        return book.sheets.index(before)
    if after is not None:
        return book.sheets.index(after) + 1
    return 0


class Worksheet(Com):
    def __init__(self, book: Workbook, name: str) -> None:
        object.__setattr__(self, "_excel", book._excel)
        self.__dict__.update(book=book, _name=name, cells={}, Visible=-1, charts=[], heights={},
                             widths={}, styles=[], merges=[], pictures=[], breaks=[], tables=[])
        self.__dict__["page"] = PageSetup(self._excel)

    @property
    def Name(self) -> str:  # noqa: N802
        return self._name

    @Name.setter
    def Name(self, value: str) -> None:  # noqa: N802
        self.__dict__["_name"] = value

    @property
    def Index(self) -> int:  # noqa: N802
        return self.book.sheets.index(self) + 1

    @property
    def Parent(self) -> Workbook:  # noqa: N802
        return self.book

    @property
    def Application(self) -> Application:  # noqa: N802
        return self._excel.app

    @property
    def Names(self) -> Names:  # noqa: N802
        return Names(self.book, self)

    @property
    def Cells(self) -> Range:  # noqa: N802
        return Range(self, 1, 1, 1048576, 16384)

    @property
    def Rows(self) -> Range:  # noqa: N802
        return Range(self, 1, 1, 1048576, 16384)

    @property
    def UsedRange(self) -> Range:  # noqa: N802
        if not self.cells:
            return Range(self, 1, 1, 1, 1)
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def Range(self, a: Any, b: Any = None) -> Range:  # noqa: N802
        first = _parse(self, a) if isinstance(a, str) else a
        if b is None:
            return first
        last = _parse(self, b) if isinstance(b, str) else b
        return Range(self, min(first.r1, last.r1), min(first.c1, last.c1), max(first.r2, last.r2),
                     max(first.c2, last.c2))

    @property
    def PageSetup(self) -> PageSetup:  # noqa: N802
        return self.page

    @property
    def ListObjects(self) -> ListObjects:  # noqa: N802
        return ListObjects(self)

    @property
    def HPageBreaks(self) -> HPageBreaks:  # noqa: N802
        return HPageBreaks(self)

    def ResetAllPageBreaks(self) -> None:  # noqa: N802
        self.breaks.clear()

    @property
    def Shapes(self) -> Shapes:  # noqa: N802
        return Shapes(self)

    def ChartObjects(self, index: int | None = None) -> Any:  # noqa: N802
        objs = ChartObjects(self)
        return objs if index is None else objs.Item(index)

    def Copy(self, Before: Worksheet | None = None, After: Worksheet | None = None) -> None:  # noqa: N802, N803
        new = Worksheet(self.book, self._excel.copy_name(self._name))
        new.cells.update(self.cells)
        new.widths.update(self.widths)
        new.__dict__["Visible"] = self.Visible
        self.book.sheets.insert(_insert_at(self.book, Before, After), new)
        for (scope, name), refers in list(self.book.names.items()):  # sheet-scoped names go with it
            if scope is self:
                self.book.names[(new, name)] = NameEntry(refers, True)

    def Move(self, Before: Worksheet | None = None, After: Worksheet | None = None) -> None:  # noqa: N802, N803
        self.book.sheets.remove(self)
        self.book.sheets.insert(_insert_at(self.book, Before, After), self)

    def Delete(self) -> None:  # noqa: N802
        self.book.sheets.remove(self)
        for key in [k for k in self.book.names if k[0] is self]:
            del self.book.names[key]

    def Activate(self) -> None:  # noqa: N802
        self._excel.active = self


class NameEntry:
    def __init__(self, refers_to: str, visible: bool) -> None:
        self.refers_to, self.visible = refers_to, visible


class Names(Com):
    """Workbook.Names (every name; sheet-scoped ones are called 'Sheet'!name) or Worksheet.Names (the
    names of that sheet)."""

    def __init__(self, book: Workbook, sheet: Worksheet | None) -> None:
        object.__setattr__(self, "_excel", book._excel)
        self.__dict__.update(book=book, sheet=sheet)

    def _keys(self) -> list[tuple[Worksheet | None, str]]:
        return [k for k in self.book.names if self.sheet is None or k[0] is self.sheet]

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._keys())

    def __call__(self, key: str | int) -> Name:
        self._record("Item")
        return self._item(key)

    def Item(self, key: str | int) -> Name:  # noqa: N802
        return self._item(key)

    def _item(self, key: str | int) -> Name:
        keys = self._keys()
        if isinstance(key, int):
            return Name(self.book, keys[key - 1])
        for k in keys:
            if Name(self.book, k).full_name().lower() == key.lower() or (
                    self.sheet is not None and k[1].lower() == key.lower()):
                return Name(self.book, k)
        raise com_error()

    def __iter__(self):
        self._record("_NewEnum")
        for k in self._keys():
            self._record("Next")
            yield Name(self.book, k)

    def Add(self, Name_: str | None = None, RefersTo: str | None = None, **kw: Any) -> Name:  # noqa: N802, N803
        name = Name_ if Name_ is not None else kw.get("Name")
        scope = self.sheet
        if "!" in name:  # 'Sheet'!name: a sheet-scoped name added through Workbook.Names
            sheet_name, name = name.rsplit("!", 1)
            scope = Sheets(self.book)._item(sheet_name.strip("'").replace("''", "'"))
        assert RefersTo.startswith("="), RefersTo  # the object model takes formulas with "="
        self.book.names[(scope, name)] = NameEntry(RefersTo, True)
        return globals()["Name"](self.book, (scope, name))


class Name(Com):
    def __init__(self, book: Workbook, key: tuple[Worksheet | None, str]) -> None:
        object.__setattr__(self, "_excel", book._excel)
        self.__dict__.update(book=book, key=key)

    def full_name(self) -> str:
        scope, name = self.key
        if scope is None:
            return name
        quoted = scope._name
        if not re.fullmatch(r"\w+", quoted):
            quoted = "'" + quoted.replace("'", "''") + "'"
        return f"{quoted}!{name}"

    @property
    def Name(self) -> str:  # noqa: N802
        return self.full_name()

    @property
    def RefersTo(self) -> str:  # noqa: N802
        return self.book.names[self.key].refers_to

    @RefersTo.setter
    def RefersTo(self, value: str) -> None:  # noqa: N802
        assert value.startswith("="), value
        self.book.names[self.key].refers_to = value

    @property
    def Visible(self) -> bool:  # noqa: N802
        return self.book.names[self.key].visible

    @Visible.setter
    def Visible(self, value: bool) -> None:  # noqa: N802
        self.book.names[self.key].visible = value

    def Delete(self) -> None:  # noqa: N802
        del self.book.names[self.key]


def _parse(sheet: Worksheet, address: str) -> Range:
    if "," in address:  # a multi-area range: the first area, knowing all of them
        areas = [_parse(sheet, a) for a in address.split(",")]
        first = areas[0]
        first.__dict__["areas"] = areas
        return first
    address = address.replace("$", "").split("!")[-1]
    m = re.fullmatch(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", address)
    assert m, address
    c1, r1 = column_index_from_string(m[1]), int(m[2])
    c2, r2 = (column_index_from_string(m[3]), int(m[4])) if m[3] else (c1, r1)
    return Range(sheet, r1, c1, r2, c2)


class Style(Com):
    def __init__(self, excel: FakeExcel) -> None:
        object.__setattr__(self, "_excel", excel)


class Font(Style):
    pass


class Interior(Style):
    pass


class Range(Com):
    def __init__(self, sheet: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__.update(sheet=sheet, r1=r1, c1=c1, r2=r2, c2=c2)

    def __call__(self, row: int, col: int) -> Range:
        self._record("Item")
        return Range(self.sheet, self.r1 + row - 1, self.c1 + col - 1, self.r1 + row - 1, self.c1 + col - 1)

    @property
    def Row(self) -> int:  # noqa: N802
        return self.r1

    @property
    def Column(self) -> int:  # noqa: N802
        return self.c1

    @property
    def Count(self) -> int:  # noqa: N802
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)

    @property
    def Rows(self) -> RowsOf:  # noqa: N802
        return RowsOf(self, "rows")

    @property
    def Columns(self) -> RowsOf:  # noqa: N802
        return RowsOf(self, "columns")

    @property
    def Worksheet(self) -> Worksheet:  # noqa: N802
        return self.sheet

    @property
    def Parent(self) -> Worksheet:  # noqa: N802
        return self.sheet

    @property
    def Address(self) -> str:  # noqa: N802
        return ",".join(a._address() for a in self.__dict__.get("areas", [self]))

    def _address(self) -> str:
        a = f"${get_column_letter(self.c1)}${self.r1}"
        if (self.r1, self.c1) == (self.r2, self.c2):
            return a
        return f"{a}:${get_column_letter(self.c2)}${self.r2}"

    def _block(self, read) -> Any:
        rows = tuple(tuple(read(self.sheet.cells.get((r, c))) for c in range(self.c1, self.c2 + 1))
                     for r in range(self.r1, self.r2 + 1))
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @property
    def Formula(self) -> Any:  # noqa: N802
        def com(v: Any) -> str:
            if v is None:
                return ""
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            return str(v)

        return self._block(com)

    @Formula.setter
    def Formula(self, value: Any) -> None:  # noqa: N802
        state = self._excel.app.__dict__  # read without recording: the fake looks, not the macro
        state["writes_with"].append((state["ScreenUpdating"], state["Calculation"]))
        if len(state["writes_with"]) == self._excel.fail_at_write:
            raise com_error(-2146827284, "Exception occurred.")  # e.g. the sheet is protected
        self._put(value, formula=True)

    @property
    def Value(self) -> Any:  # noqa: N802
        return self._block(lambda v: None if v is None else v)

    @Value.setter
    def Value(self, value: Any) -> None:  # noqa: N802
        self._put(value, formula=False)

    def _put(self, value: Any, formula: bool) -> None:
        if not isinstance(value, list | tuple):
            value = [[value] * (self.c2 - self.c1 + 1)] * (self.r2 - self.r1 + 1)
        for i, row in enumerate(value):
            for j, v in enumerate(row):
                key = (self.r1 + i, self.c1 + j)
                if v in ("", None):
                    self.sheet.cells.pop(key, None)
                elif isinstance(v, str) and v.startswith("'"):
                    self.sheet.cells[key] = v[1:]
                else:
                    self.sheet.cells[key] = v

    def Clear(self) -> None:  # noqa: N802
        for key in [k for k in self.sheet.cells if self._has(k)]:
            del self.sheet.cells[key]

    ClearContents = Clear

    def _has(self, key: tuple[int, int]) -> bool:
        return self.r1 <= key[0] <= self.r2 and self.c1 <= key[1] <= self.c2

    def Copy(self, Destination: Range | None = None) -> None:  # noqa: N802, N803
        d = Destination
        nr, nc = self.r2 - self.r1 + 1, self.c2 - self.c1 + 1
        for r in range(d.r1, d.r2 + 1):
            for c in range(d.c1, d.c2 + 1):
                v = self.sheet.cells.get((self.r1 + (r - d.r1) % nr, self.c1 + (c - d.c1) % nc))
                if v is None:
                    d.sheet.cells.pop((r, c), None)
                else:
                    d.sheet.cells[(r, c)] = v

    def Merge(self) -> None:  # noqa: N802
        for a in self.__dict__.get("areas", [self]):
            self.sheet.merges.append((a.r1, a.c1, a.r2, a.c2))

    @property
    def Borders(self) -> Style:  # noqa: N802
        return Style(self._excel)

    @property
    def Font(self) -> Font:  # noqa: N802
        return Font(self._excel)

    @property
    def Interior(self) -> Interior:  # noqa: N802
        return Interior(self._excel)

    @property
    def RowHeight(self) -> float:  # noqa: N802
        return self.sheet.heights.get(self.r1, 15.0)

    @RowHeight.setter
    def RowHeight(self, value: float) -> None:  # noqa: N802
        for a in self.__dict__.get("areas", [self]):  # every area of a multi-area range
            for r in range(a.r1, a.r2 + 1):
                self.sheet.heights[r] = value

    @property
    def ColumnWidth(self) -> float:  # noqa: N802
        return self.sheet.widths.get(self.c1, 8.43)

    @ColumnWidth.setter
    def ColumnWidth(self, value: float) -> None:  # noqa: N802
        for a in self.__dict__.get("areas", [self]):
            for c in range(a.c1, a.c2 + 1):
                self.sheet.widths[c] = value

    @property
    def Left(self) -> float:  # noqa: N802
        return 48.0 * (self.c1 - 1)

    @property
    def Top(self) -> float:  # noqa: N802
        return 15.0 * (self.r1 - 1)

    def __setattr__(self, name: str, value: Any) -> None:  # styles: NumberFormat, WrapText ...
        if name[:1].isupper() and not isinstance(getattr(type(self), name, None), property):
            self._excel.calls.append(("Range", name + "="))
            self.sheet.styles.append((",".join(a._address() for a in self.__dict__.get("areas", [self])),
                                      name, value))  # the fake looks: not recorded
            return
        super().__setattr__(name, value)


class RowsOf(Com):
    def __init__(self, rng: Range, what: str) -> None:
        object.__setattr__(self, "_excel", rng._excel)
        self.__dict__.update(rng=rng, what=what)

    @property
    def Count(self) -> int:  # noqa: N802
        r = self.rng
        return r.r2 - r.r1 + 1 if self.what == "rows" else r.c2 - r.c1 + 1

    def AutoFit(self) -> None:  # noqa: N802
        for r in range(self.rng.r1, self.rng.r2 + 1):
            self.rng.sheet.heights.pop(r, None)


class ChartObjects(Com):
    def __init__(self, sheet: Worksheet) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__["sheet"] = sheet

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.sheet.charts)

    def Item(self, key: int) -> ChartObject:  # noqa: N802
        return self.sheet.charts[key - 1]

    def __iter__(self):
        self._record("_NewEnum")
        for c in list(self.sheet.charts):
            self._record("Next")
            yield c

    def Add(self, left: float, top: float, width: float, height: float) -> ChartObject:  # noqa: N802
        obj = ChartObject(self.sheet)
        self.sheet.charts.append(obj)
        return obj


class ChartObject(Com):
    def __init__(self, sheet: Worksheet) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__.update(sheet=sheet, Name=f"Chart {len(sheet.charts) + 1}")
        self.__dict__["Chart"] = Chart(self)

    @property
    def Parent(self) -> Worksheet:  # noqa: N802
        return self.sheet

    def Delete(self) -> None:  # noqa: N802
        self.sheet.charts.remove(self)


class Chart(Com):
    def __init__(self, obj: ChartObject) -> None:
        object.__setattr__(self, "_excel", obj._excel)
        self.__dict__.update(obj=obj, ChartType=57, source=None, ChartTitle=Style(obj._excel))

    def SetSourceData(self, source: Range, plot_by: int | None = None) -> None:  # noqa: N802
        self.__dict__["source"] = source.Address


class PageSetup(Style):
    pass


class HPageBreaks(Com):
    def __init__(self, sheet: Worksheet) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__["sheet"] = sheet

    def Add(self, Before: Range) -> None:  # noqa: N802, N803
        self.sheet.breaks.append(Before.r1)


class Shapes(Com):
    """The sheet's pictures (charts are reached through ChartObjects)."""

    def __init__(self, sheet: Worksheet) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__["sheet"] = sheet

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.sheet.pictures)

    def Item(self, key: int) -> Shape:  # noqa: N802
        return self.sheet.pictures[key - 1]

    def AddPicture(self, Filename: str, LinkToFile: bool, SaveWithDocument: bool, Left: float,  # noqa: N802, N803
                   Top: float, Width: float, Height: float) -> Shape:  # noqa: N803
        shape = Shape(self.sheet, Path(Filename).read_bytes(), Left, Top)
        self.sheet.pictures.append(shape)
        return shape


class ListObjects(Com):
    """The sheet's tables (Excel's ListObjects), as the file has them."""

    def __init__(self, sheet: Worksheet) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__["sheet"] = sheet

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.sheet.tables)

    def Item(self, key: int | str) -> ListObject:  # noqa: N802
        if isinstance(key, int):
            return self.sheet.tables[key - 1]
        return next(t for t in self.sheet.tables if t.__dict__["Name"].lower() == key.lower())

    def __iter__(self):
        self._record("_NewEnum")
        for table in list(self.sheet.tables):
            self._record("Next")
            yield table


class ListObject(Com):
    """A table: its name, its range (header, data and totals rows), whether its Total Row and its Header Row
    are shown, and its columns' names (which a table keeps with its Header Row off)."""

    def __init__(self, sheet: Worksheet, name: str, ref: str, totals: bool, headers: bool = True,
                 columns: tuple[str, ...] = ()) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__.update(sheet=sheet, Name=name, ShowTotals=totals, ShowHeaders=headers, ref=ref,
                             columns=columns)

    @property
    def ListColumns(self) -> ListColumns:  # noqa: N802
        return ListColumns(self)

    @property
    def Range(self) -> Range:  # noqa: N802
        c1, r1, c2, r2 = range_boundaries(self.ref)
        return Range(self.sheet, r1, c1, r2, c2)


class ListColumns(Com):
    def __init__(self, table: ListObject) -> None:
        object.__setattr__(self, "_excel", table._excel)
        self.__dict__["table"] = table

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.table.columns)

    def __call__(self, k: int) -> ListColumn:
        self._record("Item")
        return ListColumn(self, self.table.columns[k - 1])


class ListColumn(Com):
    def __init__(self, columns: ListColumns, name: str) -> None:
        object.__setattr__(self, "_excel", columns._excel)
        self.__dict__["Name"] = name


class Shape(Com):
    def __init__(self, sheet: Worksheet, data: bytes, left: float, top: float) -> None:
        object.__setattr__(self, "_excel", sheet._excel)
        self.__dict__.update(sheet=sheet, data=data, Left=left, Top=top, Type=13, Width=0.0,
                             LockAspectRatio=False)

    def Delete(self) -> None:  # noqa: N802
        self.sheet.pictures.remove(self)


# ------------------------------------------------------------------ the application


class FakeExcel:
    """One Excel with one open workbook, made from a file on disk (formulas as text, as Excel shows them
    in Range.Formula). `calls` records every COM call from then on."""

    def __init__(self, path: Path, fullname: str | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.pdfs: list[tuple[str, dict]] = []
        self.fail_at_write: int | None = None  # the n-th Range.Formula write raises, as Excel can
        self.active: Worksheet | None = None  # the sheet shown (None: the first)
        self.windows: dict[str, Style] = {}  # window settings (gridlines, frozen panes) per sheet shown
        self.app = Application(self)
        self.book = Workbook(self, Path(path).name, fullname or str(path))
        wb = openpyxl.load_workbook(path)
        self._counter = 0
        for ws in wb.worksheets:
            sheet = Worksheet(self.book, ws.title)
            sheet.__dict__["Visible"] = -1 if ws.sheet_state == "visible" else 0
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.cells[(cell.row, cell.column)] = cell.value
            self.book.sheets.append(sheet)
            for name, dn in ws.defined_names.items():
                self.book.names[(sheet, name)] = NameEntry("=" + dn.attr_text.lstrip("="), not dn.hidden)
            sheet.charts.extend(ChartObject(sheet) for _ in ws._charts)
            sheet.pictures.extend(Shape(sheet, b"", 0.0, 0.0) for _ in ws._images)
            sheet.tables.extend(ListObject(sheet, t.displayName, t.ref, bool(t.totalsRowCount),
                                           t.headerRowCount != 0, tuple(c.name for c in t.tableColumns))
                                for t in ws.tables.values())
        for name, dn in wb.defined_names.items():
            self.book.names[(None, name)] = NameEntry("=" + dn.attr_text, not dn.hidden)
        self.calls.clear()

    def new_sheet_name(self) -> str:
        self._counter += 1
        return f"Sheet{self._counter}"

    def copy_name(self, name: str) -> str:
        names = {ws._name for ws in self.book.sheets}
        k = 2
        while f"{name[:27]} ({k})" in names:
            k += 1
        return f"{name[:27]} ({k})"

    def xlwings_book(self, monkeypatch) -> Any:
        """The workbook as an xlwings Book on xlwings' Windows implementation."""
        import xlwings as xw

        xlwin = xlwindows(monkeypatch)
        monkeypatch.setattr(xlwin, "N_COM_ATTEMPTS", 1)  # a missing member must fail, not be retried
        return xw.Book(impl=xlwin.Book(xl=self.book))

    def counts(self) -> Counter:
        return Counter(self.calls)

    def sheet(self, name: str) -> Worksheet:
        return next(ws for ws in self.book.sheets if ws._name == name)


@contextlib.contextmanager
def counting(excel: FakeExcel):
    """The calls made inside the block."""
    start = len(excel.calls)
    out: list[tuple[str, str]] = []
    try:
        yield out
    finally:
        out.extend(excel.calls[start:])
