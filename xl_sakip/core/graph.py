"""Cycles in a graph where every node has at most one parent: the position tree (Kode Atasan) and the
support links (Mendukung ID). One finder for both, iterative and linear, so a chain of any length neither
recurses nor loops for ever."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def cycles(parent_of: Mapping[N, N | None], order: Iterable[N] | None = None) -> list[list[N]]:
    """Each cycle once, as the chain of nodes in the order a walk up from the first node (in `order`,
    default the mapping's) meets them; a parent outside the mapping ends a chain."""
    walk_of: dict[N, int] = {}  # node -> the walk that first reached it
    out: list[list[N]] = []
    for k, start in enumerate(parent_of if order is None else order):
        if start in walk_of:
            continue
        path: list[N] = []
        node: N | None = start
        while node is not None and node in parent_of and node not in walk_of:
            walk_of[node] = k
            path.append(node)
            node = parent_of[node]
        if node is not None and walk_of.get(node) == k:  # came back into this walk's own path
            out.append(path[path.index(node):])
    return out


def on_cycle(parent_of: Mapping[N, N | None]) -> set[N]:
    """The nodes that lie on a cycle."""
    return {n for c in cycles(parent_of) for n in c}
