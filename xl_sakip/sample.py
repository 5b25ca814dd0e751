"""Sample realisasi and budget for the 2023 cascade: SAMPLE DATA for demos and tests, not official figures.

`xl_sakip/data/sample_realisasi_2023.csv` holds one row per indicator ID: realisasi TW1–TW4, optional
numerator/denominator per quarter, and a note. `apply_sample(cascade)` returns a copy of the cascade with
those values filled in, and the sample budget of `sample_anggaran_2023.csv` (issue 15: programs, kegiatan
and sub kegiatan for every position, each row's Keterangan saying "data contoh").
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

from pydantic import BaseModel

from xl_sakip.core.budget import BudgetItem
from xl_sakip.core.models import QUARTERS, Cascade, Value
from xl_sakip.errors import UserError

SAMPLE_FILE = "sample_realisasi_2023.csv"
SAMPLE_BUDGET_FILE = "sample_anggaran_2023.csv"
_Q = range(1, QUARTERS + 1)


class SampleRow(BaseModel):
    id: str
    realisasi: list[Value | None]
    numerator: list[float | None]
    denominator: list[float | None]
    note: str = ""
    line: int


class SampleResult(BaseModel):
    cascade: Cascade
    without_sample: list[str]  # indicator IDs of the cascade that the sample has no row for


def _value(text: str) -> Value | None:
    t = text.strip()
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        return t  # a grade code such as "BB"


def _number(text: str, where: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        raise UserError(f"{where}: «{t}» bukan angka (pakai titik desimal, misalnya 12.5).") from None


def load_sample(path: str | Path | None = None) -> list[SampleRow]:
    """Read the sample file (default: the one shipped with the package)."""
    if path is None:
        text = resources.files("xl_sakip").joinpath("data", SAMPLE_FILE).read_text(encoding="utf-8")
        name = SAMPLE_FILE
    else:
        p = Path(path)
        if not p.is_file():
            raise UserError(f"Berkas data contoh {p} tidak ditemukan.")
        text, name = p.read_text(encoding="utf-8"), p.name
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.startswith("#")]
    reader = csv.DictReader([line for _, line in lines])
    need = {"id", *(f"realisasi_tw{q}" for q in _Q)}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise UserError(f"{name}: baris judul harus memuat kolom {', '.join(sorted(need))}.")
    rows = []
    for (n, _), rec in zip(lines[1:], reader, strict=True):
        where = f"{name} baris {n}"
        if not (rec.get("id") or "").strip():
            raise UserError(f"{where}: kolom id kosong.")
        rows.append(
            SampleRow(
                id=rec["id"].strip(),
                realisasi=[_value(rec.get(f"realisasi_tw{q}") or "") for q in _Q],
                numerator=[_number(rec.get(f"pembilang_tw{q}") or "", where) for q in _Q],
                denominator=[_number(rec.get(f"penyebut_tw{q}") or "", where) for q in _Q],
                note=(rec.get("keterangan") or "").strip(),
                line=n,
            )
        )
    return rows


def apply_sample_report(cascade: Cascade, path: str | Path | None = None) -> SampleResult:
    """A copy of `cascade` with the sample realisasi, and the IDs that got none.

    An ID in the sample that the cascade does not have is an error (the sample belongs to another cascade).
    """
    rows = load_sample(path)
    out = cascade.model_copy(deep=True)
    by_id = {i.id: i for i in out.indicators}
    unknown = [r for r in rows if r.id not in by_id]
    if unknown:
        ids = ", ".join(f"{r.id} (baris {r.line})" for r in unknown[:10])
        raise UserError(
            f"Data contoh memuat ID yang tidak ada di cascading: {ids}. Data contoh ini untuk "
            "Cascading 2023; periksa ID-nya."
        )
    for r in rows:
        ind = by_id[r.id]
        ind.realisasi_q = list(r.realisasi)
        ind.numerator_q = list(r.numerator)
        ind.denominator_q = list(r.denominator)
    out.budget = load_sample_budget()
    seen = {r.id for r in rows}
    return SampleResult(cascade=out, without_sample=[i.id for i in out.indicators if i.id not in seen])


def apply_sample(cascade: Cascade, path: str | Path | None = None) -> Cascade:
    """A copy of `cascade` with the sample realisasi filled in (see apply_sample_report)."""
    return apply_sample_report(cascade, path).cascade


def load_sample_budget() -> list[BudgetItem]:
    """The sample Anggaran rows shipped with the package (every Keterangan says "data contoh")."""
    text = resources.files("xl_sakip").joinpath("data", SAMPLE_BUDGET_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    out = []
    for n, rec in enumerate(csv.DictReader(lines), start=2):
        where = f"{SAMPLE_BUDGET_FILE} baris data {n}"
        out.append(BudgetItem(
            level=rec["level"], code=rec["kode"], name=rec["nama"], position=rec["kode_jabatan"] or None,
            supports=rec["mendukung_id"] or None, pagu=_number(rec["pagu"], where),
            pagu_perubahan=_number(rec["pagu_perubahan"], where),
            spent_q=[_number(rec[f"realisasi_tw{q}"], where) for q in _Q], note=rec["keterangan"]))
    return out
