"""The domain model of a SAKIP cascade: positions, indicators and reference data.

Pure data with validation at the boundary (pydantic). Enum *values* are the Indonesian words that planners
see in the workbook's drop-downs; member names are English for the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xl_sakip.core.budget import BudgetItem, PkTarget, PkVersion

QUARTERS = 4

#: A realised value: a number, or a grade code such as "BB" for grade indicators.
Value = float | str


class Kind(StrEnum):
    """What an indicator's target measures; decides parsing, aggregation and capaian."""

    PERCENT = "persen"
    NUMBER = "jumlah"  # a count: perusahaan, orang, dokumen, Kab/Kota ...
    INDEX = "indeks"  # an index value such as the IPK or one of its components
    GRADE = "predikat"  # a grade on a scale: AA … D, WTP …


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "naik"
    LOWER_IS_BETTER = "turun"
    RANGE = "rentang"  # target is a range [target, target_upper]


class Aggregation(StrEnum):
    """How quarterly realisasi become the realisasi of a period (domain.md, Period aggregation)."""

    SUM = "jumlah"  # counts add up over the quarters
    LATEST = "terakhir"  # percentages, indices, grades: the latest reported quarter
    RATIO = "rasio"  # recomputed from summed numerators and denominators


class RollUp(StrEnum):
    """How an indicator contributes to the indicator it supports."""

    NONE = "tidak"  # supports it in substance only, no arithmetic
    SUM = "jumlah"  # its value is one addend of the parent's value (IPK sub-indicators, components)


class Position(BaseModel):
    """A position (jabatan) of the office; known by its code, i.e. its place in the tree, not its title."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = Field(min_length=1)  # as written in the source document
    parent: str | None = None  # code of the superior; None for the root (Kepala Dinas)
    eselon: int | None = Field(default=None, ge=1, le=5)
    order: int = Field(ge=0)
    official_name: str | None = None
    nip: str | None = None
    source_line: int | None = None


def _four(values: list) -> list:
    if len(values) != QUARTERS:
        raise ValueError(f"expected {QUARTERS} quarterly values, got {len(values)}")
    return values


class Indicator(BaseModel):
    """One indicator row (Indikator Kinerja) of a position's sasaran."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    position: str
    sasaran_no: int | None = Field(default=None, ge=0)
    sasaran: str = ""
    indikator: str = ""
    target: float | None = None  # numeric target (lower bound for a range); None for grades/unparsed
    target_upper: float | None = None  # upper bound of a range target
    target_text: str = ""  # the target exactly as written, unit included
    satuan: str | None = None
    kind: Kind = Kind.NUMBER
    polarity: Polarity = Polarity.HIGHER_IS_BETTER
    aggregation: Aggregation = Aggregation.SUM
    supports: str | None = None  # id of the indicator this one supports
    rollup: RollUp = RollUp.NONE
    target_q: list[Value | None] = Field(default_factory=lambda: [None] * QUARTERS)
    realisasi_q: list[Value | None] = Field(default_factory=lambda: [None] * QUARTERS)
    numerator_q: list[float | None] = Field(default_factory=lambda: [None] * QUARTERS)
    denominator_q: list[float | None] = Field(default_factory=lambda: [None] * QUARTERS)
    source_line: int | None = None

    _check_four = field_validator("target_q", "realisasi_q", "numerator_q", "denominator_q")(_four)

    @property
    def target_grade(self) -> str | None:
        """The grade code of a grade target (e.g. "BB"), else None."""
        return self.target_text.strip() if self.kind is Kind.GRADE and self.target_text.strip() else None


class Band(BaseModel):
    """A capaian category: capaian in (lower, upper] gets this label. None means unbounded."""

    label: str
    lower: float | None = None  # exclusive
    upper: float | None = None  # inclusive


class Grade(BaseModel):
    """One code of a grade scale and its score (domain.md, Capaian of grades)."""

    scale: str
    code: str
    score: float
    description: str = ""


class IpkComponent(BaseModel):
    """One of the nine main IPK indicators (Kepmenaker 206/2017) and the most it can add."""

    no: int
    name: str
    max_value: float
    provisional: bool = True
    sub_indicators: list[str] = Field(default_factory=list)  # known sub-indicator names, for linking


class IpkStatus(BaseModel):
    """An IPK status category: IPK value >= lower gets this label."""

    label: str
    lower: float
    confirmed: bool = False


class Settings(BaseModel):
    """Office-wide settings kept in the workbook (Pengaturan sheet)."""

    office: str = ""
    year: int = 2023
    place: str = ""  # for Perjanjian Kinerja
    date: str = ""
    # Pihak Kedua of the root's Perjanjian Kinerja (the Kepala Dinas has no superior in the tree: the
    # Gubernur signs); empty: the PK leaves a line to fill by hand.
    pk_root_superior_title: str = ""
    pk_root_superior_name: str = ""
    pk_root_superior_nip: str = ""
    capaian_cap: float | None = None  # None: no cap; 100 or 120 are usual
    lower_is_better_formula: str = "2T-R"  # or "T/R" (AKSARA e-SAKIP)
    # The report is "s.d. TW n": quarters after n are ignored even when filled (issue 14).
    reporting_quarter: int = 4
    # Categories (Ref_Kategori labels, ";"-separated) whose capaian needs a faktor penghambat in Narasi.
    explain_categories: str = "Rendah; Sangat Rendah"
    # How efficiency is measured (issue 15; core/rules.py): "capaian-serapan", "EKA" or "sisa anggaran".
    efficiency_formula: str = "capaian-serapan"

    @field_validator("efficiency_formula", mode="before")
    @classmethod
    def _efficiency(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return "capaian-serapan"  # an empty cell: the default
        choices = {"capaian-serapan": "capaian-serapan", "eka": "EKA", "sisa anggaran": "sisa anggaran"}
        key = " ".join(str(v).split()).casefold()
        if key not in choices:
            raise ValueError('must be "capaian-serapan", "EKA" or "sisa anggaran"')
        return choices[key]

    @field_validator("reporting_quarter", mode="before")
    @classmethod
    def _quarter(cls, v: object) -> object:
        if v is None or v == "":
            return 4  # an empty cell: the whole year
        if v not in (1, 2, 3, 4):
            raise ValueError("must be 1, 2, 3 or 4")
        return v

    @field_validator("explain_categories", mode="before")
    @classmethod
    def _explain(cls, v: object) -> object:
        return "" if v is None else v

    def explain_labels(self) -> list[str]:
        """The category labels that need an explanation (compared without case and spaces at the ends)."""
        return [x.strip() for x in self.explain_categories.split(";") if x.strip()]

    @field_validator("lower_is_better_formula")
    @classmethod
    def _formula(cls, v: str) -> str:
        v = v.replace(" ", "").upper()
        if v not in {"2T-R", "T/R"}:
            raise ValueError('must be "2T-R" or "T/R"')
        return v


class Reference(BaseModel):
    bands: list[Band]
    above_target_label: str = "Melampaui Target"
    grades: list[Grade]
    ipk_components: list[IpkComponent]
    ipk_statuses: list[IpkStatus]


# --- the SAKIP year (issue 14): master data beyond one year's cascade, linked by indicator ID


class RenstraTarget(BaseModel):
    """The Renstra target of one indicator for one year of the Renstra period (sheet Renstra). The
    period is the indicator's first to last year; the final target (target akhir) is the last year's."""

    model_config = ConfigDict(extra="forbid")

    id: str
    year: int = Field(ge=1900, le=2200)
    target: Value | None = None  # a number, or a grade code
    note: str = ""


class PastYear(BaseModel):
    """Target and realisasi of one indicator in an earlier year (sheet Riwayat): typed in, or carried
    forward by `xl-sakip new-year`."""

    model_config = ConfigDict(extra="forbid")

    id: str
    year: int = Field(ge=1900, le=2200)
    target: Value | None = None
    realisasi: Value | None = None
    note: str = ""


class Narrative(BaseModel):
    """Narrative and evidence of one indicator for one quarter (sheet Narasi)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    quarter: int = Field(ge=1, le=QUARTERS)
    pendukung: str = ""  # faktor pendukung
    penghambat: str = ""  # faktor penghambat
    upaya: str = ""  # upaya / tindak lanjut
    bukti: str = ""  # bukti dukung: a link (http...) or a path


def _first_spellings(names: Iterable[str]) -> dict[str, str]:
    """Each name's case-folded form -> its first spelling (what MATCH finds, ignoring case)."""
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(name.casefold(), name)
    return out


def _spelled(name: str | None, spellings: dict[str, str]) -> str | None:
    """`name` as `spellings` spells it when it is there ignoring case, else `name` itself."""
    return spellings.get(name.casefold(), name) if name else name


class Cascade(BaseModel):
    """The whole master: what the workbook holds, independent of any file format."""

    settings: Settings = Field(default_factory=Settings)
    positions: list[Position] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    reference: Reference | None = None
    renstra: list[RenstraTarget] = Field(default_factory=list)
    history: list[PastYear] = Field(default_factory=list)
    narratives: list[Narrative] = Field(default_factory=list)
    budget: list[BudgetItem] = Field(default_factory=list)  # the Anggaran sheet (issue 15)
    pk_versions: list[PkVersion] = Field(default_factory=list)  # the Versi PK sheet (issue 15)
    pk_targets: list[PkTarget] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fill_reference(self) -> Cascade:
        if self.reference is None:
            from xl_sakip.core.reference import default_reference

            self.reference = default_reference()
        return self

    @model_validator(mode="after")
    def _links_as_the_formulas_match(self) -> Cascade:
        """An ID or a position code typed where the master refers to one (Mendukung ID and Kode Jabatan on
        Indikator, Kode Atasan on Jabatan, the ID on Renstra, Riwayat and Narasi, Kode Jabatan on Anggaran)
        that differs from it only in case is that ID or code: the sheets' MATCH and "=" ignore case. It is
        spelled here as the ID or Kode column spells it (the first, as MATCH finds it), so that every lookup
        in Python (by ID, `==`, a pandas join) finds what the formulas find and the figures agree
        (docs/workbook.md). PK targets are matched by the rules' own "=" (core/versions.py)."""
        ids = _first_spellings(i.id for i in self.indicators)
        codes = _first_spellings(p.code for p in self.positions)
        for i in self.indicators:
            i.supports = _spelled(i.supports, ids)
            i.position = _spelled(i.position, codes)
        for p in self.positions:
            p.parent = _spelled(p.parent, codes)
        for row in (*self.renstra, *self.history, *self.narratives):
            row.id = _spelled(row.id, ids)
        for b in self.budget:
            b.position = _spelled(b.position, codes)
        return self

    def position(self, code: str) -> Position:
        for p in self.positions:
            if p.code == code:
                return p
        raise KeyError(code)

    def indicators_of(self, code: str) -> list[Indicator]:
        return [i for i in self.indicators if i.position == code]

    def children(self, code: str | None) -> list[Position]:
        return [p for p in self.positions if p.parent == code]
