"""Issue 12 ("Reliability, round two"): items that need more than a corpus case of
tests/corpus_workbooks.py. Expected cells come from the fixture's layout (see that module's docstring).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_workbooks import WORKBOOK_CORPUS, build
from typer.testing import CliRunner

from xl_sakip.book.writer import write_master
from xl_sakip.cli import app


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
