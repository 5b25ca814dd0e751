"""Benchmark (not a test): `xl-sakip tree` on a large cascade, and the wrapping of an unbroken word.

1. `xl-sakip tree WORKBOOK -o tree.svg` (read the master, lay the tree out, write SVG) on a synthetic master
   of `--positions` x 100 indicators (scripts/bench_check.synthetic), in fresh processes, interleaved with
   the baseline, an openpyxl read-only pass over the same workbook's Indikator sheet; `--runs` times each,
   medians. Goal of issue 13: 200 positions in at most 10 s.
2. `tree.wrap` of one unbroken word of 10 000 and of 40 000 characters (issue 12, item 3): linear wrapping
   takes about 4x as long for 4x the characters; a quadratic one took 16x (minutes at 40 000). And the
   layout of the 2023 tree with one indicator of 40 000 characters against the tree as it is.

    .venv/bin/python scripts/bench_tree.py [--positions 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _job(job: str, path: str) -> dict:
    import io

    import openpyxl

    from xl_sakip.tree import tree

    cpu, wall = time.process_time(), time.perf_counter()
    if job == "baseline":
        wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
        sum(1 for _ in wb["Indikator"].iter_rows(values_only=True))
        wb.close()
    else:
        tree(path, Path(path).with_suffix(".svg"))
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}


def run(job: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", job, str(path)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"{job}: FAILED\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wrap_seconds(n: int, repeat: int = 3) -> float:
    from xl_sakip.tree import wrap

    word = ("Ketenagakerjaan" * (n // 15 + 1))[:n]
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        lines = wrap(word, 40.0, 5.9)
        best = min(best, time.process_time() - t)
    assert "".join(lines) == word
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--positions", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("JOB", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_job(*args.child)))
        return

    from bench_check import synthetic

    from xl_sakip.book.writer import write_master

    print(f"# tree benchmark, Python {platform.python_version()}, {platform.platform()}")
    with tempfile.TemporaryDirectory(prefix="xl-sakip-bench-") as tmp:
        book = write_master(synthetic(args.positions * 100), Path(tmp) / "master.xlsm", force=True)
        res: dict[str, list[dict]] = {"baseline": [], "tree": []}
        for _ in range(args.runs):
            for job in res:
                res[job].append(run(job, book))
    cpu = {j: statistics.median(r["cpu"] for r in rs) for j, rs in res.items()}
    wall = {j: statistics.median(r["wall"] for r in rs) for j, rs in res.items()}
    print(f"\n| measurement ({args.positions} positions, {args.positions * 100} indicators) | CPU s | wall s "
          "| ratio to the baseline |")
    print("|---|---:|---:|---:|")
    print(f"| openpyxl read-only pass over Indikator (baseline) | {cpu['baseline']:.2f} | "
          f"{wall['baseline']:.2f} | 1.00 |")
    print(f"| xl-sakip tree -o tree.svg | {cpu['tree']:.2f} | {wall['tree']:.2f} | "
          f"{cpu['tree'] / cpu['baseline']:.2f} |")
    small, large = wrap_seconds(10_000), wrap_seconds(40_000)
    print("\n| wrap of one unbroken word | CPU s |\n|---|---:|")
    print(f"| 10 000 characters | {small:.3f} |\n| 40 000 characters | {large:.3f} |")
    print(f"| ratio 40 000 / 10 000 (linear: about 4; quadratic: 16) | {large / small:.2f} |")
    plain, long = layout_seconds(0), layout_seconds(40_000)
    print("\n| layout of the 2023 tree (21 positions, 94 indicators) | CPU s |\n|---|---:|")
    print(f"| as it is | {plain:.3f} |\n| one indicator a 40 000-character word | {long:.3f} |")
    print(f"| ratio | {long / plain:.2f} |")


def layout_seconds(word: int) -> float:
    """`tree.layout` of the seed's cascade, the first indicator's text replaced by one word of `word`
    characters (0: as it is); the picture sheet of `regenerate` draws the same layout."""
    from xl_sakip.importer import read_seed
    from xl_sakip.tree import layout

    cascade = read_seed(Path(__file__).resolve().parents[1] / "tests" / "data" / "cascading_2023.txt").cascade
    if word:
        inds = list(cascade.indicators)
        inds[0] = inds[0].model_copy(update={"indikator": ("Ketenagakerjaan" * (word // 15 + 1))[:word]})
        cascade = cascade.model_copy(update={"indicators": inds})
    t = time.process_time()
    layout(cascade)
    return time.process_time() - t


if __name__ == "__main__":
    main()
