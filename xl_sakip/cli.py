"""The `xl-sakip` command: a thin shell over the library. Every rule lives in xl_sakip.core."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from xl_sakip.errors import UserError

DEFAULT_WORKBOOK = Path("workbook/Cascading_2023.xlsm")

app = typer.Typer(
    name="xl-sakip",
    help="Cascading kinerja SAKIP yang dapat ditelusuri, di Excel. / Traceable SAKIP cascading in Excel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

WorkbookArg = Annotated[Path, typer.Argument(help="Workbook master (.xlsm).")]


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A user's mistake ends with its message and exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as e:
            err.print(f"[bold red]Galat:[/] {e.message}", highlight=False)
            raise typer.Exit(e.exit_code) from None

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
        err.print(f"[yellow]baris {p.line}:[/] {p.message}", highlight=False)
    c = result.cascade
    out.print(f"Ditulis: {output} ({len(c.positions)} jabatan, {len(c.indicators)} indikator, "
              f"{len(result.problems)} catatan impor)")


@app.command()
@user_errors
def check(
    workbook: WorkbookArg = DEFAULT_WORKBOOK,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Tulis sheet 'Temuan' ke workbook.")] = False,
) -> None:
    """Periksa workbook master: temuan validasi dan roll-up. Keluar 0 tanpa galat, 1 bila ada galat."""
    from xl_sakip.checking import findings_table, findings_to_json, run_check

    report = run_check(workbook, write=write)
    if as_json:
        sys.stdout.write(json.dumps(findings_to_json(report.findings), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(findings_table(report.findings))
        out.print(report.summary())
    raise typer.Exit(1 if report.has_errors else 0)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
