"""Excel functions (xlwings UDFs) of xl-sakip: thin wrappers over xl_sakip.core.

Every function takes whole ranges (a column is one call, a single cell works too) and returns a column.
Problems come back as text in the cell, never as an exception. The docstrings and `doc=` texts are what
Excel's function dialog shows, so they are in Bahasa Indonesia. No rule lives here: conversion only.
On Linux the decorators leave the functions callable, which is how the tests call them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import xlwings as xw
from pydantic import ValidationError

from xl_sakip.book.schema import INDICATOR_COLUMNS
from xl_sakip.core import aggregate, capaian, categories, rollup, validation
from xl_sakip.core.models import (
    QUARTERS,
    Aggregation,
    Band,
    Grade,
    Indicator,
    IpkStatus,
    Kind,
    Polarity,
    Reference,
    RollUp,
    Settings,
)
from xl_sakip.core.numbers import parse_number
from xl_sakip.core.reference import default_reference

Column = list[list[Any]]
_DEFAULT_AGG = Indicator.model_fields["aggregation"].default  # as in the model: jumlah

_SAMPAI = "Sampai triwulan ke berapa (1–4; kosong = 4, setahun)"
_JENIS = "Jenis: persen, jumlah, indeks atau predikat (kosong: jumlah, atau predikat bila target berupa kode)"
_AGREGASI = "Agregasi: jumlah, terakhir atau rasio"


# ---------------------------------------------------------------- conversion helpers


def _rows(x: Any) -> list[list[Any]]:
    """Any Excel argument as a list of rows (a scalar is one row of one cell)."""
    if x is None:
        return []
    if isinstance(x, list | tuple):
        if x and isinstance(x[0], list | tuple):
            return [list(r) for r in x]
        return [list(x)]
    return [[x]]


def _col(x: Any) -> list[Any]:
    """A one-column (or one-cell) argument as a flat list; a single row is read across."""
    rows = _rows(x)
    if len(rows) == 1 and len(rows[0]) > 1:
        return list(rows[0])
    return [r[0] if r else None for r in rows]


def _at(values: list[Any], i: int) -> Any:
    """Broadcast: a single cell applies to every row."""
    if not values:
        return None
    return values[0] if len(values) == 1 else (values[i] if i < len(values) else None)


def _quarters(x: Any, i: int) -> list[Any]:
    """Row i of an n×4 quarter block (a single row applies to every row)."""
    rows = _rows(x)
    if not rows:
        return [None] * QUARTERS
    row = rows[0] if len(rows) == 1 else (rows[i] if i < len(rows) else [])
    return (list(row) + [None] * QUARTERS)[:QUARTERS]


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _enum(cls, v: Any, default, label: str):
    t = _text(v).lower()
    if not t:
        return default
    try:
        return cls(t)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise _CellError(f"{label} «{v}» tidak dikenal (pilih: {allowed})") from None


def _num_or_none(v: Any) -> float | None:
    return aggregate.to_number(v)


class _CellError(ValueError):
    """A problem shown as text in one cell."""


def _excel_safe(fn: Callable) -> Callable:
    """Any unexpected error becomes text in the cell instead of #VALUE!."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - Excel must get text, never an exception
            return [[f"galat: {e}"]]

    return wrapper


def _per_row(n: int, f: Callable[[int], Any]) -> Column:
    out = []
    for i in range(max(n, 1)):
        try:
            out.append([f(i)])
        except (_CellError, aggregate.NotANumber, ValidationError, ValueError) as e:
            out.append([f"tidak dapat dihitung: {e}"])
    return out


def _n(*cols: Sequence) -> int:
    return max((len(c) for c in cols), default=1)


def _settings(rumus_turun: Any, batas: Any) -> Settings:
    kw: dict[str, Any] = {}
    if _text(rumus_turun):
        kw["lower_is_better_formula"] = _text(rumus_turun)
    if _text(batas):
        kw["capaian_cap"] = _num_or_none(batas)
    return Settings(**kw)


def _reference(predikat_kode: Any = None, predikat_skor: Any = None) -> Reference:
    ref = default_reference()
    codes, scores = _col(predikat_kode), _col(predikat_skor)
    if codes:
        ref.grades = [
            Grade(scale="workbook", code=_text(c), score=float(s))
            for c, s in zip(codes, scores, strict=False)
            if _text(c) and s is not None
        ]
    return ref


def _kind(jenis: Any, target: Any) -> Kind:
    t = _text(jenis)
    if t:
        return _enum(Kind, t, Kind.NUMBER, "Jenis")
    if isinstance(target, str) and target.strip():
        try:
            aggregate.to_number(target)
        except aggregate.NotANumber:
            return Kind.GRADE  # a code such as "BB" as target: a grade indicator
    return Kind.NUMBER


def _indicator(i: int, target, polaritas, agregasi, target_tw, target_atas, jenis, real_tw, pemb, peny):
    t = _at(target, i)
    kind = _kind(_at(jenis, i), t)
    is_grade = kind is Kind.GRADE
    return Indicator(
        id=f"R{i + 1}",
        position="X",
        target=None if is_grade else _num_or_none(t),
        target_text=_text(t) if is_grade else "",
        target_upper=_num_or_none(_at(target_atas, i)),
        kind=kind,
        polarity=_enum(Polarity, _at(polaritas, i), Polarity.HIGHER_IS_BETTER, "Polaritas"),
        aggregation=_enum(Aggregation, _at(agregasi, i), _DEFAULT_AGG, "Agregasi"),
        target_q=_quarters(target_tw, i),
        realisasi_q=_quarters(real_tw, i),
        numerator_q=[_num_or_none(v) for v in _quarters(pemb, i)],
        denominator_q=[_num_or_none(v) for v in _quarters(peny, i)],
    )


def _upto(sampai_tw: Any, i: int) -> int:
    v = _at(_col(sampai_tw), i)
    if v is None or _text(v) == "":
        return QUARTERS
    q = int(float(v))
    if not 1 <= q <= QUARTERS:
        raise _CellError(f"sampai_tw harus 1 sampai {QUARTERS}")
    return q


# ---------------------------------------------------------------- capaian


@xw.func
@xw.arg("realisasi", ndim=2, doc="Realisasi (angka, atau kode predikat seperti BB); satu kolom")
@xw.arg("target", ndim=2, doc="Target (angka, atau kode predikat); satu kolom")
@xw.arg("polaritas", ndim=2, doc="Polaritas: naik, turun atau rentang; satu sel atau satu kolom")
@xw.arg("target_atas", ndim=2, doc="Batas atas target rentang (boleh kosong)")
@xw.arg("jenis", ndim=2, doc=_JENIS)
@xw.arg("rumus_turun", doc='Rumus polaritas turun: "2T-R" (bawaan) atau "T/R"')
@xw.arg("batas", doc="Batas tertinggi capaian, misalnya 100 atau 120 (kosong: tanpa batas)")
@xw.arg("predikat_kode", ndim=2, doc="Kolom kode predikat (Ref_Predikat); kosong: skala bawaan")
@xw.arg("predikat_skor", ndim=2, doc="Kolom skor predikat, sejajar dengan predikat_kode")
@_excel_safe
def SAKIP_CAPAIAN(
    realisasi,
    target,
    polaritas=None,
    target_atas=None,
    jenis=None,
    rumus_turun=None,
    batas=None,
    predikat_kode=None,
    predikat_skor=None,
):
    """Capaian (%) dari realisasi terhadap target. Naik: R/T×100; turun: (2T−R)/T×100 atau T/R; rentang:
    100 di dalam rentang; predikat: skor realisasi/skor target×100. Bila tidak dapat dihitung, hasilnya
    teks alasannya."""
    r, t, p = _col(realisasi), _col(target), _col(polaritas)
    ta, j = _col(target_atas), _col(jenis)
    settings, ref = _settings(rumus_turun, batas), _reference(predikat_kode, predikat_skor)

    def one(i: int):
        tv = _at(t, i)
        res = capaian.compute(
            _at(r, i),
            tv,
            _enum(Polarity, _at(p, i), Polarity.HIGHER_IS_BETTER, "Polaritas"),
            target_upper=_num_or_none(_at(ta, i)),
            kind=_kind(_at(j, i), tv),
            settings=settings,
            reference=ref,
        )
        return res.excel()

    return _per_row(_n(r, t), one)


def _capaian_tw_results(
    show: Callable[[capaian.Capaian], Any],
    *,
    realisasi_tw: Any,
    target: Any,
    polaritas: Any,
    agregasi: Any,
    target_tw: Any,
    sampai_tw: Any,
    target_atas: Any,
    jenis: Any,
    pembilang_tw: Any,
    penyebut_tw: Any,
    rumus_turun: Any,
    batas: Any,
    predikat_kode: Any,
    predikat_skor: Any,
) -> Column:
    """SAKIP_CAPAIAN_TW and SAKIP_STATUS: one Capaian per row, shown by `show`."""
    t, p, a, ta, j = (_col(x) for x in (target, polaritas, agregasi, target_atas, jenis))
    settings, ref = _settings(rumus_turun, batas), _reference(predikat_kode, predikat_skor)
    n = max(len(_rows(realisasi_tw)), len(t), 1)

    def one(i: int):
        ind = _indicator(i, t, p, a, target_tw, ta, j, realisasi_tw, pembilang_tw, penyebut_tw)
        return show(capaian.capaian_of(ind, settings, ref, _upto(sampai_tw, i)))

    return _per_row(n, one)


_TW_ARGS = [
    ("realisasi_tw", "Realisasi TW1–TW4: empat kolom, satu baris per indikator"),
    ("target", "Target tahunan (angka atau kode predikat)"),
    ("polaritas", "Polaritas: naik, turun atau rentang"),
    ("agregasi", _AGREGASI),
    ("target_tw", "Target TW1–TW4 (boleh kosong: target tahunan dipakai)"),
    ("sampai_tw", _SAMPAI),
    ("target_atas", "Batas atas target rentang (boleh kosong)"),
    ("jenis", _JENIS),
    ("pembilang_tw", "Pembilang TW1–TW4 (untuk agregasi rasio)"),
    ("penyebut_tw", "Penyebut TW1–TW4 (untuk agregasi rasio)"),
]


def _tw_decorate(fn: Callable) -> Callable:
    fn = _excel_safe(fn)
    fn = xw.arg("predikat_skor", ndim=2, doc="Kolom skor predikat")(fn)
    fn = xw.arg("predikat_kode", ndim=2, doc="Kolom kode predikat (Ref_Predikat)")(fn)
    fn = xw.arg("batas", doc="Batas tertinggi capaian (kosong: tanpa batas)")(fn)
    fn = xw.arg("rumus_turun", doc='Rumus polaritas turun: "2T-R" atau "T/R"')(fn)
    for name, doc in reversed(_TW_ARGS):
        fn = xw.arg(name, ndim=2, doc=doc)(fn)
    return xw.func(fn)


@_tw_decorate
def SAKIP_CAPAIAN_TW(
    realisasi_tw,
    target,
    polaritas=None,
    agregasi=None,
    target_tw=None,
    sampai_tw=None,
    target_atas=None,
    jenis=None,
    pembilang_tw=None,
    penyebut_tw=None,
    rumus_turun=None,
    batas=None,
    predikat_kode=None,
    predikat_skor=None,
):
    """Capaian (%) sampai triwulan tertentu dari realisasi per triwulan: jumlah dijumlahkan, persen/indeks/
    predikat memakai triwulan terakhir yang diisi, rasio dihitung ulang dari pembilang dan penyebut. Bila
    ada triwulan kosong, hasilnya tetap angka; lihat SAKIP_STATUS."""
    # At the top of the body locals() is exactly the arguments: SAKIP_STATUS has the same signature.
    return _capaian_tw_results(capaian.Capaian.excel, **locals())


@_tw_decorate
def SAKIP_STATUS(
    realisasi_tw,
    target,
    polaritas=None,
    agregasi=None,
    target_tw=None,
    sampai_tw=None,
    target_atas=None,
    jenis=None,
    pembilang_tw=None,
    penyebut_tw=None,
    rumus_turun=None,
    batas=None,
    predikat_kode=None,
    predikat_skor=None,
):
    """Status capaian: "dihitung", "belum lengkap: realisasi TW3 belum diisi" atau "tidak dapat dihitung:
    alasannya". Argumen sama dengan SAKIP_CAPAIAN_TW."""
    return _capaian_tw_results(capaian.Capaian.status_text, **locals())


@xw.func
@xw.arg("realisasi_tw", ndim=2, doc="Realisasi TW1–TW4: empat kolom, satu baris per indikator")
@xw.arg("agregasi", ndim=2, doc=_AGREGASI)
@xw.arg("sampai_tw", ndim=2, doc=_SAMPAI)
@xw.arg("jenis", ndim=2, doc=_JENIS)
@xw.arg("pembilang_tw", ndim=2, doc="Pembilang TW1–TW4 (untuk agregasi rasio)")
@xw.arg("penyebut_tw", ndim=2, doc="Penyebut TW1–TW4 (untuk agregasi rasio)")
@_excel_safe
def SAKIP_REALISASI(
    realisasi_tw, agregasi=None, sampai_tw=None, jenis=None, pembilang_tw=None, penyebut_tw=None
):
    """Realisasi sampai triwulan tertentu menurut agregasinya (jumlah, terakhir, rasio). Kosong bila
    belum ada triwulan yang diisi."""
    a, j = _col(agregasi), _col(jenis)

    def one(i: int):
        kind = _kind(_at(j, i), None)
        pv = aggregate.aggregate_values(
            _quarters(realisasi_tw, i),
            _enum(Aggregation, _at(a, i), _DEFAULT_AGG, "Agregasi"),
            kind=kind,
            upto=_upto(sampai_tw, i),
            numerators=[_num_or_none(v) for v in _quarters(pembilang_tw, i)],
            denominators=[_num_or_none(v) for v in _quarters(penyebut_tw, i)],
        )
        if pv.problem:
            return f"tidak dapat dihitung: {pv.problem}"
        return "" if pv.value is None else pv.value

    return _per_row(max(len(_rows(realisasi_tw)), len(a), 1), one)


@xw.func
@xw.arg("target", ndim=2, doc="Target tahunan")
@xw.arg("target_tw", ndim=2, doc="Target TW1–TW4: empat kolom (boleh kosong)")
@xw.arg("agregasi", ndim=2, doc=_AGREGASI)
@xw.arg("sampai_tw", ndim=2, doc=_SAMPAI)
@xw.arg("jenis", ndim=2, doc=_JENIS)
@_excel_safe
def SAKIP_TARGET_SD(target, target_tw=None, agregasi=None, sampai_tw=None, jenis=None):
    """Target sampai triwulan tertentu: jumlah target triwulan (agregasi jumlah), target triwulan terakhir
    (terakhir, rasio), atau target tahunan bila target triwulan kosong."""
    t, a, j = _col(target), _col(agregasi), _col(jenis)

    def one(i: int):
        ind = _indicator(i, t, None, a, target_tw, None, j, None, None, None)
        v = aggregate.target_to_date(ind, _upto(sampai_tw, i))
        return "" if v is None else v

    return _per_row(max(len(t), len(_rows(target_tw)), 1), one)


# ---------------------------------------------------------------- categories


@xw.func
@xw.arg("capaian", ndim=2, doc="Capaian (%): satu sel atau satu kolom")
@xw.arg("batas_bawah", ndim=2, doc="Kolom batas bawah kategori (Ref_Kategori; kosong: bawaan)")
@xw.arg("batas_atas", ndim=2, doc="Kolom batas atas kategori")
@xw.arg("label", ndim=2, doc="Kolom label kategori")
@xw.arg("label_melampaui", doc="Label untuk capaian di atas 100 (kosong: Melampaui Target)")
@_excel_safe
def SAKIP_KATEGORI(capaian, batas_bawah=None, batas_atas=None, label=None, label_melampaui=None):
    """Kategori capaian (Sangat Tinggi, Tinggi, ...). Kategori berlaku untuk capaian di atas batas bawah
    sampai dengan batas atas; di atas 100 mendapat label melampaui target."""
    ref = default_reference()
    labels = _col(label)
    if labels:
        lo, hi = _col(batas_bawah), _col(batas_atas)
        ref.bands = [
            Band(label=_text(lab), lower=_num_or_none(_at(lo, k)), upper=_num_or_none(_at(hi, k)))
            for k, lab in enumerate(labels)
            if _text(lab)
        ]
    if _text(label_melampaui):
        ref.above_target_label = _text(label_melampaui)
    values = _col(capaian)

    def one(i: int):
        v = values[i] if i < len(values) else None
        if isinstance(v, str) and v.strip():
            try:
                v = aggregate.to_number(v)
            except aggregate.NotANumber:
                return ""  # the capaian cell holds a reason: no category
        return categories.category(v, ref) or ""

    return _per_row(len(values), one)


@xw.func
@xw.arg("nilai", ndim=2, doc="Nilai IPK: satu sel atau satu kolom")
@xw.arg("batas_bawah", ndim=2, doc="Kolom batas bawah status (Ref_StatusIPK; kosong: bawaan)")
@xw.arg("label", ndim=2, doc="Kolom label status")
@_excel_safe
def SAKIP_STATUS_IPK(nilai, batas_bawah=None, label=None):
    """Status IPK (Rendah, Menengah Bawah, Menengah Atas, Tinggi): status tertinggi yang batas bawahnya
    tercapai."""
    ref = default_reference()
    labels, lows = _col(label), _col(batas_bawah)
    if labels:
        ref.ipk_statuses = [
            IpkStatus(label=_text(lab), lower=float(_at(lows, k)))
            for k, lab in enumerate(labels)
            if _text(lab)
        ]
    values = _col(nilai)
    return _per_row(len(values), lambda i: categories.ipk_status(_num_or_none(values[i]), ref) or "")


# ---------------------------------------------------------------- roll-up


@xw.func
@xw.arg("id_induk", ndim=2, doc="ID indikator yang dijumlahkan (satu sel atau satu kolom)")
@xw.arg("kolom_id", ndim=2, doc="Kolom ID tabel Indikator")
@xw.arg("kolom_mendukung", ndim=2, doc="Kolom Mendukung ID")
@xw.arg("kolom_nilai", ndim=2, doc="Kolom nilai yang dijumlahkan (target atau realisasi)")
@xw.arg("kolom_rollup", ndim=2, doc="Kolom Roll-up: hanya baris 'jumlah' dijumlahkan (kosong: tidak ada)")
@xw.arg("kolom_target", ndim=2, doc="Kolom Target: pendukung bertingkat memakai jumlah pendukungnya hanya "
        "bila target mereka mencakup targetnya, selain itu nilainya sendiri (kosong: selalu jumlah)")
@_excel_safe
def SAKIP_ROLLUP(id_induk, kolom_id, kolom_mendukung, kolom_nilai, kolom_rollup=None, kolom_target=None):
    """Jumlah nilai indikator pendukung sebuah indikator (bertingkat: pendukung yang punya pendukung
    menyumbang jumlahnya; dengan kolom_target hanya bila target pendukungnya mencakup targetnya, selain
    itu nilainya sendiri, seperti sheet unit). Teks bila tidak ada pendukung atau ada nilai yang kosong."""
    ids, sup, vals, rol = _col(kolom_id), _col(kolom_mendukung), _col(kolom_nilai), _col(kolom_rollup)
    tgt = _col(kolom_target)
    value: dict[str, float | None] = {}
    target: dict[str, float | None] = {}
    links: list[tuple[str, str | None, RollUp]] = []
    for k, raw in enumerate(ids):
        ind_id = _text(raw)
        if not ind_id:
            continue
        value[ind_id] = rollup.parse_value(vals[k] if k < len(vals) else None)
        target[ind_id] = rollup.parse_value(tgt[k] if k < len(tgt) else None)
        how = _enum(RollUp, rol[k] if k < len(rol) else None, RollUp.NONE, "Roll-up")
        links.append((ind_id, _text(sup[k] if k < len(sup) else None) or None, how))
    children = rollup.sum_links(links)  # the same graph as check and the unit sheets
    parents = _col(id_induk)

    by_target = target.get if tgt else None

    return _per_row(len(parents),
                    lambda i: rollup.rollup_sum(_text(parents[i]), children, value.get, by_target).excel())


# ---------------------------------------------------------------- validation and numbers

_HEADER_FIELD = {c.header.casefold(): c.field for c in INDICATOR_COLUMNS}
_LIST_FIELDS = ("target_q", "realisasi_q", "numerator_q", "denominator_q")


def _indicator_from_row(headers: list[Any], row: list[Any]) -> Indicator:
    data: dict[str, Any] = {f: [None] * QUARTERS for f in _LIST_FIELDS}
    for h, v in zip(headers, row, strict=False):
        field = _HEADER_FIELD.get(_text(h).casefold())
        if field is None or v is None or (isinstance(v, str) and not v.strip()):
            continue
        if "." in field:
            name, q = field.split(".")
            data[name][int(q)] = v
        elif field in ("target", "target_upper"):
            data[field] = _num_or_none(v)
        elif field in ("sasaran_no", "source_line"):
            data[field] = int(float(v))
        else:
            data[field] = _text(v) if not isinstance(v, float) else (str(int(v)) if v == int(v) else str(v))
    for name in ("numerator_q", "denominator_q"):
        data[name] = [_num_or_none(v) for v in data[name]]
    data.setdefault("id", "?")
    data.setdefault("position", "")
    return Indicator(**data)


@xw.func
@xw.arg("baris", ndim=2, doc="Baris tabel Indikator (satu atau banyak baris, semua kolom)")
@xw.arg("judul", ndim=2, doc="Baris judul tabel Indikator (tblIndikator[#Headers])")
@xw.arg("predikat_kode", ndim=2, doc="Kolom kode predikat (Ref_Predikat; kosong: skala bawaan)")
@xw.arg("predikat_skor", ndim=2, doc="Kolom skor predikat")
@_excel_safe
def SAKIP_VALIDASI(baris, judul, predikat_kode=None, predikat_skor=None):
    """Masalah pada baris indikator sebagai teks ("" bila tidak ada): target tidak terbaca, satuan tidak
    cocok, predikat tidak dikenal, target triwulan tidak sesuai, realisasi bukan angka, ejaan ..."""
    headers = _rows(judul)[0] if _rows(judul) else []
    rows = _rows(baris)
    ref = _reference(predikat_kode, predikat_skor)

    def one(i: int):
        try:
            ind = _indicator_from_row(headers, rows[i])
        except ValidationError as e:
            msgs = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            return f"baris tidak dapat dibaca: {msgs}"
        except ValueError as e:
            return f"baris tidak dapat dibaca: {e}"
        return validation.row_problems(ind, ref)

    return _per_row(len(rows), one)


@xw.func
@xw.arg("teks", ndim=2, doc="Teks angka gaya Indonesia, misalnya 71,10 atau 14.000")
@_excel_safe
def SAKIP_ANGKA(teks):
    """Angka dari teks gaya Indonesia (koma desimal, titik ribuan). Teks alasan bila tidak terbaca."""
    values = _col(teks)

    def one(i: int):
        v = values[i]
        if isinstance(v, int | float) or v is None:
            return v if v is not None else ""
        p = parse_number(str(v))
        return p.value if p.value is not None else f"tidak terbaca: {p.problem}"

    return _per_row(len(values), one)
