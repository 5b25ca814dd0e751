"""Issue 12 ("Reliability, round two"): items that need more than a corpus case of
tests/corpus_workbooks.py. Expected cells come from the fixture's layout (see that module's docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_workbooks import SETTINGS_CORPUS, WORKBOOK_CORPUS, Case, build
from typer.testing import CliRunner

from xl_sakip.book.writer import write_master
from xl_sakip.cli import app

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SHIPPED = ROOT / "workbook" / "Cascading_2023.xlsm"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    from xl_sakip import cli

    monkeypatch.setattr(cli.err, "width", 1000)
    monkeypatch.setattr(cli.out, "width", 1000)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_small_cascade

    return write_master(make_small_cascade(), tmp_path_factory.mktemp("good") / "master.xlsm")


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return r.exit_code, " ".join((r.stdout + r.stderr).split())


@pytest.mark.parametrize("name", ["target_tak_hingga", "realisasi_tak_hingga"])
def test_regenerate_refuses_infinity_and_changes_nothing(good: Path, tmp_path: Path, name: str) -> None:
    """Item 10: before, regenerate read infinity and blanked the master cell (a master input changed)."""
    case = next(c for c in WORKBOOK_CORPUS if c.name == name)
    path = build(case, good, tmp_path)
    before = path.read_bytes()
    code, text = run("regenerate", str(path))
    assert code == 2 and case.words[0] in text and "tak hingga" in text
    assert path.read_bytes() == before


def test_strict_reader_refuses_ids_differing_in_case(good: Path, tmp_path: Path) -> None:
    """Item 16: regenerate (strict reading) refuses p03-1.1 beside P03-1.1, naming both cells."""
    from xl_sakip.book.reader import read_master
    from xl_sakip.errors import WorkbookError

    case = next(c for c in WORKBOOK_CORPUS if c.name == "id_ganda_huruf")
    with pytest.raises(WorkbookError) as info:
        read_master(build(case, good, tmp_path))
    assert str(info.value) == (
        "Sheet 'Indikator' sel A9: ID 'p03-1.1' sudah dipakai di sel A8 (sebagai 'P03-1.1'; Excel tidak "
        "membedakan huruf besar/kecil); setiap ID harus unik.")


@pytest.mark.parametrize("case", SETTINGS_CORPUS, ids=lambda c: c.name)
def test_workbook_wide_findings(case: Case, good: Path, tmp_path: Path) -> None:
    """Items 5 and 17: findings with their cell (before: `check` said all was well, exit 0)."""
    path = build(case, good, tmp_path)
    code, text = run("check", str(path), "--json")
    assert code == case.exit_code, text
    r = CliRunner().invoke(app, ["check", str(path), "--json"], catch_exceptions=False)
    found = [f for f in json.loads(r.stdout) if f["code"] in case.codes]
    assert {f.get("cell") for f in found} == (set(case.cells) or {None})
    assert {f["severity"] for f in found} == {"galat" if case.exit_code == 1 else "peringatan"}
    messages = " ".join(f["message"] for f in found)
    for words in case.words:
        assert words in messages


@pytest.mark.parametrize("name", ["tahun_nol", "tahun_negatif", "tahun_10000", "tahun_10_pangkat_12"])
def test_writers_refuse_an_unusable_year(name: str, good: Path, tmp_path: Path) -> None:
    """Item 5: regenerate, PK, tree and demo refuse the year naming the cell (before: regenerate and pk wrote
    "TAHUN 0" and PK_-1_....pdf, demo crashed with ValueError)."""
    case = next(c for c in SETTINGS_CORPUS if c.name == name)
    path = build(case, good, tmp_path)
    before = path.read_bytes()
    expected = f"Galat: Sheet 'Pengaturan' sel B3: {case.words[0]}: isi tahun cascading (antara 2000 dan 2100"
    for args in (["regenerate", str(path)], ["tree", str(path), "-o", str(tmp_path / "p.svg")],
                 ["pk", str(path), "--pdf", str(tmp_path / "PK")],
                 ["demo", str(path), "-o", str(tmp_path / "d.xlsm")]):
        code, text = run(*args)
        assert code == 2 and text.startswith(expected), (args, text)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no output, no backup, no lock


def test_regenerate_refuses_an_empty_master(good: Path, tmp_path: Path) -> None:
    """Item 17: before, regenerate removed every unit sheet of an emptied master."""
    case = next(c for c in SETTINGS_CORPUS if c.name == "master_kosong")
    path = build(case, good, tmp_path)
    before = path.read_bytes()
    code, text = run("regenerate", str(path))
    assert code == 2 and "Sheet 'Jabatan' tidak berisi satu jabatan pun" in text
    assert "Sheet 'Indikator' tidak berisi satu indikator pun" in text and "Workbook tidak diubah" in text
    assert path.read_bytes() == before


def test_import_refuses_year_zero(tmp_path: Path) -> None:
    """Item 5: "TAHUN 0000" in the title made a workbook that crashed later; now nothing is written."""
    out = tmp_path / "m.xlsm"
    code, text = run("import", str(CORPUS / "year_zero.txt"), "-o", str(out))
    assert code == 2 and not out.exists()
    assert "year_zero.txt: baris 1: tahun «0000» pada judul dokumen tidak wajar" in text
    assert "antara 2000 dan 2100" in text


def test_demo_on_another_offices_workbook(tmp_path: Path) -> None:
    """Item 17: the 2023 sample gives P02-1.4 the grades BB/BB/BB/A (sample_realisasi_2023.csv line 13); an
    office whose P02-1.4 is a count got a message naming cells of a copy never written. Now the message
    names the sample's line and the workbook's own cell (asserted below: P02-1.4 in row 7, Jenis in J)."""
    import openpyxl

    wb = openpyxl.load_workbook(SHIPPED, keep_vba=True)
    ws = wb["Indikator"]
    assert ws["A7"].value == "P02-1.4" and ws["J1"].value == "Jenis" and ws["J7"].value == "predikat"
    ws["J7"], ws["F7"], ws["G7"] = "jumlah", "5 dokumen", 5
    path = tmp_path / "dinas_lain.xlsm"
    wb.save(path)
    out = tmp_path / "contoh.xlsm"
    code, text = run("demo", str(path), "-o", str(out))
    assert code == 2 and not out.exists()
    assert ("sample_realisasi_2023.csv baris 13 mengisi indikator P02-1.4 dengan predikat 'BB', tetapi di "
            "workbook ini P02-1.4 berjenis 'jumlah' (sel Indikator!J7)") in text
    assert "Tidak ada file yang ditulis" in text and "d.xlsm" not in text
