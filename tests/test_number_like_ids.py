"""IDs and codes that read as numbers, end to end: the demo workbook with every indicator ID renamed to a
number-like text (P01-1.1 -> 1.1 ...), every position code to digits (P01 -> 01), a PK Perubahan changing
two targets and a budget program coded 3.10 beside 3.1. The sheets match these with "=" (text, case
ignored), never as COUNTIF/SUMIFS criteria, which read such an ID as a number (LibreOffice then also meets
the text, our evaluator did not): every cached value must equal LibreOffice's recalculation, and a budget
row coded 3.1 is not that of 3.10.
"""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book.reader import read_master
from xl_sakip.build import SHIPPED_WORKBOOK, write_with_sheets
from xl_sakip.core.budget import BudgetItem, BudgetLevel, PkKind, PkTarget, PkVersion
from xl_sakip.core.efficiency import position_figures
from xl_sakip.core.models import Cascade
from xl_sakip.sample import apply_sample


def _renamed(c: Cascade) -> tuple[Cascade, dict[str, str], dict[str, str]]:
    """A copy with number-like IDs and position codes (the maps old -> new)."""
    out = c.model_copy(deep=True)
    codes = {p.code: f"{k:02d}" for k, p in enumerate(out.positions, start=1)}
    ids: dict[str, str] = {}
    per_position: dict[str, int] = {}
    for ind in out.indicators:  # 1.1, 1.2 ... 1.10 (beside 1.1: the same number to a criterion)
        n = per_position[ind.position] = per_position.get(ind.position, 0) + 1
        ids[ind.id] = f"{int(codes[ind.position])}.{n}"
    for p in out.positions:
        p.code, p.parent = codes[p.code], codes.get(p.parent) if p.parent else None
    for ind in out.indicators:
        ind.id, ind.position = ids[ind.id], codes[ind.position]
        ind.supports = ids.get(ind.supports) if ind.supports else None
    for b in out.budget:
        b.position = codes.get(b.position) if b.position else None
        b.supports = ids.get(b.supports) if b.supports else None
    return out, codes, ids


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Cascade, Cascade, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("numberlike")
    original = apply_sample(read_master(SHIPPED_WORKBOOK))
    cascade, codes, ids = _renamed(original)
    # A Perubahan in force (dated before the end of TW4) changing two number-like IDs' targets.
    changed = [i for i in cascade.indicators if i.target is not None and i.kind.value == "angka"][:2]
    cascade.pk_versions = [PkVersion(name="Murni", variant=PkKind.MURNI),
                           PkVersion(name="Perubahan 1", variant=PkKind.PERUBAHAN, date=date(2023, 10, 1))]
    cascade.pk_targets = [PkTarget(version="Perubahan 1", indicator_id=i.id, target=(i.target or 0) + 1)
                          for i in changed]
    # A program 3.10 beside 3.1 (the same number to a criterion), each with a sub kegiatan.
    root = next(p.code for p in cascade.positions if not p.parent)
    cascade.budget += [
        BudgetItem(level=BudgetLevel.PROGRAM, code="3.1", name="Program 3.1", position=root),
        BudgetItem(level=BudgetLevel.KEGIATAN, code="3.1.01", name="Kegiatan", position=None),
        BudgetItem(level=BudgetLevel.SUB, code="3.1.01.1", name="Sub", pagu=1e6, spent_q=[1e5, 0, 0, 0]),
        BudgetItem(level=BudgetLevel.PROGRAM, code="3.10", name="Program 3.10", position=root),
        BudgetItem(level=BudgetLevel.KEGIATAN, code="3.10.01", name="Kegiatan", position=None),
        BudgetItem(level=BudgetLevel.SUB, code="3.10.01.1", name="Sub", pagu=3e6, spent_q=[3e6, 0, 0, 0])]
    out = tmp / "Angka.xlsm"
    write_with_sheets(cascade, out)
    return out, original, cascade, codes


@requires_libreoffice
def test_libreoffice_recalculation_changes_no_value(book, tmp_path: Path) -> None:
    path = book[0]
    copy = tmp_path / "in.xlsm"
    shutil.copyfile(path, copy)
    formulas = openpyxl.load_workbook(copy)
    cached = openpyxl.load_workbook(copy, data_only=True)
    lo = recalc_values(copy, tmp_path / "out")
    differ, checked = [], 0
    for ws in formulas.worksheets:
        for (r, c), cell in ws._cells.items():
            if cell.data_type != "f" or str(cell.value).startswith("=SAKIP_"):
                continue
            checked += 1
            a, b = cached[ws.title].cell(r, c).value, lo[ws.title].cell(r, c).value
            same = (a in (None, "") and b in (None, "")) or a == b or (
                isinstance(a, int | float) and isinstance(b, int | float)
                and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))
            if not same:
                differ.append(f"{ws.title}!{cell.coordinate}: cached {a!r}, LibreOffice {b!r}")
    assert checked > 3000
    assert differ[:20] == []


def test_the_budget_of_3_1_is_not_that_of_3_10(book) -> None:
    """By hand: the root's rows 3.1 (pagu 1 000 000, realisasi TW1 100 000: serapan 10 %) and 3.10 (3 000 000
    and 3 000 000: 100 %), as the engine computes them and as the unit sheet caches them."""
    _, _, cascade, _ = book
    root = next(p.code for p in cascade.positions if not p.parent)
    rows = {r.code: (r.pagu, r.spent, r.serapan) for r in position_figures(cascade, root).rows}
    assert rows["3.1"] == (1e6, 1e5, 10.0) and rows["3.10"] == (3e6, 3e6, 100.0)
    ws = next(w for w in openpyxl.load_workbook(book[0], data_only=True).worksheets
              if w.title.startswith(f"{root} "))
    cached = {ws.cell(r, 2).value: (ws.cell(r, 5).value, ws.cell(r, 6).value, ws.cell(r, 7).value)
              for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value in ("3.1", "3.10")}
    assert cached == {"3.1": (1e6, 1e5, 10.0), "3.10": (3e6, 3e6, 100.0)}
