"""SUMPRODUCT's indexed path (core/formula._sumproduct_indexed): the IDs and codes the sheets match with
"=" are counted through the range's index, visiting only the rows "=" picks. Its answer must be the one of
the plain path, which visits every row: the same formulas with a factor that makes them take the plain
path (`*1`), on generated ranges (IDs differing by case, number-like text beside numbers, empty cells and
"", zero, TRUE, an occasional error) of more and fewer than 16 rows.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_sakip.core import formula as fx
from xl_sakip.core.engine import RulesEnv, run

POOL = ["X-1.1", "x-1.1", "X-1.1 ", "1.1", 1.1, "1.10", 0.0, "", fx.EMPTY, True, "jumlah", "Jumlah", 5.0]
cells = st.sampled_from(POOL)
c, d, v, x, y = (fx.Var(n) for n in ("c", "d", "v", "x", "y"))
# (indexed form, plain form): the plain form's "*1" is not a comparison, so every row is visited.
FORMS = [
    (fx.SUMPRODUCT(fx.ones(c.eq(x))), fx.SUMPRODUCT(c.eq(x) * 1)),
    (fx.SUMPRODUCT(fx.ones(x.eq(c))), fx.SUMPRODUCT(x.eq(c) * 1)),
    (fx.SUMPRODUCT(c.eq(x) * d.eq(y)), fx.SUMPRODUCT(c.eq(x) * d.eq(y) * 1)),
    (fx.SUMPRODUCT(c.eq(x) * d.eq(y), v), fx.SUMPRODUCT(c.eq(x) * d.eq(y) * 1, v)),
    (fx.SUMPRODUCT(c.eq(x) * d.ne(""), v), fx.SUMPRODUCT(c.eq(x) * d.ne("") * 1, v)),
    (fx.SUMPRODUCT(c.eq(x) * v.gt(y)), fx.SUMPRODUCT(c.eq(x) * v.gt(y) * 1)),
]


@st.composite
def tables(draw: st.DrawFn) -> tuple[fx.Arr, fx.Arr, fx.Arr]:
    n = draw(st.sampled_from([0, 3, 16, 17, 40]))
    col = st.lists(cells, min_size=n, max_size=n)
    values = st.lists(st.one_of(cells, st.floats(-1e6, 1e6), st.just(fx.NA) if draw(st.booleans())
                                else st.just(1.0)), min_size=n, max_size=n)
    return fx.Arr(draw(col)), fx.Arr(draw(col)), fx.Arr(draw(values))


@settings(max_examples=300, deadline=None)
@given(tables(), cells, cells)
def test_the_indexed_path_equals_the_plain_one(t: tuple[fx.Arr, fx.Arr, fx.Arr], kx: object,
                                               ky: object) -> None:
    env = RulesEnv(None, None)
    for fast, plain in FORMS:
        bound = {"c": fx.Arr(t[0]), "d": fx.Arr(t[1]), "v": fx.Arr(t[2]), "x": kx, "y": ky}
        a = run(fast, env, **bound)
        b = run(plain, env, **bound)
        assert a == b or (isinstance(a, fx.XlError) and a is b), (fast, bound, a, b)


def test_by_hand() -> None:
    """20 rows: "X-1.1" on rows 1-5 with values 1..5, "x-1.1" on row 6 (value 10), "1.1" (text) on row 7
    (100), the number 1.1 on row 8 (1000), the rest empty. X-1.1 counts 6 and sums 25; "1.1" counts 1
    (the text, not the number); 1.1 the number counts 1; "" uses the plain path (empty cells equal it)."""
    col = fx.Arr(["X-1.1"] * 5 + ["x-1.1", "1.1", 1.1] + [fx.EMPTY] * 12)
    val = fx.Arr([1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 100.0, 1000.0] + [7.0] * 12)
    env = RulesEnv(None, None)
    count, total = fx.SUMPRODUCT(fx.ones(c.eq(x))), fx.SUMPRODUCT(fx.ones(c.eq(x)), v)
    assert [run(count, env, c=col, x=k) for k in ("X-1.1", "1.1", 1.1, "")] == [6.0, 1.0, 1.0, 12.0]
    assert [run(total, env, c=col, v=val, x=k) for k in ("x-1.1", "1.1", 1.1, "")] == [25.0, 100.0, 1000.0,
                                                                                       84.0]


TC, TD, TV = (fx.TableCol("t", h) for h in ("c", "d", "v"))
# The same forms over a table's columns: a range of up to 16 rows is visited row by row without the index
# first evaluating its factors (formula._small), a longer one through the index.
TABLE_FORMS = [
    (fx.SUMPRODUCT(fx.ones(TC.eq(x))), fx.SUMPRODUCT(TC.eq(x) * 1)),
    (fx.SUMPRODUCT(TC.eq(x) * TD.eq(y), TV), fx.SUMPRODUCT(TC.eq(x) * TD.eq(y) * 1, TV)),
    (fx.SUMPRODUCT((TC.eq("") + TC.lt(x)).gt(0) * TD.ne("")),
     fx.SUMPRODUCT((TC.eq("") + TC.lt(x)).gt(0) * TD.ne("") * 1)),
    (fx.SUMPRODUCT(fx.ones(TC.eq(x)) * TV), fx.SUMPRODUCT(fx.ones(TC.eq(x)) * TV * 1)),
]


@settings(max_examples=200, deadline=None)
@given(tables(), cells, cells)
def test_table_forms_small_and_large(t: tuple[fx.Arr, fx.Arr, fx.Arr], kx: object, ky: object) -> None:
    env = RulesEnv(None, None, tables={"t": {"c": t[0], "d": t[1], "v": t[2]}})
    for fast, plain in TABLE_FORMS:
        for _ in range(4):  # evaluated again and again, the rule is compiled (thunk nodes) on its third
            a, b = run(fast, env, x=kx, y=ky), run(plain, env, x=kx, y=ky)
            assert a == b or (isinstance(a, fx.XlError) and a is b), (fast, t, kx, ky, a, b)


class _CountingEnv(fx.Env):
    """Cells A1:A40 hold "k" on rows 1, 3, 5 ... and 2.0 elsewhere; counts the reads."""

    def __init__(self) -> None:
        self.reads = 0

    def cell(self, sheet: str | None, col: int, row: int) -> fx.Scalar:
        self.reads += 1
        return "k" if row % 2 else 2.0


def test_a_small_range_is_read_once() -> None:
    """SUMPRODUCT((A1:A5="k")*(A1:A5<>"")): 3 rows hold "k". A range of 5 rows takes the plain path,
    which reads its 5 cells once per use (10 reads); the index's try would read them as well first, and
    found the range too short only afterwards (20 reads). A range of 40 rows takes the index (20 "k")."""
    a5 = fx.Area(fx.Cell(1, 1), fx.Cell(1, 5))
    env = _CountingEnv()
    assert fx.evaluate(fx.SUMPRODUCT(a5.eq("k") * a5.ne("")), env) == 3.0
    assert env.reads == 10
    a40 = fx.Area(fx.Cell(1, 1), fx.Cell(1, 40))
    env = _CountingEnv()
    assert fx.evaluate(fx.SUMPRODUCT(a40.eq("k") * a40.ne("")), env) == 20.0
