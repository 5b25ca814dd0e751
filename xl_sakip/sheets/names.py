"""Sheet names of generated sheets: short, unique, valid in Excel, derived from code and title."""

from __future__ import annotations

import re

MAX_SHEET_NAME = 31  # Excel's limit
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

SUMMARY_SHEET = "Ringkasan"
TEMPLATE_SHEET = "Template_Unit"

# Long words of position titles and their usual short forms, so that more of the distinctive part fits.
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bkepala\s+seksi\b", "Kasi"),
    (r"\bkepala\s+sub\s*bagian\b", "Kasubag"),
    (r"\bkepala\s+bidang\b", "Kabid"),
    (r"\bkepala\s+uptd\b", "Ka UPTD"),
    (r"\bsub\s+bagian\b", "Subbag"),
)


def clean_title(title: str) -> str:
    text = _FORBIDDEN.sub(" ", title)
    for pattern, short in _ABBREVIATIONS:
        text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    return " ".join(text.split())


# Words a shortened name should not end on: "P05 Kasi Pelatihan dan" reads as cut off.
_DANGLING = {"dan", "serta", "atau", "di", "ke", "dari", "pada", "untuk", "yang", "dalam", "&", "-"}


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, without a dangling "dan" or
    punctuation at the end. Should whole words leave less than half of the limit (one very long word),
    the text is cut inside the word instead."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    words: list[str] = []
    for word in text.split(" "):
        if len(" ".join([*words, word]).rstrip(",.;:-")) > limit:
            break
        words.append(word)
    while len(words) > 1 and words[-1].casefold().strip(",.;:") in _DANGLING:
        words.pop()
    out = " ".join(words).rstrip(",.;:- ")
    return out if len(out) >= limit // 2 else text[:limit].rstrip()


def unit_sheet_name(code: str, title: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The sheet name of a position: "P05 Kasi Pelatihan dan Produktivitas Kerja" -> "P05 Kasi Pelatihan"
    (<= 31 characters, cut between words, unique).

    `taken` holds names already used (compared case-insensitively, as Excel does); a clash gets a " (2)",
    " (3)" ... suffix within the length limit.
    """
    full = f"{code} {clean_title(title)}".strip().strip("'")
    base = shorten(full, MAX_SHEET_NAME).strip("'")
    used = {t.casefold() for t in taken}
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        suffix = f" ({n})"
        name = shorten(full, MAX_SHEET_NAME - len(suffix)).strip("'") + suffix
    return name


def quote_sheet(name: str) -> str:
    """A sheet name as written in a formula reference: quoted unless it is a plain identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}[0-9]+", name):
        return name
    return "'" + name.replace("'", "''") + "'"
