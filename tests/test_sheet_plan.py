"""The sheet plan: names, the shape of its formulas (auditable, non-volatile, LibreOffice 7.4), markers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_small_cascade
from xl_sakip.importer import read_seed
from xl_sakip.sheets import plan as p
from xl_sakip.sheets import refs as rf
from xl_sakip.sheets import replan as rp
from xl_sakip.sheets import textfit as tf
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.marker import Marker, digest_cells, plan_digest, plan_marker
from xl_sakip.sheets.names import MAX_SHEET_NAME, clean_title, quote_sheet, unit_sheet_name

SEED = Path(__file__).resolve().parent / "data" / "cascading_2023.txt"
# Volatile, or newer than LibreOffice 7.4 / Excel 2010.
BANNED = re.compile(r"(?<![A-Z.])(XLOOKUP|XMATCH|FILTER|LET|LAMBDA|INDIRECT|OFFSET|NOW|TODAY|RAND|"
                    r"RANDBETWEEN|TEXTJOIN|MAXIFS|MINIFS|IFS|SWITCH|CONCAT|CELL|INFO|SEQUENCE|UNIQUE|SORT)\(")


@pytest.fixture(scope="module")
def seed_plan() -> p.WorkbookPlan:
    return rp.plan_workbook(read_seed(SEED).cascade)


def formulas(plan: p.SheetPlan):
    for r, row in enumerate(plan.cells, start=1):
        for c, v in enumerate(row, start=1):
            if isinstance(v, p.Formula):
                yield r, c, v.text


def test_sheet_names_of_the_seed(seed_plan):
    names = [s.name for s in seed_plan.sheets]
    # "Kepala Seksi" -> "Kasi"; cut at a word within 31 characters, without a dangling "dan"
    assert names[4] == "P05 Kasi Pelatihan"
    assert names[9] == "P10 KABID PENGAWASAN"  # not "P10 KABID PENGAWASAN KETENAGAKE"
    assert names[10] == "P11 Kasi Pengawasan Norma Kerja"  # 31 characters, the comma after "Kerja" dropped
    assert names[0] == "P01 KEPALA DINAS" and names[-1] == "Ringkasan"
    assert names[14] == "P15 Kasubag Tata Usaha" and names[18] == "P19 Kasubag Tata Usaha"  # same title
    assert len({n.casefold() for n in names}) == len(names) == 22
    assert all(len(n) <= MAX_SHEET_NAME and not re.search(r"[\[\]:*?/\\]", n) for n in names)


def test_sheet_name_rules():
    assert unit_sheet_name("P02", "Kepala Seksi Uji [coba]: satu/dua") == "P02 Kasi Uji coba satu dua"
    assert clean_title("Kepala Sub Bagian Tata Usaha") == "Kasubag Tata Usaha"
    taken = {"p02 kasi uji"}
    assert unit_sheet_name("P02", "Kepala Seksi Uji", taken) == "P02 Kasi Uji (2)"
    long = unit_sheet_name("P10", "x" * 60, {"P10 " + "x" * 27})
    assert long == "P10 " + "x" * 23 + " (2)" and len(long) == 31
    assert quote_sheet("Indikator") == "Indikator"
    assert quote_sheet("P05 Kasi") == "'P05 Kasi'" and quote_sheet("A1") == "'A1'"
    assert quote_sheet("Kasi O'Neil") == "'Kasi O''Neil'"


def test_column_letters_and_structured_references():
    assert [rf.L(n) for n in (1, 26, 27, 41, 52, 53)] == ["A", "Z", "AA", "AO", "AZ", "BA"]
    assert rf.col("tblIndikator", "Target") == "tblIndikator[Target]"
    assert rf.col("tblIndikator", "Mendukung ID") == "tblIndikator[Mendukung ID]"
    assert rf.col("tblIndikator", "Roll-up") == "tblIndikator[[Roll-up]]"
    assert rf.col("t", "a#b") == "t[[a'#b]]"


def test_a_shared_subtree_renders_and_evaluates_in_each_place():
    """A rule's tree shares subtrees, rendered and evaluated once per call (by node identity): each place
    still gets its own parentheses (left or right of a minus, inside a product, under a sign), and the
    value is the one worked out by hand: 3 + (3*3-3) + (3-1) + (-3) = 8."""
    from xl_sakip.core import formula as fx

    s = fx.Lit(5.0) - fx.Lit(2.0)
    e = fx.SUM(s, s * s - s, s - 1, -s)
    text = fx.render(e)
    assert text == "SUM(5-2,(5-2)*(5-2)-(5-2),5-2-1,-(5-2))"
    assert fx.evaluate(e) == 8.0 == fx.evaluate(fx.parse(text))
    assert fx.render(fx.Lit(10.0) - s) == "10-(5-2)" and fx.render(s / s) == "(5-2)/(5-2)"


def test_no_volatile_or_new_functions_and_no_positional_master_refs(seed_plan):
    for sp in seed_plan.sheets:
        for r, c, text in formulas(sp):
            upper = text.upper()
            assert not BANNED.search(upper), (sp.name, r, c, text)
            # The master is reached through its tables only: no Indikator!A1-style addresses.
            assert not re.search(r"\b(Indikator|Jabatan|Ref_\w+)!\$?[A-Z]", text), (sp.name, r, c, text)


def test_each_row_has_its_id_and_one_match(seed_plan):
    # The seed's indicators are in document order in the master: P01-1.1 is tblIndikator's first row.
    ids = [i.id for i in read_seed(SEED).cascade.indicators]
    assert ids[:2] == ["P01-1.1", "P01-2.1"]
    for sp in (s for s in seed_plan.sheets if s.kind == "unit"):
        body_last = sp.body_last or ul.FIRST_BODY_ROW - 1  # rows below it: the pendukung block only
        for r in range(ul.FIRST_BODY_ROW, body_last + 1):
            row = sp.cells[r - 1]
            assert re.fullmatch(r"P\d\d-\d+\.\d+", row[ul.C_ID - 1])  # the ID as a value
            # The row found at generation time is checked first; MATCH only when it no longer holds.
            k = ids.index(row[ul.C_ID - 1]) + 1
            matches = [t for _, c, t in formulas(sp) if _ == r and "MATCH($R" in t]
            assert matches == [f'=IF(IFERROR(INDEX(tblIndikator[ID],{k})=$R{r},FALSE),{k},'
                               f'IFERROR(MATCH($R{r},tblIndikator[ID],0),""))']
            # Every other master value is an INDEX by that row number.
            for rr, _c, t in formulas(sp):
                if rr == r and _c != ul.C_BARIS and "INDEX(tblIndikator" in t:
                    assert re.findall(r"INDEX\(tblIndikator\[[^\]]+\]\]?,(\$S\d+)\)", t) != []
                    assert set(re.findall(r"INDEX\(tblIndikator\[[^\]]+\]\]?,(\$S\d+)\)", t)) == {f"$S{r}"}


def test_p05_rows_by_hand(seed_plan):
    sp = seed_plan.sheets[4]
    ids = [row[ul.C_ID - 1] for row in sp.cells[ul.FIRST_BODY_ROW - 1:]]
    # P05 (Kasi Pelatihan dan Produktivitas Kerja): 1.1, 2.1, 3.1-3.3 (Pelatihan), 4.1-4.2 (Produktivitas)
    assert ids == ["P05-1.1", "P05-2.1", "P05-3.1", "P05-3.2", "P05-3.3", "P05-4.1", "P05-4.2"]
    # The sasaran number and text only on the first row of each sasaran.
    assert [row[ul.C_NO - 1] for row in sp.cells[ul.FIRST_BODY_ROW - 1:]] == [1, 2, 3, None, None, 4, None]
    assert sp.cells[ul.CODE_ROW - 1][2] == "P05"
    assert "<>7," in sp.cells[ul.STATUS_ROW - 1][2].text  # the sheet knows it has 7 indicators


def test_roll_up_parent_sums_its_pendukung_rows(seed_plan):
    # P04-3.3 (Nilai Pelatihan dan Kompetensi Kerja) is supported by P05-3.1..3.3, rows 11-13 of P05.
    p04 = seed_plan.sheets[3]
    row = next(r for r in p04.cells if r[ul.C_ID - 1] == "P04-3.3")
    text = row[ul.C_R_ANAK - 1].text
    # Through P04's pendukung block: P04-3.3 is P04's only parent, so its pendukung are block rows 9-11,
    # each bringing one P05 row; the roll-up names the block's ranges, not each pendukung.
    block = [p04.cells[r - 1] for r in (9, 10, 11)]
    assert [b[ul.C_PD_ID - 1] for b in block] == ["P05-3.1", "P05-3.2", "P05-3.3"]
    for b, rr in zip(block, (11, 12, 13), strict=True):
        assert b[ul.C_PD_PAKAI - 1].text == f"='P05 Kasi Pelatihan'!$Y${rr}"
        assert b[ul.C_PD_MASALAH - 1].text == f"='P05 Kasi Pelatihan'!$AD${rr}"
        assert [b[c - 1].text for c in ul.C_PD_KOSONG] == [f"='P05 Kasi Pelatihan'!${x}${rr}"
                                                           for x in ("Z", "AA", "AB", "AC")]
    assert text == ('=IF(MAX($BD$9:$BD$11)>0,"realisasi pendukung bermasalah",IF(COUNT($BB$9:$BB$11)=0,"",'
                    'SUM($BC$9:$BC$11)))')
    # IDs compared with "=", not as SUMIFS criteria (an ID such as 1.1 would read as a number)
    assert row[ul.C_T_ANAK - 1].text == ('=SUMPRODUCT((tblIndikator[Mendukung ID]=$R13)*'
                                         '(tblIndikator[[Roll-up]]="jumlah"),tblIndikator[Target])')
    # A leaf has no roll-up columns.
    leaf = next(r for r in p04.cells if r[ul.C_ID - 1] == "P04-1.1")
    assert leaf[ul.C_R_ANAK - 1] is None and leaf[ul.C_T_ANAK - 1] is None


def test_summary_lists_every_position_and_the_ipk_tree(seed_plan):
    summary = seed_plan.sheets[-1]
    codes = [row[0] for row in summary.cells if isinstance(row[0], str) and re.fullmatch(r"P\d\d", row[0])]
    assert codes == [f"P{i:02d}" for i in range(1, 22)]
    tree = [row[0] for row in summary.cells if isinstance(row[0], str) and re.fullmatch(r"P\d\d-.*", row[0])]
    assert tree[0] == "P01-1.1" and "P05-3.1" in tree and "P12-2.2" in tree
    assert tree.index("P04-3.3") < tree.index("P05-3.1") < tree.index("P04-3.4")  # depth first
    assert len(summary.charts) == 1


def test_markers_and_digest():
    plan = rp.plan_workbook(make_small_cascade()).sheets[0]
    m = plan_marker(plan)
    assert Marker.parse(m.refers_to()) == m and m.kind == "unit" and m.key == "P01"
    assert Marker.parse('="something else"') is None
    # A COM read gives constants as text ("3.5"); the digest does not care.
    com = [(1, 1, "3.5"), (1, 2, "P01"), (2, 2, "")]
    assert digest_cells([(1, 1, 3.5), (1, 2, "P01")]) == digest_cells(com)
    assert digest_cells([(1, 1, 3.5)]) != digest_cells([(1, 1, 3.6)])
    assert plan_digest(plan) == plan_digest(rp.plan_workbook(make_small_cascade()).sheets[0])


def test_rows_with_long_text_get_a_height(seed_plan):
    # Words wrap at column width - 1 characters (B 30, C 44, K 22); 15 pt a line, + 3 pt when more than one.
    # P06-1.1: sasaran "Meningkatnya pencari kerja / yang ditempatkan melalui / Pameran Bursa Kerja" (3
    # lines in B); its capaian without realisasi "tidak dapat dihitung: / realisasi belum diisi" (2 in K)
    # -> 48 pt. P06-1.2 shows no sasaran; "- Jumlah pencari kerja yang terdaftar yang / ditempatkan dalam
    # event job fair" (2 lines in C) -> 33 pt.
    p06 = seed_plan.sheets[5]
    assert p06.row_heights == {9: 48, 10: 33}
    # P01-1.1 (the IPK, no realisasi): its pendukung cover 64,31 of 71,10, so its capaian says why it is
    # missing in 5 lines of K: "tidak dapat dihitung: / pendukung hanya / mencakup sebagian / target dan
    # realisasi / sendiri belum diisi" -> 78 pt.
    assert seed_plan.sheets[0].row_heights[9] == 78


def test_header_row_fits_its_labels():
    # The tallest visible label, bold (2 characters narrower): "Jumlah / Target / Pendukung" and
    # "Selisih: / Pendukung - / Realisasi" in 13-wide columns: 3 lines -> 48 pt.
    visible = {c: h for c, h in ul.UNIT_HEADERS.items() if c < ul.FIRST_HIDDEN_COL}
    assert tf.header_height(visible, ul.UNIT_WIDTHS) == 48
    assert tf.wrapped_lines("Selisih: Pendukung - Realisasi", 13, bold=True) == 3
    assert tf.wrapped_lines("abc def", 3) == 4  # ab / c / de / f: a word longer than the column breaks


def test_summary_row_heights_and_count_formats(seed_plan):
    summary = seed_plan.sheets[-1]
    head = next(r for r, row in enumerate(summary.cells, start=1) if row[0] == "Kode")
    # The tallest label, bold: "Tidak Dapat Dihitung" in a 12-wide column ("Tidak Dapat" is 11 characters,
    # 10 fit): "Tidak" / "Dapat" / "Dihitung" -> 3 lines, 48 pt.
    assert summary.row_heights[head] == 48
    # P11's title (72 characters) in the 48-wide Jabatan column: "Kepala Seksi Pengawasan Norma Kerja,
    # Jaminan" / "Sosial, Perempuan dan Anak" -> 33 pt.
    p11 = next(r for r, row in enumerate(summary.cells, start=1) if row[0] == "P11")
    assert summary.row_heights[p11] == 33 and summary.column_widths[9] >= len("Melampaui Target") + 1
    # The roll-up tree holds indices only (the IPK and its components): no count format there; the
    # count style exists for "jumlah" rows.
    assert not any(s.style == "number0" for s in summary.styles)
    assert p.STYLES["number0"].number_format == "#,##0"


def test_counts_show_no_decimals(seed_plan):
    # P09-1.1 "Rekapitulasi Tahunan Jumlah Anggota Serikat Pekerja" (14.000 orang, jumlah): 0 decimals;
    # P09-2.1 (a percentage): 2. The template turns AQ = 0 into "#,##0" on the number columns.
    from openpyxl import Workbook

    from xl_sakip.sheets.template import NUMBER_COLS, build_template

    p09 = seed_plan.sheets[8]
    dec = {row[ul.C_ID - 1]: row[ul.C_DESIMAL - 1] for row in p09.cells[ul.FIRST_BODY_ROW - 1:]}
    assert dec["P09-1.1"] == 0 and dec["P09-2.1"] == 2 and dec["P09-4.1"] == 2
    ws = Workbook().active
    build_template(ws)
    rules = [(str(cf.sqref), r) for cf in ws.conditional_formatting for r in cf.rules]
    counts = [(sq, r) for sq, r in rules if r.dxf is not None and r.dxf.numFmt is not None]
    assert len(counts) == 1 and counts[0][1].formula == ["$AQ9=0"]
    assert counts[0][1].dxf.numFmt.formatCode == "#,##0"
    assert {c.split(":")[0] for c in counts[0][0].split()} == {f"{rf.L(c)}9" for c in NUMBER_COLS}
    assert ws.row_dimensions[ul.HEADER_ROW].height == 48  # test_header_row_fits_its_labels


def test_made_rows_read_as_the_list_they_stand_for():
    made: list[int] = []

    def make(r: int) -> list[p.Content]:
        made.append(r)
        return [r, f"baris {r}"]

    rows = p.MadeRows([["judul", None], None, None, ["catatan", None]], make)
    want = [["judul", None], [2, "baris 2"], [3, "baris 3"], ["catatan", None]]
    assert len(rows) == 4 and list(rows) == want and rows == want and rows != want[:3]
    assert rows[-2] == [3, "baris 3"] and rows[1:3] == want[1:3] and rows[::3] == [want[0], want[3]]
    assert made == [2, 3, 2, 3, 3, 2, 3]  # made at each read (list, ==, [-2], [1:3]), never kept
    rows[1] = []  # a writer's release: a made row stays made
    rows[3] = ["lain", None]  # a kept row is replaced as in a list
    assert rows[1] == [2, "baris 2"] and rows[3] == ["lain", None]
    with pytest.raises(IndexError):
        rows[4]
