"""The Python back end of the rules: core/rules.py evaluated on model values.

A rule's tree is built once per static choice (kind, polarity, aggregation, quarters) with variables
(`Var`) where the sheets have cells, then evaluated with the values bound. Reference tables and settings
(Ref_Kategori, Ref_Predikat, setBatasCapaian ...) resolve from the model, exactly as the workbook's cells
would hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from xl_sakip.core import rules
from xl_sakip.core.budget import BudgetItem, PkTarget, PkVersion
from xl_sakip.core.formula import EMPTY, Arr, Env, Expr, Scalar, Value, Var, evaluate_tree
from xl_sakip.core.models import Aggregation, Kind, Polarity, Reference, Settings


def scalar(v: Any) -> Scalar:
    """A model value as a cell holds it: None is empty, ints are numbers."""
    if v is None:
        return EMPTY
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    return v


def _bound(variables: Mapping[str, Any]) -> dict[str, Value]:
    """Variables as cells hold them (`scalar`), converted once when bound: a rule's tree reads a variable
    at each of its occurrences, many more times than it is bound (a third of the time of `check`'s capaian
    went to converting the same values again)."""
    out: dict[str, Value] = {}
    for k, v in variables.items():
        t = type(v)
        # `scalar`, with its commonest cases first: a number or text as it is, None the empty value
        out[k] = (v if t is float or t is str else EMPTY if v is None else
                  v if isinstance(v, Arr) else scalar(v))
    return out


class RulesEnv(Env):
    """Reference tables and settings from the model; variables bound by name."""

    def __init__(self, settings: Settings | None, reference: Reference | None,
                 variables: Mapping[str, Any] | None = None, budget: Sequence[BudgetItem] = (),
                 pk: tuple[Sequence[PkVersion], Sequence[PkTarget]] = ((), ()),
                 tables: Mapping[str, Mapping[str, Arr]] | None = None, keep_closed: bool = False) -> None:
        """`keep_closed`: keep the values of closed subtrees (a table's column, LEFT of it ...) across the
        evaluations of this environment and of those `with_vars` makes from it (`Env.closed`): for a caller
        that evaluates a rule over the same tables for many rows (the PK's budget rows)."""
        self.closed = {} if keep_closed else None
        self.settings = settings or Settings()
        self._reference = reference
        self.variables = _bound(variables or {})
        self.budget = tuple(budget)  # the Anggaran table (issue 15)
        self.pk = (tuple(pk[0]), tuple(pk[1]))  # the Versi PK tables (issue 15)
        self.tables = dict(tables or {})  # further tables by name -> column -> values (Renstra, Riwayat)

    @property
    def reference(self) -> Reference:
        if self._reference is None:  # built on first use: most rules read no reference table
            from xl_sakip.core.reference import default_reference

            self._reference = default_reference()
        return self._reference

    def with_vars(self, **variables: Any) -> RulesEnv:
        env = RulesEnv.__new__(RulesEnv)
        env.settings, env._reference = self.settings, self._reference
        env.budget = self.budget
        env.pk = self.pk
        env.tables = self.tables
        env.closed = self.closed
        env.variables = _bound(variables)
        return env

    def with_quarters(self, quarters: Mapping[str, Sequence[Any]], **variables: Any) -> RulesEnv:
        """`with_vars(**quarter_vars(prefix, values) for each prefix, **variables)`, the quarters bound
        straight into the environment (the core binds them for every indicator, several times)."""
        env = self.with_vars(**variables)
        bound = env.variables
        for prefix, values in quarters.items():
            names = _quarter_names(prefix)
            if len(values) < 4:
                values = (*values, None, None, None, None)
            for name, v in zip(names, values):  # noqa: B905 (the first four; strict= costs a third here)
                t = type(v)
                bound[name] = (v if t is float or t is str else EMPTY if v is None else
                               v if isinstance(v, Arr) else scalar(v))
        return env

    def var(self, name: str) -> Value:
        return self.variables[name]

    def var_reader(self) -> Callable[[str], Value]:
        if type(self).var is RulesEnv.var:
            return self.variables.__getitem__  # `var`, without a Python call per variable read
        return self.var  # a subclass's own

    def table_column(self, table: str, column: str) -> Arr:
        ref = self.reference
        if table == rules.TABLE_BANDS:
            field = ("label", "lower", "upper")[rules.BAND_HEADERS.index(column)]
            return Arr(scalar(getattr(b, field)) for b in ref.bands)
        if table == rules.TABLE_GRADES:
            field = ("scale", "code", "score", "description")[rules.GRADE_HEADERS.index(column)]
            return Arr(scalar(getattr(g, field)) for g in ref.grades)
        if table in self.tables:
            return self.tables[table][column]
        if table == rules.TABLE_BUDGET:
            return budget_column(self.budget, column)
        if table == rules.TABLE_PK_VERSIONS:
            k = rules.PK_VERSION_HEADERS.index(column)
            return Arr(scalar((v.name, v.variant.value, date_serial(v.date), v.reason)[k])
                       for v in self.pk[0])
        if table == rules.TABLE_PK_TARGETS:
            k = rules.PK_TARGET_HEADERS.index(column)
            return Arr(scalar((x.version, x.indicator_id, x.target, x.note)[k]) for x in self.pk[1])
        raise KeyError(f"{table}[{column}]")

    def table_rows(self, table: str) -> Arr:
        if table in self.tables:
            n = len(next(iter(self.tables[table].values()), Arr()))
        else:
            n = len(self.reference.bands if table == rules.TABLE_BANDS else self.reference.grades)
        return Arr(float(k) for k in range(1, n + 1))

    def name(self, name: str) -> Scalar:
        if name == rules.NAME_CAP:
            return scalar(self.settings.capaian_cap)
        if name == rules.NAME_LOWER_FORMULA:
            return self.settings.lower_is_better_formula
        if name == rules.NAME_ABOVE_LABEL:
            return self.reference.above_target_label or EMPTY
        if name == rules.NAME_QUARTER:
            return float(self.settings.reporting_quarter)
        if name == rules.NAME_QUARTER_IN_FORCE:  # the Pengaturan cell's own formula, on these settings
            v = evaluate_tree(rules.QUARTER_IN_FORCE, self)
            return v if not isinstance(v, Arr) else (v[0] if v else EMPTY)
        if name == rules.NAME_EFFICIENCY:
            return self.settings.efficiency_formula
        if name == rules.NAME_YEAR:
            return float(self.settings.year)
        raise KeyError(name)


def date_serial(d: date | None) -> float | None:
    """A date as the serial number a cell holds (1900 system)."""
    return None if d is None else float((d - date(1899, 12, 30)).days)


def _code_cell(b: BudgetItem) -> str | float:
    """The Kode cell of a budget row: its text, or the number it holds (code_is_number)."""
    if b.code_is_number:
        try:
            return float(b.code)
        except ValueError:
            pass
    return b.code


def budget_column(budget: Sequence[BudgetItem], column: str) -> Arr:
    """A column of tblAnggaran as the workbook holds it, from the model."""
    if column == rules.BUDGET_LEVEL_HEADER:
        return Arr(b.level.value for b in budget)
    if column == rules.BUDGET_CODE_HEADER:
        # A code stored as a number (ANGGARAN_KODE_ANGKA) is that number in the workbook: "=" never
        # meets it with the text of the code.
        return Arr(_code_cell(b) for b in budget)
    if column == rules.BUDGET_PAGU_HEADER:
        return Arr(scalar(b.pagu) for b in budget)
    if column == rules.BUDGET_PAGU_P_HEADER:
        return Arr(scalar(b.pagu_perubahan) for b in budget)
    q = rules.BUDGET_SPENT_HEADERS.index(column)
    return Arr(scalar(b.spent_q[q]) for b in budget)


PLAIN = RulesEnv(None, None)  # default settings and reference: for rules that read neither


def run(rule: Expr, env: RulesEnv, **variables: Any) -> Any:
    """A rule's value: a number, text, a logical or an error; None where it is an empty value."""
    return run_bound(rule, env.with_vars(**variables))


def run_bound(rule: Expr, env: RulesEnv) -> Any:
    """`run` on an environment whose variables are already bound (several rules of the same inputs)."""
    return result(evaluate_tree(rule, env))


def result(v: Value) -> Any:
    """A rule's value as `run` gives it: an array's first element; None for an empty value."""
    if isinstance(v, Arr):
        v = v[0] if v else EMPTY
    return None if v is EMPTY else v


# ------------------------------------------------------------------ the rules with variables

TW = tuple(Var(f"tw{q}") for q in range(1, 5))
TQ = tuple(Var(f"tq{q}") for q in range(1, 5))
NUM = tuple(Var(f"num{q}") for q in range(1, 5))
DEN = tuple(Var(f"den{q}") for q in range(1, 5))
ANNUAL, R, T, U, EMPTY_REASON, K = (Var(n) for n in ("annual", "R", "T", "U", "empty", "K"))
NO_TARGET = Var("no_target")
REPORTING = 0  # `upto` of the rules as the sheets hold them: all four quarters and setTriwulanBerlaku


class PeriodRules:
    """Aggregation rules over quarters 1..upto of one kind of indicator.

    The core slices the quarters (upto 1..4, the reporting quarter of the settings); `upto=REPORTING`
    gives the trees the sheets hold, with every quarter and the reporting quarter's name (parity tests)."""

    def __init__(self, kind: Kind, aggregation: Aggregation, upto: int) -> None:
        n = 4 if upto == REPORTING else upto
        q = rules.REPORTING_QUARTER if upto == REPORTING else None
        tw, num, den, tq = TW[:n], NUM[:n], DEN[:n], TQ[:n]
        self.reported = rules.reported(kind, aggregation, tw, num, den, q)
        self.realisasi = rules.realisasi(kind, aggregation, tw, num, den, q)
        self.negative = rules.negative(kind, aggregation, tw, num, den, q)
        self.target = rules.target(kind, aggregation, tq, ANNUAL, self.reported, TQ, q)
        self.own = rules.own_realisasi(self.realisasi, self.negative)
        self.missing = rules.missing(self.reported, q)
        # The two readings (issue 14): the annual target and the Rencana Aksi target of the period.
        self.annual = rules.annual_target(kind, ANNUAL)
        self.target_ra = rules.target_rencana_aksi(kind, aggregation, tq, self.reported, TQ, q)
        self.no_target_ra = rules.no_target_rencana_aksi(TQ)


@lru_cache(maxsize=256)
def period_rules(kind: Kind, aggregation: Aggregation, upto: int) -> PeriodRules:
    return PeriodRules(kind, aggregation, upto)


@lru_cache(maxsize=64)
def capaian_rules(kind: Kind, polarity: Polarity) -> tuple[Expr, Expr]:
    """(reason, value) of a capaian with variables R, T, U, the empty and the no-target reasons."""
    return (rules.capaian_reason(kind, polarity, R, T, U, EMPTY_REASON, no_target=NO_TARGET),
            rules.capaian_value(kind, polarity, R, T, U))


@lru_cache(maxsize=64)
def capaian_trees(kind: Kind, polarity: Polarity) -> tuple[Expr, Expr, Expr]:
    """(reason, value, capped value): `capaian_rules` and `rules.capped` of its value, evaluated
    together on one environment (formula.evaluate_trees: the value computed once for both)."""
    reason, value = capaian_rules(kind, polarity)
    return reason, value, rules.capped(value)


@lru_cache(maxsize=8)
def single_value_rule(kind: Kind) -> Expr:
    return rules.single_realisasi(R, kind)


@lru_cache(maxsize=1)
def category_rule() -> Expr:
    return rules.category(K)


@lru_cache(maxsize=64)
def covers_rule(n: int) -> Expr:
    return rules.covers(T, n, Var("n_with_target"), Var("sum_targets"))


@lru_cache(maxsize=64)
def rolled_rule(n: int) -> Expr:
    """rules.rolled over n pendukung: their used realisasi v0.. and problem flags p0.."""
    return rules.rolled([Var(f"v{i}") for i in range(n)], [Var(f"p{i}") for i in range(n)])


_QUARTER_NAMES: dict[str, tuple[str, ...]] = {}


def _quarter_names(prefix: str) -> tuple[str, ...]:
    names = _QUARTER_NAMES.get(prefix)
    if names is None:  # the names made once per prefix: they are bound several times per indicator
        names = _QUARTER_NAMES[prefix] = tuple(f"{prefix}{q}" for q in range(1, 5))
    return names


def quarter_vars(prefix: str, values: list[Any]) -> dict[str, Any]:
    """{prefix1: values[0], ... prefix4: values[3]}, None past the end of `values`."""
    names = _quarter_names(prefix)
    if len(values) >= 4:
        return dict(zip(names, values, strict=False))  # the first four
    return {name: values[k] if k < len(values) else None for k, name in enumerate(names)}
