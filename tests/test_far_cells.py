"""One note typed far outside a table (issue 12, item 2): `Indikator!AK1048576` made `check` visit every row
of the sheet's extent, creating a cell for each table column of each row: 139 s and 6.9 GB, a MemoryError
traceback under a 3 GB limit. The reader now reads the rows that hold cells in the table's columns.

Speed is not asserted here (scripts/bench_*.py measure it); memory is bounded instead: the check runs in a
process limited to 1 GiB of address space, which the old reading exceeded by far (6.9 GB) and the new one
needs a small part of (about 60 MB resident for the 2023 master).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbook" / "Cascading_2023.xlsm"

LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from xl_sakip.cli import main
sys.argv = ["xl-sakip", *sys.argv[1:]]
main()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS as Linux counts it")
def test_note_in_the_last_row_is_read_within_bounded_memory(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SHIPPED, keep_vba=True)
    wb["Indikator"]["AK1048576"] = "catatan pribadi"  # outside the table (its last column is AE)
    path = tmp_path / "jauh.xlsm"
    wb.save(path)
    done = subprocess.run([sys.executable, "-c", LIMITED, "check", str(path), "--json"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0  # the 2023 master has no galat; the note is not a row
    # The same findings as the master without the note (read without a limit).
    plain = subprocess.run([sys.executable, "-m", "xl_sakip.cli", "check", str(SHIPPED), "--json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.stdout == plain.stdout and '"code"' in plain.stdout
