"""The budget and efficiency block of a unit sheet (issue 15), below the indicator table.

Two tables: the position's budget rows (Program, Kegiatan or Sub Kegiatan of Anggaran whose Kode Jabatan is
the position) with pagu in force, realisasi to date and serapan; then efficiency per sasaran with a budget
and for the position (core/efficiency.py decides which rows and sasaran, the same way for the engine).
Every figure is a rule of core/rules.py ("budget and PK versions") rendered with this sheet's cells: the
codes typed in column Kode, the capaian cells of the indicator rows above.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xl_sakip.book import schema as s
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.efficiency import BudgetLayout
from xl_sakip.sheets.plan import Content, Formula, StyleSpan
from xl_sakip.sheets.textfit import height, wrapped_lines
from xl_sakip.sheets.unit_layout import C_CAPAIAN, FIRST_BODY_ROW, REGENERATE, UNIT_WIDTHS

# Columns of the block (the unit sheet's own columns, reused for these two tables).
B_NO, B_KODE, B_NAMA, B_ID, B_PAGU, B_REAL, B_SERAPAN = 1, 2, 3, 4, 5, 6, 7
E_NO, E_SASARAN, E_KET, E_CAPAIAN, E_PAGU, E_REAL, E_SERAPAN, E_EKA, E_NILAI = 1, 2, 3, 4, 5, 6, 7, 8, 9
BUDGET_HEADERS = {B_NO: "No", B_KODE: "Kode", B_NAMA: "Program / Kegiatan / Sub Kegiatan",
                  B_ID: "Mendukung ID",
                  B_PAGU: "Pagu Berlaku (juta Rp)", B_REAL: "Realisasi s.d. TW (juta Rp)",
                  B_SERAPAN: "Serapan (%)"}
EFFICIENCY_HEADERS = {E_NO: "No", E_SASARAN: "Sasaran", E_KET: "Keterangan",
                      E_CAPAIAN: "Capaian Kinerja (%)",
                      E_PAGU: "Pagu Berlaku (juta Rp)", E_REAL: "Realisasi s.d. TW (juta Rp)",
                      E_SERAPAN: "Serapan (%)", E_EKA: "E (EKA, %)", E_NILAI: "Efisiensi"}
GAP = 2  # empty rows between the indicator table and the block
TOTAL_LABEL = "Jabatan (semua sasaran)"


def first_row(n_indicators: int) -> int:
    """The block's title row: below the indicator table (or the header when there is none)."""
    return FIRST_BODY_ROW + max(n_indicators, 1) - 1 + GAP + 1


@dataclass
class Block:
    cells: dict[tuple[int, int], Content] = field(default_factory=dict)
    styles: list[StyleSpan] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    last_row: int = 0
    total_row: int = 0  # the position's line of the efficiency table (the Dasbor reads it)


def _c(col_: int, r: int) -> fx.Cell:
    return fx.Cell(col_, r)


def F(e: fx.Expr) -> Formula:
    return Formula(fx.formula_text(e), e)


def _budget_col(field_name: str) -> fx.TableCol:
    return fx.TableCol(s.TABLE_BUDGET, next(c.header for c in s.BUDGET_COLUMNS if c.field == field_name))


def plan_block(layout: BudgetLayout, code: str, capaian_rows: dict[str, int], n_indicators: int,
               n_assigned: int) -> Block:
    """The block's cells from `first_row(n_indicators)` down. `capaian_rows`: indicator id -> its row on
    this sheet (its capaian in column Capaian); `n_assigned`: rows of Anggaran with this Kode Jabatan now
    (the note says the sheet is stale when that count changes)."""
    b = Block()
    put = b.cells.__setitem__
    r = first_row(n_indicators)
    quarter = rules.quarter_to_date()
    put((r, 1), F(fx.lift("ANGGARAN DAN EFISIENSI (s.d. TW ") & quarter & ")"))
    b.styles.append(StyleSpan("subhead", r, 1, r, 1))
    stale = f"USANG: baris Anggaran dengan Kode Jabatan {code} berubah; {REGENERATE}"
    # Kode Jabatan compared with "=" (case ignored), not as a COUNTIF criterion (01 would read as a number).
    changed = fx.SUMPRODUCT(fx.ones(_budget_col("position").eq(code))).ne(n_assigned)
    put((r + 1, 1), F(fx.lift("Rumus efisiensi: ") & rules.SET_EFFICIENCY & fx.IF(changed, "; " + stale, "")))
    b.styles.append(StyleSpan("note", r + 1, 1, r + 1, 1))
    h = r + 3
    _header_row(b, h, BUDGET_HEADERS)
    row_of: list[int] = []
    for k, item in enumerate(layout.rows):
        rr = h + 1 + k
        row_of.append(rr)
        kode = _c(B_KODE, rr)
        put((rr, B_NO), k + 1)
        put((rr, B_KODE), item.code)
        # MATCH, not "=": `kode` is a code the reader accepted (^[A-Za-z0-9_.-]+$: no wildcard), and MATCH
        # compares text with text only, as "=" does.
        found = fx.MATCH(kode, _budget_col("code"), 0)
        put((rr, B_NAMA), F(fx.IFERROR(fx.INDEX(_budget_col("name"), found), w.BUDGET_CODE_UNKNOWN)))
        put((rr, B_ID), F(fx.IFERROR(fx.IF(fx.INDEX(_budget_col("supports"), found).eq(""), "",
                                             fx.INDEX(_budget_col("supports"), found)), "")))
        put((rr, B_PAGU), F(rules.budget_pagu(kode)))
        put((rr, B_REAL), F(rules.budget_spent(kode)))
        put((rr, B_SERAPAN), F(rules.serapan(_c(B_REAL, rr), _c(B_PAGU, rr))))
        lines = wrapped_lines(item.name, UNIT_WIDTHS[B_NAMA])
        if lines > 1:
            b.heights[rr] = height(lines)
    last_rows = h + len(layout.rows)
    if layout.rows:
        b.styles += [StyleSpan("count", h + 1, B_NO, last_rows, B_NO),
                     StyleSpan("text", h + 1, B_KODE, last_rows, B_ID),
                     StyleSpan("rupiah_juta", h + 1, B_PAGU, last_rows, B_REAL),
                     StyleSpan("number", h + 1, B_SERAPAN, last_rows, B_SERAPAN)]
    else:
        put((h + 1, B_KODE), "Belum ada baris Anggaran untuk jabatan ini (sheet Anggaran, kolom Kode "
                             "Jabatan).")
        b.styles.append(StyleSpan("note", h + 1, B_KODE, h + 1, B_KODE))
        last_rows = h + 1

    # Efficiency: one line per sasaran with a budget, then the position.
    e0 = last_rows + 2
    _header_row(b, e0, EFFICIENCY_HEADERS)
    eka_cells: list[fx.Expr] = []
    line = e0
    for k, g in enumerate(layout.sasaran):
        line = e0 + 1 + k
        caps = [_c(C_CAPAIAN, capaian_rows[i]) for i in g.indicator_ids if i in capaian_rows]
        members = [row_of[j] for j in g.rows]
        put((line, E_NO), g.sasaran_no if g.sasaran_no is not None else k + 1)
        put((line, E_SASARAN), g.sasaran or ", ".join(g.indicator_ids))
        _efficiency_line(put, line, caps, members, None)
        eka_cells.append(_c(E_EKA, line))
        lines = wrapped_lines(g.sasaran, UNIT_WIDTHS[E_SASARAN])
        if lines > 1:
            b.heights[line] = height(lines)
    total = line + 1
    all_caps = ([fx.Area(_c(C_CAPAIAN, FIRST_BODY_ROW), _c(C_CAPAIAN, FIRST_BODY_ROW + n_indicators - 1))]
                if n_indicators else [fx.lift("")])
    put((total, E_SASARAN), TOTAL_LABEL)
    _efficiency_line(put, total, all_caps, row_of, eka_cells)
    b.styles += [StyleSpan("count", e0 + 1, E_NO, total, E_NO),
                 StyleSpan("text", e0 + 1, E_SASARAN, total, E_KET),
                 StyleSpan("number", e0 + 1, E_CAPAIAN, total, E_CAPAIAN),
                 StyleSpan("rupiah_juta", e0 + 1, E_PAGU, total, E_REAL),
                 StyleSpan("number", e0 + 1, E_SERAPAN, total, E_NILAI),
                 StyleSpan("total", total, E_SASARAN, total, E_SASARAN)]
    b.total_row = total
    b.last_row = total
    return b


def _header_row(b: Block, r: int, headers: dict[int, str]) -> None:
    """A table's header row: the texts, the "head" style from column 1 to the last, a height fitting the
    longest wrapped header."""
    for c_, text in headers.items():
        b.cells[(r, c_)] = text
    b.styles.append(StyleSpan("head", r, 1, r, max(headers)))
    b.heights[r] = height(max(wrapped_lines(t, UNIT_WIDTHS[c_], bold=True) for c_, t in headers.items()))


def _efficiency_line(put, r: int, caps: list[fx.Expr], members: list[int], eka_cells: list[fx.Expr] | None
                     ) -> None:
    cap, ser, eka, nilai = _c(E_CAPAIAN, r), _c(E_SERAPAN, r), _c(E_EKA, r), _c(E_NILAI, r)
    put((r, E_CAPAIAN), F(rules.capaian_mean(*caps)) if caps else "")
    put((r, E_PAGU), F(rules.budget_total(*[_c(B_PAGU, m) for m in members])) if members else 0)
    put((r, E_REAL), F(rules.budget_total(*[_c(B_REAL, m) for m in members])) if members else 0)
    put((r, E_SERAPAN), F(rules.serapan(_c(E_REAL, r), _c(E_PAGU, r))))
    if eka_cells is None:
        put((r, E_EKA), F(rules.eka_term(cap, ser)))
    else:
        put((r, E_EKA), F(rules.eka_mean(*eka_cells)) if eka_cells else "")
    put((r, E_NILAI), F(rules.efficiency(cap, ser, eka)))
    put((r, E_KET), F(rules.efficiency_label(cap, ser, nilai)))




def version_suffix(cascade) -> str:
    """ ' (PK <version in force>)' as formula text to append to a generated sheet's title, when the master
    keeps PK versions (issue 15); "" otherwise."""
    from xl_sakip.core.versions import murni_name, perubahan_names

    if not cascade.pk_versions:
        return ""
    name = rules.version_name(perubahan_names(cascade), murni_name(cascade))
    return f'&" (PK "&{fx.render(name)}&")"'
