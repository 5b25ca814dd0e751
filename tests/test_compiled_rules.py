"""Rule trees compiled into closures (core/formula.compile_tree) or generated as Python functions
(core/codegen.generate) give what the tree evaluator gives.

evaluate_tree compiles a tree on its third evaluation (the core's rules, evaluated per indicator). The
tree evaluator is the reference (tests/test_parity*.py hold it to LibreOffice): every rule tree the engine
builds, on many bindings of its variables (numbers, text, empty, logicals, errors), must give the same
value of the same type; shared subtrees must still be evaluated once per evaluation.
"""

from __future__ import annotations

import math
import random
from itertools import product

import pytest

from xl_sakip.core import engine
from xl_sakip.core import formula as fx
from xl_sakip.core.codegen import generate
from xl_sakip.core.models import Aggregation, Kind, Polarity


def _generated(tree: fx.Expr) -> fx.Compiled:
    fn = generate((tree,), single=True)
    assert fn is not None, "the tree is small enough to be generated"
    return fn


#: Both ways a hot tree is compiled: formula.py's closures and codegen's generated function.
COMPILERS = pytest.mark.parametrize("compile_", [fx.compile_tree, _generated], ids=["closures", "generated"])

POOL = [None, 0, 0.0, -0.0, -1.0, 2.5, 3, 50.004, 100.0, 100.005, 1e-9, float("inf"), float("nan"), "", "abc",
        "5", " 7,5 ", "AA", "BB", "it's \"x\"\n", True, False, fx.DIV0, fx.NA, fx.VALUE,
        fx.Arr([1.0, "x", fx.EMPTY]), fx.Arr([fx.NA, 2.0])]
SCALARS = [v for v in POOL if not isinstance(v, fx.Arr)]  # what a cell can hold


def _trees() -> list[tuple[str, fx.Expr]]:
    out: list[tuple[str, fx.Expr]] = []
    for kind, agg, upto in product(Kind, Aggregation, (engine.REPORTING, 1, 2, 3, 4)):
        pr = engine.period_rules(kind, agg, upto)
        for attr in ("reported", "realisasi", "target", "own", "missing", "annual", "target_ra",
                     "no_target_ra", "negative"):
            got = getattr(pr, attr)  # a tree, or one per quarter
            trees = got if isinstance(got, list | tuple) else [got]
            out += [(f"{attr} {kind} {agg} {upto} {q}", t) for q, t in enumerate(trees, 1)]
    for kind, pol in product(Kind, Polarity):
        reason, value = engine.capaian_rules(kind, pol)
        out += [(f"reason {kind} {pol}", reason), (f"value {kind} {pol}", value)]
    out += [(f"single {k}", engine.single_value_rule(k)) for k in Kind]
    for kind, pol in product(Kind, Polarity):
        out.append((f"capped {kind} {pol}", engine.capaian_trees(kind, pol)[2]))
    out += [("category", engine.category_rule())]
    out += [(f"covers {n}", engine.covers_rule(n)) for n in (0, 1, 3)]
    out += [(f"rolled {n}", engine.rolled_rule(n)) for n in (1, 3)]
    return out


def _vars(e: fx.Expr) -> set[str]:
    names, stack, seen = set(), [e], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, fx.Var):
            names.add(node.name)
        stack.extend(fx._children(node))
    return names


def _same(a: object, b: object) -> bool:
    if isinstance(a, fx.Arr) and isinstance(b, fx.Arr):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)  # type: ignore[arg-type]
    return a == b


def _interpreted(e: fx.Expr, env: fx.Env) -> fx.Value:
    saved, env.nodes = env.nodes, {}
    try:
        return fx.evaluate_raw(e, env)
    finally:
        env.nodes = saved


@COMPILERS
@pytest.mark.parametrize(("label", "tree"), _trees(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_engine_rule_compiled_gives_the_tree_evaluators_value(label: str, tree: fx.Expr,
                                                                    compile_) -> None:
    compiled = compile_(tree)
    names = sorted(_vars(tree))
    rnd = random.Random(label)
    base = engine.RulesEnv(None, None)
    for _ in range(60):
        env = base.with_vars(**{n: rnd.choice(POOL) for n in names})
        want = _interpreted(tree, env)
        env.nodes = {}
        got = compiled(env)
        assert _same(got, want), (label, env.variables, got, want)


class _Counting(fx.Env):
    def __init__(self) -> None:
        self.reads = 0

    def var(self, name: str) -> fx.Value:
        self.reads += 1
        return 4.0


def test_a_hot_tree_is_compiled_and_its_shared_subtree_evaluated_once() -> None:
    """IF(s>0, s, 0) with s = x*x one shared node: x is read twice (x*x) per evaluation, not four times,
    interpreted or as closures, and once by the generated function (a variable read more than once is
    read into a local); the value is 16. The third evaluation of the same root runs generated."""
    x = fx.Var("x")
    s = x * x
    tree = fx.IF(s.gt(0), s, 0)
    env = _Counting()
    reads = []
    for k in range(1, 6):
        before = env.reads
        assert fx.evaluate_tree(tree, env) == 16.0
        reads.append(env.reads - before)
        assert (fx._COMPILED.get(id(tree), (None,))[0] is tree) == (k >= fx._COMPILE_AT)
    assert fx._COMPILE_AT == 3 and reads == [2, 2, 1, 1, 1]
    closures = fx.compile_tree(tree)
    for _ in range(2):
        env.nodes, before = {}, env.reads
        assert closures(env) == 16.0 and env.reads - before == 2


class _Book(fx.Env):
    """Cells, a table, a name and a UDF, for formulas of every node kind."""

    def __init__(self, cells: dict[tuple[int, int], fx.Scalar]) -> None:
        self.cells = cells

    def cell(self, sheet: str | None, col: int, row: int) -> fx.Scalar:
        return self.cells.get((col, row), fx.EMPTY)

    def table_column(self, table: str, column: str) -> fx.Arr:
        if table == "tblB":  # more than 16 rows: lookups and SUMPRODUCT may use the range's index
            return fx.Arr({"a": [float(k % 7) for k in range(30)], "c": ["xy"[k % 3 == 0] for k in range(30)]
                           }[column])
        return fx.Arr({"a": [1.0, 2.0, 3.0], "b": [10.0, fx.EMPTY, 30.0], "c": ["x", "y", "Y"]}[column])

    def table_rows(self, table: str) -> fx.Arr:
        return fx.Arr([5.0, 6.0, 7.0])

    def name(self, name: str) -> fx.Scalar:
        return 3.0 if name == "setN" else fx.NAME

    def function(self, name: str):
        return (lambda *a: fx.Arr(a) if len(a) > 1 else a[0]) if name == "SAKIP_X" else None


FORMULAS = ['=-A1+B2*2', '=SUMPRODUCT((tblT[a]>1)*(tblT[b]))', '=INDEX(tblT[b],MATCH("y",tblT[c],0))',
            '=SUM(ROW(A1:A3))', '=SUM(A1:B2)', '=IFERROR(1/A2,"x")', '=COUNTIFS(tblT[c],"y",tblT[a],">1")',
            '=SAKIP_X(A1,2)', '=SAKIP_Y(A1)', '=IF(setN>2,-setN,A1&"z")', '=AND(A1:B2)', '=ROUND(-A1/3,2)',
            '=SMALL(A1:B2,2)', '=LEFT(C1,2)&UPPER(C1)', '=MAX(A1,-B1)', '=NOT(ISNUMBER(C1))', '=-tblT[a]',
            '=SUMIFS(tblT[a],tblT[c],"y")', '=SUMPRODUCT(--(tblT[c]=C1),tblT[a])', '=IF(A1,,)',
            '=SUMPRODUCT(--(tblB[c]="y"),tblB[a])', '=SUMPRODUCT((tblB[c]=C1)*(tblB[a]>A1),tblB[a])',
            '=SUMPRODUCT(--(tblB[c]=C1))', '=INDEX(tblB[a],MATCH(C1,tblB[c],0))', '=COUNTIFS(tblB[c],C1)',
            '=N(C1)+N(A1)', '=OR(C1,"x")', '=AND(C1,A1:A2)', '=OR(ISNUMBER(C1),ISTEXT(C1),ISBLANK(C1))',
            # the operators' fast paths (numbers, blanks, logicals) and what they hand on (arrays, errors)
            '=A1<>""', '=C1=""', '=A1:B2<>""', '=SUM(--(A1:B2=""))', '=A1<B1', '=A1>=B2', '=A1=B1',
            '=A1-B1', '=A1/B1', '=A1*B2+C1', '=IF(A1<>"",N(A1),B1)', '=NOT(A1<>"")', '=AND(A1<>"",B1>0)',
            '=OR(A1="",A1:B1<>"")', '=N(A1:B1)', '=IF(A1:A2,1,2)', '=NOT(A1:B1)']


@COMPILERS
@pytest.mark.parametrize("text", FORMULAS)
def test_formulas_of_every_node_kind_compiled(text: str, compile_) -> None:
    tree = fx.parse(text)
    compiled = compile_(tree)
    rnd = random.Random(text)
    for _ in range(40):
        env = _Book({(c, r): engine.scalar(rnd.choice(SCALARS)) for c in (1, 2, 3) for r in (1, 2, 3)})
        env.cells[(3, 1)] = rnd.choice(["hello", "y", "", fx.EMPTY, 4.0, fx.NA])
        want = _interpreted(tree, env)
        env.nodes = {}
        assert _same(compiled(env), want), (text, env.cells)


def test_a_lone_cell_reference_parses_as_the_tokenizer_reads_it() -> None:
    """parse reads a formula that is one cell reference without the tokenizer: the same node as the
    parser's, and texts that only look like one still go through the parser (a name, a range)."""
    from xl_sakip.core import formula as fx

    for text, want in [("='It''s'!$AB$12", fx.Cell(28, 12, "It's", True, True)),
                       ("=Sheet1!B$2", fx.Cell(2, 2, "Sheet1", False, True)), ("C3", fx.Cell(3, 3))]:
        got = fx.parse(text)
        assert (type(got), got.col, got.row, got.sheet, got.abs_col, got.abs_row) == (
            fx.Cell, want.col, want.row, want.sheet, want.abs_col, want.abs_row)
    assert isinstance(fx.parse("=ABCD1"), fx.Name) and isinstance(fx.parse("=TRUE1"), fx.Name)
    assert isinstance(fx.parse("=A1:B2"), fx.Area) and isinstance(fx.parse("=A1 "), fx.Cell)


@pytest.mark.parametrize(("value", "blank"), [
    (fx.EMPTY, True), ("", True), ("a", False), (" ", False), (0.0, False), (2.5, False), (True, False),
    (False, False), (fx.DIV0, fx.DIV0),
    (fx.Arr([fx.EMPTY, "", "x", 0.0]), fx.Arr([True, True, False, False])),
])
@COMPILERS
def test_a_blank_test_compiled(value: fx.Value, blank: fx.Value, compile_) -> None:
    """x="" and x<>"" (the commonest comparison of the rules, compiled to a fast path): Excel's "=" on an
    empty cell or "" against "" is TRUE, on a number, other text or a logical FALSE; an error is passed on;
    an array compares element by element (values by hand)."""
    x = fx.Var("x")
    env = engine.RulesEnv(None, None).with_vars(x=value)
    for tree, want in ((x.eq(""), blank), (x.ne(""), blank if isinstance(blank, fx.XlError) else
                                           fx.Arr(not b for b in blank) if isinstance(blank, fx.Arr) else
                                           not blank)):
        env.nodes = {}
        assert _same(compile_(tree)(env), want), (tree, value)


def test_trees_evaluated_on_one_memo() -> None:
    """evaluate_trees: each tree's value as evaluate_tree gives it (s = x*x = 16, IF(s>0,s,0) 16, s+1 17,
    x 4), before and after the trees are compiled (their third evaluation), with x = 4."""
    x = fx.Var("x")
    s = x * x
    trees = (fx.IF(s.gt(0), s, 0), s + 1, x, s)
    env = _Counting()
    for _ in range(5):
        assert fx.evaluate_trees(trees, env) == [16.0, 17.0, 4.0, 16.0]


def test_a_tree_too_big_to_generate_keeps_its_closures() -> None:
    """A tree whose function would pass codegen.MAX_LINES is not generated: the hot tree runs as closures,
    with the value the tree evaluator gives (here the sum of k*x for k = 1..n, x = 4, worked out by hand:
    4 n (n + 1) / 2)."""
    from xl_sakip.core import codegen

    n = codegen.MAX_LINES  # one line per product at least
    x = fx.Var("x")
    tree = fx.Fn("SUM", tuple(fx.IF(x.gt(0), x * float(k), 0) for k in range(1, n + 1)))
    assert generate((tree,), single=True) is None
    env = _Counting()
    for _ in range(fx._COMPILE_AT + 1):
        assert fx.evaluate_tree(tree, env) == 4.0 * n * (n + 1) / 2
    assert fx._COMPILED[id(tree)][0] is tree


def test_an_error_stops_and_or_sum_before_the_next_argument() -> None:
    """AND, OR and SUM take their arguments in order and give the first error without computing the next
    (formula._logical_of, _numbers_of): a variable never bound after it is never read. By hand: 1/0 is
    #DIV/0!; SUM stops at the text "abc" (#VALUE!) as well."""
    x, unbound = fx.Var("x"), fx.Var("unbound")
    env = engine.RulesEnv(None, None).with_vars(x=0.0, t="abc")
    for tree, want in ((fx.OR(1 / x, unbound), fx.DIV0), (fx.AND(x.eq(0), 1 / x, unbound), fx.DIV0),
                       (fx.SUM(x, 1 / x, unbound), fx.DIV0), (fx.SUM(fx.Var("t"), unbound), fx.VALUE)):
        env.nodes = {}
        assert _interpreted(tree, env) == want
        for compile_ in (fx.compile_tree, _generated):
            env.nodes = {}
            assert compile_(tree)(env) == want, (compile_, tree)


def test_trees_python_cannot_compile_keep_their_closures() -> None:
    """IF nested 150 deep (Python's compiler allows 100 blocks) and a SUM of 3 000 values: not generated;
    evaluated hot, they give the tree evaluator's value (by hand: x = 1 falls to the last branch, 150; the
    sum of 3 000 ones, 3 000)."""
    x = fx.Var("x")
    deep = fx.cond([(x.eq(float(k)), float(k)) for k in range(1000, 1150)], 150.0)
    wide = fx.Fn("SUM", tuple(fx.Var(f"v{k}") for k in range(3000)))
    env = engine.RulesEnv(None, None).with_vars(x=1.0, **{f"v{k}": 1.0 for k in range(3000)})
    for tree, want in ((deep, 150.0), (wide, 3000.0)):
        assert generate((tree,), single=True) is None
        for _ in range(fx._COMPILE_AT + 1):
            assert fx.evaluate_tree(tree, env) == want


def test_trees_evaluated_together_generated_as_one_function() -> None:
    """Several roots generated together (what evaluate_trees compiles): each root's value as the tree
    evaluator gives it, their shared subtree computed once (x read once), for many bindings of x."""
    x = fx.Var("x")
    s = x * x
    roots = (fx.IF(s.gt(4), s, fx.NOT(x.eq(""))), s + 1, fx.ISTEXT(x), x.ne(""))
    fn = generate(roots)
    assert fn is not None
    for value in POOL:
        env, bound = _Counting(), engine.scalar(value)
        env.var = lambda name, v=bound, e=env: (setattr(e, "reads", e.reads + 1), v)[1]
        want = []
        for root in roots:
            env.nodes = {}
            want.append(_interpreted(root, env))
        env.reads, env.nodes = 0, {}
        got = fn(env)
        assert all(_same(a, b) for a, b in zip(got, want, strict=True)) and env.reads == 1, (value, got, want)


def test_without_the_generator_hot_trees_run_as_closures() -> None:
    """formula.py without codegen installed (use_generator(None)): a hot tree runs as closures, the same
    value; codegen installs itself again."""
    x = fx.Var("x")
    tree = fx.IF(x.gt(0), x * 3, 0)
    env = engine.RulesEnv(None, None).with_vars(x=2.0)
    saved = fx._GENERATOR
    try:
        fx.use_generator(None)
        for _ in range(fx._COMPILE_AT + 1):
            assert fx.evaluate_tree(tree, env) == 6.0
        assert not hasattr(fx._COMPILED[id(tree)][1], "source")  # a closure, not a generated function
    finally:
        fx.use_generator(saved)
    assert fx._GENERATOR is generate
