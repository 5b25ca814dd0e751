"""Unit-sheet rows by shape: `row_formulas` once per shape, instantiated for each row (issue 13, speed).

Two rows whose indicators have the same kind, polarity and aggregation, the same number of pendukung, ...
(`_key`) get the same formulas but for a few inputs (`Slots`): the row's number, its pendukung block's
first and last rows, its position in tblIndikator[ID], its position code (in the Keterangan's check of
what the row was generated for) and the ID written in its ID cell. Building each row's rule trees and
rendering them to text was a sixth of a regenerate. Here `row_formulas` itself (so the rules keep their one
definition, core/rules.py) runs once per shape with placeholder inputs no real row can have; each row then
gets its text by putting its inputs into the placeholders' places, and its trees by copying the nodes
that hold a placeholder (the others, such as tblIndikator[Target]<>"", are shared by every row of the
shape: nodes are immutable, and the evaluator's memo is per evaluation).

A shape is only instantiated this way when doing so for a second set of placeholders gives exactly what
`row_formulas` gives for them, text and rendered trees (`_Shape.check`); otherwise its rows are built one
by one as before. tests/test_row_shapes.py compares instantiated rows with `row_formulas`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from xl_sakip.core import formula as fx
from xl_sakip.core.models import Indicator
from xl_sakip.sheets.plan import Content, Formula
from xl_sakip.sheets.unit_rules import row_formulas


@dataclass(frozen=True)
class Slots:
    """The inputs of a row that its shape leaves open."""

    row: int
    block_first: int  # its pendukung block's first row (0: no block)
    block_last: int
    k: int  # its position in tblIndikator[ID] (0: not given)
    position: str
    id: str


# Two sets of placeholders: rows beyond Excel's last (1 048 576), a position code of private-use characters.
# The second set checks that the first one's places are all and only what the inputs give (`_Shape.check`).
_PLACEHOLDERS = (
    Slots(910_000_000, 950_000_000, 0, 930_000_000, "\ue000P\ue001", "\ue000I\ue001"),
    Slots(810_000_000, 850_000_000, 0, 830_000_000, "\ue002Q\ue003", "\ue002J\ue003"),
)


def _placeholders(which: int, n_block: int) -> Slots:
    s = _PLACEHOLDERS[which]
    return Slots(s.row, s.block_first, s.block_first + n_block - 1, s.k, s.position, s.id)


class _Shape:
    """One shape: the trees of its first placeholder set, and each formula's text with format fields where
    the inputs go ({0} row, {1} block first, {2} block last, {3} k, {4} position)."""

    def __init__(self, ind: Indicator, n_kids: int, cycle: bool, has_k: bool, has_block: bool,
                 perubahan: Sequence[str]) -> None:
        self.args = (n_kids, cycle, has_k, has_block, tuple(perubahan))
        self.n_block = n_kids if has_block else 0
        self.proto_ind = ind
        ph = _placeholders(0, self.n_block)
        self.ph = ph
        cells = self._build(ph)
        self.cells: dict[int, Content] = cells
        # Rendered numbers of the placeholders (rows and k are whole numbers: digits), found only where no
        # digit touches them; the position inside a text literal (its quotes doubled).
        self._digits = {str(ph.row): "{0}", str(ph.k): "{3}"}
        if self.n_block:
            self._digits[str(ph.block_first)] = "{1}"
            self._digits[str(ph.block_last)] = "{2}"
        pattern = "|".join(re.escape(d) for d in self._digits)
        self._num = re.compile(f"(?<![0-9])(?:{pattern})(?![0-9])")
        self.texts: dict[int, str] = {}
        self.varying: set[int] = set()
        for col, v in cells.items():
            if isinstance(v, Formula):
                fmt = v.text.replace("{", "{{").replace("}", "}}")
                fmt = self._num.sub(lambda m: self._digits[m.group(0)], fmt)
                self.texts[col] = fmt.replace(ph.position, "{4}")
                self._mark(v.expr)
        self._compile()
        self.ok = self.check()

    def _build(self, s: Slots) -> dict[int, Content]:
        n_kids, cycle, has_k, has_block, perubahan = self.args
        ind = self.proto_ind.model_copy(update={"id": s.id, "position": s.position})
        block = (s.block_first, s.block_last) if has_block else None
        # The pendukung's sheets and rows are not slots: each set gives them other values, so a row that
        # came to depend on them would fail `check` and be built one by one instead of taking another's.
        kids = [(f"{s.position}S{j}", s.row + 1 + j) for j in range(n_kids)]
        return row_formulas(ind, s.row, kids, cycle, s.k if has_k else None, block, perubahan)

    def _mark(self, root: fx.Expr | None) -> None:
        """The ids of the nodes that hold a placeholder (these are copied per row; the rest is shared)."""
        ph = self.ph
        rows = {ph.row, ph.block_first, ph.block_last} if self.n_block else {ph.row}
        k = float(ph.k)
        varying = self.varying
        done: set[int] = set()

        def walk(e: fx.Expr) -> bool:
            key = id(e)
            if key in done:
                return key in varying
            done.add(key)
            t = type(e)
            if t is fx.Cell:
                v = e.row in rows  # type: ignore[attr-defined]
            elif t is fx.Lit:
                x = e.value  # type: ignore[attr-defined]
                v = (type(x) is float and x == k) or (type(x) is str and ph.position in x)
            elif t is fx.Op:
                a, b = walk(e.a), walk(e.b)  # type: ignore[attr-defined]
                v = a or b
            elif t is fx.Fn:
                v = any([walk(a) for a in e.args])  # type: ignore[attr-defined]
            elif t is fx.Neg:
                v = walk(e.a)  # type: ignore[attr-defined]
            elif t is fx.Area:
                a, b = walk(e.first), walk(e.last)  # type: ignore[attr-defined]
                v = a or b
            else:
                v = False
            if v:
                varying.add(key)
            return v

        if root is not None:
            walk(root)

    def check(self) -> bool:
        """Whether instantiating for the second placeholder set gives what `row_formulas` gives for it."""
        other = _placeholders(1, self.n_block)
        want = self._build(other)
        got = self.instantiate(other)
        if want.keys() != got.keys():
            return False
        for col, w in want.items():
            g = got[col]
            if isinstance(w, Formula):
                if not isinstance(g, Formula) or g.text != w.text or fx.formula_text(g.expr) != w.text:
                    return False
            elif type(g) is not type(w) or g != w:
                return False
        return True

    def _compile(self) -> None:
        """`self._make(row, block_first, block_last, k_node, position)`: the trees of every formula cell,
        in `self.cells`' order, built by straight-line code (one constructor call per node holding a
        placeholder, the other nodes shared): a walk over the prototype per row cost as much again."""
        ph = self.ph
        rows = {ph.row: "row"}
        if self.n_block:
            rows[ph.block_first], rows[ph.block_last] = "block_first", "block_last"
        ns: dict[str, object] = {"Cell": fx.Cell, "Op": fx.Op, "Fn": fx.Fn, "Neg": fx.Neg, "Area": fx.Area,
                                 "lift": fx.lift, "PH": ph.position}
        names: dict[int, str] = {}
        lines: list[str] = []

        def const(v: object) -> str:
            name = f"c{len(ns)}"
            ns[name] = v
            return name

        def emit(e: fx.Expr) -> str:
            key = id(e)
            got = names.get(key)
            if got is not None:
                return got
            if key not in self.varying:
                got = names[key] = const(e)
                return got
            t = type(e)
            if t is fx.Op:
                a, b = emit(e.a), emit(e.b)  # type: ignore[attr-defined]
                code = f"Op({const(e.op)}, {a}, {b})"  # type: ignore[attr-defined]
            elif t is fx.Fn:
                args = [emit(a) for a in e.args]  # type: ignore[attr-defined]
                code = f"Fn({const(e.name)}, ({''.join(a + ', ' for a in args)}))"  # type: ignore[attr-defined]
            elif t is fx.Cell:
                code = (f"Cell({e.col}, {rows[e.row]}, {const(e.sheet)}, "  # type: ignore[attr-defined]
                        f"{e.abs_col}, {e.abs_row})")  # type: ignore[attr-defined]
            elif t is fx.Neg:
                code = f"Neg({emit(e.a)})"  # type: ignore[attr-defined]
            elif t is fx.Area:
                code = f"Area({emit(e.first)}, {emit(e.last)})"  # type: ignore[attr-defined]
            elif t is fx.Lit and type(e.value) is float:  # type: ignore[attr-defined]
                code = "k"
            elif t is fx.Lit:
                code = f"lift({const(e.value)}.replace(PH, position))"  # type: ignore[attr-defined]
            else:
                raise TypeError(f"not a node: {e!r}")
            got = names[key] = f"n{len(names)}"
            lines.append(f"    {got} = {code}")
            return got

        roots = [emit(v.expr) for v in self.cells.values() if isinstance(v, Formula)]  # type: ignore[arg-type]
        src = ("def make(row, block_first, block_last, k, position):\n" + "\n".join(lines)
               + f"\n    return ({''.join(r + ', ' for r in roots)})\n")
        exec(src, ns)  # noqa: S102
        self._make = ns["make"]

    def instantiate(self, s: Slots) -> dict[int, Content]:
        k_lit = fx.lift(s.k)
        fields = (s.row, s.block_first, s.block_last, fx.render(k_lit), s.position.replace('"', '""'))
        trees = iter(self._make(s.row, s.block_first, s.block_last, k_lit, s.position))
        out: dict[int, Content] = {}
        texts, ph_id = self.texts, self.ph.id
        for col, v in self.cells.items():
            if isinstance(v, Formula):
                out[col] = Formula(texts[col].format(*fields), next(trees))
            elif v == ph_id:
                out[col] = s.id
            else:
                out[col] = v
        return out


_MISSING = object()


class RowShapes:
    """`row_formulas` by shape, for the rows of one regenerate (every unit sheet)."""

    def __init__(self) -> None:
        self._shapes: dict[tuple, _Shape | None] = {}

    def row(self, ind: Indicator, r: int, children: list[tuple[str, int]], cycle: bool,
            master_k: int | None = None, block: tuple[int, int] | None = None,
            perubahan: Sequence[str] = ()) -> dict[int, Content]:
        """What `row_formulas` with these arguments gives."""
        key = (ind.kind, ind.polarity, ind.aggregation, len(children), cycle, master_k is not None,
               block is not None, tuple(perubahan))
        shape = self._shapes.get(key, _MISSING)
        if shape is _MISSING:
            try:
                shape = _Shape(ind, len(children), cycle, master_k is not None, block is not None, perubahan)
            except ValueError:  # arguments row_formulas refuses: it says so below, with this row's ID
                shape = None
            self._shapes[key] = shape
        if shape is None or not shape.ok or (block is not None and block[1] - block[0] + 1 != len(children)):
            return row_formulas(ind, r, children, cycle, master_k, block, perubahan)
        first, last = block if block is not None else (0, 0)
        return shape.instantiate(Slots(r, first, last, master_k or 0, ind.position, ind.id))
