"""The formulas of one unit-sheet row: every figure a rule of core/rules.py rendered with the row's cells as
its inputs (the same rule check and the UDFs evaluate); the Keterangan that says why a row needs attention.

Formulas auditors can read (docs/sheets.md):
- every row of a unit sheet holds its indicator ID as a value and one MATCH of it in tblIndikator[ID]
  (hidden helper column); every other master value is an INDEX into a column of tblIndikator by that row,
  so sorting, filtering or inserting rows in the master never makes the sheet wrong;
- structured references (tblIndikator[Target]) and the defined names of Pengaturan (setTahun ...), which
  Excel and LibreOffice 7.4 both read; no XLOOKUP/FILTER/LET, nothing volatile;
- a value that cannot be computed is text saying why, never a silent 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from xl_sakip.book import schema as s
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.models import Indicator, Kind, Polarity, RollUp
from xl_sakip.sheets.plan import Content, Formula
from xl_sakip.sheets.unit_layout import (
    C_ALASAN,
    C_ALASAN_SD_TW,
    C_ALASAN_TAHUNAN,
    C_BARIS,
    C_CAKUP,
    C_CAP_SD_TW,
    C_CAP_TAHUNAN,
    C_CAPAIAN,
    C_CAPAIAN_MENTAH,
    C_DESIMAL,
    C_DILAPOR,
    C_ID,
    C_INDIKATOR,
    C_KATEGORI,
    C_KET,
    C_KOSONG,
    C_MASALAH,
    C_MENTAH_SD_TW,
    C_MENTAH_TAHUNAN,
    C_PAKAI,
    C_PD_ANGKA,
    C_PD_ID,
    C_PD_KOSONG,
    C_PD_MASALAH,
    C_PD_PAKAI,
    C_PEMBILANG,
    C_PENYEBUT,
    C_R_ANAK,
    C_SATUAN,
    C_SEL_R,
    C_SEL_T,
    C_SKOR_R,
    C_SKOR_R_SD_TW,
    C_SKOR_R_TAHUNAN,
    C_SKOR_T,
    C_SKOR_T_SD_TW,
    C_SKOR_T_TAHUNAN,
    C_T_ANAK,
    C_T_BERLAKU,
    C_T_SD_TW,
    C_T_TAHUNAN,
    C_TAHUN,
    C_TARGET,
    C_TATAS,
    C_TQ,
    C_TW,
    NOT_FOUND,
    REGENERATE,
)


def _c(col_: int, r: int, *, abs_col: bool = False) -> fx.Cell:
    return fx.Cell(col_, r, abs_col=abs_col)


def _tcol(field_name: str) -> fx.TableCol:
    hdr = next(c.header for c in s.INDICATOR_COLUMNS if c.field == field_name)
    return fx.TableCol(s.TABLE_INDICATORS, hdr)


def _master(field_name: str, r: int) -> fx.Expr:
    """The master value of this row's indicator, "" when the master cell is empty (never a silent 0)."""
    row = _c(C_BARIS, r, abs_col=True)
    x = fx.INDEX(_tcol(field_name), row)
    return fx.IF(row.eq(""), "", fx.IF(x.eq(""), "", x))


def F(e: fx.Expr) -> Formula:
    """A formula cell from a rule's expression: its text and the expression its cached value comes from."""
    return Formula(fx.formula_text(e), e)


def pendukung_row(child_id: str, sheet: str, row: int, r: int) -> dict[int, Content]:
    """Row `r` of the pendukung block: the pendukung `child_id` (row `row` of `sheet`) as its parent's
    roll-up reads it (rules.rolled): its used realisasi, that as a number, its problem flag, its missing
    quarters."""
    def ref(col_: int) -> Formula:
        return F(fx.Cell(col_, row, sheet, True, True))

    return {C_PD_ID: child_id, C_PD_PAKAI: ref(C_PAKAI),
            C_PD_ANGKA: F(rules.rolled_number(fx.Cell(C_PD_PAKAI, r))), C_PD_MASALAH: ref(C_MASALAH),
            **{C_PD_KOSONG[q]: ref(C_KOSONG[q]) for q in range(4)}}


def row_formulas(
    ind: Indicator,
    r: int,
    children: list[tuple[str, int]],  # (sheet name, row) of each pendukung with roll-up "jumlah"
    cycle: bool,
    master_k: int | None = None,  # its position in tblIndikator[ID] now (rules.master_row checks it first)
    block: tuple[int, int] | None = None,  # first and last row of its pendukung in the pendukung block
    perubahan: Sequence[str] = (),  # the PK Perubahan versions in date order (core/versions.py)
) -> dict[int, Content]:
    """The cells of one unit-sheet row: every figure is a rule of core/rules.py with this row's cells as
    its inputs (the same rule check and the UDFs evaluate)."""
    c: dict[int, Content] = {}
    S, R_ = _c(C_BARIS, r, abs_col=True), _c(C_ID, r, abs_col=True)
    tw = [_c(x, r) for x in C_TW]
    tq = [_c(x, r) for x in C_TQ]
    num = [_c(x, r) for x in C_PEMBILANG]
    den = [_c(x, r) for x in C_PENYEBUT]
    E, J, X, Y = _c(C_TARGET, r), _c(C_TAHUN, r), _c(C_TATAS, r), _c(C_PAKAI, r)
    AO, AP, AR = _c(C_CAPAIAN_MENTAH, r), _c(C_CAKUP, r), _c(C_ALASAN, r)
    kind, agg = ind.kind, ind.aggregation
    is_grade = kind is Kind.GRADE
    ratio = rules.is_ratio(kind, agg)
    is_parent = bool(children) or cycle

    c[C_ID] = ind.id
    c[C_BARIS] = F(rules.master_row(R_, _tcol("id"), master_k))
    c[C_INDIKATOR] = F(fx.IF(S.eq(""), NOT_FOUND, fx.INDEX(_tcol("indikator"), S)))
    c[C_SATUAN] = F(_master("satuan", r))
    for i, x in enumerate(C_TW):
        c[x] = F(_master(f"realisasi_q.{i}", r))
    for i, x in enumerate(C_TQ):
        c[x] = F(_master(f"target_q.{i}", r))
    if ratio:
        for i, x in enumerate(C_PEMBILANG):
            c[x] = F(_master(f"numerator_q.{i}", r))
        for i, x in enumerate(C_PENYEBUT):
            c[x] = F(_master(f"denominator_q.{i}", r))
    if ind.polarity is Polarity.RANGE and not is_grade:
        c[C_TATAS] = F(_master("target_upper", r))

    # Target to date and realisasi s.d. TW n (rules.target, rules.realisasi): n is the reporting quarter in
    # force (setTriwulanBerlaku); quarters after it are not looked at. The reported flags and the annual
    # target, which those rules read many times, are cells of their own (hidden helpers), named instead.
    Q = rules.REPORTING_QUARTER
    for x, e in zip(C_DILAPOR, rules.reported(kind, agg, tw, num, den, Q), strict=True):
        c[x] = F(e)
    rep = [_c(x, r) for x in C_DILAPOR]
    annual = _master("target", r)
    if is_grade:  # a grade target is its written code unless a score is typed in Target
        written = fx.TRIM(fx.INDEX(_tcol("target_text"), S))
        annual = fx.IF(S.eq(""), "", fx.IF(fx.INDEX(_tcol("target"), S).eq(""), written,
                                            fx.INDEX(_tcol("target"), S)))
    else:  # the target of the PK version in force (issue 15); a grade keeps its written code
        annual = rules.target_in_force(annual, R_, perubahan) if perubahan else annual
    c[C_T_BERLAKU] = F(annual)
    annual = _c(C_T_BERLAKU, r)
    c[C_TARGET] = F(rules.target(kind, agg, tq, annual, rep, None, Q))
    c[C_TAHUN] = F(rules.realisasi(kind, agg, tw, num, den, Q, rep))
    c[C_DESIMAL] = 0 if kind is Kind.NUMBER and not ratio else 2
    neg = rules.negative(kind, agg, tw, num, den, Q)
    own = rules.own_realisasi(J, neg)
    own_missing = rules.missing(rep, Q)

    # Roll-up (rules.covers, rules.rolled, rules.used): direct pendukung targets from the master; their
    # realisasi through the "Realisasi Dipakai" cells of the pendukung rows.
    covered: fx.Expr | None = None
    if is_parent:
        kids_rows = pendukung_rows(R_)
        c[C_T_ANAK] = F(fx.SUMPRODUCT(kids_rows, _tcol("target")))
        M, O_ = _c(C_T_ANAK, r), _c(C_R_ANAK, r)
        c[C_SEL_T] = F(fx.IF(fx.AND(fx.ISNUMBER(M), fx.ISNUMBER(E)), M - E, ""))
        if cycle:
            c[C_R_ANAK] = w.CYCLE
            for q in range(4):
                c[C_KOSONG[q]] = 0
            c[C_MASALAH] = 1
            c[C_PAKAI] = F(O_)
        else:
            if block is None or block[1] - block[0] + 1 != len(children):
                raise ValueError(f"{ind.id}: the pendukung block must hold its {len(children)} pendukung")
            # The pendukung's cells, through their rows of the pendukung block (one range each).
            kid = lambda col_: [fx.Area(fx.Cell(col_, block[0], None, True, True),  # noqa: E731
                                        fx.Cell(col_, block[1], None, True, True))]
            c[C_R_ANAK] = F(rules.rolled(kid(C_PD_PAKAI), kid(C_PD_MASALAH), kid(C_PD_ANGKA)))
            t_own = fx.INDEX(_tcol("target"), S)
            # Pendukung with a target (the reader accepts only numbers there; an empty cell has none).
            with_target = fx.SUMPRODUCT(kids_rows * _tcol("target").ne(""))
            cover = rules.covers(t_own, len(children), with_target, M)
            c[C_CAKUP] = F(fx.IF(S.eq(""), 0, fx.IF(cover, 1, 0)))
            covered = AP.eq(1)
            c[C_PAKAI] = F(rules.used(covered, O_, own))
            for q in range(4):
                c[C_KOSONG[q]] = F(fx.IF(covered, fx.MAX(*kid(C_PD_KOSONG[q])), own_missing[q]))
            c[C_MASALAH] = F(rules.problem(Y))
        c[C_SEL_R] = F(fx.IF(fx.AND(fx.ISNUMBER(O_), fx.ISNUMBER(J)), O_ - J, ""))
    else:
        c[C_PAKAI] = F(own)
        for q in range(4):
            c[C_KOSONG[q]] = F(own_missing[q])
        c[C_MASALAH] = F(rules.problem(Y))

    # Capaian (rules.capaian_reason / capaian_value / capaian) of the realisasi used, and its category.
    scores: tuple[fx.Expr, fx.Expr] | None = None
    if is_grade:
        c[C_SKOR_T] = F(rules.grade_score_target(E))
        c[C_SKOR_R] = F(rules.grade_score_realisasi(Y, E))
        scores = (_c(C_SKOR_T, r), _c(C_SKOR_R, r))
    empty = rules.empty_reason(covered) if is_parent and not cycle else w.NO_REALISASI
    reason = rules.capaian_reason(kind, ind.polarity, Y, E, X, empty, scores)
    c[C_ALASAN] = F(fx.IF(S.eq(""), "", reason))
    c[C_CAPAIAN_MENTAH] = F(fx.IF(AR.eq(""), fx.IF(S.eq(""), "", rules.capaian_value(
        kind, ind.polarity, Y, E, X, scores)), ""))
    K = _c(C_CAPAIAN, r)
    c[C_CAPAIAN] = F(fx.IF(S.eq(""), "", rules.capaian(AR, AO)))
    c[C_KATEGORI] = F(rules.category(K))

    # The two readings s.d. TW n (issue 14): the same realisasi used, against the annual target and against
    # the Rencana Aksi target to date (no quarterly targets: not computable, saying so).
    readings = ((C_T_TAHUNAN, C_ALASAN_TAHUNAN, C_MENTAH_TAHUNAN, C_CAP_TAHUNAN,
                 rules.annual_target(kind, annual), w.NO_TARGET, (C_SKOR_T_TAHUNAN, C_SKOR_R_TAHUNAN)),
                (C_T_SD_TW, C_ALASAN_SD_TW, C_MENTAH_SD_TW, C_CAP_SD_TW,
                 rules.target_rencana_aksi(kind, agg, tq, rep, None, Q), rules.no_target_rencana_aksi(tq),
                 (C_SKOR_T_SD_TW, C_SKOR_R_SD_TW)))
    for t_col, why_col, raw_col, cap_col, t_rule, no_target, score_cols in readings:
        T_ = _c(t_col, r)
        c[t_col] = F(fx.IF(S.eq(""), "", t_rule))
        reading_scores: tuple[fx.Expr, fx.Expr] | None = None
        if is_grade:  # the scores in cells of their own, as for the capaian (read several times each)
            c[score_cols[0]] = F(rules.grade_score_target(T_))
            c[score_cols[1]] = F(rules.grade_score_realisasi(Y, T_))
            reading_scores = (_c(score_cols[0], r), _c(score_cols[1], r))
        why = rules.capaian_reason(kind, ind.polarity, Y, T_, X, empty, reading_scores, no_target=no_target)
        c[why_col] = F(fx.IF(S.eq(""), "", why))
        c[raw_col] = F(fx.IF(_c(why_col, r).eq(""), fx.IF(S.eq(""), "", rules.capaian_value(
            kind, ind.polarity, Y, T_, X, reading_scores)), ""))
        c[cap_col] = F(fx.IF(S.eq(""), "", rules.capaian(_c(why_col, r), _c(raw_col, r))))

    # Keterangan: why a row needs attention (not found, stale, negative, incomplete); on a parent row
    # also where its realisasi comes from.
    c[C_KET] = F(_keterangan(ind, r, children, is_parent, cycle, neg, K, covered))
    return c


def pendukung_rows(indicator_id: fx.Expr) -> fx.Expr:
    """1 on each row of tblIndikator that adds to `indicator_id` (Mendukung ID = it, Roll-up "jumlah"), else
    0. IDs compare with "=" (case ignored), as rules.lookup_row does, never as SUMIFS/COUNTIFS criteria,
    which read an ID such as 1.1 as a number (LibreOffice then also meets the text "1.1", our evaluator did
    not). SUMPRODUCT over these is indexed by our evaluator (formula._sumproduct_indexed): a parent's row
    costs about the number of its pendukung, as SUMIFS did."""
    return _tcol("supports").eq(indicator_id) * _tcol("rollup").eq(RollUp.SUM.value)


def _quarter_list(flags: Sequence[fx.Expr]) -> fx.Expr:
    """ "TW1, TW3" of the quarters whose flag holds (text joined, the last ", " cut)."""
    parts = [fx.IF(f, f"{s.Q[q]}, ", "") for q, f in enumerate(flags)]
    joined = parts[0]
    for p_ in parts[1:]:
        joined = joined & p_
    return fx.LEFT(joined, fx.LEN(joined) - 2)


def _keterangan(ind: Indicator, r: int, children: list[tuple[str, int]], is_parent: bool, cycle: bool,
                neg: Sequence[fx.Expr], K: fx.Expr, covered: fx.Expr | None) -> fx.Expr:
    S, R_ = _c(C_BARIS, r, abs_col=True), _c(C_ID, r, abs_col=True)
    kinds = "|".join([ind.kind.value, ind.polarity.value, ind.aggregation.value, ind.position])
    key: fx.Expr = fx.INDEX(_tcol("kind"), S)
    for f_ in ("polarity", "aggregation", "position"):
        key = key & "|" & fx.INDEX(_tcol(f_), S)
    source = fx.IF(covered, w.FROM_PENDUKUNG, w.FROM_OWN) if covered is not None else None

    def also(e: fx.Expr) -> fx.Expr:
        return e & "; " & source if source is not None else e

    stale = "usang: Jenis/Polaritas/Agregasi/Kode Jabatan berubah di Indikator; " + REGENERATE
    checks: list[tuple[fx.Expr, object]] = [(S.eq(""), NOT_FOUND), (key.ne(kinds), stale)]
    if is_parent:
        n_now = fx.SUMPRODUCT(pendukung_rows(R_))
        stale_kids = f"usang: indikator pendukung berubah di Indikator; {REGENERATE}"
        checks.append((n_now.ne(len(children)), stale_kids))
    if neg:
        note = "realisasi negatif di " & _quarter_list(neg) & ": periksa sheet Indikator"
        checks.append((fx.OR(*neg), also(note)))
    missing = [_c(C_KOSONG[q], r).eq(1) for q in range(4)]
    checks.append((fx.AND(fx.ISNUMBER(K), fx.SUM(fx.Area(_c(C_KOSONG[0], r), _c(C_KOSONG[-1], r))).gt(0)),
                   also(w.INCOMPLETE + ": realisasi " & _quarter_list(missing) & " belum diisi")))
    return fx.cond(checks, source if source is not None else "")
