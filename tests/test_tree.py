"""Pohon kinerja: layout on one A3 page, SVG and PNG output, capaian colours, roll-up gaps, picture sheet.

Expected figures are worked out by hand from the seed (tests/data/cascading_2023.txt) and the sample
realisasi (xl_sakip/data/sample_realisasi_2023.csv):
- the nine IPK component targets 8,96 + 5,90 + 10,44 + 9,22 + 4,42 + 2,90 + 8,10 + 10,00 + 4,37 = 64,31,
  against the IPK target 71,10 (a roll-up gap);
- P20-1.1: TW4 85,0 of a 100 % target -> capaian 85,0 % -> band "Tinggi" (75, 90];
- P16-1.1: 61,6 of 55 % -> 112,0 % -> above the target.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from xl_sakip.errors import UserError
from xl_sakip.importer import read_seed
from xl_sakip.sample import apply_sample
from xl_sakip.sheets.bands import ABOVE_FILL, BAND_FILLS
from xl_sakip.tree import (
    A3_LANDSCAPE,
    Rect,
    Text,
    finish_tree_sheet,
    layout,
    plan_tree_sheet,
    to_png,
    to_svg,
    write_tree,
)

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def plain():
    return read_seed(SEED).cascade


@pytest.fixture(scope="module")
def sampled(plain):
    return apply_sample(plain)


@pytest.fixture(scope="module")
def drawing(sampled):
    return layout(sampled)


def inside(r: Rect, outer: Rect) -> bool:
    return (outer.x <= r.x and outer.y <= r.y and r.x + r.w <= outer.x + outer.w
            and r.y + r.h <= outer.y + outer.h)


def test_21_positions_on_one_a3_page_without_overlaps(drawing, plain) -> None:
    assert (drawing.width, drawing.height) == A3_LANDSCAPE
    assert sorted(drawing.boxes) == [f"P{k:02d}" for k in range(1, 22)]
    page = Rect(0, 0, *A3_LANDSCAPE)
    boxes = list(drawing.boxes.items())
    for code, b in boxes:
        assert inside(b, page), code
    for i, (c1, a) in enumerate(boxes):
        for c2, b in boxes[i + 1:]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
            assert apart, (c1, c2)
    # Every text run stays on the page; the body text is at least 5 pt (readable on A3).
    for t in drawing.items:
        if isinstance(t, Text):
            left = {"left": t.x, "middle": t.x - t.width / 2, "end": t.x - t.width}[t.align]
            assert left >= 0 and left + t.width <= A3_LANDSCAPE[0] + 0.01 and t.y < A3_LANDSCAPE[1], t.text
    assert drawing.scale * 5.9 >= 5.0


def test_tree_shape_follows_the_parents(drawing) -> None:
    b = drawing.boxes
    # The root on top; the seven eselon-III positions side by side below it; Kasi/Kasubag under their head.
    heads = ["P02", "P04", "P07", "P10", "P13", "P14", "P18"]
    assert all(b[h].y > b["P01"].y + b["P01"].h for h in heads)
    assert [b[h].x for h in heads] == sorted(b[h].x for h in heads)
    assert len({round(b[h].y, 6) for h in heads}) == 1
    for kid, head in (("P03", "P02"), ("P05", "P04"), ("P06", "P04"), ("P21", "P18"), ("P15", "P14")):
        assert b[head].x <= b[kid].x < b[head].x + b[head].w and b[kid].y > b[head].y + b[head].h


def texts_in(drawing, code: str) -> list[str]:
    box = drawing.boxes[code]
    return [t.text for t in drawing.items if isinstance(t, Text) and box.y <= t.y <= box.y + box.h
            and box.x <= t.x <= box.x + box.w]


def test_boxes_show_indicators_and_targets(plain) -> None:
    d = layout(plain)
    words = " ".join(texts_in(d, "P05"))
    for target in ("20%", "50 orang", "2,18", "6,01", "1,06", "4,17", "0,27"):
        assert target in texts_in(d, "P05")
    assert "Terakreditasi" in words and "PDRB" in words
    assert "71,10" in texts_in(d, "P01")
    # Without realisasi there are no capaian chips.
    assert not [t for t in d.items if isinstance(t, Text) and t.text.endswith("%") and "," in t.text]


def chip_fill(drawing, code: str, label: str) -> str | None:
    box = drawing.boxes[code]
    items = drawing.items
    for k, t in enumerate(items):
        if isinstance(t, Text) and t.text == label and box.y <= t.y <= box.y + box.h and box.x <= t.x:
            rect = items[k - 1]
            assert isinstance(rect, Rect)
            return rect.fill
    return None


def test_capaian_coloured_by_category(drawing) -> None:
    assert chip_fill(drawing, "P20", "85,0%") == BAND_FILLS[3]  # Tinggi: 4th band from the bottom
    assert chip_fill(drawing, "P16", "112,0%") == ABOVE_FILL


def test_band_colour_follows_the_band_row_as_in_the_unit_sheets(sampled) -> None:
    """An office that lists its bands high to low in Ref_Kategori: the unit sheets colour the Kategori by
    the band's row (template.py: row i gets colour i), and the tree's chips follow the same rows. Tinggi is
    then the 2nd row: colour 2, where the low-to-high order gave it colour 4."""
    ref = sampled.reference
    reordered = sampled.model_copy(update={"reference": ref.model_copy(update={"bands": ref.bands[::-1]})})
    assert [b.label for b in reordered.reference.bands][1] == "Tinggi"
    assert chip_fill(layout(reordered), "P20", "85,0%") == BAND_FILLS[1]


def test_rollup_gaps_marked(drawing) -> None:
    ipk = [n for n in drawing.notes if n.startswith("P01-1.1") and "target 71,10" in n]
    assert ipk == ["P01-1.1 Indeks Pembangunan Ketenagakerjaan: target 71,10, jumlah target pendukung 64,31 "
                   "(selisih -6,79)"]
    marks = [t.text for t in drawing.items if isinstance(t, Text) and t.text.startswith("[")
             and not t.text.startswith("[1] ")]
    n = drawing.notes.index(ipk[0]) + 1
    assert any(str(n) in m.strip("[]").split(",") for m in marks)


def test_svg_and_png(drawing, sampled, tmp_path: Path) -> None:
    svg = to_svg(drawing)
    assert svg == to_svg(layout(sampled))  # deterministic
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == ("420mm", "297mm")
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for code in ("P01", "P11", "P21"):
        assert f"{code} " in text
    png = Image.open(io.BytesIO(to_png(drawing, 200)))
    # A3 at 200 dpi: 420 / 25,4 x 200 = 3307,1 and 297 / 25,4 x 200 = 2338,6 pixels.
    assert png.size == (3307, 2339)
    assert png.info["dpi"] == pytest.approx((200, 200), abs=0.01)
    out = write_tree(sampled, tmp_path / "pohon.svg")
    assert out.read_text(encoding="utf-8") == svg
    with pytest.raises(UserError, match=r"\.svg atau \.png"):
        write_tree(sampled, tmp_path / "pohon.pdf")


def test_picture_sheet(sampled, tmp_path: Path) -> None:
    from xl_sakip.sheets.openpyxl_writer import read_marker, write_sheet

    wb = openpyxl.Workbook()
    ws = write_sheet(wb, plan_tree_sheet(sampled, wb.sheetnames))
    finish_tree_sheet(ws, sampled)
    wb.save(tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as zf:
        media = [n for n in zf.namelist() if n.startswith("xl/media/")]
        assert len(media) == 1
        img = Image.open(io.BytesIO(zf.read(media[0])))
    assert img.size == (round(420 / 25.4 * 150), round(297 / 25.4 * 150))  # 2480 x 1754
    back = openpyxl.load_workbook(tmp_path / "t.xlsx")
    m = read_marker(back["Pohon Kinerja"])
    assert m is not None and (m.kind, m.key) == ("pohon", "POHON")


def grown(cascade, n: int):
    """`cascade` with extra Kasi positions (no indicators) under P13 until it has `n` positions."""
    from xl_sakip.core.models import Position

    base = len(cascade.positions)
    extra = [Position(code=f"X{k:02d}", title=f"Kepala Seksi Tambahan {k}", parent="P13", eselon=4,
                      order=base + k) for k in range(1, n - base + 1)]
    return cascade.model_copy(update={"positions": [*cascade.positions, *extra]})


def picture_sheet(cascade):
    from xl_sakip.sheets.openpyxl_writer import write_sheet

    wb = openpyxl.Workbook()
    ws = write_sheet(wb, plan_tree_sheet(cascade, wb.sheetnames))
    finish_tree_sheet(ws, cascade)
    return ws


def test_picture_limit_is_60_positions(plain) -> None:
    # SHEET_MAX_POSITIONS = 60 (docs/pk-tree-dashboard.md): 61 positions get a note instead of the picture.
    big = grown(plain, 61)
    assert len(big.positions) == 61
    ws = picture_sheet(big)
    assert ws._images == []
    note = ws["A2"].value
    assert "terlalu besar" in note and "61 jabatan" in note and "batasnya 60 jabatan" in note
    assert "xl-sakip tree" in note
    at_limit = grown(plain, 60)
    assert len(at_limit.positions) == 60
    ws = picture_sheet(at_limit)
    assert len(ws._images) == 1
    assert "terlalu besar" not in ws["A2"].value


def test_sheet_note_and_legend_in_indonesian(sampled, drawing) -> None:
    note = plan_tree_sheet(sampled).cells[1][0]
    # The ribbon's Buat Ulang Sheet Unit does not redraw the picture; the command line does.
    assert "xl-sakip regenerate" in note
    assert "tidak oleh tombol Buat Ulang Sheet Unit" in note
    texts = [t.text for t in drawing.items if isinstance(t, Text)]
    assert "tidak dapat dihitung" in texts
    assert not [t for t in texts if "n/a" in t]
