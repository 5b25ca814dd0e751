"""scripts/install-system-deps.sh, which CI runs before the tests (.ci/run): with the argument `libreoffice`
it installs what the tests would otherwise skip for: LibreOffice and poppler-utils (`pdftotext`, for the
PDF tests of test_master_print.py; issue 12, "CI skips no test"). Run against stand-in commands on a PATH of
their own, so nothing is installed: a fake apt-get records what it was asked for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "install-system-deps.sh"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")


def run_script(tmp_path: Path, present: tuple[str, ...]) -> list[str]:
    """The apt-get command lines the script runs when only `present` (and python3) are installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"

    def tool(name: str, body: str) -> None:
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    tool("id", "echo 0")  # root: no sudo
    tool("apt-get", f'echo "$*" >> "{log}"')
    for name in present:
        tool(name, "exit 0")
    os.symlink(sys.executable, bin_dir / "python3")  # has ensurepip: python3-venv is not needed
    done = subprocess.run([shutil.which("sh") or "/bin/sh", str(SCRIPT), "libreoffice"], capture_output=True,
                          text=True, env={"PATH": str(bin_dir)}, timeout=60)
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines() if log.exists() else []


def test_installs_libreoffice_and_poppler_when_missing(tmp_path: Path) -> None:
    calls = run_script(tmp_path, present=())
    assert calls == ["update -qq",
                     "install -y -qq --no-install-recommends libreoffice-calc-nogui poppler-utils"]


def test_installs_poppler_alone_when_only_it_is_missing(tmp_path: Path) -> None:
    calls = run_script(tmp_path, present=("soffice",))
    assert calls == ["update -qq", "install -y -qq --no-install-recommends poppler-utils"]


def test_installs_nothing_when_all_is_there(tmp_path: Path) -> None:
    assert run_script(tmp_path, present=("soffice", "pdftotext")) == []
