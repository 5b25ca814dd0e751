"""Exit codes and messages of `xl-sakip import` and `check` (docs/guarantees.md): 0 done, 1 `check` found
errors, 2 the input or the target cannot be used (message in Bahasa Indonesia, no traceback), 130
interrupted. Nothing is written on an error.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_sakip.book import package
from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.models import Cascade

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "cascading_2023.txt"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages on one line, as in a wide terminal: rich would otherwise wrap them at 80 columns."""
    from xl_sakip import cli

    monkeypatch.setattr(cli.err, "width", 1000)
    monkeypatch.setattr(cli.out, "width", 1000)


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_import_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "m.xlsm"
    out.write_bytes(b"punya orang lain")
    code, _, err = cli("import", str(SEED), "-o", str(out))
    assert code == 2 and "Traceback" not in err
    assert f"File '{out}' sudah ada; gunakan --force untuk menimpanya." in err
    assert out.read_bytes() == b"punya orang lain"


@pytest.mark.parametrize(("name", "words"), [
    ("m.txt", "harus berakhiran .xlsm"),
    ("m.xlsx", "Workbook dengan makro harus disimpan sebagai .xlsm"),
])
def test_import_refuses_wrong_names(tmp_path: Path, name: str, words: str) -> None:
    code, _, err = cli("import", str(SEED), "-o", str(tmp_path / name))
    assert code == 2 and words in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_check_exit_codes_and_json(small_cascade: Cascade, tmp_path: Path) -> None:
    good = write_master(small_cascade, tmp_path / "good.xlsm")
    code, out, _ = cli("check", str(good), "--json")
    assert code == 0 and not any(f["severity"] == "galat" for f in json.loads(out))
    small_cascade.indicators[1].target_text = "sembilan puluh"  # P01-2.1: not a readable target
    bad = write_master(small_cascade, tmp_path / "bad.xlsm")
    code, out, _ = cli("check", str(bad), "--json")
    assert code == 1
    assert {(f["code"], f["indicator_id"], f.get("cell")) for f in json.loads(out)
            if f["severity"] == "galat"} == {("TARGET_TIDAK_TERBACA", "P01-2.1", "Indikator!F3")}


def test_check_json_on_an_unusable_file_prints_no_json(tmp_path: Path) -> None:
    path = tmp_path / "rusak.xlsm"
    path.write_bytes(b"bukan zip")
    code, out, err = cli("check", str(path), "--json")
    assert code == 2 and out == "" and err.startswith("Galat: ")


def test_interrupt_leaves_nothing_half_written(
    small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = write_master(small_cascade, tmp_path / "m.xlsm")
    before = good.read_bytes()

    def ctrl_c(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(package, "write_zip", ctrl_c)
    code, _, err = cli("check", str(good), "--write")
    assert code == 130 and "Dibatalkan" in err
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xlsm"]  # no temp file, no lock file


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    """The installed entry point, as a planner runs it."""
    exe = Path(sys.executable).with_name("xl-sakip")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "xl_sakip.cli"]
    done = subprocess.run([*cmd, "check", str(tmp_path / "tidak_ada.xlsm")], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "tidak ditemukan" in done.stderr
