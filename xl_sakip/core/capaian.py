"""Capaian (achievement, %) of an indicator: domain.md, Capaian.

| polarity / kind    | formula                                                       |
|--------------------|---------------------------------------------------------------|
| naik               | R / T × 100                                                   |
| turun, "2T-R"      | (2T − R) / T × 100   (PermenPANRB 8/2021 "kondisi khusus")    |
| turun, "T/R"       | T / R × 100, R = 0 counts as 100 (AKSARA e-SAKIP)             |
| rentang [T, U]     | inside: 100; below: R / T × 100; above: as turun against U    |
| predikat           | score(R) / score(T) × 100 (Reference.grades; R may be a score)|

Every result is computed, not computable (with the reason) or incomplete (with the missing quarters);
never a silent 0. A negative realisasi is a data error (check: REALISASI_NEGATIF): not computable.
An optional cap (Settings.capaian_cap) limits computed values.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from xl_sakip.core.aggregate import NotANumber, PeriodValue, quarter_label, realisasi_to_date, target_to_date
from xl_sakip.core.aggregate import to_number as _to_number
from xl_sakip.core.models import (
    QUARTERS,
    Aggregation,
    Grade,
    Indicator,
    Kind,
    Polarity,
    Reference,
    Settings,
    Value,
)
from xl_sakip.core.numbers import fmt_plain
from xl_sakip.core.reference import default_reference


class Status(StrEnum):
    COMPUTED = "dihitung"
    NOT_COMPUTABLE = "tidak dapat dihitung"
    INCOMPLETE = "belum lengkap"


class Capaian(BaseModel):
    status: Status
    value: float | None = None  # percent; also set when INCOMPLETE (the capaian of what was reported)
    reason: str | None = None  # Bahasa Indonesia; set when NOT_COMPUTABLE or INCOMPLETE
    missing_quarters: list[int] = Field(default_factory=list)
    formula: str = ""  # "R/T", "(2T-R)/T", "T/R", "rentang", "skor predikat"
    realisasi: Value | None = None
    target: Value | None = None
    capped: bool = False

    def excel(self) -> float | str:
        """What a cell shows: the number, or the reason as text (never an Excel error)."""
        return self.value if self.value is not None else self.status_text()

    def status_text(self) -> str:
        """The status as a planner reads it, e.g. "belum lengkap: TW3 kosong"."""
        if self.status is Status.COMPUTED:
            return self.status.value
        return f"{self.status.value}: {self.reason}"


def _nc(reason: str, **kw) -> Capaian:
    return Capaian(status=Status.NOT_COMPUTABLE, reason=reason, **kw)


def norm_code(code: str) -> str:
    """Grade codes compare case- and space-insensitively: " bb" == "BB"."""
    return "".join(code.split()).upper()


def find_grade(code: str, grades: list[Grade], scale: str | None = None) -> Grade | None:
    key = norm_code(code)
    matches = [g for g in grades if norm_code(g.code) == key]
    if scale is not None:
        in_scale = [g for g in matches if g.scale == scale]
        matches = in_scale or matches
    return matches[0] if matches else None


def _grade_capaian(realisasi: Value, target: Value, grades: list[Grade]) -> Capaian:
    kw = {"formula": "skor predikat", "realisasi": realisasi, "target": target}
    if isinstance(target, str):
        tg = find_grade(target, grades)
        if tg is None:
            return _nc(f"predikat target '{target}' tidak ada di skala predikat (Ref_Predikat)", **kw)
        t_score, scale = tg.score, tg.scale
    else:
        t_score, scale = float(target), None
    if isinstance(realisasi, str):
        try:
            r_score = _to_number(realisasi)
        except NotANumber:
            rg = find_grade(realisasi, grades, scale)
            if rg is None:
                return _nc(
                    f"predikat realisasi '{realisasi}' tidak ada di skala predikat (Ref_Predikat)", **kw
                )
            r_score = rg.score
    else:
        r_score = float(realisasi)
    top = max((g.score for g in grades if scale is None or g.scale == scale), default=None)
    if r_score is None or r_score < 0 or (top is not None and r_score > top):
        shown = fmt_plain(realisasi) if isinstance(realisasi, float) else realisasi
        upto = f" (0 sampai {fmt_plain(top)})" if top is not None else ""
        return _nc(f"skor realisasi {shown} di luar skala predikat{upto}", **kw)
    if t_score == 0:
        return _nc("skor predikat target 0", **kw)
    return Capaian(status=Status.COMPUTED, value=r_score / t_score * 100, **kw)


def compute(
    realisasi: Value | None,
    target: Value | None,
    polarity: Polarity = Polarity.HIGHER_IS_BETTER,
    *,
    target_upper: float | None = None,
    kind: Kind = Kind.NUMBER,
    settings: Settings | None = None,
    reference: Reference | None = None,
) -> Capaian:
    """Capaian of one realised value against one target."""
    settings = settings or Settings()
    kw = {"realisasi": realisasi, "target": target}
    if realisasi is None or (isinstance(realisasi, str) and not realisasi.strip()):
        return _nc("realisasi belum diisi", **kw)
    if target is None or (isinstance(target, str) and not target.strip()):
        return _nc("target belum diisi", **kw)
    if kind is Kind.GRADE:
        result = _grade_capaian(realisasi, target, (reference or default_reference()).grades)
        return _cap(result, settings)
    try:
        r, t = _to_number(realisasi), _to_number(target)
        u = _to_number(target_upper) if target_upper is not None else None
    except NotANumber as e:
        return _nc(f"'{e}' bukan angka", **kw)
    assert r is not None and t is not None  # emptiness handled above
    if polarity is Polarity.RANGE:
        if u is None:
            return _nc("target rentang tanpa batas atas (Target Atas)", **kw)
        lo, hi = min(t, u), max(t, u)
        if lo <= r <= hi:
            return _cap(Capaian(status=Status.COMPUTED, value=100.0, formula="rentang", **kw), settings)
        # Below the range: higher is better against the lower bound; above: lower is better against the upper.
        res = _higher(r, lo, kw) if r < lo else _lower(r, hi, settings, kw)
        res.formula = f"rentang, {res.formula}" if res.formula else "rentang"
        return _cap(res, settings)
    if polarity is Polarity.LOWER_IS_BETTER:
        return _cap(_lower(r, t, settings, kw), settings)
    return _cap(_higher(r, t, kw), settings)


def _higher(r: float, t: float, kw: dict) -> Capaian:
    if t == 0:
        return _nc("target 0: capaian tidak dapat dihitung (pembagian dengan nol)", formula="R/T", **kw)
    return Capaian(status=Status.COMPUTED, value=r / t * 100, formula="R/T", **kw)


def _lower(r: float, t: float, settings: Settings, kw: dict) -> Capaian:
    if settings.lower_is_better_formula == "T/R":
        if t == 0:
            return _nc("target 0: capaian tidak dapat dihitung", formula="T/R", **kw)
        if r == 0:  # AKSARA e-SAKIP: nothing happened where less is better counts as fully achieved
            return Capaian(status=Status.COMPUTED, value=100.0, formula="T/R", **kw)
        return Capaian(status=Status.COMPUTED, value=t / r * 100, formula="T/R", **kw)
    if t == 0:
        return _nc("target 0: capaian tidak dapat dihitung (pembagian dengan nol)", formula="(2T-R)/T", **kw)
    return Capaian(status=Status.COMPUTED, value=(2 * t - r) / t * 100, formula="(2T-R)/T", **kw)


def _cap(res: Capaian, settings: Settings) -> Capaian:
    cap = settings.capaian_cap
    if cap is not None and res.value is not None and res.value > cap:
        res.value, res.capped = float(cap), True
    return res


def from_period(
    pv: PeriodValue,
    target: Value | None,
    ind: Indicator,
    settings: Settings | None = None,
    reference: Reference | None = None,
) -> Capaian:
    """Capaian of an aggregated realisasi (to date): incomplete when quarters are missing."""
    if pv.problem:
        return _nc(pv.problem, target=target)
    if pv.value is None:
        when = "" if pv.upto == QUARTERS else f" sampai {quarter_label(pv.upto)}"
        return _nc(f"realisasi{when} belum diisi", target=target, missing_quarters=pv.missing)
    res = compute(
        pv.value,
        target,
        ind.polarity,
        target_upper=ind.target_upper,
        kind=ind.kind,
        settings=settings,
        reference=reference,
    )
    if res.status is Status.COMPUTED and pv.missing:
        res.status = Status.INCOMPLETE
        res.missing_quarters = list(pv.missing)
        res.reason = "realisasi " + ", ".join(quarter_label(q) for q in pv.missing) + " belum diisi"
    return res


NEGATIVE = "realisasi negatif"


def negative_quarters(ind: Indicator, upto: int = QUARTERS) -> list[int]:
    """Quarters 1..upto holding a negative realisasi (a ratio: numerator or denominator); never a grade."""
    if ind.kind is Kind.GRADE:
        return []
    if ind.aggregation is Aggregation.RATIO:
        series = [ind.numerator_q, ind.denominator_q]
    else:
        series = [ind.realisasi_q]
    out = []
    for q in range(1, upto + 1):
        for values in series:
            try:
                n = _to_number(values[q - 1]) if q - 1 < len(values) else None
            except NotANumber:
                continue
            if n is not None and n < 0:
                out.append(q)
                break
    return out


def own_realisasi(ind: Indicator, upto: int = QUARTERS) -> PeriodValue:
    """The indicator's own realisasi to date (`realisasi_to_date`), except that a negative value in any
    quarter is a data error (check reports REALISASI_NEGATIF): then nothing can be computed from it."""
    pv = realisasi_to_date(ind, upto)
    if not pv.problem and negative_quarters(ind, upto):
        pv.problem, pv.value = NEGATIVE, None
    return pv


def capaian_of(
    ind: Indicator,
    settings: Settings | None = None,
    reference: Reference | None = None,
    upto: int = QUARTERS,
    realisasi: PeriodValue | None = None,
) -> Capaian:
    """Capaian of an indicator for quarters 1..upto (upto=4: the year).

    `realisasi` replaces the indicator's own aggregated realisasi (`own_realisasi`; the roll-up passes
    the sum of the sub-indicators here).
    """
    pv = realisasi if realisasi is not None else own_realisasi(ind, upto)
    return from_period(pv, target_to_date(ind, upto), ind, settings, reference)


def capaian_per_quarter(
    ind: Indicator, settings: Settings | None = None, reference: Reference | None = None
) -> list[Capaian]:
    """Capaian to date at TW1, TW2, TW3 and TW4 (the last one is the year's)."""
    return [capaian_of(ind, settings, reference, q) for q in range(1, QUARTERS + 1)]
