"""PK Murni and PK Perubahan (issue 15): the Versi PK sheet, the target in force, capaian against it, the
version every sheet states, `pk --version`.

The case, by hand (demo data; targets from the 2023 master, realisasi from the sample): a PK Perubahan dated
1 Oktober 2023 changes two targets, P20-1.1 100 % -> 90 % and P21-1.1 150 -> 160 perusahaan. At TW4 it is in
force: P20-1.1 85 / 90 = 94,4444 % (Murni 85 %), P21-1.1 (34+42+42+50) / 160 = 105 % (Murni 112 %); every
other capaian is unchanged. At TW3 (to 30 September) the Murni is in force.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xl_sakip.book.reader import read_master, read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.cli import app
from xl_sakip.core.budget import PkKind, PkTarget, PkVersion
from xl_sakip.core.models import Cascade
from xl_sakip.core.rollup import capaian_rolled
from xl_sakip.core.validation import check
from xl_sakip.core.versions import in_force, version_in_force
from xl_sakip.sample import apply_sample
from xl_sakip.sheets import unit_layout as ul

CHANGED = {"P20-1.1": (90.0, 85 / 90 * 100, 85.0), "P21-1.1": (160.0, 168 / 160 * 100, 112.0)}


def _with_perubahan(c: Cascade) -> Cascade:
    c = c.model_copy(deep=True)
    c.pk_versions = [PkVersion(name="Murni", variant=PkKind.MURNI, date=date(2023, 1, 2), reason="PK awal"),
                     PkVersion(name="Perubahan", variant=PkKind.PERUBAHAN, date=date(2023, 10, 1),
                               reason="APBD Perubahan 2023")]
    c.pk_targets = [PkTarget(version="Perubahan", indicator_id="P20-1.1", target=90),
                    PkTarget(version="Perubahan", indicator_id="P21-1.1", target=160)]
    return c


@pytest.fixture(scope="module")
def demo() -> Cascade:
    return _with_perubahan(apply_sample(read_master(SHIPPED_WORKBOOK)))


def _capaian(c: Cascade) -> dict[str, object]:
    return {i.id: capaian_rolled(c, i).excel() for i in c.indicators}


def test_a_perubahan_changes_exactly_those_two_capaian(demo: Cascade) -> None:
    murni, forced = _capaian(demo), _capaian(in_force(demo))
    assert version_in_force(demo) == "Perubahan"
    assert {k for k in murni if murni[k] != forced[k]} == set(CHANGED)
    for iid, (target, now, before) in CHANGED.items():
        assert forced[iid] == pytest.approx(now) and murni[iid] == pytest.approx(before)
        assert next(i for i in in_force(demo).indicators if i.id == iid).target == target


def test_before_its_date_the_murni_is_in_force(demo: Cascade) -> None:
    early = demo.model_copy(deep=True)
    early.settings.reporting_quarter = 3  # to 30 September: the Perubahan of 1 Oktober is not yet in force
    assert version_in_force(early) == "Murni"
    assert _capaian(in_force(early)) == _capaian(early)  # the Murni targets: nothing changes


@pytest.fixture(scope="module")
def book(demo: Cascade, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xl_sakip.build import _write_with_sheets

    path = tmp_path_factory.mktemp("versions") / "Contoh.xlsm"
    _write_with_sheets(demo, path)
    return path


def test_the_sheet_reads_back_and_the_unit_sheets_use_the_target_in_force(book: Path, demo: Cascade) -> None:
    back = read_master(book)
    assert (back.pk_versions, back.pk_targets) == (demo.pk_versions, demo.pk_targets)
    wb = openpyxl.load_workbook(book, data_only=True)
    by_code = {n.split(" ")[0]: wb[n] for n in wb.sheetnames if n[:1] == "P" and n[1:3].isdigit()}
    # Capaian column K, the indicator rows from 9: P20-1.1 is row 9, P21-1.1 row 9, P21-2.1 row 10.
    assert by_code["P20"]["E9"].value == 90 and by_code["P20"]["K9"].value == pytest.approx(85 / 90 * 100)
    assert by_code["P21"]["E9"].value == 160 and by_code["P21"]["K9"].value == pytest.approx(105)
    assert by_code["P21"]["K10"].value == pytest.approx(97)  # unchanged
    assert by_code["P20"]["A1"].value == "CAPAIAN KINERJA TAHUN 2023 S.D. TW 4 (PK Perubahan)"
    # The target in force is computed once, in its hidden helper cell (BI, issue 13), which E names.
    ws = openpyxl.load_workbook(book)[by_code["P20"].title]
    helper = ws.cell(9, ul.C_T_BERLAKU)
    assert helper.column_letter == "BI" and "tblTargetPK" in helper.value
    assert "BI9" in ws["E9"].value and "tblTargetPK" not in ws["E9"].value
    assert by_code["P20"]["BI9"].value == 90


def test_libreoffice_agrees(book: Path) -> None:
    from tests.libreoffice import recalc_values, soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    cached = openpyxl.load_workbook(book, data_only=True)
    lo = recalc_values(book)
    for name in cached.sheetnames:
        if name.split(" ")[0] in ("P20", "P21"):
            for cell in ("A1", "E9", "K9", "E10", "K10"):
                a, b = cached[name][cell].value, lo[name][cell].value
                assert a == pytest.approx(b) if isinstance(a, float) else a == b, (name, cell, a, b)


def test_pk_version_murni_prints_the_original_targets(book: Path, tmp_path: Path) -> None:
    import subprocess

    from tests.libreoffice import soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    texts = {}
    for version in ("murni", "perubahan"):
        out = tmp_path / version
        result = CliRunner().invoke(app, ["pk", str(book), "--position", "P21", "--version", version,
                                          "--pdf", str(out)])
        assert result.exit_code == 0, result.output
        pdf = next(out.glob("*.pdf"))
        texts[version] = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                                 text=True, check=True).stdout.split())
    assert "PERJANJIAN KINERJA TAHUN 2023" in texts["murni"] and "PERUBAHAN" not in texts["murni"]
    assert "PERJANJIAN KINERJA PERUBAHAN TAHUN 2023" in texts["perubahan"]
    # P21-1.1: 150 perusahaan in the Murni, 160 perusahaan in the Perubahan; P21-2.1 500 orang in both.
    assert "150 perusahaan" in texts["murni"] and "160 perusahaan" not in texts["murni"]
    assert "160 perusahaan" in texts["perubahan"] and "150 perusahaan" not in texts["perubahan"]
    assert "500 orang" in texts["murni"] and "500 orang" in texts["perubahan"]


def test_findings_of_the_versions_sheet(demo: Cascade, tmp_path: Path) -> None:
    c = demo.model_copy(deep=True)
    # P06-1.1 gets quarterly targets that add up to the Murni 1000 but the Perubahan changes it to 1200
    p06 = next(i for i in c.indicators if i.id == "P06-1.1")
    p06.target_q = [250.0, 250.0, 250.0, 250.0]
    c.pk_targets += [PkTarget(version="Perubahan", indicator_id="P06-1.1", target=1200),
                     PkTarget(version="Perubahn", indicator_id="P06-1.2", target=700),
                     PkTarget(version="Perubahan", indicator_id="P99-1.1", target=1)]
    c.pk_versions.append(PkVersion(name="Perubahan II", variant=PkKind.PERUBAHAN))
    path = write_master(c, tmp_path / "m.xlsm")
    cascade, rows = read_master_with_rows(path, strict=False)
    got = {(f.code, f.cell) for f in check(cascade, rows.locator()) if f.code in (
        "RENCANA_AKSI_TIDAK_SESUAI", "VERSI_PK_TIDAK_DIKENAL", "TARGET_PK_ID_TIDAK_DIKENAL",
        "VERSI_PK_TANPA_TANGGAL", "TARGET_TW_TIDAK_SESUAI")}
    # tblTargetPK starts in column F (Versi PK F, ID Indikator G, Target Baru H): rows 4, 5, 6 are the new
    # ones. P06-1.1's Target TW1 is column O of Indikator.
    p06_row = rows.indicator_rows["P06-1.1"]
    assert got == {("RENCANA_AKSI_TIDAK_SESUAI", f"Indikator!O{p06_row}"),
                   ("VERSI_PK_TIDAK_DIKENAL", "'Versi PK'!F5"),
                   ("TARGET_PK_ID_TIDAK_DIKENAL", "'Versi PK'!G6"),
                   ("VERSI_PK_TANPA_TANGGAL", None)}
    # With a reason on the change row, no finding.
    c.pk_targets[2] = c.pk_targets[2].model_copy(update={"note": "Rencana aksi direvisi di TW4"})
    assert "RENCANA_AKSI_TIDAK_SESUAI" not in {f.code for f in check(c)}


def test_every_generated_sheet_names_the_version(book: Path) -> None:
    wb = openpyxl.load_workbook(book, data_only=True)
    assert wb["Dasbor"]["A1"].value == "DASBOR KINERJA TAHUN 2023 (PK Perubahan)"
    assert wb["Ringkasan"]["A1"].value == "RINGKASAN CAPAIAN KINERJA TAHUN 2023 (PK Perubahan)"
    units = [n for n in wb.sheetnames if n[:1] == "P" and n[1:3].isdigit()]
    assert len(units) == 21 and all(wb[n]["A1"].value.endswith("(PK Perubahan)") for n in units)
    pks = [n for n in wb.sheetnames if n.startswith("PK ")]
    assert len(pks) == 21
    assert all(wb[n]["A1"].value == "PERJANJIAN KINERJA TAHUN 2023 (PK Murni)" for n in pks)
