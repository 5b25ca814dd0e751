"""Validation: row rules, workbook rules, and the roll-up and category checks, as findings.

`check(cascade, locator)` is what `xl-sakip check` runs. Every rule has a stable code (see RULES); its
message (Bahasa Indonesia) says what to fix. Rules never raise on bad data: bad data is what they report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from xl_sakip.core.aggregate import NotANumber, is_empty, to_number
from xl_sakip.core.budget_checks import check_budget, check_pk_versions
from xl_sakip.core.capaian import find_grade
from xl_sakip.core.categories import check_bands
from xl_sakip.core.findings import Finding, Locator, Severity, sort_findings
from xl_sakip.core.graph import cycles
from xl_sakip.core.models import QUARTERS, Aggregation, Cascade, Indicator, Kind, Polarity, Reference
from xl_sakip.core.numbers import fmt, fmt_plain, parse_target
from xl_sakip.core.rollup import check_rollup, shared_walker, tolerance
from xl_sakip.core.yearcheck import check_year

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

#: Every code `check` can report, with its severity and what it means (for the docs and the JSON consumer).
RULES: dict[str, tuple[Severity, str]] = {
    "WAJIB_KOSONG": (E, "a required field (Kode Jabatan, Indikator Kinerja) is empty"),
    "TARGET_KOSONG": (E, "no target"),
    "TARGET_TIDAK_TERBACA": (E, "the written target is not a number, percentage, range or grade"),
    "TARGET_BERBEDA": (W, "the Target column differs from the written target"),
    "ANGKA_AMBIGU": (W, "a number in an English form such as 8.96"),
    "SATUAN_TIDAK_SESUAI": (W, "satuan or written target does not fit Jenis"),
    "TARGET_PERSEN_DI_ATAS_100": (W, "a percentage target above 100"),
    "TARGET_NOL": (W, "target 0: capaian cannot be computed"),
    "RENTANG_TIDAK_LENGKAP": (E, "range polarity without a valid upper bound"),
    "PREDIKAT_TIDAK_DIKENAL": (E, "a grade target not in the grade scale"),
    "REALISASI_PREDIKAT_TIDAK_DIKENAL": (E, "a grade realisasi not in the grade scale"),
    "AGREGASI_TIDAK_SESUAI": (W, "aggregation that does not fit the kind (adding up percentages or grades)"),
    "TARGET_TW_BUKAN_ANGKA": (E, "a quarterly target that is not a number"),
    "TARGET_TW_TIDAK_SESUAI": (E, "quarterly targets do not add up to the annual target by the aggregation"),
    "REALISASI_BUKAN_ANGKA": (E, "a realisasi (or numerator/denominator) that is not a number"),
    "REALISASI_NEGATIF": (E, "a negative realisasi (or numerator/denominator)"),
    "RASIO_TANPA_PEMBILANG": (W, "ratio aggregation with realisasi but no numerator/denominator"),
    "EJAAN_MENCURIGAKAN": (INFO, "a known misspelling (kept as written; fix it if you wish)"),
    "ID_GANDA": (E, "an indicator ID used twice (compared as Excel does, ignoring case)"),
    "KODE_GANDA": (E, "a position code used twice (compared as Excel does, ignoring case)"),
    "JABATAN_TIDAK_DIKENAL": (E, "an indicator of a position code that does not exist"),
    "ATASAN_TIDAK_DIKENAL": (E, "a position whose Kode Atasan does not exist"),
    "SIKLUS_JABATAN": (E, "the position tree loops"),
    "AKAR_GANDA": (E, "more than one position without a superior"),
    "TANPA_AKAR": (E, "no position without a superior (no Kepala Dinas)"),
    "NAMA_SHEET_TIDAK_VALID": (E, "a position code or title that cannot become a sheet name"),
    "SHEET_DIUBAH_MANUAL": (E, "a generated sheet edited by hand since xl-sakip wrote it (sheets/edits.py)"),
    "JABATAN_TANPA_INDIKATOR": (INFO, "a position with no indicator"),
    "PENGATURAN_BARU": (INFO, "an older workbook lacks a Pengaturan row added later: default used"),
    # the workbook as a whole (issue 12, items 5 and 17)
    "TAHUN_TIDAK_VALID": (E, "Tahun outside 2000-2100 (0, negative, 10000 ...): every report would carry it"),
    "BATAS_CAPAIAN_TIDAK_VALID": (E, "Batas Atas Capaian zero or negative: every capaian would be cut to it"),
    "MASTER_KOSONG": (E, "the Jabatan or the Indikator sheet holds no row"),
    "XLWINGS_CONF_HILANG": (W, "no xlwings.conf sheet: the SAKIP_ functions find no module"),
    # what the generated sheets' formulas need beyond the values (book/integrity.py); regenerate repairs
    "SPASI_BERLEBIH": (E, "stray spaces in a header, code, ID or drop-down value (formulas compare exactly)"),
    "KODE_ANGKA": (E, "an ID or position code stored as a number (the formulas find text only)"),
    "TABEL_RUSAK": (E, "a table of the master missing, renamed, or not covering every data row"),
    "NAMA_RUSAK": (E, "a defined name the formulas use missing or pointing at the wrong cell, or the "
                      "computed Pengaturan cell it names no longer holding its formula"),
    # roll-up (core/rollup.py)
    "LINK_TIDAK_DIKENAL": (E, "Mendukung ID names an indicator that does not exist"),
    "ROLLUP_TANPA_INDUK": (W, "Roll-up 'jumlah' without Mendukung ID"),
    "JENIS_TIDAK_COCOK": (E, "an addend of another kind than its parent (or a grade)"),
    "SIKLUS_DUKUNGAN": (E, "the Mendukung ID links loop"),
    "ROLLUP_TARGET_TIDAK_SESUAI": (W, "parent target differs from the sum of its children's targets"),
    "ROLLUP_CAKUPAN_SEBAGIAN": (W, "children's targets add up to less than the parent: partial coverage"),
    "ROLLUP_REALISASI_TIDAK_SESUAI": (W, "parent realisasi entered differs from the sum of its children"),
    "TARGET_MELEBIHI_MAKS_KOMPONEN": (E, "an IPK component target above the component's maximum"),
    "KOMPONEN_TANPA_SUB": (INFO, "an IPK component with no sub-indicator: realisasi entered directly"),
    # The SAKIP year (issue 14, core/yearcheck.py)
    "NARASI_PENGHAMBAT_KOSONG": (W, "capaian in a category needing an explanation, no faktor penghambat"),
    "BUKTI_TIDAK_DITEMUKAN": (INFO, "a bukti dukung path that does not exist"),
    "ID_TAHUNAN_TIDAK_DIKENAL": (INFO, "a Renstra, Riwayat or Narasi row whose ID is not in Indikator"),
    "INDIKATOR_BARU": (INFO, "an indicator without last year's Riwayat row while others have one"),
    # categories (core/categories.py)
    "KATEGORI_KOSONG": (E, "no category bands"),
    "KATEGORI_TANPA_LABEL": (E, "a band without a label"),
    "KATEGORI_BATAS_TERBALIK": (E, "a band whose lower bound is not below its upper bound"),
    "KATEGORI_CELAH": (E, "capaian values that fall in no band"),
    "KATEGORI_TUMPANG_TINDIH": (E, "bands that overlap"),
    # the Anggaran sheet (core/budget_checks.py, issue 15)
    "ANGGARAN_KODE_GANDA": (E, "a Program/Kegiatan/Sub Kegiatan code used twice (ignoring case)"),
    "ANGGARAN_TANPA_INDUK": (E, "a Sub Kegiatan under no Kegiatan, or a Kegiatan under no Program (by code)"),
    "ANGGARAN_JABATAN_TIDAK_DIKENAL": (E, "a budget row's Kode Jabatan that does not exist"),
    "ANGGARAN_LINK_TIDAK_DIKENAL": (E, "a budget row's Mendukung ID that does not exist"),
    "ANGGARAN_NEGATIF": (E, "a negative pagu or realisasi anggaran"),
    "ANGGARAN_REALISASI_MELEBIHI_PAGU": (E, "a Sub Kegiatan's realisasi TW1-TW4 above its pagu in force"),
    "ANGGARAN_DI_INDUK": (W, "amounts on a Program or Kegiatan row: not used (the Sub Kegiatan sum is)"),
    "ANGGARAN_KODE_ANGKA": (W, "a budget code stored as a number: never equal to a code (text)"),
    # the Versi PK sheet (core/budget_checks.py, issue 15)
    "VERSI_PK_TIDAK_DIKENAL": (E, "a changed target of a version the Versi column does not list"),
    "VERSI_PK_TANPA_TANGGAL": (W, "a PK Perubahan without a date: never in force"),
    "TARGET_PK_ID_TIDAK_DIKENAL": (E, "a changed target of an indicator ID that does not exist"),
    "TARGET_PK_KOSONG": (W, "a changed target left empty: the Murni target stays"),
    "RENCANA_AKSI_TIDAK_SESUAI": (W, "quarterly targets not matching the target in force, no reason given"),
}

#: Known misspellings of the seed and their correct form; data, extend freely (whole words, any case).
SUSPICIOUS_SPELLINGS: dict[str, str] = {
    "presentase": "persentase",
    "kabupten": "kabupaten",
    "penvidikan": "penyidikan",
    "administasi": "administrasi",
    "pembinaanya": "pembinaannya",
    "nilaitingkat": "Nilai Tingkat",
    "rata- rata": "rata-rata",
}
_SPELLING_RE = [
    # the spelling's lower case for a quick test on ASCII texts ("": none, for a non-ASCII spelling)
    (re.compile(rf"(?<![\w-]){re.escape(w)}(?!\w)", re.I), r, w.lower() if w.isascii() else "")
    for w, r in SUSPICIOUS_SPELLINGS.items()
]

#: Sheets of the master workbook and generated sheets: a position's sheet may not take these names.
RESERVED_SHEET_NAMES = {
    "petunjuk",
    "jabatan",
    "indikator",
    "pengaturan",
    "ref_kategori",
    "ref_predikat",
    "ref_ipk",
    "ref_subipk",
    "ref_statusipk",
    "ref_daftar",
    "xlwings.conf",
    "temuan",
    "ringkasan",
    "template_unit",
    "history",
    "anggaran",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31

#: The years a master can be for: SAKIP began with Inpres 7/1999; a year outside is a typing error (0, -1,
#: 10000, 10^12 passed before and broke PK names, dates and `demo`; issue 12, item 5).
YEAR_MIN, YEAR_MAX = 2000, 2100

PERCENT_UNITS = {"%", "persen"}
_COLUMN_NAMES = {"sasaran": "Sasaran Strategis", "indikator": "Indikator Kinerja"}


def sheet_name_problem(name: str) -> str | None:
    """Why `name` cannot be an Excel sheet name (Bahasa Indonesia), or None when it can."""
    if not name.strip():
        return "nama kosong"
    if len(name) > MAX_SHEET_NAME:
        return f"lebih dari {MAX_SHEET_NAME} karakter"
    if _SHEET_FORBIDDEN.search(name):
        return "memuat karakter terlarang [ ] : * ? / \\"
    if name.startswith("'") or name.endswith("'"):
        return "diawali atau diakhiri tanda petik (')"
    if name.casefold() in RESERVED_SHEET_NAMES:
        return "sama dengan nama sheet yang sudah dipakai buku kerja"
    return None


class _Rows:
    def __init__(self, loc: Locator) -> None:
        self.loc = loc
        self.out: list[Finding] = []

    def add(self, sev: Severity, code: str, ind: Indicator, msg: str, field: str = "id", **nums) -> None:
        self.out.append(
            Finding(
                severity=sev,
                code=code,
                message=msg,
                position=ind.position or None,
                indicator_id=ind.id,
                cell=self.loc.indicator(ind.id, field),
                **nums,
            )
        )


def check_indicator(ind: Indicator, reference: Reference, locator: Locator | None = None) -> list[Finding]:
    """The row rules for one indicator."""
    r = _Rows(locator or Locator())
    add, i = r.add, ind.id
    if not ind.position.strip():
        add(
            E,
            "WAJIB_KOSONG",
            ind,
            f"{i}: Kode Jabatan kosong. Isi kode jabatan pemilik indikator ini.",
            "position",
        )
    if not ind.indikator.strip():
        add(E, "WAJIB_KOSONG", ind, f"{i}: Indikator Kinerja kosong. Isi nama indikatornya.", "indikator")
    _target_rules(ind, reference, add)
    _quarter_target_rules(ind, add)
    _realisasi_rules(ind, reference, add)
    _aggregation_rules(ind, add)
    for field, text in (("sasaran", ind.sasaran), ("indikator", ind.indikator)):
        # An ASCII text holds a spelling (any case) only if its lower case holds the spelling's: most texts
        # are then not searched at all. Other texts are searched: re.I also folds some non-ASCII letters.
        low = text.lower() if text.isascii() else None
        for rx, right, word in _SPELLING_RE:
            if low is not None and word not in low:
                continue
            m = rx.search(text)
            if m:
                add(
                    INFO,
                    "EJAAN_MENCURIGAKAN",
                    ind,
                    f"{i}: «{m.group(0)}» kemungkinan salah ketik; yang lazim «{right}». Perbaiki di "
                    f"kolom {_COLUMN_NAMES[field]} bila memang salah ketik.",
                    field,
                )
    return r.out


def _target_rules(ind: Indicator, reference: Reference, add) -> None:
    i = ind.id
    text = ind.target_text.strip()
    if not text and ind.target is None:
        add(
            E,
            "TARGET_KOSONG",
            ind,
            f"{i}: target kosong. Isi Target Tertulis (misalnya 75%, 200 perusahaan, BB).",
            "target_text",
        )
        return
    codes = [g.code for g in reference.grades]
    parsed = parse_target(text, codes) if text else None
    if ind.kind is Kind.GRADE:
        code = ind.target_grade
        if code is None or find_grade(code, reference.grades) is None:
            add(
                E,
                "PREDIKAT_TIDAK_DIKENAL",
                ind,
                f"{i}: target «{text}» bukan predikat pada skala Ref_Predikat "
                f"({', '.join(codes)}). Tulis kode predikat, atau ubah Jenis.",
                "target_text",
            )
        return
    if parsed is not None and parsed.problem:
        add(E, "TARGET_TIDAK_TERBACA", ind, f"{i}: {parsed.problem}", "target_text")
    elif parsed is not None and parsed.kind is Kind.GRADE:
        add(
            W,
            "SATUAN_TIDAK_SESUAI",
            ind,
            f"{i}: target «{text}» adalah predikat, tetapi Jenis «{ind.kind.value}». "
            "Ubah Jenis menjadi «predikat».",
            "kind",
        )
    elif parsed is not None:
        if ind.target is None:
            add(
                E,
                "TARGET_TIDAK_TERBACA",
                ind,
                f"{i}: kolom Target kosong padahal Target Tertulis «{text}». "
                f"Isi Target dengan {fmt(parsed.value)}.",
                "target",
            )
        elif abs(ind.target - parsed.value) > 1e-9:  # type: ignore[operator]
            add(
                W,
                "TARGET_BERBEDA",
                ind,
                f"{i}: Target {fmt(ind.target)} berbeda dari Target Tertulis «{text}» "
                f"({fmt(parsed.value)}). Samakan keduanya.",
                "target",
                target=ind.target,
                actual=parsed.value,
            )
        if parsed.ambiguous:
            add(
                W,
                "ANGKA_AMBIGU",
                ind,
                f"{i}: target «{text}» bermakna ganda: {parsed.note}. Bila benar, tulis "
                "dengan koma desimal (misalnya 8,96).",
                "target_text",
            )
        if (parsed.kind is Kind.PERCENT) != (ind.kind is Kind.PERCENT):
            add(
                W,
                "SATUAN_TIDAK_SESUAI",
                ind,
                f"{i}: Target Tertulis «{text}» tidak cocok dengan Jenis "
                f"«{ind.kind.value}». Samakan Jenis dengan satuan target.",
                "kind",
            )
    sat = (ind.satuan or "").strip().lower()
    if sat and (sat in PERCENT_UNITS) != (ind.kind is Kind.PERCENT):
        add(
            W,
            "SATUAN_TIDAK_SESUAI",
            ind,
            f"{i}: Satuan «{ind.satuan}» tidak cocok dengan Jenis «{ind.kind.value}». "
            "Persen memakai satuan %, jumlah memakai satuan benda (orang, perusahaan ...).",
            "satuan",
        )
    if ind.kind is Kind.PERCENT and any(v is not None and v > 100 for v in (ind.target, ind.target_upper)):
        add(
            W,
            "TARGET_PERSEN_DI_ATAS_100",
            ind,
            f"{i}: target persentase {fmt(ind.target)}% di atas 100%. Periksa targetnya.",
            "target",
            target=ind.target,
        )
    if ind.polarity is Polarity.RANGE:
        if ind.target_upper is None or ind.target is None or ind.target_upper < ind.target:
            add(
                E,
                "RENTANG_TIDAK_LENGKAP",
                ind,
                f"{i}: Polaritas «rentang» memerlukan Target (batas bawah) dan "
                "Target Atas (batas atas) yang tidak lebih kecil. Isi Target Atas.",
                "target_upper",
            )
    elif ind.target == 0:
        add(
            W,
            "TARGET_NOL",
            ind,
            f"{i}: target 0, capaian tidak dapat dihitung. Isi target yang sebenarnya.",
            "target",
            target=0.0,
        )


def _quarter_target_rules(ind: Indicator, add) -> None:
    if ind.kind is Kind.GRADE or all(is_empty(v) for v in ind.target_q):
        return
    values: list[float] = []
    for q, v in enumerate(ind.target_q, start=1):
        if is_empty(v):
            continue
        try:
            values.append(to_number(v))  # type: ignore[arg-type]
        except NotANumber:
            add(
                E,
                "TARGET_TW_BUKAN_ANGKA",
                ind,
                f"{ind.id}: Target TW{q} «{v}» bukan angka. Tulis angkanya.",
                f"target_q.{q - 1}",
            )
            return
    if ind.target is None:
        return
    if ind.aggregation is Aggregation.SUM:
        total, rule = sum(values), "jumlah target TW1–TW4"
        ok = abs(total - ind.target) <= tolerance(len(values))
    else:  # LATEST, RATIO: the last quarter's target is the year's
        total, rule = values[-1], "target triwulan terakhir yang diisi"
        ok = abs(total - ind.target) <= tolerance(1)
    if not ok:
        add(
            E,
            "TARGET_TW_TIDAK_SESUAI",
            ind,
            f"{ind.id}: {rule} = {fmt(total)} tidak sama dengan target tahunan {fmt(ind.target)} "
            f"(Agregasi «{ind.aggregation.value}»). Perbaiki target triwulan atau target tahunan.",
            "target_q.0",
            target=ind.target,
            sum=round(total, 10),
        )


def _realisasi_rules(ind: Indicator, reference: Reference, add) -> None:
    cols = [
        ("Realisasi", "realisasi_q", ind.realisasi_q),
        ("Pembilang", "numerator_q", ind.numerator_q),
        ("Penyebut", "denominator_q", ind.denominator_q),
    ]
    for label, field, values in cols:
        for q, v in enumerate(values, start=1):
            if is_empty(v):
                continue
            if ind.kind is Kind.GRADE and field == "realisasi_q" and isinstance(v, str):
                try:
                    to_number(v)
                except NotANumber:
                    if find_grade(v, reference.grades) is None:
                        add(
                            E,
                            "REALISASI_PREDIKAT_TIDAK_DIKENAL",
                            ind,
                            f"{ind.id}: {label} TW{q} «{v}» bukan predikat pada skala Ref_Predikat. "
                            "Tulis kode predikat (misalnya BB) atau skornya.",
                            f"{field}.{q - 1}",
                        )
                    continue
            try:
                n = to_number(v)
            except NotANumber:
                add(
                    E,
                    "REALISASI_BUKAN_ANGKA",
                    ind,
                    f"{ind.id}: {label} TW{q} «{v}» bukan angka. Tulis angkanya "
                    "(0 bila memang nol; kosongkan bila belum dilaporkan).",
                    f"{field}.{q - 1}",
                )
                continue
            if n is not None and n < 0:
                add(
                    E,
                    "REALISASI_NEGATIF",
                    ind,
                    f"{ind.id}: {label} TW{q} bernilai negatif ({fmt(n)}). Periksa angkanya.",
                    f"{field}.{q - 1}",
                    actual=n,
                )


def _aggregation_rules(ind: Indicator, add) -> None:
    if ind.kind is Kind.GRADE and ind.aggregation is not Aggregation.LATEST:
        add(
            W,
            "AGREGASI_TIDAK_SESUAI",
            ind,
            f"{ind.id}: predikat tidak dapat dijumlahkan atau dibagi. Ubah Agregasi menjadi «terakhir».",
            "aggregation",
        )
    elif ind.kind in (Kind.PERCENT, Kind.INDEX) and ind.aggregation is Aggregation.SUM:
        add(
            W,
            "AGREGASI_TIDAK_SESUAI",
            ind,
            f"{ind.id}: {ind.kind.value} dijumlahkan antar-triwulan. Ubah Agregasi "
            "menjadi «terakhir», atau «rasio» dengan pembilang dan penyebut.",
            "aggregation",
        )
    if ind.aggregation is Aggregation.RATIO and ind.kind is not Kind.GRADE:
        has_r = any(not is_empty(v) for v in ind.realisasi_q)
        has_parts = any(
            not is_empty(n) and not is_empty(d)
            for n, d in zip(ind.numerator_q, ind.denominator_q, strict=True)
        )
        if has_r and not has_parts:
            add(
                W,
                "RASIO_TANPA_PEMBILANG",
                ind,
                f"{ind.id}: Agregasi «rasio» dihitung dari Pembilang dan Penyebut, "
                "tetapi keduanya kosong. Isi Pembilang/Penyebut per triwulan, atau ubah Agregasi.",
                "numerator_q.0",
            )


def check_workbook(cascade: Cascade, locator: Locator | None = None) -> list[Finding]:
    """Workbook rules: duplicate IDs and codes, the position tree, sheet names."""
    loc = locator or Locator()
    out: list[Finding] = []

    def pos(sev: Severity, code: str, p_code: str, msg: str, field: str = "code") -> None:
        out.append(
            Finding(severity=sev, code=code, message=msg, position=p_code, cell=loc.position(p_code, field))
        )

    # IDs compared as the sheets' MATCH compares them: ignoring case (P03-1.1 and p03-1.1 are one ID).
    same_id: dict[str, list[Indicator]] = {}
    for i in cascade.indicators:
        same_id.setdefault(i.id.casefold(), []).append(i)
    for group in same_id.values():
        if len(group) > 1:
            ind, spelled = group[0], list(dict.fromkeys(i.id for i in group))
            as_written = "" if len(spelled) == 1 else (
                " (ditulis " + ", ".join(f"«{x}»" for x in spelled) + "; Excel tidak membedakan huruf "
                "besar/kecil, sehingga sheet unit menampilkan baris yang pertama untuk semuanya)")
            out.append(
                Finding(
                    severity=E,
                    code="ID_GANDA",
                    position=ind.position,
                    indicator_id=ind.id,
                    cell=loc.indicator(ind.id),
                    message=f"ID indikator «{ind.id}» dipakai {len(group)} kali{as_written}. "
                    "Setiap indikator memerlukan ID sendiri: ubah salah satunya.",
                )
            )
    codes = Counter(p.code.casefold() for p in cascade.positions)
    for p in cascade.positions:
        if codes[p.code.casefold()] > 1:
            codes[p.code.casefold()] = 0  # one finding per code
            pos(
                E,
                "KODE_GANDA",
                p.code,
                f"Kode jabatan «{p.code}» dipakai lebih dari sekali (huruf besar/kecil "
                "dianggap sama). Ubah salah satunya.",
            )
    known = {p.code for p in cascade.positions}
    for ind in cascade.indicators:
        if ind.position and ind.position not in known:
            out.append(
                Finding(
                    severity=E,
                    code="JABATAN_TIDAK_DIKENAL",
                    position=ind.position,
                    indicator_id=ind.id,
                    cell=loc.indicator(ind.id, "position"),
                    message=f"{ind.id}: Kode Jabatan "
                    f"«{ind.position}» tidak ada di sheet Jabatan. Perbaiki kodenya atau tambah jabatannya.",
                )
            )
    roots = [p for p in cascade.positions if not p.parent]
    for p in cascade.positions:
        if p.parent and p.parent not in known:
            pos(
                E,
                "ATASAN_TIDAK_DIKENAL",
                p.code,
                f"Jabatan {p.code}: Kode Atasan «{p.parent}» tidak ada di sheet "
                "Jabatan. Perbaiki kode atasannya.",
                "parent",
            )
    if cascade.positions and not roots:
        pos(
            E,
            "TANPA_AKAR",
            cascade.positions[0].code,
            "Tidak ada jabatan tanpa atasan (Kepala Dinas). Kosongkan Kode Atasan jabatan tertinggi.",
            "parent",
        )
    for p in roots[1:]:
        pos(
            E,
            "AKAR_GANDA",
            p.code,
            f"Jabatan {p.code} tidak punya atasan, padahal {roots[0].code} sudah menjadi "
            "jabatan tertinggi. Isi Kode Atasan-nya.",
            "parent",
        )
    for cycle in cycles({p.code: p.parent for p in cascade.positions}):
        pos(
            E,
            "SIKLUS_JABATAN",
            cycle[0],
            f"Susunan atasan berputar: {' → '.join([*cycle, cycle[0]])}. Perbaiki Kode Atasan salah satunya.",
            "parent",
        )
    with_indicators = {i.position for i in cascade.indicators}
    for p in cascade.positions:
        for label, name in (("Kode", p.code), ("Jabatan", p.title)):
            why = sheet_name_problem(name) if label == "Kode" else _title_problem(name)
            if why:
                pos(
                    E,
                    "NAMA_SHEET_TIDAK_VALID",
                    p.code,
                    f"Jabatan {p.code}: {label} «{name}» tidak dapat menjadi "
                    f"nama sheet ({why}). Ubah {label}.",
                    "code" if label == "Kode" else "title",
                )
        if p.code not in with_indicators:
            msg = f"Jabatan {p.code} «{p.title}» belum punya indikator."
            pos(INFO, "JABATAN_TANPA_INDIKATOR", p.code, msg)
    return out


def _title_problem(title: str) -> str | None:
    # The unit sheet is named "<code> <title>" with forbidden characters replaced: only an empty result fails.
    if not _SHEET_FORBIDDEN.sub("", title).strip(" '"):
        return "judul kosong setelah karakter terlarang dibuang"
    return None


def year_problem(year: int) -> str | None:
    """Why `year` cannot be the year of a master (Bahasa Indonesia), or None."""
    if YEAR_MIN <= year <= YEAR_MAX:
        return None
    return (f"Tahun {year} tidak wajar: isi tahun cascading (antara {YEAR_MIN} dan {YEAR_MAX}, misalnya "
            "2024).")


def cap_problem(cap: float | None) -> str | None:
    """Why `cap` cannot be the Batas Atas Capaian (Bahasa Indonesia), or None (also for no cap)."""
    if cap is None or cap > 0:
        return None
    shown = fmt_plain(cap)
    return (f"Batas Atas Capaian (%) {shown} membuat setiap capaian terpotong menjadi {shown}%: isi "
            "batas yang dipakai (misalnya 100 atau 120), atau kosongkan bila capaian tidak dibatasi.")


def check_settings(cascade: Cascade, locator: Locator | None = None) -> list[Finding]:
    """Rules of the workbook as a whole: the year, the cap on capaian, an empty master."""
    loc = locator or Locator()
    out: list[Finding] = []
    settings = cascade.settings
    if why := year_problem(settings.year):
        out.append(Finding(severity=E, code="TAHUN_TIDAK_VALID", message=f"Pengaturan: {why}",
                           cell=loc.setting("settings.year")))
    if why := cap_problem(settings.capaian_cap):
        out.append(Finding(severity=E, code="BATAS_CAPAIAN_TIDAK_VALID", message=f"Pengaturan: {why}",
                           cell=loc.setting("settings.capaian_cap"), actual=settings.capaian_cap))
    for rows, sheet, what in ((cascade.positions, loc.position_sheet or "Jabatan", "jabatan"),
                              (cascade.indicators, loc.indicator_sheet or "Indikator", "indikator")):
        if not rows:
            out.append(Finding(
                severity=E, code="MASTER_KOSONG", cell=loc.first_row(sheet),
                message=f"Sheet {sheet} tidak berisi satu {what} pun (baris 2 ke bawah kosong). Kembalikan "
                        "isinya, misalnya dari salinan cadangan (.bak.xlsm), atau buat ulang workbook dengan "
                        "xl-sakip import.",
            ))
    return out


def check(cascade: Cascade, locator: Locator | None = None,
          exists: Callable[[str], bool] | None = None) -> list[Finding]:
    """All findings of a cascade: rows, workbook, roll-up, categories. Errors first.

    With a `locator` (the workbook reader builds one: `MasterRows.locator()`) findings name their cell
    ("Indikator!G12"). `exists` tells whether a local bukti dukung path exists (the adapter knows the
    workbook's folder; without it paths are not checked).
    """
    loc = locator or Locator()
    ref = cascade.reference
    assert ref is not None
    out = check_settings(cascade, loc) + check_workbook(cascade, loc)
    for ind in cascade.indicators:
        out.extend(check_indicator(ind, ref, loc))
    roll = shared_walker(cascade)  # each pendukung's realisasi computed once for both
    out.extend(check_rollup(cascade, loc, roll=roll))
    out.extend(check_bands(ref))
    out.extend(check_year(cascade, loc, exists, roll=roll))
    out.extend(check_budget(cascade, loc))
    out.extend(check_pk_versions(cascade, loc))
    if cascade.pk_targets:
        # an indicator whose target a PK Perubahan in force changed: its Rencana Aksi is measured against
        # that target (RENCANA_AKSI_TIDAK_SESUAI), not against the Murni's
        changed, found = rencana_aksi(cascade, loc)
        out = [f for f in out if not (f.code == "TARGET_TW_TIDAK_SESUAI" and f.indicator_id in changed)]
        out.extend(found)
    return sort_findings(out)


def rencana_aksi(cascade: Cascade, loc: Locator) -> tuple[set[str], list[Finding]]:
    """The indicators whose target the PK version in force changed, and RENCANA_AKSI_TIDAK_SESUAI
    (peringatan) for those whose quarterly targets do not add up to it with no Keterangan on the change."""
    from xl_sakip.core.budget_checks import in_force_names
    from xl_sakip.core.versions import in_force

    forced = in_force(cascade)
    names = {n.casefold() for n in in_force_names(cascade)}
    changed: set[str] = set()
    out: list[Finding] = []
    for before, ind in zip(cascade.indicators, forced.indicators, strict=True):
        if before.target == ind.target:
            continue
        changed.add(ind.id)
        if not [f for f in check_indicator(ind, cascade.reference) if f.code == "TARGET_TW_TIDAK_SESUAI"]:
            continue
        if any(x.note.strip() for x in cascade.pk_targets if x.indicator_id.casefold() == ind.id.casefold()
               and x.version.casefold() in names):
            continue
        out.append(Finding(
            severity=W, code="RENCANA_AKSI_TIDAK_SESUAI", position=ind.position, indicator_id=ind.id,
            cell=loc.indicator(ind.id, "target_q.0"), target=ind.target,
            message=(f"Target TW1-TW4 (Rencana Aksi) {ind.id} tidak sesuai dengan target tahunan versi PK "
                     f"yang berlaku ({fmt(ind.target)}; Murni {fmt(before.target)}), dan tidak ada "
                     "keterangan. Sesuaikan target triwulannya, atau tulis alasannya di kolom Keterangan "
                     "Rencana Aksi sheet Versi PK.")))
    return changed, out


def row_problems(ind: Indicator, reference: Reference) -> str:
    """A row's problems as one text for a cell ("" when none): what SAKIP_VALIDASI shows."""
    return "; ".join(f"[{f.code}] {f.message}" for f in check_indicator(ind, reference))


__all__ = [
    "RULES",
    "SUSPICIOUS_SPELLINGS",
    "YEAR_MAX",
    "YEAR_MIN",
    "cap_problem",
    "check",
    "check_indicator",
    "check_settings",
    "check_workbook",
    "row_problems",
    "sheet_name_problem",
    "year_problem",
    "QUARTERS",
]
