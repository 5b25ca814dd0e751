"""Benchmark (not a test): `check` on a synthetic cascade of 50 000 indicator rows.

Builds the cascade, writes it with the workbook writer, then times reading the workbook (read_master),
locating rows (the second, read-only pass `xl-sakip check` makes for cell addresses) and the core check,
and reports check time as a ratio to reading time, with the process's peak memory (ru_maxrss).

    .venv/bin/python scripts/bench_check.py [--rows 50000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from xl_sakip.book.reader import read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp
from xl_sakip.core.validation import check


def synthetic(n_rows: int, per_position: int = 100) -> Cascade:
    """A tree of positions (root, 10 eselon III, the rest eselon IV) with `per_position` indicators each.

    A mix of kinds like the seed's, with IPK-like index roll-ups (every 10th position's index values
    support the first indicator of its parent) and some realisasi, so that every rule has work to do.
    """
    n_pos = max(1, -(-n_rows // per_position))
    positions = [Position(code="P0000", title="Kepala Dinas", order=0, eselon=2)]
    for k in range(1, n_pos):
        parent = "P0000" if k <= 10 else f"P{1 + (k % 10):04d}"
        positions.append(
            Position(code=f"P{k:04d}", title=f"Kepala Seksi {k}", parent=parent, order=k, eselon=3)
        )
    indicators: list[Indicator] = []
    for n in range(n_rows):
        p = positions[n // per_position]
        k = n % per_position
        base = dict(
            id=f"{p.code}-{1 + k // 5}.{1 + k % 5}",
            position=p.code,
            sasaran_no=1 + k // 5,
            sasaran=f"Sasaran {k // 5}",
            source_line=n + 1,
        )
        if k % 4 == 0 and p.parent:
            ind = Indicator(
                **base,
                indikator="Nilai Tingkat Sesuatu",
                target=0.5,
                target_text="0,50",
                kind=Kind.INDEX,
                aggregation=Aggregation.LATEST,
                supports=f"{p.parent}-1.1",
                rollup=RollUp.SUM,
                realisasi_q=[0.4, 0.45, None, 0.5],
            )
        elif k % 4 == 1:
            ind = Indicator(
                **base,
                indikator="Presentase layanan",
                target=95.0,
                target_text="95%",
                satuan="%",
                kind=Kind.PERCENT,
                aggregation=Aggregation.LATEST,
                realisasi_q=[50, 70, 90, 96],
            )
        else:
            ind = Indicator(
                **base,
                indikator="Jumlah perusahaan",
                target=200.0,
                target_text="200 perusahaan",
                satuan="perusahaan",
                kind=Kind.NUMBER,
                aggregation=Aggregation.SUM,
                target_q=[50, 50, 50, 50],
                realisasi_q=[40, 60, 55, 50],
            )
        indicators.append(ind)
    return Cascade(positions=positions, indicators=indicators)


def peak_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--keep", type=Path, help="write the workbook here instead of a temporary folder")
    args = ap.parse_args()

    t0 = time.perf_counter()
    cascade = synthetic(args.rows)
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.xlsm"
        t0 = time.perf_counter()
        write_master(cascade, path, force=True)
        t_write = time.perf_counter() - t0
        mem_before_read = peak_mib()
        t0 = time.perf_counter()
        back, rows = read_master_with_rows(path, strict=False)  # what `xl-sakip check` reads
        t_read = time.perf_counter() - t0
        mem_read = peak_mib()
        t0 = time.perf_counter()
        findings = check(back, rows.locator())
        t_check = time.perf_counter() - t0
        mem_check = peak_mib()
        size = path.stat().st_size

    print(f"python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    print(
        f"rows: {len(back.indicators)} indicators, {len(back.positions)} positions; file {size / 1e6:.1f} MB"
    )
    print(f"build model {t_build:.2f} s, write workbook {t_write:.2f} s")
    print(f"read (with rows)     {t_read:8.2f} s   (peak RSS {mem_before_read:.0f} -> {mem_read:.0f} MiB)")
    print(f"check (core)         {t_check:8.2f} s   (peak RSS {mem_check:.0f} MiB)")
    print(f"check / read         {t_check / t_read:8.3f}")
    print(f"findings: {len(findings)}")


if __name__ == "__main__":
    main()
