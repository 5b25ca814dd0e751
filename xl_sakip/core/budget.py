"""The budget of an office (Anggaran) and the versions of its Perjanjian Kinerja (issue 15): models only.

Program → Kegiatan → Sub Kegiatan, coded as in the regional nomenclature (`2.07.02` a program,
`2.07.02.1.01` one of its kegiatan, `2.07.02.1.01.0001` a sub kegiatan of that): a row belongs to the row
whose code, followed by a dot, begins its own. Amounts (pagu, pagu perubahan, realisasi anggaran per
quarter) are typed on Sub Kegiatan rows; a Kegiatan or Program has the sum of the Sub Kegiatan under it
(core/rules.py, `budget_total`).
"""

from __future__ import annotations

from datetime import date as date_
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

QUARTERS = 4


class BudgetLevel(StrEnum):
    """Values are what planners pick in the drop-down (lower case, like the indicator lists)."""

    PROGRAM = "program"
    KEGIATAN = "kegiatan"
    SUB = "sub kegiatan"


#: The level a row of each level sits under.
PARENT_LEVEL = {BudgetLevel.KEGIATAN: BudgetLevel.PROGRAM, BudgetLevel.SUB: BudgetLevel.KEGIATAN}


def _empty_none(v: object) -> object:
    return None if isinstance(v, str) and not v.strip() else v


class BudgetItem(BaseModel):
    """One row of the Anggaran sheet."""

    model_config = ConfigDict(extra="forbid")

    level: BudgetLevel
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    position: str | None = None  # Kode Jabatan of the position responsible
    supports: str | None = None  # the indicator ID it supports (its sasaran is the sasaran supported)
    pagu: float | None = None
    pagu_perubahan: float | None = None  # the revised budget (APBD Perubahan); empty: pagu in force
    spent_q: list[float | None] = Field(default_factory=lambda: [None] * QUARTERS)  # realisasi anggaran
    note: str = ""
    # The Kode cell holds a number, not text (the reader says so; `code` is its text). The rules compare
    # codes with "=", which never meets a number with a text: the row is not counted under its own code
    # (the engine sees the number too, engine.budget_column). A finding (ANGGARAN_KODE_ANGKA), not a refusal.
    code_is_number: bool = False

    _none = field_validator("position", "supports", mode="before")(_empty_none)

    @field_validator("spent_q")
    @classmethod
    def _four(cls, v: list) -> list:
        if len(v) != QUARTERS:
            raise ValueError(f"expected {QUARTERS} quarterly values, got {len(v)}")
        return v

    def under(self, other: BudgetItem) -> bool:
        """Is this row inside `other` (its code begins with other's code and a dot)?"""
        return other.code in self.heads

    @property
    def heads(self) -> frozenset[str]:
        """The codes of every row this row is under: each part of its code before a dot ("1.2.3" is under
        "1" and "1.2"). A set, so that looking a row's parent up is not a scan of every row."""
        return frozenset(self.code[:i] for i, ch in enumerate(self.code) if ch == ".")


# --- PK versions (issue 15): the PK Murni and any PK Perubahan --------------------------------------------


class PkKind(StrEnum):
    MURNI = "murni"
    PERUBAHAN = "perubahan"


class PkVersion(BaseModel):
    """One version of the PK (a row of tblVersiPK). The Murni's targets are those of the Indikator sheet; a
    Perubahan lists only the targets that changed (PkTarget)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    variant: PkKind  # Jenis: murni or perubahan
    date: date_ | None = None  # in force from this date (a Perubahan needs one)
    reason: str = ""


class PkTarget(BaseModel):
    """A target a PK version changes (a row of tblTargetPK)."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    indicator_id: str = Field(min_length=1)
    target: float | None = None
    note: str = ""  # why the Rencana Aksi (Target TW1-TW4) need not add up to this target
