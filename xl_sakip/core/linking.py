"""IPK links: which IPK value supports which (domain.md, IPK roll-up).

An *IPK value* is an indicator whose text is a value of the index or one of its parts: "Nilai ...",
"- Nilai ...", "Nilai Indikator X". Its component is found by name (catalog in Reference.ipk_components):
first in the indicator text (component names, then known sub-indicator names), then in the sasaran text.
Names are compared lower-case with everything but letters and digits removed, so "NilaiTingkat",
"Rata-Rata" / "Rata Rata" and double spaces all match.

Every IPK value below the root, and one of the root's written as a bare number, is an index (kind
INDEX, aggregation LATEST), whatever its target looked like. The tree decides the level: an IPK value of
a position directly under the root (Sekretaris, Kabid, Kepala UPTD) is a component value and supports
the root's IPK indicator; an IPK value deeper down is a sub-indicator value and supports the value of the
same component in the parent position. Linked indicators get rollup SUM (the parent's value is the sum
of its children). Nothing is guessed silently: what cannot be linked comes back as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xl_sakip.core.models import Aggregation, Cascade, Indicator, IpkComponent, Kind, RollUp

IPK_NAME = "Indeks Pembangunan Ketenagakerjaan"
_VALUE_PREFIX = "nilai"


@dataclass(frozen=True)
class LinkNote:
    """Something the linker could not decide; ``message`` is for planners (Bahasa Indonesia)."""

    indicator_id: str
    source_line: int | None
    message: str


def squash(text: str) -> str:
    """Lower-case letters and digits only: the form names are compared in."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def is_ipk_value(ind: Indicator) -> bool:
    """True for "Nilai ..." indicators with a numeric target (a "Nilai SAKIP" grade is not an IPK value)."""
    return squash(ind.indikator).startswith(_VALUE_PREFIX) and ind.kind is not Kind.GRADE


def is_ipk_indicator(ind: Indicator) -> bool:
    """The index itself: "Indeks Pembangunan Ketenagakerjaan" (not a "Nilai ..." part of it)."""
    s = squash(ind.indikator)
    return squash(IPK_NAME) in s and not s.startswith(_VALUE_PREFIX)


def _names_in(text: str, components: list[IpkComponent], *, subs: bool) -> set[int]:
    s = squash(text)
    found = set()
    for c in components:
        names = c.sub_indicators if subs else [c.name]
        if any(squash(n) and squash(n) in s for n in names):
            found.add(c.no)
    return found


def find_component(ind: Indicator, components: list[IpkComponent]) -> set[int]:
    """Numbers of the components an IPK value names; one element when it is clear."""
    for text, subs in ((ind.indikator, False), (ind.indikator, True), (ind.sasaran, False)):
        found = _names_in(text, components, subs=subs)
        if found:
            return found
    return set()


def _as_index(ind: Indicator) -> None:
    ind.kind = Kind.INDEX
    ind.aggregation = Aggregation.LATEST


def link_ipk(cascade: Cascade) -> list[LinkNote]:
    """Fill ``supports``/``rollup`` of the IPK values of ``cascade`` in place; return what was not linked.

    Indicators that already support something are left as they are, so a corrected workbook can be relinked.
    """
    notes: list[LinkNote] = []
    components = cascade.reference.ipk_components if cascade.reference else []
    by_no = {c.no: c for c in components}
    roots = [p for p in cascade.positions if p.parent is None]
    root = roots[0].code if roots else None
    ipk = next((i for i in cascade.indicators if i.position == root and is_ipk_indicator(i)), None)
    if ipk is not None:
        _as_index(ipk)
    parents = {p.code: p.parent for p in cascade.positions}

    def note(ind: Indicator, msg: str) -> None:
        notes.append(LinkNote(ind.id, ind.source_line, f"Indikator {ind.id} «{ind.indikator}»: {msg}"))

    values: dict[tuple[str, int], Indicator] = {}  # (position, component no) -> first value there
    found: dict[str, int] = {}
    for ind in cascade.indicators:
        if not is_ipk_value(ind):
            continue
        if ind.position == root:
            # The root's own parts are not linked; one written as a bare number is still an index value.
            if ind.target is not None and ind.satuan is None:
                _as_index(ind)
            continue
        _as_index(ind)
        comps = find_component(ind, components)
        if len(comps) != 1:
            names = ", ".join(by_no[n].name for n in sorted(comps))
            note(ind, f"komponen IPK tidak jelas ({names}); isi kolom Mendukung ID sendiri." if comps
                 else "komponen IPK tidak dikenali; isi kolom Mendukung ID sendiri bila perlu.")
            continue
        found[ind.id] = comps.pop()
        values.setdefault((ind.position, found[ind.id]), ind)

    for ind in cascade.indicators:
        if ind.id not in found or ind.supports:
            continue
        parent = parents.get(ind.position)
        comp = by_no[found[ind.id]]
        if parent is None or parent not in parents:
            note(ind, f"jabatan {ind.position} tidak punya atasan yang dikenal; tidak ditautkan.")
        elif parent == root:
            if ipk is None:
                note(ind, f"indikator «{IPK_NAME}» tidak ditemukan pada jabatan {root}; tidak ditautkan.")
                continue
            ind.supports, ind.rollup = ipk.id, RollUp.SUM
        elif (parent, comp.no) in values:
            ind.supports, ind.rollup = values[(parent, comp.no)].id, RollUp.SUM
        else:
            note(ind, f"atasan {parent} tidak punya nilai komponen «{comp.name}»; tidak ditautkan.")
    return notes
