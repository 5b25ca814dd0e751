"""Roll-up over the indicator tree (domain.md, IPK roll-up).

An indicator with `rollup == SUM` and `supports == P` is one addend (a pendukung) of P.

The rule (one place: `covers`, used by `used_realisasi`, the unit sheets mirror it): P takes the sum of
its pendukung's realisasi only when they COVER it, i.e. the sum of their targets reaches P's target less
the rounding tolerance n × 0,005. Otherwise (partial coverage, a pendukung or P without a target) P is
measured by its own reported realisasi; when that is empty its capaian is not computable, with a reason
that says so. Recursively: a pendukung contributes its own used realisasi (its pendukung's sum where they
cover it, else its own value). A negative realisasi is a data error: the value used is not computable.

Checks (one finding each):
- a parent's target against the sum of its children's targets, tolerance n × 0,005 for n children
  (two-decimal rounding moves a sum of n values by at most that much):
  * the sum is larger than the parent -> ROLLUP_TARGET_TIDAK_SESUAI (warning: every figure can still be
    computed, the plan is inconsistent);
  * the sum is smaller -> ROLLUP_CAKUPAN_SEBAGIAN (warning): the children cover only part of the parent,
    since the catalog of IPK sub-indicators is not complete (Hubungan Industrial has more than the three
    the seed lists). A parent whose children are *all* the IPK components of the reference (the IPK
    itself) is fully covered by definition, so a smaller sum there is ROLLUP_TARGET_TIDAK_SESUAI too;
    either way the parent is then measured by its own realisasi;
- an IPK component without any sub-indicator: KOMPONEN_TANPA_SUB (info): its realisasi is entered
  directly, nothing to add up;
- where the children cover the parent, its own realisasi against the sum of its children's
  (ROLLUP_REALISASI_TIDAK_SESUAI, warning): the sum is the one used;
- a component target above its maximum (Reference.ipk_components) -> TARGET_MELEBIHI_MAKS_KOMPONEN;
- links to unknown IDs, cycles, SUM links across kinds (a percentage cannot be an addend of an index).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from xl_sakip.core import graph
from xl_sakip.core import words as w
from xl_sakip.core.aggregate import NotANumber, PeriodValue, realisasi_to_date, to_number
from xl_sakip.core.capaian import Capaian, capaian_of, own_realisasi
from xl_sakip.core.engine import PLAIN, covers_rule, rolled_rule, run
from xl_sakip.core.findings import Finding, Locator, Severity
from xl_sakip.core.linking import find_component, is_ipk_indicator, is_ipk_value
from xl_sakip.core.models import Cascade, Indicator, IpkComponent, Kind, Reference, RollUp
from xl_sakip.core.numbers import fmt

ROUNDING = 0.005  # half a unit of the second decimal
_EPS = 1e-9


def tolerance(n: int) -> float:
    return n * ROUNDING + _EPS


# ---------------------------------------------------------------- the tree


def sum_links(links: Iterable[tuple[str, str | None, RollUp]]) -> dict[str, list[str]]:
    """THE roll-up graph: parent id -> the ids that are its addends, from (id, Mendukung ID, Roll-up)
    triples in table order. Only a "jumlah" link adds; "tidak" (the default) supports in substance only."""
    out: dict[str, list[str]] = {}
    for ind_id, supports, rollup in links:
        if rollup is RollUp.SUM and supports:
            out.setdefault(supports, []).append(ind_id)
    return out


def sum_children(indicators: list[Indicator]) -> dict[str, list[Indicator]]:
    """parent id -> its addends (rollup SUM), in table order (`sum_links`)."""
    by_id = {i.id: i for i in indicators}
    tree = sum_links((i.id, i.supports, i.rollup) for i in indicators)
    return {parent: [by_id[k] for k in kids] for parent, kids in tree.items()}


class Rolled(BaseModel):
    """A value rolled up from the leaves below a parent."""

    value: float | None = None
    leaves: list[str] = Field(default_factory=list)  # ids of the leaves that were added
    missing: list[str] = Field(default_factory=list)  # leaves without a value
    problem: str | None = None  # e.g. a cycle, or a leaf with text instead of a number

    def excel(self) -> float | str:
        """What a cell shows: the sum, or why there is none or why it is incomplete (Bahasa Indonesia)."""
        if self.problem:
            return f"tidak dapat dihitung: {self.problem}"
        if not self.leaves:
            return "tidak ada indikator pendukung"
        if self.value is None:
            return "tidak dapat dihitung: nilai pendukung kosong"
        if self.missing:
            return f"belum lengkap: nilai {', '.join(self.missing)} kosong"
        return self.value


def covers(parent_target: float | None, child_targets: Sequence[float | None]) -> bool:
    """THE roll-up rule (core/rules.covers): do the pendukung cover their parent, so that the parent takes
    their sum? Yes when the parent and every pendukung have a target and the pendukung's targets add up to
    at least the parent's less the rounding tolerance. A larger sum still covers (the plan is
    inconsistent, check says so); a smaller one is partial coverage: the parent keeps its own realisasi.
    """
    numbers = [t for t in child_targets if isinstance(t, int | float)]
    total = 0.0
    for t in numbers:  # in table order, as SUMIFS adds
        total += t
    return run(covers_rule(len(child_targets)), PLAIN, T=parent_target, n_with_target=len(numbers),
               sum_targets=total) is True


def rollup_sum(
    parent: str,
    children: dict[str, list[str]],
    value: Callable[[str], float | None],
    target: Callable[[str], float | None] | None = None,
) -> Rolled:
    """Sum of the values below `parent`; a child with children of its own contributes their sum.

    `value(id)` gives a node's value (None: missing). With `target(id)`, a child with children
    contributes their sum only when they cover its target (`covers`), else its own value: the rule of
    `used_realisasi`. Without it every leaf below is added (as for targets). A cycle gives a problem, not
    a recursion error.
    """
    out = Rolled()
    total = 0.0
    # Depth first, children in table order, without recursion: a stack of (path, remaining children).
    stack = [((parent,), iter(children.get(parent, [])))]
    while stack:
        path, todo = stack[-1]
        child = next(todo, None)
        if child is None:
            stack.pop()
            continue
        if child in path:
            out.problem = "siklus: " + " → ".join((*path, child))
            continue
        kids = children.get(child)
        if kids and (target is None or covers(target(child), [target(k) for k in kids])):
            stack.append(((*path, child), iter(kids)))
            continue
        out.leaves.append(child)
        v = value(child)
        if v is None:
            out.missing.append(child)
        else:
            total += v
    if out.leaves and len(out.missing) < len(out.leaves):
        out.value = total
    return out


def _ids_tree(cascade: Cascade) -> dict[str, list[str]]:
    return {p: [c.id for c in cs] for p, cs in sum_children(cascade.indicators).items()}


def on_cycle(children: dict[str, list[str]]) -> set[str]:
    """Ids that lie on a cycle of roll-up links (no realisasi can be rolled up through them)."""
    parent_of: dict[str, str | None] = {}
    for parent, kids in children.items():
        parent_of.setdefault(parent, None)
        for k in kids:
            parent_of[k] = parent
    return graph.on_cycle(parent_of)


def rolled_target(cascade: Cascade, parent_id: str) -> Rolled:
    """Sum of the leaf targets below a parent (recursive)."""
    by_id = {i.id: i for i in cascade.indicators}
    return rollup_sum(parent_id, _ids_tree(cascade), lambda i: by_id[i].target if i in by_id else None)


class Source(StrEnum):
    """Where the realisasi used for an indicator's capaian comes from."""

    OWN = "sendiri"  # an indicator without pendukung: its own realisasi
    PENDUKUNG = "pendukung"  # the pendukung cover the target: the sum of their realisasi
    PARTIAL = "sebagian"  # the pendukung cover only part of the target: its own realisasi


CYCLE = w.CYCLE
PARTIAL_EMPTY = w.PARTIAL_EMPTY


class Used(BaseModel):
    """The realisasi (to date) an indicator's capaian is computed from, and where it comes from."""

    pv: PeriodValue
    source: Source
    rolled: PeriodValue | None = None  # the pendukung's sum, for a parent (used or not)


class _Roll:
    """`used_realisasi` over one cascade and one `upto`, memoised (parents share pendukung), iterative."""

    def __init__(self, cascade: Cascade, upto: int, tree: dict[str, list[str]] | None,
                 by_id: dict[str, Indicator] | None) -> None:
        self.upto = upto
        self.tree = tree if tree is not None else _ids_tree(cascade)
        self.by_id = by_id if by_id is not None else {i.id: i for i in cascade.indicators}
        self.memo: dict[str, Used] = {}
        self.cyclic = on_cycle(self.tree)

    def kids(self, ind_id: str) -> list[str]:
        return [k for k in self.tree.get(ind_id, []) if k in self.by_id]

    def rolled(self, parent_id: str) -> PeriodValue | None:
        """The sum of the direct pendukung's used realisasi (core/rules.rolled); quarters missing in any
        are missing."""
        kids = self.kids(parent_id)
        if not kids:
            return None
        if parent_id in self.cyclic:
            return PeriodValue(upto=self.upto, problem=CYCLE)
        used = [self.used(k).pv for k in kids]
        missing = sorted({q for pv in used for q in pv.missing})
        pv = PeriodValue(upto=self.upto, missing=missing,
                         reported=[q for q in range(1, self.upto + 1) if q not in missing])
        values = {f"v{i}": (u.problem or u.value) for i, u in enumerate(used)}
        flags = {f"p{i}": 1 if u.problem else 0 for i, u in enumerate(used)}
        v = run(rolled_rule(len(kids)), PLAIN, **values, **flags)
        if isinstance(v, str) and v:
            pv.problem = v
        elif isinstance(v, float):
            pv.value = v
        return pv

    def used(self, ind_id: str) -> Used:
        stack = [ind_id]
        while stack:  # pendukung first, without recursion (a chain may be hundreds of levels deep)
            node = stack[-1]
            if node in self.memo:
                stack.pop()
                continue
            todo = [] if node in self.cyclic else [k for k in self.kids(node) if k not in self.memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            self.memo[node] = self._used(node)
        return self.memo[ind_id]

    def _used(self, ind_id: str) -> Used:
        ind = self.by_id[ind_id]
        kids = [self.by_id[k] for k in self.kids(ind_id)]
        if not kids:
            return Used(pv=own_realisasi(ind, self.upto), source=Source.OWN)
        if ind_id in self.cyclic:
            return Used(pv=PeriodValue(upto=self.upto, problem=CYCLE), source=Source.PENDUKUNG)
        rolled = self.rolled(ind_id)
        assert rolled is not None
        if covers(ind.target, [k.target for k in kids]):
            return Used(pv=rolled, source=Source.PENDUKUNG, rolled=rolled)
        return Used(pv=own_realisasi(ind, self.upto), source=Source.PARTIAL, rolled=rolled)


Walker = _Roll  # what `walker` returns (for callers' annotations)


def used_realisasi(
    cascade: Cascade,
    ind_id: str,
    upto: int | None = None,
    *,
    _tree: dict[str, list[str]] | None = None,
    _by_id: dict[str, Indicator] | None = None,
    _roll: _Roll | None = None,
) -> Used:
    """The realisasi to date an indicator is measured by (the rule of `covers`), and its source. `upto`:
    the reporting quarter of the settings unless given. `_roll`: a `walker` of the same cascade and
    `upto`, shared by a caller looping over many indicators."""
    if _roll is not None:
        return _roll.used(ind_id)
    return _Roll(cascade, upto or cascade.settings.reporting_quarter, _tree, _by_id).used(ind_id)


def walker(cascade: Cascade, upto: int | None = None, *, tree: dict[str, list[str]] | None = None,
           by_id: dict[str, Indicator] | None = None) -> _Roll:
    """One memoised walk of the roll-up links (cycles found once, each indicator's used realisasi
    computed once) for `used_realisasi` and `capaian_rolled` over many indicators of an unchanged cascade:
    a walk per call finds the cycles of the whole cascade again each time (quadratic in indicators)."""
    return _Roll(cascade, upto or cascade.settings.reporting_quarter, tree, by_id)


def used_all(cascade: Cascade, upto: int | None = None) -> dict[str, Used]:
    """`used_realisasi` of every indicator, in one walk (callers looping over a whole cascade)."""
    roll = _Roll(cascade, upto or cascade.settings.reporting_quarter, None, None)
    return {i.id: roll.used(i.id) for i in cascade.indicators if i.id in roll.by_id}


def rolled_realisasi(
    cascade: Cascade,
    parent_id: str,
    upto: int | None = None,
    *,
    _tree: dict[str, list[str]] | None = None,
    _by_id: dict[str, Indicator] | None = None,
) -> PeriodValue | None:
    """The sum of a parent's pendukung's realisasi to date (each pendukung's used realisasi, see
    `used_realisasi`); None when it has none. Whether the parent takes it is `covers`' decision."""
    return _Roll(cascade, upto or cascade.settings.reporting_quarter, _tree, _by_id).rolled(parent_id)


def capaian_rolled(
    cascade: Cascade,
    ind: Indicator,
    upto: int | None = None,
    *,
    _tree: dict[str, list[str]] | None = None,
    _by_id: dict[str, Indicator] | None = None,
    _roll: _Roll | None = None,
) -> Capaian:
    """Capaian of an indicator measured by its used realisasi (`used_realisasi`): a parent whose
    pendukung cover it by their sum, any other by its own realisasi.

    Callers looping over many indicators pass a `walker` (`_roll`, of the same `upto`), or at least
    `_tree` (`_ids_tree`) and `_by_id` once: without them each call rebuilds the tree from every indicator.
    """
    upto = upto or cascade.settings.reporting_quarter
    if _roll is not None and _roll.upto != upto:
        raise ValueError(f"a walker of TW{_roll.upto} asked for TW{upto}")
    used = used_realisasi(cascade, ind.id, upto, _tree=_tree, _by_id=_by_id, _roll=_roll)
    empty = w.PARTIAL_EMPTY if used.source is Source.PARTIAL else w.NO_REALISASI
    return capaian_of(ind, cascade.settings, cascade.reference, upto, used.pv, empty)


# ---------------------------------------------------------------- IPK components


def component_of(ind: Indicator, parent: Indicator | None, reference: Reference) -> IpkComponent | None:
    """The IPK component an indicator stands for: an IPK value that supports the IPK indicator itself.

    The level comes from the tree (a "Nilai Tingkat Produktivitas Tenaga Kerja" under a component is a
    sub-indicator even though it names the component); the component from the names (core/linking.py).
    """
    if parent is None or not is_ipk_indicator(parent) or not is_ipk_value(ind):
        return None
    found = find_component(ind, reference.ipk_components)
    if len(found) != 1:
        return None
    no = found.pop()
    return next(c for c in reference.ipk_components if c.no == no)


# ---------------------------------------------------------------- checks


def shared_walker(cascade: Cascade) -> _Roll | None:
    """One `walker` at the reporting quarter for `check_rollup` and the year's findings together (each
    pendukung's realisasi computed once for both), or None when an ID repeats: then each keeps its own
    walk, since they find a repeated ID's row differently (check_rollup the first, `walker` the last)."""
    ids = {i.id for i in cascade.indicators}
    return walker(cascade) if len(ids) == len(cascade.indicators) else None


def check_rollup(cascade: Cascade, locator: Locator | None = None, *, roll: _Roll | None = None
                 ) -> list[Finding]:
    """The roll-up findings. `roll`: a `shared_walker` of this cascade (or None: a walk of its own)."""
    loc = locator or Locator()
    ref = cascade.reference
    assert ref is not None
    by_id: dict[str, Indicator] = {}
    for ind in cascade.indicators:
        by_id.setdefault(ind.id, ind)
    out: list[Finding] = []

    def add(sev: Severity, code: str, ind: Indicator, msg: str, field: str = "supports", **nums) -> None:
        out.append(
            Finding(
                severity=sev,
                code=code,
                message=msg,
                position=ind.position,
                indicator_id=ind.id,
                cell=loc.indicator(ind.id, field),
                **nums,
            )
        )

    # Links
    for ind in cascade.indicators:
        if not ind.supports:
            if ind.rollup is RollUp.SUM:
                add(
                    Severity.WARNING,
                    "ROLLUP_TANPA_INDUK",
                    ind,
                    f"{ind.id}: Roll-up 'jumlah' tetapi Mendukung "
                    "ID kosong. Isi ID indikator yang didukung, atau ubah Roll-up menjadi 'tidak'.",
                    "rollup",
                )
            continue
        parent = by_id.get(ind.supports)
        if parent is None:
            add(
                Severity.ERROR,
                "LINK_TIDAK_DIKENAL",
                ind,
                f"{ind.id}: Mendukung ID '{ind.supports}' tidak ada di "
                "tabel Indikator. Perbaiki ID-nya atau kosongkan sel.",
            )
            continue
        if ind.rollup is RollUp.SUM and (ind.kind != parent.kind or Kind.GRADE in (ind.kind, parent.kind)):
            add(
                Severity.ERROR,
                "JENIS_TIDAK_COCOK",
                ind,
                f"{ind.id} ({ind.kind.value}) dijumlahkan ke "
                f"{parent.id} ({parent.kind.value}): hanya nilai berjenis sama (bukan predikat) yang dapat "
                "dijumlahkan. Samakan Jenis-nya atau ubah Roll-up menjadi 'tidak'.",
                "rollup",
            )

    # Cycles over all links (a cycle makes every roll-up through it meaningless)
    found = graph.cycles({i: by_id[i].supports for i in by_id})
    for cycle in found:
        add(
            Severity.ERROR,
            "SIKLUS_DUKUNGAN",
            by_id[cycle[0]],
            f"Rantai Mendukung ID berputar: {' → '.join([*cycle, cycle[0]])}. Putuskan salah satu tautan.",
        )
    in_cycle = {n for c in found for n in c}

    # Targets and realisasi against the children
    all_components = {c.no for c in ref.ipk_components}
    if roll is None:
        roll = _Roll(cascade, cascade.settings.reporting_quarter, _ids_tree(cascade), by_id)
    for parent_id, kids in sum_children(cascade.indicators).items():
        parent = by_id.get(parent_id)
        if parent is None or parent_id in in_cycle:
            continue
        n = len(kids)
        targets = [k.target for k in kids]
        if parent.target is not None and all(t is not None for t in targets):
            s = sum(targets)  # type: ignore[arg-type]
            diff = s - parent.target
            names = ", ".join(k.id for k in kids)
            covered = {c.no for k in kids if (c := component_of(k, parent, ref))}
            complete = bool(all_components) and all_components <= covered
            if diff > tolerance(n) or (diff < -tolerance(n) and complete):
                # A warning, not an error: every figure can still be computed; the plan is inconsistent.
                add(
                    Severity.WARNING,
                    "ROLLUP_TARGET_TIDAK_SESUAI",
                    parent,
                    f"Target {parent.id} {fmt(parent.target)} tidak sama dengan jumlah target {n} "
                    f"indikator pendukungnya ({names}) = {fmt(s)} (selisih {fmt(diff)}, toleransi "
                    f"pembulatan {fmt(tolerance(n), 3)}). Samakan target atasan dengan jumlahnya, atau "
                    "perbaiki target bawahan."
                    + (f" Selama jumlahnya kurang, capaian {parent.id} memakai realisasinya sendiri."
                       if diff < 0 else ""),
                    "target",
                    target=parent.target,
                    sum=round(s, 10),
                )
            elif diff < -tolerance(n):
                add(
                    Severity.WARNING,
                    "ROLLUP_CAKUPAN_SEBAGIAN",
                    parent,
                    f"Indikator pendukung {parent.id} ({names}) hanya menjumlah {fmt(s)} dari target "
                    f"{fmt(parent.target)}: mereka baru mencakup sebagian, jadi capaian {parent.id} memakai "
                    "realisasinya sendiri. Tambahkan sub-indikator yang belum ada, atau perbaiki targetnya.",
                    "target",
                    target=parent.target,
                    sum=round(s, 10),
                )
        used = roll.used(parent_id)
        own, rolled = realisasi_to_date(parent), used.rolled
        if (
            used.source is Source.PENDUKUNG  # only where the pendukung's sum is the one used
            and isinstance(own.value, float)
            and rolled is not None
            and rolled.value is not None
            and not rolled.missing
            and abs(own.value - rolled.value) > tolerance(n)
        ):
            add(
                Severity.WARNING,
                "ROLLUP_REALISASI_TIDAK_SESUAI",
                parent,
                f"Realisasi {parent.id} yang diisi ({fmt(own.value)}) berbeda dari jumlah realisasi "
                f"indikator pendukungnya ({fmt(rolled.value)}). "
                "Capaian memakai jumlah dari indikator pendukung; perbaiki salah satunya.",
                "realisasi_q.3",
                actual=own.value,
                sum=round(rolled.value, 10),
            )

    # IPK components: maximum and sub-indicators
    tree = sum_children(cascade.indicators)
    for ind in cascade.indicators:
        comp = component_of(ind, by_id.get(ind.supports or ""), ref)
        if comp is None:
            continue
        if ind.target is not None and ind.target > comp.max_value + _EPS:
            add(
                Severity.ERROR,
                "TARGET_MELEBIHI_MAKS_KOMPONEN",
                ind,
                f"Target {ind.id} {fmt(ind.target)} "
                f"melebihi nilai maksimum komponen IPK '{comp.name}' ({fmt(comp.max_value)}"
                f"{', sementara' if comp.provisional else ''}; lihat Ref_IPK). Periksa target atau nilai "
                "maksimumnya.",
                "target",
                target=ind.target,
                actual=comp.max_value,
            )
        if ind.rollup is RollUp.SUM and not tree.get(ind.id):
            add(
                Severity.INFO,
                "KOMPONEN_TANPA_SUB",
                ind,
                f"Komponen IPK '{comp.name}' ({ind.id}) tidak punya "
                "sub-indikator di cascading: realisasinya diisi langsung pada baris ini.",
                "indikator",
            )
    return out


def parse_value(v: object) -> float | None:
    """A cell value for `rollup_sum`: a number or None (text that is not a number counts as missing)."""
    try:
        return to_number(v)  # type: ignore[arg-type]
    except NotANumber:
        return None
