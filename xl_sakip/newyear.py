"""`xl-sakip new-year`: next year's master from this one (issue 14; domain.md, Multi-year).

The same positions and indicators (same IDs), settings and reference data, the Renstra; this year's
realisasi goes into the history (Riwayat); the new annual targets come from the Renstra target of the new
year where there is one, else they stay empty (check reports TARGET_KOSONG); quarterly targets and
realisasi, the narrative and the PK date start empty, and the report starts at TW1. The source file is
only read; an existing output is overwritten only with `force`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from xl_sakip.book.package import check_target
from xl_sakip.book.reader import read_master
from xl_sakip.build import write_with_sheets
from xl_sakip.core.aggregate import annual_target
from xl_sakip.core.models import QUARTERS, Cascade, Indicator, Kind, PastYear, Value
from xl_sakip.core.numbers import fmt_plain
from xl_sakip.core.readings import readings
from xl_sakip.core.rollup import _ids_tree
from xl_sakip.errors import UserError


class NewYearResult(BaseModel):
    path: Path
    year: int
    carried: int  # realisasi moved into the history
    targets_from_renstra: int
    targets_empty: list[str]  # IDs without a Renstra target for the new year


def _target_text(ind: Indicator, target: Value) -> str:
    """The written target of a Renstra target: the number with the unit, as the seed writes them."""
    if isinstance(target, str):
        return target
    number = fmt_plain(target)
    if ind.kind is Kind.PERCENT or (ind.satuan or "").strip() == "%":
        return f"{number}%"
    return f"{number} {ind.satuan}".strip() if ind.satuan else number


def next_year(cascade: Cascade, year: int | None = None) -> tuple[Cascade, NewYearResult]:
    """The cascade of `year` (default: the next one) made from `cascade`; the result's path is unset."""
    old = cascade.settings.year
    new = old + 1 if year is None else year
    if new <= old:
        raise UserError(f"Tahun baru {new} harus sesudah tahun workbook ({old}); pakai --year {old + 1} "
                        "atau lebih.")
    tree = _ids_tree(cascade)
    by_id = {i.id: i for i in cascade.indicators}
    # This year's realisasi (s.d. TW4, as the capaian reads it: own, or the pendukung's sum) -> Riwayat.
    carried: list[PastYear] = []
    for ind in cascade.indicators:
        two = readings(cascade, ind, QUARTERS, _tree=tree, _by_id=by_id)
        pv = two.used.pv
        note = f"dibawa dari workbook {old}"
        if pv.problem:
            note += f"; realisasi tidak dapat dihitung: {pv.problem}"
        elif pv.missing and pv.value is not None:
            note += f"; belum lengkap: {', '.join(f'TW{q}' for q in pv.missing)} kosong"
        carried.append(PastYear(id=ind.id, year=old, target=annual_target(ind),
                                realisasi=None if pv.problem else pv.value, note=note))
    kept = [h for h in cascade.history if h.year != old]  # a row typed for this year is replaced
    renstra = {(r.id, r.year): r.target for r in cascade.renstra if r.target is not None}
    indicators: list[Indicator] = []
    empty: list[str] = []
    for ind in cascade.indicators:
        t = renstra.get((ind.id, new))
        update: dict = {"target_q": [None] * QUARTERS, "realisasi_q": [None] * QUARTERS,
                        "numerator_q": [None] * QUARTERS, "denominator_q": [None] * QUARTERS,
                        "target_upper": None}
        if t is None:
            empty.append(ind.id)
            update |= {"target": None, "target_text": ""}
        elif isinstance(t, str):
            update |= {"target": None, "target_text": t}
        else:
            update |= {"target": float(t), "target_text": _target_text(ind, t)}
        indicators.append(ind.model_copy(update=update, deep=True))
    settings = cascade.settings.model_copy(update={"year": new, "date": "", "reporting_quarter": 1})
    out = cascade.model_copy(update={"settings": settings, "indicators": indicators,
                                     "history": kept + carried, "narratives": []}, deep=True)
    result = NewYearResult(path=Path(), year=new, carried=sum(h.realisasi is not None for h in carried),
                           targets_from_renstra=len(indicators) - len(empty), targets_empty=empty)
    return out, result


def new_year(source: str | Path, output: str | Path, *, year: int | None = None,
             force: bool = False) -> NewYearResult:
    """Write next year's master (with its generated sheets) at `output`; `source` is only read."""
    source, output = Path(source), Path(output)
    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise UserError(f"File keluaran '{output}' sama dengan workbook sumber; pilih nama lain dengan -o. "
                        "Workbook sumber tidak pernah diubah.")
    output = check_target(output, force=force)  # before any work
    cascade = read_master(source)
    made, result = next_year(cascade, year)
    write_with_sheets(made, output)
    return result.model_copy(update={"path": output})
