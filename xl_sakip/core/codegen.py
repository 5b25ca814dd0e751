"""Rule trees as generated Python functions: the core's hottest evaluation (issue 14's `check` at 50 000).

`formula.evaluate_tree` compiles a tree it evaluates again and again (the core's rules, built once per
kind and evaluated per indicator). This module turns such a tree (or several evaluated on one memo) into
the source of one Python function: each node's value in a local, IF as `if`/`else`, the operators' and
functions' common cases (two numbers, a blank test, logicals, N, SUM of values) inline, and every other
node through formula.py's own closure. The functions it calls on anything but the common cases are
formula.py's (`_SCALAR_OPS`, `_op`, `_logical_of`, `_not_value`, `_n_value`, `_numbers_of` ...): the
semantics stay in one place, and the tree evaluator remains the reference (tests/test_compiled_rules.py
holds every engine rule and node kind to it).

A subtree reached more than once is computed once per evaluation, at its first use (a local set to a
sentinel until then: IF keeps it lazy), as the memo of `evaluate_tree` does; a variable is read once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from xl_sakip.core import formula as fx

#: Above this many lines, or blocks nested this deep (Python's compiler allows 100), the tree stays with
#: the closures (a generated function that big would be slow to compile and no faster).
MAX_LINES = 4000
MAX_DEPTH = 50

_OP_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "&": "cat", "=": "eq", "<>": "ne", "<": "lt",
             "<=": "le", ">": "gt", ">=": "ge"}
# The operators on two numbers, as `formula._ON_TWO_NUMBERS` gives them: a comparison is `compare`'s test
# of (x > y) - (x < y), written so that it gives the same for every pair of floats (NaN included).
_ON_NUMBERS = {
    "+": "{x} + {y}", "-": "{x} - {y}", "*": "{x} * {y}", "/": "(_DIV0 if {y} == 0 else {x} / {y})",
    "=": "not ({x} < {y} or {x} > {y})", "<>": "({x} < {y} or {x} > {y})", "<": "{x} < {y}",
    ">": "{x} > {y}", "<=": "not {x} > {y}", ">=": "not {x} < {y}",
}


def _general(op: str) -> Callable[[fx.Value, fx.Value], fx.Value]:
    """An operator on any two values (arrays element by element): what the tree evaluator does."""
    scalar_op = fx._SCALAR_OPS[op]

    def general(x: fx.Value, y: fx.Value) -> fx.Value:
        if isinstance(x, fx.Arr) or isinstance(y, fx.Arr):
            return fx._op(op, x, y)
        return scalar_op(x, y)

    return general


def _sum_of(values: tuple[fx.Value, ...]) -> fx.Value:
    """SUM of computed arguments (none a reference): `formula._sum` on their values."""
    ns = fx._numbers_of((v, False) for v in values)
    return ns if isinstance(ns, fx.XlError) else fx._plain_sum(ns)


def _error_in(v: fx.Value) -> bool:
    """Is `v` an error, or an array holding one? (Where formula._logical_of stops.)"""
    return isinstance(v, fx.XlError) or (isinstance(v, fx.Arr) and any(isinstance(x, fx.XlError) for x in v))


def _sum_stops(v: fx.Value) -> bool:
    """Does SUM stop at this computed argument? (formula._numbers_of gives an error for it alone.)"""
    return isinstance(fx._numbers_of(((v, False),)), fx.XlError)


_GLOBALS: dict[str, Any] = {
    "_M": fx._MISSING, "_EMPTY": fx.EMPTY, "_DIV0": fx.DIV0, "_Arr": fx.Arr, "_XlError": fx.XlError,
    "_to_bool": fx.to_bool, "_scalar": fx._scalar, "_map1": fx._map1, "_negate": fx._negate,
    "_logical_of": fx._logical_of, "_not_value": fx._not_value, "_n_value": fx._n_value, "_sum_of": _sum_of,
    "_error_in": _error_in, "_sum_stops": _sum_stops,
    "_is_number": fx.is_number, **{f"_op_{name}": _general(op) for op, name in _OP_NAMES.items()},
}
_IS_INLINE = {"ISNUMBER": "({x}.__class__ is float or _is_number({x}))", "ISTEXT": "isinstance({x}, str)",
              "ISBLANK": "{x} is _EMPTY"}


class _TooBig(Exception):
    pass


class _Gen:
    def __init__(self, roots: Sequence[fx.Expr]) -> None:
        self.lines: list[str] = []
        self.glob: dict[str, Any] = dict(_GLOBALS)
        self.n = 0
        # Nodes reached more than once, by what they are (the same operation on the same operands: the
        # rules build a quarter's blank test in several places), each get a local, computed at its first
        # use on a path. By identity as compile_tree finds them, for the closures of the nodes left to
        # formula.py.
        self.keys: dict[int, int] = {}
        interned: dict[tuple, int] = {}
        for root in roots:
            _keys(root, self.keys, interned)
        uses: dict[int, int] = {}
        stack = list(roots)
        while stack:
            node = stack.pop()
            key = self.keys[id(node)]
            uses[key] = uses.get(key, 0) + 1
            if uses[key] == 1:
                stack.extend(fx._children(node))
        self.shared: set[int] = set()
        seen: set[int] = set()
        stack = list(roots)
        while stack:
            node = stack.pop()
            if id(node) in seen:
                self.shared.add(id(node))
                continue
            seen.add(id(node))
            stack.extend(fx._children(node))
        self.repeated = {key for key, k in uses.items() if k > 1}
        self.slots: dict[int, str] = {}  # key -> its local
        self.assigned: set[object] = set()  # slots assigned somewhere above (on some path)
        self.done: dict[int, fx.Compiled] = {}  # formula._compile's cache, for the nodes left to closures
        self.literals: dict[str, object] = {}  # literal atoms -> their values

    def temp(self) -> str:
        self.n += 1
        return f"t{self.n}"

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)
        if len(self.lines) > MAX_LINES or depth > MAX_DEPTH:
            raise _TooBig

    def const(self, v: object) -> str:
        """A literal as an atom (a name or a parenthesised literal)."""
        t = type(v)
        if t is float and math.isfinite(v) or t is bool or t is str:  # type: ignore[arg-type]
            atom = f"({v!r})"
            self.literals[atom] = v
            return atom
        if v is fx.EMPTY:
            return "_EMPTY"
        name = f"_k{len(self.glob)}"
        self.glob[name] = v
        return name

    def value(self, e: fx.Expr, known: set[object], depth: int) -> str:
        """Lines computing `e` (at `depth`), and the atom holding its value. `known`: the slots computed on
        every path to here (updated with the ones this computes)."""
        t = type(e)
        if t is fx.Lit:
            return self.const(e.value)  # type: ignore[attr-defined]
        key = self.keys[id(e)]
        if key not in self.repeated:
            key = None
        if key is None:
            return self.node(e, known, depth)
        slot = self.slots.get(key)
        if slot is None:
            slot = self.slots[key] = f"s{len(self.slots) + 1}"
        if key in known:
            return slot
        if key in self.assigned:  # computed on some path only: computed here unless it was
            self.line(depth, f"if {slot} is _M:")
            inner = set(known)
            self.line(depth + 1, f"{slot} = {self.node(e, inner, depth + 1)}")
        else:
            self.line(depth, f"{slot} = {self.node(e, known, depth)}")
        self.assigned.add(key)
        known.add(key)
        return slot

    def node(self, e: fx.Expr, known: set[object], depth: int) -> str:
        t = type(e)
        if t is fx.Var:
            r = self.temp()
            self.line(depth, f"{r} = var({e.name!r})")  # type: ignore[attr-defined]
            return r
        if t is fx.Op:
            return self.op(e, known, depth)  # type: ignore[arg-type]
        if t is fx.Neg:
            x = self.value(e.a, known, depth)  # type: ignore[attr-defined]
            r = self.temp()
            self.line(depth, f"{r} = -{x} if {x}.__class__ is float else _map1({x}, _negate)")
            return r
        if t is fx.Fn:
            got = self.fn(e, known, depth)  # type: ignore[arg-type]
            if got is not None:
                return got
        if t is fx.Name:
            r = self.temp()
            self.line(depth, f"{r} = env.name({e.name!r})")  # type: ignore[attr-defined]
            return r
        # Anything else (cells, ranges, tables, other functions): formula.py's closure of the node, its
        # shared subtrees memoised in env.nodes as the closures do.
        name = f"_c{len(self.glob)}"
        self.glob[name] = fx._compile(e, self.shared, self.done)
        r = self.temp()
        self.line(depth, f"{r} = {name}(env)")
        return r

    def op(self, e: fx.Op, known: set[object], depth: int) -> str:
        x = self.value(e.a, known, depth)
        y = self.value(e.b, known, depth)
        op, general, r = e.op, f"_op_{_OP_NAMES[e.op]}", self.temp()
        if op in ("=", "<>") and y == "('')":  # the blank test (formula._compile_node's blank_test)
            blank, x = op == "=", self.name_of(x, depth)
            self.line(depth, f"if {x} is _EMPTY: {r} = {blank}")
            self.line(depth, f"elif {x}.__class__ is str: {r} = {x} {'==' if blank else '!='} ''")
            self.line(depth, f"elif {x}.__class__ is float or {x}.__class__ is bool: {r} = {not blank}")
            self.line(depth, f"else: {r} = {general}({x}, '')")
            return r
        fast = _ON_NUMBERS.get(op)
        if fast is None:
            self.line(depth, f"{r} = {general}({x}, {y})")
            return r
        tests = [f"{a}.__class__ is float" for a in (x, y) if type(self.literals.get(a)) is not float]
        on_numbers = fast.format(x=x, y=y)
        if tests:
            self.line(depth, f"{r} = ({on_numbers}) if {' and '.join(tests)} else {general}({x}, {y})")
        else:
            self.line(depth, f"{r} = {on_numbers}")
        return r

    def fn(self, e: fx.Fn, known: set[object], depth: int) -> str | None:
        """The functions written inline; None for the others (left to their closures)."""
        name, args = e.name, e.args
        f = fx._FUNCS.get(name)
        if f is fx._if:
            return self.if_(args, known, depth)
        if f is fx._iferror and len(args) == 2:
            v, r = self.value(args[0], known, depth), self.temp()
            self.line(depth, f"if isinstance(_scalar({v}), _XlError):")
            inner = set(known)
            self.line(depth + 1, f"{r} = {self.value(args[1], inner, depth + 1)}")
            self.line(depth, f"else: {r} = {v}")
            return r
        if name in ("AND", "OR") and args:
            # The arguments in order; an argument holding an error is the result before the next one is
            # computed (formula._logical_of)
            all_ = name == "AND"
            xs, r = self.stepwise(args, known, depth, "{x}.__class__ is not bool and _error_in({x})",
                                  f"_logical_of({all_}, ({{xs}},))")
            fast = (" and " if all_ else " or ").join(xs)
            bools = " and ".join(f"{x}.__class__ is bool" for x in xs)
            self.line(depth + 1, f"{r} = ({fast}) if {bools} else _logical_of({all_}, ({', '.join(xs)},))")
            return r
        if f is fx._not and len(args) == 1:
            x, r = self.value(args[0], known, depth), self.temp()
            self.line(depth, f"{r} = (not {x}) if {x}.__class__ is bool else _not_value({x})")
            return r
        if f is fx._n and len(args) == 1:
            x, r = self.value(args[0], known, depth), self.temp()
            self.line(depth, f"{r} = {x} if {x}.__class__ is float else _n_value({x})")
            return r
        if name in _IS_INLINE and len(args) == 1:
            x, r = self.name_of(self.value(args[0], known, depth), depth), self.temp()
            pred = f"_is_{name}"
            self.glob[pred] = fx._IS[name]
            self.line(depth, f"{r} = _map1({x}, {pred}) if isinstance({x}, _Arr) else "
                             f"{_IS_INLINE[name].format(x=x)}")
            return r
        if f is fx._sum and args and not any(_is_reference(a) for a in args):
            # The arguments in order; one that is or holds an error (or text that is not a number) is the
            # result before the next one is computed (formula._numbers_of)
            xs, r = self.stepwise(args, known, depth, "{x}.__class__ is not float and _sum_stops({x})",
                                  "_sum_of(({xs},))")
            general = f"_sum_of(({', '.join(xs)},))"
            if len(xs) <= 16:  # a long chain of + nests too deep for Python's compiler
                total = " + ".join(["(0.0)", *xs])  # left to right, as formula._plain_sum adds
                tests = " and ".join(f"{x}.__class__ is float" for x in xs)
                general = f"({total}) if {tests} else {general}"
            self.line(depth + 1, f"{r} = {general}")
            return r
        return None

    def stepwise(self, args: tuple[fx.Expr, ...], known: set[object], depth: int, stops: str,
                 stopped: str) -> tuple[list[str], str]:
        """Lines computing `args` one by one until one `stops` (then the result is `stopped` of those
        computed so far), as formula.py's AND, OR and SUM take their arguments. Returns the atoms and the
        result's local, and leaves open an `if` block (at depth + 1) for the caller's line computing the
        result from all the atoms."""
        r = self.temp()
        self.line(depth, f"{r} = _M")
        xs: list[str] = []
        for k, a in enumerate(args):
            if k == 0:
                x, at = self.value(a, known, depth), depth
            else:
                self.line(depth, f"if {r} is _M:")
                x, at = self.value(a, set(known), depth + 1), depth + 1
            xs.append(self.name_of(x, at))
            self.line(at, f"if {stops.format(x=xs[-1])}: {r} = {stopped.format(xs=', '.join(xs))}")
        self.line(depth, f"if {r} is _M:")
        return xs, r

    def name_of(self, atom: str, depth: int) -> str:
        """A literal atom bound to a local (so that `is` never has a literal operand)."""
        if atom not in self.literals and atom != "_EMPTY":
            return atom
        t = self.temp()
        self.line(depth, f"{t} = {atom}")
        return t

    def if_(self, args: tuple[fx.Expr, ...], known: set[object], depth: int) -> str:
        c = self.value(args[0], known, depth)
        test, r = self.temp(), self.temp()
        self.line(depth, f"{test} = {c}")
        self.line(depth, f"if {test} is not True and {test} is not False: {test} = _to_bool(_scalar({test}))")
        for k, word in ((1, "if"), (2, "elif")):
            self.line(depth, f"{word} {test} is {k == 1}:")
            if len(args) > k:
                inner = set(known)
                self.line(depth + 1, f"{r} = {self.value(args[k], inner, depth + 1)}")
            else:
                self.line(depth + 1, f"{r} = {k == 1}")
        self.line(depth, f"else: {r} = {test}")  # an error
        return r


def _keys(root: fx.Expr, keys: dict[int, int], interned: dict[tuple, int]) -> None:
    """What each node under `root` is, as a number (the same for the same operation on the same operands;
    a literal by its type and text, so that 0.0 and -0.0, or 1.0 and TRUE, stay apart)."""
    stack: list[tuple[fx.Expr, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in keys:
            continue
        kids = fx._children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in kids if id(c) not in keys)
            continue
        t = type(node)
        what: tuple
        if t is fx.Lit:
            v = node.value  # type: ignore[attr-defined]
            what = (t, type(v), repr(v)) if not isinstance(v, fx.Arr) else (t, id(node))
        elif t is fx.Op:
            what = (t, node.op, *(keys[id(c)] for c in kids))  # type: ignore[attr-defined]
        elif t is fx.Fn:
            what = (t, node.name, *(keys[id(c)] for c in kids))  # type: ignore[attr-defined]
        elif t is fx.Neg:
            what = (t, keys[id(kids[0])])
        elif t is fx.Var or t is fx.Name:
            what = (t, node.name)  # type: ignore[attr-defined]
        else:  # cells, ranges, tables (and any other node) by identity
            what = (t, id(node))
        keys[id(node)] = interned.setdefault(what, len(interned))


def _is_reference(e: fx.Expr) -> bool:
    """An argument whose text and logicals SUM skips (formula._values' test)."""
    return isinstance(e, fx.Cell | fx.Area | fx.TableCol) or (isinstance(e, fx.Fn) and e.name == "INDEX")


def generate(roots: Sequence[fx.Expr], *, single: bool = False) -> Callable[[fx.Env], Any] | None:
    """One function of the environment giving the list of the values of `roots` (evaluated on one memo,
    as `formula.evaluate_trees`), or with `single` the value of the one root; None when it would be too
    big (the caller keeps the closures)."""
    gen = _Gen(roots)
    known: set[object] = set()
    try:
        atoms = [gen.value(e, known, 1) for e in roots]
    except _TooBig:
        return None
    slots = list(gen.slots.values())
    head = ["def generated(env):", "    var = env.var_reader()"]
    if slots:
        head.append(f"    {' = '.join(slots)} = _M")
    tail = f"    return {atoms[0]}" if single else f"    return [{', '.join(atoms)}]"
    source = "\n".join([*head, *gen.lines, tail])
    ns = gen.glob
    try:
        code = compile(source, "<xl_sakip rule>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # a limit of Python's compiler: the closures then
        return None
    exec(code, ns)  # noqa: S102 (source this module wrote)
    fn = ns["generated"]
    fn.source = source  # for a reader debugging a rule
    return fn  # type: ignore[no-any-return]


fx.use_generator(generate)
