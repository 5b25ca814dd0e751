"""Perjanjian Kinerja: content against the master (seed 2023), the superior, blank lines, the PDF.

Expected texts and targets are copied from the seed (tests/data/cascading_2023.txt) by hand; the parent of
each position is the rule of domain.md (a Kasi reports to the eselon-III position before it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from libreoffice import requires_libreoffice

from xl_sakip.errors import UserError
from xl_sakip.importer import read_seed
from xl_sakip.pk import BLANK, LAMPIRAN_HEADERS, export_pdfs, pk_layout, plan_pk, plan_pk_sheets
from xl_sakip.sheets.plan import Formula

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"


@pytest.fixture(scope="module")
def cascade():
    c = read_seed(SEED).cascade
    c.settings.place, c.settings.date = "Manado", "2 Januari 2023"
    p04 = c.position("P04")
    p04.official_name, p04.nip = "Drs. Contoh Pejabat", "197001012000031001"
    return c


def values(cascade, code: str) -> list[list[object]]:
    return plan_pk(cascade, code, live=False).cells


def text_of(cascade, code: str) -> str:
    return "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in values(cascade, code))


def lampiran(cascade, code: str) -> list[list[object]]:
    cells = values(cascade, code)
    head = next(i for i, r in enumerate(cells) if r == list(LAMPIRAN_HEADERS))
    rows = []
    for r in cells[head + 1:]:
        if r[2] is None:
            break
        rows.append(r)
    return rows


def test_heading_and_structure(cascade) -> None:
    cells = values(cascade, "P05")
    assert cells[0][0] == "PERJANJIAN KINERJA TAHUN 2023"
    text = text_of(cascade, "P05")
    for part in ("kami yang bertanda tangan di bawah ini", "Selanjutnya disebut pihak pertama",
                 "Selaku atasan pihak pertama, selanjutnya disebut pihak kedua", "Pihak pertama berjanji",
                 "Pihak kedua akan melakukan supervisi", "Manado, 2 Januari 2023",
                 "LAMPIRAN PERJANJIAN KINERJA TAHUN 2023"):
        assert part in text
    # Signature blocks: Pihak Kedua on the left (column A), Pihak Pertama on the right (column C).
    sign = [r for r in cells if r[0] == "PIHAK KEDUA,"]
    assert sign and all(r[2] == "PIHAK PERTAMA," for r in sign)


def test_p05_lampiran_has_every_indicator_and_target(cascade) -> None:
    rows = lampiran(cascade, "P05")
    # From the seed, Kepala Seksi Pelatihan dan Produktivitas Kerja: 4 sasaran, 7 indicators.
    assert [(r[2], r[3]) for r in rows] == [
        ("Persentase LPK yang terakreditasi", "20%"),
        ("Jumlah PMI Purna yang dilatih kewirausahaan", "50 orang"),
        ("- Nilai Tingkat Kapasitas Pelatihan Kerja", "2,18"),
        ("- Nilai Tingkat Kelulusan Pelatihan Kerja", "6,01"),
        ("- Nilai Tingkat Lembaga Latihan yang Terakreditasi", "1,06"),
        ("- Nilai Tingkat Produktivitas Tenaga Kerja", "4,17"),
        ("- Nilai Laju Pertumbuhan PDRB per Tenaga Kerja", "0,27"),
    ]
    # The sasaran number and text stand on the first row of each sasaran only.
    assert [r[0] for r in rows] == [1, 2, 3, None, None, 4, None]
    assert rows[0][1] == "Meningkatnya Lembaga Pelatihan Kerja yang terakreditasi"


def test_p03_and_p09_across_page_breaks(cascade) -> None:
    # Kasubag Umum: sasaran 1-9, the last ones after its title line in the seed.
    rows = lampiran(cascade, "P03")
    assert [r[0] for r in rows] == list(range(1, 10))
    assert (rows[-1][2], rows[-1][3]) == ("Jumlah Dokumen perencanaan tenaga kerja provinsi", "5 dokumen")
    rows = lampiran(cascade, "P09")
    assert [r[3] for r in rows] == ["14.000 orang", "60%", "10%", "0,18", "0,15", "0,16"]


def party(cells, closing: str) -> tuple[str, str, str]:
    """(Nama, NIP, Jabatan) of the party block that ends with `closing`."""
    end = next(i for i, r in enumerate(cells) if isinstance(r[0], str) and r[0].startswith(closing))
    block = {r[1]: r[2] for r in cells[end - 3:end]}
    return block["Nama"], block["NIP"], block["Jabatan"]


def test_the_right_superior(cascade) -> None:
    cells = values(cascade, "P05")  # Kasi under KABID LATPENTA (P04), whose name and NIP are filled
    assert party(cells, "Selanjutnya disebut pihak pertama") == (
        f": {BLANK}", f": {BLANK}", ": Kepala Seksi Pelatihan dan Produktivitas Kerja")
    assert party(cells, "Selaku atasan") == (": Drs. Contoh Pejabat", ": 197001012000031001",
                                             ": KABID LATPENTA")
    names = [r for r in cells if r[0] == "Drs. Contoh Pejabat"]
    assert names and all(r[2] == BLANK for r in names)  # Pihak Kedua signs left, Pihak Pertama right
    assert party(values(cascade, "P03"), "Selaku atasan")[2] == ": SEKRETARIS"
    assert party(values(cascade, "P21"), "Selaku atasan")[2] == ": Kepala UPTD Balai Pengawasan Tenaga Kerja"
    assert party(values(cascade, "P18"), "Selaku atasan")[2] == ": KEPALA DINAS"


def test_root_superior_is_a_setting_with_blank_lines_by_default(cascade) -> None:
    assert party(values(cascade, "P01"), "Selaku atasan") == (f": {BLANK}",) * 3
    c = cascade.model_copy(deep=True)
    c.settings.pk_root_superior_title = "Gubernur Sulawesi Utara"
    c.settings.pk_root_superior_name = "Nama Gubernur"
    assert party(values(c, "P01"), "Selaku atasan") == (": Nama Gubernur", f": {BLANK}",
                                                        ": Gubernur Sulawesi Utara")


def test_empty_fields_leave_lines_never_placeholder_words(cascade) -> None:
    c = cascade.model_copy(deep=True)
    c.settings.place = c.settings.date = ""
    text = text_of(c, "P05")
    assert f"{BLANK}, {BLANK}" in text  # place and date
    for word in ("None", "NAMA", "[", "TBD", "xxx"):
        assert word not in text


def test_workbook_sheet_reads_the_master_by_code_and_id(cascade) -> None:
    plan = plan_pk(cascade, "P05")
    assert plan.kind == "pk" and plan.key == "PK-P05"  # never a bare code: that is the unit sheet's key
    formulas = [v.text for row in plan.cells for v in row if isinstance(v, Formula)]
    assert any('INDEX(tblJabatan[Nama Pejabat],MATCH("P05",tblJabatan[Kode],0))' in f for f in formulas)
    assert any('INDEX(tblJabatan[Nama Pejabat],MATCH("P04",tblJabatan[Kode],0))' in f for f in formulas)
    assert any('MATCH("P05-3.2",tblIndikator[ID],0)' in f for f in formulas)
    assert any("setTempatPK" in f for f in formulas) and any("setTahun" in f for f in formulas)
    names = [p.name for p in plan_pk_sheets(cascade, {"PK P05 Kasi Pelatihan dan Produ"})]
    assert len(names) == 21 and len(set(names)) == 21 and all(len(n) <= 31 for n in names)
    assert "PK P05 Kasi Pelatihan dan Produ" not in names


def test_lampiran_rows_per_indicator_for_all_positions(cascade) -> None:
    for pos in cascade.positions:
        rows = lampiran(cascade, pos.code)
        assert [r[2] for r in rows] == [i.indikator for i in cascade.indicators_of(pos.code)]
        assert [r[3] for r in rows] == [i.target_text for i in cascade.indicators_of(pos.code)]
        assert pk_layout(cascade, pos.code).page_break_after > 0


def test_unknown_position_is_a_user_error(cascade, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Kode jabatan 'P99' tidak ada"):
        export_pdfs(cascade, tmp_path, "P99")


@requires_libreoffice
def test_pdfs_through_libreoffice(cascade, tmp_path: Path) -> None:
    from pypdf import PdfReader

    pdfs = export_pdfs(cascade, tmp_path / "pdf")  # all positions, one LibreOffice run
    assert len(pdfs) == 21
    by_code = {p.name.split("_")[2]: p for p in pdfs}
    assert by_code["P05"].name == "PK_2023_P05_Kepala_Seksi_Pelatihan_dan_Produktivitas.pdf"
    reader = PdfReader(by_code["P05"])
    assert len(reader.pages) == 2  # the agreement, then the lampiran
    first, second = (" ".join(p.extract_text().split()) for p in reader.pages)
    assert "PERJANJIAN KINERJA TAHUN 2023" in first
    assert "Drs. Contoh Pejabat" in first and "197001012000031001" in first and "KABID LATPENTA" in first
    assert "Manado, 2 Januari 2023" in first
    assert "LAMPIRAN PERJANJIAN KINERJA TAHUN 2023" in second
    for target in ("20%", "50 orang", "2,18", "6,01", "1,06", "4,17", "0,27"):
        assert target in second
    assert "Nilai Laju Pertumbuhan PDRB per Tenaga Kerja" in second
    p03 = [" ".join(p.extract_text().split()) for p in PdfReader(by_code["P03"]).pages]
    assert len(p03) == 2 and "5 dokumen" in p03[1] and "SEKRETARIS" in p03[0]


def test_lampiran_row_heights_follow_word_wrap(cascade) -> None:
    """Row heights come from the one text-fit estimate (sheets/textfit.wrapped_lines, by words), so a
    text is never cut off in print. P12-1.1 "Jumlah Perusahaan yang menerapkan Norma Keselamatan dan
    Kesehatan Kerja" (71 characters) in the Indikator column (35 characters a line) wraps, by hand, as
    "Jumlah Perusahaan yang menerapkan" / "Norma Keselamatan dan Kesehatan" / "Kerja": 3 lines of 15 pt.
    Counting characters (71 / 36 = 2 lines) cut the last line off. Its sasaran spans two rows and needs
    no more than they have, so the row keeps its own height."""
    lay = pk_layout(cascade, "P12")
    text = "Jumlah Perusahaan yang menerapkan Norma Keselamatan dan Kesehatan Kerja"
    row = next(r for r, cells in enumerate(lay.cells, start=1) if getattr(cells[2], "value", None) == text)
    assert lay.heights[row] == 45
