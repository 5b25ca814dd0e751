"""Fuzzing (issue 7, item 2): the number parser, the importer and the workbook reader, driven by hypothesis.

Properties: no exception other than the documented one (SeedError, WorkbookError); what went in comes out
(a number written the Indonesian way reads back as its value; every indicator row of a generated document
is in the cascade with its text, target and ID; a workbook either reads with all its rows or is refused).
The expected values come from the generators themselves (the document is built from a model), never from
the code under test. Each test runs a bounded number of examples, a few seconds each.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import write_master
from xl_sakip.core.numbers import parse_number, parse_target
from xl_sakip.errors import SeedError, WorkbookError
from xl_sakip.importer import parse_seed

FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- the number parser ------------------------------------------------------------------------------------


def indonesian(whole: int, frac: str) -> str:
    """Written by hand the Indonesian way: thousands dot, decimal comma (14.000; 1.234,5)."""
    digits = str(whole)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join(groups) + ("," + frac if frac else "")


@FAST
@given(st.text(max_size=40))
def test_parsers_never_raise(text: str) -> None:
    n = parse_number(text)
    assert (n.value is None) == (n.problem is not None)
    t = parse_target(text)
    assert t.problem is None or t.value is None
    assert t.text == text  # kept as written


@FAST
@given(st.integers(0, 10**12), st.text(alphabet=string.digits, max_size=4), st.booleans())
def test_indonesian_numbers_read_back(whole: int, frac: str, negative: bool) -> None:
    written = ("-" if negative else "") + indonesian(whole, frac)
    expected = (-1 if negative else 1) * float(f"{whole}.{frac or 0}")
    n = parse_number(written)
    assert n.problem is None and n.value == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert n.decimals == len(frac)
    # "1.234" (one group of three after a dot) is a thousands mark for an Indonesian writer: never ambiguous.
    assert not n.ambiguous


UNITS = ["orang", "perusahaan", "dokumen", "Kab/Kota", "Sertifikat", "lowongan", "%"]


@FAST
@given(st.integers(0, 10**7), st.text(alphabet=string.digits, max_size=2), st.sampled_from(UNITS),
       st.sampled_from(["", " ", "  "]))
def test_targets_with_units_read_back(whole: int, frac: str, unit: str, gap: str) -> None:
    written = indonesian(whole, frac) + gap + unit
    t = parse_target(written)
    assert t.problem is None
    assert t.value == pytest.approx(float(f"{whole}.{frac or 0}"))
    assert t.satuan == unit


@FAST
@given(st.integers(0, 500), st.integers(0, 500), st.sampled_from(["-", " - ", " s/d ", " sampai "]))
def test_ranges_read_back(a: int, b: int, sep: str) -> None:
    lo, hi = min(a, b), max(a, b)
    t = parse_target(f"{lo}{sep}{hi}%")
    assert (t.value, t.upper, t.satuan, t.problem) == (lo, hi, "%", None)


# --- the importer -----------------------------------------------------------------------------------------

HEAD = "No\tSasaran Strategis\tIndikator Kinerja\tTarget"
#: Target forms and their values, worked out by hand (None: kept as text, not a number).
TARGETS = {
    "75%": 75.0, "200 perusahaan": 200.0, "71,10": 71.10, "14.000 orang": 14000.0, "5 Kab/Kota": 5.0,
    "BB": None, "70-80%": 70.0, "0": 0.0, "1.234,5 dokumen": 1234.5, "": None, "sembilan": None,
}
TITLES = ["SEKRETARIS", "KABID LATPENTA", "Kepala Seksi Hiperkes", "Kasubag Umum", "Kepala UPTD Balai"]

# Cell text: any printable text without tab or line break, no outer spaces (the importer trims them).
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
    min_size=1, max_size=30,
).map(str.strip).filter(lambda s: s and s.casefold() != "no")


@dataclass
class Table:
    title: str
    sasaran: list[tuple[str, list[tuple[str, str]]]]  # (text, [(indikator, target)])
    split_at: int | None  # rows after the title (page break: they continue without a header)
    noise_after: str | None  # a stray text line after the table, set off by blank lines


tables = st.lists(
    st.builds(
        Table,
        title=st.sampled_from(TITLES),
        sasaran=st.lists(st.tuples(cell_text, st.lists(st.tuples(cell_text, st.sampled_from(list(TARGETS))),
                                                       min_size=1, max_size=4)), min_size=1, max_size=4),
        split_at=st.none() | st.integers(1, 6),
        noise_after=st.none() | cell_text.map(lambda s: "catatan " + s),
    ),
    min_size=1, max_size=6,
)


def render(model: list[Table], crlf: bool) -> tuple[str, list[tuple[str, str, str, int]], list[int]]:
    """The document, the rows expected out (id, indikator, target, line) and the lines of noise."""
    lines = ["**CASCADING DINAS FUZZ TAHUN 2024**", ""]
    expected: list[tuple[str, str, str, int]] = []
    noise: list[int] = []
    for k, table in enumerate(model, start=1):
        code = f"P{k:02d}"
        title = "KEPALA DINAS" if k == 1 else table.title
        rows = []
        for no, (sasaran, indicators) in enumerate(table.sasaran, start=1):
            for j, (indikator, target) in enumerate(indicators, start=1):
                cells = [str(no), sasaran] if j == 1 else ["", ""]
                rows.append(("\t".join([*cells, indikator, target]), (f"{code}-{no}.{j}", indikator, target)))
        lines.append(HEAD)
        split = table.split_at if table.split_at is not None and table.split_at < len(rows) else len(rows)
        for row, exp in rows[:split]:
            lines.append(row)
            expected.append((*exp, len(lines)))
        lines += ["", title]
        for row, exp in rows[split:]:  # after the title, without a header: the same table
            lines.append(row)
            expected.append((*exp, len(lines)))
        lines.append("")
        if table.noise_after:
            lines.append(table.noise_after)
            noise.append(len(lines))
            lines.append("")
    return ("\r\n" if crlf else "\n").join(lines), expected, noise


@settings(max_examples=80, deadline=None)
@given(tables, st.booleans())
def test_every_generated_row_comes_out(model: list[Table], crlf: bool) -> None:
    text, expected, noise = render(model, crlf)
    result = parse_seed(text)
    got = [(i.id, i.indikator, i.target_text, i.source_line) for i in result.cascade.indicators]
    assert got == expected
    assert [p.code for p in result.cascade.positions] == [f"P{k:02d}" for k in range(1, len(model) + 1)]
    for ind, (_, _, target, _) in zip(result.cascade.indicators, expected, strict=True):
        assert ind.target == (pytest.approx(TARGETS[target]) if TARGETS[target] is not None else None)
    lines_with_notes = {p.line for p in result.problems}
    assert set(noise) <= lines_with_notes  # each stray line is named
    for t in ("", "sembilan"):  # unreadable targets: kept, and a note names their line
        assert {line for _, _, target, line in expected if target == t} <= lines_with_notes


@FAST
@given(st.lists(st.text(alphabet=st.sampled_from("\t \n\r1aNo.%,-=") | st.characters(), max_size=20),
                max_size=12))
def test_arbitrary_text_is_imported_or_refused(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        result = parse_seed(text)
    except SeedError as exc:
        assert exc.exit_code == 2 and exc.message
        return
    source = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for ind in result.cascade.indicators:
        assert ind.source_line is not None and ind.indikator in source[ind.source_line - 1]


# --- the reader -------------------------------------------------------------------------------------------

SHEETS = ["Indikator", "Jabatan", "Pengaturan", "Ref_Kategori", "Ref_Predikat", "Ref_IPK", "Ref_SubIPK"]
values = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, width=32),
    st.booleans(), st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1+1", "=A1", "#N/A", "#DIV/0!", "P01", "P99", "P01-1.1", "persen", "ya", "BB", "-"]),
)
mutations = st.lists(st.tuples(st.sampled_from(SHEETS), st.integers(1, 11), st.integers(1, 33), values),
                     min_size=1, max_size=3)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_small_cascade

    return write_master(make_small_cascade(), tmp_path_factory.mktemp("fuzz") / "master.xlsm")


@SLOW
@given(mutations)
def test_mutated_workbook_is_read_or_refused(good: Path, tmp_path: Path, changes: list) -> None:
    wb = openpyxl.load_workbook(good)
    for sheet, row, col, value in changes:
        wb[sheet].cell(row, col).value = value
    path = tmp_path / "mutated.xlsx"
    wb.save(path)
    for strict in (True, False):
        try:
            cascade = read_master(path, strict=strict)
        except WorkbookError as exc:
            assert exc.exit_code == 2 and "Sheet '" in exc.message
            continue
        # Read: every indicator row is there (a mutation cannot add a complete row or blank a whole one).
        assert len(cascade.indicators) == 8 and len(cascade.positions) == 3
