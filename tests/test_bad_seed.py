"""The importer's corpus of bad and odd documents (issue 7, item 1), through `xl-sakip import`.

Refused documents exit with code 2 and a message that names the file (and the line, when there is one) and
says what to do, never a traceback, and nothing is written. Odd documents are imported with every indicator
row kept, and each oddity is a note naming its line. Expected values are read off the corpus files by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_sakip.book.reader import read_master
from xl_sakip.cli import app
from xl_sakip.core.models import Kind, Polarity
from xl_sakip.importer import MAX_CELL_TEXT, Severity, parse_seed, read_seed

CORPUS = Path(__file__).parent / "corpus"
SEED = Path(__file__).parent / "data" / "cascading_2023.txt"
HEAD = "No\tSasaran Strategis\tIndikator Kinerja\tTarget"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages on one line, as in a wide terminal: rich would otherwise wrap them at 80 columns."""
    from xl_sakip import cli

    monkeypatch.setattr(cli.err, "width", 1000)
    monkeypatch.setattr(cli.out, "width", 1000)


def run_import(seed: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", str(seed), "-o", str(out)], catch_exceptions=False)
    return result.exit_code, " ".join((result.stdout + result.stderr).split())


# --- refused: exit 2, nothing written --------------------------------------------------------------------


REFUSED = [
    ("empty.txt", ("kosong", "Pilih berkas dokumen cascading")),
    ("whitespace_only.txt", ("kosong",)),
    ("binary.bin", ("berkas biner", "Simpan dokumen cascading sebagai teks")),
    ("no_header.txt", ("Tidak ada baris judul tabel", "salin tabel dari dokumen asli")),
    ("rows_before_header.txt", ("Baris 3", "Tambahkan baris judul")),
    ("header_only.txt", ("tidak ada baris indikator", "Tambahkan baris indikator")),
    ("tidak_ada.txt", ("tidak ditemukan", "Periksa nama dan foldernya")),
]


@pytest.mark.parametrize(("name", "words"), REFUSED)
def test_refused_documents(name: str, words: tuple[str, ...], tmp_path: Path) -> None:
    out = tmp_path / "hasil.xlsm"
    code, text = run_import(CORPUS / name, out)
    assert code == 2
    assert "Traceback" not in text
    assert text.startswith("Galat: Berkas ") and name in text
    for w in words:
        assert w in text
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_folder_instead_of_document(tmp_path: Path) -> None:
    code, text = run_import(tmp_path, tmp_path / "hasil.xlsm")
    assert code == 2 and "adalah folder, bukan berkas teks" in text


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    doc = tmp_path / "utf16.txt"
    text = "\n".join([HEAD, "1\tS\tJumlah dokumen\t12 dokumen", "", "KEPALA DINAS"])
    doc.write_bytes(text.encode("utf-16"))
    r = read_seed(doc)
    assert [(i.id, i.indikator, i.target, i.satuan) for i in r.cascade.indicators] == [
        ("P01-1.1", "Jumlah dokumen", 12, "dokumen")
    ]


def test_cell_longer_than_excel_allows_is_refused_with_its_line() -> None:
    text = "\n".join([HEAD, "1\tS\tI\t1 orang", "\tS\t" + "x" * (MAX_CELL_TEXT + 1) + "\t2 orang"])
    with pytest.raises(Exception) as info:
        parse_seed(text)
    assert info.value.exit_code == 2  # type: ignore[attr-defined]
    assert str(info.value).startswith("Baris 3: satu kolom berisi lebih dari 32.767 karakter")


# --- imported: every row comes out, each oddity names its line ------------------------------------------


def test_odd_targets_every_row_kept(tmp_path: Path) -> None:
    out = tmp_path / "hasil.xlsm"
    code, text = run_import(CORPUS / "odd_targets.txt", out)
    assert code == 0 and "Traceback" not in text
    assert "(1 jabatan, 13 indikator," in text
    inds = read_master(out).indicators
    got = [(i.id, i.target_text, i.target, i.target_upper, i.satuan, i.kind) for i in inds]
    P, N, X, G = Kind.PERCENT, Kind.NUMBER, Kind.INDEX, Kind.GRADE
    assert got == [  # by hand from odd_targets.txt, lines 4..16
        ("P01-1.1", "71,10", 71.10, None, None, X),
        ("P01-1.2", "8.96", 8.96, None, None, X),
        ("P01-1.3", "14.000 orang", 14000, None, "orang", N),
        ("P01-1.4", "70-80%", 70, 80, "%", P),
        ("P01-1.5", "70 s/d 80 %", 70, 80, "%", P),
        ("P01-1.6", "Rp 1.000.000", 1_000_000, None, "Rp", N),
        ("P01-1.7", "predikat bb", None, None, "predikat", G),
        ("P01-1.8", "\u22125%", -5, None, "%", P),
        ("P01-1.9", "14 000 orang", 14000, None, "orang", N),
        ("P01-1.10", "1,234.5 dokumen", 1234.5, None, "dokumen", N),
        ("P01-1.11", "5 Kab/Kota", 5, None, "Kab/Kota", N),
        ("P01-1.12", "\u2265 80%", None, None, None, P),  # not read: kept as written, with an error note
        ("P01-1.13", "", None, None, None, N),  # empty: kept, with an error note
    ]
    assert inds[3].polarity is Polarity.RANGE
    notes = read_seed(CORPUS / "odd_targets.txt").problems
    # 8.96 and 1,234.5 are English forms (warnings); ≥ 80% and the empty target are errors.
    assert [(p.line, p.severity) for p in notes] == [
        (5, Severity.WARNING), (13, Severity.WARNING), (15, Severity.ERROR), (16, Severity.ERROR),
    ]


def test_duplicate_titles_and_title_without_table(tmp_path: Path) -> None:
    out = tmp_path / "hasil.xlsm"
    code, text = run_import(CORPUS / "duplicate_titles.txt", out)
    assert code == 0
    c = read_master(out)
    assert [(p.code, p.title, p.parent) for p in c.positions] == [
        ("P01", "KEPALA DINAS", None),
        ("P02", "SEKRETARIS", "P01"),
        ("P03", "Kepala Sub Bagian Tata Usaha", "P02"),
        ("P04", "Kepala UPTD Balai Pelatihan", "P01"),
        ("P05", "Kepala Sub Bagian Tata Usaha", "P04"),  # same title, other parent: another position
    ]
    assert [i.id for i in c.indicators] == ["P01-1.1", "P02-1.1", "P03-1.1", "P04-1.1", "P05-1.1"]
    assert "baris 28:" in text and "«KEPALA BIDANG TANPA TABEL» di luar tabel" in text


@pytest.mark.parametrize("newline", ["\r\n", "\r", "mixed"])
def test_line_ends_do_not_change_the_cascade(newline: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    lines = text.split("\n")
    if newline == "mixed":
        ends = ["\r\n" if k % 3 == 0 else "\r" if k % 3 == 1 else "\n" for k in range(len(lines))]
        for k in range(1, len(lines)):
            if ends[k - 1] == "\r" and not lines[k] and ends[k] == "\n":
                ends[k] = "\r\n"  # "\r" then "\n" would be one line end, as in any text editor
        odd = "".join(line + end for line, end in zip(lines, ends, strict=True))
    else:
        odd = newline.join(lines)
    a, b = parse_seed(text), parse_seed(odd)
    assert b.cascade == a.cascade
    assert [(p.line, p.message) for p in b.problems] == [(p.line, p.message) for p in a.problems]


def test_twenty_thousand_rows() -> None:
    """20 000 indicator rows in 200 tables of 100: all come out, with IDs by hand from the numbering."""
    parts = ["**CASCADING DINAS BESAR TAHUN 2024**", ""]
    for t in range(200):
        parts.append(HEAD)
        for s in range(1, 21):
            for k in range(5):
                number, sasaran = (str(s), f"Sasaran {s}") if k == 0 else ("", "")
                parts.append(f"{number}\t{sasaran}\tIndikator {t}-{s}-{k}\t{k + 1}.000 orang")
        parts += ["", "KEPALA DINAS" if t == 0 else f"Kepala Seksi {t}", ""]
    r = parse_seed("\n".join(parts))
    inds = r.cascade.indicators
    assert len(inds) == 20_000 and len(r.cascade.positions) == 200
    last = inds[-1]
    assert (last.id, last.indikator, last.target) == ("P200-20.5", "Indikator 199-20-4", 5000)
    assert len({i.id for i in inds}) == 20_000
    # Kasi without an eselon-III position before them: each gets one note naming its title line.
    assert all(p.severity is Severity.WARNING for p in r.problems)
