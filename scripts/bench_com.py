"""Benchmark (not a test): COM calls of the ribbon in Excel, by size (issue 11).

Each COM call is a round trip to Excel's process, 0.2-2 ms. The ribbon's macros run over xlwings' real
Windows implementation with the recording fake of Excel's COM objects of tests/fake_excel.py, on a
synthetic master (scripts/bench_regenerate.py's) regenerated headless first, so that every generated sheet
exists and is rewritten in place, as on a planner's workbook.

    .venv/bin/python scripts/bench_com.py [--positions 100] [--indicators 100]

Prints the calls of "Buat Ulang Sheet Unit", "Periksa Data" and "Ekspor PK (PDF)" and the estimated COM
time at 0.2 and 2 ms a call; the calls per position show whether the count grows with the sheets only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def main() -> None:
    import pytest
    from bench_regenerate import synthetic

    from tests.fake_excel import FakeExcel
    from xl_sakip import macros
    from xl_sakip.book.writer import write_master
    from xl_sakip.regenerate import regenerate

    ap = argparse.ArgumentParser()
    ap.add_argument("--positions", type=int, default=100)
    ap.add_argument("--indicators", type=int, default=100, help="per position")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Master.xlsx"
        write_master(synthetic(a.positions, a.indicators), path)
        regenerate(path)
        print(f"{a.positions} positions x {a.indicators} indicators = {a.positions * a.indicators} rows")
        for what in ("regenerate", "write_findings", "export_pk"):
            mp = pytest.MonkeyPatch()
            try:
                excel = FakeExcel(path)
                getattr(macros, what)(excel.xlwings_book(mp))
            finally:
                mp.undo()
            n = len(excel.calls)
            print(f"{what:15s} {n:7d} COM calls ({n / a.positions:6.1f} per position): "
                  f"{n * 0.0002:6.1f}-{n * 0.002:6.1f} s")


if __name__ == "__main__":
    main()
