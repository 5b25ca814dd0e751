"""The scan of generated sheets' XML that lets `check` skip reading unchanged sheets with openpyxl
(book/sheet_xml.py). openpyxl is the reference: the scan must give the same canonical cells, clear only
sheets that hold what the tool wrote, and leave every sheet it cannot read with certainty to openpyxl.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import make_small_cascade
from xl_sakip.book.findings_sheet import run_check
from xl_sakip.book.sheet_xml import Package, digest, unchanged_sheets
from xl_sakip.book.writer import write_master
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets.edits import read_marker, sheet_values
from xl_sakip.sheets.marker import digest_cells

UNIT = "P03 Kasi Pelatihan"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    path = write_master(make_small_cascade(), tmp_path_factory.mktemp("xml") / "Cascading_2023.xlsm")
    regenerate(path)
    return path


@pytest.fixture
def book(made: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(made, tmp_path / made.name))


def openpyxl_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: sheet_values(ws) for ws in wb.worksheets if read_marker(ws) is not None}
    finally:
        wb.close()


def rewrite_part(path: Path, sheet: str, change) -> None:
    """Replace the XML of `sheet` by change(xml) inside the package (as another program might write it)."""
    with zipfile.ZipFile(path) as zf:
        part = Package(zf).parts[sheet]
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            out.writestr(info, change(data.decode()).encode() if info.filename == part else data)
    path.write_bytes(buf.getvalue())


def test_scan_gives_openpyxls_cells_and_clears_every_untouched_sheet(book: Path) -> None:
    reference = openpyxl_cells(book)
    assert len(reference) >= 7  # 3 unit sheets, Ringkasan, Dasbor, Pohon Kinerja, 3 PK sheets
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        assert set(pkg.markers) == set(reference)
        for name, cells in reference.items():
            scanned = {(r, c): v for r, c, v in pkg.cells(name)}
            assert scanned == cells, name
            assert digest(list(pkg.cells(name))) == digest_cells((r, c, v) for (r, c), v in cells.items())
    _, markers, clear = unchanged_sheets(book)
    assert clear == set(markers) == set(reference)


def test_edited_cell_is_not_cleared_and_check_names_it(book: Path) -> None:
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[UNIT]["K9"] = 150
    wb.save(book)
    _, markers, clear = unchanged_sheets(book)
    assert UNIT in markers and UNIT not in clear
    assert clear == set(markers) - {UNIT}
    found = [f for f in run_check(book).findings if f.code == "SHEET_DIUBAH_MANUAL"]
    assert [f.cell for f in found] == [f"'{UNIT}'!K9"]


def test_shared_formula_is_left_to_openpyxl(book: Path) -> None:
    # Excel writes repeated formulas as shared ones; the scan does not translate them. The same content
    # written that way: not cleared by the scan, and openpyxl finds it unchanged.
    def shared(xml: str) -> str:
        return re.sub(r'<c r="K9"([^>]*)><f>', r'<c r="K9"\1><f t="shared" ref="K9:K9" si="0">', xml, count=1)

    rewrite_part(book, UNIT, shared)
    _, _, clear = unchanged_sheets(book)
    assert UNIT not in clear
    assert [f for f in run_check(book).findings if f.code == "SHEET_DIUBAH_MANUAL"] == []


def test_rich_text_cell_added_by_another_program_is_found(book: Path) -> None:
    # A cell the scan cannot read (rich inline text) is never skipped over: the sheet goes to openpyxl.
    def add(xml: str) -> str:
        return xml.replace("</row>", '<c r="Z1" t="inlineStr"><is><r><t>catatan</t></r></is></c></row>', 1)

    rewrite_part(book, UNIT, add)
    _, _, clear = unchanged_sheets(book)
    assert UNIT not in clear
    found = [f for f in run_check(book).findings if f.code == "SHEET_DIUBAH_MANUAL"]
    assert [f.cell for f in found] == [f"'{UNIT}'!Z1"]


def test_regenerated_sheets_are_cleared_by_their_part_hash_without_a_scan(book: Path, monkeypatch) -> None:
    # regenerate records, for every sheet it wrote, the hash of the part's bytes bound to its marker
    # (book/package.with_part_hashes): check then knows them unchanged without reading a cell.
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        assert set(pkg.part_hashes) == set(pkg.markers)

    def no_scan(self, name):
        raise AssertionError(f"{name} was scanned")

    monkeypatch.setattr(Package, "cells", no_scan)
    _, markers, clear = unchanged_sheets(book)
    assert clear == set(markers)


def test_a_stale_part_hash_never_hides_an_edit(book: Path) -> None:
    # Another program changes one number in a formula of the sheet and leaves the hash name as it was:
    # the bytes differ, so the sheet is scanned and the edit named.
    with zipfile.ZipFile(book) as zf:
        xml = zf.read(Package(zf).parts[UNIT]).decode()
    k9 = re.search(r'<c r="K9"[^>]*><f>([^<]*)</f>', xml)
    assert k9 is not None
    edited = k9.group(1).replace("AO9),", "AO9*2),", 1)
    assert edited != k9.group(1)
    rewrite_part(book, UNIT, lambda x: x.replace(f"<f>{k9.group(1)}</f>", f"<f>{edited}</f>", 1))
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        assert UNIT in pkg.part_hashes and not pkg.written_as_is(UNIT)
    _, _, clear = unchanged_sheets(book)
    assert UNIT not in clear
    found = [f for f in run_check(book).findings if f.code == "SHEET_DIUBAH_MANUAL"]
    assert [f.cell for f in found] == [f"'{UNIT}'!K9"]


def test_the_stamp_is_the_parts_crc_and_size_bound_to_the_marker(book: Path) -> None:
    # What regenerate stores for each generated sheet: "zip:" and the SHA-256 of the marker's text, a NUL,
    # and the CRC-32 (8 hex digits) and size of the part's bytes, computed here from the bytes themselves.
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        for name in pkg.markers:
            data = zf.read(pkg.parts[name])
            text = f"{pkg.marker_texts[name]}\0{zlib.crc32(data):08x}:{len(data)}"
            assert pkg.part_hashes[name] == "zip:" + hashlib.sha256(text.encode()).hexdigest()[:20]


def test_an_edit_of_the_same_size_is_not_cleared_by_the_stamp(book: Path) -> None:
    # One cached digit changed for another: the part keeps its size, its CRC-32 changes, so the sheet is
    # scanned (and its cells, the same formulas, are the tool's: a cached value is not a cell's content).
    with zipfile.ZipFile(book) as zf:
        size = zf.getinfo(Package(zf).parts[UNIT]).file_size
        xml = zf.read(Package(zf).parts[UNIT]).decode()
    v = re.search(r"<v>([0-9])", xml)
    assert v is not None
    other = "1" if v.group(1) != "1" else "2"
    rewrite_part(book, UNIT, lambda x: x[:v.start(1)] + other + x[v.end(1):])
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        assert zf.getinfo(pkg.parts[UNIT]).file_size == size and not pkg.written_as_is(UNIT)


def test_a_hash_of_the_parts_bytes_written_before_still_clears(book: Path, monkeypatch) -> None:
    # A workbook regenerated before the stamps holds SHA-256(marker text, NUL, part bytes)[:20] (computed
    # here): check still clears its unchanged sheets without a scan.
    with zipfile.ZipFile(book) as zf:
        pkg = Package(zf)
        old = {name: hashlib.sha256(pkg.marker_texts[name].encode() + b"\0" + zf.read(pkg.parts[name]))
               .hexdigest()[:20] for name in pkg.markers}
        stamps = dict(pkg.part_hashes)
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    data = {i.filename: part for i, part in items}["xl/workbook.xml"].decode()
    for name, stamp in stamps.items():
        assert data.count(stamp) == 1
        data = data.replace(stamp, old[name])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info, part in items:
            out.writestr(info, data.encode() if info.filename == "xl/workbook.xml" else part)
    book.write_bytes(buf.getvalue())

    def no_scan(self, name):
        raise AssertionError(f"{name} was scanned")

    monkeypatch.setattr(Package, "cells", no_scan)
    _, markers, clear = unchanged_sheets(book)
    assert clear == set(markers) and len(markers) > 1


def test_part_hash_is_bound_to_the_marker(book: Path) -> None:
    # The same bytes under another marker (its digest changed by hand in workbook.xml) are not cleared by
    # the hash: the scan compares the cells with the new digest, and they differ.
    with zipfile.ZipFile(book) as zf:
        old = Package(zf).markers[UNIT]
    changed = old.text().replace(old.digest, "0" * len(old.digest))
    data = zipfile.ZipFile(book).read("xl/workbook.xml").decode().replace(old.text(), changed)
    items = [(i, zipfile.ZipFile(book).read(i.filename)) for i in zipfile.ZipFile(book).infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info, part in items:
            out.writestr(info, data.encode() if info.filename == "xl/workbook.xml" else part)
    book.write_bytes(buf.getvalue())
    with zipfile.ZipFile(book) as zf:
        assert not Package(zf).written_as_is(UNIT)
    _, _, clear = unchanged_sheets(book)
    assert UNIT not in clear
