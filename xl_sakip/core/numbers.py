"""Indonesian number and target parsing (domain.md, Numbers).

Indonesian documents write a decimal comma (``71,10``) and a thousands dot (``14.000``). Real documents also
carry English forms such as ``8.96``; those are read as decimals and flagged *ambiguous* so that a person
looks at them. A target cell carries its unit (``40%``, ``200 perusahaan``, ``5 Kab/Kota``), may be a range
(``70-80%``) or a grade code (``BB``). Parsing never raises: what does not parse comes back with ``value``
None and a ``problem`` in Bahasa Indonesia. Messages quote the text with «» so that a planner sees exactly
what was read.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from xl_sakip.core.models import Kind

# [0-9], never \d: \d also matches Arabic-Indic and other Unicode digits.
_INT = re.compile(r"[0-9]+")
_ID_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")  # 14.000  1.234.567,5
_ID_DECIMAL = re.compile(r"[0-9]*,[0-9]+")  # 71,10  ,5
_DOT_DECIMAL = re.compile(r"[0-9]*\.[0-9]+")  # 8.96  0.5  (English form)
_EN_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")  # 1,234,567  1,234.5 (English form)
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}(?:\s[0-9]{3})+(?:,[0-9]+)?")  # 14 000 (space as thousands mark)
_MINUS = "-\u2212"  # hyphen-minus and the minus sign
_MAX_TARGET = 120  # a target cell is short; the cap also bounds the regex backtracking
_PERCENT_WORDS = {"%", "persen", "percent"}
_GRADE_PREFIX = re.compile(r"^(?:predikat|opini|nilai)\s+", re.IGNORECASE)

#: Codes of the default grade scales (reference.py), used when the caller passes none.
DEFAULT_GRADE_CODES: tuple[str, ...] = ("AA", "A", "BB", "B", "CC", "C", "D", "WTP", "WDP", "TW", "TMP")

_EXAMPLES = "Tulis misalnya 71,10 atau 14.000"
_TARGET_EXAMPLES = "Tulis misalnya 75%, 200 perusahaan, 71,10, 70-80% atau BB"


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from text. ``value`` is None exactly when ``problem`` is set."""

    value: float | None
    text: str  # as written
    ambiguous: bool = False  # a form an Indonesian writer would not use (8.96, 1,234.5): check it
    problem: str | None = None  # why it did not parse (Bahasa Indonesia)
    decimals: int = 0  # digits written after the decimal mark (2 for "71,10")
    note: str | None = None  # how an ambiguous form was read (Bahasa Indonesia)


@dataclass(frozen=True)
class ParsedTarget:
    """A target cell read: value (lower bound of a range), unit, kind guess, or a grade code."""

    value: float | None
    text: str  # as written
    upper: float | None = None  # upper bound of a range
    satuan: str | None = None  # "%", "perusahaan", "Kab/Kota", "predikat" ...
    kind: Kind = Kind.NUMBER
    grade: str | None = None  # canonical grade code ("BB") for a grade target
    ambiguous: bool = False
    problem: str | None = None
    decimals: int = 0
    note: str | None = None

    @property
    def parsed(self) -> bool:
        return self.problem is None


def fmt(x: float | None, digits: int = 2) -> str:
    """A figure in a message, as planners write it: decimal comma, thousands dot (71,10; 14.000,00)."""
    if x is None:
        return "-"
    s = f"{x:,.{digits}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_plain(value: float) -> str:
    """A value in a message exactly as read, without rounding: 8.96 -> "8,96", 4.0 -> "4"."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")


def parse_number(text: str) -> ParsedNumber:
    """Read an Indonesian number; English forms are read but flagged ambiguous. Never raises."""
    raw = text if isinstance(text, str) else str(text)
    s = raw.strip()
    if not s:
        return ParsedNumber(None, raw, problem="Angka kosong.")
    sign = 1.0
    if s[0] in _MINUS or s[0] == "+":
        sign = -1.0 if s[0] in _MINUS else 1.0
        s = s[1:].lstrip()
    ambiguous = False
    note = None
    decimals = 0
    if _INT.fullmatch(s):
        plain = s
    elif _ID_GROUPED.fullmatch(s) or _ID_DECIMAL.fullmatch(s) or _SPACE_GROUPED.fullmatch(s):
        whole, _, frac = s.partition(",")
        plain = re.sub(r"[.\s]", "", whole) + "." + frac if frac else re.sub(r"[.\s]", "", whole)
        decimals = len(frac)
    elif _DOT_DECIMAL.fullmatch(s):
        plain = s
        decimals = len(s.partition(".")[2])
        ambiguous = True
        note = "titik dipakai sebagai tanda desimal (cara Inggris); dibaca sebagai {v}"
    elif _EN_GROUPED.fullmatch(s):
        whole, _, frac = s.partition(".")
        plain = whole.replace(",", "") + ("." + frac if frac else "")
        decimals = len(frac)
        ambiguous = True
        note = "koma dipakai sebagai pemisah ribuan (cara Inggris); dibaca sebagai {v}"
    else:
        return ParsedNumber(None, raw, problem=f"«{raw.strip()}» bukan angka yang dikenali. {_EXAMPLES}.")
    if plain.startswith("."):
        plain = "0" + plain
    value = sign * float(plain)
    if not math.isfinite(value):
        return ParsedNumber(None, raw, problem=f"«{raw.strip()}» terlalu besar.")
    if value == 0:
        value = 0.0  # no negative zero
    note = note.format(v=fmt_plain(value)) if note else None
    return ParsedNumber(value, raw, ambiguous, None, decimals, note)


_NUM = r"[-\u2212+]?\s*[0-9][0-9.,\s]*?"
_UNIT = r"(?P<unit>[^\s0-9.,].*?)?"
_SEP = r"(?:-|\u2013|\u2014|s\.?\s?/\s?d\.?|s\.d\.?|sampai(?:\s+dengan)?|hingga)"
_RANGE = re.compile(rf"(?P<a>{_NUM})\s*(?P<ua>%)?\s*{_SEP}\s*(?P<b>[0-9][0-9.,\s]*?)\s*{_UNIT}\s*", re.I)
_SINGLE = re.compile(rf"(?P<pre>Rp\.?\s*)?(?P<num>{_NUM})\s*{_UNIT}\s*", re.I)


_SPACES = re.compile(r"\s+")


def _kind_for(satuan: str | None, number: ParsedNumber) -> Kind:
    if satuan is None:
        # A bare number written with decimals is an index value (IPK 71,10; components 8,96).
        return Kind.INDEX if number.decimals else Kind.NUMBER
    s = satuan.strip().lower()
    if s in _PERCENT_WORDS or s.startswith("%"):
        return Kind.PERCENT
    return Kind.NUMBER


def _failed(raw: str, why: str | None = None) -> ParsedTarget:
    s = raw.strip()
    kind = Kind.PERCENT if "%" in s else Kind.NUMBER
    msg = why or f"Target «{s}» tidak dapat dibaca sebagai angka, persen, rentang atau predikat."
    return ParsedTarget(None, raw, kind=kind, problem=f"{msg} {_TARGET_EXAMPLES}.")


@functools.lru_cache(maxsize=8)
def _grade_keys(codes: tuple[str, ...]) -> dict[str, str]:
    """Grade codes by their comparison key (no spaces, upper case); built once per scale, not per target.
    Callers only read it."""
    return {re.sub(r"\s+", "", c).upper(): c for c in codes}


def parse_target(text: str, grade_codes: Iterable[str] | None = None) -> ParsedTarget:
    """Read a target cell: number + satuan, a range, or a grade code. Never raises.

    ``grade_codes``: the codes of the grade scales in use (default: the default scales of reference.py);
    matched case- and space-insensitively, returned in the scale's spelling.
    """
    raw = text if isinstance(text, str) else str(text)
    s = raw.strip()
    if not s:
        return ParsedTarget(None, raw, problem=f"Target kosong. {_TARGET_EXAMPLES}.")
    if len(s) > _MAX_TARGET:
        return _failed(raw, f"Target terlalu panjang ({len(s)} karakter).")
    codes = _grade_keys(tuple(grade_codes or DEFAULT_GRADE_CODES))
    key = _SPACES.sub("", _GRADE_PREFIX.sub("", s)).upper()
    if key in codes:
        return ParsedTarget(None, raw, satuan="predikat", kind=Kind.GRADE, grade=codes[key])

    m = _RANGE.fullmatch(s)
    if m:
        a, b = parse_number(m["a"]), parse_number(m["b"])
        unit = (m["unit"] or "").strip() or None
        if m["ua"] and unit not in (None, "%"):
            return _failed(raw, f"Rentang «{s}» memakai dua satuan berbeda.")
        unit = unit or m["ua"]
        if a.value is not None and b.value is not None:
            if a.value > b.value:
                return _failed(raw, f"Rentang «{s}»: batas bawah lebih besar dari batas atas.")
            wider = a if a.decimals >= b.decimals else b
            return ParsedTarget(
                a.value, raw, upper=b.value, satuan=unit, kind=_kind_for(unit, wider),
                ambiguous=a.ambiguous or b.ambiguous, decimals=max(a.decimals, b.decimals),
                note=a.note or b.note,
            )
    m = _SINGLE.fullmatch(s)
    if m:
        n = parse_number(m["num"])
        if n.value is None:
            return _failed(raw)
        unit = (m["unit"] or "").strip() or None
        if m["pre"]:
            if unit:
                return _failed(raw)
            unit = m["pre"].strip()
        return ParsedTarget(
            n.value, raw, satuan=unit, kind=_kind_for(unit, n), ambiguous=n.ambiguous,
            decimals=n.decimals, note=n.note,
        )
    return _failed(raw)

