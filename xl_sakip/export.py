"""`xl-sakip export`: one row per indicator "s.d. TW n", for other systems and analysts (issue 14).

Every figure comes from the core (core/readings.py, core/rollup.py): the same rules the unit sheets hold
as formulas. pandas joins the indicator table with the earlier years (Riwayat), the Renstra and the
narrative of the reporting quarter, and writes csv, json or xlsx. Field names: docs/export.md (FIELDS).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from xl_sakip.book.reader import read_master
from xl_sakip.core import words as w
from xl_sakip.core.capaian import Capaian, Status, capaian_of
from xl_sakip.core.categories import category
from xl_sakip.core.models import QUARTERS, Cascade
from xl_sakip.core.readings import readings
from xl_sakip.core.rollup import Source, _ids_tree, used_all
from xl_sakip.errors import UserError

Format = Literal["csv", "json", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")

#: Every field of an export row, in order, with what it holds (docs/export.md is checked against it).
FIELDS: dict[str, str] = {
    "tahun": "year of the workbook (Pengaturan: Tahun)",
    "sd_triwulan": "the reporting quarter n of the export (s.d. TW n)",
    "id": "indicator ID (Indikator: ID)",
    "kode_jabatan": "position code",
    "jabatan": "position title",
    "no_sasaran": "sasaran number",
    "sasaran": "sasaran strategis",
    "indikator": "indikator kinerja",
    "satuan": "unit",
    "jenis": "kind: persen, jumlah, indeks, predikat",
    "polaritas": "naik, turun, rentang",
    "agregasi": "jumlah, terakhir, rasio",
    "mendukung_id": "the indicator this one supports",
    "roll_up": "tidak or jumlah",
    "target_tertulis": "the target as written",
    "target_tahunan": "annual target (a number, or a grade code)",
    "target_atas": "upper bound of a range target",
    **{f"target_tw{q}": f"quarterly target TW{q} (Rencana Aksi)" for q in range(1, QUARTERS + 1)},
    **{f"realisasi_tw{q}": f"realisasi typed for TW{q}" for q in range(1, QUARTERS + 1)},
    "realisasi_sd_tw": "realisasi to date used for capaian (own, or the pendukung's sum where they cover it)",
    "sumber_realisasi": "sendiri, pendukung (sum of the roll-up pendukung) or sebagian (own: partial cover)",
    "realisasi_pendukung": "sum of the roll-up pendukung's realisasi to date (parents only)",
    "triwulan_kosong": "quarters up to n without realisasi (\"TW1, TW2\"); they make a figure belum lengkap",
    "target_sd_tw": "Rencana Aksi target of the period (quarterly targets up to n, of what was reported)",
    "capaian_tahunan": "capaian against the annual target, % (Permendagri 86/2017)",
    "status_tahunan": "dihitung, belum lengkap or tidak dapat dihitung",
    "alasan_tahunan": "why not computed, or which quarters are missing",
    "capaian_sd_tw": "capaian against the Rencana Aksi target to date, %",
    "status_sd_tw": "dihitung, belum lengkap or tidak dapat dihitung",
    "alasan_sd_tw": "why not computed (e.g. no quarterly targets), or which quarters are missing",
    "capaian": "the capaian the unit sheets show (column Capaian)",
    "status": "its status",
    "kategori": "its category (Ref_Kategori)",
    "realisasi_tahun_1": "realisasi of the previous year (Riwayat)",
    "realisasi_tahun_2": "realisasi two years before (Riwayat)",
    "target_akhir_renstra": "the Renstra target of the last Renstra year",
    "tahun_akhir_renstra": "the last year of the Renstra period",
    "faktor_pendukung": "Narasi of quarter n",
    "faktor_penghambat": "Narasi of quarter n",
    "upaya": "Narasi of quarter n: upaya / tindak lanjut",
    "bukti_dukung": "Narasi of quarter n: link or path",
}


def _num(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _reading(c: Capaian) -> tuple[Any, str, str]:
    return c.value, c.status.value, c.reason or ""


def export_table(cascade: Cascade, upto: int | None = None) -> pd.DataFrame:
    """The export rows of `cascade` s.d. TW `upto` (default: the reporting quarter of the settings)."""
    if upto is not None:
        cascade = cascade.model_copy(update={
            "settings": cascade.settings.model_copy(update={"reporting_quarter": upto})})
    n = cascade.settings.reporting_quarter
    tree = _ids_tree(cascade)
    by_id = {i.id: i for i in cascade.indicators}
    titles = {p.code: p.title for p in cascade.positions}
    rows: list[dict[str, Any]] = []
    used_by_id = used_all(cascade, n)
    for ind in cascade.indicators:
        two = readings(cascade, ind, n, _used=used_by_id.get(ind.id), _tree=tree, _by_id=by_id)
        empty = w.PARTIAL_EMPTY if two.used.source is Source.PARTIAL else w.NO_REALISASI
        head = capaian_of(ind, cascade.settings, cascade.reference, n, two.used.pv, empty)
        rolled = two.used.rolled if tree.get(ind.id) else None
        used = two.used.pv
        a, s_a, r_a = _reading(two.annual)
        b, s_b, r_b = _reading(two.to_date)
        rows.append({
            "tahun": cascade.settings.year, "sd_triwulan": n, "id": ind.id, "kode_jabatan": ind.position,
            "jabatan": titles.get(ind.position, ""), "no_sasaran": ind.sasaran_no, "sasaran": ind.sasaran,
            "indikator": ind.indikator, "satuan": ind.satuan, "jenis": ind.kind.value,
            "polaritas": ind.polarity.value, "agregasi": ind.aggregation.value, "mendukung_id": ind.supports,
            "roll_up": ind.rollup.value, "target_tertulis": ind.target_text,
            "target_tahunan": ind.target if ind.target is not None else (ind.target_grade or None),
            "target_atas": ind.target_upper,
            **{f"target_tw{q}": ind.target_q[q - 1] for q in range(1, QUARTERS + 1)},
            **{f"realisasi_tw{q}": ind.realisasi_q[q - 1] for q in range(1, QUARTERS + 1)},
            "realisasi_sd_tw": used.value, "sumber_realisasi": two.used.source.value,
            "realisasi_pendukung": rolled.value if rolled is not None else None,
            "triwulan_kosong": ", ".join(f"TW{q}" for q in used.missing),
            "target_sd_tw": two.target_to_date,
            "capaian_tahunan": a, "status_tahunan": s_a, "alasan_tahunan": r_a,
            "capaian_sd_tw": b, "status_sd_tw": s_b, "alasan_sd_tw": r_b,
            "capaian": head.value if head.status is not Status.NOT_COMPUTABLE else None,
            "status": head.status.value,
            "kategori": category(head.value, cascade.reference) or "" if head.value is not None else "",
        })
    table = pd.DataFrame(rows, columns=[f for f in FIELDS if f not in _JOINED])
    return _join_years(table, cascade, n)


_JOINED = ("realisasi_tahun_1", "realisasi_tahun_2", "target_akhir_renstra", "tahun_akhir_renstra",
           "faktor_pendukung", "faktor_penghambat", "upaya", "bukti_dukung")


def _join_years(table: pd.DataFrame, cascade: Cascade, n: int) -> pd.DataFrame:
    """History, Renstra and the narrative of quarter n joined on ID (pandas: the joins across years)."""
    year = cascade.settings.year
    hist = pd.DataFrame([h.model_dump() for h in cascade.history], columns=["id", "year", "target",
                                                                             "realisasi", "note"])
    past = (hist[hist["year"].isin([year - 1, year - 2])]
            .drop_duplicates(["id", "year"], keep="last")
            .pivot(index="id", columns="year", values="realisasi")
            .reindex(columns=[year - 1, year - 2])
            .rename(columns={year - 1: "realisasi_tahun_1", year - 2: "realisasi_tahun_2"})
            .reset_index()) if not hist.empty else pd.DataFrame(columns=["id", "realisasi_tahun_1",
                                                                          "realisasi_tahun_2"])
    ren = pd.DataFrame([r.model_dump() for r in cascade.renstra], columns=["id", "year", "target", "note"])
    final = (ren.sort_values(["id", "year"]).groupby("id", as_index=False).last()
             .rename(columns={"target": "target_akhir_renstra", "year": "tahun_akhir_renstra"})
             [["id", "target_akhir_renstra", "tahun_akhir_renstra"]]) if not ren.empty else pd.DataFrame(
        columns=["id", "target_akhir_renstra", "tahun_akhir_renstra"])
    nar = pd.DataFrame([x.model_dump() for x in cascade.narratives if x.quarter == n],
                       columns=["id", "quarter", "pendukung", "penghambat", "upaya", "bukti"])
    nar = (nar.drop_duplicates("id", keep="last")
           .rename(columns={"pendukung": "faktor_pendukung", "penghambat": "faktor_penghambat",
                            "bukti": "bukti_dukung"})
           [["id", "faktor_pendukung", "faktor_penghambat", "upaya", "bukti_dukung"]])
    out = table.merge(past, on="id", how="left").merge(final, on="id", how="left").merge(nar, on="id",
                                                                                         how="left")
    out = out[list(FIELDS)].astype(object)
    return out.where(pd.notna(out), None)


def default_output(workbook: Path, fmt: str, upto: int) -> Path:
    return workbook.with_name(f"{workbook.stem}_ekspor_TW{upto}.{fmt}")


def export(workbook: str | Path, output: str | Path | None = None, *, fmt: str = "csv",
           upto: int | None = None, force: bool = False) -> Path:
    """Write the export of `workbook` (csv, json or xlsx); never overwrites without `force`."""
    workbook = Path(workbook)
    if fmt not in FORMATS:
        raise UserError(f"Format '{fmt}' tidak dikenal; pilih csv, json atau xlsx.")
    if upto is not None and upto not in range(1, QUARTERS + 1):
        raise UserError(f"--triwulan {upto} tidak valid; isi 1, 2, 3 atau 4.")
    cascade = read_master(workbook, strict=False)
    n = upto or cascade.settings.reporting_quarter
    path = Path(output) if output is not None else default_output(workbook, fmt, n)
    if path.resolve() == workbook.resolve():
        raise UserError(f"File keluaran '{path}' sama dengan workbook master; pilih nama lain dengan -o.")
    if path.exists() and not force:
        raise UserError(f"File '{path}' sudah ada; pakai --force untuk menimpanya atau pilih nama lain "
                        "dengan -o.")
    table = export_table(cascade, n)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "csv":  # a BOM so that Excel opens the Indonesian text right; decimal point for machines
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif fmt == "json":
            table.to_json(tmp, orient="records", force_ascii=False, indent=1)
        else:
            table.to_excel(tmp, index=False, sheet_name=f"Ekspor TW{n}", engine="openpyxl")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"File '{path}' tidak dapat ditulis: {exc.strerror or exc}. Periksa folder dan "
                        "ruang disk, lalu ulangi.") from exc
    return path
