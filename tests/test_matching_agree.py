"""Where Python and the generated formulas match IDs, codes and labels, they match them the same way
(docs/budget.md *How codes match*, docs/guarantees.md). Each case is worked out by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import recalc_values, requires_libreoffice
from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.writer import write_master
from xl_sakip.core.budget import BudgetItem, BudgetLevel, PkKind, PkTarget, PkVersion
from xl_sakip.core.capaian import compute
from xl_sakip.core.efficiency import position_rows
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Narrative, PastYear, RenstraTarget
from xl_sakip.core.reference import default_reference
from xl_sakip.core.rollup import rolled_target, sum_children
from xl_sakip.core.validation import check, check_indicator
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


# --- 4. a Mendukung ID or a budget row's Kode Jabatan differing only in case -------------------------------


def _cased(budget: bool = True) -> Cascade:
    """The small cascade with P02-2.2's Mendukung ID typed in lower case (P01-1.1 -> p01-1.1) and a budget
    program of P03 whose Kode Jabatan is typed p03."""
    from conftest import make_small_cascade

    c = make_small_cascade()
    next(i for i in c.indicators if i.id == "P02-2.2").supports = "p01-1.1"
    if budget:
        c.budget = [BudgetItem(level=BudgetLevel.PROGRAM, code="1.01", name="Program", position="p03"),
                    BudgetItem(level=BudgetLevel.KEGIATAN, code="1.01.01", name="Kegiatan"),
                    BudgetItem(level=BudgetLevel.SUB, code="1.01.01.1", name="Sub", pagu=1e6)]
    return Cascade.model_validate(c.model_dump())  # as the reader builds it


def test_links_differing_in_case_are_found_as_the_formulas_find_them() -> None:
    c = _cased()
    # By hand: P01-1.1's pendukung are P02-2.1 (2.18) and P02-2.2 (6.01): 8.19 (before: 2.18, and a
    # LINK_TIDAK_DIKENAL galat, while the sheets' "=" found both).
    assert rolled_target(c, "P01-1.1").value == pytest.approx(8.19)
    assert [k.id for k in sum_children(c.indicators)["P01-1.1"]] == ["P02-2.1", "P02-2.2"]
    assert [b.code for b in position_rows(c, "P03")] == ["1.01"]  # before: none
    codes = {f.code for f in check(c)}
    assert not codes & {"LINK_TIDAK_DIKENAL", "ANGGARAN_JABATAN_TIDAK_DIKENAL"}


def _cased_elsewhere() -> Cascade:
    """The small cascade with, typed in lower case: P03-1.1's Kode Jabatan (P03 -> p03), P03's Kode Atasan
    (P02 -> p02), and P01-2.1's ID on Renstra (target 2024: 45), Riwayat (2022: realisasi 36) and Narasi
    (TW 4, faktor pendukung "ada")."""
    from conftest import make_small_cascade

    c = make_small_cascade()
    next(i for i in c.indicators if i.id == "P03-1.1").position = "p03"
    next(p for p in c.positions if p.code == "P03").parent = "p02"
    c.renstra = [RenstraTarget(id="p01-2.1", year=2024, target=45.0)]
    c.history = [PastYear(id="p01-2.1", year=2022, target=35.0, realisasi=36.0)]
    c.narratives = [Narrative(id="p01-2.1", quarter=4, pendukung="ada")]
    return Cascade.model_validate(c.model_dump())  # as the reader builds it


def test_codes_and_year_ids_differing_in_case_are_found_as_the_formulas_find_them() -> None:
    """By hand: P03 has its two indicators and is P02's subordinate (before: JABATAN_TIDAK_DIKENAL and
    ATASAN_TIDAK_DIKENAL galat, P03-1.1 on no sheet, while the P03 sheet's "=" counted it); the export finds
    P01-2.1's 2022 realisasi, Renstra target and narrative, and the next year takes its 2024 target from
    the Renstra (before: empty, a pandas join and a dict by exact ID)."""
    from xl_sakip.export import export_table
    from xl_sakip.newyear import next_year

    c = _cased_elsewhere()
    assert [i.id for i in c.indicators_of("P03")] == ["P03-1.1", "P03-2.1"]
    assert [p.code for p in c.children("P02")] == ["P03"]
    assert not {f.code for f in check(c)} & {"JABATAN_TIDAK_DIKENAL", "ATASAN_TIDAK_DIKENAL"}
    row = export_table(c, 4).set_index("id").loc["P01-2.1"]
    assert (row["realisasi_tahun_1"], row["target_akhir_renstra"], row["faktor_pendukung"]) == (36.0, 45.0,
                                                                                                 "ada")
    nxt, _ = next_year(c)
    assert next(i for i in nxt.indicators if i.id == "P01-2.1").target == 45.0


@requires_libreoffice
def test_sheets_and_python_agree_on_links_typed_in_another_case(tmp_path: Path) -> None:
    """The master as a person leaves it (cells typed in lower case), regenerated: the P01 sheet lists both
    pendukung and is not "usang" (the formulas count 2 pendukung of P01-1.1 with "=", Python counted 1), the
    P03 sheet's budget note is not "USANG" (the formulas count 1 row of P03, Python counted 0); with
    P03-1.1's Kode Jabatan typed p03 and P03's Kode Atasan p02, the P03 sheet lists its two indicators
    (its "=" counts 2; before, regenerate refused with JABATAN_TIDAK_DIKENAL) and names its superior;
    LibreOffice agrees with every cached value of those sheets."""
    from xl_sakip.sheets import unit_layout as ul

    c = _cased()
    path = write_master(c, tmp_path / "master.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ind, bud = wb["Indikator"], wb["Anggaran"]
    col = {ind.cell(1, k).value: k for k in range(1, ind.max_column + 1)}
    row = next(r for r in range(2, ind.max_row + 1) if ind.cell(r, 1).value == "P02-2.2")
    ind.cell(row, col["Mendukung ID"]).value = "p01-1.1"
    bcol = {bud.cell(1, k).value: k for k in range(1, bud.max_column + 1)}
    bud.cell(2, bcol["Kode Jabatan"]).value = "p03"
    row = next(r for r in range(2, ind.max_row + 1) if ind.cell(r, 1).value == "P03-1.1")
    ind.cell(row, col["Kode Jabatan"]).value = "p03"
    jab = wb["Jabatan"]
    jcol = {jab.cell(1, k).value: k for k in range(1, jab.max_column + 1)}
    row = next(r for r in range(2, jab.max_row + 1) if jab.cell(r, jcol["Kode"]).value == "P03")
    jab.cell(row, jcol["Kode Atasan"]).value = "p02"
    wb.save(path)
    regenerate(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    lo = recalc_values(path, tmp_path / "lo")
    p01 = next(n for n in cached.sheetnames if n.startswith("P01"))
    p03 = next(n for n in cached.sheetnames if n.startswith("P03"))
    ids = [cached[p01].cell(r, ul.C_PD_ID).value for r in range(1, cached[p01].max_row + 1)]
    assert [x for x in ids if x] == ["Pendukung: ID", "P02-2.1", "P02-2.2"]
    p03_ids = [cached[p03].cell(ul.FIRST_BODY_ROW + k, ul.C_ID).value for k in range(3)]
    assert p03_ids == ["P03-1.1", "P03-2.1", None]
    assert cached[p03].cell(ul.ATASAN_ROW, ul.VALUE_COL).value == "KABID LATPENTA"
    for name in (p01, p03):
        texts = [str(v) for r in cached[name].iter_rows(values_only=True) for v in r if isinstance(v, str)]
        assert not [t for t in texts if "usang" in t.casefold()], name
        for r in cached[name].iter_rows():
            for x in r:
                lv = lo[name].cell(x.row, x.column).value
                if isinstance(x.value, float) or isinstance(lv, float):
                    assert lv == pytest.approx(x.value), (name, x.coordinate)
                else:
                    assert (lv or "") == (x.value or ""), (name, x.coordinate)


# --- 3. category labels and IPK component names typed by planners ------------------------------------------

#: Ref_Kategori labels a COUNTIF criterion misreads: "<50" (an operator: counts numbers below 50, no label),
#: "=Sedang" (counts cells equal to "Sedang"), "Tinggi*" (counts "Tinggi Sekali" too), and the setting
#: "Melampaui Target" typed "=Melampaui Target" (counted 0); the demo has indicators in the last three
#: (20 Tinggi, 46 Sangat Tinggi, 28 Melampaui Target in Python's categories, before the roll-up). And an IPK
#: component "Kesempatan Kerja*" with the first component renamed "Kesempatan Kerja Perencanaan" (MATCH
#: read the * as a wildcard and found row 1, Nilai Maksimum 10, instead of its own 15).
LABELS = {"Sangat Rendah": "<50", "Sedang": "=Sedang", "Tinggi": "Tinggi*", "Sangat Tinggi": "Tinggi Sekali"}
ABOVE = "=Melampaui Target"


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, openpyxl.Workbook, openpyxl.Workbook]:
    from xl_sakip.book.reader import read_master
    from xl_sakip.build import SHIPPED_WORKBOOK, write_with_sheets
    from xl_sakip.sample import apply_sample

    c = apply_sample(read_master(SHIPPED_WORKBOOK))
    assert c.reference is not None
    for b in c.reference.bands:
        b.label = LABELS.get(b.label, b.label)
    c.reference.above_target_label = ABOVE
    comps = {x.no: x for x in c.reference.ipk_components}
    comps[1].name, comps[3].name = "Kesempatan Kerja Perencanaan", "Kesempatan Kerja*"
    tmp = tmp_path_factory.mktemp("labels")
    path = tmp / "Label.xlsm"
    write_with_sheets(c, path)
    return path, openpyxl.load_workbook(path, data_only=True), recalc_values(path, tmp / "lo")


def _labels_on(ws, n: int) -> list[str]:
    """The Kategori cells of a unit sheet's n indicator rows (cached values), as typed."""
    from xl_sakip.sheets import unit_layout as ul

    return [str(ws.cell(ul.FIRST_BODY_ROW + k, ul.C_KATEGORI).value or "") for k in range(n)]


@requires_libreoffice
def test_category_counts_count_the_labels(labelled) -> None:
    """Ringkasan table 1 and Dasbor table 4 count, per position, the unit sheet's Kategori cells holding
    each label exactly (case ignored): counted here from those cells, and by LibreOffice."""
    _, cached, lo = labelled
    ring = cached["Ringkasan"]
    h1 = next(r for r in range(1, ring.max_row + 1) if ring.cell(r, 1).value == "Kode")
    heads = [ring.cell(h1, c).value for c in range(6, 6 + len(LABELS) + 2)]
    assert heads[:6] == ["<50", "Rendah", "=Sedang", "Tinggi*", "Tinggi Sekali", ABOVE]
    seen: dict[str, int] = {}
    r = h1 + 1
    while ring.cell(r, 1).value:
        sheet, n = ring.cell(r, 3).value, ring.cell(r, 4).value
        on_sheet = [x.casefold() for x in _labels_on(cached[sheet], n)]
        for k, label in enumerate(heads[:6]):
            want = on_sheet.count(str(label).casefold())
            seen[label] = seen.get(label, 0) + want
            assert ring.cell(r, 6 + k).value == want == lo["Ringkasan"].cell(r, 6 + k).value, (sheet, label)
        r += 1
    # Labels a criterion misreads occur: Tinggi* counted Tinggi Sekali too, =Melampaui Target counted 0.
    assert seen["Tinggi*"] and seen["Tinggi Sekali"] and seen[ABOVE], seen

    das, das_lo = cached["Dasbor"], lo["Dasbor"]
    h4 = next(r for r in range(1, das.max_row + 1) if das.cell(r, 1).value == "Kode Jabatan")
    row_of = {ring.cell(r, 1).value: r for r in range(h1 + 1, ring.max_row + 1) if ring.cell(r, 1).value}
    r = h4 + 1
    checked = 0
    while das.cell(r, 1).value:
        for k in range(6):  # the bands and "Melampaui Target": as Ringkasan counted them
            assert das.cell(h4, 2 + k).value == heads[k]
            want = ring.cell(row_of[das.cell(r, 1).value], 6 + k).value
            assert das.cell(r, 2 + k).value == want == das_lo.cell(r, 2 + k).value
            checked += 1
        r += 1
    assert checked


@requires_libreoffice
def test_ipk_component_name_is_matched_as_written(labelled) -> None:
    _, cached, lo = labelled
    das = cached["Dasbor"]
    row = next(r for r in range(1, das.max_row + 1) if das.cell(r, 1).value == "Kesempatan Kerja*")
    assert das.cell(row, 3).value == 15 == lo["Dasbor"].cell(row, 3).value  # Ref_IPK, component 3, by hand
