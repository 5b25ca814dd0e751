"""A cascade indexed for planning: the unit sheet of each position, each indicator's row on it."""

from __future__ import annotations

from xl_sakip.core.models import Cascade, Indicator
from xl_sakip.sheets.names import SUMMARY_SHEET, unit_sheet_name
from xl_sakip.sheets.unit_layout import FIRST_BODY_ROW


def sheet_names(cascade: Cascade, taken: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Position code -> unit sheet name, avoiding `taken` (sheets that are not ours)."""
    used = set(taken) | {SUMMARY_SHEET}
    out: dict[str, str] = {}
    for p in cascade.positions:
        name = unit_sheet_name(p.code, p.title, used)
        used.add(name)
        out[p.code] = name
    return out


def indicators_by_position(cascade: Cascade) -> dict[str, list[Indicator]]:
    """Position code -> its indicators in table order: `Cascade.indicators_of` for every position in one
    pass (calling it per position costs positions x indicators)."""
    out: dict[str, list[Indicator]] = {}
    for ind in cascade.indicators:
        out.setdefault(ind.position, []).append(ind)
    return out


def unit_rows(cascade: Cascade, by_pos: dict[str, list[Indicator]] | None = None) -> dict[str, int]:
    """Indicator id -> its row on its unit sheet."""
    by_pos = indicators_by_position(cascade) if by_pos is None else by_pos
    rows: dict[str, int] = {}
    for p in cascade.positions:
        for k, ind in enumerate(by_pos.get(p.code, [])):
            rows[ind.id] = FIRST_BODY_ROW + k
    return rows
