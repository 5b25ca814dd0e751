"""Roll-up over the indicator tree (domain.md, IPK roll-up).

An indicator with `rollup == SUM` and `supports == P` is one addend of P: P's value is the sum of its
children's values (recursively: a child that has children of its own contributes their sum).

Checks (one finding each):
- a parent's target against the sum of its children's targets, tolerance n × 0,005 for n children
  (two-decimal rounding moves a sum of n values by at most that much):
  * the sum is larger than the parent -> ROLLUP_TARGET_TIDAK_SESUAI (warning: every figure can still be
    computed, the plan is inconsistent);
  * the sum is smaller -> ROLLUP_CAKUPAN_SEBAGIAN (warning): the children cover only part of the parent,
    since the catalog of IPK sub-indicators is not complete (Hubungan Industrial has more than the three
    the seed lists). A parent whose children are *all* the IPK components of the reference (the IPK
    itself) is fully covered by definition, so a smaller sum there is ROLLUP_TARGET_TIDAK_SESUAI too;
- an IPK component without any sub-indicator: KOMPONEN_TANPA_SUB (info): its realisasi is entered
  directly, nothing to add up;
- a parent's own realisasi against the sum of its children's (ROLLUP_REALISASI_TIDAK_SESUAI, warning):
  where children exist, the rolled-up value is the one used;
- a component target above its maximum (Reference.ipk_components) -> TARGET_MELEBIHI_MAKS_KOMPONEN;
- links to unknown IDs, cycles, SUM links across kinds (a percentage cannot be an addend of an index).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from xl_sakip.core.aggregate import NotANumber, PeriodValue, realisasi_to_date, to_number
from xl_sakip.core.capaian import Capaian, capaian_of
from xl_sakip.core.findings import Finding, Locator, Severity
from xl_sakip.core.linking import find_component, is_ipk_indicator, is_ipk_value
from xl_sakip.core.models import QUARTERS, Cascade, Indicator, IpkComponent, Kind, Reference, RollUp
from xl_sakip.core.numbers import fmt

ROUNDING = 0.005  # half a unit of the second decimal
_EPS = 1e-9


def tolerance(n: int) -> float:
    return n * ROUNDING + _EPS


# ---------------------------------------------------------------- the tree


def sum_children(indicators: list[Indicator]) -> dict[str, list[Indicator]]:
    """parent id -> its addends (rollup SUM), in table order."""
    out: dict[str, list[Indicator]] = {}
    for ind in indicators:
        if ind.rollup is RollUp.SUM and ind.supports:
            out.setdefault(ind.supports, []).append(ind)
    return out


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


def rollup_sum(parent: str, children: dict[str, list[str]], value: Callable[[str], float | None]) -> Rolled:
    """Sum of the leaf values below `parent`; a child with children contributes their sum.

    `value(id)` gives a leaf's value (None: missing). A cycle gives a problem, not a recursion error.
    """
    out = Rolled()
    total = 0.0

    def walk(node: str, path: tuple[str, ...]) -> None:
        nonlocal total
        for child in children.get(node, []):
            if child in path:
                out.problem = "siklus: " + " → ".join((*path, child))
                continue
            if children.get(child):
                walk(child, (*path, child))
                continue
            out.leaves.append(child)
            v = value(child)
            if v is None:
                out.missing.append(child)
            else:
                total += v

    walk(parent, (parent,))
    if out.leaves and len(out.missing) < len(out.leaves):
        out.value = total
    return out


def _ids_tree(cascade: Cascade) -> dict[str, list[str]]:
    return {p: [c.id for c in cs] for p, cs in sum_children(cascade.indicators).items()}


def rolled_target(cascade: Cascade, parent_id: str) -> Rolled:
    """Sum of the leaf targets below a parent (recursive)."""
    by_id = {i.id: i for i in cascade.indicators}
    return rollup_sum(parent_id, _ids_tree(cascade), lambda i: by_id[i].target if i in by_id else None)


def rolled_realisasi(
    cascade: Cascade,
    parent_id: str,
    upto: int = QUARTERS,
    *,
    _tree: dict[str, list[str]] | None = None,
    _by_id: dict[str, Indicator] | None = None,
) -> PeriodValue | None:
    """The realisasi to date of a parent computed from its sub-indicators; None when it has none.

    Leaves are aggregated by their own rule first; quarters missing in any leaf are missing in the sum.
    """
    tree = _tree if _tree is not None else _ids_tree(cascade)  # callers looping over parents pass them
    if not tree.get(parent_id):
        return None
    by_id = _by_id if _by_id is not None else {i.id: i for i in cascade.indicators}
    pvs: dict[str, PeriodValue] = {}

    def leaf(i: str) -> float | None:
        if i not in by_id:
            return None
        pv = pvs.setdefault(i, realisasi_to_date(by_id[i], upto))
        return pv.value if isinstance(pv.value, float) and not pv.problem else None

    r = rollup_sum(parent_id, tree, leaf)
    problems = [f"{i}: {pvs[i].problem}" for i in r.leaves if i in pvs and pvs[i].problem]
    missing_q = sorted({q for i in r.leaves if i in pvs for q in pvs[i].missing})
    pv = PeriodValue(
        upto=upto, missing=missing_q, reported=[q for q in range(1, upto + 1) if q not in missing_q]
    )
    if r.problem or problems:
        pv.problem = r.problem or "; ".join(problems)
    elif r.value is not None:
        pv.value = r.value
    return pv


def capaian_rolled(
    cascade: Cascade,
    ind: Indicator,
    upto: int = QUARTERS,
    *,
    _tree: dict[str, list[str]] | None = None,
    _by_id: dict[str, Indicator] | None = None,
) -> Capaian:
    """Capaian of an indicator; a parent with sub-indicators is measured by their rolled-up realisasi.

    Callers looping over many indicators pass `_tree` (`_ids_tree`) and `_by_id` once: without them each
    call rebuilds the tree from every indicator.
    """
    rolled = rolled_realisasi(cascade, ind.id, upto, _tree=_tree, _by_id=_by_id)
    return capaian_of(ind, cascade.settings, cascade.reference, upto, rolled)


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


def check_rollup(cascade: Cascade, locator: Locator | None = None) -> list[Finding]:
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
    seen_cycles: set[frozenset[str]] = set()
    for ind in cascade.indicators:
        path, node = [ind.id], ind.supports
        while node and node in by_id and node not in path:
            path.append(node)
            node = by_id[node].supports
        if node and node in path:
            cycle = path[path.index(node) :]
            key = frozenset(cycle)
            if key not in seen_cycles:
                seen_cycles.add(key)
                first = by_id[cycle[0]]
                add(
                    Severity.ERROR,
                    "SIKLUS_DUKUNGAN",
                    first,
                    "Rantai Mendukung ID berputar: "
                    + " → ".join([*cycle, cycle[0]])
                    + ". Putuskan salah satu tautan.",
                )
    in_cycle = set().union(*seen_cycles) if seen_cycles else set()

    # Targets and realisasi against the children
    all_components = {c.no for c in ref.ipk_components}
    id_tree = _ids_tree(cascade)
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
                    "perbaiki target bawahan.",
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
                    f"{fmt(parent.target)}: mereka baru mencakup sebagian. "
                    "Tambahkan sub-indikator yang belum ada, atau perbaiki targetnya.",
                    "target",
                    target=parent.target,
                    sum=round(s, 10),
                )
        own = realisasi_to_date(parent)
        rolled = rolled_realisasi(cascade, parent_id, _tree=id_tree, _by_id=by_id)
        if (
            isinstance(own.value, float)
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
