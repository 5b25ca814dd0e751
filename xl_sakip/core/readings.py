"""The two readings of capaian "s.d. TW n" (issue 14; domain.md, The annual cycle).

The rules are core/rules.py (section "the SAKIP year"): this module evaluates them on a model's values,
with the realisasi an indicator is measured by (its own, or its pendukung's sum: core/rollup).

- `annual`: realisasi to date ÷ the annual target (Permendagri 86/2017 evaluation form);
- `to_date`: realisasi to date ÷ the quarterly targets to date (Rencana Aksi), of what was reported;
  not computable, saying so, where the indicator has no quarterly targets.

Both are "belum lengkap" naming the quarters before the reporting quarter that are empty; quarters after it
are ignored.
"""

from __future__ import annotations

from pydantic import BaseModel

from xl_sakip.core import words as w
from xl_sakip.core.aggregate import annual_target
from xl_sakip.core.capaian import Capaian, from_period
from xl_sakip.core.engine import ANNUAL, PLAIN, period_rules, quarter_vars, run
from xl_sakip.core.models import Cascade, Indicator
from xl_sakip.core.rollup import Source, Used, used_realisasi


class Readings(BaseModel):
    """Both readings of one indicator for quarters 1..upto, and the realisasi they read."""

    upto: int
    used: Used
    annual_target: float | str | None  # as the capaian reads it (text: why it is not a number)
    target_to_date: float | str | None  # the Rencana Aksi target of the period; None without one
    annual: Capaian
    to_date: Capaian


def _none(v: object) -> float | str | None:
    return None if v is None or v == "" else v  # type: ignore[return-value]


def readings(cascade: Cascade, ind: Indicator, upto: int | None = None, *,
             _tree: dict[str, list[str]] | None = None,
             _by_id: dict[str, Indicator] | None = None) -> Readings:
    """Both readings of `ind` "s.d. TW upto" (default: the reporting quarter of the settings)."""
    upto = upto or cascade.settings.reporting_quarter
    used = used_realisasi(cascade, ind.id, upto, _tree=_tree, _by_id=_by_id)
    pr = period_rules(ind.kind, ind.aggregation, upto)
    values = {**quarter_vars("tw", ind.realisasi_q), **quarter_vars("num", ind.numerator_q),
              **quarter_vars("den", ind.denominator_q), **quarter_vars("tq", ind.target_q),
              ANNUAL.name: annual_target(ind)}
    t_annual = _none(run(pr.annual, PLAIN, **values))
    t_ra = _none(run(pr.target_ra, PLAIN, **values))
    no_ra = str(run(pr.no_target_ra, PLAIN, **values))
    empty = w.PARTIAL_EMPTY if used.source is Source.PARTIAL else w.NO_REALISASI
    settings, reference = cascade.settings, cascade.reference
    return Readings(
        upto=upto, used=used, annual_target=t_annual, target_to_date=t_ra,
        annual=from_period(used.pv, t_annual, ind, settings, reference, empty),
        to_date=from_period(used.pv, t_ra, ind, settings, reference, empty, no_target=no_ra),
    )
