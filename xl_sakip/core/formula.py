"""A small spreadsheet expression language: every rule of the domain is written once in it.

An `Expr` is a tree (literals, cell and table references, operators, functions). The same tree

- renders as Excel formula text (`render`), which the sheet writers put in the cells an auditor reads; and
- evaluates in Python with Excel's semantics (`evaluate`), which is how the core computes capaian,
  categories and roll-ups, and how the writers compute the cached value of every formula cell.

`parse` reads formula text back into a tree, so that formulas written as text (Dasbor, PK, Ringkasan)
get their cached values from the same evaluator.

Only what the generated workbook uses is implemented, with Excel's rules for empty cells, text and
numbers: an empty cell is 0 in arithmetic and "" in a comparison with text; text is never a number unless
arithmetic coerces it; errors are values (`XlError`) that propagate, never exceptions (pycel's choice).
Array arithmetic (ranges compared or multiplied inside SUMPRODUCT) broadcasts element by element.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar, dataclass_transform

# ---------------------------------------------------------------------------------------------- values


class _Empty:
    """An empty cell. A formula never returns it: Excel shows a reference to an empty cell as 0."""

    _inst: _Empty | None = None

    def __new__(cls) -> _Empty:
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "EMPTY"

    def __bool__(self) -> bool:
        return False


EMPTY = _Empty()


@dataclass(frozen=True)
class XlError:
    code: str  # "#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!"

    def __str__(self) -> str:
        return self.code


NA, VALUE, DIV0, REF, NAME, NUM = (
    XlError(c) for c in ("#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!"))
ERRORS = {e.code: e for e in (NA, VALUE, DIV0, REF, NAME, NUM)}

Scalar = float | str | bool | _Empty | XlError


class Arr(list):
    """A range or array value: a flat list of scalars (our ranges are one row or one column)."""

    _positions: dict[tuple[int, object], list[int]] | None = None

    def positions(self) -> dict[tuple[int, object], list[int]]:
        """Value -> its 1-based positions, as MATCH and COUNTIF compare them (text case-insensitively):
        built once per range, so that a lookup per row of a table of n rows costs n, not n²."""
        if self._positions is None:
            index: dict[tuple[int, object], list[int]] = {}
            for i, v in enumerate(self, 1):
                if v is EMPTY or isinstance(v, XlError):
                    continue
                index.setdefault(_key(v), []).append(i)
            self._positions = index
        return self._positions

    _has_error: bool | None = None

    def has_error(self) -> bool:
        """Does the range hold an error value? (Built once per range, as `positions`.)"""
        if self._has_error is None:
            self._has_error = any(isinstance(v, XlError) for v in self)
        return self._has_error


def _key(v: Scalar) -> tuple[int, object]:
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, str):
        return (1, v.lower())
    return (0, float(v))  # type: ignore[arg-type]


Value = Scalar | Arr


def text_of_number(x: float) -> str:
    """A number as Excel's General format turns it into text (`&`, LEN ...): at most 15 significant
    digits, no trailing zeros."""
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    out = format(x, ".15g")
    if "e" in out:
        mant, exp = out.split("e")
        return f"{mant}E{int(exp):+03d}"
    return out


def to_text(v: Scalar) -> str | XlError:
    if isinstance(v, XlError):
        return v
    if v is EMPTY:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float | int):
        return text_of_number(float(v))
    return v


def to_number(v: Scalar) -> float | XlError:
    """Arithmetic coercion: empty 0, TRUE 1, numeric text its number, other text #VALUE!."""
    if isinstance(v, XlError):
        return v
    if v is EMPTY:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):  # noqa: UP038 (a tuple tests faster than a union)
        return float(v)
    t = v.strip()
    try:
        if t.endswith("%"):
            return float(t[:-1]) / 100
        n = float(t)
    except ValueError:
        return VALUE
    return n if math.isfinite(n) and t.lower() not in {"nan", "inf", "-inf", "infinity"} else VALUE


def to_bool(v: Scalar) -> bool | XlError:
    if isinstance(v, XlError):
        return v
    if v is EMPTY:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):  # noqa: UP038
        return v != 0
    if v.strip().upper() in ("TRUE", "FALSE"):
        return v.strip().upper() == "TRUE"
    return VALUE


def is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: UP038


def _rank(v: Scalar) -> int:
    """Excel orders types: numbers < text < logicals."""
    if isinstance(v, bool):
        return 2
    if isinstance(v, str):
        return 1
    return 0


def compare(a: Scalar, b: Scalar) -> int | XlError:
    """-1, 0, 1 as Excel compares two cells (text case-insensitively; empty as 0, "" or FALSE)."""
    t = type(a)
    if t is type(b):  # the commonest cases first: what the general path below gives for them
        if t is float:
            return (a > b) - (a < b)  # type: ignore[operator]
        if t is str:
            x, y = a.lower(), b.lower()  # type: ignore[union-attr]
            return (x > y) - (x < y)
    for x in (a, b):
        if isinstance(x, XlError):
            return x
    if a is EMPTY and b is EMPTY:
        return 0
    if a is EMPTY:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is EMPTY:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        x, y = a.lower(), b.lower()  # type: ignore[union-attr]
    else:
        x, y = float(a), float(b)  # type: ignore[arg-type]
    return (x > y) - (x < y)


def xl_round(x: float, digits: int) -> float:
    """ROUND: half away from zero on the decimal value as shown (2.675 -> 2.68), as Excel and LibreOffice.
    The value is first taken to 15 significant digits, as both engines do: 1.595 reached by arithmetic as
    1.5949999999999989 rounds to 1.6 there (LibreOffice's approxValue), so here too."""
    quantum = _QUANTUM.get(digits)
    if quantum is None:
        quantum = _QUANTUM[digits] = Decimal(1).scaleb(-digits)
    try:
        d = Decimal(format(float(x), ".15g")).quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return x
    return float(d)


_QUANTUM: dict[int, Decimal] = {}  # 10**-digits of xl_round, made once per digits (once per indicator before)


# ---------------------------------------------------------------------------------------------- nodes


class Expr:
    """A node. Python operators build nodes: + - * / and `&` (text concatenation, as in Excel)."""

    # Slotted nodes (here and in every node class): a sheet's rule trees stay alive until its cached values
    # are computed; with a __dict__ per node a regenerate of 50 000 indicators peaked at 14.2 GB, slotted
    # and with literals shared at 10.8 GB.
    __slots__ = ()

    def __add__(self, o: Any) -> Expr:
        return Op("+", self, lift(o))

    def __radd__(self, o: Any) -> Expr:
        return Op("+", lift(o), self)

    def __sub__(self, o: Any) -> Expr:
        return Op("-", self, lift(o))

    def __rsub__(self, o: Any) -> Expr:
        return Op("-", lift(o), self)

    def __mul__(self, o: Any) -> Expr:
        return Op("*", self, lift(o))

    def __rmul__(self, o: Any) -> Expr:
        return Op("*", lift(o), self)

    def __truediv__(self, o: Any) -> Expr:
        return Op("/", self, lift(o))

    def __rtruediv__(self, o: Any) -> Expr:
        return Op("/", lift(o), self)

    def __and__(self, o: Any) -> Expr:
        return Op("&", self, lift(o))

    def __rand__(self, o: Any) -> Expr:
        return Op("&", lift(o), self)

    def __neg__(self) -> Expr:
        return Neg(self)

    # Comparisons are methods: == on nodes stays identity, so nodes can be dict keys.
    def eq(self, o: Any) -> Expr:
        return Op("=", self, lift(o))

    def ne(self, o: Any) -> Expr:
        return Op("<>", self, lift(o))

    def lt(self, o: Any) -> Expr:
        return Op("<", self, lift(o))

    def le(self, o: Any) -> Expr:
        return Op("<=", self, lift(o))

    def gt(self, o: Any) -> Expr:
        return Op(">", self, lift(o))

    def ge(self, o: Any) -> Expr:
        return Op(">=", self, lift(o))


_Node = TypeVar("_Node", bound=type)


@dataclass_transform(eq_default=False, frozen_default=True)
def _node(cls: _Node) -> _Node:
    """A frozen, slotted node class whose __init__ writes its slots directly. The one dataclass generates
    goes through object.__setattr__ per field (what keeps it frozen), and rule trees make millions of
    nodes in a regenerate (4 % of it); the instances are the same, and frozen after __init__ as before."""
    cls = dataclass(frozen=True, eq=False, slots=True)(cls)
    params: list[str] = []
    body: list[str] = []
    ns: dict[str, Any] = {}
    for f in fields(cls):
        ns[f"_set_{f.name}"] = cls.__dict__[f.name].__set__  # the slot's own setter
        if f.default is MISSING:
            params.append(f.name)
        else:
            ns[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), ns)  # noqa: S102
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls


@_node
class Lit(Expr):
    value: Scalar | Arr


@_node
class Cell(Expr):
    """A cell; `sheet` None is the sheet of the formula."""

    col: int
    row: int
    sheet: str | None = None
    abs_col: bool = False
    abs_row: bool = False


@_node
class Area(Expr):
    """A rectangular range (one row or one column in this workbook)."""

    first: Cell
    last: Cell


@_node
class TableCol(Expr):
    """A structured reference to a whole table column: tblIndikator[Target]."""

    table: str
    column: str


@_node
class Name(Expr):
    """A defined name (setTahun ...)."""

    name: str


@_node
class Var(Expr):
    """A value the evaluating environment supplies (the core binds realisasi, target ... by name).
    It has no formula text: sheets pass cells where the core passes variables."""

    name: str


@_node
class Fn(Expr):
    name: str
    args: tuple[Expr, ...]


@_node
class Op(Expr):
    op: str
    a: Expr
    b: Expr


@_node
class Neg(Expr):
    a: Expr


# Literal nodes shared by value (a node is immutable): a unit sheet's rules repeat the same few literals
# ("", 0, 4, the words of words.py) hundreds of times a row, and the trees stay alive until the cached
# values are computed. Bounded, as the ribbon's Python lives long.
_LITS: dict[tuple[type, Any], Lit] = {}


def lift(v: Any) -> Expr:
    """A Python value as a node (None is an empty value)."""
    if isinstance(v, Expr):
        return v
    if v is None:
        v = EMPTY
    elif isinstance(v, int) and not isinstance(v, bool):
        v = float(v)
    key = (type(v), v)
    try:
        got = _LITS.get(key)
    except TypeError:  # an unhashable value (an array)
        return Lit(v)
    if got is None:
        got = Lit(v)
        if len(_LITS) < 20_000:
            _LITS[key] = got
    return got


def _fn(name: str) -> Callable[..., Expr]:
    def make(*args: Any) -> Expr:
        return Fn(name, tuple(lift(a) for a in args))

    make.__name__ = name
    return make


IF, IFERROR, AND, OR, NOT = (_fn(n) for n in ("IF", "IFERROR", "AND", "OR", "NOT"))
ISNUMBER, ISTEXT, ISBLANK, N = (_fn(n) for n in ("ISNUMBER", "ISTEXT", "ISBLANK", "N"))
SUM, COUNT, MAX, MIN, AVERAGE, SMALL, SUMPRODUCT = (
    _fn(n) for n in ("SUM", "COUNT", "MAX", "MIN", "AVERAGE", "SMALL", "SUMPRODUCT"))
INDEX, MATCH, COUNTIF, COUNTIFS, SUMIFS = (
    _fn(n) for n in ("INDEX", "MATCH", "COUNTIF", "COUNTIFS", "SUMIFS"))
ROUND, TRIM, SUBSTITUTE, UPPER, LEFT, LEN, REPT, ROW = (
    _fn(n) for n in ("ROUND", "TRIM", "SUBSTITUTE", "UPPER", "LEFT", "LEN", "REPT", "ROW"))
DATE = _fn("DATE")


def ones(e: Expr) -> Expr:
    """--(e): TRUE and FALSE as 1 and 0 (SUMPRODUCT adds numbers only)."""
    return Neg(Neg(e))


def cond(branches: Sequence[tuple[Expr, Any]], otherwise: Any) -> Expr:
    """Nested IFs from (condition, value) pairs, the first true condition winning."""
    out = lift(otherwise)
    for c, v in reversed(branches):
        out = IF(c, v, out)
    return out


# ---------------------------------------------------------------------------------------------- render

_PREC = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4}


@functools.lru_cache(maxsize=1024)
def col_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@functools.lru_cache(maxsize=4096)
def quote_sheet(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _cell_text(c: Cell, with_sheet: bool = True) -> str:
    sheet = f"{quote_sheet(c.sheet)}!" if c.sheet is not None and with_sheet else ""
    return f"{sheet}{'$' if c.abs_col else ''}{col_letters(c.col)}{'$' if c.abs_row else ''}{c.row}"


@functools.lru_cache(maxsize=4096)
def _structured(table: str, header: str) -> str:
    esc = re.sub(r"([\[\]#'])", r"'\1", header)
    if re.fullmatch(r"[A-Za-z0-9 _()%]+", header):
        return f"{table}[{esc}]"
    return f"{table}[[{esc}]]"


def _number_text(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x)).upper().replace("E+", "E")


def render(e: Expr, prec: int = 0, memo: dict[int, str] | None = None) -> str:
    """Excel formula text of a node, without the leading '='.

    A rule's tree shares subtrees (a value computed once in Python and used in several places): `memo`
    (by node identity, valid while the tree lives) renders each shared function or operation once."""
    return _render(e, prec, {} if memo is None else memo)


def _render(e: Expr, prec: int, memo: dict[int, str]) -> str:
    t = type(e)
    if t is Fn:
        got = memo.get(id(e))
        if got is None:
            got = memo[id(e)] = f"{e.name}({','.join([_render(a, 0, memo) for a in e.args])})"  # type: ignore[attr-defined]
        return got
    if t is Op:
        p = _PREC[e.op]  # type: ignore[attr-defined]
        text = memo.get(id(e))
        if text is None:
            # Left-associative: the right operand needs parentheses at equal precedence.
            text = memo[id(e)] = f"{_render(e.a, p, memo)}{e.op}{_render(e.b, p + 1, memo)}"  # type: ignore[attr-defined]
        return f"({text})" if p < prec else text
    if t is Cell:
        return _cell_text(e)  # type: ignore[arg-type]
    if t is Lit:
        v = e.value  # type: ignore[attr-defined]
        if isinstance(v, str):
            return '"' + v.replace('"', '""') + '"'
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if v is EMPTY:
            return '""'
        if isinstance(v, XlError):
            return v.code
        if isinstance(v, Arr):
            raise ValueError("an array literal cannot be rendered")
        if v < 0:
            return f"({_number_text(v)})" if prec else _number_text(v)
        return _number_text(v)
    if t is Area:
        return f"{_cell_text(e.first)}:{_cell_text(e.last, with_sheet=False)}"  # type: ignore[attr-defined]
    if t is TableCol:
        return _structured(e.table, e.column)  # type: ignore[attr-defined]
    if t is Name:
        return e.name  # type: ignore[attr-defined]
    if t is Neg:
        return f"-{_render(e.a, 5, memo)}"  # type: ignore[attr-defined]
    raise TypeError(f"not a node: {e!r}")


def formula_text(e: Expr) -> str:
    return "=" + render(e)


# ---------------------------------------------------------------------------------------------- parse

_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!"
_A1 = r"\$?[A-Za-z]{1,3}\$?\d+"
_TOKEN = re.compile(
    "|".join((
        r"(?P<ws>\s+)",
        r'(?P<str>"(?:[^"]|"")*")',
        r"(?P<err>\#(?:N/A|VALUE!|DIV/0!|REF!|NAME\?|NUM!|NULL!))",
        rf"(?P<ref>(?:{_SHEET})?{_A1}(?::{_A1})?(?![A-Za-z0-9_(\[]))",
        r"(?P<num>\d+(?:\.\d*)?(?:[Ee][+-]?\d+)?|\.\d+(?:[Ee][+-]?\d+)?)",
        r"(?P<struct>[A-Za-z_][A-Za-z0-9_.]*\[(?:\[(?:[^\]']|'.)*\]|(?:[^\]\['']|'.)*)\])",
        r"(?P<func>[A-Za-z_][A-Za-z0-9_.]*(?=\())",
        r"(?P<bool>(?:TRUE|FALSE)(?![A-Za-z0-9_.(]))",
        r"(?P<name>[A-Za-z_\\][A-Za-z0-9_.]*)",
        r"(?P<op><>|<=|>=|[-+*/&=<>(),])",
    ))
)
_REF = re.compile(r"(?:(?P<sheet>'(?:[^']|'')+'|[^!]+)!)?(?P<c1>\$?)(?P<col>[A-Za-z]{1,3})(?P<r1>\$?)(?P<row>\d+)")  # noqa: E501


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _cell_of(text: str, sheet: str | None = None) -> Cell:
    m = _REF.fullmatch(text)
    if not m:
        raise ValueError(text)
    sh = m.group("sheet")
    if sh is not None:
        sheet = sh[1:-1].replace("''", "'") if sh.startswith("'") else sh
    return Cell(_col_number(m.group("col")), int(m.group("row")), sheet, bool(m.group("c1")),
                bool(m.group("r1")))


def _unescape_header(h: str) -> str:
    return re.sub(r"'(.)", r"\1", h)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read formula at {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup or "", m.group()))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text[1:] if text.startswith("=") else text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            raise ValueError(f"expected {value!r}, got {tok[1]!r}")

    def expr(self, min_prec: int = 0) -> Expr:
        left = self.unary()
        while (tok := self.peek()) and tok[0] == "op" and tok[1] in _PREC and _PREC[tok[1]] >= min_prec:
            op = self.take()[1]
            right = self.expr(_PREC[op] + 1)
            left = Op(op, left, right)
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok and tok == ("op", "-"):
            self.take()
            return Neg(self.unary())
        if tok and tok == ("op", "+"):
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> Expr:
        kind, text = self.take()
        if kind == "num":
            return Lit(float(text))
        if kind == "str":
            return Lit(text[1:-1].replace('""', '"'))
        if kind == "bool":
            return Lit(text == "TRUE")
        if kind == "err":
            return Lit(ERRORS.get(text, NA))
        if kind == "ref":
            if ":" in text:
                first, last = text.split(":")
                a = _cell_of(first)
                b = _cell_of(last, a.sheet)
                return Area(a, b)
            return _cell_of(text)
        if kind == "struct":
            table, rest = text.split("[", 1)
            rest = rest[:-1]
            if rest.startswith("[") and rest.endswith("]"):
                rest = rest[1:-1]
            return TableCol(table, _unescape_header(rest))
        if kind == "func":
            self.expect("(")
            args: list[Expr] = []
            if self.peek() != ("op", ")"):
                while True:
                    if self.peek() in (("op", ","), ("op", ")")):
                        args.append(Lit(EMPTY))  # an omitted argument
                    else:
                        args.append(self.expr())
                    if self.peek() == ("op", ","):
                        self.take()
                        continue
                    break
            self.expect(")")
            return Fn(text.upper(), tuple(args))
        if kind == "name":
            return Name(text)
        if (kind, text) == ("op", "("):
            inner = self.expr()
            self.expect(")")
            return inner
        raise ValueError(f"unexpected {text!r}")


# A formula that is one cell reference, as the tokenizer reads it whole ('Sheet'!$C$5: the report sheets
# hold tens of thousands of them).
_ONE_REF = re.compile(rf"=?((?:{_SHEET})?{_A1})")


def parse(text: str) -> Expr:
    """A formula's text (with or without '=') as a node tree."""
    m = _ONE_REF.fullmatch(text)
    if m is not None:
        return _cell_of(m.group(1))
    p = _Parser(text)
    out = p.expr()
    if p.peek() is not None:
        raise ValueError(f"unexpected {p.peek()!r} in {text!r}")
    return out


# ---------------------------------------------------------------------------------------------- evaluate


class Env:
    """What references mean. The core evaluates trees of literals (nothing to resolve); a workbook
    environment (xl_sakip/sheets/values.py) resolves cells, tables and names."""

    sheet: str | None = None
    nodes: dict[int, Value] | None = None  # evaluate()'s memo of shared subtrees
    #: Values of closed subtrees (no cell, range or variable under them: the same value wherever they stand)
    #: kept across evaluations, by what they are (`_closed_key`), or None where an environment's values may
    #: change between evaluations. A workbook's evaluation keeps one: its cells do not change while it runs.
    closed: dict[tuple, Value] | None = None

    def cell(self, sheet: str | None, col: int, row: int) -> Scalar:
        raise NotImplementedError("no cells in this environment")

    def area(self, first: Cell, last: Cell) -> Arr:
        sheet = first.sheet if first.sheet is not None else self.sheet
        return Arr(self.cell(sheet, c, r) for r in range(first.row, last.row + 1)
                   for c in range(first.col, last.col + 1))

    def table_column(self, table: str, column: str) -> Arr:
        raise NotImplementedError("no tables in this environment")

    def table_rows(self, table: str) -> Arr:
        """The sheet rows of a table's data rows (ROW(table[column]))."""
        raise NotImplementedError("no tables in this environment")

    def name(self, name: str) -> Scalar:
        return NAME

    def var(self, name: str) -> Value:
        raise KeyError(name)

    def var_reader(self) -> Callable[[str], Value]:
        """`var` as one callable, taken once per evaluation by generated rules (core/codegen.py)."""
        return self.var

    def function(self, name: str) -> Callable[..., Value] | None:
        """A function outside the built-in ones (the SAKIP_ UDFs in a workbook environment)."""
        return None


NO_ENV = Env()


def evaluate(e: Expr, env: Env = NO_ENV, *, once: bool = False) -> Scalar:
    """The value a cell holding this formula shows (an array is reduced to its first element; an empty
    result shows as 0). `once`: a tree evaluated once (a workbook's formula cell), never compiled."""
    v = evaluate_tree(e, env, once=once)
    if isinstance(v, Arr):
        v = v[0] if v else EMPTY
    return 0.0 if v is EMPTY else v


def evaluate_tree(e: Expr, env: Env, *, once: bool = False) -> Value:
    """`evaluate_raw` of a whole tree, each shared subtree (by identity) computed once. The memo lives for
    this call only, while the tree keeps its nodes (and their ids) alive; a nested evaluation (a cell its
    formula reads, evaluated on the way) gets its own.

    A tree evaluated again and again (the core's rules, built once per kind, evaluated per indicator) is
    compiled into closures on its third evaluation (`_compile`): the same functions on the same values,
    without finding each node's type and memo entry at every evaluation. `once`: the caller evaluates
    each tree once (a workbook's cells): counting its evaluations would cost more than it saves."""
    fn = None if once else _hot(e)
    saved, env.nodes = env.nodes, {}
    try:
        return evaluate_raw(e, env) if fn is None else fn(env)
    finally:
        env.nodes = saved


def evaluate_trees(trees: Sequence[Expr], env: Env) -> list[Value]:
    """`evaluate_tree` of each of `trees` on one environment: the core evaluates several rules of the same
    inputs per indicator (a period's reported flags and its realisasi). One call and one memo instead of
    one per tree; nodes are pure, so a node memoised for one tree has the same value in the next. The
    same trees evaluated again and again are compiled together (`_hot_many`)."""
    fn = _hot_many(trees)
    saved, env.nodes = env.nodes, {}
    try:
        return [evaluate_raw(e, env) for e in trees] if fn is None else fn(env)
    finally:
        env.nodes = saved


def evaluate_raw(e: Expr, env: Env) -> Value:
    t = type(e)
    if t is Lit:
        return e.value  # type: ignore[attr-defined,return-value]
    if t is Cell:
        return env.cell(e.sheet if e.sheet is not None else env.sheet, e.col, e.row)  # type: ignore[attr-defined]
    if t is Fn or t is Op:
        # _evaluate_node's cases for these two, inline: the commonest nodes of the rules (a workbook's
        # formulas are each evaluated once, interpreted; issue 13).
        memo = env.nodes
        if memo is not None:
            got = memo.get(id(e), _MISSING)
            if got is not _MISSING:
                return got
        if t is Fn:
            f = _FUNCS.get(e.name)  # type: ignore[attr-defined]
            if f is _if:  # as _if, without its call
                args = e.args  # type: ignore[attr-defined]
                c = to_bool(_scalar(evaluate_raw(args[0], env)))
                if isinstance(c, XlError):
                    got = c
                elif c:
                    got = evaluate_raw(args[1], env) if len(args) > 1 else True
                else:
                    got = evaluate_raw(args[2], env) if len(args) > 2 else False
            elif f is not None:
                got = f(e.args, env)  # type: ignore[attr-defined]
            else:
                got = _evaluate_node(t, e, env)
        else:
            x, y = evaluate_raw(e.a, env), evaluate_raw(e.b, env)  # type: ignore[attr-defined]
            arrays = isinstance(x, Arr) or isinstance(y, Arr)
            got = _op(e.op, x, y) if arrays else _SCALAR_OPS[e.op](x, y)  # type: ignore[attr-defined]
        if memo is not None:
            memo[id(e)] = got
        return got
    if t is _OpThunk or t is _FnThunk or t is _NegThunk:
        return e.fn(env)  # type: ignore[attr-defined]
    return _evaluate_node(t, e, env)


_MISSING = object()


def _evaluate_node(t: type, e: Expr, env: Env) -> Value:
    if t is Op:
        return _op(e.op, evaluate_raw(e.a, env), evaluate_raw(e.b, env))  # type: ignore[attr-defined]
    if t is Fn:
        f = _FUNCS.get(e.name)  # type: ignore[attr-defined]
        if f is not None:
            return f(e.args, env)  # type: ignore[attr-defined]
        udf = env.function(e.name)  # type: ignore[attr-defined]
        if udf is None:
            return NAME
        return udf(*[evaluate_raw(a, env) for a in e.args])  # type: ignore[attr-defined]
    if t is Area:
        return env.area(e.first, e.last)  # type: ignore[attr-defined]
    if t is TableCol:
        return env.table_column(e.table, e.column)  # type: ignore[attr-defined]
    if t is Name:
        return env.name(e.name)  # type: ignore[attr-defined]
    if t is Var:
        return env.var(e.name)  # type: ignore[attr-defined]
    if t is Neg:
        return _map1(evaluate_raw(e.a, env), _negate)  # type: ignore[attr-defined]
    raise TypeError(f"not a node: {e!r}")


def _negate(x: Scalar) -> Scalar:
    n = to_number(x)
    return n if isinstance(n, XlError) else -n


def _map1(v: Value, f: Callable[[Scalar], Scalar]) -> Value:
    return Arr(f(x) for x in v) if isinstance(v, Arr) else f(v)


def _concat(a: Scalar, b: Scalar) -> Scalar:
    x, y = to_text(a), to_text(b)
    if isinstance(x, XlError):
        return x
    if isinstance(y, XlError):
        return y
    return x + y


def _comparison(test: Callable[[int], bool]) -> Callable[[Scalar, Scalar], Scalar]:
    def f(a: Scalar, b: Scalar) -> Scalar:
        c = compare(a, b)
        if isinstance(c, XlError):
            return c
        return test(c)

    return f


def _arithmetic(f: Callable[[float, float], Scalar]) -> Callable[[Scalar, Scalar], Scalar]:
    def g(a: Scalar, b: Scalar) -> Scalar:
        x, y = to_number(a), to_number(b)
        if isinstance(x, XlError):
            return x
        if isinstance(y, XlError):
            return y
        return f(x, y)

    return g


# The comparisons' tests of `compare`'s result, and the arithmetic on two numbers.
_TESTS: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}
_ARITHMETIC: dict[str, Callable[[float, float], Scalar]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: DIV0 if y == 0 else x / y,
}
# A comparison or arithmetic operator on two numbers: what `_SCALAR_OPS` gives on them (compare's result on
# two numbers; to_number of a number is itself), for the compiled rules' fast path.
_ON_TWO_NUMBERS: dict[str, Callable[[float, float], Value]] = {
    **{op: (lambda x, y, test=test: test((x > y) - (x < y))) for op, test in _TESTS.items()},
    **_ARITHMETIC,
}
# Each operator on two scalars.
_SCALAR_OPS: dict[str, Callable[[Scalar, Scalar], Scalar]] = {
    "&": _concat,
    **{op: _comparison(test) for op, test in _TESTS.items()},
    **{op: _arithmetic(f) for op, f in _ARITHMETIC.items()},
}


def _scalar_op(op: str, a: Scalar, b: Scalar) -> Scalar:
    return _SCALAR_OPS[op](a, b)


def _op(op: str, a: Value, b: Value) -> Value:
    if isinstance(a, Arr) or isinstance(b, Arr):
        # A scalar spreads over the array, even an empty one (an empty table of the model).
        n = max(len(a), len(b)) if isinstance(a, Arr) and isinstance(b, Arr) else \
            len(a) if isinstance(a, Arr) else len(b)  # type: ignore[arg-type]
        xs = a if isinstance(a, Arr) else [a] * n
        ys = b if isinstance(b, Arr) else [b] * n
        if len(xs) != len(ys):
            return Arr([NA] * n)
        f = _SCALAR_OPS[op]
        return Arr(f(x, y) for x, y in zip(xs, ys, strict=True))
    return _SCALAR_OPS[op](a, b)


# -- functions: each takes the argument nodes and the environment (IF and IFERROR are lazy)


def _scalar(v: Value) -> Scalar:
    if isinstance(v, Arr):
        return v[0] if v else EMPTY
    return v


def _values(args: Iterable[Expr], env: Env) -> Iterable[tuple[Value, bool]]:
    """Each argument's value, and whether it came from a range (ranges skip text and logicals)."""
    for a in args:
        # A reference's text and logicals are skipped; a typed or computed argument is coerced.
        is_ref = isinstance(a, (Cell, Area, TableCol)) or (isinstance(a, Fn) and a.name == "INDEX")  # noqa: UP038
        yield evaluate_raw(a, env), is_ref


def _numbers(args: Iterable[Expr], env: Env) -> list[float] | XlError:
    """The numbers SUM, COUNT, MAX ... take: from ranges only numbers; typed arguments coerced."""
    return _numbers_of(_values(args, env))


def _numbers_of(values: Iterable[tuple[Value, bool]]) -> list[float] | XlError:
    """`_numbers` of the arguments' values, each with whether it came from a range."""
    out: list[float] = []
    for v, from_range in values:
        if isinstance(v, Arr):
            for x in v:
                if isinstance(x, XlError):
                    return x
                if is_number(x):
                    out.append(float(x))
            continue
        if isinstance(v, XlError):
            return v
        if is_number(v):
            out.append(float(v))
        elif not from_range and v is not EMPTY:
            n = to_number(v)
            if isinstance(n, XlError):
                return n
            out.append(n)
    return out


def _if(args: tuple[Expr, ...], env: Env) -> Value:
    c = to_bool(_scalar(evaluate_raw(args[0], env)))
    if isinstance(c, XlError):
        return c
    if c:
        return evaluate_raw(args[1], env) if len(args) > 1 else True
    return evaluate_raw(args[2], env) if len(args) > 2 else False


def _iferror(args: tuple[Expr, ...], env: Env) -> Value:
    v = evaluate_raw(args[0], env)
    return evaluate_raw(args[1], env) if isinstance(_scalar(v), XlError) else v


def _logical(all_: bool) -> Callable[[tuple[Expr, ...], Env], Value]:
    def f(args: tuple[Expr, ...], env: Env) -> Value:
        # as _values gives them, one by one (whether from a range does not matter here)
        return _logical_of(all_, (evaluate_raw(a, env) for a in args))

    return f


def _logical_of(all_: bool, values: Iterable[Value]) -> Value:
    """AND (all_) or OR of the arguments' values, taken one by one: the first error is the result, before
    the next value is taken; text and empty values are skipped; none left is #VALUE!."""
    seen, result = False, all_
    for v in values:
        if v is True or v is False:  # the commonest argument, as the loop below takes it
            seen = True
            result = (result and v) if all_ else (result or v)
            continue
        for x in (v if isinstance(v, Arr) else (v,)):
            if isinstance(x, XlError):
                return x
            if x is EMPTY or isinstance(x, str):
                continue
            seen = True
            result = (result and bool(x)) if all_ else (result or bool(x))
    return result if seen else VALUE


def _not(args: tuple[Expr, ...], env: Env) -> Value:
    return _not_value(evaluate_raw(args[0], env))


def _not_value(v: Value) -> Value:
    b = to_bool(_scalar(v))
    return b if isinstance(b, XlError) else not b


def _is(pred: Callable[[Scalar], bool]) -> Callable[[tuple[Expr, ...], Env], Value]:
    # Over a range (inside SUMPRODUCT) the test applies to each element.
    return lambda args, env: _map1(evaluate_raw(args[0], env), pred)


def _row(args: tuple[Expr, ...], env: Env) -> Value:
    a = args[0]
    if isinstance(a, Cell):
        return float(a.row)
    if isinstance(a, Area):
        return Arr(float(r) for r in range(a.first.row, a.last.row + 1))
    if isinstance(a, TableCol):
        return env.table_rows(a.table)
    return VALUE


def _n(args: tuple[Expr, ...], env: Env) -> Value:
    return _n_value(evaluate_raw(args[0], env))


def _n_value(v: Value) -> Value:
    v = _scalar(v)
    if isinstance(v, XlError):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v) if is_number(v) else 0.0


def _sum(args: tuple[Expr, ...], env: Env) -> Value:
    ns = _numbers(args, env)
    return ns if isinstance(ns, XlError) else _plain_sum(ns)


def _plain_sum(ns: list[float]) -> float:
    total = 0.0
    for x in ns:  # left to right, as spreadsheets add
        total += x
    return total


def _count(args: tuple[Expr, ...], env: Env) -> Value:
    n = 0
    for v, _ in _values(args, env):
        for x in (v if isinstance(v, Arr) else [v]):
            n += is_number(x)
    return float(n)


def _agg(f: Callable[[list[float]], Value], empty: Value) -> Callable[[tuple[Expr, ...], Env], Value]:
    def g(args: tuple[Expr, ...], env: Env) -> Value:
        ns = _numbers(args, env)
        if isinstance(ns, XlError):
            return ns
        return f(ns) if ns else empty

    return g


_max_general = _agg(max, 0.0)


def _small(args: tuple[Expr, ...], env: Env) -> Value:
    ns = _numbers(args[:1], env)
    k = to_number(_scalar(evaluate_raw(args[1], env)))
    if isinstance(ns, XlError):
        return ns
    if isinstance(k, XlError):
        return k
    k_ = math.ceil(k)
    if not 1 <= k_ <= len(ns):
        return NUM
    return sorted(ns)[k_ - 1]


_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _Counts:
    """A sum of "=" tests as a factor of a product: how many hold at each row (0 where none is listed)."""

    __slots__ = ("n", "counts")

    def __init__(self, n: int, counts: dict[int, int]) -> None:
        self.n, self.counts = n, counts

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> float:  # 0-based, as a list of weights
        return float(self.counts.get(i + 1, 0))


def _either(e: Expr, env: Env) -> tuple[int, dict[int, int]] | None:
    """A sum of "=" tests of a range (or closed array) with one indexable value each, (code = k) +
    (LEFT(code, LEN(k) + 1) = k & "."), the budget's rows of a code: the number of rows and, per 1-based
    row, how many of the tests hold there, found through each array's index; None for any other sum or
    when an array holds an error (then the factor is computed as it stands)."""
    terms: list[Expr] = []
    stack = [e]
    while stack:
        t = stack.pop()
        if isinstance(t, Op) and t.op == "+":
            stack += [t.b, t.a]
        elif isinstance(t, Op) and t.op == "=":
            terms.append(t)
        else:
            return None
    n: int | None = None
    counts: dict[int, int] = {}
    for t in terms:
        x, y = _closed_value(t.a, env), _closed_value(t.b, env)  # type: ignore[attr-defined]
        if isinstance(y, Arr) and not isinstance(x, Arr):
            x, y = y, x
        if not isinstance(x, Arr) or isinstance(y, Arr) or not _indexable(y) or x.has_error():
            return None
        if n is not None and len(x) != n:
            return None
        n = len(x)
        for i in x.positions().get(_key(y), ()):
            counts[i] = counts.get(i, 0) + 1
    return None if n is None else (n, counts)


def _comparisons(e: Expr) -> list[Expr] | None:
    """The factors of a product of comparisons ((a=b)*(c<>d)...) and of closed factors (ISNUMBER(tbl[Tahun]),
    ROW(tbl[ID])-MIN(ROW(tbl[ID]))+1: `_closed_key`); None when a factor is anything else."""
    if isinstance(e, Op) and e.op == "*":
        a, b = _comparisons(e.a), _comparisons(e.b)
        return None if a is None or b is None else a + b
    if isinstance(e, Op) and e.op in _FLIP:
        return [e]
    if _closed_key(e) is not None or _sum_of_equalities(e):
        return [e]
    return None


def _sum_of_equalities(e: Expr) -> bool:
    """(a=b)+(c=d)+...: a factor `_either` may find through indexes."""
    if isinstance(e, Op) and e.op == "+":
        return _sum_of_equalities(e.a) and _sum_of_equalities(e.b)
    return isinstance(e, Op) and e.op == "="


def _closed_key(e: Expr) -> tuple | None:
    """What a closed subtree is (the same for the same operation on the same operands; a literal by its type
    and text, so that 1.0 and TRUE stay apart), or None when a cell, range, variable or defined name (which
    may point at the formula's own sheet) is under it."""
    t = type(e)
    if t is Lit:
        v = e.value  # type: ignore[attr-defined]
        return None if isinstance(v, Arr) else (t, type(v), repr(v))
    if t is TableCol:
        return (t, e.table, e.column)  # type: ignore[attr-defined]
    if t is Fn and e.name not in _FUNCS:  # type: ignore[attr-defined]
        return None  # a function of the environment's (a UDF): not known to give the same every time
    if t is Fn or t is Op or t is Neg:
        kids = [_closed_key(c) for c in _children(e)]
        if any(k is None for k in kids):
            return None
        head = e.name if t is Fn else e.op if t is Op else ""  # type: ignore[attr-defined]
        return (t, head, *kids)
    return None


def _closed_value(e: Expr, env: Env) -> Value:
    """`evaluate_raw(e, env)`, kept in `env.closed` when `e` is closed (a table's column compared or tested
    the same way on every row of a sheet is computed once, not once per row)."""
    cache = env.closed
    key = None if cache is None else _closed_key(e)
    if key is None:
        return evaluate_raw(e, env)
    got = cache.get(key, _MISSING)
    if got is _MISSING:
        got = cache[key] = evaluate_raw(e, env)
    return got


def _weights(x: Arr) -> list[float] | None:
    """A factor's values as `*` multiplies them (TRUE 1, FALSE and empty 0), or None when one of them is not
    a number, a logical or empty (text or an error: `*` would give an error, which the index would miss).
    Built once per array, as `positions`."""
    got = getattr(x, "_weights", _MISSING)
    if got is _MISSING:
        got = []
        for v in x:
            if v is EMPTY:
                got.append(0.0)
            elif isinstance(v, bool | float | int):
                got.append(float(v))
            else:
                got = None
                break
        x._weights = got  # type: ignore[attr-defined]
        # the 1-based rows where it is not 0: the only rows whose product can be (a budget row's code)
        x._nonzero = None if got is None else [i for i, w in enumerate(got, 1) if w]  # type: ignore[attr-defined]
    return got  # type: ignore[return-value]


def _indexable(x: Scalar) -> bool:
    """A value "=" never finds in an empty cell: an index of the range's values finds every match."""
    return (isinstance(x, str) and x != "") or (is_number(x) and x != 0) or x is True


def _indexed_products(args: tuple[Expr, ...], env: Env) -> tuple[list[float], int] | None:
    """Arguments each a product of comparisons of a range with one value and of closed factors (--(...) or a
    product; `_comparisons`), or a plain range, with at least one "=" on a range of more than 16 rows: the
    product of every argument at each row where every comparison holds, found through the "=" range's index
    (`Arr.positions`) in row order, and the number of rows. At any other row a product is 0. None when the
    arguments are of another shape, a range holds an error, or a closed factor holds what `*` refuses: then
    the caller visits every row."""
    if _small(args, env):
        return None
    tests: list[tuple[Arr, str, Scalar]] = []
    arrays: list[Arr] = []  # the arrays of the tests and the plain ranges (same length, no error)
    weights: list[Sequence[float]] = []  # closed factors of a product, as `*` takes them
    nonzero: list[list[int]] = []  # the rows where each of them is not 0
    # Each argument in order: a plain range, or its product as the tree groups it (a row's product is
    # multiplied in the general path's order, so that it is the same float to the last digit).
    parts: list[tuple[str, Any]] = []
    for a in args:
        negated = isinstance(a, Neg) and isinstance(a.a, Neg)
        inner = a.a.a if negated else a  # type: ignore[attr-defined]
        factors = _comparisons(inner) if negated or (isinstance(a, Op) and a.op == "*") else None
        if factors is None:
            if isinstance(a, Op | Neg):  # a bare comparison (its TRUE counts 0) or other arithmetic
                return None
            v = evaluate_raw(a, env)
            if not isinstance(v, Arr):
                return None
            arrays.append(v)
            parts.append(("v", v))
            continue
        slot: dict[int, tuple] = {}
        for f in factors:
            if id(f) in slot:
                continue
            hits = _either(f, env) if isinstance(f, Op) and f.op == "+" and _sum_of_equalities(f) else None
            if hits is not None:
                n_rows, counts = hits
                slot[id(f)] = ("w", len(weights))
                weights.append(_Counts(n_rows, counts))
                nonzero.append(sorted(counts))
                continue
            if not (isinstance(f, Op) and f.op in _FLIP):  # a closed factor: its array, once per environment
                w = _closed_value(f, env)
                ws = _weights(w) if isinstance(w, Arr) else None
                if ws is None:
                    return None
                slot[id(f)] = ("w", len(weights))
                weights.append(ws)
                nonzero.append(w._nonzero)  # type: ignore[union-attr]
                continue
            x, y, op = _closed_value(f.a, env), _closed_value(f.b, env), f.op
            if isinstance(y, Arr) and not isinstance(x, Arr):
                x, y, op = y, x, _FLIP[op]
            if not isinstance(x, Arr) or isinstance(y, Arr | XlError):
                return None
            slot[id(f)] = ("t",)  # TRUE at every row visited: 1
            tests.append((x, op, y))
            arrays.append(x)
        parts.append(("p", _grouped(inner, slot)))
    keyed = [(x, y) for x, op, y in tests if op == "=" and _indexable(y)]
    sizes = {len(x) for x in arrays} | {len(w) for w in weights}
    if len(sizes) != 1 or (n := sizes.pop()) <= INDEXED_MIN_ROWS or any(x.has_error() for x in arrays):
        return None
    # The "=" with the fewest matches, or the closed factor with the fewest rows not 0, gives the rows (in
    # row order); every comparison is tested on them. At any other row a factor is 0.
    sources = [x.positions().get(_key(y), ()) for x, y in keyed] + nonzero
    if not sources:
        return None
    rows = min(sources, key=len)

    def at(node: tuple, i: int) -> float:
        if node[0] == "*":
            return at(node[1], i) * at(node[2], i)
        return weights[node[1]][i - 1] if node[0] == "w" else 1.0

    out: list[float] = []
    for i in rows:
        if all(_scalar_op(op, x[i - 1], y) is True for x, op, y in tests):
            prod = 1.0
            for kind, what in parts:
                if kind == "p":
                    prod *= at(what, i)
                else:
                    v = what[i - 1]
                    prod *= float(v) if is_number(v) else 0.0
            out.append(prod)
    return out, n


INDEXED_MIN_ROWS = 16  # ranges of up to so many rows are visited row by row: an index costs more


def _small(args: tuple[Expr, ...], env: Env) -> bool:
    """Whether the first range an argument computes with row by row (reached through operators only, not
    inside a function, which may reduce it to one value) has at most INDEXED_MIN_ROWS cells: then
    `_indexed_products` would give None after evaluating its factors (every array has that length, or
    they differ), and the caller would evaluate them again (the category rule's band table, per row).
    False when there is none: the full test decides."""
    todo = list(args)
    while todo:
        e = todo.pop(0)
        t = type(e)
        if t is Op or t is _OpThunk:  # a compiled tree's nodes are thunks (`_compile`)
            todo[:0] = [e.a, e.b]  # type: ignore[attr-defined]
        elif t is Neg or t is _NegThunk:
            todo.insert(0, e.a)  # type: ignore[attr-defined]
        elif t is TableCol:
            try:  # through the environment's cache of closed values, where it keeps one (the budget)
                v = _closed_value(e, env)
            except Exception:  # noqa: BLE001 (the full test evaluates it, and raises what it raises there)
                return False
            return isinstance(v, Arr) and len(v) <= INDEXED_MIN_ROWS
        elif t is Area:
            a, b = e.first, e.last  # type: ignore[attr-defined]
            return (abs(b.row - a.row) + 1) * (abs(b.col - a.col) + 1) <= INDEXED_MIN_ROWS
    return False


def _grouped(e: Expr, slot: dict[int, tuple]) -> tuple:
    """A product as its tree groups it, its factors by their slots (`_indexed_products`)."""
    got = slot.get(id(e))
    if got is not None:
        return got
    assert isinstance(e, Op) and e.op == "*"
    return ("*", _grouped(e.a, slot), _grouped(e.b, slot))


def _sumproduct_indexed(args: tuple[Expr, ...], env: Env) -> Value | None:
    """SUMPRODUCT through `_indexed_products`: a count or a sum per row of a table of n rows costs about n,
    not n² (the roll-up's pendukung, a unit sheet's indicators, Riwayat and Renstra per indicator)."""
    got = _indexed_products(args, env)
    return None if got is None else sum(got[0], 0.0)


def _max(args: tuple[Expr, ...], env: Env) -> Value:
    """MAX; of one product through `_indexed_products` (the Renstra's last year of an indicator,
    MAX((tbl[ID]=id)*tbl[Tahun])): the products at the rows found, and 0 when any other row is left."""
    if len(args) == 1 and isinstance(args[0], Op) and args[0].op == "*":
        got = _indexed_products(args, env)
        if got is not None:
            found, n = got
            top = max(found, default=0.0)
            # A row not visited gives 0 (or -0.0, of a negative factor): when 0 may be the largest, the
            # general path says which zero comes first.
            if top > 0 or (len(found) == n and found):
                return top
    return _max_general(args, env)


def _sumproduct(args: tuple[Expr, ...], env: Env) -> Value:
    fast = _sumproduct_indexed(args, env)
    if fast is not None:
        return fast
    arrays = []
    for a in args:
        v = evaluate_raw(a, env)
        arrays.append(v if isinstance(v, Arr) else Arr([v]))
    n = len(arrays[0])
    if any(len(x) != n for x in arrays):
        return VALUE
    total = 0.0
    for i in range(n):
        prod = 1.0
        for x in arrays:
            v = x[i]
            if isinstance(v, XlError):
                return v
            prod *= float(v) if is_number(v) else 0.0
        total += prod
    return total


def _index(args: tuple[Expr, ...], env: Env) -> Value:
    rng = evaluate_raw(args[0], env)
    k = to_number(_scalar(evaluate_raw(args[1], env)))
    if isinstance(k, XlError):
        return k
    items = rng if isinstance(rng, Arr) else Arr([rng])
    if len(args) > 2:  # INDEX(range, row, col) on a one-row range: the column picks
        c = to_number(_scalar(evaluate_raw(args[2], env)))
        if isinstance(c, XlError):
            return c
        k = k if len(items) > 1 and k > 1 else c
    i = int(k)
    if i == 0:
        return items
    if not 1 <= i <= len(items):
        return REF
    return items[i - 1]


def _match(args: tuple[Expr, ...], env: Env) -> Value:
    x = _scalar(evaluate_raw(args[0], env))
    rng = evaluate_raw(args[1], env)
    if isinstance(x, XlError):
        return x
    items = rng if isinstance(rng, Arr) else Arr([rng])
    if x is EMPTY:
        return NA
    if isinstance(x, str) and _WILD.search(x):  # * ? ~ are wildcards, as in Excel and LibreOffice
        pattern = _wildcards(x)
        return next((float(i) for i, v in enumerate(items, 1)
                     if isinstance(v, str) and pattern.fullmatch(v) is not None), NA)
    if len(items) > 16:
        hits = items.positions().get(_key(x))
        return float(hits[0]) if hits else NA
    for i, v in enumerate(items, 1):
        if v is EMPTY or isinstance(v, XlError) or _rank(v) != _rank(x):
            continue
        if compare(v, x) == 0:
            return float(i)
    return NA


_CRIT = re.compile(r"^(<>|>=|<=|=|<|>)?(.*)$", re.S)
_WILD = re.compile(r"[*?~]")


def _wildcards(text: str) -> re.Pattern[str]:
    """Text with Excel's wildcards (* any run, ? one character, ~ escaping the next * ? ~) as a pattern
    matching whole texts, case ignored."""
    out = []
    for token in re.findall(r"~[*?~]|.", text, re.S):
        if len(token) == 2:  # ~* ~? ~~: the character itself
            out.append(re.escape(token[1]))
        else:
            out.append(".*" if token == "*" else "." if token == "?" else re.escape(token))
    return re.compile("".join(out), re.S | re.I)


def criterion(c: Scalar) -> Callable[[Scalar], bool]:
    """A COUNTIF/SUMIFS criterion: a value, or text with an operator and * ? wildcards."""
    if is_number(c) or isinstance(c, bool):
        return lambda v: (is_number(v) or isinstance(v, bool)) and compare(v, c) == 0
    text = to_text(c) if not isinstance(c, XlError) else ""
    assert isinstance(text, str)
    m = _CRIT.match(text)
    op, rest = (m.group(1) or ""), m.group(2)  # type: ignore[union-attr]
    num = to_number(rest) if rest.strip() else VALUE
    if not isinstance(num, XlError) and rest.strip():
        def numeric(v: Scalar) -> bool:
            if not is_number(v):
                return op == "<>"
            r = compare(v, num)
            assert isinstance(r, int)
            return {"": r == 0, "=": r == 0, "<>": r != 0, "<": r < 0, "<=": r <= 0, ">": r > 0,
                    ">=": r >= 0}[op]
        return numeric
    if op in ("", "=", "<>"):
        if rest == "":
            if op == "<>":
                return lambda v: v is not EMPTY and v != ""
            return lambda v: v is EMPTY or v == ""
        pattern = _wildcards(rest)

        def texty(v: Scalar) -> bool:
            hit = isinstance(v, str) and pattern.fullmatch(v) is not None
            return hit if op != "<>" else not hit
        return texty

    def ordered(v: Scalar) -> bool:
        if not isinstance(v, str):
            return False
        r = compare(v, rest)
        assert isinstance(r, int)
        return {"<": r < 0, "<=": r <= 0, ">": r > 0, ">=": r >= 0}[op]
    return ordered


def _plain(c: Scalar) -> bool:
    """A criterion that is plain equality to a text (no operator, no wildcard)."""
    return isinstance(c, str) and c != "" and not re.search(r"[*?~]", c) and not re.match(r"[<>=]", c) \
        and isinstance(to_number(c), XlError)


def _ifs(args: Sequence[Expr], env: Env) -> list[int] | XlError:
    """The 0-based positions meeting every (range, criterion) pair. A plain text criterion uses the
    range's index, and the other criteria are tested only where it holds."""
    pairs: list[tuple[Arr, Scalar]] = []
    for k in range(0, len(args) - 1, 2):
        rng = evaluate_raw(args[k], env)
        c = _scalar(evaluate_raw(args[k + 1], env))
        if isinstance(c, XlError):
            return c
        pairs.append((rng if isinstance(rng, Arr) else Arr([rng]), c))
    if not pairs:
        return []
    n = len(pairs[0][0])
    if any(len(items) != n for items, _ in pairs):
        return VALUE
    pairs.sort(key=lambda pc: not (_plain(pc[1]) and len(pc[0]) > 16))
    items, c = pairs[0]
    if _plain(c) and len(items) > 16:
        hits = [i - 1 for i in items.positions().get(_key(c), [])]
    else:
        test = criterion(c)
        hits = [i for i, v in enumerate(items) if test(v)]
    for items, c in pairs[1:]:
        test = criterion(c)
        hits = [i for i in hits if test(items[i])]
    return hits


def _countifs(args: tuple[Expr, ...], env: Env) -> Value:
    hits = _ifs(args, env)
    return hits if isinstance(hits, XlError) else float(len(hits))


def _sumifs(args: tuple[Expr, ...], env: Env) -> Value:
    values = evaluate_raw(args[0], env)
    hits = _ifs(args[1:], env)
    if isinstance(hits, XlError):
        return hits
    items = values if isinstance(values, Arr) else Arr([values])
    if hits and hits[-1] >= len(items):
        return VALUE
    return _plain_sum([float(items[i]) for i in hits if is_number(items[i])])


def _round(args: tuple[Expr, ...], env: Env) -> Value:
    x = to_number(_scalar(evaluate_raw(args[0], env)))
    d = to_number(_scalar(evaluate_raw(args[1], env))) if len(args) > 1 else 0.0
    if isinstance(x, XlError):
        return x
    if isinstance(d, XlError):
        return d
    return xl_round(x, int(d))


def _date(args: tuple[Expr, ...], env: Env) -> Value:
    """DATE(year, month, day) as Excel's serial number (1900 system): months and days past their end
    carry over (DATE(2023, 13, 1) - 1 is 31 December 2023)."""
    import datetime as dt

    nums = [to_number(_scalar(evaluate_raw(a, env))) for a in args[:3]]
    for n in nums:
        if isinstance(n, XlError):
            return n
    y, m, d = (int(n) for n in nums)  # type: ignore[arg-type]
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    if not 1900 <= y <= 9999:
        return NUM
    return float((dt.date(y, m, 1) - dt.date(1899, 12, 30)).days + d - 1)


def _textfn(f: Callable[..., Scalar], n_args: int) -> Callable[[tuple[Expr, ...], Env], Value]:
    def one(vals: Sequence[Scalar]) -> Scalar:
        for v in vals:
            if isinstance(v, XlError):
                return v
        return f(*vals)

    def g(args: tuple[Expr, ...], env: Env) -> Value:
        raw = [_closed_value(a, env) for a in args[:n_args]]
        arrays = [v for v in raw if isinstance(v, Arr)]
        if not arrays:
            return one(raw)  # type: ignore[arg-type]
        # A closed array taken with the same scalars (LEFT(tblAnggaran[Kode], 4) for every code of three
        # characters) is computed once per environment that keeps closed values (`Env.closed`).
        key: tuple | None = None
        if env.closed is not None:
            parts = [_closed_key(a) if isinstance(v, Arr) else (type(v), repr(v))
                     for a, v in zip(args[:n_args], raw, strict=True)]
            if all(k is not None for k in parts):
                key = (g, *parts)
                got = env.closed.get(key, _MISSING)
                if got is not _MISSING:
                    return got
        # An array argument (a column inside SUMPRODUCT: LEFT(tblAnggaran[Kode], n)) is taken element by
        # element, a scalar spread over it, as Excel and LibreOffice do in an array context.
        n = max(len(a) for a in arrays)
        cols = [v if isinstance(v, Arr) else [v] * n for v in raw]
        out = Arr(one([c[i] if i < len(c) else NA for c in cols]) for i in range(n))
        if key is not None:
            env.closed[key] = out
        return out

    return g


def _trim(v: Scalar) -> Scalar:
    t = to_text(v)
    return t if isinstance(t, XlError) else re.sub(" +", " ", t.strip(" "))


def _left(v: Scalar, n: Scalar = 1.0) -> Scalar:
    t, k = to_text(v), to_number(n)
    if isinstance(t, XlError):
        return t
    if isinstance(k, XlError) or k < 0:
        return VALUE
    return t[: int(k)]


def _len(v: Scalar) -> Scalar:
    t = to_text(v)
    return t if isinstance(t, XlError) else float(len(t))


def _rept(v: Scalar, n: Scalar) -> Scalar:
    t, k = to_text(v), to_number(n)
    if isinstance(t, XlError):
        return t
    if isinstance(k, XlError) or k < 0:
        return VALUE
    return t * int(k)


def _substitute(v: Scalar, old: Scalar, new: Scalar) -> Scalar:
    t, o, w = to_text(v), to_text(old), to_text(new)
    for x in (t, o, w):
        if isinstance(x, XlError):
            return x
    return t if o == "" else t.replace(o, w)  # type: ignore[union-attr,arg-type]


def _upper(v: Scalar) -> Scalar:
    t = to_text(v)
    return t if isinstance(t, XlError) else t.upper()


_IS: dict[str, Callable[[Scalar], bool]] = {
    "ISNUMBER": is_number,
    "ISTEXT": lambda v: isinstance(v, str),
    "ISBLANK": lambda v: v is EMPTY,
}

_FUNCS: dict[str, Callable[[tuple[Expr, ...], Env], Value]] = {
    "IF": _if,
    "IFERROR": _iferror,
    "AND": _logical(True),
    "OR": _logical(False),
    "NOT": _not,
    **{name: _is(pred) for name, pred in _IS.items()},
    "N": _n,
    "ROW": _row,
    "SUM": _sum,
    "COUNT": _count,
    "MAX": _max,
    "MIN": _agg(min, 0.0),
    "AVERAGE": _agg(lambda ns: _plain_sum(ns) / len(ns), DIV0),
    "SMALL": _small,
    "SUMPRODUCT": _sumproduct,
    "INDEX": _index,
    "MATCH": _match,
    "COUNTIF": _countifs,
    "COUNTIFS": _countifs,
    "SUMIFS": _sumifs,
    "ROUND": _round,
    "TRIM": _textfn(_trim, 1),
    "LEFT": _textfn(_left, 2),
    "LEN": _textfn(_len, 1),
    "REPT": _textfn(_rept, 2),
    "SUBSTITUTE": _textfn(_substitute, 3),
    "UPPER": _textfn(_upper, 1),
    "DATE": _date,
}
FUNCTIONS = frozenset(_FUNCS)


# ---------------------------------------------------------------------------------------------- compiled

Compiled = Callable[[Env], Value]


def _thunk_class(base: type) -> type:
    """A compiled argument handed to a built-in function, which evaluates its arguments with `evaluate_raw`
    (that runs `fn`): an instance of the argument's own node class, with its fields, so that a function
    looking at what an argument is (`_values`: a reference or a value; a product of comparisons) sees the
    same tree."""
    return type(f"_{base.__name__}Thunk", (base,), {"__slots__": ("fn",)})


_OpThunk, _FnThunk, _NegThunk = (_thunk_class(c) for c in (Op, Fn, Neg))
_THUNK_OF: dict[type, type] = {Op: _OpThunk, Fn: _FnThunk, Neg: _NegThunk}


def _thunk(e: Expr, fn: Compiled) -> Expr:
    cls = _THUNK_OF[type(e)]
    t = cls(*(getattr(e, f.name) for f in fields(e)))  # type: ignore[arg-type]
    cls.fn.__set__(t, fn)  # type: ignore[attr-defined]  # the slot's setter: the node class is frozen
    return t


#: Turns hot roots into one Python function, or None (then closures): core/codegen.generate, which builds on
#: this module and installs itself when imported (the xl_sakip.core package imports it).
_GENERATOR: Callable[..., Any] | None = None


def use_generator(generate: Callable[..., Any] | None) -> None:
    """Install the generator of hot trees (core/codegen.py), or None for closures only."""
    global _GENERATOR
    _GENERATOR = generate


# Roots evaluated lately (id -> [root, evaluations]) and compiled roots (id -> (root, closure)). Each entry
# holds its root, so that no other tree can take its id while it is here. Both bounded: the ribbon's Python
# lives long, and a regenerate evaluates each formula cell's tree once.
_SEEN: dict[int, list[Any]] = {}
_COMPILED: dict[int, tuple[Expr, Compiled]] = {}
_COMPILE_AT = 3  # evaluations of one root before it is compiled


def _warm(seen: dict[Any, list[Any]], key: Any, roots: tuple[Expr, ...]) -> bool:
    """Count one evaluation of `roots` (under `key`, their ids); True on the one that makes them hot."""
    entry = seen.get(key)
    if entry is None or not all(map(operator.is_, entry[0], roots)):
        if len(seen) >= 1024:
            seen.clear()
        seen[key] = [roots, 1]
        return False
    entry[1] += 1
    if entry[1] < _COMPILE_AT:
        return False
    seen.pop(key, None)
    return True


def _hot(e: Expr) -> Compiled | None:
    """The compiled closure of root `e` when it has been evaluated often enough, else None."""
    t = type(e)
    if t is Lit or t is Cell:
        return None
    key = id(e)
    got = _COMPILED.get(key)
    if got is not None and got[0] is e:
        return got[1]
    if not _warm(_SEEN, key, (e,)):
        return None
    if len(_COMPILED) >= 1024:
        _COMPILED.clear()
    fn = (_GENERATOR((e,), single=True) if _GENERATOR is not None else None) or compile_tree(e)
    _COMPILED[key] = (e, fn)
    return fn


# The same for several roots evaluated together (evaluate_trees): key the roots' ids.
_SEEN_MANY: dict[tuple[int, ...], list[Any]] = {}
_COMPILED_MANY: dict[tuple[int, ...], tuple[tuple[Expr, ...], Callable[[Env], list[Value]]]] = {}


def _hot_many(trees: Sequence[Expr]) -> Callable[[Env], list[Value]] | None:
    """One function giving the values of `trees` when they have been evaluated together often enough
    (codegen.generate, or each tree's closure on one memo), else None."""
    key = tuple(map(id, trees))
    got = _COMPILED_MANY.get(key)
    if got is not None and all(map(operator.is_, got[0], trees)):
        return got[1]
    if not _warm(_SEEN_MANY, key, tuple(trees)):
        return None
    if len(_COMPILED_MANY) >= 1024:
        _COMPILED_MANY.clear()
    fn = _GENERATOR(trees) if _GENERATOR is not None else None
    if fn is None:
        each = [compile_tree(e) for e in trees]

        def fn(env: Env) -> list[Value]:
            return [f(env) for f in each]

    _COMPILED_MANY[key] = (tuple(trees), fn)
    return fn


def compile_tree(e: Expr) -> Compiled:
    """`e` as a closure of the environment: `fn(env)` is `evaluate_raw(e, env)` under the memo of one
    `evaluate_tree` (env.nodes, which the caller sets). Subtrees reached more than once are memoised in
    env.nodes by node id as `evaluate_raw` does, so that a built-in function evaluating such a subtree
    through `evaluate_raw` finds the same entry."""
    shared: set[int] = set()
    seen: set[int] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        stack.extend(_children(node))
    done: dict[int, Compiled] = {}
    return _compile(e, shared, done)


def _children(e: Expr) -> tuple[Expr, ...]:
    t = type(e)
    if t is Op:
        return (e.a, e.b)  # type: ignore[attr-defined]
    if t is Fn:
        return e.args  # type: ignore[attr-defined]
    if t is Neg:
        return (e.a,)  # type: ignore[attr-defined]
    return ()


def _compile(e: Expr, shared: set[int], done: dict[int, Compiled]) -> Compiled:
    key = id(e)
    got = done.get(key)
    if got is not None:
        return got
    fn = _compile_node(e, shared, done)
    t = type(e)
    if (t is Op or t is Fn) and key in shared:
        inner = fn

        def fn(env: Env) -> Value:
            memo = env.nodes
            if memo is None:
                return inner(env)
            got = memo.get(key, _MISSING)
            if got is _MISSING:
                got = memo[key] = inner(env)
            return got

    done[key] = fn
    return fn


def _compile_node(e: Expr, shared: set[int], done: dict[int, Compiled]) -> Compiled:
    t = type(e)
    if t is Lit:
        value = e.value  # type: ignore[attr-defined]
        return lambda env: value
    if t is Cell:
        sheet, col, row = e.sheet, e.col, e.row  # type: ignore[attr-defined]
        if sheet is None:
            return lambda env: env.cell(env.sheet, col, row)
        return lambda env: env.cell(sheet, col, row)
    if t is Op:
        a, b = _compile(e.a, shared, done), _compile(e.b, shared, done)  # type: ignore[attr-defined]
        op = e.op  # type: ignore[attr-defined]
        scalar_op = _SCALAR_OPS[op]

        def general(x: Value, y: Value) -> Value:
            if isinstance(x, Arr) or isinstance(y, Arr):
                return _op(op, x, y)
            return scalar_op(x, y)

        # Fast paths for the commonest operands of the rules (`check` evaluates them per indicator): each
        # gives what `scalar_op` gives on them; anything else goes the general way.
        if op in ("=", "<>") and type(e.b) is Lit and e.b.value == "":  # type: ignore[attr-defined]
            blank = op == "="  # x="" is TRUE for an empty value or "" (compare), FALSE for any other scalar

            def blank_test(env: Env) -> Value:
                x = a(env)
                if x is EMPTY:
                    return blank
                tx = type(x)
                if tx is float or tx is bool:
                    return not blank
                if tx is str:
                    return blank if x == "" else not blank
                return general(x, "")

            return blank_test
        if (on_numbers := _ON_TWO_NUMBERS.get(op)) is not None:

            def two_numbers(env: Env) -> Value:
                x, y = a(env), b(env)
                if type(x) is float and type(y) is float:
                    return on_numbers(x, y)
                return general(x, y)

            return two_numbers

        def operation_(env: Env) -> Value:
            return general(a(env), b(env))

        return operation_
    if t is Fn:
        return _compile_fn(e, shared, done)  # type: ignore[arg-type]
    if t is Area:
        first, last = e.first, e.last  # type: ignore[attr-defined]
        return lambda env: env.area(first, last)
    if t is TableCol:
        table, column = e.table, e.column  # type: ignore[attr-defined]
        return lambda env: env.table_column(table, column)
    if t is Name:
        name = e.name  # type: ignore[attr-defined]
        return lambda env: env.name(name)
    if t is Var:
        name = e.name  # type: ignore[attr-defined]
        return lambda env: env.var(name)
    if t is Neg:
        a = _compile(e.a, shared, done)  # type: ignore[attr-defined]
        return lambda env: _map1(a(env), _negate)
    raise TypeError(f"not a node: {e!r}")


def _compile_fn(e: Fn, shared: set[int], done: dict[int, Compiled]) -> Compiled:
    name, args = e.name, e.args
    f = _FUNCS.get(name)
    if f is None:  # a UDF of the environment
        compiled = [_compile(a, shared, done) for a in args]

        def udf_call(env: Env) -> Value:
            udf = env.function(name)
            if udf is None:
                return NAME
            return udf(*[c(env) for c in compiled])

        return udf_call
    if f is _if:  # lazy, and the commonest node of the rules
        test = _compile(args[0], shared, done)
        then = _compile(args[1], shared, done) if len(args) > 1 else None
        other = _compile(args[2], shared, done) if len(args) > 2 else None

        def if_(env: Env) -> Value:
            c = test(env)
            if c is not True and c is not False:  # to_bool of a logical is itself
                c = to_bool(_scalar(c))
                if isinstance(c, XlError):
                    return c
            if c:
                return then(env) if then is not None else True
            return other(env) if other is not None else False

        return if_
    if f is _iferror:
        value, fallback = (_compile(a, shared, done) for a in args[:2])

        def iferror(env: Env) -> Value:
            v = value(env)
            return fallback(env) if isinstance(_scalar(v), XlError) else v

        return iferror
    if name in ("AND", "OR"):  # as _logical: stops at the first error, before the next argument
        return _compile_logical(name == "AND", [_compile(a, shared, done) for a in args])
    if f is _not:
        arg = _compile(args[0], shared, done)

        def not_(env: Env) -> Value:
            b = arg(env)
            if b is True or b is False:
                return not b
            return _not_value(b)

        return not_
    if f is _n and len(args) == 1:  # N(x): what _n gives, without evaluate_raw's dispatch
        arg = _compile(args[0], shared, done)

        def n_(env: Env) -> Value:
            v = arg(env)
            if type(v) is float:
                return v
            return _n_value(v)

        return n_
    if name in _IS:
        pred, arg = _IS[name], _compile(args[0], shared, done)
        return lambda env: _map1(arg(env), pred)
    if f is _row:  # looks at its argument's tree, never evaluates it
        return lambda env: _row(args, env)
    # Any other built-in takes its arguments as nodes and evaluates them with evaluate_raw: operations and
    # functions are passed as thunks (the same node, compiled: a function looking at an argument with
    # isinstance and its fields sees what it would see in the tree); leaves, which evaluate_raw resolves at
    # once, as they are.
    passed = tuple(_thunk(a, _compile(a, shared, done)) if type(a) in _THUNK_OF else a for a in args)
    return lambda env: f(passed, env)


def _compile_logical(all_: bool, args: list[Compiled]) -> Compiled:
    def logical(env: Env) -> Value:
        return _logical_of(all_, (arg(env) for arg in args))

    return logical
