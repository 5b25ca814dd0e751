"""A large report sheet written in row chunks, each evaluated, serialised and let go before the next (issue
13, memory): sheets/openpyxl_writer.write_report, book/values.evaluate_written, book/sheet_writer.Freezer;
and the save writing a serialised sheet in pieces (FrozenCells.write_sheet_data, DeflatingBuffer).

The reference for the bytes is the same sheet written whole (`_streamable` switched off); the reference
for the values is the hand figures of tests/test_evaluation_form.py.
"""

from __future__ import annotations

import random
import re
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book import frozen, sheet_writer, values
from xl_sakip.book.frozen import FrozenCells
from xl_sakip.build import _write_with_sheets
from xl_sakip.core import formula as fx
from xl_sakip.core.models import Cascade
from xl_sakip.evaluation import EVALUATION_SHEET
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets import openpyxl_writer as ow
from xl_sakip.sheets.plan import Formula, SheetPlan, StyleSpan

pytestmark = pytest.mark.skipif(not sheet_writer.fast(), reason="lxml installed: nothing is streamed")


# openpyxl stamps core.xml with the second of the load (created, for a file without one) and of the save
# (modified): two workbooks straddling a second differed there, a flaky failure in CI's full run
_STAMPS = rb"<dcterms:(?:modified|created)[^>]*>[^<]*</dcterms:(?:modified|created)>"


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_evaluation_form import demo

    path = tmp_path_factory.mktemp("stream") / "Contoh.xlsm"
    _write_with_sheets(demo.__wrapped__(), path)  # type: ignore[attr-defined]  # the fixture's function
    return path


def _spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Records each streamed sheet's outcome and the most cells its body ever held at once."""
    seen: dict[str, object] = {"most": 0}
    real = ow._stream_body

    def stream(wb, ws, plan, first, last, released=None):  # type: ignore[no-untyped-def]
        cells = ws._cells
        real_block = ow._write_cells

        def write_cells(ws_, plan_, rows=None):  # type: ignore[no-untyped-def]
            real_block(ws_, plan_, rows)
            body = sum(1 for r, _ in cells if first < r <= last)
            seen["most"] = max(seen["most"], body)  # type: ignore[call-overload]

        monkeypatch.setattr(ow, "_write_cells", write_cells)
        try:
            seen[ws.title] = real(wb, ws, plan, first, last, released)
        finally:
            monkeypatch.setattr(ow, "_write_cells", real_block)
        return seen[ws.title]

    monkeypatch.setattr(ow, "_stream_body", stream)
    return seen


def test_the_evaluation_sheet_is_written_in_chunks_with_the_hand_figures_and_the_same_bytes(
        demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_evaluation_form import BY_HAND, _line

    streamed, whole = tmp_path / "streamed.xlsm", tmp_path / "whole.xlsm"
    shutil.copyfile(demo_book, streamed)
    shutil.copyfile(demo_book, whole)
    monkeypatch.setattr(ow, "CHUNK_ROWS", 8)  # the demo's 94 indicators: 12 chunks
    seen = _spy(monkeypatch)
    regenerate(streamed)
    assert seen[EVALUATION_SHEET] is True
    # never more than one chunk of the body's cells (28 columns, styled) at a time
    assert 0 < seen["most"] <= 8 * 28  # type: ignore[operator]
    ws = openpyxl.load_workbook(streamed, data_only=True)[EVALUATION_SHEET]
    for iid, want in BY_HAND.items():
        got = _line(ws, iid)
        for k, v in want.items():
            assert (got[k] == pytest.approx(v)) if v is not None else got[k] is None, (iid, k, got[k])
    monkeypatch.setattr(ow, "_streamable", lambda wb, plan: None)
    regenerate(whole)
    assert streamed.read_bytes() == whole.read_bytes()


def _master() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.active.title = "M"
    wb["M"]["A1"] = 10
    return wb


def _plan(rows: int, odd: dict[int, str]) -> SheetPlan:
    """A report sheet: a title, a body of `rows` rows (`=M!A1+r`, a constant, and `odd[r]` in column C of
    some), a footer; every body row styled alike."""
    cells: list[list[object]] = [["Judul", None, None]]
    for r in range(2, rows + 2):
        c = odd.get(r)
        cells.append([Formula(f"=M!A1+{r}", fx.parse(f"=M!A1+{r}")), r * 2,
                      Formula(c, fx.parse(c)) if c else None])
    cells.append(["Catatan", None, None])
    last = rows + 1
    return SheetPlan(name="R", kind="uji", key="UJI", cells=cells,  # type: ignore[arg-type]
                     styles=[StyleSpan("head", 1, 1, 1, 3), StyleSpan("number", 2, 1, last, 3),
                             StyleSpan("text", last + 1, 1, last + 1, 3)],
                     stream=(2, last))


def _written(make: Callable[[], SheetPlan], stream: bool, monkeypatch: pytest.MonkeyPatch,
             replan: bool = False) -> tuple[openpyxl.Workbook, object, SheetPlan]:
    wb = _master()
    values.evaluate_early(wb, ["M"])
    plan = make()
    with monkeypatch.context() as m:
        m.setattr(ow, "CHUNK_ROWS", 4)
        if not stream:
            m.setattr(ow, "_streamable", lambda wb, plan: None)
        outcome = _spy(m)
        ow.write_report(wb, plan, None, lambda ws: ws.merge_cells("A1:C1"), make if replan else None)
        return wb, outcome.get("R"), plan


def _saved(wb: openpyxl.Workbook) -> dict[str, bytes]:
    parts = sheet_writer.workbook_parts(wb, values.cached_values(wb, serialised=False), deflate=True)
    parts["docProps/core.xml"] = re.sub(_STAMPS, b"", bytes(parts["docProps/core.xml"]))  # type: ignore[arg-type]
    return {n: (p.raw() if isinstance(p, sheet_writer.Deflated) else p) for n, p in parts.items()}


@pytest.mark.parametrize("replan", [False, True])
@pytest.mark.parametrize("odd, why", [
    ({}, "streamed"),
    ({5: "=A20*2"}, "a body cell reads a row not written yet"),
    ({19: "=B3+1"}, "a body cell reads a constant of a chunk let go"),
    ({6: "=X!A1+1"}, "a body cell reads a sheet that may still change"),
])
def test_a_chunk_that_cannot_be_done_falls_back_to_the_whole_sheet(
        odd: dict[int, str], why: str, replan: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """`replan`: the plan's body rows are emptied as written, and made again for a fallback."""
    wb, outcome, plan = _written(lambda: _plan(30, odd), True, monkeypatch, replan)
    twin, _, _ = _written(lambda: _plan(30, odd), False, monkeypatch)
    assert outcome is (not odd), why
    emptied = [r for r, row in enumerate(plan.cells, start=1) if not row]
    if replan and 19 in odd:  # the chunks before row 19's went before it fell back
        assert emptied == list(range(3, 19))  # chunks of 4 from row 3: 19 starts the fifth
    elif replan and not odd:  # every chunk but the first body row, written before the chunks
        assert emptied == list(range(3, 32))
    else:
        assert emptied == []
    assert isinstance(wb["R"]._cells, FrozenCells) is (not odd or "X!" not in next(iter(odd.values())))
    # read back alike: every cell, its value or formula and its type (FrozenCells keeps the formula cells
    # as bits per row)
    def cells(w: openpyxl.Workbook) -> dict[tuple[int, int], tuple[object, str]]:
        return {k: (c.value, c.data_type) for k, c in w["R"]._cells.items() if c.value is not None}

    assert cells(wb) == cells(twin)
    assert len(cells(wb)) == 1 + 30 * 2 + len(odd) + 1
    if not odd:  # the values of the chunks let go are not kept (the first body row's are: written first)
        memo = values._EARLY[wb].env.memo
        assert {k[1] for k in memo if k[0] == "R"} == {2}
    if odd:  # the sheet that will change comes now, before the save
        wb.create_sheet("X")["A1"] = 4
        twin.create_sheet("X")["A1"] = 4
    got, want = _saved(wb), _saved(twin)
    assert got == want
    cached = openpyxl.load_workbook(__import__("io").BytesIO(_zip(got)), data_only=True)["R"]
    assert cached["A7"].value == 10 + 7 and cached["B7"].value == 14  # row 7: M!A1 + 7, 7 * 2
    hand = {5: ("C5", 2 * (10 + 20)), 19: ("C19", 3 * 2 + 1), 6: ("C6", 4 + 1)}
    for r in odd:
        ref, v = hand[r]
        assert cached[ref].value == v, why


def _zip(parts: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, p in parts.items():
            zf.writestr(n, p)
    return buf.getvalue()


def test_the_save_writes_a_serialised_sheet_in_pieces_as_it_was_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Placeholders of new styles and multi-byte characters across the pieces' edges."""
    rng = random.Random(13)
    rows = []
    for r in range(1, 3000):
        k = rng.randrange(12)
        text = rng.choice(["é", "ü", "日本", "x" * rng.randrange(40)])
        rows.append(f'<row r="{r}"><c r="A{r}" s="\0{k}\0" t="inlineStr"><is><t>{text}</t></is></c></row>')
    xml = ("<sheetData>" + "".join(rows) + "</sheetData>").encode()
    styles = [object() for _ in range(12)]
    numbers = {id(s): 40 + i * 7 for i, s in enumerate(reversed(styles))}
    want = xml
    for k, s in enumerate(styles):  # what the save did before: the whole text, replaced in order
        want = want.replace(b"\0%d\0" % k, str(numbers[id(s)]).encode())
    z = frozen.pack()
    packed = z.compress(xml) + z.flush()
    monkeypatch.setattr(frozen, "_PIECE", 97)  # an odd size: edges fall anywhere
    order: list[int] = []

    def number(s: object) -> int:
        order.append(numbers[id(s)])
        return numbers[id(s)]

    fc = FrozenCells("S", {}, {}, {}, packed, styles, "A1:A1")  # type: ignore[arg-type]
    pieces: list[str] = []
    fc.write_sheet_data(pieces.append, number)
    assert len(pieces) > 10 and "".join(pieces).encode() == want
    assert order == [numbers[id(s)] for s in styles]  # numbered in the order the save met them before
    with pytest.raises(RuntimeError):
        fc.write_sheet_data(pieces.append, number)


def test_a_part_deflated_as_written_is_the_part_deflated_whole() -> None:
    rng = random.Random(5)
    part = bytes(rng.choice(b"<c r=\"A1\">\n0123456789") for _ in range(400_000))
    buf = sheet_writer.DeflatingBuffer()
    at = 0
    while at < len(part):
        n = rng.randrange(1, 9000)
        buf.write(part[at:at + n])
        at += n
    got, want = buf.deflated(), sheet_writer.Deflated(part.replace(b"\n", sheet_writer._NEWLINE))
    assert (got.data, got.crc, got.size) == (want.data, want.crc, want.size)
    assert zlib.decompress(got.data, -15) == part.replace(b"\n", sheet_writer._NEWLINE)


def test_regenerate_streams_nothing_on_a_small_workbook(
        small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below CHUNK_ROWS body rows the sheet is written whole, as before."""
    from xl_sakip.book.writer import write_master

    master = write_master(small_cascade, tmp_path / "master.xlsm")
    seen = _spy(monkeypatch)
    regenerate(master)
    assert [k for k in seen if k != "most"] == []
