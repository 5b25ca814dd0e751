"""Headless LibreOffice as a second formula engine for tests.

LibreOffice keeps the cached values of an OOXML file unless told to recalculate: a private profile with
OOXMLRecalcMode=0 ("always") forces a full recalculation on load (../shared/design.md). The file is
converted to .xlsx and its values are read back with openpyxl ``data_only=True``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest

_REGISTRY_MODE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""
_REGISTRY = _REGISTRY_MODE.format(mode=0)  # 0: "always" recalculate on load; 1: "never"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


requires_libreoffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) not installed")


def recalc(path: Path, outdir: Path | None = None, *, timeout: float = 180, recalculate: bool = True) -> Path:
    """Recalculate `path` with LibreOffice and return the path of the recalculated .xlsx copy. With
    `recalculate=False` LibreOffice keeps the cached values (recalc mode "never"): the same load and save,
    without the recalculation (scripts/bench_recalc.py tells the two apart)."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("soffice not found")
    outdir = Path(outdir or tempfile.mkdtemp(prefix="lo-out-"))
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_REGISTRY_MODE.format(mode=0 if recalculate else 1),
                                                        encoding="utf-8")
        # A copy under a plain name: the input may be .xlsm, and the output name follows the input name.
        src = Path(profile) / "in" / (Path(path).stem + Path(path).suffix)
        src.parent.mkdir()
        shutil.copyfile(path, src)
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            str(src),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        out = outdir / (src.stem + ".xlsx")
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"LibreOffice failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    return out


def recalc_values(path: Path, outdir: Path | None = None) -> openpyxl.Workbook:
    """Recalculate with LibreOffice and open the result with cached values (data_only=True)."""
    return openpyxl.load_workbook(recalc(path, outdir), data_only=True)


def timed_recalc(path: Path, outdir: Path | None = None) -> tuple[Path, float]:
    t0 = time.perf_counter()
    out = recalc(path, outdir)
    return out, time.perf_counter() - t0
