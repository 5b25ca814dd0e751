"""Inputs that are not regular files, and output to a pipe that closes (issue 12, item 6).

A FIFO or /dev/zero as input used to hang for ever (reading waits for a writer, or never ends); now it is
refused before it is opened, naming the path. `check | head` used to end with exit 1 and no message (a
BrokenPipeError at exit); now it ends quietly with the check's own exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Cascade

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "cascading_2023.txt"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


def xl_sakip(*args: str, **kw) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("xl-sakip")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "xl_sakip.cli"]
    return subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "COLUMNS": "1000"}, **kw)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=30)  # before the fix: no answer at all (killed here)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the command hung on a special file")
    return proc.returncode, out, " ".join(err.split())


@pytest.mark.parametrize("command", ["check", "regenerate", "tree"])
def test_fifo_as_workbook_is_refused(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "m.xlsm"
    os.mkfifo(fifo)
    code, _, err = finish(xl_sakip(command, str(fifo)))
    assert code == 2
    assert err == (f"Galat: '{fifo}' adalah pipa bernama (FIFO), bukan berkas biasa, sehingga tidak dibaca. "
                   "Simpan isinya sebagai berkas (file) lalu beri nama berkas itu.")


def test_dev_zero_as_seed_and_workbook_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "m.xlsm"
    code, _, err = finish(xl_sakip("import", "/dev/zero", "-o", str(out)))
    assert code == 2 and "Galat: 'Berkas" not in err
    assert "'/dev/zero' adalah perangkat (device), bukan berkas biasa" in err
    assert not out.exists()
    code, _, err = finish(xl_sakip("check", "/dev/zero"))
    assert code == 2 and "'/dev/zero' adalah perangkat (device), bukan berkas biasa" in err


def test_fifo_as_seed_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "seed.txt"
    os.mkfifo(fifo)
    code, _, err = finish(xl_sakip("import", str(fifo), "-o", str(tmp_path / "m.xlsm")))
    assert code == 2 and f"'{fifo}' adalah pipa bernama (FIFO)" in err and "Traceback" not in err


@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("galat", [False, True], ids=["clean", "galat"])
def test_check_into_a_closed_pipe_ends_quietly(
    small_cascade: Cascade, tmp_path: Path, json: bool, galat: bool
) -> None:
    """`check | head -0`: the reader is gone before the first line. Exit code: the check's own (0 for the
    fixture; 1 once P01-2.1's written target is unreadable, a galat), and nothing on stderr. Before: exit 1
    whatever the result (rich's own handling of a broken pipe)."""
    if galat:
        small_cascade.indicators[1].target_text = "sembilan puluh"
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    proc = xl_sakip("check", str(path), *(["--json"] if json else []))
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `head` that has read all it wants
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == (1 if galat else 0)
    assert err == ""
