"""The `xl-sakip` command: a thin shell over the library. Every rule lives in xl_sakip.core."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xl_sakip.errors import UserError

DEFAULT_WORKBOOK = Path("workbook/Cascading_2023.xlsm")

app = typer.Typer(
    name="xl-sakip",
    help="Cascading kinerja SAKIP yang dapat ditelusuri, di Excel. / Traceable SAKIP cascading in Excel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _Console(Console):
    """rich ends the process with exit 1 when the reader of a pipe has gone (`check | head`); raise the
    BrokenPipeError instead, so that each command ends quietly with its own exit code."""

    def on_broken_pipe(self) -> None:
        _quiet_stdout()
        raise BrokenPipeError


out = _Console()
err = _Console(stderr=True)

WorkbookArg = Annotated[Path, typer.Argument(help="Workbook master (.xlsm).")]


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A user's mistake ends with its message and exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as e:
            err.print(f"[bold red]Galat:[/] {escape(e.message)}", highlight=False)
            raise typer.Exit(e.exit_code) from None
        except OSError as e:  # a safety net: the adapters turn the I/O failures they expect into UserError
            where = f" ({e.filename})" if e.filename else ""
            err.print(f"[bold red]Galat:[/] berkas tidak dapat dibaca atau ditulis{escape(where)}: "
                      f"{escape(str(e.strerror or e))}. Periksa file, folder dan ruang disk, lalu ulangi.",
                      highlight=False)
            raise typer.Exit(UserError.exit_code) from None
        except RecursionError:  # a safety net: long chains are walked iteratively wherever known
            err.print("[bold red]Galat:[/] rantai Kode Atasan atau Mendukung ID di workbook ini terlalu "
                      "panjang (ratusan tingkat) untuk diproses; periksa apakah rantai itu memang disengaja, "
                      "dan laporkan masalah ini kepada pengembang xl-sakip. Workbook tidak diubah.",
                      highlight=False)
            raise typer.Exit(UserError.exit_code) from None
        except BrokenPipeError:  # `xl-sakip ... | head`: the reader left; the work itself is done
            _quiet_stdout()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            err.print("Dibatalkan. File yang sedang disimpan tidak berubah (penyimpanan bersifat atomik).")
            raise typer.Exit(130) from None

    return wrapper


@app.command("import")
@user_errors
def import_(
    seed: Annotated[Path, typer.Argument(help="Dokumen cascading (teks).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Workbook master yang dibuat.")],
    force: Annotated[bool, typer.Option("--force", help="Timpa workbook yang sudah ada.")] = False,
) -> None:
    """Impor dokumen cascading ke workbook master baru."""
    from xl_sakip.build import import_seed

    result = import_seed(seed, output, force=force)
    for p in result.problems:
        err.print(f"[yellow]baris {p.line}:[/] {escape(p.message)}", highlight=False)
    c = result.cascade
    out.print(f"Ditulis: {escape(str(output))} ({len(c.positions)} jabatan, {len(c.indicators)} indikator, "
              f"{len(result.problems)} catatan impor)", highlight=False)


#: More findings than this are summarised on screen: each code's count and its first EXAMPLES findings
#: (`check --semua` lists them all, one per line). Thousands of lines help no one, and rich's table of
#: 15 000 findings took 10 s, three times the check itself (issue 13).
SCREEN_LIMIT = 100
EXAMPLES = 3


@app.command()
@user_errors
def check(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON (daftar temuan).")] = False,
    write: Annotated[bool, typer.Option("--write", help="Tulis sheet 'Temuan'.")] = False,
    every: Annotated[bool, typer.Option(
        "--semua", help=f"Tampilkan setiap temuan di layar (bawaan: lebih dari {SCREEN_LIMIT} temuan "
                        "diringkas per kode).")] = False,
) -> None:
    """Periksa workbook master: validasi baris, pohon jabatan, roll-up IPK.

    Keluar 0 bila tidak ada galat, 1 bila ada galat, 2 bila file tidak dapat dipakai.
    """
    from contextlib import nullcontext

    from xl_sakip.book.findings_sheet import run_check, write_findings_sheet
    from xl_sakip.book.lock import workbook_lock
    from xl_sakip.book.reader import gc_paused
    from xl_sakip.core.findings import findings_to_json, summary_text

    # With --write the lock spans reading and saving, so that no other writer slips in between. The
    # collector stays paused past run_check's own pause (reader.gc_paused): its first run afterwards walked
    # everything the check made, which stays alive to the end of the program anyway.
    with gc_paused(exiting=ONE_SHOT), workbook_lock(workbook) if write else nullcontext():
        report = run_check(workbook)
        cleaned: list[Path] = []
        if write:
            write_findings_sheet(workbook, report.findings, cleaned=cleaned)
    for tmp in cleaned:  # left by a save that was killed
        err.print(f"Dihapus file sementara sisa penyimpanan yang terputus sebelumnya: {tmp}", highlight=False,
                  markup=False)
    try:
        if as_json:
            sys.stdout.write(findings_to_json(report.findings) + "\n")
            sys.stdout.flush()
        else:
            _print_findings(report.findings, every=every)
            written = " — sheet 'Temuan' ditulis." if write else ""
            out.print(f"{escape(str(workbook))}: {summary_text(report.findings)}{written}", highlight=False)
    except BrokenPipeError:  # `check | head`: the reader stopped reading; the result is still the result
        _quiet_stdout()
    raise typer.Exit(report.exit_code)


def _quiet_stdout() -> None:
    """After the reader of a pipe has gone: point stdout at /dev/null, so that the flush at exit does not
    raise again (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's captured stdout): nothing to flush
        pass


def _print_findings(findings: list[Any], *, every: bool = False) -> None:
    """A table on a wide terminal; one line per finding otherwise, so the cell is never cut off. More than
    SCREEN_LIMIT: a summary per code (galat first), unless `every`, which lists them one per line."""
    from xl_sakip.core.findings import Severity, by_code

    if not findings:
        out.print("Tidak ada temuan.")
        return
    colour = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

    def line(f: Any, indent: str = "") -> None:
        where = f.cell or f.indicator_id or f.position or "-"
        text = escape(f"{where} {f.code}: {f.message}")
        head = f"{indent}[{colour[f.severity]}]{f.severity.value}[/]"
        out.print(f"{head} {text}", highlight=False, soft_wrap=True)

    if len(findings) > SCREEN_LIMIT and not every:
        out.print(f"{len(findings)} temuan, diringkas per kode ({EXAMPLES} contoh pertama tiap kode):",
                  highlight=False)
        for (sev, code), items in by_code(findings).items():
            out.print(f"[{colour[sev]}]{sev.value}[/] {escape(code)}: {len(items)} temuan", highlight=False)
            for f in items[:EXAMPLES]:
                line(f, "  ")
        out.print("Semua temuan: xl-sakip check --semua (di layar), --write (sheet Temuan di workbook) atau "
                  "--json.", highlight=False)
        return
    if out.width >= 120 and len(findings) <= SCREEN_LIMIT:
        table = Table("Tingkat", "Kode", "Jabatan", "Indikator", "Sel", "Pesan", expand=True)
        for f in findings:
            table.add_row(f"[{colour[f.severity]}]{f.severity.value}[/]", escape(f.code),
                          escape(f.position or ""), escape(f.indicator_id or ""), escape(f.cell or ""),
                          escape(f.message))
        out.print(table)
        return
    for f in findings:
        line(f)


@app.command()
@user_errors
def regenerate(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    force: Annotated[bool, typer.Option("--force", help="Timpa sheet yang diubah manual.")] = False,
) -> None:
    """Buat ulang satu sheet per jabatan dan sheet Ringkasan dari tabel Indikator."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from xl_sakip.book.reader import gc_paused
    from xl_sakip.regenerate import regenerate as run

    with gc_paused(exiting=ONE_SHOT), Progress(TextColumn("{task.description}"), BarColumn(),
                                               MofNCompleteColumn(), console=err, transient=True) as bar:
        task = bar.add_task("Membuat sheet", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=f"Membuat sheet {escape(name)}")

        result = run(workbook, force=force, progress=progress)
    out.print(escape(result.summary()), highlight=False)


@app.command()
@user_errors
def build(
    output: Annotated[Path, typer.Option("-o", "--output", help="Workbook hasil.")] = DEFAULT_WORKBOOK,
) -> None:
    """Bangun ulang workbook master 2023 dari dokumen cascading (untuk pengembang)."""
    from xl_sakip.build import build_shipped

    result = build_shipped(output)
    out.print(f"Dibangun: {escape(str(output))} ({len(result.cascade.positions)} jabatan, "
              f"{len(result.cascade.indicators)} indikator)", highlight=False)


@app.command("import-vba")
@user_errors
def import_vba(workbook: WorkbookArg = DEFAULT_WORKBOOK) -> None:
    """Windows + Excel saja: impor ulang modul VBA dari sumbernya (bila proyek VBA rusak)."""
    from xl_sakip.vba.windows_import import import_vba_sources_windows

    names = import_vba_sources_windows(workbook)
    out.print("Modul diimpor: " + escape(", ".join(names)), highlight=False)


@app.command()
@user_errors
def pk(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    pdf: Annotated[Path, typer.Option("--pdf", help="Folder tujuan berkas PDF.")] = Path("PK"),
    position: Annotated[str | None, typer.Option("--position", help="Kode jabatan.")] = None,
    version: Annotated[str | None, typer.Option(
        "--version", help="Versi PK: murni (target sheet Indikator) atau perubahan (target versi PK "
                          "Perubahan terakhir di sheet Versi PK).")] = None,
) -> None:
    """Perjanjian Kinerja per jabatan sebagai PDF (melalui LibreOffice)."""
    from xl_sakip.pk import pk as export

    for path in export(workbook, position, pdf, version):
        out.print(f"Ditulis: {escape(str(path))}", highlight=False)


@app.command()
@user_errors
def tree(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    output: Annotated[Path, typer.Option("-o", "--output", help="Berkas .svg atau .png.")] = Path(
        "pohon-kinerja.svg"),
    force: Annotated[bool, typer.Option("--force", help="Timpa file yang sudah ada.")] = False,
) -> None:
    """Gambar pohon kinerja (SVG atau PNG, satu halaman A3)."""
    from xl_sakip.tree import tree as draw

    out.print(f"Ditulis: {escape(str(draw(workbook, output, force=force)))}", highlight=False)


@app.command()
@user_errors
def demo(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    output: Annotated[Path, typer.Option("-o", "--output", help="Salinan.")] = Path("Contoh_2023.xlsm"),
    force: Annotated[bool, typer.Option("--force", help="Timpa file yang sudah ada.")] = False,
) -> None:
    """Salinan workbook dengan realisasi CONTOH 2023 (bukan data resmi), untuk mencoba alat ini."""
    from xl_sakip.build import make_demo

    written = make_demo(workbook, output, force=force)
    out.print(f"Ditulis: {escape(str(written))} (realisasi contoh, bukan data resmi)", highlight=False)


@app.command()
@user_errors
def lkjip(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    pdf: Annotated[Path, typer.Option("--pdf", help="Folder tujuan berkas PDF.")] = Path("LKjIP"),
    position: Annotated[str | None, typer.Option("--position", help="Kode jabatan (bawaan: Kepala Dinas).")
                        ] = None,
) -> None:
    """LKjIP Bab III (pengukuran kinerja s.d. TW n) sebagai PDF (melalui LibreOffice)."""
    from xl_sakip.lkjip import lkjip as export

    out.print(f"Ditulis: {escape(str(export(workbook, position, pdf)))}", highlight=False)


@app.command("export")
@user_errors
def export_(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    triwulan: Annotated[int | None, typer.Option("--triwulan", help="Laporan s.d. triwulan (1-4); bawaan: "
                                                 "Pengaturan 'Laporan s.d. Triwulan'.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json atau xlsx.")] = "csv",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Berkas tujuan.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Timpa file yang sudah ada.")] = False,
) -> None:
    """Satu baris per indikator s.d. TW n: target, realisasi, kedua capaian, status, kategori, narasi."""
    from xl_sakip.export import export

    written = export(workbook, output, fmt=fmt, upto=triwulan, force=force)
    out.print(f"Ditulis: {escape(str(written))}", highlight=False)


@app.command("new-year")
@user_errors
def new_year(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    output: Annotated[Path, typer.Option("-o", "--output", help="Workbook tahun baru (.xlsm).")] = Path(
        "Cascading_baru.xlsm"),
    year: Annotated[int | None, typer.Option("--year", help="Tahun baru (bawaan: tahun + 1).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Timpa file yang sudah ada.")] = False,
) -> None:
    """Workbook master tahun berikutnya: jabatan dan indikator sama, realisasi tahun ini ke Riwayat."""
    from xl_sakip.newyear import new_year as make

    r = make(workbook, output, year=year, force=force)
    out.print(f"Ditulis: {escape(str(r.path))} (tahun {r.year}); {r.carried} realisasi dipindah ke sheet "
              f"Riwayat; target dari Renstra: {r.targets_from_renstra}, target kosong: "
              f"{len(r.targets_empty)} (isi di sheet Indikator; xl-sakip check melaporkannya).",
              highlight=False)


# True in the `xl-sakip` program (one command, then the process ends); False when the commands run inside
# another process (tests, CliRunner). See reader.gc_paused.
ONE_SHOT = False


def main() -> None:
    global ONE_SHOT
    ONE_SHOT = True
    app()


if __name__ == "__main__":
    main()
