"""The Anggaran master sheet (issue 15): layout, reading back, findings naming their cell, the demo's sample
budget and the shipped 2023 master's empty table.

Expected cells are worked out from the layout in docs/workbook.md (Level A, Kode B, Nama C, Kode Jabatan D,
Mendukung ID E, Pagu F, Pagu Perubahan G, Realisasi Anggaran TW1..TW4 H..K, Keterangan L; data from row 2).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.reader import read_master, read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.cli import app
from xl_sakip.core.budget import BudgetItem, BudgetLevel
from xl_sakip.core.models import Cascade
from xl_sakip.core.validation import check

P, K, S = BudgetLevel.PROGRAM, BudgetLevel.KEGIATAN, BudgetLevel.SUB


def _budget() -> list[BudgetItem]:
    return [
        BudgetItem(level=P, code="2.07.03", name="PROGRAM PELATIHAN", position="P01"),
        BudgetItem(level=K, code="2.07.03.1.01", name="Pelatihan", position="P02"),
        BudgetItem(level=S, code="2.07.03.1.01.0001", name="Pelatihan Keterampilan", position="P03",
                   supports="P03-1.1", pagu=800_000_000, pagu_perubahan=750_000_000,
                   spent_q=[150_000_000, 200_000_000, None, 190_000_000]),
    ]


@pytest.fixture
def cascade(small_cascade: Cascade) -> Cascade:
    c = small_cascade.model_copy(deep=True)
    c.budget = _budget()
    return c


def _ids(c: Cascade) -> set[str]:
    return {i.id for i in c.indicators}


def test_the_sheet_is_a_table_with_drop_downs_and_rupiah_formats(cascade: Cascade, tmp_path: Path) -> None:
    assert "P03-1.1" in _ids(cascade) and {p.code for p in cascade.positions} >= {"P01", "P02", "P03"}
    path = write_master(cascade, tmp_path / "m.xlsm")
    ws = openpyxl.load_workbook(path)["Anggaran"]
    assert ws.tables["tblAnggaran"].ref == "A1:L4"
    assert [ws.cell(1, c).value for c in (1, 2, 6, 7, 8, 11, 12)] == [
        "Level", "Kode", "Pagu", "Pagu Perubahan", "Realisasi Anggaran TW1", "Realisasi Anggaran TW4",
        "Keterangan"]
    assert ws["B4"].value == "2.07.03.1.01.0001" and ws["B4"].number_format == "@"
    assert ws["F4"].value == 800_000_000 and ws["F4"].number_format == "[$Rp-421] #,##0"
    assert ws["J4"].value is None  # TW3 empty stays empty
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["A2"] == '"program,kegiatan,sub kegiatan"'
    assert lists["D2"] == "lstKodeJabatan" and lists["E2"] == "lstIDIndikator"
    assert lists["F2"] == "0"  # amounts: a number, 0 or more


def test_the_budget_reads_back_as_written(cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(cascade, tmp_path / "m.xlsm")
    assert read_master(path).budget == _budget()


def test_a_bad_amount_is_refused_naming_the_cell(cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(cascade, tmp_path / "m.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb["Anggaran"]["H4"] = "1.500.000"  # typed as text
    wb["Anggaran"]["A3"] = "kegiatann"
    wb.save(path)
    from xl_sakip.errors import WorkbookError

    with pytest.raises(WorkbookError) as exc:
        read_master(path)
    assert "Sheet 'Anggaran' sel H4" in exc.value.message and "TEKS '1.500.000'" in exc.value.message
    assert "Sheet 'Anggaran' sel A3" in exc.value.message and "pilih dari drop-down" in exc.value.message


def test_findings_name_their_cells(cascade: Cascade, tmp_path: Path) -> None:
    cascade.budget += [
        # row 5: a sub kegiatan whose kegiatan 2.07.03.1.02 does not exist
        BudgetItem(level=S, code="2.07.03.1.02.0001", name="Tanpa induk", pagu=100, spent_q=[10, 0, 0, 0]),
        # row 6: realisasi 60 + 50 = 110 above the pagu perubahan 100 (the pagu 200 is not in force)
        BudgetItem(level=S, code="2.07.03.1.01.0002", name="Lebih", pagu=200, pagu_perubahan=100,
                   spent_q=[60, 50, None, None]),
        # row 7: the code of row 4 again (case ignored)
        BudgetItem(level=S, code="2.07.03.1.01.0001", name="Ganda", pagu=5),
        # row 8: amounts on a kegiatan row are not used
        BudgetItem(level=K, code="2.07.03.1.03", name="Kegiatan berangka", pagu=7),
    ]
    path = write_master(cascade, tmp_path / "m.xlsm")
    findings = run_check(path).findings
    got = {(f.code, f.cell, f.severity.value) for f in findings if f.code.startswith("ANGGARAN_")}
    assert got == {
        ("ANGGARAN_TANPA_INDUK", "Anggaran!B5", "galat"),
        ("ANGGARAN_REALISASI_MELEBIHI_PAGU", "Anggaran!I6", "galat"),
        ("ANGGARAN_KODE_GANDA", "Anggaran!B7", "galat"),
        ("ANGGARAN_DI_INDUK", "Anggaran!F8", "peringatan"),
    }
    over = next(f for f in findings if f.code == "ANGGARAN_REALISASI_MELEBIHI_PAGU")
    assert (over.actual, over.target) == (110, 100)
    assert "Rp 110" in over.message and "Pagu Perubahan Rp 100" in over.message


def test_a_code_stored_as_a_number_is_a_warning_naming_its_cell(cascade: Cascade, tmp_path: Path) -> None:
    """Excel stores a code typed as 2.08 as the number 2.08, which the rules' "=" never meets with the
    code's text "2.08". Row 5 holds that number, row 6 the same kind of code typed as text ('2.09): one
    warning, at B5, saying to type the code as text with a leading apostrophe."""
    cascade.budget += [BudgetItem(level=P, code="2.08", name="Program berangka"),
                       BudgetItem(level=P, code="2.09", name="Program teks")]
    path = write_master(cascade, tmp_path / "m.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert (wb["Anggaran"]["B5"].value, wb["Anggaran"]["B6"].value) == ("2.08", "2.09")
    wb["Anggaran"]["B5"] = 2.08  # what Excel keeps when 2.08 is typed into a General cell
    wb.save(path)

    budget = read_master(path).budget
    assert [(b.code, b.code_is_number) for b in budget[3:]] == [("2.08", True), ("2.09", False)]
    found = [f for f in run_check(path).findings if f.code == "ANGGARAN_KODE_ANGKA"]
    assert [(f.cell, f.severity.value) for f in found] == [("Anggaran!B5", "peringatan")]
    assert "sel Anggaran!B5 tersimpan sebagai angka" in found[0].message
    assert "tanda petik di depan ('2.08)" in found[0].message
    assert found[0].message.startswith("Anggaran 2.08: ")


def test_a_kegiatan_under_no_program_and_unknown_links(cascade: Cascade) -> None:
    cascade.budget[1] = cascade.budget[1].model_copy(update={"code": "2.07.09.1.01"})
    cascade.budget[2] = cascade.budget[2].model_copy(update={"position": "P99", "supports": "P03-9.9"})
    codes = sorted(f.code for f in check(cascade) if f.code.startswith("ANGGARAN_"))
    # the kegiatan has no program, and the sub kegiatan (2.07.03.1.01.0001) no kegiatan any more
    assert codes == ["ANGGARAN_JABATAN_TIDAK_DIKENAL", "ANGGARAN_LINK_TIDAK_DIKENAL", "ANGGARAN_TANPA_INDUK",
                     "ANGGARAN_TANPA_INDUK"]


def test_a_parent_is_a_row_of_the_level_above_whose_code_and_a_dot_begin_the_code(cascade: Cascade) -> None:
    """Which rows are under which (the fixture: program 2.07.03, kegiatan 2.07.03.1.01, its sub kegiatan
    .0001), worked out by hand from the rule "its code begins with the parent's code and a dot":
    - kegiatan 2.07.031.1.01 begins with "2.07.03" but not with "2.07.03.": no program;
    - sub kegiatan 2.07.03.1.01.0002.9 is under kegiatan 2.07.03.1.01 (two parts down): has one;
    - sub kegiatan 2.08.9.0001 is under program 2.08 only, not under a kegiatan: none;
    - kegiatan 2.07.03 (its program's own code, not below it): none;
    - a kegiatan "2.07.03.1.01." with a trailing dot is under program 2.07.03: has one.
    """
    cascade.budget += [
        BudgetItem(level=K, code="2.07.031.1.01", name="Awalan tanpa titik"),
        BudgetItem(level=S, code="2.07.03.1.01.0002.9", name="Dua tingkat di bawah"),
        BudgetItem(level=P, code="2.08", name="Program lain"),
        BudgetItem(level=S, code="2.08.9.0001", name="Di bawah program saja"),
        BudgetItem(level=K, code="2.07.03", name="Sama dengan programnya"),
        BudgetItem(level=K, code="2.07.03.1.01.", name="Titik di belakang"),
    ]
    orphans = [f.message.split(":")[0] for f in check(cascade) if f.code == "ANGGARAN_TANPA_INDUK"]
    assert orphans == ["Anggaran 2.07.031.1.01", "Anggaran 2.08.9.0001", "Anggaran 2.07.03"]
    assert cascade.budget[1].under(cascade.budget[0]) and not cascade.budget[0].under(cascade.budget[1])
    assert cascade.budget[4].under(cascade.budget[1]) and cascade.budget[4].under(cascade.budget[0])
    assert not cascade.budget[3].under(cascade.budget[0])


def test_an_older_workbook_without_the_sheet_reads_as_an_empty_budget(cascade: Cascade, tmp_path: Path
                                                                       ) -> None:
    path = write_master(cascade, tmp_path / "m.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    del wb["Anggaran"]
    wb.save(path)
    got, rows = read_master_with_rows(path)
    assert got.budget == [] and "Anggaran" in rows.missing_sheets


def test_the_shipped_master_has_an_empty_table_and_checks_without_galat() -> None:
    ws = openpyxl.load_workbook(SHIPPED_WORKBOOK)["Anggaran"]
    assert ws.tables["tblAnggaran"].ref == "A1:L2" and ws["A2"].value is None
    report = run_check(SHIPPED_WORKBOOK)
    assert report.counts["galat"] == 0 and read_master(SHIPPED_WORKBOOK).budget == []


def test_the_demo_has_sample_budget_rows_for_every_position(tmp_path: Path) -> None:
    out = tmp_path / "Contoh.xlsm"
    result = CliRunner().invoke(app, ["demo", str(SHIPPED_WORKBOOK), "-o", str(out)])
    assert result.exit_code == 0, result.output
    c = read_master(out)
    assert {b.position for b in c.budget} == {p.code for p in c.positions}  # all 21
    assert all(b.note.startswith("data contoh") for b in c.budget)
    # From xl_sakip/data/sample_anggaran_2023.csv, by eye: P05's sub kegiatan with its pagu perubahan
    p05 = next(b for b in c.budget if b.position == "P05")
    assert (p05.code, p05.pagu, p05.pagu_perubahan) == ("2.07.03.1.01.0001", 800e6, 750e6)
    assert not [f for f in check(c) if f.code.startswith("ANGGARAN_")]


def test_regenerate_adds_the_sheet_to_an_older_workbook_touching_nothing_else(cascade: Cascade,
                                                                              tmp_path: Path) -> None:
    from xl_sakip.regenerate import regenerate

    cascade.budget = []
    path = write_master(cascade, tmp_path / "m.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    del wb["Anggaran"]
    wb["Indikator"]["S2"] = 12  # a realisasi the planner typed (Realisasi TW1): kept
    wb.save(path)
    before = openpyxl.load_workbook(path)
    kept = {n: {c.coordinate: c.value for row in before[n].iter_rows() for c in row}
            for n in ("Jabatan", "Indikator", "Pengaturan")}
    result = regenerate(path, reports=False)
    assert result.added_sheets == ["Anggaran"] and "Sheet master baru" in result.summary()
    after = openpyxl.load_workbook(path)
    assert after.sheetnames.index("Anggaran") == after.sheetnames.index("Indikator") + 1
    ws = after["Anggaran"]
    assert ws.tables["tblAnggaran"].ref == "A1:L2" and ws["A2"].value is None and ws["A1"].value == "Level"
    for n, cells in kept.items():
        assert {c.coordinate: c.value for row in after[n].iter_rows() for c in row} == cells, n
    assert read_master(path).budget == []
    assert regenerate(path, reports=False).added_sheets == []  # once
