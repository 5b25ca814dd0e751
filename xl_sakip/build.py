"""Application services that tie the adapters together: import a document, build the shipped workbook.

`workbook/Cascading_2023.xlsm` is exactly `build_shipped()`'s output: the seed imported, the VBA project and
ribbon built from `xl_sakip/vba`, and the generated sheets written by `regenerate`. A test rebuilds it and
compares every part.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Cascade
from xl_sakip.importer import ImportResult, read_seed

#: The seed of the shipped workbook, kept in the repository.
SEED_2023 = Path(__file__).resolve().parents[1] / "tests" / "data" / "cascading_2023.txt"
SHIPPED_WORKBOOK = Path(__file__).resolve().parents[1] / "workbook" / "Cascading_2023.xlsm"


def import_seed(seed: str | Path, output: str | Path, *, force: bool = False) -> ImportResult:
    """Import a cascading document into a new master workbook at `output` (.xlsm with macros and ribbon)."""
    from xl_sakip.vba import build_macro_parts

    result = read_seed(seed)  # raises SeedError before anything is written
    write_master(result.cascade, output, force=force, macro_parts=build_macro_parts())
    return result


def build_shipped(output: str | Path = SHIPPED_WORKBOOK, seed: str | Path = SEED_2023) -> ImportResult:
    """Build the shipped master workbook from the seed: import, then generate the per-unit sheets."""
    result = read_seed(seed)  # raises SeedError before anything is written
    _write_with_sheets(result.cascade, Path(output))
    return result


def make_demo(source: str | Path, output: str | Path, *, force: bool = False) -> Path:
    """A copy of the master at `source` with the SAMPLE realisasi of 2023 filled in, and its generated
    sheets, at `output`: for demos and for trying the tool without touching the real workbook."""
    from xl_sakip.book.package import check_target
    from xl_sakip.book.reader import read_master
    from xl_sakip.sample import apply_sample

    output = check_target(output, force=force)  # before any work: the save itself happens in a temp folder
    _write_with_sheets(apply_sample(read_master(source)), output)
    return output


def _write_with_sheets(cascade: Cascade, output: Path) -> None:
    """The master of `cascade` with macros and its generated sheets, at `output`. Built in a temporary
    folder and moved into place in one step, so that a failed build leaves the old file as it was."""
    from xl_sakip.book.package import atomic_write
    from xl_sakip.regenerate import regenerate
    from xl_sakip.vba import build_macro_parts

    with tempfile.TemporaryDirectory(prefix="xl-sakip-build-") as tmp:
        staged = Path(tmp) / output.name
        write_master(cascade, staged, macro_parts=build_macro_parts())
        regenerate(staged)  # its backup stays in the temporary folder
        data = staged.read_bytes()
    atomic_write(output, lambda fh: fh.write(data))
