"""Benchmark (not a test): import, check and regenerate on a synthetic cascade, with peak memory and the
growth ratio of 2x input to 1x (issue 7, item 5).

Each stage runs in a fresh Python process, so that its peak memory (ru_maxrss) is its own:
- import: `read_seed` of a synthetic document in the seed's grammar, then the master workbook written
  (`import_seed`: VBA project and ribbon included);
- check: `run_check` (read the master leniently, run every rule, cells located from the same pass);
- regenerate: `xl_sakip.regenerate.regenerate` (unit sheets, Ringkasan, Dasbor, Pohon Kinerja, PK sheets);
- check-regenerated: `run_check` on the regenerated workbook (hand-edit detection over every generated
  sheet);
- regenerate-again: a second `regenerate` without --force: it must succeed and leave every generated
  sheet's cells as they were (compared by the markers' hashes).

    .venv/bin/python scripts/bench_scale.py [--rows 50000] [--stages import,check,regenerate,...]

Sizes run: rows/2 and rows; the ratio column is time(rows) / time(rows/2): 2.0 is linear growth.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = "No\tSasaran Strategis\tIndikator Kinerja\tTarget"
PER_POSITION = 100  # 20 sasaran x 5 indicators, like a large unit of the seed
TARGETS = ("75%", "200 perusahaan", "2,18", "14.000 orang", "BB")


def synthetic_seed(n_rows: int) -> str:
    """A document in the seed's grammar: a Kepala Dinas, a Kabid every tenth table, Kasi under them."""
    parts = ["**CASCADING DINAS SINTETIS TAHUN 2024**", ""]
    n_pos = max(1, -(-n_rows // PER_POSITION))
    done = 0
    for t in range(n_pos):
        parts.append(HEAD)
        for k in range(min(PER_POSITION, n_rows - done)):
            s, j = 1 + k // 5, k % 5
            number, sasaran = (str(s), f"Meningkatnya layanan {t}-{s}") if j == 0 else ("", "")
            parts.append(f"{number}\t{sasaran}\tPersentase indikator {t}-{s}-{j}\t{TARGETS[j]}")
            done += 1
        title = "KEPALA DINAS" if t == 0 else (f"KABID BIDANG {t}" if t % 10 == 1 else f"Kepala Seksi {t}")
        parts += ["", title, ""]
    return "\n".join(parts)


def _stage(stage: str, folder: Path, rows: int) -> dict:
    """Runs inside the child process."""
    seed = folder / "seed.txt"
    book = folder / "master.xlsm"
    start = time.perf_counter()
    if stage == "import":
        from xl_sakip.build import import_seed

        seed.write_text(synthetic_seed(rows), encoding="utf-8")
        start = time.perf_counter()
        result = import_seed(seed, book, force=True)
        detail = f"{len(result.cascade.indicators)} indikator, {len(result.problems)} catatan"
    elif stage == "check":
        from xl_sakip.book.findings_sheet import run_check

        report = run_check(book)
        detail = f"{len(report.findings)} temuan"
    elif stage == "regenerate":
        from xl_sakip.regenerate import regenerate

        result = regenerate(book, force=True)
        detail = f"{len(result.written)} sheet"
    elif stage == "check-regenerated":  # check on the workbook `regenerate` wrote (issue 13)
        from xl_sakip.book.findings_sheet import run_check

        report = run_check(book)
        edited = sum(1 for f in report.findings if f.code == "SHEET_DIUBAH_MANUAL")
        detail = f"{len(report.findings)} temuan, {edited} sheet diubah manual"
    elif stage == "regenerate-again":  # must succeed without --force and change no cell (issue 13)
        import zipfile

        from xl_sakip.book.sheet_xml import Package
        from xl_sakip.regenerate import regenerate

        def digests() -> dict[str, str]:
            with zipfile.ZipFile(book) as zf:
                return {n: m.digest for n, m in Package(zf).markers.items()}

        before = digests()
        start = time.perf_counter()
        regenerate(book)
        seconds_only = time.perf_counter() - start
        after = digests()
        changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
        detail = "tidak ada sel berubah" if not changed else f"{len(changed)} sheet berubah: {changed[:3]}"
        start = time.perf_counter() - seconds_only  # time the regenerate alone
    else:
        raise SystemExit(f"unknown stage {stage}")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mib = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    return {"stage": stage, "rows": rows, "seconds": seconds, "peak_mib": peak_mib, "detail": detail,
            "size_mib": book.stat().st_size / 2**20 if book.exists() else 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--stages", default="import,check,regenerate,check-regenerated,regenerate-again")
    ap.add_argument("--child", nargs=3, metavar=("STAGE", "FOLDER", "ROWS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        stage, folder, rows = args.child
        print(json.dumps(_stage(stage, Path(folder), int(rows))))
        return

    stages = [s for s in args.stages.split(",") if s]
    print(f"# xl-sakip scale benchmark — Python {platform.python_version()}, {platform.platform()}")
    results: dict[tuple[str, int], dict] = {}
    for rows in (args.rows // 2, args.rows):
        with tempfile.TemporaryDirectory(prefix="xl-sakip-bench-") as tmp:
            for stage in stages:
                cmd = [sys.executable, __file__, "--child", stage, tmp, str(rows)]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"{stage} {rows}: FAILED\n{done.stderr[-2000:]}")
                    break
                r = json.loads(done.stdout.strip().splitlines()[-1])
                results[(stage, rows)] = r
                print(f"{stage:<11} {rows:>7} rows  {r['seconds']:8.1f} s  peak {r['peak_mib']:7.0f} MiB  "
                      f"file {r['size_mib']:5.1f} MiB  ({r['detail']})", flush=True)
    print("\n| stage | rows | time (s) | peak memory (MiB) | time ratio 2x/1x | memory ratio 2x/1x "
          "| result |")
    print("|---|---:|---:|---:|---:|---:|---|")
    half = args.rows // 2
    for stage in stages:
        big, small = results.get((stage, args.rows)), results.get((stage, half))
        if not big or not small:
            continue
        print(f"| {stage} | {args.rows:,} | {big['seconds']:.1f} | {big['peak_mib']:.0f} | "
              f"{big['seconds'] / small['seconds']:.2f} | {big['peak_mib'] / small['peak_mib']:.2f} | "
              f"{big['detail']} |")


if __name__ == "__main__":
    main()
