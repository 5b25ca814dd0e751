"""Findings about the Anggaran sheet (issue 15): codes, the Program → Kegiatan → Sub Kegiatan tree,
amounts. Codes and severities are listed in validation.RULES; every finding names its cell."""

from __future__ import annotations

from xl_sakip.core.budget import PARENT_LEVEL, BudgetItem, BudgetLevel
from xl_sakip.core.findings import Finding, Locator, Severity
from xl_sakip.core.models import Cascade
from xl_sakip.core.numbers import fmt

E, W = Severity.ERROR, Severity.WARNING

LEVEL_WORD = {BudgetLevel.PROGRAM: "Program", BudgetLevel.KEGIATAN: "Kegiatan",
              BudgetLevel.SUB: "Sub Kegiatan"}
AMOUNT_FIELDS = ("pagu", "pagu_perubahan", *(f"spent_q.{i}" for i in range(4)))


def rupiah(x: float) -> str:
    """An amount in a message: Rp 1.250.000 (no decimals unless it has them)."""
    return "Rp " + fmt(x, 0 if float(x).is_integer() else 2)


def pagu_in_force(item: BudgetItem) -> float | None:
    """For messages only (the figures use rules.budget_pagu): pagu perubahan when typed, else pagu."""
    return item.pagu_perubahan if item.pagu_perubahan is not None else item.pagu


def check_budget(cascade: Cascade, loc: Locator | None = None) -> list[Finding]:
    loc = loc or Locator()
    out: list[Finding] = []
    items = cascade.budget
    codes = {p.code for p in cascade.positions}
    ids = {i.id.casefold() for i in cascade.indicators}

    def add(sev: Severity, code: str, k: int, field: str, msg: str, **nums: float) -> None:
        item = items[k]
        out.append(Finding(severity=sev, code=code, position=item.position, cell=loc.budget(k, field),
                           message=f"Anggaran {item.code}: {msg}", **nums))

    # A set of codes per level: "is any row of the parent level above this one" was a scan of every row
    # per row (n² at 10 000 Sub Kegiatan).
    by_level: dict[BudgetLevel, set[str]] = {}
    for item in items:
        by_level.setdefault(item.level, set()).add(item.code)
    first: dict[str, int] = {}
    for k, item in enumerate(items):
        key = item.code.casefold()
        if key in first:
            add(E, "ANGGARAN_KODE_GANDA", k, "code",
                f"kode ini sudah dipakai di baris {loc.budget(first[key]) or first[key] + 1}; setiap kode "
                "Program, Kegiatan dan Sub Kegiatan harus unik (jumlahnya akan terhitung dua kali).")
        else:
            first[key] = k
        if item.code_is_number:
            cell = loc.budget(k, "code")
            add(W, "ANGGARAN_KODE_ANGKA", k, "code",
                f"kode di {f'sel {cell}' if cell else 'sheet Anggaran'} tersimpan sebagai angka, bukan "
                "teks. Rumus mencocokkan kode sebagai teks, sehingga angka ini tidak sama dengan kode "
                f"'{item.code}' (dan nol di belakang hilang: 2.070 menjadi 2.07): pagu dan realisasinya "
                "tidak terhitung pada kodenya sendiri, dan sheet unit menulis 'kode tidak ada di "
                "Anggaran'. Ketik kodenya sebagai teks, misalnya dengan tanda petik di depan "
                f"('{item.code}).")
        if (parent_level := PARENT_LEVEL.get(item.level)) is not None and not any(
                head in by_level.get(parent_level, ()) for head in item.heads):
            add(E, "ANGGARAN_TANPA_INDUK", k, "code",
                f"{LEVEL_WORD[item.level]} ini tidak berada di bawah {LEVEL_WORD[parent_level]} mana pun: "
                f"tidak ada baris {LEVEL_WORD[parent_level]} yang kodenya, diikuti titik, mengawali kode "
                f"'{item.code}'. Tambahkan baris {LEVEL_WORD[parent_level]}-nya atau perbaiki kodenya.")
        if item.position is not None and item.position not in codes:
            add(E, "ANGGARAN_JABATAN_TIDAK_DIKENAL", k, "position",
                f"Kode Jabatan '{item.position}' tidak ada di sheet Jabatan; pilih dari drop-down.")
        if item.supports is not None and item.supports.casefold() not in ids:
            add(E, "ANGGARAN_LINK_TIDAK_DIKENAL", k, "supports",
                f"Mendukung ID '{item.supports}' tidak ada di sheet Indikator; pilih dari drop-down.")
        for field in AMOUNT_FIELDS:
            name, _, q = field.partition(".")
            value = getattr(item, name)[int(q)] if q else getattr(item, name)
            if value is not None and value < 0:
                add(E, "ANGGARAN_NEGATIF", k, field, f"jumlah negatif ({rupiah(value)}); isi 0 atau lebih.",
                    actual=value)
        if item.level is not BudgetLevel.SUB:
            typed = [f for f in AMOUNT_FIELDS if _amount(item, f) is not None]
            if typed:
                add(W, "ANGGARAN_DI_INDUK", k, typed[0],
                    f"jumlah rupiah diisi pada baris {LEVEL_WORD[item.level]}; jumlah ini tidak dipakai: "
                    f"pagu dan realisasi {LEVEL_WORD[item.level]} adalah jumlah Sub Kegiatan di bawahnya. "
                    "Isi jumlahnya pada baris Sub Kegiatan.")
            continue
        pagu = pagu_in_force(item)
        spent = [v for v in item.spent_q if v is not None]
        if pagu is not None and spent and sum(spent) > pagu:
            last = max(i for i, v in enumerate(item.spent_q) if v is not None)
            which = "Pagu Perubahan" if item.pagu_perubahan is not None else "Pagu"
            add(E, "ANGGARAN_REALISASI_MELEBIHI_PAGU", k, f"spent_q.{last}",
                f"realisasi anggaran TW1-TW4 berjumlah {rupiah(sum(spent))}, melebihi {which} "
                f"{rupiah(pagu)}; periksa angka realisasi atau pagunya.", actual=sum(spent), target=pagu)
    return out


def _amount(item: BudgetItem, field: str) -> float | None:
    name, _, q = field.partition(".")
    return getattr(item, name)[int(q)] if q else getattr(item, name)


def check_pk_versions(cascade: Cascade, loc: Locator | None = None) -> list[Finding]:
    """The Versi PK sheet: unknown versions and IDs, a Perubahan without a date, a change without a
    target. (A Rencana Aksi that does not add up to the target in force: validation.rencana_aksi.)"""
    from xl_sakip.core.budget import PkKind

    loc = loc or Locator()
    out: list[Finding] = []
    names = {v.name.casefold() for v in cascade.pk_versions}
    ids = {i.id.casefold() for i in cascade.indicators}
    for v in cascade.pk_versions:
        if v.variant is PkKind.PERUBAHAN and v.date is None:
            out.append(Finding(severity=W, code="VERSI_PK_TANPA_TANGGAL", message=(
                f"Versi PK '{v.name}' (perubahan) tidak bertanggal, sehingga tidak pernah berlaku; isi kolom "
                "Tanggal di sheet Versi PK.")))
    for k, x in enumerate(cascade.pk_targets):
        if x.version.casefold() not in names:
            out.append(Finding(severity=E, code="VERSI_PK_TIDAK_DIKENAL", cell=loc.pk_target(k, "version"),
                               indicator_id=x.indicator_id, message=(
                f"Target {x.indicator_id} diubah oleh versi '{x.version}' yang tidak ada di kolom Versi "
                "sheet Versi PK; pilih versinya dari drop-down.")))
        if x.indicator_id.casefold() not in ids:
            out.append(Finding(severity=E, code="TARGET_PK_ID_TIDAK_DIKENAL", cell=loc.pk_target(k),
                               message=f"ID Indikator '{x.indicator_id}' (versi {x.version}) tidak ada di "
                                       "sheet Indikator; pilih dari drop-down."))
        if x.target is None:
            out.append(Finding(severity=W, code="TARGET_PK_KOSONG", cell=loc.pk_target(k, "target"),
                               indicator_id=x.indicator_id, message=(
                f"Target Baru {x.indicator_id} pada versi '{x.version}' kosong: target Murni tetap dipakai. "
                "Isi target barunya atau hapus baris itu.")))
    return out


def in_force_names(cascade: Cascade) -> list[str]:
    from xl_sakip.core import rules
    from xl_sakip.core.engine import RulesEnv, run
    from xl_sakip.core.versions import perubahan_names

    env = RulesEnv(cascade.settings, cascade.reference, pk=(cascade.pk_versions, cascade.pk_targets))
    return [n for n in perubahan_names(cascade) if run(rules.version_in_force(n), env)]
