"""Pohon kinerja: the cascade drawn as a tree, as SVG, PNG and a picture sheet in the workbook.

One layout, two renderers. `layout(cascade)` places every box, line and text run in millimetres on a page
(A3 landscape by default); `to_svg` writes that drawing as SVG text (written here, so the output is
byte-for-byte deterministic) and `to_png` paints it with Pillow. Text is measured with the same font Pillow
paints with (DejaVu Sans where installed, else Arial, else Pillow's built-in font), and every SVG text run
carries its measured `textLength`, so a viewer with another font still keeps each line inside its box.

Why Pillow rather than cairosvg or matplotlib: Pillow is needed anyway for a picture in an openpyxl
workbook, ships wheels with FreeType for every platform and needs no system library (cairosvg needs
libcairo, matplotlib is far larger); a tree of boxes needs nothing more than rectangles, lines and text.

What a box shows: the position code and title (and the official's name when the master has one), then each
indicator with its sasaran number, its text, its target as written, and, where realisasi exists, its
capaian on a chip coloured by category (the colours of the unit sheets). An indicator whose roll-up does not
add up (core/rollup.check_rollup: ROLLUP_TARGET_TIDAK_SESUAI, ROLLUP_CAKUPAN_SEBAGIAN,
ROLLUP_REALISASI_TIDAK_SESUAI) gets a red bar and a numbered note explained at the foot of the page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from xl_sakip.book.package import write_output
from xl_sakip.core.capaian import Status
from xl_sakip.core.categories import categorizer
from xl_sakip.core.findings import Finding, fmt
from xl_sakip.core.models import Cascade, Indicator, Position
from xl_sakip.core.rollup import capaian_rolled, check_rollup, sum_children, walker
from xl_sakip.errors import UserError
from xl_sakip.sheets.bands import ABOVE_FILL, NO_VALUE_FILL, fill_of

PT = 25.4 / 72  # millimetres per point
A3_LANDSCAPE = (420.0, 297.0)
GAP_CODES = ("ROLLUP_TARGET_TIDAK_SESUAI", "ROLLUP_CAKUPAN_SEBAGIAN", "ROLLUP_REALISASI_TIDAK_SESUAI")
NOT_COMPUTABLE = "tidak dapat dihitung"  # legend label of the grey chip (Bahasa Indonesia, like the sheets)
NO_VALUE_CHIP = "–"  # the grey chip's text in a box: the legend says what it means
HEAD_FILLS = ("1F4E78", "2E75B6", "5B9BD5")  # by depth; deeper boxes keep the last
GAP_RED = "C00000"
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"

# ------------------------------------------------------------------ fonts and measuring

_FONT_FILES = {False: ("DejaVuSans.ttf", "arial.ttf", "Arial.ttf"),
               True: ("DejaVuSans-Bold.ttf", "arialbd.ttf", "Arial Bold.ttf")}
_REF_PX = 200  # measuring size: widths scale linearly with the size


@cache
def _font(bold: bool, px: float):  # -> PIL.ImageFont.FreeTypeFont
    from PIL import ImageFont

    for name in _FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, px)
        except OSError:
            continue
    return ImageFont.load_default(px)  # Pillow's own font: always there


# Measured lengths at _REF_PX: `layout` tries up to 19 text sizes and wraps the same texts at each, so the
# same strings come back many times. Bounded: cleared when it grows past the limit.
_LENGTHS: dict[tuple[str, bool], float] = {}
_LENGTHS_MAX = 400_000


_CACHED_LEN = 200  # longer strings (pieces of an unbroken word being cut) are measured, not kept


def _length(text: str, bold: bool) -> float:
    key = (text, bold)
    v = _LENGTHS.get(key)
    if v is None:
        v = _font(bold, _REF_PX).getlength(text)
        if len(text) <= _CACHED_LEN:
            if len(_LENGTHS) >= _LENGTHS_MAX:
                _LENGTHS.clear()
            _LENGTHS[key] = v
    return v


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of `text` in mm at `size_pt`."""
    return _length(text, bold) / _REF_PX * size_pt * PT


def wrap(text: str, width: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to `width` mm; a word longer than the width is cut (each piece as long as fits)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        cand = f"{line} {word}" if line else word
        if text_width(cand, size_pt, bold) <= width:
            line = cand
            continue
        if line:
            lines.append(line)
        pieces = _cut(word, width, size_pt, bold)
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line:
        lines.append(line)
    return lines or [""]


def _cut(word: str, width: float, size_pt: float, bold: bool) -> list[str]:
    """`word` cut into pieces that fit `width` (the last one is what is left; a piece of one character may
    be wider). Each piece is the longest prefix of the rest that fits, found by doubling then bisecting
    from the previous piece's length, so only strings about a line long are measured: linear in the word's
    length (issue 12: measuring the whole rest for every line was quadratic, minutes at 40 000 characters)."""

    def fits(piece: str) -> bool:
        return text_width(piece, size_pt, bold) <= width

    pieces: list[str] = []
    i, n, guess = 0, len(word), 1
    while i < n:
        rest = n - i
        k = min(guess, rest)
        lo, hi = 0, k  # word[i:i+lo] fits (0: nothing known to), word[i:i+hi] does not (rest + 1: unknown)
        if fits(word[i:i + k]):
            lo, hi = k, rest + 1
            while lo < rest:
                nxt = min(2 * lo, rest)
                if not fits(word[i:i + nxt]):
                    hi = nxt
                    break
                lo = nxt
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fits(word[i:i + mid]):
                lo = mid
            else:
                hi = mid
        lo = max(lo, 1)  # one character wider than the line is still a piece
        pieces.append(word[i:i + lo])
        i += lo
        guess = lo
    return pieces or [""]


# ------------------------------------------------------------------ the drawing


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    stroke_w: float = 0.25
    radius: float = 0.0


@dataclass(frozen=True)
class Text:
    x: float  # left edge (align "left"), centre ("middle") or right edge ("end")
    y: float  # top of the line box
    text: str
    size: float  # pt
    bold: bool = False
    color: str = "000000"
    align: str = "left"

    @property
    def baseline(self) -> float:
        return self.y + 0.93 * self.size * PT

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, self.bold)


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str = "7F7F7F"
    width: float = 0.35


Item = Rect | Text | Polyline


@dataclass
class Drawing:
    width: float  # mm
    height: float
    items: list[Item] = field(default_factory=list)
    boxes: dict[str, Rect] = field(default_factory=dict)  # position code -> its box (for tests)
    notes: list[str] = field(default_factory=list)  # roll-up notes at the foot, in order
    scale: float = 1.0  # text scale used to fit the page


def _fill_of(label: str | None, cascade: Cascade) -> str:
    """The chip's colour: the unit sheets' colour of the category (sheets/bands.py, by band row)."""
    ref = cascade.reference
    assert ref is not None
    return fill_of(label, [b.label for b in ref.bands], ref.above_target_label)


def _has_realisasi(ind: Indicator, parents: set[str]) -> bool:
    return ind.id in parents or any(v not in (None, "") for v in ind.realisasi_q)


def id_num(v: float, digits: int = 1) -> str:
    """A number the Indonesian way: 88,2."""
    return f"{v:,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def gap_note(f: Finding, ind: Indicator | None) -> str:
    """One line at the foot of the tree explaining a roll-up gap (Bahasa Indonesia)."""
    what = f"{f.indicator_id} {ind.indikator.lstrip('- ').strip()}" if ind else str(f.indicator_id)
    if f.code == "ROLLUP_REALISASI_TIDAK_SESUAI":
        return (f"{what}: realisasi diisi {fmt(f.actual)}, jumlah realisasi pendukung {fmt(f.sum)}")
    if f.code == "ROLLUP_CAKUPAN_SEBAGIAN":
        return (f"{what}: target {fmt(f.target)}, pendukung baru menjumlah {fmt(f.sum)} (cakupan sebagian)")
    diff = (f.sum or 0) - (f.target or 0)
    return f"{what}: target {fmt(f.target)}, jumlah target pendukung {fmt(f.sum)} (selisih {fmt(diff)})"


class _Style:
    """Sizes (pt) and paddings (mm) at a given scale (plain attributes: read millions of times)."""

    BASE = {"head": 6.6, "name": 5.6, "body": 5.9, "num": 5.2, "small": 4.6, "chip": 5.2,
            "pad": 1.0, "gap": 2.6, "indent": 3.0, "right": 15.0, "left": 5.4}
    head: float
    name: float
    body: float
    num: float
    small: float
    chip: float
    pad: float
    gap: float
    indent: float
    right: float
    left: float

    def __init__(self, s: float) -> None:
        self.s = s
        for name, base in self.BASE.items():
            setattr(self, name, base * (s if name != "gap" else 1.0))


@dataclass
class _Index:
    """What the boxes need from the cascade, found once per layout rather than once per box and size."""

    indicators: dict[str, list[Indicator]]  # position code -> its indicators, in table order
    children: dict[str | None, list[Position]]  # Kode Atasan -> positions, in table order
    chips: dict[str, tuple[str, str]]  # indicator id -> (capaian text, fill), where realisasi exists


def _index(cascade: Cascade) -> _Index:
    inds: dict[str, list[Indicator]] = {}
    for i in cascade.indicators:
        inds.setdefault(i.position, []).append(i)
    children: dict[str | None, list[Position]] = {}
    for p in cascade.positions:
        children.setdefault(p.parent, []).append(p)
    parents = {i.supports for i in cascade.indicators if i.supports and i.rollup.value == "jumlah"}
    parents = {p for p in parents if p}
    tree = {p: [c.id for c in cs] for p, cs in sum_children(cascade.indicators).items()}
    by_id = {i.id: i for i in cascade.indicators}
    chips: dict[str, tuple[str, str]] = {}
    roll, category = walker(cascade, tree=tree, by_id=by_id), categorizer(cascade.reference)
    for ind in cascade.indicators:
        if _has_realisasi(ind, parents):
            cap = capaian_rolled(cascade, ind, _roll=roll)
            if cap.value is not None:
                star = "*" if cap.status is Status.INCOMPLETE else ""
                fill = _fill_of(category(cap.value), cascade)
                chips[ind.id] = (id_num(cap.value) + "%" + star, fill)
            else:
                chips[ind.id] = (NO_VALUE_CHIP, NO_VALUE_FILL)
    return _Index(inds, children, chips)


def _box(cascade: Cascade, pos: Position, depth: int, x: float, y: float, w: float, st: _Style,
         note_no: dict[str, list[int]], ix: _Index, out: list[Item]) -> float:
    """Draw one position's box at (x, y), `w` wide; returns its height."""
    items: list[Item] = []
    pad = st.pad
    lh = lambda size: size * PT * 1.18  # noqa: E731 - line height
    # Header: code and title, then the official's name.
    head_lines = wrap(f"{pos.code}  {pos.title}", w - 2 * pad, st.head, True)
    if pos.official_name:
        name_lines = wrap(pos.official_name + (f"  NIP {pos.nip}" if pos.nip else ""), w - 2 * pad, st.name)
    else:
        name_lines = []
    hh = pad * 0.8 + len(head_lines) * lh(st.head) + len(name_lines) * lh(st.name) + pad * 0.6
    ty = y + pad * 0.8
    for line in head_lines:
        items.append(Text(x + pad, ty, line, st.head, True, "FFFFFF"))
        ty += lh(st.head)
    for line in name_lines:
        items.append(Text(x + pad, ty, line, st.name, False, "FFFFFF"))
        ty += lh(st.name)
    cy = y + hh
    head_fill = HEAD_FILLS[min(depth, len(HEAD_FILLS) - 1)]
    body: list[Item] = []
    inds = ix.indicators.get(pos.code, [])
    text_w = w - 2 * pad - st.left - st.right - 0.8
    for k, ind in enumerate(inds):
        row_top = cy
        lines = wrap(ind.indikator.lstrip("- ").strip() or "(tanpa nama indikator)", text_w, st.body)
        link = f"→ {ind.supports} ({ind.rollup.value})" if ind.supports else ""
        left_h = len(lines) * lh(st.body) + (lh(st.small) if link else 0)
        target_lines = wrap(ind.target_text or "-", st.right, st.body, True)
        right_h = len(target_lines) * lh(st.body)
        chip = ix.chips.get(ind.id)
        if chip:
            right_h += lh(st.chip) + 0.6
        row_h = max(left_h, right_h, lh(st.num) * (2 if ind.id in note_no else 1)) + pad * 0.7
        if k:
            body.append(Polyline(((x + pad, row_top), (x + w - pad, row_top)), "D0D0D0", 0.15))
        ry = row_top + pad * 0.35
        num = f"{ind.sasaran_no}.{ind.id.rsplit('.', 1)[-1]}" if ind.sasaran_no is not None else ind.id
        body.append(Text(x + pad, ry + 0.15, num, st.num, True, "595959"))
        if ind.id in note_no:
            body.append(Rect(x + 0.2, row_top + 0.3, 0.9, row_h - 0.6, GAP_RED))
            marks = ",".join(str(n) for n in note_no[ind.id])
            body.append(Text(x + pad, ry + 0.15 + lh(st.num), f"[{marks}]", st.num, True, GAP_RED))
        ly = ry
        for line in lines:
            body.append(Text(x + pad + st.left, ly, line, st.body))
            ly += lh(st.body)
        if link:
            body.append(Text(x + pad + st.left, ly, link, st.small, False, "7F7F7F"))
        rx = x + w - pad
        ly = ry
        for line in target_lines:
            body.append(Text(rx, ly, line, st.body, True, align="end"))
            ly += lh(st.body)
        if chip:
            cw = max(text_width(chip[0], st.chip, True) + 1.6, 9.0 * st.s)
            ch = lh(st.chip) + 0.3
            body.append(Rect(rx - cw, ly + 0.2, cw, ch, chip[1], "7F7F7F", 0.12, 0.8))
            body.append(Text(rx - cw / 2, ly + 0.35, chip[0], st.chip, True, "000000", "middle"))
        cy = row_top + row_h
    if not inds:
        body.append(Text(x + pad, cy + pad * 0.5, "(belum ada indikator)", st.body, False, "7F7F7F"))
        cy += lh(st.body) + pad
    h = cy - y + pad * 0.3
    out.append(Rect(x, y, w, h, "FFFFFF", "404040", 0.3, 1.2))
    out.append(Rect(x, y, w, hh, head_fill, None, 0, 1.2))
    out.append(Rect(x, y + hh - 1.2, w, 1.2, head_fill))  # square off the header's lower corners
    out.extend(items)
    out.extend(body)
    return h


def _roots(cascade: Cascade) -> list[Position]:
    codes = {p.code for p in cascade.positions}
    return [p for p in cascade.positions if not p.parent or p.parent not in codes or p.parent == p.code]


def _descendants(ix: _Index, code: str, depth: int, seen: set[str]) -> list[tuple[Position, int]]:
    """The positions under `code`, depth first in table order, each with its depth. Iterative: a Kode
    Atasan chain of 1 200 levels exceeded Python's recursion limit (issue 12, item 4)."""
    out: list[tuple[Position, int]] = []
    stack: list[tuple[Position, int]] = [(ch, depth) for ch in reversed(ix.children.get(code, []))]
    while stack:
        ch, d = stack.pop()
        if ch.code in seen:  # a cycle in Kode Atasan: draw each position once
            continue
        seen.add(ch.code)
        out.append((ch, d))
        stack.extend((grand, d + 1) for grand in reversed(ix.children.get(ch.code, [])))
    return out


def _place(cascade: Cascade, page: tuple[float, float], st: _Style, note_no: dict[str, list[int]],
           notes: list[str], ix: _Index) -> Drawing:
    W, H = page
    margin = 7.0
    d = Drawing(W, H, scale=st.s)
    items = d.items
    office = cascade.settings.office
    title = f"POHON KINERJA TAHUN {cascade.settings.year}" + (f" — {office}" if office else "")
    items.append(Text(margin, margin, title, 11 * min(1.0, st.s + 0.2), True, "1F4E78"))
    y0 = margin + 11 * PT * 1.5
    roots = _roots(cascade)
    seen = {r.code for r in roots}
    columns: list[tuple[Position, list[tuple[Position, int]]]] = []
    for r in roots:
        for ch in ix.children.get(r.code, []):
            if ch.code not in seen:
                seen.add(ch.code)
                columns.append((ch, _descendants(ix, ch.code, 2, seen)))
    n = max(len(columns), 1)
    col_gap = 3.0
    col_w = (W - 2 * margin - (n - 1) * col_gap) / n
    # Roots, side by side in the middle of the top row.
    root_w = min(max(col_w * 1.9, 80.0), (W - 2 * margin - (len(roots) - 1) * col_gap) / max(len(roots), 1))
    total = len(roots) * root_w + (len(roots) - 1) * col_gap
    rx = (W - total) / 2
    root_bottom = y0
    root_centres: dict[str, float] = {}
    for r in roots:
        h = _box(cascade, r, 0, rx, y0, root_w, st, note_no, ix, items)
        d.boxes[r.code] = Rect(rx, y0, root_w, h)
        root_centres[r.code] = rx + root_w / 2
        root_bottom = max(root_bottom, y0 + h)
        rx += root_w + col_gap
    bus = root_bottom + 4.0
    top = bus + 4.0
    bottom = root_bottom
    for k, (head, desc) in enumerate(columns):
        x = margin + k * (col_w + col_gap)
        h = _box(cascade, head, 1, x, top, col_w, st, note_no, ix, items)
        d.boxes[head.code] = Rect(x, top, col_w, h)
        # Connector from the head's root, through the bus, down to the head.
        rc = root_centres.get(head.parent or "", next(iter(root_centres.values()), W / 2))
        items.append(Polyline(((rc, bus), (x + col_w / 2, bus), (x + col_w / 2, top))))
        y = top + h
        for pos, depth in desc:
            ind = min(st.indent * (depth - 1), col_w / 2)  # a deep chain keeps boxes half a column wide
            y += st.gap
            bx = x + ind
            h = _box(cascade, pos, depth, bx, y, col_w - ind, st, note_no, ix, items)
            d.boxes[pos.code] = Rect(bx, y, col_w - ind, h)
            parent_box = d.boxes.get(pos.parent or "")
            if parent_box is not None:
                px = parent_box.x + 1.2
                items.append(Polyline(((px, parent_box.y + parent_box.h), (px, y + 3.0), (bx, y + 3.0))))
            y += h
        bottom = max(bottom, y)
    for code, cx in root_centres.items():
        if any(h.parent == code for h, _ in columns):
            items.append(Polyline(((cx, root_bottom), (cx, bus))))
    # Legend and roll-up notes at the foot.
    y = bottom + 4.0
    items.extend(_legend(cascade, margin, y, st))
    y += 6.0 * st.s + 2.0
    note_size = st.small + 0.4
    for k, text in enumerate(notes, start=1):
        for j, line in enumerate(wrap(f"[{k}] {text}", W - 2 * margin, note_size)):
            color = "404040" if j else GAP_RED
            items.append(Text(margin + (2.5 if j else 0), y, line, note_size, False, color))
            y += note_size * PT * 1.25
    d.height = max(H, y + margin)
    d.notes = notes
    return d


def _legend(cascade: Cascade, x: float, y: float, st: _Style) -> list[Item]:
    ref = cascade.reference
    assert ref is not None
    out: list[Item] = [Text(x, y, "Capaian (warna menurut kategori):", st.body, True)]
    x += text_width("Capaian (warna menurut kategori):", st.body, True) + 2.0
    entries = [(b.label, _fill_of(b.label, cascade))
               for b in sorted(ref.bands, key=lambda b: (b.upper is None, b.upper or 0))]
    if ref.above_target_label:
        entries.append((ref.above_target_label, ABOVE_FILL))
    entries.append((NOT_COMPUTABLE, NO_VALUE_FILL))
    for label, fill in entries:
        out.append(Rect(x, y + 0.2, 5.0, st.body * PT * 1.1, fill, "7F7F7F", 0.12, 0.6))
        out.append(Text(x + 6.0, y, label, st.body))
        x += 6.0 + text_width(label, st.body) + 3.5
    for text, color in (("* belum lengkap (ada triwulan kosong)", "000000"),
                        ("▌[n] roll-up tidak sesuai: lihat catatan", GAP_RED),
                        ("→ ID: indikator yang didukung (jumlah/tidak)", "595959")):
        out.append(Text(x, y, text, st.body, False, color))
        x += text_width(text, st.body) + 4.0
    return out


def layout(cascade: Cascade, page: tuple[float, float] = A3_LANDSCAPE) -> Drawing:
    """The tree on `page` (mm), text as large as fits (60-150 % of the base sizes); if even the smallest
    does not fit, the page grows taller."""
    by_id = {i.id: i for i in cascade.indicators}
    gaps = [f for f in check_rollup(cascade) if f.code in GAP_CODES and f.indicator_id]
    note_no: dict[str, list[int]] = {}
    notes: list[str] = []
    for f in gaps:
        notes.append(gap_note(f, by_id.get(f.indicator_id or "")))
        note_no.setdefault(f.indicator_id or "", []).append(len(notes))
    # The largest text (150 % down to 60 % of the base sizes, in 5 % steps) that fits the page height; if
    # none does, the smallest on a taller page. A larger text never takes less height (the boxes' widths do
    # not depend on it), so the first size that fits is found by bisection: 1 layout for a tree too large
    # for the page (200 positions: 2 s, not 19 layouts in a minute), at most 6 otherwise.
    ix = _index(cascade)
    made: dict[int, Drawing] = {}

    def fits(k: int) -> bool:
        if k not in made:
            made[k] = _place(cascade, page, _Style(1.5 - 0.05 * k), note_no, notes, ix)
        return made[k].height <= page[1] + 1e-6

    last = 18
    if not fits(last):  # too large for the page at any size: one layout
        return made[last]
    if fits(0):
        return made[0]
    lo, hi = 0, last  # fits(lo) is false, fits(hi) is true
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return made[hi]


# ------------------------------------------------------------------ renderers


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def to_svg(d: Drawing) -> str:
    """The drawing as SVG (mm units), deterministic text."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(d.width)}mm" height="{_num(d.height)}mm" '
           f'viewBox="0 0 {_num(d.width)} {_num(d.height)}" font-family="{FONT_FAMILY}">',
           f'<rect x="0" y="0" width="{_num(d.width)}" height="{_num(d.height)}" fill="#FFFFFF"/>']
    for it in d.items:
        if isinstance(it, Rect):
            fill = f"#{it.fill}" if it.fill else "none"
            stroke = f' stroke="#{it.stroke}" stroke-width="{_num(it.stroke_w)}"' if it.stroke else ""
            rad = f' rx="{_num(it.radius)}"' if it.radius else ""
            out.append(f'<rect x="{_num(it.x)}" y="{_num(it.y)}" width="{_num(it.w)}" height="{_num(it.h)}"'
                       f'{rad} fill="{fill}"{stroke}/>')
        elif isinstance(it, Polyline):
            pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in it.points)
            out.append(f'<polyline points="{pts}" fill="none" stroke="#{it.stroke}" '
                       f'stroke-width="{_num(it.width)}"/>')
        else:
            anchor = {"left": "start", "middle": "middle", "end": "end"}[it.align]
            weight = ' font-weight="bold"' if it.bold else ""
            out.append(f'<text x="{_num(it.x)}" y="{_num(it.baseline)}" font-size="{_num(it.size * PT)}"'
                       f'{weight} fill="#{it.color}" text-anchor="{anchor}" textLength="{_num(it.width)}" '
                       f'lengthAdjust="spacingAndGlyphs">{escape(it.text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_png(d: Drawing, dpi: int = 200) -> bytes:
    """The drawing painted with Pillow at `dpi` (A3 at 200 dpi: 3307 x 2339 pixels)."""
    from PIL import Image, ImageDraw

    k = dpi / 25.4
    img = Image.new("RGB", (round(d.width * k), round(d.height * k)), "white")
    draw = ImageDraw.Draw(img)
    px = lambda v: v * k  # noqa: E731
    for it in d.items:
        if isinstance(it, Rect):
            box = (px(it.x), px(it.y), px(it.x + it.w), px(it.y + it.h))
            width = max(1, round(px(it.stroke_w))) if it.stroke else 0
            draw.rounded_rectangle(box, radius=px(it.radius), fill=f"#{it.fill}" if it.fill else None,
                                   outline=f"#{it.stroke}" if it.stroke else None, width=width)
        elif isinstance(it, Polyline):
            draw.line([(px(x), px(y)) for x, y in it.points], fill=f"#{it.stroke}",
                      width=max(1, round(px(it.width))), joint="curve")
        else:
            font = _font(it.bold, round(px(it.size * PT), 1))
            anchor = {"left": "ls", "middle": "ms", "end": "rs"}[it.align]
            draw.text((px(it.x), px(it.baseline)), it.text, fill=f"#{it.color}", font=font, anchor=anchor)
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()


def write_tree(cascade: Cascade, path: str | Path, *, dpi: int = 200, force: bool = False) -> Path:
    """`xl-sakip tree -o FILE.svg|FILE.png`: write the tree; the suffix chooses the format. The file is
    written atomically (complete or not at all); an existing file is replaced only with `force`."""
    path = check_output(path, force=force)
    d = layout(cascade)
    data = to_svg(d).encode("utf-8") if path.suffix.lower() == ".svg" else to_png(d, dpi)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Folder '{path.parent}' tidak dapat dibuat: {exc.strerror or exc}.") from exc
    return write_output(path, data)


def check_output(path: str | Path, *, force: bool = False) -> Path:
    """Refuse, before any work, an output name that is not .svg/.png, a folder, or an existing file
    without `force`."""
    path = Path(path)
    if path.suffix.lower() not in (".svg", ".png"):
        raise UserError(f"Nama file '{path}' harus berakhiran .svg atau .png.")
    if path.is_dir():
        raise UserError(f"'{path}' adalah folder; beri nama file yang berakhiran .svg atau .png.")
    if path.exists() and not force:
        raise UserError(f"File '{path}' sudah ada; gunakan --force untuk menimpanya, atau beri nama lain "
                        "dengan -o.")
    return path


def tree(workbook: str | Path, output: str | Path, *, dpi: int = 200, force: bool = False) -> Path:
    """Read the master workbook and write its tree to `output` (.svg or .png)."""
    from xl_sakip.book.reader import read_master

    check_output(output, force=force)  # before reading: a refusal costs nothing
    return write_tree(read_master(workbook), output, dpi=dpi, force=force)


# ------------------------------------------------------------------ the picture sheet in the workbook

TREE_SHEET = "Pohon Kinerja"
TREE_KIND, TREE_KEY = "pohon", "POHON"
SHEET_DPI = 150
SHEET_WIDTH_PX = 1600  # the picture is shown this wide (zoom in to read); printing keeps its resolution


# Above these sizes the workbook gets a note instead of the picture: on one A3 page (the sheet prints fit to
# one page) the boxes of more positions, or the rows of more indicators, cannot be read, while drawing them
# costs minutes (and a picture too large for Pillow to reopen). `xl-sakip tree` still draws any size.
SHEET_MAX_POSITIONS = 60
SHEET_MAX_INDICATORS = 2000


def picture_fits(cascade: Cascade) -> bool:
    """Whether the Pohon Kinerja sheet carries the picture (else a note pointing to `xl-sakip tree`)."""
    return len(cascade.positions) <= SHEET_MAX_POSITIONS and len(cascade.indicators) <= SHEET_MAX_INDICATORS


def too_large_note(cascade: Cascade) -> str:
    size = f"{id_num(len(cascade.positions), 0)} jabatan, {id_num(len(cascade.indicators), 0)} indikator"
    limit = f"{SHEET_MAX_POSITIONS} jabatan dan {id_num(SHEET_MAX_INDICATORS, 0)} indikator"
    return (f"Pohon kinerja ini terlalu besar untuk satu gambar di workbook ({size}; batasnya {limit}). "
            "Buat gambarnya sebagai berkas dengan perintah: "
            "xl-sakip tree NAMA_WORKBOOK.xlsm -o pohon-kinerja.svg")


def plan_tree_sheet(cascade: Cascade, taken: Iterable[str] = ()):  # -> SheetPlan
    """The plan of the picture sheet: a title and a note; the picture is added by `finish_tree_sheet`
    (when `picture_fits`; else the note says how to draw it)."""
    from xl_sakip.sheets.plan import Formula, Look, PageSpec, PictureSpec, SheetPlan, StyleSpan

    name = _free_name(TREE_SHEET, taken)
    note = ("Gambar dibuat oleh xl-sakip dari sheet Jabatan dan Indikator (termasuk realisasi saat dibuat). "
            "Gambar ini tidak ikut berubah saat data diubah: klik Buat Ulang Sheet Unit (tab SAKIP, Excel di "
            "Windows), atau simpan dan tutup workbook lalu jalankan xl-sakip regenerate NAMA_WORKBOOK.xlsm, "
            "agar gambar diperbarui."
            if picture_fits(cascade) else too_large_note(cascade))
    cells = [[Formula('="POHON KINERJA TAHUN "&setTahun')], [note]]
    spans = (StyleSpan("title", 1, 1, 1, 1), StyleSpan("note", 2, 1, 2, 1))
    if picture_fits(cascade):
        look = Look(spans=spans, page=PageSpec(paper="A3", fit_wide=1, fit_tall=1, gridlines=False),
                    pictures=(PictureSpec(lambda: to_png(layout(cascade), SHEET_DPI), "A4", SHEET_WIDTH_PX),))
    else:
        look = Look(spans=spans, page=PageSpec(gridlines=False))
    return SheetPlan(name=name, kind=TREE_KIND, key=TREE_KEY, cells=cells, look=look)


def finish_tree_sheet(ws, cascade: Cascade) -> None:
    """Style the sheet written from `plan_tree_sheet` and put the tree picture on it."""
    from openpyxl.drawing.image import Image as XLImage
    from openpyxl.styles import Font

    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(italic=True, color="595959")
    ws.sheet_view.showGridLines = False
    if not picture_fits(cascade):
        return
    img = XLImage(io.BytesIO(to_png(layout(cascade), SHEET_DPI)))
    # Shown about 1600 px wide (zoom in to read); printing keeps the full resolution.
    ratio = SHEET_WIDTH_PX / img.width
    img.width, img.height = SHEET_WIDTH_PX, round(img.height * ratio)
    ws.add_image(img, "A4")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _free_name(base: str, taken: Iterable[str]) -> str:
    used = {t.casefold() for t in taken}
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        name = f"{base} ({n})"
    return name
