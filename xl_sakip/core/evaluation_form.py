"""The figures of the Permendagri 86/2017 evaluation form (issue 15) that are not on the unit sheets: the
Renstra and earlier-years columns, the cumulative realisasi and the capaian against the Renstra, and the
Rp column pairs; the Python entry points of core/rules.py."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from xl_sakip.core import rules
from xl_sakip.core.budget import BudgetItem
from xl_sakip.core.engine import RulesEnv, run, scalar
from xl_sakip.core.formula import Arr, Var
from xl_sakip.core.models import Cascade, Indicator, Kind


def year_tables(cascade: Cascade) -> dict[str, dict[str, Arr]]:
    """tblRenstra and tblRiwayat as the workbook holds them, from the model (issue 14's sheets)."""
    renstra = zip(rules.RENSTRA_HEADERS, ("id", "year", "target", "note"), strict=True)
    history = zip(rules.HISTORY_HEADERS, ("id", "year", "target", "realisasi", "note"), strict=True)
    return {
        rules.TABLE_RENSTRA: {h: Arr(scalar(getattr(r, f)) for r in cascade.renstra) for h, f in renstra},
        rules.TABLE_HISTORY: {h: Arr(scalar(getattr(r, f)) for r in cascade.history) for h, f in history},
    }


def env_of(cascade: Cascade) -> RulesEnv:
    return RulesEnv(cascade.settings, cascade.reference, budget=cascade.budget,
                    pk=(cascade.pk_versions, cascade.pk_targets), tables=year_tables(cascade))


def final_years(cascade: Cascade) -> dict[str, int]:
    """The last year of each indicator's Renstra period (its latest row in Renstra), by the ID in lower case:
    one pass over Renstra (a lookup per indicator was n x Renstra rows)."""
    out: dict[str, int] = {}
    for r in cascade.renstra:
        key = r.id.casefold()
        if key not in out or r.year > out[key]:
            out[key] = r.year
    return out


def final_year(cascade: Cascade, iid: str) -> int | None:
    """The last year of an indicator's Renstra period, or None."""
    return final_years(cascade).get(iid.casefold())


def supporting_by_id(cascade: Cascade) -> dict[str, list[BudgetItem]]:
    """The budget rows supporting each indicator (Mendukung ID, in lower case), without a row inside another
    of them: one pass over the Anggaran rows."""
    by: dict[str, list[BudgetItem]] = {}
    for b in cascade.budget:
        if b.supports:
            by.setdefault(b.supports.casefold(), []).append(b)
    return {k: [b for b in rows if not any(b.under(o) for o in rows if o is not b)] for k, rows in by.items()}


def supporting_rows(cascade: Cascade, iid: str) -> list[BudgetItem]:
    """The budget rows supporting an indicator, without a row inside another of them."""
    return supporting_by_id(cascade).get(iid.casefold(), [])


class FormFigures(BaseModel):
    renstra: Any  # (1) K: the final Renstra target
    past: Any  # (2) K: realisasi up to last year
    cumulative: Any  # (10) K
    capaian_renstra: Any  # (11) K
    pagu: float  # (3) Rp
    spent_q: list[float]  # (4)-(7) Rp, per quarter (0 after the reporting quarter)
    spent: float  # (8) Rp
    serapan: Any  # (9) Rp


def figures(cascade: Cascade, ind: Indicator, this_year: Any) -> FormFigures:
    """The form's own figures of an indicator; `this_year`: its realisasi of the year as its unit sheet
    shows it (column Realisasi Tahun)."""
    env = env_of(cascade)
    iid = Var("id")
    year = final_year(cascade, ind.id)
    renstra = run(rules.renstra_final_target(iid), env, id=ind.id) if year is not None else None
    past = run(rules.realisasi_to_last_year(ind.aggregation, iid), env, id=ind.id)
    cumulative = run(rules.cumulative_realisasi(ind.aggregation, Var("p"), Var("t")), env,
                     p=past, t=this_year)
    cap = None
    if ind.kind is not Kind.GRADE and year is not None:
        cap = run(rules.capaian_renstra(ind.kind, ind.polarity, Var("c"), Var("r")), env, c=cumulative,
                  r=renstra)
    codes = [b.code for b in supporting_rows(cascade, ind.id)]

    def total(rule) -> float:
        return run(rules.over_codes(rule, codes), env)

    spent_q = [total(lambda code, k=k: rules.budget_quarter(code, k)) for k in range(1, 5)]
    pagu, spent = total(rules.budget_pagu), total(rules.budget_spent)
    return FormFigures(renstra=renstra, past=past, cumulative=cumulative, capaian_renstra=cap, pagu=pagu,
                       spent_q=spent_q, spent=spent,
                       serapan=run(rules.serapan(Var("x"), Var("y")), env, x=spent, y=pagu))
