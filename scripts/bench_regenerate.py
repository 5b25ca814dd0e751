"""Benchmark `regenerate`: time against an openpyxl load+save of the same workbook, peak memory, LibreOffice.

    .venv/bin/python scripts/bench_regenerate.py [--positions 500] [--indicators 20] [--runs 3]
        [--no-libreoffice]

Two workbooks: the shipped one (seed + sample realisasi; workbook/Cascading_2023.xlsm when it exists) and a
synthetic cascade of N positions x M indicators (a three-level tree, every 5th indicator an IPK-like value
rolled up to its superior's first indicator). Each measurement runs in a fresh process so that peak RSS is
its own. Figures go into docs/sheets.md by hand.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic(n_positions: int, n_indicators: int, year: bool = False):
    from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp, Settings

    rnd = random.Random(2023)
    width = max(1, int(n_positions ** 0.5))
    positions, indicators = [], []
    for i in range(n_positions):
        code = f"P{i + 1:03d}"
        parent = None if i == 0 else ("P001" if i <= width else f"P{(i - 1) // width + 1:03d}")
        positions.append(Position(code=code, title=f"Kepala Seksi Sintetis Nomor {i + 1}", parent=parent,
                                  eselon=2 if i == 0 else 3 if i <= width else 4, order=i))
        for k in range(n_indicators):
            ipk = k % 5 == 0
            kind = Kind.INDEX if ipk else (Kind.PERCENT if k % 2 else Kind.NUMBER)
            agg = Aggregation.SUM if kind is Kind.NUMBER else Aggregation.LATEST
            target = round(rnd.uniform(1, 100), 2)
            real = [round(target * rnd.uniform(0.1, 0.35), 2) if agg is Aggregation.SUM
                    else round(target * rnd.uniform(0.6, 1.2), 2) for _ in range(4)]
            if rnd.random() < 0.1:
                real[3] = None
            supports = f"{parent}-1.1" if ipk and parent and k == 0 else None
            indicators.append(Indicator(
                id=f"{code}-{k // 4 + 1}.{k % 4 + 1}", position=code, sasaran_no=k // 4 + 1,
                sasaran=f"Sasaran {k // 4 + 1}", indikator=f"Indikator {k + 1}", target=target,
                target_text=str(target), kind=kind, aggregation=agg, realisasi_q=real, supports=supports,
                rollup=RollUp.SUM if supports else RollUp.NONE))
    cascade = Cascade(settings=Settings(office="Dinas Sintetis", year=2023), positions=positions,
                      indicators=indicators)
    return with_year(cascade) if year else cascade


def with_year(cascade):
    """The SAKIP year's sheets filled as an office fills them: Renstra targets for five years and Riwayat for
    two per indicator, Narasi for TW1, and the Anggaran: a Program per position, a Kegiatan per sasaran and
    a Sub Kegiatan supporting its first indicator, with pagu and spending."""
    from xl_sakip.core.budget import BudgetItem, BudgetLevel
    from xl_sakip.core.models import Narrative, PastYear, RenstraTarget

    ren, hist, nar, budget = [], [], [], []
    for k, ind in enumerate(cascade.indicators):
        ren += [RenstraTarget(id=ind.id, year=y, target=float(10 + k % 7 + y - 2021))
                for y in range(2021, 2026)]
        hist += [PastYear(id=ind.id, year=y, target=float(10 + k % 5), realisasi=float(9 + k % 3))
                 for y in (2021, 2022)]
        nar.append(Narrative(id=ind.id, quarter=1, pendukung="koordinasi berjalan",
                             penghambat="anggaran terlambat" if k % 3 else "", upaya="percepatan"))
    for i, pos in enumerate(cascade.positions):
        prog = f"{i + 1}"
        budget.append(BudgetItem(level=BudgetLevel.PROGRAM, code=prog, name=f"Program {i + 1}",
                                 position=pos.code))
        for ind in cascade.indicators_of(pos.code):
            if not ind.id.endswith(".1"):
                continue
            keg = f"{prog}.{ind.sasaran_no}"
            budget.append(BudgetItem(level=BudgetLevel.KEGIATAN, code=keg, name=f"Kegiatan {keg}",
                                     position=pos.code))
            budget.append(BudgetItem(level=BudgetLevel.SUB, code=f"{keg}.1", name=f"Sub Kegiatan {keg}.1",
                                     position=pos.code, supports=ind.id, pagu=100_000_000.0,
                                     spent_q=[20_000_000.0, 25_000_000.0, None, None]))
    return cascade.model_copy(update={"renstra": ren, "history": hist, "narratives": nar, "budget": budget})


def peak_mb() -> float:
    """This process's own peak RSS. Not `ru_maxrss` on Linux: a spawned child is forked from this script
    and then runs a new program, and the kernel carries the forked copy's high-water mark over the exec,
    so every child reported at least the parent's RSS at the time (320 MB at 500 x 20, where openpyxl's
    load+save of the master peaks at 247 MB: the baseline of the memory ratio was too high until
    2026-12-04). `VmHWM` is the new program's own."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _job_regenerate(path: str, q) -> None:
    """`xl-sakip regenerate PATH` as the program runs it (cli.main: its summary goes to this process's
    output), so that what the program does once per process (cli.ONE_SHOT) is counted as users see it."""
    import contextlib
    import io

    from xl_sakip import cli

    t, c = time.perf_counter(), time.process_time()
    sys.argv = ["xl-sakip", "regenerate", path]
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
        cli.main()
    q.put((time.perf_counter() - t, time.process_time() - c, peak_mb()))


def _job_load_save(path: str, q) -> None:
    """openpyxl's own load and save (`Workbook.save`): the file format's cost, the baseline of issue 13.
    Not our `save_workbook`, which has our own (faster) sheet writer since 2026-12-03 and would move the
    baseline with our code."""
    import openpyxl

    t, c = time.perf_counter(), time.process_time()
    wb = openpyxl.load_workbook(path, keep_vba=path.endswith(".xlsm"))
    wb.save(path)
    q.put((time.perf_counter() - t, time.process_time() - c, peak_mb()))


def _run(job, path: Path) -> tuple[float, float, float]:
    q = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=job, args=(str(path), q))
    proc.start()
    out = q.get()
    proc.join()
    return out


def bench(label: str, master: Path, tmp: Path, libreoffice: bool, runs: int) -> dict:
    """Medians of `runs` interleaved runs, each on a fresh copy of the master; the ratio is of CPU times
    (other work on the machine changes the wall time of both, not their CPU time).

    Besides the issue's baseline (openpyxl's load+save of the master), two more figures of each run: a
    second regenerate of the regenerated workbook (what a planner runs every quarter), and openpyxl's own
    load+save of the regenerated workbook, the file format's cost of what regenerate writes (ten times the
    master's cells)."""
    base, regen, again, out = [], [], [], []
    for k in range(runs):
        a, b = tmp / f"{label}-a{k}{master.suffix}", tmp / f"{label}-b{k}{master.suffix}"
        c = tmp / f"{label}-c{k}{master.suffix}"
        shutil.copy(master, a)
        shutil.copy(master, b)
        base.append(_run(_job_load_save, a))
        regen.append(_run(_job_regenerate, b))
        shutil.copy(b, c)
        out.append(_run(_job_load_save, c))
        again.append(_run(_job_regenerate, b))
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    row = {"workbook": label, "load+save CPU s": med(base, 1), "regenerate CPU s": med(regen, 1),
           "ratio (CPU)": med(regen, 1) / med(base, 1), "regenerate wall s": med(regen, 0),
           "peak MB (load+save)": med(base, 2), "peak MB (regenerate)": med(regen, 2),
           "again CPU s": med(again, 1), "again ratio": med(again, 1) / med(base, 1),
           "again peak MB": med(again, 2),
           "load+save of the output CPU s": med(out, 1), "ratio to it": med(regen, 1) / med(out, 1),
           "again / it": med(again, 1) / med(out, 1), "peak MB (it)": med(out, 2)}
    if libreoffice:
        from tests.libreoffice import timed_recalc

        _out, row["LibreOffice recalc s"] = timed_recalc(b, tmp / f"lo-{label}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--positions", type=int, default=500)
    ap.add_argument("--indicators", type=int, default=20)
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--year", action="store_true",
                    help="the synthetic cascade with the SAKIP year's sheets filled (Renstra, Riwayat, "
                         "Narasi, Anggaran)")
    args = ap.parse_args()

    from xl_sakip.book.writer import write_master
    from xl_sakip.importer import read_seed
    from xl_sakip.sample import apply_sample

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-regen-") as d:
        tmp = Path(d)
        shipped = ROOT / "workbook" / "Cascading_2023.xlsm"
        if not shipped.exists():
            seed = ROOT / "tests" / "data" / "cascading_2023.txt"
            shipped = write_master(apply_sample(read_seed(seed).cascade), tmp / "shipped.xlsm")
        rows.append(bench("shipped (21 x 94)", shipped, tmp, not args.no_libreoffice, args.runs))
        synth = write_master(synthetic(args.positions, args.indicators, args.year), tmp / "synthetic.xlsm")
        label = f"synthetic ({args.positions} x {args.indicators}{', year' if args.year else ''})"
        rows.append(bench(label, synth, tmp,
                          not args.no_libreoffice, args.runs))
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
