"""Findings of the SAKIP year (issue 14): narrative, evidence, and the links of Renstra/Riwayat/Narasi.

- NARASI_PENGHAMBAT_KOSONG (peringatan): a capaian "s.d. TW n" in a category the office marks as needing an
  explanation (Pengaturan "Kategori Perlu Penjelasan", default Rendah and Sangat Rendah) without a faktor
  penghambat in Narasi for quarter n: what an evaluator asks about first.
- BUKTI_TIDAK_DITEMUKAN (info): a bukti dukung that is a local path which does not exist (links are not
  followed). The core touches no file: the adapter passes `exists`.
- ID_TAHUNAN_TIDAK_DIKENAL (info): a Renstra, Riwayat or Narasi row whose ID is not in Indikator (an
  indicator gone); INDIKATOR_BARU (info): an indicator without a Riwayat row of last year while others
  have one (new this year). Findings, not errors: a cascade changes from year to year.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from xl_sakip.core import words as w
from xl_sakip.core.capaian import capaian_of
from xl_sakip.core.categories import categorizer
from xl_sakip.core.findings import Finding, Locator, Severity
from xl_sakip.core.models import Cascade
from xl_sakip.core.numbers import fmt
from xl_sakip.core.rollup import Source, Walker, walker

SHEETS = {"renstra": "Renstra", "history": "Riwayat", "narratives": "Narasi"}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://|^mailto:|^www\.", re.IGNORECASE)


def is_link(text: str) -> bool:
    """A bukti dukung that is a link (https://..., mailto:, www.) rather than a path."""
    return bool(_URL.match(text.strip()))


def check_year(cascade: Cascade, loc: Locator | None = None,
               exists: Callable[[str], bool] | None = None, *, roll: Walker | None = None) -> list[Finding]:
    """The year's findings. `roll`: a walker of this cascade at its reporting quarter, shared with
    check_rollup (rollup.shared_walker), or None: a walk of its own."""
    loc = loc or Locator()
    out: list[Finding] = []
    n = cascade.settings.reporting_quarter
    ids = {i.id.casefold() for i in cascade.indicators}
    narrative = {(x.id.casefold(), x.quarter): k for k, x in enumerate(cascade.narratives)}
    wanted = {label.casefold() for label in cascade.settings.explain_labels()}
    # One memoised walk for all (the capaian the unit sheet shows, rollup.capaian_rolled), asked only for
    # the rows it is needed for: a row explained in Narasi needs no capaian, nor do its pendukung for it.
    if not wanted:
        roll = None
    elif roll is None:
        roll = walker(cascade, n)
    elif roll.upto != n:
        raise ValueError(f"a walker of TW{roll.upto} for the findings of TW{n}")
    category = categorizer(cascade.reference)
    for ind in cascade.indicators if roll is not None else []:
        k = narrative.get((ind.id.casefold(), n))
        if k is not None and cascade.narratives[k].penghambat.strip():
            continue  # explained whatever its capaian: no need to compute it
        u = roll.used(ind.id)
        empty = w.PARTIAL_EMPTY if u.source is Source.PARTIAL else w.NO_REALISASI
        cap = capaian_of(ind, cascade.settings, cascade.reference, n, u.pv, empty)
        label = category(cap.value)
        if not label or label.strip().casefold() not in wanted:
            continue
        where = (loc.year_item("narratives", k, "penghambat") if k is not None
                 else loc.indicator(ind.id, "id"))
        todo = ("isi Faktor Penghambat pada baris itu" if k is not None else
                f"tambahkan baris di sheet Narasi (ID {ind.id}, Triwulan {n}) dan isi Faktor Penghambat")
        out.append(Finding(
            severity=Severity.WARNING, code="NARASI_PENGHAMBAT_KOSONG", position=ind.position,
            indicator_id=ind.id, cell=where, actual=cap.value,
            message=f"{ind.id}: capaian s.d. TW{n} {fmt(cap.value)}% berkategori {label} tetapi faktor "
                    f"penghambatnya belum diisi; {todo}."))
    for k, x in enumerate(cascade.narratives):
        if x.bukti.strip() and not is_link(x.bukti) and exists is not None and not exists(x.bukti.strip()):
            out.append(Finding(
                severity=Severity.INFO, code="BUKTI_TIDAK_DITEMUKAN", indicator_id=x.id,
                cell=loc.year_item("narratives", k, "bukti"),
                message=f"{x.id} TW{x.quarter}: bukti dukung '{x.bukti.strip()}' tidak ditemukan "
                        "(dicari dari folder workbook); periksa nama atau lokasi berkasnya, atau tulis "
                        "tautannya."))
    for attr, sheet in SHEETS.items():
        for k, x in enumerate(getattr(cascade, attr)):
            if x.id.casefold() not in ids:
                out.append(Finding(
                    severity=Severity.INFO, code="ID_TAHUNAN_TIDAK_DIKENAL", indicator_id=x.id,
                    cell=loc.year_item(attr, k, "id"),
                    message=f"Sheet {sheet}: ID '{x.id}' tidak ada di sheet Indikator (indikator yang sudah "
                            "tidak dipakai?); baris ini tidak dipakai dalam laporan tahun ini."))
    last = cascade.settings.year - 1
    with_history = {h.id.casefold() for h in cascade.history if h.year == last}
    if with_history:
        for ind in cascade.indicators:
            if ind.id.casefold() not in with_history:
                out.append(Finding(
                    severity=Severity.INFO, code="INDIKATOR_BARU", position=ind.position, indicator_id=ind.id,
                    cell=loc.indicator(ind.id, "id"),
                    message=f"{ind.id}: tidak ada realisasi {last} di sheet Riwayat (indikator baru tahun "
                            "ini?); isi bila ada, agar perbandingan dengan tahun lalu lengkap."))
    return out
