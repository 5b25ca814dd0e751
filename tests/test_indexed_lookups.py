"""Riwayat and Renstra looked up per indicator through an index (core/formula.py `_indexed_products`).

A regenerate of 2 000 indicators with five Renstra years and two Riwayat years each took 123 s instead of
11 s: every row of the Evaluasi Renja and LKjIP sheets computed SUMPRODUCT and MAX over the whole tables.
The index visits only the rows whose ID matches; closed factors (ISNUMBER(tblRiwayat[Tahun]), the row
offsets) are computed once per evaluation environment. The reference here is the evaluator's own general
path (every row visited; it is the one held to LibreOffice by the parity tests), on generated tables with
IDs in other cases, repeated rows, text and logicals in the year column, empty realisasi and errors.
"""

from __future__ import annotations

import random

import pytest

from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.engine import RulesEnv
from xl_sakip.core.models import Aggregation, Settings

N = 40  # more than the 16 rows under which no index is used


def _tables(rnd: random.Random, error: bool, dirty: bool) -> dict[str, dict[str, fx.Arr]]:
    ids = [rnd.choice(["P01-1.1", "p01-1.1", "P02-1.1", "1.1", "P03-2.1", ""]) for _ in range(N)]
    # `dirty`: text and logicals in the year column (what `*` refuses or takes as 1: the index steps aside)
    years: list[fx.Scalar] = [rnd.choice([2021.0, 2022.0, 2023.0, 2024.0, 2025.0, fx.EMPTY,
                                          *(("2022", True) if dirty else ())]) for _ in range(N)]
    values: list[fx.Scalar] = [rnd.choice([1.5, 0.0, 10.0, fx.EMPTY, "B", -2.0]) for _ in range(N)]
    if error:
        values[rnd.randrange(N)] = fx.NA
    hist = dict(zip(rules.HISTORY_HEADERS, (fx.Arr(ids), fx.Arr(years), fx.Arr(values), fx.Arr(values),
                                            fx.Arr([fx.EMPTY] * N)), strict=True))
    ren = dict(zip(rules.RENSTRA_HEADERS, (fx.Arr(ids), fx.Arr(years), fx.Arr(values),
                                           fx.Arr([fx.EMPTY] * N)), strict=True))
    return {rules.TABLE_HISTORY: hist, rules.TABLE_RENSTRA: ren}


FORMULAS = {
    "realisasi s.d. tahun lalu (jumlah)": rules.realisasi_to_last_year(Aggregation.SUM, fx.Var("id")),
    "realisasi tahun lalu": rules.realisasi_to_last_year(Aggregation.LATEST, fx.Var("id")),
    "tahun akhir Renstra": rules.renstra_final_year(fx.Var("id")),
    "target akhir Renstra": rules.renstra_final_target(fx.Var("id")),
    "realisasi 2022": rules.past_realisasi(fx.Var("id"), fx.lift(2022.0)),
}


def _value(tree: fx.Expr, tables: dict, key: fx.Scalar, cache: bool) -> fx.Value:
    env = RulesEnv(Settings(year=2024), None, tables=tables).with_vars(id=key)
    if cache:
        env.closed = {}  # as a workbook's evaluation keeps it
    return fx.evaluate(tree, env, once=True)


def _same(a: fx.Value, b: fx.Value) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and abs(a - b) < 1e-9))


@pytest.mark.parametrize("seed", range(40))
def test_the_index_gives_what_every_row_gives(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    tables = _tables(rnd, error=seed % 5 == 0, dirty=seed % 3 == 0)
    keys = ["P01-1.1", "P02-1.1", "1.1", "P09-9.9", 1.1]
    indexed = {(n, k): _value(t, tables, k, cache=True) for n, t in FORMULAS.items() for k in keys}
    monkeypatch.setattr(fx, "_indexed_products", lambda args, env: None)  # every row visited
    for (name, key), got in indexed.items():
        want = _value(FORMULAS[name], tables, key, cache=False)
        assert _same(got, want), (seed, name, key, got, want)


def test_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Riwayat of P01-1.1: 2021 realisasi 4, 2022 realisasi 6 (as p01-1.1), 2023 (this year's row, not
    counted) 5; 20 rows of other indicators. Renstra of P01-1.1: 2021-2025, the last target 90."""
    ids = ["P01-1.1", "p01-1.1", "P01-1.1"] + [f"P02-{k}.1" for k in range(20)]
    years = [2021.0, 2022.0, 2023.0] + [2021.0] * 20
    real = [4.0, 6.0, 5.0] + [1.0] * 20
    hist = dict(zip(rules.HISTORY_HEADERS, (fx.Arr(ids), fx.Arr(years), fx.Arr(real), fx.Arr(real),
                                            fx.Arr([fx.EMPTY] * 23)), strict=True))
    r_ids = ["P01-1.1"] * 5 + [f"P02-{k}.1" for k in range(20)]
    r_years = [2021.0, 2022.0, 2023.0, 2024.0, 2025.0] + [2026.0] * 20
    r_target = [50.0, 60.0, 70.0, 80.0, 90.0] + [1.0] * 20
    ren = dict(zip(rules.RENSTRA_HEADERS, (fx.Arr(r_ids), fx.Arr(r_years), fx.Arr(r_target),
                                           fx.Arr([fx.EMPTY] * 25)), strict=True))
    tables = {rules.TABLE_HISTORY: hist, rules.TABLE_RENSTRA: ren}
    env = RulesEnv(Settings(year=2023), None, tables=tables).with_vars(id="P01-1.1")
    env.closed = {}
    used: list[bool] = []
    real_index = fx._indexed_products
    monkeypatch.setattr(fx, "_indexed_products",
                        lambda args, env: used.append((got := real_index(args, env)) is not None) or got)
    assert fx.evaluate(FORMULAS["realisasi s.d. tahun lalu (jumlah)"], env) == 10.0  # 4 + 6, not 2023's
    assert fx.evaluate(FORMULAS["realisasi tahun lalu"], env) == 6.0
    assert fx.evaluate(FORMULAS["tahun akhir Renstra"], env) == 2025.0
    assert fx.evaluate(FORMULAS["target akhir Renstra"], env) == 90.0
    assert fx.evaluate(FORMULAS["realisasi 2022"], env) == 6.0
    assert used.count(True) >= 5  # through the index, each of them


def _budget(rnd: random.Random, error: bool) -> dict[str, dict[str, fx.Arr]]:
    """tblAnggaran of N rows: codes nested by dots (in other cases, a number for a code, repeats), levels,
    pagu with empty and text cells, pagu perubahan mostly empty."""
    codes: list[fx.Scalar] = [rnd.choice(["1", "1.1", "1.1.1", "1.1.2", "1.10", "1.10.1", "A.1", "a.1.1", "2",
                                          "2.1.1", 1.1, "1.1.1.1", ""]) for _ in range(N)]
    levels = [rnd.choice([rules.SUB_LEVEL, "kegiatan", "program", "Sub Kegiatan"]) for _ in range(N)]

    def amounts(empty: float) -> fx.Arr:
        return fx.Arr(fx.EMPTY if rnd.random() < empty else rnd.choice([1e6, 2.5e6, 0.0, "catatan"])
                      for _ in range(N))

    cols = {rules.BUDGET_LEVEL_HEADER: fx.Arr(levels), rules.BUDGET_CODE_HEADER: fx.Arr(codes),
            rules.BUDGET_PAGU_HEADER: amounts(0.2), rules.BUDGET_PAGU_P_HEADER: amounts(0.8),
            **{h: amounts(0.3) for h in rules.BUDGET_SPENT_HEADERS}}
    if error:
        cols[rules.BUDGET_PAGU_HEADER][rnd.randrange(N)] = fx.VALUE
    return {rules.TABLE_BUDGET: cols}


BUDGET = {
    "pagu": rules.budget_pagu(fx.Var("code")),
    "realisasi s.d. TW": rules.budget_spent(fx.Var("code")),
    "realisasi TW2": rules.budget_quarter(fx.Var("code"), 2),
    "pagu dua kode": rules.over_codes(rules.budget_pagu, ["1.1", "A.1"]),
}


@pytest.mark.parametrize("seed", range(30))
def test_budget_rows_through_the_index_give_what_every_row_gives(seed: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(1000 + seed)
    tables = _budget(rnd, error=seed % 7 == 0)
    codes = ["1", "1.1", "a.1", "1.10", "2.1", "9", 1.1]

    def value(tree: fx.Expr, code: fx.Scalar, keep: bool) -> fx.Value:
        env = RulesEnv(Settings(year=2024), None, tables=tables, keep_closed=keep).with_vars(code=code)
        return fx.evaluate(tree, env, once=True)

    kept = {(n, c): value(t, c, True) for n, t in BUDGET.items() for c in codes}
    monkeypatch.setattr(fx, "_indexed_products", lambda args, env: None)  # every row visited
    for (name, code), got in kept.items():
        want = value(BUDGET[name], code, False)
        assert _same(got, want), (seed, name, code, got, want)


def test_budget_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sub Kegiatan 1.1.1 (pagu 10) and 1.1.2 (pagu 20, perubahan 25) under Kegiatan 1.1; 1.10.1 (pagu 40)
    is not under 1.1; 20 rows of program 2. The pagu in force of 1.1 is 10 + 25 = 35."""
    codes = ["1.1", "1.1.1", "1.1.2", "1.10.1"] + [f"2.{k}.1" for k in range(20)]
    levels = ["kegiatan"] + [rules.SUB_LEVEL] * 23
    pagu = [fx.EMPTY, 10.0, 20.0, 40.0] + [1.0] * 20
    pagu_p = [fx.EMPTY, fx.EMPTY, 25.0, fx.EMPTY] + [fx.EMPTY] * 20
    cols = {rules.BUDGET_LEVEL_HEADER: fx.Arr(levels), rules.BUDGET_CODE_HEADER: fx.Arr(codes),
            rules.BUDGET_PAGU_HEADER: fx.Arr(pagu), rules.BUDGET_PAGU_P_HEADER: fx.Arr(pagu_p),
            **{h: fx.Arr([fx.EMPTY] * 24) for h in rules.BUDGET_SPENT_HEADERS}}
    env = RulesEnv(None, None, tables={rules.TABLE_BUDGET: cols}, keep_closed=True)
    used: list[bool] = []
    real = fx._either
    monkeypatch.setattr(fx, "_either", lambda e, env: used.append((got := real(e, env)) is not None) or got)
    assert fx.evaluate(BUDGET["pagu"], env.with_vars(code="1.1")) == 35.0
    assert fx.evaluate(BUDGET["pagu"], env.with_vars(code="1.10")) == 40.0
    assert fx.evaluate(BUDGET["pagu"], env.with_vars(code="2")) == 20.0
    assert used and all(used)  # the code's rows through the index


ORDERED = ['SUMPRODUCT(t[B],t[D],--((t[A]="x")*t[C]))',
           'SUMPRODUCT((t[A]="x")*t[B]*t[C],(t[A]="x")*t[D]*t[E])',
           'SUMPRODUCT((t[A]="x")*(t[B]*t[C]*t[D]))', 'SUMPRODUCT((t[A]="x")*t[B]*(t[C]*t[D]))',
           'MAX((t[A]="x")*t[B])', 'MAX((t[A]="x")*t[B]*t[C])']


@pytest.mark.parametrize("text", ORDERED)
def test_the_same_float_to_the_last_digit_and_the_same_zero(text: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by review: the index multiplied a row's factors in another order than the tree
    (382.32000000000005 for 382.32), and gave MAX 0.0 where every row's product was -0.0 or less (a
    negative factor)."""
    rnd = random.Random(text)
    n = 17

    def run(cols: dict, fast: bool) -> fx.Value:
        env = RulesEnv(None, None, tables={"t": {h: fx.Arr(v) for h, v in cols.items()}},
                       keep_closed=fast).with_vars()
        return fx.evaluate(fx.parse("=" + text), env, once=True)

    cases = []
    for _ in range(300):
        b, c, d, e = (round(rnd.uniform(-10, 10), rnd.randint(1, 3)) for _ in range(4))
        a = rnd.choice([["x"] + ["y"] * (n - 1), ["y"] * n, ["y", "x"] + ["y"] * (n - 2)])
        cases.append({"A": a, "B": [b] * n, "C": [c] * n, "D": [d] * n, "E": [e] * n})
    fast = [run(c, True) for c in cases]
    monkeypatch.setattr(fx, "_indexed_products", lambda args, env: None)
    for cols, got in zip(cases, fast, strict=True):
        want = run(cols, False)
        assert repr(got) == repr(want), (text, cols["B"][0], got, want)
