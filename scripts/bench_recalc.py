"""Benchmark (not a test): LibreOffice full recalculation of a regenerated workbook against the master
alone (issue 13: Excel recalculates on every open, so this is what opening the workbook costs).

Builds the synthetic master of bench_check.py at N and 2N indicator rows (100 per position) and, from each,
a regenerated workbook as regenerate writes it (each unit-sheet row checks the master row it found at
generation time before it falls back to MATCH: core/rules.master_row) and, for comparison, one whose rows
all MATCH over the whole ID column (what regenerate wrote before). Each is recalculated by a headless
LibreOffice forced to recalculate on load (tests/libreoffice.py; a conversion to .xlsx, so the time
includes loading and saving), timed as the CPU seconds of the LibreOffice process, `--runs` times
interleaved (medians). Ratios: to the master of the same size, and 2N against N (linear is 2.0).
Each workbook is also loaded and saved by LibreOffice without recalculating (recalc mode "never": its
cached values kept), so that the recalculation's own cost (the difference) is told apart from the cost of
reading and writing a larger file.

    .venv/bin/python scripts/bench_recalc.py [--rows 2000] [--runs 1] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_check import synthetic  # noqa: E402

from tests.libreoffice import recalc, soffice  # noqa: E402


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def lo_cpu(path: Path, out: Path, recalculate: bool = True) -> float:
    """CPU seconds LibreOffice spends loading `path`, recalculating it fully (or not) and saving it."""
    before = children_cpu()
    recalc(path, out, timeout=3600, recalculate=recalculate)
    return children_cpu() - before


def build(folder: Path, rows: int) -> dict[str, Path]:
    from xl_sakip.book.writer import write_master
    from xl_sakip.regenerate import regenerate
    from xl_sakip.sheets import replan

    master = write_master(synthetic(rows), folder / f"master_{rows}.xlsm", force=True)
    fast = Path(shutil.copy(master, folder / f"regenerated_{rows}.xlsm"))
    regenerate(fast)
    match_only = Path(shutil.copy(master, folder / f"match_only_{rows}.xlsm"))
    keep = replan.master_positions
    replan.master_positions = lambda cascade: {}  # no row to check first: every row MATCHes
    try:
        regenerate(match_only)
    finally:
        replan.master_positions = keep
    return {"master": master, "regenerated": fast, "MATCH only": match_only}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2000, help="N (2N is measured too)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="write the workbooks into this folder (kept)")
    args = ap.parse_args()
    if soffice() is None:
        raise SystemExit("LibreOffice (soffice) not found: sh scripts/install-system-deps.sh libreoffice")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="xl-sakip-recalc-"))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = (args.rows, 2 * args.rows)
    books = {n: build(folder, n) for n in sizes}
    times: dict[tuple[int, str], list[float]] = {(n, k): [] for n in sizes for k in books[n]}
    kept: dict[tuple[int, str], list[float]] = {(n, k): [] for n in sizes for k in books[n]}
    for _ in range(args.runs):  # interleaved: a busy moment of the machine hits every workbook alike
        for n in sizes:
            for kind, path in books[n].items():
                times[(n, kind)].append(lo_cpu(path, folder / "out"))
                kept[(n, kind)].append(lo_cpu(path, folder / "out", recalculate=False))
    med = {key: statistics.median(v) for key, v in times.items()}
    load = {key: statistics.median(v) for key, v in kept.items()}
    print(f"# LibreOffice recalculation benchmark, Python {platform.python_version()}, {platform.platform()}")
    print("\n| rows | workbook | LibreOffice CPU s (median) | ratio to the master | growth 2N / N "
          "| load+save without recalculating, s | recalculation alone (the difference), s | its ratio to the "
          "master's |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        base = med[(n, "master")] - load[(n, "master")]
        for kind in books[n]:
            growth = f"{med[(n, kind)] / med[(sizes[0], kind)]:.2f}" if n == sizes[1] else ""
            alone = med[(n, kind)] - load[(n, kind)]
            ratio = f"{alone / base:.2f}" if base > 0.05 else "-"
            print(f"| {n} | {kind} | {med[(n, kind)]:.1f} | {med[(n, kind)] / med[(n, 'master')]:.2f} | "
                  f"{growth} | {load[(n, kind)]:.1f} | {alone:.1f} | {ratio} |")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
