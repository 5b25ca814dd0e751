"""docs/guarantees.md names the test that holds each promise: every test file and test it names exists, so
a promise cannot lose its test silently (a renamed or deleted test fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_named_in_guarantees_exists() -> None:
    text = " ".join((ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8").split())
    refs = re.findall(r"(test_\w+\.py)(?:::\s*(\w+))?", text)
    assert len(refs) > 30  # the page cites tests throughout
    missing = []
    for file, name in refs:
        path = ROOT / "tests" / file
        if not path.is_file():
            missing.append(file)
        elif name and not re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"{file}::{name}")
    assert missing == []
