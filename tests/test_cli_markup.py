"""Square brackets in user text never reach rich as markup (issue 12, item 1): every text the CLI prints
that comes from a user (a cell, a document, a path, a message quoting them) is escaped, in every command.
Before, `[/]` crashed the CLI with rich.errors.MarkupError (exit 1, a traceback; `import` crashed after
writing the workbook) and `[bold]x[/bold]` was silently eaten, so messages misquoted the cell.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from libreoffice import requires_libreoffice
from typer.testing import CliRunner

from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.models import Cascade

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(params=[80, 1000], ids=["narrow", "wide"])
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Both layouts of `check`: one line per finding (narrow terminal) and the table (wide)."""
    from xl_sakip import cli

    monkeypatch.setattr(cli.err, "width", request.param)
    monkeypatch.setattr(cli.out, "width", request.param)
    return request.param


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout + r.stderr


def flat(text: str) -> str:
    return "".join(text.split())  # rich wraps lines and table cells: compare without any white space


def edited(path: Path, out: Path, sheet: str, ref: str, value: object) -> Path:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb[sheet][ref] = value
    wb.save(out)
    return out


def test_refusal_quoting_closing_tag(small_cascade: Cascade, tmp_path: Path, width: int) -> None:
    good = write_master(small_cascade, tmp_path / "m.xlsm")
    bad = edited(good, tmp_path / "bad.xlsm", "Indikator", "G2", "[/]")  # G: Target, P01-1.1
    for command in ("check", "regenerate"):
        code, text = run(command, str(bad))
        assert code == 2, text
        assert "Galat:" in text and flat("Sheet 'Indikator' sel G2: Target '[/]' bukan angka") in flat(text)


def test_finding_quotes_markup_as_typed(small_cascade: Cascade, tmp_path: Path, width: int) -> None:
    small_cascade.indicators[1].target_text = "[bold]x[/bold]"  # P01-2.1, Target Tertulis in F3
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    code, text = run("check", str(path))
    assert code == 1, text
    assert flat("«[bold]x[/bold]»") in flat(text)


def test_paths_with_brackets_in_every_command(small_cascade: Cascade, tmp_path: Path) -> None:
    folder = tmp_path / "a[" / "[bold]"  # ".../a[/[bold]/...": "[/" closes, "[bold]" opens
    folder.mkdir(parents=True)
    master = write_master(small_cascade, folder / "m.xlsm")
    code, text = run("check", str(master))
    assert code == 0 and flat(f"{master}: ") in flat(text)
    code, text = run("regenerate", str(master))
    assert code == 0 and flat(f"ke {master}") in flat(text), text
    code, text = run("tree", str(master), "-o", str(folder / "p.svg"))
    assert code == 0 and flat(f"Ditulis: {folder / 'p.svg'}") in flat(text), text
    shipped = Path(__file__).resolve().parents[1] / "workbook" / "Cascading_2023.xlsm"  # the sample's IDs
    code, text = run("demo", str(shipped), "-o", str(folder / "d.xlsm"))
    assert code == 0 and flat(f"Ditulis: {folder / 'd.xlsm'}") in flat(text), text
    code, text = run("check", str(folder / "tidak-ada.xlsm"))
    assert code == 2 and flat(f"'{folder / 'tidak-ada.xlsm'}'") in flat(text), text


def test_import_of_a_document_with_brackets(tmp_path: Path) -> None:
    out = tmp_path / "x[" / "]m.xlsm"  # a path with "[/]" in it
    code, text = run("import", str(CORPUS / "markup_text.txt"), "-o", str(out))
    assert code == 0, text
    assert out.exists()
    assert flat(f"Ditulis: {out}") in flat(text)
    assert flat("«[/]»") in flat(text)  # the unreadable target, quoted as written (line 5 of the document)
    wb = openpyxl.load_workbook(out)
    assert wb["Indikator"]["E2"].value == "Indeks [red]layanan[/]"


@requires_libreoffice
def test_pk_path_with_brackets(small_cascade: Cascade, tmp_path: Path) -> None:
    folder = tmp_path / "PK[" / "]x"  # ".../PK[/]x": a closing tag in the folder names
    master = write_master(small_cascade, tmp_path / "m.xlsm")
    code, text = run("pk", str(master), "--pdf", str(folder), "--position", "P01")
    assert code == 0, text
    written = [p for p in folder.iterdir() if p.suffix == ".pdf"]
    assert len(written) == 1 and flat(f"Ditulis: {written[0]}") in flat(text)
