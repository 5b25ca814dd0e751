"""Application services that tie the adapters together: import a document, build the shipped workbook.

`workbook/Cascading_2023.xlsm` is exactly `build_shipped()`'s output: the seed imported, the VBA project and
ribbon built from `xl_sakip/vba`, and the generated sheets written by `regenerate`. A test rebuilds it and
compares every part.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from xl_sakip.book.reader import MasterRows, read_master_with_rows
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Cascade
from xl_sakip.errors import UserError
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
    from xl_sakip.sample import apply_sample

    output = check_target(output, force=force)  # before any work: the save itself happens in a temp folder
    cascade, rows = read_master_with_rows(source)
    _refuse_sample_misfits(cascade, rows, Path(source))
    try:
        _write_with_sheets(apply_sample(cascade), output)
    except UserError as exc:
        # Its cells would be those of the copy in the temporary folder, never written: name the cause.
        raise UserError(
            f"Data contoh (realisasi CONTOH 2023) tidak cocok dengan workbook '{source}', sehingga salinan "
            f"'{output}' tidak dibuat: {exc.message.splitlines()[-1].lstrip('- ')} Data contoh ini dibuat "
            "untuk Cascading 2023 (workbook/Cascading_2023.xlsm); workbook Anda tidak diubah."
        ) from exc
    return output


def _refuse_sample_misfits(cascade: Cascade, rows: MasterRows, source: Path) -> None:
    """The sample belongs to the 2023 cascade: another office's workbook may have the same IDs for other
    indicators. A grade code of the sample (BB, A) for an indicator that is not a grade would make the copy
    unreadable; say so naming the workbook's cell and the sample's line (issue 12, item 17)."""
    from xl_sakip.core.models import Kind
    from xl_sakip.sample import SAMPLE_FILE, load_sample

    by_id = {i.id: i for i in cascade.indicators}
    locator = rows.locator()
    for sample in load_sample():
        ind = by_id.get(sample.id)
        text = next((v for v in sample.realisasi if isinstance(v, str)), None)
        if ind is None or text is None or ind.kind is Kind.GRADE:
            continue  # an unknown ID is refused by apply_sample, with every such ID listed
        cell = locator.indicator(ind.id, "kind") or ind.id
        raise UserError(
            f"Data contoh (realisasi CONTOH 2023) tidak cocok dengan workbook '{source}': {SAMPLE_FILE} "
            f"baris {sample.line} mengisi indikator {ind.id} dengan predikat '{text}', tetapi di workbook "
            f"ini {ind.id} berjenis '{ind.kind.value}' (sel {cell}). Data contoh ini dibuat untuk Cascading "
            "2023 (workbook/Cascading_2023.xlsm); jalankan demo pada workbook itu. Tidak ada file yang "
            "ditulis."
        )


def write_with_sheets(cascade: Cascade, output: Path) -> None:
    """The master of `cascade` with macros and its generated sheets at `output` (new-year)."""
    _write_with_sheets(cascade, output)


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
