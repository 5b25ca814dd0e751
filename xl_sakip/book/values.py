"""Cached values: every formula cell the tool writes carries the value the Python engine computes.

The evaluator of core/formula.py runs over an openpyxl workbook: cells, tables (structured references),
defined names. A formula cell's expression is the rule it was rendered from when a writer registered it
(`register`: the unit sheets), else its text parsed. The values go into the file's `<v>` elements
(book/package.py), so Excel's Protected View, file previews and readers such as openpyxl `data_only=True`
show the numbers before any recalculation; a spreadsheet's full recalculation must change none of them
(tests/test_cached_values.py).

`regenerate` evaluates each unit and report sheet as soon as every sheet it reads is final (`evaluate_early`,
`sheet_final`), keeps only the values and drops the sheet's registered expressions: the rule trees of all
unit sheets no longer stay alive until the save (issue 13, memory). The values are the same, because a cell
is only evaluated early when everything it reads, transitively, is in a sheet that will not change before
the save; anything else waits for the save's pass over the finished workbook.

A cell whose formula the evaluator cannot read (a function of Excel it does not implement, the SAKIP_ UDFs
of the master's computed columns, a circular reference) gets no cached value, and neither does a cell
that depends on it: an empty cache is honest, a wrong one is not.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from weakref import WeakKeyDictionary, ref
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book.frozen import FrozenCells
from xl_sakip.core import formula as fx

Key = tuple[str, int, int]  # sheet title, row, column

# Per workbook, per sheet (so that forgetting a sheet costs its own cells, not the whole workbook's).
_REGISTERED: WeakKeyDictionary[Workbook, dict[str, dict[tuple[int, int], fx.Expr]]] = WeakKeyDictionary()


def register(wb: Workbook, sheet: str, row: int, col: int, expr: fx.Expr) -> None:
    """Remember the expression a writer rendered into a cell (saves parsing its text again)."""
    registry(wb, sheet)[(row, col)] = expr


def registry(wb: Workbook, sheet: str) -> dict[tuple[int, int], fx.Expr]:
    """The registered expressions of one sheet, (row, col) -> expression: `register` for many cells."""
    return _REGISTERED.setdefault(wb, {}).setdefault(sheet, {})


def forget(wb: Workbook, sheet: str) -> None:
    """A sheet removed or rewritten: its registered expressions no longer hold."""
    _REGISTERED.get(wb, {}).pop(sheet, None)


class Unsupported(Exception):
    """The evaluator cannot compute this cell (no cached value is written)."""


def _values(env: WorkbookEnv, sheet: str, keys: Iterable[tuple[int, int]]
            ) -> dict[tuple[int, int], fx.Scalar]:
    """The values of formula cells `keys` of `sheet`; one the evaluator cannot compute is left out (it is
    memoized: the save writes no value for it)."""
    got: dict[tuple[int, int], fx.Scalar] = {}
    for row, col in keys:
        try:
            got[(row, col)] = env.value((sheet, row, col))
        except Unsupported as exc:
            _drop_frames(exc)
    return got


def _drop_frames(exc: BaseException) -> None:
    """A memoized exception caught for good: without the frames of its last raise (they hold the cells
    of the chunk or sheet being evaluated) nor the exception it was raised while handling."""
    exc.__traceback__ = None
    exc.__context__ = None


class _Unknown(Exception):  # noqa: N818 (a signal, caught in WorkbookEnv._compute)
    """A strict evaluation read a formula cell whose value is not known yet."""


_UNKNOWN = object()


class NotYet(Exception):  # noqa: N818 (not an error: a signal to try again later)
    """Early evaluation read a sheet that may still change before the save (`sheet`; None: a table or name
    not there yet): the cell is evaluated later. Not an Unsupported, so that nothing memoizes it."""

    def __init__(self, sheet: str | None) -> None:
        super().__init__(sheet)
        self.sheet = sheet


_EPOCH = dt.datetime(1899, 12, 30)


def _scalar(v: Any) -> fx.Scalar:
    if v is None:
        return fx.EMPTY
    if isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.datetime):
        return (v - _EPOCH).total_seconds() / 86400
    if isinstance(v, dt.date):
        return float((v - _EPOCH.date()).days)
    raise Unsupported(f"cell value {v!r}")


def _refs(e: fx.Expr, out: list[tuple[str | None, int, int]]) -> None:
    """The cells an expression reads directly (sheet None: the formula's own sheet)."""
    stack, seen = [e], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:  # a rule's tree shares subtrees: walk each once
            continue
        seen.add(id(n))
        if isinstance(n, fx.Cell):
            out.append((n.sheet, n.row, n.col))
        elif isinstance(n, fx.Area):
            sheet = n.first.sheet
            for r in range(n.first.row, n.last.row + 1):
                for c in range(n.first.col, n.last.col + 1):
                    out.append((sheet, r, c))
        elif isinstance(n, fx.Fn):
            stack.extend(n.args)
        elif isinstance(n, fx.Op):
            stack.extend((n.a, n.b))
        elif isinstance(n, fx.Neg):
            stack.append(n.a)


class WorkbookEnv(fx.Env):
    def __init__(self, wb: Workbook, exprs: Mapping[Key, fx.Expr] | None = None, *, weak: bool = False
                 ) -> None:
        # `weak`: an early evaluation (`evaluate_early`) is kept per workbook, beside it, and must not keep
        # it alive; any other evaluation holds its workbook.
        self._wb = ref(wb)
        self._strong = None if weak else wb
        # sheet -> (row, col) -> expression; the registry itself (not a copy), so that `forget` frees a
        # sheet's trees while an early evaluation goes on.
        self.exprs: dict[str, dict[tuple[int, int], fx.Expr]]
        if exprs is None:
            self.exprs = _REGISTERED.setdefault(wb, {})
        else:
            self.exprs = {}
            for (s, r, c), e in exprs.items():
                self.exprs.setdefault(s, {})[(r, c)] = e
        # Early evaluation: the sheets that will not change before the save (None: all, the save's pass).
        self.final: set[str] | None = None
        # wb[title] scans every sheet: a dict keeps a lookup constant with hundreds of unit sheets
        self.sheets: Mapping[str, Worksheet] | _FinalSheets = {ws.title: ws for ws in wb.worksheets}
        self.memo: dict[Key, fx.Scalar | Unsupported] = {}
        self.parsed: dict[str, fx.Expr | Unsupported] = {}
        self.sheet = None
        self._tables: dict[str, tuple[Worksheet, dict[str, int], int, int]] | None = None
        self._columns: dict[tuple[str, str], fx.Arr] = {}
        self.closed = {}  # closed subtrees' values (formula._closed_value): the cells do not change meanwhile
        self._visiting: set[Key] = set()
        self._strict = False  # reading a formula cell not in the memo raises _Unknown (`_compute`)
        self._targets: dict[str, fx.Expr | None] = {}  # a defined name's text -> its cell (None: not one)
        # Column -> the columns of its own row a formula there read before they were known (its strict
        # attempt missed, `_compute`). Learned over the sheets (the unit sheets' columns share their rules),
        # so that later cells of such a column have those evaluated first instead of missing too.
        self.after: dict[int, set[int]] = {}
        self._current: Key | None = None  # the formula cell being evaluated
        # A sheet being written in row chunks (`evaluate_written`) -> whether a row's cells are in it now.
        self.writing: dict[str, Callable[[int], bool]] = {}

    @property
    def wb(self) -> Workbook:
        wb = self._wb()
        assert wb is not None, "the workbook of an evaluation is alive while it is evaluated"
        return wb

    # -- what a cell holds

    def _expr(self, key: Key) -> fx.Expr | None:
        """The expression of a formula cell; None for a constant or empty cell."""
        sheet, row, col = key
        if self.final is not None and sheet not in self.final:
            raise NotYet(sheet)
        if self.writing:
            live = self.writing.get(sheet)
            if live is not None and not live(row):  # serialised and let go, or not written yet
                raise NotYet(sheet)
        cells = self.exprs.get(sheet)
        if cells is not None:
            got = cells.get((row, col))
            if got is not None:
                return got
        ws = self.sheets.get(sheet)
        if ws is None:
            raise Unsupported(f"sheet {sheet}")
        cell = ws._cells.get((row, col))
        if cell is None or cell.data_type != "f":
            return None
        text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None)
        if not isinstance(text, str):
            raise Unsupported("formula")
        got = self.parsed.get(text)
        if got is None:
            try:
                got = fx.parse(text)
            except (ValueError, IndexError) as exc:
                got = Unsupported(str(exc))
            self.parsed[text] = got
        if isinstance(got, Unsupported):
            raise got.with_traceback(None)  # kept and raised again: see `value`
        return got

    def _constant(self, key: Key) -> fx.Scalar:
        sheet, row, col = key
        ws = self.sheets.get(sheet)
        if ws is None:
            return fx.REF
        cell = ws._cells.get((row, col))
        return fx.EMPTY if cell is None else _scalar(cell.value)

    def value(self, key: Key) -> fx.Scalar:
        """The value of a cell, its precedents first (iteratively: a chain of any depth is fine)."""
        got = self.memo.get(key, _UNKNOWN)
        if got is _UNKNOWN:
            self._compute(key)
            got = self.memo[key]
        if isinstance(got, Unsupported):
            # Raising an exception object again adds the frames it passes through to its traceback: one
            # kept in the memo and raised for every cell that reads it held every evaluator frame it ever
            # went through, and their locals (58 MB at the save of 10 000 indicators, issue 13)
            raise got.with_traceback(None)
        return got

    def _compute(self, key: Key) -> None:
        """Put `key`'s value into the memo, and the values of the cells it needs first.

        A formula is first evaluated as if every cell it reads were known (`_strict`: reading one that is
        not stops it, `_Unknown`): most are, as a sheet's cells are reached in order, and then its tree is
        walked once instead of twice. Otherwise the cells it refers to (`_refs`, every branch) are
        evaluated first, each on this stack, and it is evaluated again."""
        memo, after = self.memo, self.after
        stack, expanded, primed = [key], set(), set()
        while stack:
            k = stack[-1]
            if k in memo:
                stack.pop()
                continue
            try:
                expr = self._expr(k)
            except Unsupported as exc:
                memo[k] = exc.with_traceback(None)  # kept: without the frames it came through
                stack.pop()
                continue
            if expr is None:
                memo[k] = self._constant(k)
                stack.pop()
                continue
            if k not in expanded:
                first = after.get(k[2]) if k not in primed else None
                if first:
                    # What a cell in this column was seen to read in its row goes first: evaluating it
                    # here or where the cell's own read would reach it gives the same value. Formula cells
                    # only: a constant is read at once, and a memo entry for each would cost memory.
                    primed.add(k)
                    todo = [d for d in ((k[0], k[1], c) for c in sorted(first, reverse=True))
                            if d not in memo and self._formula(d)]
                    if todo:
                        stack.extend(todo)
                        continue
                try:
                    memo[k] = self._evaluate(k, expr, strict=True)
                except _Unknown:
                    pass
                else:
                    stack.pop()
                    continue
                expanded.add(k)
                deps: list[tuple[str | None, int, int]] = []
                _refs(expr, deps)
                todo = [d for d in ((s or k[0], r, c) for s, r, c in deps) if d not in memo and d != k]
                if todo:
                    stack.extend(todo)
                    continue
            stack.pop()
            memo[k] = self._evaluate(k, expr)

    def _formula(self, key: Key) -> bool:
        """Whether a cell of a sheet being evaluated holds a formula (its expression is then known here)."""
        try:
            return self._expr(key) is not None
        except Unsupported:
            return False

    def _evaluate(self, key: Key, expr: fx.Expr, strict: bool = False) -> fx.Scalar | Unsupported:
        if key in self._visiting:
            return Unsupported("circular reference")
        self._visiting.add(key)
        before, self.sheet = self.sheet, key[0]
        current, self._current = self._current, key
        was_strict, self._strict = self._strict, strict
        try:
            return fx.evaluate(expr, self, once=True)
        except Unsupported as exc:
            return exc.with_traceback(None)  # memoized: without the frames it came through
        finally:
            self.sheet = before
            self._current = current
            self._strict = was_strict
            self._visiting.discard(key)

    # -- fx.Env

    def cell(self, sheet: str | None, col: int, row: int) -> fx.Scalar:
        key = (sheet or self.sheet or "", row, col)
        got = self.memo.get(key, _UNKNOWN)
        if got is _UNKNOWN:
            if self._strict:
                try:
                    expr = self._expr(key)
                except Unsupported:
                    return self.value(key)  # memoizes it, and raises it
                if expr is not None:  # a formula not evaluated yet
                    at = self._current
                    if at is not None and at[1] == key[1] and at[0] == key[0]:  # in its row: learnt
                        self.after.setdefault(at[2], set()).add(key[2])
                    raise _Unknown
                got = self.memo[key] = self._constant(key)
                return got
            return self.value(key)
        if isinstance(got, Unsupported):
            raise got.with_traceback(None)  # see `value`
        return got

    def _table(self, name: str) -> tuple[Worksheet, dict[str, int], int, int]:
        if self._tables is None:
            self._tables = {}
            for ws in self.wb.worksheets:
                for tname in ws.tables:
                    table = ws.tables[tname]
                    c1, r1, c2, r2 = range_boundaries(table.ref)
                    # A column's data rows lie between the header row and the totals row, each of which a
                    # table may have or not (Excel's "Header Row" and "Total Row" boxes)
                    header = 1 if table.headerRowCount is None else int(table.headerRowCount)
                    totals = int(table.totalsRowCount or 0)
                    if header:
                        # read, not ws.cell: that adds a cell where there is none, and a final sheet's
                        # cells may be serialised already (book/frozen.py)
                        names = [(_read(ws, r1, c), c) for c in range(c1, c2 + 1)]
                    else:  # the column names live only in the table's definition
                        names = [(col.name, c1 + k) for k, col in enumerate(table.tableColumns)]
                    # A name as Excel matches it (any case) first; with its spaces collapsed only where
                    # that names no other column ("Nilai" and "nilai " are two columns)
                    heads = {str(n or "").casefold(): c for n, c in names}
                    for n, c in names:
                        heads.setdefault(_head(n), c)
                    self._tables[tname.casefold()] = (ws, heads, r1 + header, r2 - totals)
        try:
            found = self._tables[name.casefold()]
        except KeyError:
            if self.final is not None:
                raise NotYet(None) from None
            raise Unsupported(f"table {name}") from None
        if self.final is not None and found[0].title not in self.final:
            raise NotYet(found[0].title)
        return found

    def table_column(self, table: str, column: str) -> fx.Arr:
        key = (table.casefold(), column)
        if key not in self._columns:
            ws, heads, first, last = self._table(table)
            col = heads.get(column.casefold(), heads.get(_head(column)))
            if col is None:
                raise Unsupported(f"{table}[{column}]")
            self._columns[key] = fx.Arr(self._column_cell((ws.title, r, col)) for r in range(first, last + 1))
        return self._columns[key]

    def _column_cell(self, key: Key) -> fx.Scalar:
        """A cell of a table column being read whole: the column keeps its values, so a constant is not
        memoized too (the master's Indikator columns were 200 000 memo entries at 10 000 indicators, issue
        13, memory); a formula cell is evaluated and memoized as any."""
        if key not in self.memo:
            try:
                if self._expr(key) is None:  # NotYet, as for any read, where the sheet may still change
                    return self._constant(key)
            except Unsupported:
                pass  # `value` memoizes it, and raises it
        return self.value(key)

    def table_rows(self, table: str) -> fx.Arr:
        _, _, first, last = self._table(table)
        return fx.Arr(float(r) for r in range(first, last + 1))

    def name(self, name: str) -> fx.Scalar:
        dn = self.wb.defined_names.get(name)
        if dn is None:
            if self.final is not None:
                raise NotYet(None)
            return fx.NAME
        # Parsed once per text (the rules read setTriwulanBerlaku ... in every row); keyed by the text, so
        # a name given another target is parsed again.
        text = dn.attr_text
        target = self._targets.get(text, _UNKNOWN)
        if target is _UNKNOWN:
            try:
                target = fx.parse(text)
            except ValueError:
                target = None
            if not isinstance(target, fx.Cell):
                target = None
            self._targets[text] = target
        if target is None:
            raise Unsupported(f"name {name}")
        return self.value((target.sheet or self.sheet or "", target.row, target.col))

    def function(self, name: str) -> Any:
        raise Unsupported(f"function {name}")


PARSED_KEPT = 2048  # formula texts whose parsed trees an early evaluation keeps from one sheet to the next


def _head(text: object) -> str:
    """A table column's name as a structured reference finds it: spaces collapsed, any case."""
    return " ".join(str(text or "").split()).casefold()


def _read(ws: Worksheet, row: int, col: int) -> Any:
    cell = ws._cells.get((row, col))
    return None if cell is None else cell.value


def _sheet_titled(wb: Workbook, title: str) -> Worksheet | None:
    return next((w for w in wb.worksheets if w.title == title), None)


class _FinalSheets:
    """The final sheets of an early evaluation, title -> worksheet, held weakly: a worksheet holds its
    workbook, which _EARLY must not keep alive. Kept between `sheet_final` calls, where a dict of all the
    workbook's sheets built per call cost a pass over every sheet per sheet written (quadratic in the number
    of positions, issue 13). Final sheets do not change until the save (evaluate_early's promise), so an
    entry stays right; a sheet final from the start is found on its first read."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = ref(wb)
        self._refs: dict[str, ref[Worksheet]] = {}

    def add(self, ws: Worksheet) -> None:
        self._refs[ws.title] = ref(ws)

    def get(self, title: str) -> Worksheet | None:
        r = self._refs.get(title)
        ws = None if r is None else r()
        if ws is None:
            wb = self._wb()
            ws = None if wb is None else _sheet_titled(wb, title)
            if ws is not None:
                self._refs[title] = ref(ws)
        return ws


class _Early:
    """An early evaluation of a workbook's sheets (see `evaluate_early`)."""

    def __init__(self, wb: Workbook, final: Iterable[str]) -> None:
        self.env = WorkbookEnv(wb, weak=True)
        self.final_sheets = _FinalSheets(wb)
        self.env.sheets = self.final_sheets
        self.env.final = set(final)
        self.waiting: dict[str | None, list[str]] = {}  # the sheet (None: the save) -> sheets waiting for it


# Per workbook; an _Early holds its workbook weakly, so the entry goes with the workbook.
_EARLY: WeakKeyDictionary[Workbook, _Early] = WeakKeyDictionary()


def evaluate_early(wb: Workbook, final: Iterable[str]) -> None:
    """Evaluate the sheets `sheet_final` names as they are written, instead of all of them at the save.

    `final`: the sheets that stay as they are until `cached_values` runs over the workbook at the save
    (the caller's promise: regenerate passes the sheets without a generated-sheet marker, which nothing it
    does afterwards writes to). Only these, and the sheets named to `sheet_final` since, are read by an
    early evaluation; a cell that reads anything else is left to the save (a branch not taken is not read:
    a cell's value depends only on what it reads, WorkbookEnv._compute)."""
    _EARLY[wb] = _Early(wb, final)


def discard_early(wb: Workbook) -> None:
    """End an early evaluation without its save (a run refused or failed on the way). Its environment's
    memo may hold exceptions whose tracebacks reach the workbook: left in _EARLY, they would keep the
    workbook alive as long as the process (the ribbon's Python)."""
    _EARLY.pop(wb, None)


def sheet_final(wb: Workbook, title: str, ws: Worksheet | None = None
                ) -> dict[str, tuple[Worksheet, dict[tuple[int, int], fx.Scalar]]]:
    """Sheet `title` is written and stays as it is until the save: evaluate its formula cells, and those of
    the sheets that waited for it, where everything they read is final. A sheet evaluated whole keeps only
    its values (the evaluation's memo) and loses its registered expressions (`forget`), which frees its
    rule trees. Nothing happens outside an early evaluation (`evaluate_early`).

    Returns the sheets evaluated whole now, title -> (worksheet, {(row, col): cached value} of its formula
    cells the evaluator can compute): their values are those the save writes (book/sheet_writer.freeze).
    `ws`: the sheet itself, where the caller has it (else it is looked up by title)."""
    early = _EARLY.get(wb)
    if early is None:
        return {}
    env = early.env
    assert env.final is not None
    env.final.add(title)
    if ws is None:  # looked up now: a sheet replaced under the same title is not the one kept before
        ws = _sheet_titled(wb, title)
    if ws is not None:
        early.final_sheets.add(ws)
    done: dict[str, tuple[Worksheet, dict[tuple[int, int], fx.Scalar]]] = {}
    for name in [title, *early.waiting.pop(title, [])]:
        ws = early.final_sheets.get(name)
        if ws is None:
            continue
        cells = ws._cells
        # a sheet serialised as it was written (`evaluate_written`) has its values in its XML already
        keys = ([] if isinstance(cells, FrozenCells)
                else [k for k, cell in cells.items() if cell.data_type == "f"])
        try:
            got = _values(env, name, keys)
        except NotYet as wait:
            early.waiting.setdefault(wait.sheet, []).append(name)
            continue
        forget(wb, name)
        # The trees of formulas parsed from text, kept for the next sheets (the same texts recur on every
        # unit sheet: the staleness check, the PK's headings) up to a bound, beyond which they go: the
        # values are in the memo, and the unique texts (the PK's lookups per indicator) would pile up.
        if len(env.parsed) > PARSED_KEPT:
            env.parsed.clear()
        done[name] = (ws, got)
    # Worksheets hold their workbook: kept between calls, they would keep it alive through _EARLY.
    env._tables = None
    return done


def evaluate_written(wb: Workbook, title: str, ws: Worksheet, keys: Iterable[tuple[int, int]],
                     live: Callable[[int], bool]) -> dict[tuple[int, int], fx.Scalar] | None:
    """Cached values of the formula cells `keys` of sheet `title` while it is written in row chunks
    (sheets/openpyxl_writer.write_report), each chunk serialised and let go once evaluated: what is
    written stays as it is until the save, and `live(row)` tells whether a row's cells are in the sheet now.
    A cell that reads a row of the sheet that is not live (and was not evaluated while it was), or a sheet
    that may still change, raises NotYet: the caller then writes the sheet whole, as before. The chunk's
    registered expressions are forgotten once evaluated (their values are in the memo). None outside an
    early evaluation."""
    early = _EARLY.get(wb)
    if early is None:
        return None
    env = early.env
    assert env.final is not None
    env.final.add(title)
    early.final_sheets.add(ws)
    env.writing[title] = live
    keys = list(keys)
    try:
        got = _values(env, title, keys)
    finally:
        del env.writing[title]
        env._tables = None  # as sheet_final: worksheets hold their workbook
    registered = _REGISTERED.get(wb, {}).get(title)
    if registered:
        for key in keys:
            registered.pop(key, None)
    return got


def let_go(wb: Workbook, title: str, cells: Iterable[tuple[int, int]]) -> None:
    """Forget the values of cells of a sheet being written in chunks, once serialised with them
    (sheets/openpyxl_writer.write_report): a later chunk that reads them raises NotYet and the sheet is
    written whole (`evaluate_written`), another sheet evaluates them again from their text, and the save's
    pass skips serialised sheets. The Evaluasi Renja's values were a fifth of its memory (issue 13)."""
    got = _EARLY.get(wb)
    if got is not None:
        memo = got.env.memo
        for row, col in cells:
            memo.pop((title, row, col), None)


def early(wb: Workbook) -> bool:
    """Whether an early evaluation of `wb` is under way (`evaluate_early`)."""
    return wb in _EARLY


def cached_values(wb: Workbook, sheets: Iterable[str] | None = None, *, serialised: bool = True
                  ) -> dict[str, dict[tuple[int, int], fx.Scalar]]:
    """sheet title -> {(row, col): value} of every formula cell the evaluator can compute.

    After an early evaluation (`evaluate_early`, regenerate) its values are used and it ends here: the
    cells left waiting are evaluated now, over the finished workbook. `serialised=False`: without the
    sheets whose XML was written already, values included (book/frozen.py; the save)."""
    early = _EARLY.pop(wb, None)
    if early is None:
        env = WorkbookEnv(wb)
    else:
        env = early.env
        env.final = None
        env.sheets = {ws.title: ws for ws in wb.worksheets}
        env._tables = None  # sheets (and their tables) were added or removed since
    out: dict[str, dict[tuple[int, int], fx.Scalar]] = {}
    for title in (wb.sheetnames if sheets is None else sheets):
        ws = env.sheets.get(title)
        if ws is None:  # a chart sheet (wb.sheetnames lists it too): no cells
            continue
        if not serialised and isinstance(ws._cells, FrozenCells):
            continue
        values = _values(env, title, [k for k, cell in list(ws._cells.items()) if cell.data_type == "f"])
        if values:
            out[title] = values
    return out


# ------------------------------------------------------------------ into the package

# A formula cell as openpyxl writes it: `<v />` with its own XML writer, `<v></v>` with lxml (installed in
# many environments), no `<v>` at all elsewhere. The formula text is escaped (no "<"), so a cell without a
# match costs its own length, never a scan to the end of the part.
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>)?</c>')
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _cell_xml(value: fx.Scalar) -> tuple[bytes, bytes] | None:
    """(t attribute, <v> text) of a cached value; None for a value a cell cannot cache."""
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return b"", repr(value).encode()
    if isinstance(value, str):
        return b' t="str"', escape(value).encode("utf-8")
    if isinstance(value, fx.XlError):
        return b' t="e"', value.code.encode()
    return None


def sheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    """Sheet title -> its part name, through workbook.xml and its relationships (never by file name)."""
    wb = ET.fromstring(parts["xl/workbook.xml"])
    rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    out: dict[str, str] = {}
    for sheet in wb.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
        t = target.get(sheet.get(_NS_REL), "")
        out[sheet.get("name", "")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


def with_cached_values(parts: dict[str, bytes], values: Mapping[str, Mapping[tuple[int, int], fx.Scalar]],
                       *, in_place: bool = False) -> dict[str, bytes]:
    """The parts with each formula cell's `<v/>` filled from `values` (sheet title -> (row, col) -> value).

    `in_place`: `parts` itself is changed (and returned), so that each sheet's part as openpyxl wrote it is
    freed once filled, rather than all of them kept until the end (the save: a second copy of the sheets)."""
    if not values:
        return parts
    where = sheet_parts(parts)
    out = parts if in_place else dict(parts)
    for title, cells in values.items():
        name = where.get(title)
        if name not in out:
            continue

        def fill(m: re.Match[bytes], cells: Mapping[tuple[int, int], fx.Scalar] = cells) -> bytes:
            key = (int(m.group(2)), column_index_from_string(m.group(1).decode()))
            got = _cell_xml(cells[key]) if key in cells else None
            if got is None or b" t=" in m.group(3):
                return m.group(0)
            t, v = got
            return b'<c r="%s%s"%s%s><f>%s</f><v>%s</v></c>' % (m.group(1), m.group(2), m.group(3), t,
                                                                 m.group(4), v)

        out[name] = _FORMULA_CELL.sub(fill, out[name])
    return out
