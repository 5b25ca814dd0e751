"""Where Python and the generated formulas match IDs, codes and labels, they match them the same way
(docs/budget.md *How codes match*, docs/guarantees.md). Each case is worked out by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.writer import write_master
from xl_sakip.core.budget import PkKind, PkTarget, PkVersion
from xl_sakip.core.capaian import compute
from xl_sakip.core.models import Aggregation, Indicator, Kind, Narrative, PastYear, RenstraTarget
from xl_sakip.core.reference import default_reference
from xl_sakip.core.validation import check_indicator
from xl_sakip.regenerate import regenerate

# --- 1. IDs and version names stored as numbers on Renstra, Riwayat, Narasi and Versi PK -------------------

#: (sheet, cell, number typed): row 2 of each table; Versi PK's tblTargetPK starts at column F.
NUMBER_CELLS = (("Renstra", "A2", 7.5), ("Riwayat", "A2", 7.5), ("Narasi", "A2", 7.5),
                ("Versi PK", "A3", 2), ("Versi PK", "F2", 2), ("Versi PK", "G2", 7.5))


@pytest.fixture(scope="module")
def year_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_small_cascade

    c = make_small_cascade()
    c.renstra = [RenstraTarget(id="P01-2.1", year=2024, target=45.0)]
    c.history = [PastYear(id="P01-2.1", year=2022, target=35.0, realisasi=36.0)]
    c.narratives = [Narrative(id="P01-2.1", quarter=1, pendukung="ada")]
    c.pk_versions = [PkVersion(name="Murni", variant=PkKind.MURNI),
                     PkVersion(name="P1", variant=PkKind.PERUBAHAN, date=date(2023, 7, 1))]
    c.pk_targets = [PkTarget(version="P1", indicator_id="P01-2.1", target=41.0)]
    path = write_master(c, tmp_path_factory.mktemp("year") / "master.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    for sheet, ref, number in NUMBER_CELLS:
        wb[sheet][ref] = number
    wb.save(path)
    return path


def test_number_ids_on_year_and_pk_sheets_are_named(year_master: Path) -> None:
    found = {f.cell: f for f in run_check(year_master).findings if f.code == "KODE_ANGKA"}
    assert set(found) == {f"{sheet}!{ref}" for sheet, ref, _ in NUMBER_CELLS}
    assert "('7.5)" in found["Renstra!A2"].message and "('2)" in found["Versi PK!A3"].message


def test_regenerate_writes_their_text(year_master: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsm"
    copy.write_bytes(year_master.read_bytes())
    regenerate(copy)
    wb = openpyxl.load_workbook(copy)
    assert [(wb[sheet][ref].value, wb[sheet][ref].data_type) for sheet, ref, _ in NUMBER_CELLS] == [
        ("7.5", "s"), ("7.5", "s"), ("7.5", "s"), ("2", "s"), ("2", "s"), ("7.5", "s")]
    assert not [f for f in run_check(copy).findings if f.code == "KODE_ANGKA"]


# --- 2. a typed grade code: validation finds it as the formulas do (rules.grade_row) ------------------------


def _grade(**change: object) -> Indicator:
    base = dict(id="P02-1.4", position="P02", sasaran="Tata kelola", indikator="Nilai SAKIP", target=None,
                target_text="BB", satuan="predikat", kind=Kind.GRADE, aggregation=Aggregation.LATEST)
    return Indicator(**{**base, **change})


@pytest.mark.parametrize(("typed", "found"), [
    ("b b", True),  # plain spaces removed, case ignored: BB, realised BB against BB is 100%
    ("B\u00a0B", False),  # a non-breaking space stays in SUBSTITUTE(x," ",""): MATCH finds no code
    ("B\tB", False),  # so does a tab (before: Python dropped all whitespace and found BB, the sheets did not)
    ("W?P", False),  # no wildcard: MATCH gets W~?P
])
def test_grade_codes_found_as_the_formulas_find_them(typed: str, found: bool) -> None:
    ref = default_reference()
    realised = _grade(realisasi_q=[None, None, None, typed])
    codes = {f.code for f in check_indicator(realised, ref)}
    assert ("REALISASI_PREDIKAT_TIDAK_DIKENAL" not in codes) is found
    # The capaian by the formula rule (the sheets' text, our evaluator): computed exactly when found.
    cap = compute(typed, "BB", kind=Kind.GRADE, reference=ref)
    assert (cap.value == 100.0) is found
    targeted = _grade(target_text=typed)
    assert ("PREDIKAT_TIDAK_DIKENAL" not in {f.code for f in check_indicator(targeted, ref)}) is found
