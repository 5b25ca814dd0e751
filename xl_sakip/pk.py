"""Perjanjian Kinerja (PK): one print-ready agreement per position, as a sheet and as PDF.

Structure (domain.md, Perjanjian Kinerja; PermenPANRB 53/2014): heading "PERJANJIAN KINERJA TAHUN 2023",
preamble, Pihak Pertama (the official: name, NIP, jabatan) and Pihak Kedua (the superior), the commitment
clauses, place and date, the signature blocks (Pihak Kedua left, Pihak Pertama right), and on a second
page the lampiran: No | Sasaran Strategis | Indikator Kinerja | Target.

Where it comes from:
- names, NIP and titles from the Jabatan sheet; the superior is the position's Kode Atasan. The root
  (Kepala Dinas) has no superior in the tree: its Pihak Kedua (the Gubernur) comes from the settings
  `PK Kepala Dinas: ... Pihak Kedua` (Pengaturan);
- place and date from the settings `Tempat/Tanggal Penandatanganan PK`;
- an empty name, NIP, place or date leaves a dotted line (`BLANK`) to fill by hand, never a placeholder.

One layout, two kinds of cells: in the workbook (`live=True`) every value that comes from the master is
an INDEX/MATCH formula on the position code or indicator ID, so a name typed into Jabatan shows at once;
for the PDF (`live=False`) the same cells hold the values, because the PDF is made from a temporary workbook
that holds only the PK sheets (soffice --convert-to pdf, private profile).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_sakip.book import schema as s
from xl_sakip.book.package import write_output
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.budget_checks import LEVEL_WORD, rupiah
from xl_sakip.core.efficiency import position_rows
from xl_sakip.core.engine import RulesEnv, run
from xl_sakip.core.models import Cascade, Indicator, Position
from xl_sakip.errors import UserError
from xl_sakip.sheets.index import indicators_by_position
from xl_sakip.sheets.names import unit_sheet_name
from xl_sakip.sheets.plan import Content, Formula, Look, PageSpec, SheetPlan, Style, StyleSpan
from xl_sakip.sheets.refs import icol_node, pcol, setting, text_literal
from xl_sakip.sheets.textfit import wrapped_lines
from xl_sakip.sheets.unit_layout import NOT_FOUND

BLANK = "......................"  # a line to fill by hand
PK_KIND = "pk"
N_COLS = 4  # A No | B Sasaran Strategis | C Indikator Kinerja | D Target
WIDTHS = {"A": 6, "B": 31, "C": 43, "D": 17}
FONT = "Arial"

PREAMBLE = ("Dalam rangka mewujudkan manajemen pemerintahan yang efektif, transparan dan akuntabel serta "
            "berorientasi pada hasil, kami yang bertanda tangan di bawah ini:")
FIRST_PARTY = "selanjutnya disebut pihak pertama."
SECOND_PARTY = "selaku atasan pihak pertama, selanjutnya disebut pihak kedua."
CLAUSES = (
    "Pihak pertama berjanji akan mewujudkan target kinerja yang seharusnya sesuai lampiran perjanjian ini, "
    "dalam rangka mencapai target kinerja jangka menengah seperti yang telah ditetapkan dalam dokumen "
    "perencanaan. Keberhasilan dan kegagalan pencapaian target kinerja tersebut menjadi tanggung jawab kami.",
    "Pihak kedua akan melakukan supervisi yang diperlukan serta akan melakukan evaluasi terhadap capaian "
    "kinerja dari perjanjian ini dan mengambil tindakan yang diperlukan dalam rangka pemberian penghargaan "
    "dan sanksi.",
)
LAMPIRAN_HEADERS = ("No", "Sasaran Strategis", "Indikator Kinerja", "Target")


def key_of(code: str) -> str:
    """Marker key of a PK sheet. Never a bare position code: that is the key of a unit sheet."""
    return f"PK-{code}"


def code_of(key: str) -> str | None:
    """The position code of a PK sheet's marker key ("PK-P05" -> "P05"); None for another key."""
    return key[3:] if key.startswith("PK-") else None


# ------------------------------------------------------------------ cells that come from the master


@dataclass(frozen=True)
class Dyn:
    """A cell taken from the master: its formula (workbook) and its value now (PDF)."""

    formula: str  # without the leading "="
    value: str
    # The formula as a tree, where it is built as one: its cached value without parsing the text (one per
    # indicator of every PK sheet; issue 13).
    expr: fx.Expr | None = field(default=None, compare=False, repr=False)


def _or_blank(expr: str) -> str:
    return f'IFERROR(IF({expr}="",{text_literal(BLANK)},{expr}),{text_literal(BLANK)})'


def _prefixed(prefix: str, d: Dyn) -> Dyn:
    return Dyn(f"{text_literal(prefix)}&{d.formula}", prefix + d.value) if prefix else d


def _pos_field(pos: Position | None, code: str | None, attr: str) -> Dyn:
    """`attr` of position `code` from tblJabatan, or a dotted line."""
    value = (getattr(pos, attr) or "") if pos else ""
    if code is None:
        return Dyn(text_literal(BLANK), BLANK)
    # MATCH on codes and IDs the reader accepted (^[A-Za-z0-9_.-]+$: no wildcard), as "=" compares them.
    expr = f"INDEX({pcol(attr)},MATCH({text_literal(code)},{pcol('code')},0))"
    return Dyn(_or_blank(expr), str(value).strip() or BLANK)


def _setting(cascade: Cascade, attr: str) -> Dyn:
    name = setting(f"settings.{attr}")
    value = str(getattr(cascade.settings, attr) or "").strip()
    return Dyn(_or_blank(name), value or BLANK)


def _indicator(ind_id: str, attr: str, value: str) -> Dyn:
    """`attr` of indicator `ind_id` from tblIndikator: blank when empty, NOT_FOUND when the ID is not."""
    found = fx.Fn("INDEX", (icol_node(attr), fx.Fn("MATCH", (fx.lift(ind_id), icol_node("id"), fx.lift(0)))))
    e = fx.Fn("IFERROR", (fx.Fn("IF", (found.eq(""), fx.lift(""), found)), fx.lift(NOT_FOUND)))
    return Dyn(fx.render(e), value, e)


# ------------------------------------------------------------------ the layout


@dataclass
class PkLayout:
    """Cells of one PK (columns A-D) with the formatting `finish_pk_sheet` applies."""

    cells: list[list[Content | Dyn]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    styles: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> style key
    heights: dict[int, float] = field(default_factory=dict)
    page_break_after: int = 0
    table_rows: tuple[int, int] = (0, 0)  # header row, last body row of the lampiran
    budget_rows: tuple[int, int] = (0, 0)  # header row, total row of the budget table (issue 15)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> number format

    def row(self, *values: Content | Dyn, style: str | None = None, merge: tuple[int, int] | None = None,
            height: float | None = None) -> int:
        self.cells.append(list(values) + [None] * (N_COLS - len(values)))
        r = len(self.cells)
        if merge:
            self.merges.append((r, merge[0], r, merge[1]))
        if style:
            for c in range(1, N_COLS + 1):
                self.styles[(r, c)] = style
        if height:
            self.heights[r] = height
        return r


def _superior(cascade: Cascade, pos: Position) -> tuple[Position | None, str | None, bool]:
    """(the superior, its code, whether the settings give it). A root's superior is in the settings."""
    if not pos.parent:
        return None, None, True
    try:
        return cascade.position(pos.parent), pos.parent, False
    except KeyError:
        return None, None, False  # Kode Atasan unknown: dotted lines (validation reports the code)


def pk_layout(cascade: Cascade, code: str, inds: list[Indicator] | None = None, version: str | None = None
              ) -> PkLayout:
    """`inds`: the position's indicators, when the caller has them indexed (`indicators_by_position`);
    else they are looked up here (a pass over every indicator). `version` "perubahan": the heading of a PK
    Perubahan (the caller passes the cascade with that version's targets, core/versions.in_force). A master
    with PK versions has the version named in the heading: the workbook's PK sheets are the PK Murni."""
    pos = cascade.position(code)
    sup, sup_code, from_settings = _superior(cascade, pos)
    year = cascade.settings.year
    lay = PkLayout()
    year_dyn = lambda text: Dyn(f"{text_literal(text)}&{setting('settings.year')}", f"{text}{year}")  # noqa: E731
    heading = "PERJANJIAN KINERJA PERUBAHAN TAHUN " if version == "perubahan" else "PERJANJIAN KINERJA TAHUN "
    named = version is None and bool(cascade.pk_versions)
    if named:
        from xl_sakip.core.versions import murni_name

        tail = f" (PK {murni_name(cascade)})"
        lay.row(Dyn(f"{text_literal(heading)}&{setting('settings.year')}&{text_literal(tail)}",
                    f"{heading}{year}{tail}"), style="title", merge=(1, 4), height=20)
    else:
        lay.row(year_dyn(heading), style="title", merge=(1, 4), height=20)
    office = cascade.settings.office
    lay.row(Dyn(f'UPPER({setting("settings.office")})', office.upper()), style="subtitle", merge=(1, 4))
    lay.row()
    lay.row(PREAMBLE, style="para", merge=(1, 4), height=16.5 * wrapped_lines(PREAMBLE, 80))
    lay.row()

    def party(name: Dyn, nip: Dyn, title: Dyn, closing: str) -> None:
        for label, d in (("Nama", name), ("NIP", nip), ("Jabatan", title)):
            lay.row(None, label, _prefixed(": ", d), style="party", merge=(3, 4),
                    height=16.5 * wrapped_lines(d.value, 50))
        lay.row(closing[0].upper() + closing[1:], style="para", merge=(1, 4))
        lay.row()

    party(_pos_field(pos, code, "official_name"), _pos_field(pos, code, "nip"),
          _pos_field(pos, code, "title"), FIRST_PARTY)
    if from_settings:
        sup_name = _setting(cascade, "pk_root_superior_name")
        sup_nip = _setting(cascade, "pk_root_superior_nip")
        sup_title = _setting(cascade, "pk_root_superior_title")
    else:
        sup_name, sup_nip = _pos_field(sup, sup_code, "official_name"), _pos_field(sup, sup_code, "nip")
        sup_title = _pos_field(sup, sup_code, "title")
    party(sup_name, sup_nip, sup_title, SECOND_PARTY)
    for clause in CLAUSES:
        lay.row(clause, style="para", merge=(1, 4), height=16.5 * wrapped_lines(clause, 80))
        lay.row()
    _signatures(lay, cascade, pos, sup_name, sup_nip, sup_title)
    lay.page_break_after = len(lay.cells)

    # Lampiran
    lay.row(year_dyn("LAMPIRAN PERJANJIAN KINERJA TAHUN "), style="title", merge=(1, 4), height=20)
    title = _pos_field(pos, code, "title")
    lay.row(Dyn(f"UPPER({title.formula})", title.value.upper()), style="subtitle", merge=(1, 4),
            height=16.5 * wrapped_lines(title.value, 80))
    lay.row(Dyn(f'UPPER({setting("settings.office")})', office.upper()), style="subtitle", merge=(1, 4))
    lay.row()
    head = lay.row(*LAMPIRAN_HEADERS, style="head", height=18)
    inds = cascade.indicators_of(code) if inds is None else inds
    groups: list[list[int]] = []
    prev: object = object()
    for ind in inds:
        group = (ind.sasaran_no, ind.sasaran)
        first = group != prev
        prev = group
        no: Content = ind.sasaran_no if first else None
        sas: Content | Dyn = _indicator(ind.id, "sasaran", ind.sasaran) if first else None
        r = lay.row(no, sas, _indicator(ind.id, "indikator", ind.indikator),
                    _indicator(ind.id, "target_text", ind.target_text), style="cell",
                    height=max(16.5, 15 * wrapped_lines(ind.indikator, 36)))
        lay.styles[(r, 1)] = "cell_center"
        lay.styles[(r, 4)] = "cell_center"
        if first:
            groups.append([r])
        else:
            groups[-1].append(r)
    for g in groups:
        # The sasaran cell spans its indicators; rows grow when its text needs more room than theirs.
        first_row, last_row = g[0], g[-1]
        need = 15 * wrapped_lines(str(inds[first_row - head - 1].sasaran), 26)
        have = sum(lay.heights[r] for r in g)
        if need > have:
            lay.heights[last_row] += need - have
        if last_row > first_row:
            lay.merges += [(first_row, 1, last_row, 1), (first_row, 2, last_row, 2)]
    if not inds:
        lay.row(None, "(jabatan ini belum punya indikator di sheet Indikator)", style="cell", merge=(2, 4))
    lay.table_rows = (head, len(lay.cells))
    _budget_rows(lay, cascade, pos)
    lay.row()
    _signatures(lay, cascade, pos, sup_name, sup_nip, sup_title)
    return lay


#: The budget the lampiran lists, by the position's eselon (domain.md, "Budget").
LEVEL_HEADER = {2: "Program", 3: "Kegiatan", 4: "Sub Kegiatan"}


def _budget_rows(lay: PkLayout, cascade: Cascade, pos: Position) -> None:
    """The lampiran's budget table (issue 15): the position's Program (eselon II), Kegiatan (eselon III) or
    Sub Kegiatan (eselon IV) rows of Anggaran with their anggaran, the pagu in force summed from the Sub
    Kegiatan by the rule of core/rules.py (a formula in the workbook, its value in the PDF), and the total."""
    items = position_rows(cascade, pos.code)
    if not items:
        return
    env = RulesEnv(cascade.settings, cascade.reference, budget=cascade.budget, keep_closed=True)
    lay.row()
    levels = {b.level for b in items}
    word = (LEVEL_WORD[next(iter(levels))] if len(levels) == 1
            else LEVEL_HEADER.get(pos.eselon or 0, "Program / Kegiatan / Sub Kegiatan"))
    head = lay.row("No", word, None, "Anggaran (Rp)", style="head", height=18)
    lay.merges.append((head, 2, head, 3))
    first = head + 1
    for k, item in enumerate(items, start=1):
        code = fx.lift(item.code)
        amount = run(rules.budget_pagu(fx.Var("code")), env, code=item.code)
        name_expr = (f"INDEX({rf_col(s.TABLE_BUDGET, 'name')},MATCH({text_literal(item.code)},"
                     f"{rf_col(s.TABLE_BUDGET, 'code')},0))")
        name = Dyn(f'IFERROR({name_expr},{text_literal(item.code)})', item.name)
        label = Dyn(f'{text_literal(item.code + " ")}&{name.formula}', f"{item.code} {item.name}")
        r = lay.row(k, label, None, Dyn(fx.render(rules.budget_pagu(code)), rupiah(amount)), style="cell",
                    height=max(16.5, 15 * wrapped_lines(label.value, 70)))
        lay.merges.append((r, 2, r, 3))
        lay.styles[(r, 1)] = "cell_center"
        lay.styles[(r, 4)] = "cell_right"
        lay.formats[(r, 4)] = s.RUPIAH
    last = len(lay.cells)
    total = run(rules.budget_total(fx.Var("x")), env, x=fx.Arr(
        run(rules.budget_pagu(fx.Var("code")), env, code=b.code) for b in items))
    r = lay.row(None, "Jumlah", None, Dyn(f"SUM(D{first}:D{last})", rupiah(total)), style="cell")
    lay.merges.append((r, 2, r, 3))
    lay.styles[(r, 2)] = "cell_bold"
    lay.styles[(r, 4)] = "cell_right"
    lay.formats[(r, 4)] = s.RUPIAH
    lay.budget_rows = (head, r)


def rf_col(table: str, field_name: str) -> str:
    header = next(c.header for c in s.BUDGET_COLUMNS if c.field == field_name)
    return fx.render(fx.TableCol(table, header))


def _signatures(lay: PkLayout, cascade: Cascade, pos: Position, sup_name: Dyn, sup_nip: Dyn,
                sup_title: Dyn) -> None:
    place, date = _setting(cascade, "place"), _setting(cascade, "date")
    lay.row(None, None, Dyn(f'{place.formula}&", "&{date.formula}', f"{place.value}, {date.value}"),
            style="center", merge=(3, 4))
    r = lay.row("PIHAK KEDUA,", None, "PIHAK PERTAMA,", style="center_bold")
    lay.merges += [(r, 1, r, 2), (r, 3, r, 4)]
    own_title = _pos_field(pos, pos.code, "title")
    r = lay.row(sup_title, None, own_title, style="center",
                height=16.5 * max(wrapped_lines(sup_title.value, 32), wrapped_lines(own_title.value, 50)))
    lay.merges += [(r, 1, r, 2), (r, 3, r, 4)]
    lay.row(height=62)  # room to sign
    own_name, own_nip = _pos_field(pos, pos.code, "official_name"), _pos_field(pos, pos.code, "nip")
    r = lay.row(sup_name, None, own_name, style="sign_name")
    lay.merges += [(r, 1, r, 2), (r, 3, r, 4)]
    r = lay.row(_prefixed("NIP. ", sup_nip), None, _prefixed("NIP. ", own_nip), style="center")
    lay.merges += [(r, 1, r, 2), (r, 3, r, 4)]


def _cells(lay: PkLayout, live: bool) -> list[list[Content]]:
    def one(v: Content | Dyn) -> Content:
        if isinstance(v, Dyn):
            return Formula("=" + v.formula, v.expr) if live else v.value
        return v

    return [[one(v) for v in row] for row in lay.cells]


# ------------------------------------------------------------------ sheets


def pk_sheet_name(pos: Position, taken: Iterable[str] = ()) -> str:
    return unit_sheet_name(f"PK {pos.code}", pos.title, set(taken))


def plan_pk(cascade: Cascade, code: str, name: str | None = None, *, live: bool = True,
            layout: PkLayout | None = None) -> SheetPlan:
    """The PK sheet of one position as a plan (kind "pk", key "PK-<code>"); `layout`: its `pk_layout`,
    when the caller has it already."""
    pos = cascade.position(code)
    lay = pk_layout(cascade, code) if layout is None else layout
    return SheetPlan(name=name or pk_sheet_name(pos), kind=PK_KIND, key=key_of(code), cells=_cells(lay, live),
                     row_heights=dict(lay.heights), look=pk_look(lay))


# The styles of a PK sheet as plan data (what `finish_pk_sheet` sets through openpyxl, for the writer that
# renders from the plan: the ribbon's).
_F = {"font": FONT, "size": 12.0}
_BOX = {"border": True}
PK_STYLES: dict[str, Style] = {
    "title": Style(bold=True, **{**_F, "size": 15.0}, align="center", valign="center"),
    "subtitle": Style(bold=True, **_F, align="center", valign="top", wrap=True),
    "para": Style(**_F, wrap=True, valign="top", align="justify"),
    "party": Style(**_F, wrap=True, valign="top"),
    "center": Style(**_F, align="center", valign="top", wrap=True),
    "center_bold": Style(bold=True, **_F, align="center", valign="top", wrap=True),
    "sign_name": Style(bold=True, underline=True, **_F, align="center", valign="top", wrap=True),
    "head": Style(bold=True, **_F, align="center", valign="center", wrap=True, fill="D9E1F2", **_BOX),
    "cell": Style(**{**_F, "size": 11.0}, wrap=True, valign="top", **_BOX),
    "cell_center": Style(**{**_F, "size": 11.0}, align="center", valign="top", wrap=True, **_BOX),
}


def pk_look(lay: PkLayout) -> Look:
    """Merges, styles (runs of a row's cells of one style), widths and page setup of a PK sheet."""
    spans: list[StyleSpan] = []
    for (r, c), key in sorted(lay.styles.items()):
        last = spans[-1] if spans else None
        if last is not None and (last.style, last.first_row, last.last_col + 1) == (key, r, c):
            spans[-1] = StyleSpan(key, r, last.first_col, r, c)
        else:
            spans.append(StyleSpan(key, r, c, r, c))
    page = PageSpec(orientation="portrait", fit_wide=1, fit_tall=None, center_horizontally=True,
                    margins=(0.6, 0.6, 0.7, 0.7), print_area=(len(lay.cells), N_COLS),
                    row_breaks=(lay.page_break_after,), gridlines=False)
    widths = {k + 1: float(w) for k, w in enumerate(WIDTHS.values())}
    return Look(merges=tuple(lay.merges), spans=tuple(spans), styles=PK_STYLES, column_widths=widths,
                page=page, base=PK_STYLES["party"])


def plan_pk_sheets(cascade: Cascade, taken: Iterable[str] = (), *, live: bool = True,
                   with_layouts: bool = False) -> Any:
    """One PK plan per position, in position order, with names that avoid `taken`. `with_layouts`: also
    each plan's `pk_layout` (what `finish_pk_sheet` needs), as (plans, layouts)."""
    out, layouts = [], []
    for plan, lay in iter_pk_sheets(cascade, taken, live=live):
        out.append(plan)
        layouts.append(lay)
    return (out, layouts) if with_layouts else out


def iter_pk_sheets(cascade: Cascade, taken: Iterable[str] = (), *, live: bool = True
                   ) -> Iterator[tuple[SheetPlan, PkLayout]]:
    """`plan_pk_sheets` one position at a time, each plan with its layout: a caller that writes each sheet
    before asking for the next keeps one PK's cells (and their formula trees) alive, not all of them."""
    used = set(taken)
    by_pos = indicators_by_position(cascade)
    for pos in cascade.positions:
        name = pk_sheet_name(pos, used)
        used.add(name)
        lay = pk_layout(cascade, pos.code, by_pos.get(pos.code, []))
        yield plan_pk(cascade, pos.code, name, live=live, layout=lay), lay


def finish_pk_sheet(ws, cascade: Cascade, code: str, layout: PkLayout | None = None) -> None:
    """Fonts, merges, borders, row heights and A4 portrait print setup of a PK sheet written from its plan."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet.pagebreak import Break, RowBreak

    from xl_sakip.sheets.openpyxl_writer import merge

    lay = pk_layout(cascade, code) if layout is None else layout
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    f = lambda **kw: Font(name=FONT, size=kw.pop("size", 12), **kw)  # noqa: E731
    top_wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top", wrap_text=True)
    styles = {
        "title": (f(size=15, bold=True), Alignment(horizontal="center", vertical="center"), None, None),
        "subtitle": (f(bold=True), centre, None, None),
        "para": (f(), Alignment(wrap_text=True, vertical="top", horizontal="justify"), None, None),
        "party": (f(), top_wrap, None, None),
        "center": (f(), centre, None, None),
        "center_bold": (f(bold=True), centre, None, None),
        "sign_name": (f(bold=True, underline="single"), centre, None, None),
        "head": (f(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True), box,
                 PatternFill("solid", fgColor="D9E1F2")),
        "cell": (f(size=11), top_wrap, box, None),
        "cell_center": (f(size=11), Alignment(horizontal="center", vertical="top", wrap_text=True), box,
                        None),
        "cell_right": (f(size=11), Alignment(horizontal="right", vertical="top"), box, None),
        "cell_bold": (f(size=11, bold=True), top_wrap, box, None),
    }
    # Each style is set through openpyxl once (it looks the font, alignment ... up in the workbook's tables,
    # a hash of every attribute); the other cells of that style get the same table indexes directly.
    ids: dict[str, tuple[int, int, int | None, int | None]] = {}
    for (r, c), key in lay.styles.items():
        cell = ws.cell(r, c)
        got = ids.get(key)
        if got is None:
            font, align, border, fill = styles[key]
            cell.font, cell.alignment = font, align
            if border:
                cell.border = border
            if fill:
                cell.fill = fill
            st = cell._style
            ids[key] = (st.fontId, st.alignmentId, st.borderId if border else None,
                        st.fillId if fill else None)
            continue
        if not cell._style:  # as openpyxl's own setters do (a new cell has no StyleArray yet)
            cell._style = StyleArray()
        st = cell._style
        st.fontId, st.alignmentId = got[0], got[1]
        if got[2] is not None:
            st.borderId = got[2]
        if got[3] is not None:
            st.fillId = got[3]
    for (r, c), number_format in lay.formats.items():
        ws.cell(r, c).number_format = number_format
    for r1, c1, r2, c2 in lay.merges:
        merge(ws, r1, c1, r2, c2)
    for r, h in lay.heights.items():
        ws.row_dimensions[r].height = h
    for col, w in WIDTHS.items():
        ws.column_dimensions[col].width = w
    ws.row_breaks = RowBreak()
    ws.row_breaks.append(Break(id=lay.page_break_after))
    ws.print_area = f"A1:D{len(lay.cells)}"
    ws.print_title_rows = None
    ws.sheet_view.showGridLines = False
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.7


def write_pk_sheet(wb, cascade: Cascade, code: str, name: str | None = None, *, live: bool = True,
                   index: int | None = None, inds: list[Indicator] | None = None, version: str | None = None):
    """Write one PK sheet (with its marker) into an openpyxl workbook and format it. `inds`: the
    position's indicators, from a caller writing every position (`indicators_by_position`)."""
    from xl_sakip.sheets.openpyxl_writer import write_sheet

    lay = pk_layout(cascade, code, inds, version)
    ws = write_sheet(wb, plan_pk(cascade, code, name, live=live, layout=lay), index)
    finish_pk_sheet(ws, cascade, code, lay)
    return ws


# ------------------------------------------------------------------ PDF through headless LibreOffice


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40]


def pdf_name(cascade: Cascade, pos: Position) -> str:
    return f"PK_{cascade.settings.year}_{pos.code}_{_slug(pos.title)}.pdf"


def export_pdfs(cascade: Cascade, outdir: str | Path, position: str | None = None, *,
                timeout: float = 600, version: str | None = None) -> list[Path]:
    """One PDF per position (or only `position`) in `outdir`, made by LibreOffice in a single run."""
    from openpyxl import Workbook

    if position is not None:
        try:
            positions = [cascade.position(position)]
        except KeyError:
            codes = ", ".join(p.code for p in cascade.positions[:30])
            raise UserError(f"Kode jabatan '{position}' tidak ada di sheet {s.SHEET_POSITIONS}. "
                            f"Pilih salah satu: {codes}.") from None
    else:
        positions = list(cascade.positions)
    if not positions:
        raise UserError(f"Sheet {s.SHEET_POSITIONS} tidak berisi jabatan: tidak ada PK untuk dibuat.")
    exe = soffice()
    if exe is None:
        raise UserError("LibreOffice (soffice) tidak ditemukan, padahal dibutuhkan untuk membuat PDF. Pasang "
                        "LibreOffice, atau cetak sheet PK dari Excel (File > Export > PDF).")
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Folder '{outdir}' tidak dapat dibuat: {exc.strerror or exc}.") from exc
    with tempfile.TemporaryDirectory(prefix="xl-sakip-pk-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "in").mkdir()
        (tmpdir / "out").mkdir()
        sources = []
        by_pos = indicators_by_position(cascade)
        for pos in positions:
            wb = Workbook()
            wb.remove(wb.active)
            write_pk_sheet(wb, cascade, pos.code, f"PK {pos.code}", live=False, inds=by_pos.get(pos.code, []),
                           version=version)
            src = tmpdir / "in" / pdf_name(cascade, pos).replace(".pdf", ".xlsx")
            wb.save(src)
            sources.append(src)
        cmd = [exe, f"-env:UserInstallation={(tmpdir / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(tmpdir / "out"), *map(str, sources)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"LibreOffice tidak selesai membuat PDF dalam {timeout:.0f} detik. Tutup jendela "
                            "LibreOffice yang terbuka lalu coba lagi.") from None
        written = []
        for src in sources:
            pdf = tmpdir / "out" / (src.stem + ".pdf")
            if not pdf.exists():
                raise UserError(f"LibreOffice gagal membuat {pdf.name} (kode {proc.returncode}): "
                                f"{(proc.stderr or proc.stdout).strip()[:400]}")
            target = outdir / pdf.name
            try:
                data = pdf.read_bytes()
            except OSError as exc:
                raise UserError(f"PDF buatan LibreOffice '{pdf.name}' tidak dapat dibaca: "
                                f"{exc.strerror or exc}.") from exc
            # Atomic: a full disk or a kill never leaves a partial PDF (book/package.write_output).
            written.append(write_output(target, data))
    return written


def pk(workbook: str | Path, position: str | None, pdf_outdir: str | Path, version: str | None = None
       ) -> list[Path]:
    """`xl-sakip pk WORKBOOK [--position CODE] [--version murni|perubahan] --pdf OUTDIR`: the PK PDFs of a
    master workbook; with `version`, the PK Murni (the Indikator sheet's targets) or the PK Perubahan (the
    targets of the latest PK Perubahan of the Versi PK sheet, every earlier change included)."""
    from xl_sakip.book.reader import read_master
    from xl_sakip.core.versions import in_force, perubahan_names

    cascade = read_master(workbook)
    if version is not None:
        version = version.strip().casefold()
        if version not in ("murni", "perubahan"):
            raise UserError(f"--version '{version}' tidak dikenal; pilih murni atau perubahan.")
        if version == "perubahan" and not perubahan_names(cascade):
            raise UserError(f"Sheet '{s.SHEET_PK_VERSIONS}' tidak memuat versi PK Perubahan yang bertanggal; "
                            "isi versinya (Jenis perubahan, Tanggal) dan target yang berubah, lalu ulangi.")
        cascade = in_force(cascade, version)
    return export_pdfs(cascade, pdf_outdir, position, version=version)


def export_pk_for_book(book_path: str | Path, outdir: str | Path | None = None) -> list[Path]:
    """For the ribbon button: PDFs of every position from the saved workbook at `book_path`, into
    `outdir` (default: a folder "PK_<year>" next to the workbook)."""
    from xl_sakip.book.reader import read_master

    book_path = Path(book_path)
    cascade = read_master(book_path)
    out = Path(outdir) if outdir else book_path.parent / f"PK_{cascade.settings.year}"
    return export_pdfs(cascade, out)
