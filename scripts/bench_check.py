"""Benchmark (not a test): `check` against an openpyxl read-only pass over the Indikator sheet (issue 13).

Builds a synthetic master of N indicator rows (100 per position) and a regenerated copy of it, then times
in fresh processes, interleaved, `--runs` times each (medians):
- baseline: `openpyxl.load_workbook(read_only=True)` and one pass over the Indikator sheet's rows;
- check (master) and check (regenerated): `run_check` as `xl-sakip check` runs it (read the master,
  run every rule, find generated sheets edited by hand), with the garbage collector paused to the end as
  the program pauses it (cli.check); and once on the master with the collector running after it, as
  in a long-lived process (its first collection walks everything the check made);
- `check --write` on a copy of the regenerated workbook: the Temuan sheet put into the package
  (book/package_edit.py), again over the tool's own Temuan, and through openpyxl (the way before);
- the hand-edit detection alone on the regenerated workbook: the XML scan `check` uses now
  (book/sheet_xml.unchanged_sheets) and, for comparison, openpyxl streaming every generated sheet (what
  `check` did before).
Times are CPU seconds of the measuring process (other work on the machine changes wall time, not these);
every figure is also given as a ratio to the baseline of the same run, and so is each process's peak
resident memory (the imports included: bench_regenerate.peak_mb).

    .venv/bin/python scripts/bench_check.py [--rows 50000] [--runs 3] [--keep FOLDER [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's code, not the installed one (a baseline tree is run this way)

from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp  # noqa: E402


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


def _job(job: str, path: str) -> dict:
    """Runs in the child process; returns CPU and wall seconds of the job alone (imports done before)."""
    import io
    import warnings

    import openpyxl

    from xl_sakip.book.findings_sheet import run_check
    from xl_sakip.book.sheet_xml import unchanged_sheets
    from xl_sakip.sheets.edits import edited_sheets

    if job.startswith("write"):  # on a copy, made before the clock starts (and a Temuan, for "again")
        from xl_sakip.book import findings_sheet

        copy = Path(tempfile.mkdtemp(prefix="xl-sakip-write-")) / Path(path).name
        shutil.copyfile(path, copy)
        if job == "write-openpyxl":  # the way before (2026-12-06): the package loaded and saved whole
            def declined(_path: object) -> None:
                raise findings_sheet.Declined("benchmark")

            findings_sheet.PackageEdit = declined  # type: ignore[assignment,misc]
        if job == "write-again":
            findings_sheet.write_findings_sheet(copy, run_check(copy).findings)
        path = str(copy)
    cpu, wall = time.process_time(), time.perf_counter()
    detail = ""
    if job == "baseline":
        wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
        detail = f"{sum(1 for _ in wb['Indikator'].iter_rows(values_only=True))} baris"
        wb.close()
    elif job == "check":  # as the `xl-sakip` program runs it (cli.check): the collector paused to the end
        from xl_sakip.book.reader import gc_paused

        with gc_paused(exiting=True):
            detail = f"{len(run_check(path).findings)} temuan"
    elif job == "check-gc":  # run_check alone, as a long-lived process (the ribbon's) runs it
        detail = f"{len(run_check(path).findings)} temuan"
    elif job.startswith("write"):  # `xl-sakip check --write`: the check, then the Temuan written
        from xl_sakip.book.reader import gc_paused

        with gc_paused(exiting=True):
            report = run_check(path)
            findings_sheet.write_findings_sheet(path, report.findings)
        detail = f"{len(report.findings)} temuan ditulis"
    elif job == "scan":
        _, markers, clear = unchanged_sheets(path)
        detail = f"{len(clear)} dari {len(markers)} sheet dibersihkan"
    elif job == "stream":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
        detail = f"{len(edited_sheets(wb, None))} sheet diubah"
        wb.close()
    else:
        raise SystemExit(f"unknown job {job}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_regenerate import peak_mb  # this process's own peak (not ru_maxrss: see there)

    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "detail": detail,
            "peak": peak_mb()}


def run(job: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", job, str(path)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"{job} {path.name}: FAILED\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the workbooks into this folder (kept)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: use the workbooks already in that folder (same --rows)")
    ap.add_argument("--year", action="store_true",
                    help="the SAKIP year's sheets filled (bench_regenerate.with_year: Renstra, Riwayat, "
                         "Narasi, Anggaran); the baseline still reads only Indikator")
    ap.add_argument("--child", nargs=2, metavar=("JOB", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_job(*args.child)))
        return

    from xl_sakip.book.writer import write_master
    from xl_sakip.regenerate import regenerate

    folder = args.keep or Path(tempfile.mkdtemp(prefix="xl-sakip-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    master, regenerated = folder / "master.xlsm", folder / "regenerated.xlsm"
    if not (args.reuse and master.exists() and regenerated.exists()):
        cascade = synthetic(args.rows)
        if args.year:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_regenerate import with_year

            cascade = with_year(cascade)
        master = write_master(cascade, master, force=True)
        regenerated = Path(shutil.copy(master, regenerated))
        regenerate(regenerated)
    filled = " with the year sheets filled" if args.year else ""
    print(f"# check benchmark: {args.rows} rows{filled}, "
          f"Python {platform.python_version()}, {platform.platform()}")
    mib = {p.name: f"{p.stat().st_size / 2**20:.1f} MiB" for p in (master, regenerated)}
    print(f"# files: {mib}")
    print(f"# code measured: {Path(sys.modules['xl_sakip'].__file__).parent}")
    jobs = [("baseline", master, "openpyxl read-only pass over Indikator (master)"),
            ("baseline", regenerated, "openpyxl read-only pass over Indikator (regenerated)"),
            ("check", master, "check, master"),
            ("check", regenerated, "check, regenerated workbook"),
            ("check-gc", master, "check, master, collector on after it (long-lived process)"),
            ("write", regenerated, "check --write, regenerated workbook: Temuan put into the package"),
            ("write-again", regenerated, "check --write again: the tool's Temuan replaced"),
            ("write-openpyxl", regenerated, "check --write through openpyxl (before 2026-12-06)"),
            ("scan", regenerated, "hand-edit detection: XML scan (now)"),
            ("stream", regenerated, "hand-edit detection: openpyxl streaming (before)")]
    times: dict[int, list[dict]] = {k: [] for k in range(len(jobs))}
    for _ in range(args.runs):  # interleaved, so that a busy moment of the machine hits every job alike
        for k, (job, path, _label) in enumerate(jobs):
            times[k].append(run(job, path))
    med = {k: statistics.median(r["cpu"] for r in rs) for k, rs in times.items()}
    wall = {k: statistics.median(r["wall"] for r in rs) for k, rs in times.items()}
    peak = {k: statistics.median(r["peak"] for r in rs) for k, rs in times.items()}
    print("\n| measurement | CPU s (median) | wall s | ratio to the baseline of the same workbook | "
          "peak MiB | peak ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, (_job_name, path, label) in enumerate(jobs):
        b = 0 if path == master else 1
        print(f"| {label} ({times[k][-1]['detail']}) | {med[k]:.2f} | {wall[k]:.2f} | {med[k] / med[b]:.2f} "
              f"| {peak[k]:.0f} | {peak[k] / peak[b]:.2f} |")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
