"""Parity of rules.lookup_row (the LKjIP's Riwayat, Renstra and Narasi columns) on generated tables.

An office is the three long tables Renstra, Riwayat and Narasi (possibly empty); a case is a looked-up ID
with a year and a quarter. IDs come from a small pool, so a table holds an ID once, not at all, in several
years or quarters, twice for the same year (the duplicate reason), or as IDs differing only by case (the
same ID: "=" and MATCH ignore case) or by surrounding spaces (another ID); values are numbers, zero, grade
codes, text and empty cells; the first and last row of every table are always looked up. The core's answer
(core/engine.py, the tables from the model) must equal the same formulas computed by our evaluator on the
cells (book/values.WorkbookEnv) and by LibreOffice. A failure prints every mismatching case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.libreoffice import recalc, requires_libreoffice
from tests.parity import _put, _substitute, same
from tests.test_parity import PHASES, _our_engine
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core.engine import RulesEnv, run, scalar
from xl_sakip.core.formula import Arr
from xl_sakip.core.models import Aggregation, Narrative, PastYear, RenstraTarget, Settings

# IDs: case and space variants of one ID, a prefix of another, one that reads as a number, one with a
# wildcard and one with an operator (as COUNTIFS would read them).
IDS = ["X-1.1", "x-1.1", "X-1.1 ", " X-1.1", "X-1.10", "X-1.2", "Y-2.1", "1.1", "X-1.?", "<X-1.2"]
ABSENT = "Z-9.9"
YEARS = [2023, 2024, 2025, 2026]
THIS_YEAR = 2025  # setTahun: two earlier years in YEARS, one later
H, R, N = rules.HISTORY_HEADERS, rules.RENSTRA_HEADERS, rules.NARRATIVE_HEADERS


@dataclass
class Office:
    renstra: list[RenstraTarget]
    history: list[PastYear]
    narratives: list[Narrative]


@dataclass
class Case:
    key: str
    year: int
    quarter: int


key, year, quarter = fx.Var("key"), fx.Var("year"), fx.Var("q")
RULES: dict[str, fx.Expr] = {
    "past_realisasi": rules.past_realisasi(key, year),
    "past_target": rules.lookup_row(rules.TABLE_HISTORY, H[0], key, H[1], year, H[2], "Riwayat"),
    "renstra_year": rules.renstra_final_year(key),
    "renstra_final": rules.renstra_final_target(key),
    "renstra_of_year": rules.lookup_row(rules.TABLE_RENSTRA, R[0], key, R[1], year, R[2], "Renstra"),
    # the Evaluasi Renja's realisasi up to last year (setTahun 2025 here: Riwayat of 2023-2026)
    "to_last_year_sum": rules.realisasi_to_last_year(Aggregation.SUM, key),
    "to_last_year_latest": rules.realisasi_to_last_year(Aggregation.LATEST, key),
    "pendukung": rules.narrative(key, quarter, N[2]),
    "penghambat": rules.narrative(key, quarter, N[3]),
}
FIRST_OUT = 4  # columns of sheet C: key, year, quarter, then one per rule
OUT = {name: FIRST_OUT + k for k, name in enumerate(RULES)}

values = st.one_of(st.none(), st.just(0.0), st.integers(-5, 500).map(float),
                   st.floats(0, 500).map(lambda x: round(x, 2)), st.sampled_from(["BB", "A", "12,5"]))
texts = st.sampled_from(["", "", "Dana cukup", "SDM kurang", "0", "x"])
ids = st.sampled_from(IDS)


@st.composite
def offices(draw: st.DrawFn) -> Office:
    def n() -> int:
        return draw(st.integers(0, 10))

    renstra = [RenstraTarget(id=draw(ids), year=draw(st.sampled_from(YEARS)), target=draw(values))
               for _ in range(n())]
    history = [PastYear(id=draw(ids), year=draw(st.sampled_from(YEARS)), target=draw(values),
                        realisasi=draw(values)) for _ in range(n())]
    narratives = [Narrative(id=draw(ids), quarter=draw(st.integers(1, 4)), pendukung=draw(texts),
                            penghambat=draw(texts)) for _ in range(n())]
    return Office(renstra, history, narratives)


@st.composite
def batches(draw: st.DrawFn, size: int) -> tuple[Office, list[Case]]:
    office = draw(offices())
    cases = [Case(draw(st.sampled_from([*IDS, ABSENT])), draw(st.sampled_from(YEARS)),
                  draw(st.integers(1, 4))) for _ in range(size)]
    for rows in (office.renstra, office.history):  # the first and the last row of each table
        cases += [Case(r.id, r.year, 1) for r in rows[:1] + rows[-1:]]
    cases += [Case(r.id, YEARS[0], r.quarter) for r in office.narratives[:1] + office.narratives[-1:]]
    return office, cases


# ------------------------------------------------------------------ the core on the model


def tables(office: Office) -> dict[str, dict[str, Arr]]:
    def table(rows: list[Any], headers: tuple[str, ...], fields: tuple[str, ...]) -> dict[str, Arr]:
        return {h: Arr(scalar(getattr(r, f)) for r in rows) for h, f in zip(headers, fields, strict=False)}

    return {rules.TABLE_RENSTRA: table(office.renstra, R, ("id", "year", "target", "note")),
            rules.TABLE_HISTORY: table(office.history, H, ("id", "year", "target", "realisasi", "note")),
            rules.TABLE_NARRATIVE: table(office.narratives, N, ("id", "quarter", "pendukung", "penghambat",
                                                                 "upaya", "bukti"))}


def core_answers(case: Case, office: Office) -> dict[str, Any]:
    env = RulesEnv(Settings(year=THIS_YEAR), None, tables=tables(office))
    return {name: run(e, env, key=case.key, year=case.year, q=case.quarter) for name, e in RULES.items()}


# ------------------------------------------------------------------ the workbook

# Where each table sits on sheet "Ref": its first column (headers on row 1, data from row 2).
AT = {rules.TABLE_RENSTRA: 1, rules.TABLE_HISTORY: 6, rules.TABLE_NARRATIVE: 12}


Batch = list[tuple[Office, list[Case]]]


def write_cases(path: Path, batch: Batch) -> Path:
    """One workbook: each office's tables on a sheet of its own (R1, R2 ...), every case on sheet C."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "C"
    row = 0
    for i, (office, cases) in enumerate(batch, start=1):
        sheet = f"R{i}"
        ref = wb.create_sheet(sheet)
        refs: dict[str, fx.Expr] = {rules.NAME_YEAR: fx.Cell(20, 1, sheet, True, True)}
        ref.cell(1, 20, THIS_YEAR)
        for name, cols in tables(office).items():
            first = AT[name]
            n = max(len(next(iter(cols.values()))), 1)  # an empty table is one empty row, as in the workbook
            for k, (h, column) in enumerate(cols.items()):
                ref.cell(1, first + k, h)
                for r, v in enumerate(column, start=2):
                    _put(ref, r, first + k, None if v is fx.EMPTY else v)
                refs[f"{name}[{h}]"] = fx.Area(fx.Cell(first + k, 2, sheet, True, True),
                                               fx.Cell(first + k, n + 1, sheet, True, True))
        for case in cases:
            row += 1
            for col, v in enumerate((case.key, float(case.year), float(case.quarter)), start=1):
                _put(ws, row, col, v)
            cells = {"key": fx.Cell(1, row), "year": fx.Cell(2, row), "q": fx.Cell(3, row)}
            for name, e in RULES.items():
                ws.cell(row, OUT[name]).value = fx.formula_text(_substitute(e, cells, refs))
    wb.save(path)
    return path


def _mismatches(batch: Batch, got: dict[tuple[int, int], object]) -> list[str]:
    out = []
    row = 0
    for office, cases in batch:
        bad = []
        for case in cases:
            row += 1
            want = core_answers(case, office)
            for name, col in OUT.items():
                if not same(want[name], got.get((row, col))):
                    bad.append(f"row {row} {name}: core {want[name]!r} != sheet {got.get((row, col))!r}"
                               f"\n  {case}")
        out += [*bad, f"  office: {office}"] if bad else []
    return out


@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=25, phases=PHASES)
@given(st.lists(batches(12), min_size=3, max_size=3))
def test_core_equals_its_own_formulas_on_cells(tmp_path_factory: pytest.TempPathFactory,
                                               batch: Batch) -> None:
    path = write_cases(tmp_path_factory.mktemp("own_lookup") / "cases.xlsx", batch)
    assert _mismatches(batch, _our_engine(path)) == []


@requires_libreoffice
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=1, phases=PHASES)
@given(st.lists(batches(15), min_size=12, max_size=12))
def test_core_equals_libreoffice(tmp_path_factory: pytest.TempPathFactory, batch: Batch) -> None:
    # The first example Hypothesis tries is the simplest (every table empty): not the one LibreOffice runs.
    assume(sum(bool(o.renstra and o.history and o.narratives) for o, _ in batch) >= 6)
    tmp = tmp_path_factory.mktemp("lo_lookup")
    path = write_cases(tmp / "cases.xlsx", batch)
    wb = openpyxl.load_workbook(recalc(path, tmp / "out"), data_only=True)
    got = {(r, c): cell.value for (r, c), cell in wb["C"]._cells.items()}
    assert _mismatches(batch, got) == []


@requires_libreoffice
def test_hand_cases_on_every_engine(tmp_path: Path) -> None:
    """Worked out by hand. Riwayat: X-1.1 2024 realisasi 7 (first row); x-1.1 2025 twice (the same ID in
    another case: a duplicate); "X-1.1 " 2023 (another ID: spaces count); 1.1 2024 realisasi "BB" (last row).
    Renstra: X-1.1 2024 target 10, X-1.1 2026 target 12 (the final year), X-1.2 2026 empty target.
    Narasi: X-1.1 TW2 pendukung "Dana cukup". Looked up: X-1.1 in 2024 -> 7; in 2025 -> the duplicate
    reason; in 2023 -> "" (only "X-1.1 " has 2023); X-1.? in 2024 -> "" (no wildcards); 1.1 in 2024 -> "BB";
    X-1.1: final year 2026, final target 12; X-1.2: final year 2026, final target "" (an empty cell);
    Z-9.9 (absent): 0 and ""; narrative of X-1.1 in TW2 "Dana cukup", in TW3 "".
    Realisasi up to last year (setTahun 2025), jumlah (years before 2025 added) and terakhir (2024): X-1.1
    and x-1.1 -> 7 and 7 (the 2025 rows are this year's; "X-1.1 " is another ID); X-1.? -> "" (a COUNTIFS
    criterion read it as a wildcard and found 7); 1.1 -> 0 (its only realisasi, BB, is not a number);
    Z-9.9 -> ""."""
    office = Office(
        renstra=[RenstraTarget(id="X-1.1", year=2024, target=10),
                 RenstraTarget(id="X-1.1", year=2026, target=12), RenstraTarget(id="X-1.2", year=2026)],
        history=[PastYear(id="X-1.1", year=2024, realisasi=7), PastYear(id="x-1.1", year=2025, realisasi=1),
                 PastYear(id="X-1.1", year=2025, realisasi=2), PastYear(id="X-1.1 ", year=2023, realisasi=3),
                 PastYear(id="1.1", year=2024, realisasi="BB")],
        narratives=[Narrative(id="X-1.1", quarter=2, pendukung="Dana cukup")])
    dup = "lebih dari satu baris di sheet Riwayat untuk ID dan Tahun ini"
    want = [(Case("X-1.1", 2024, 2), {"past_realisasi": 7.0, "renstra_year": 2026.0, "renstra_final": 12.0,
                                      "renstra_of_year": 10.0, "pendukung": "Dana cukup",
                                      "to_last_year_sum": 7.0, "to_last_year_latest": 7.0}),
            (Case("x-1.1", 2025, 3), {"past_realisasi": dup, "pendukung": "", "to_last_year_sum": 7.0,
                                      "to_last_year_latest": 7.0}),
            (Case("X-1.1", 2023, 1), {"past_realisasi": ""}),
            (Case("X-1.?", 2024, 2), {"past_realisasi": "", "renstra_year": 0.0, "pendukung": "",
                                      "to_last_year_sum": "", "to_last_year_latest": ""}),
            (Case("1.1", 2024, 1), {"past_realisasi": "BB", "to_last_year_sum": 0.0,
                                    "to_last_year_latest": 0.0}),
            (Case("X-1.2", 2026, 1), {"renstra_year": 2026.0, "renstra_final": ""}),
            (Case("Z-9.9", 2024, 1), {"past_realisasi": "", "renstra_year": 0.0, "renstra_final": "",
                                      "to_last_year_sum": "", "to_last_year_latest": ""})]
    cases = [c for c, _ in want]
    path = write_cases(tmp_path / "hand.xlsx", [(office, cases)])
    lo = openpyxl.load_workbook(recalc(path, tmp_path / "out"), data_only=True)["C"]
    ours = _our_engine(path)
    bad = []
    for row, (case, expected) in enumerate(want, start=1):
        core = core_answers(case, office)
        for name, value in expected.items():
            for engine, got in (("core", core[name]), ("ours", ours.get((row, OUT[name]))),
                                ("LibreOffice", lo.cell(row, OUT[name]).value)):
                if not same(value, got):
                    bad.append(f"{case} {name} {engine}: {got!r} != {value!r}")
    assert bad == []


@requires_libreoffice
def test_target_in_force_matches_ids_and_versions_exactly(tmp_path: Path) -> None:
    """rules.target_in_force by hand (setTahun 2025, TW4: in force to 31 December 2025). Versi PK, in this
    order: Murni; "Perubahan X" dated 1 January 2026 (not in force); "Perubahan *" dated 1 February 2025;
    "Perubahan 2" dated 1 March 2025. Target PK: Perubahan * 1.1 (text) 90 and X-1.1 50; "perubahan 2"
    "x-1.1" 60 (case ignored); Perubahan X X-1.2 70; Perubahan 2 X-1.3 empty (no change). Murni 100 each:
    1.1 -> 90; X-1.1 -> 60 (the later version in force); X-1.2 -> 100 (its version is not in force);
    X-1.3 -> 100; X-1.? -> 100 and 1.10 -> 100 (no wildcard, no number). Before, COUNTIFS/SUMIFS read 1.1
    as a number (LibreOffice met the text, our evaluator did not) and X-1.? as a wildcard, and MATCH read
    "Perubahan *" as a wildcard that finds "Perubahan X" first (not in force)."""
    from datetime import date

    from xl_sakip.core.budget import PkKind, PkTarget, PkVersion
    from xl_sakip.core.engine import date_serial

    versions = [PkVersion(name="Murni", variant=PkKind.MURNI),
                PkVersion(name="Perubahan X", variant=PkKind.PERUBAHAN, date=date(2026, 1, 1)),
                PkVersion(name="Perubahan *", variant=PkKind.PERUBAHAN, date=date(2025, 2, 1)),
                PkVersion(name="Perubahan 2", variant=PkKind.PERUBAHAN, date=date(2025, 3, 1))]
    targets = [PkTarget(version="Perubahan *", indicator_id="1.1", target=90),
               PkTarget(version="Perubahan *", indicator_id="X-1.1", target=50),
               PkTarget(version="perubahan 2", indicator_id="x-1.1", target=60),
               PkTarget(version="Perubahan X", indicator_id="X-1.2", target=70),
               PkTarget(version="Perubahan 2", indicator_id="X-1.3")]
    perubahan = ["Perubahan *", "Perubahan 2", "Perubahan X"]  # date order (versions.perubahan_names)
    rule = rules.target_in_force(fx.Var("t"), key, perubahan)
    want = {"1.1": 90.0, "X-1.1": 60.0, "X-1.2": 100.0, "X-1.3": 100.0, "X-1.?": 100.0, "1.10": 100.0}

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "C"
    ref = wb.create_sheet("Ref")
    refs: dict[str, fx.Expr] = {}
    for first, table, headers, rows in (
            (1, rules.TABLE_PK_VERSIONS, rules.PK_VERSION_HEADERS,
             [(v.name, v.variant.value, date_serial(v.date), v.reason) for v in versions]),
            (6, rules.TABLE_PK_TARGETS, rules.PK_TARGET_HEADERS,
             [(x.version, x.indicator_id, x.target, x.note) for x in targets])):
        for k, h in enumerate(headers):
            for r, row in enumerate(rows, start=2):
                _put(ref, r, first + k, row[k])
            refs[f"{table}[{h}]"] = fx.Area(fx.Cell(first + k, 2, "Ref", True, True),
                                            fx.Cell(first + k, len(rows) + 1, "Ref", True, True))
    for r, (name, value) in enumerate(((rules.NAME_YEAR, 2025.0), (rules.NAME_QUARTER, 4.0)), start=1):
        _put(ref, r, 12, value)
        refs[name] = fx.Cell(12, r, "Ref", True, True)
    ref.cell(3, 12).value = fx.formula_text(_substitute(rules.QUARTER_IN_FORCE, {}, refs))
    refs[rules.NAME_QUARTER_IN_FORCE] = fx.Cell(12, 3, "Ref", True, True)
    for row, ind_id in enumerate(want, start=1):
        _put(ws, row, 1, ind_id)
        _put(ws, row, 2, 100.0)
        ws.cell(row, 3).value = fx.formula_text(_substitute(rule, {"key": fx.Cell(1, row),
                                                                   "t": fx.Cell(2, row)}, refs))
    path = tmp_path / "pk.xlsx"
    wb.save(path)
    lo = openpyxl.load_workbook(recalc(path, tmp_path / "out"), data_only=True)["C"]
    ours = _our_engine(path)
    env = RulesEnv(Settings(year=2025, reporting_quarter=4), None, pk=(versions, targets))
    got = {i: (run(rule, env, t=100.0, key=i), ours.get((row, 3)), lo.cell(row, 3).value)
           for row, i in enumerate(want, start=1)}
    assert got == {i: (v, v, v) for i, v in want.items()}


@requires_libreoffice
def test_grade_codes_match_exactly(tmp_path: Path) -> None:
    """Grade scores (rules.grade_score_target / grade_score_realisasi) on the default scales, by hand
    (SAKIP AA 7, A 6, BB 5, B 4, CC 3, C 2, D 1; Opini BPK WTP 4, WDP 3, TW 2, TMP 1). Target BB,
    realisasi bb -> 5 and 5 (case ignored); realisasi B* -> "" (no such code: COUNTIFS/SUMIFS read it as a
    wildcard and added BB and B, 9); target W?P -> "" (MATCH found WTP, 4, in LibreOffice, nothing in our
    evaluator), its realisasi WDP -> 3 (by any scale); target A, realisasi a? -> "" (the wildcard found
    AA, 7); target WTP, realisasi TW -> 2; target A, realisasi ~ -> ""; target C*, realisasi CC -> ""
    and 3."""
    from xl_sakip.core.reference import default_reference

    cases = [("BB", "bb", 5.0, 5.0), ("BB", "B*", 5.0, ""), ("W?P", "WDP", "", 3.0), ("A", "a?", 6.0, ""),
             ("WTP", "TW", 4.0, 2.0), ("A", "~", 6.0, ""), ("C*", "CC", "", 3.0)]
    t, r = fx.Var("t"), fx.Var("r")
    target_rule, real_rule = rules.grade_score_target(t), rules.grade_score_realisasi(r, t)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "C"
    ref = wb.create_sheet("Ref")
    grades = default_reference().grades
    refs: dict[str, fx.Expr] = {}
    for k, h in enumerate(rules.GRADE_HEADERS):
        for row, g in enumerate(grades, start=2):
            _put(ref, row, k + 1, (g.scale, g.code, g.score, g.description)[k])
        refs[f"{rules.TABLE_GRADES}[{h}]"] = fx.Area(fx.Cell(k + 1, 2, "Ref", True, True),
                                                     fx.Cell(k + 1, len(grades) + 1, "Ref", True, True))
    for row, (target, real, _, _) in enumerate(cases, start=1):
        _put(ws, row, 1, target)
        _put(ws, row, 2, real)
        cells = {"t": fx.Cell(1, row), "r": fx.Cell(2, row)}
        ws.cell(row, 3).value = fx.formula_text(_substitute(target_rule, cells, refs))
        ws.cell(row, 4).value = fx.formula_text(_substitute(real_rule, cells, refs))
    path = tmp_path / "grades.xlsx"
    wb.save(path)
    lo = openpyxl.load_workbook(recalc(path, tmp_path / "out"), data_only=True)["C"]
    ours = _our_engine(path)
    env = RulesEnv(Settings(), None)
    got, want = [], []
    for row, (target, real, t_score, r_score) in enumerate(cases, start=1):
        want.append((target, real, (t_score,) * 3, (r_score,) * 3))
        got.append((target, real,
                    (run(target_rule, env, t=target), ours.get((row, 3)), lo.cell(row, 3).value or ""),
                    (run(real_rule, env, t=target, r=real), ours.get((row, 4)), lo.cell(row, 4).value or "")))
    assert got == want
