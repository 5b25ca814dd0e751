"""workbook/Cascading_2023.xlsm is the build's output, and it holds exactly the 2023 seed.

If a change to the importer, the writer, the sheets or the VBA sources changes the build, this test fails
until the shipped workbook is rebuilt with `xl-sakip build`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book.reader import read_master
from xl_sakip.build import SEED_2023, SHIPPED_WORKBOOK, build_shipped
from xl_sakip.importer import read_seed


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "Cascading_2023.xlsm"
    build_shipped(out)
    return out


def _cells(path: Path) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    return {
        ws.title: {c.coordinate: (c.value, c.data_type) for row in ws.iter_rows() for c in row
                   if c.value is not None}
        for ws in wb.worksheets
    }


def test_every_cell_of_the_shipped_workbook_is_rebuilt_from_the_seed(rebuilt: Path) -> None:
    shipped, built = _cells(SHIPPED_WORKBOOK), _cells(rebuilt)
    assert list(shipped) == list(built), "sheets differ: rebuild with `xl-sakip build`"
    for name in shipped:
        a, b = shipped[name], built[name]
        diff = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        assert not diff, f"sheet {name!r} differs at {sorted(diff)[:10]}: rebuild with `xl-sakip build`"


def _pixels(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGBA").tobytes()


def test_every_part_of_the_shipped_package_is_rebuilt(rebuilt: Path) -> None:
    """Every part byte for byte (VBA project, ribbon, sheets, styles); pictures pixel for pixel, so that
    another PNG encoder version does not count as a difference."""
    with zipfile.ZipFile(SHIPPED_WORKBOOK) as a, zipfile.ZipFile(rebuilt) as b:
        assert a.namelist() == b.namelist()
        same = {n: (_pixels(a.read(n)) == _pixels(b.read(n))) if n.startswith("xl/media/")
                else a.read(n) == b.read(n) for n in a.namelist()}
    different = [n for n, ok in same.items() if not ok]
    assert different == [], "rebuild with `xl-sakip build`"


def test_model_to_workbook_to_model_is_lossless() -> None:
    assert read_master(SHIPPED_WORKBOOK) == read_seed(SEED_2023).cascade
