"""PK versions (issue 15): which version is in force, and each indicator's target in it — the Python entry
points of core/rules.py (`target_in_force`, `version_name`)."""

from __future__ import annotations

from xl_sakip.core import rules
from xl_sakip.core.budget import PkKind
from xl_sakip.core.engine import RulesEnv, run
from xl_sakip.core.formula import Var
from xl_sakip.core.models import Cascade, Kind

MURNI = "Murni"  # the version's name when the master names none


def perubahan_names(cascade: Cascade) -> list[str]:
    """The PK Perubahan versions in date order (those without a date are never in force)."""
    dated = [v for v in cascade.pk_versions if v.variant is PkKind.PERUBAHAN and v.date is not None]
    return [v.name for v in sorted(dated, key=lambda v: v.date)]  # type: ignore[arg-type, return-value]


def murni_name(cascade: Cascade) -> str:
    return next((v.name for v in cascade.pk_versions if v.variant is PkKind.MURNI), MURNI)


def _env(cascade: Cascade) -> RulesEnv:
    return RulesEnv(cascade.settings, cascade.reference, pk=(cascade.pk_versions, cascade.pk_targets))


def version_in_force(cascade: Cascade) -> str:
    return run(rules.version_name(perubahan_names(cascade), murni_name(cascade)), _env(cascade))


def in_force(cascade: Cascade, version: str | None = None) -> Cascade:
    """A copy of `cascade` whose annual targets are those in force at the reporting quarter (`version`
    None), of the PK Murni (`"murni"`: the Indikator sheet's), or of the latest PK Perubahan with all the
    changes before it (`"perubahan"`: as at the end of the year). Grade targets are never changed."""
    names = perubahan_names(cascade)
    if version == PkKind.MURNI.value or not names:
        return cascade
    out = cascade.model_copy(deep=True)
    if version == PkKind.PERUBAHAN.value:
        out.settings.reporting_quarter = 4
    env = _env(out)
    rule = rules.target_in_force(Var("T"), Var("id"), names)
    for ind in out.indicators:
        if ind.kind is Kind.GRADE:
            continue
        t = run(rule, env, T=ind.target, id=ind.id)
        if t != ind.target:
            ind.target = t
            ind.target_text = _text(t, ind.target_text)
    if version == PkKind.PERUBAHAN.value:
        out.settings.reporting_quarter = cascade.settings.reporting_quarter
    return out


def _text(t: float | None, old: str) -> str:
    """The written target of a changed target: the number as planners write it, the old unit kept."""
    from xl_sakip.core.numbers import fmt_plain

    if t is None:
        return ""
    unit = "%" if old.strip().endswith("%") else ""
    rest = old.strip().split(" ", 1)
    suffix = f" {rest[1]}" if len(rest) == 2 and not unit else ""
    return f"{fmt_plain(t)}{unit}{suffix}"
