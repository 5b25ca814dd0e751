"""Findings of the SAKIP year: a low capaian without faktor penghambat, evidence paths, unknown IDs."""

from __future__ import annotations

from pathlib import Path

from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Cascade, Indicator, Narrative, PastYear, Position, RenstraTarget, Settings
from xl_sakip.core.validation import RULES, check


def cascade(**settings: object) -> Cascade:
    def ind(i: str, r2: float) -> Indicator:  # target 100, realisasi TW1 10, TW2 r2 - 10: sum r2
        return Indicator(id=i, position="P01", sasaran_no=1, sasaran="S", indikator=f"Indikator {i}",
                         target=100, target_text="100 orang", realisasi_q=[10, r2 - 10, None, None])

    return Cascade(
        settings=Settings(office="Dinas Uji", year=2024, reporting_quarter=2, **settings),
        positions=[Position(code="P01", title="KEPALA DINAS", order=0)],
        indicators=[ind("P01-1.1", 40), ind("P01-1.2", 55), ind("P01-1.3", 80), ind("P01-1.4", 30)],
        narratives=[
            Narrative(id="P01-1.1", quarter=2, pendukung="ada", upaya="kerja keras"),  # no penghambat
            Narrative(id="P01-1.4", quarter=2, penghambat="anggaran terlambat", bukti="bukti/tw2.pdf"),
            Narrative(id="P01-1.3", quarter=1, bukti="https://contoh.go.id/bukti.pdf"),
            Narrative(id="P01-1.3", quarter=2, bukti="ada.pdf"),
            Narrative(id="P09-9.9", quarter=2, penghambat="x"),
        ],
        history=[PastYear(id="P01-1.1", year=2023, realisasi=90), PastYear(id="P01-1.2", year=2023),
                 PastYear(id="P01-1.3", year=2023)],
        renstra=[RenstraTarget(id="P00-0.0", year=2026, target=5)],
    )


def test_codes_are_registered() -> None:
    for code in ("NARASI_PENGHAMBAT_KOSONG", "BUKTI_TIDAK_DITEMUKAN", "ID_TAHUNAN_TIDAK_DIKENAL",
                 "INDIKATOR_BARU"):
        assert code in RULES


def test_findings_name_their_cells(tmp_path: Path) -> None:
    path = write_master(cascade(), tmp_path / "m.xlsm")
    (tmp_path / "ada.pdf").write_bytes(b"%PDF")
    found = {(f.code, f.indicator_id): f for f in run_check(path).findings}
    # Capaian s.d. TW2: 40 / 100 = 40 % (Sangat Rendah: up to 50), 55 % (Rendah: 50-65), 80 % (Tinggi),
    # 30 % (Sangat Rendah, but explained).
    f = found[("NARASI_PENGHAMBAT_KOSONG", "P01-1.1")]
    assert f.severity.value == "peringatan" and f.cell == "Narasi!D2" and f.actual == 40
    assert "Sangat Rendah" in f.message
    f = found[("NARASI_PENGHAMBAT_KOSONG", "P01-1.2")]
    assert f.cell == "Indikator!A3"
    assert "tambahkan baris di sheet Narasi (ID P01-1.2, Triwulan 2)" in f.message
    assert ("NARASI_PENGHAMBAT_KOSONG", "P01-1.3") not in found
    assert ("NARASI_PENGHAMBAT_KOSONG", "P01-1.4") not in found
    # Only the missing local path; the link and the file beside the workbook are fine.
    assert [(k, f.cell) for k, f in found.items() if k[0] == "BUKTI_TIDAK_DITEMUKAN"] == [
        (("BUKTI_TIDAK_DITEMUKAN", "P01-1.4"), "Narasi!F3")]
    assert found[("ID_TAHUNAN_TIDAK_DIKENAL", "P09-9.9")].cell == "Narasi!A6"
    assert found[("ID_TAHUNAN_TIDAK_DIKENAL", "P00-0.0")].cell == "Renstra!A2"
    # P01-1.4 has no 2023 row in Riwayat while the others have one: new this year.
    assert [k[1] for k in found if k[0] == "INDIKATOR_BARU"] == ["P01-1.4"]
    assert found[("INDIKATOR_BARU", "P01-1.4")].severity.value == "info"


def test_the_office_chooses_the_categories() -> None:
    codes = [(f.code, f.indicator_id) for f in check(cascade(explain_categories="Tinggi"))]
    assert ("NARASI_PENGHAMBAT_KOSONG", "P01-1.3") in codes
    assert ("NARASI_PENGHAMBAT_KOSONG", "P01-1.1") not in codes
    assert not [c for c in check(cascade(explain_categories="")) if c.code == "NARASI_PENGHAMBAT_KOSONG"]


def test_quarters_after_the_reporting_quarter_do_not_count() -> None:
    c = cascade()
    c.settings.reporting_quarter = 1  # TW1: 10 % for every indicator; narratives of TW2 do not explain it
    codes = [f.indicator_id for f in check(c) if f.code == "NARASI_PENGHAMBAT_KOSONG"]
    assert codes == ["P01-1.1", "P01-1.2", "P01-1.3", "P01-1.4"]


def test_an_explained_pendukung_still_counts_for_its_parent() -> None:
    """The capaian of a row explained in Narasi is not computed (check_year skips it), but a parent's
    capaian still adds that row's realisasi: the walk is asked for the parent, not only for the rows it
    was asked for before."""
    from xl_sakip.core.models import Kind, RollUp

    def ind(i: str, target: float, r: list, **kw: object) -> Indicator:
        return Indicator(id=i, position="P01", sasaran_no=1, sasaran="S", indikator=f"Indikator {i}",
                         target=target, target_text=f"{target:g} orang", kind=Kind.NUMBER,
                         realisasi_q=r, **kw)

    c = Cascade(
        settings=Settings(office="Dinas Uji", year=2024, reporting_quarter=2),
        positions=[Position(code="P01", title="KEPALA DINAS", order=0)],
        # Parent target 100 = 60 + 40: its pendukung cover it, so it takes their sum. Its own realisasi
        # (90 + 5 = 95) is not used. Children: A 10 + 20 = 30 of 60 (50 %), B 5 + 5 = 10 of 40 (25 %);
        # the parent: (30 + 10) / 100 = 40 % (Sangat Rendah), not 95 %.
        indicators=[ind("P01-1.1", 100, [90, 5, None, None]),
                    ind("P01-1.2", 60, [10, 20, None, None], supports="P01-1.1", rollup=RollUp.SUM),
                    ind("P01-1.3", 40, [5, 5, None, None], supports="P01-1.1", rollup=RollUp.SUM)],
        narratives=[Narrative(id="P01-1.2", quarter=2, penghambat="cuaca"),
                    Narrative(id="P01-1.3", quarter=2, penghambat="anggaran")],
    )
    found = {f.indicator_id: f for f in check(c) if f.code == "NARASI_PENGHAMBAT_KOSONG"}
    assert list(found) == ["P01-1.1"]
    assert found["P01-1.1"].actual == 40


def test_a_repeated_id_keeps_its_own_walks() -> None:
    """Two rows of one ID (ID_GANDA), a parent with pendukung: the roll-up walk is not shared between
    check_rollup and the year's findings, which find a repeated ID's row differently (check_rollup the first
    row, the year's walk the last), as before the walk was shared.

    First row: target 100, realisasi 90 + 5 = 95; last row: target 200, realisasi 20 + 5 = 25. Pendukung:
    36 of 60 (60 %, Rendah) and 50 of 40 (125 %), targets 60 + 40 = 100, sum 36 + 50 = 86.
    - check_rollup, on the first row: the pendukung cover 100, so the sum is used, and the row's own 95
      differs from 86 (ROLLUP_REALISASI_TIDAK_SESUAI);
    - the year's walk, on the last row: 100 does not cover 200, so its own 25 is used, for both rows:
      25 / 100 = 25 % and 25 / 200 = 12,5 %, both Sangat Rendah."""
    from xl_sakip.core.models import RollUp

    def ind(i: str, target: float, r: list, **kw: object) -> Indicator:
        return Indicator(id=i, position="P01", sasaran_no=1, sasaran="S", indikator=f"Indikator {i}",
                         target=target, target_text=f"{target:g} orang", realisasi_q=r, **kw)

    c = Cascade(
        settings=Settings(office="Dinas Uji", year=2024, reporting_quarter=2),
        positions=[Position(code="P01", title="KEPALA DINAS", order=0)],
        indicators=[ind("P01-2.1", 100, [90, 5, None, None]),
                    ind("P01-2.1", 200, [20, 5, None, None]),
                    ind("P01-2.2", 60, [10, 26, None, None], supports="P01-2.1", rollup=RollUp.SUM),
                    ind("P01-2.3", 40, [25, 25, None, None], supports="P01-2.1", rollup=RollUp.SUM)],
    )
    found = [(f.code, f.indicator_id, f.actual) for f in check(c)
             if f.code in ("NARASI_PENGHAMBAT_KOSONG", "ID_GANDA", "ROLLUP_REALISASI_TIDAK_SESUAI")]
    assert sorted(found, key=str) == sorted([
        ("ID_GANDA", "P01-2.1", None),
        ("ROLLUP_REALISASI_TIDAK_SESUAI", "P01-2.1", 95.0),
        ("NARASI_PENGHAMBAT_KOSONG", "P01-2.1", 25.0), ("NARASI_PENGHAMBAT_KOSONG", "P01-2.1", 12.5),
        ("NARASI_PENGHAMBAT_KOSONG", "P01-2.2", 60.0)], key=str)


def test_a_row_typed_below_a_year_table_with_untouched_cells_is_read(tmp_path: Path) -> None:
    """A Riwayat row typed by hand below the table, only its ID and Tahun filled: its other cells were never
    touched, so the file holds no cell for them. The row is read (before: a crash on the missing cells'
    addresses), and its unknown ID is reported at its cell, Riwayat!A5 (rows 2-4 hold the three rows of
    `cascade()`; by hand)."""
    import openpyxl

    path = write_master(cascade(), tmp_path / "m.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Riwayat"]
    assert ws.max_row == 4 and ws["A1"].value == "ID" and ws["B1"].value == "Tahun"
    ws["A5"], ws["B5"] = "P07-7.7", 2023
    assert ws._cells.get((5, 3)) is None  # no Target cell on that row
    wb.save(path)
    found = [f for f in run_check(path).findings if f.code == "ID_TAHUNAN_TIDAK_DIKENAL"]
    assert [(f.indicator_id, f.cell) for f in found if f.cell.startswith("Riwayat")] == [
        ("P07-7.7", "Riwayat!A5")]
