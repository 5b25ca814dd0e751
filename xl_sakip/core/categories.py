"""Capaian categories: bands read from the workbook (Reference.bands), checked for gaps and overlaps.

A band holds capaian in (lower, upper]; None is unbounded. The lowest band also holds its own lower bound,
so that a band written "0–50" takes a capaian of exactly 0. A capaian above 100 gets
Reference.above_target_label (when that label is set). The rule is core/rules.category, on the capaian
rounded to 2 decimals; this module evaluates it and checks the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from xl_sakip.core.engine import RulesEnv, category_rule, run
from xl_sakip.core.findings import Finding, Severity
from xl_sakip.core.formula import xl_round
from xl_sakip.core.models import Band, Reference
from xl_sakip.core.numbers import fmt

TOP = 100.0  # the bands must reach up to 100 %; above it is "above target"


def _lo(b: Band) -> float:
    return -math.inf if b.lower is None else b.lower


def _hi(b: Band) -> float:
    return math.inf if b.upper is None else b.upper


def category(value: float | None, reference: Reference) -> str | None:
    """The label of a capaian value (core/rules.category: chosen on the value rounded to 2 decimals);
    None when no band holds it (or there is no value)."""
    if value is None:
        return None
    label = run(category_rule(), RulesEnv(None, reference), K=value)
    return label if isinstance(label, str) and label else None


def categorizer(reference: Reference) -> Callable[[float | None], str | None]:
    """`category` for many values of one (unchanged) reference: the rule reads nothing of the value but
    its rounding to 2 decimals (rules.category: ISNUMBER of the value, then ROUND(value, 2) only), so each
    rounded value is evaluated once (capaian values repeat: 100, the same target and realisasi ...)."""
    memo: dict[float, str | None] = {}

    def of(value: float | None) -> str | None:
        if value is None:
            return None
        key = xl_round(value, 2)
        got = memo.get(key, _MISSING)
        if got is _MISSING:
            got = memo[key] = category(value, reference)
        return got  # type: ignore[return-value]

    return of


_MISSING = object()


def check_bands(reference: Reference) -> list[Finding]:
    """Gaps, overlaps and empty bands: one finding each."""
    out: list[Finding] = []
    cell = "Ref_Kategori"

    def add(code: str, msg: str, severity: Severity = Severity.ERROR) -> None:
        out.append(Finding(severity=severity, code=code, message=msg, cell=cell))

    if not reference.bands:
        add(
            "KATEGORI_KOSONG",
            "Tabel kategori capaian (Ref_Kategori) kosong: isi batas bawah, batas atas "
            "dan label setiap kategori.",
        )
        return out
    for b in reference.bands:
        if not b.label.strip():
            add(
                "KATEGORI_TANPA_LABEL",
                f"Kategori dengan batas {fmt(b.lower)}–{fmt(b.upper)} tidak punya "
                "label: isi labelnya di Ref_Kategori.",
            )
        if _lo(b) >= _hi(b):
            add(
                "KATEGORI_BATAS_TERBALIK",
                f"Kategori '{b.label}': batas bawah {fmt(b.lower)} tidak lebih "
                f"kecil dari batas atas {fmt(b.upper)}. Perbaiki batasnya di Ref_Kategori.",
            )
    bands = sorted((b for b in reference.bands if _lo(b) < _hi(b)), key=lambda b: (_lo(b), _hi(b)))
    if bands and _lo(bands[0]) > 0:
        add(
            "KATEGORI_CELAH",
            f"Capaian 0 sampai {fmt(bands[0].lower)} tidak masuk kategori mana pun: "
            f"turunkan batas bawah '{bands[0].label}' atau tambah kategori di Ref_Kategori.",
        )
    for a, b in zip(bands, bands[1:], strict=False):
        if _hi(a) < _lo(b):
            add(
                "KATEGORI_CELAH",
                f"Capaian di atas {fmt(a.upper)} sampai {fmt(b.lower)} tidak masuk kategori "
                f"mana pun (antara '{a.label}' dan '{b.label}'): samakan batas atas '{a.label}' dengan batas "
                f"bawah '{b.label}' di Ref_Kategori.",
            )
        elif _hi(a) > _lo(b):
            add(
                "KATEGORI_TUMPANG_TINDIH",
                f"Kategori '{a.label}' (sampai {fmt(a.upper)}) dan '{b.label}' "
                f"(di atas {fmt(b.lower)}) tumpang tindih: samakan batas atas '{a.label}' dengan batas bawah "
                f"'{b.label}' di Ref_Kategori.",
            )
    if bands and max(_hi(b) for b in bands) < TOP:
        top = max(bands, key=_hi)
        add(
            "KATEGORI_CELAH",
            f"Capaian di atas {fmt(top.upper)} sampai 100 tidak masuk kategori mana pun: "
            f"naikkan batas atas '{top.label}' menjadi 100 di Ref_Kategori.",
        )
    return out


def ipk_status(value: float | None, reference: Reference) -> str | None:
    """The IPK status label (Rendah … Tinggi) of an IPK value: the highest status it reaches."""
    if value is None:
        return None
    label = None
    for s in sorted(reference.ipk_statuses, key=lambda s: s.lower):
        if value >= s.lower:
            label = s.label
    return label
