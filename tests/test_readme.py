"""The README is the contract with a newcomer: its Quickstart is what CI runs; it documents every command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "Quickstart must hold exactly one code block"
    return [line for line in blocks[0].splitlines() if line.strip()]


def test_quickstart_has_two_commands():
    cmds = quickstart_commands()
    assert len(cmds) == 2
    assert "xl-sakip regenerate" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_exactly():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quickstart_commands()[1] in ci.splitlines()


def test_every_cli_command_is_documented():
    from typer.main import get_command

    from xl_sakip.cli import app

    names = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert names, "the CLI has no commands"
    missing = [n for n in names if f"xl-sakip {n}" not in README]
    assert not missing, f"undocumented commands: {missing}"
