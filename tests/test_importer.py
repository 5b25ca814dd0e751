"""The seed importer against values worked out by hand from tests/data/cascading_2023.txt.

Line numbers are those of the file (1-based), as an editor shows them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Polarity, RollUp
from xl_sakip.errors import SeedError
from xl_sakip.importer import ImportResult, Severity, parse_seed, read_seed

HERE = Path(__file__).parent
SEED = HERE / "data" / "cascading_2023.txt"
CORPUS = HERE / "corpus"

# code: (title as written, parent, eselon, line of the title, number of indicators counted in the seed)
POSITIONS = {
    "P01": ("KEPALA DINAS", None, 2, 9, 2),
    "P02": ("SEKRETARIS", "P01", 3, 19, 6),
    "P03": ("Kasubag Umum", "P02", 4, 29, 9),
    "P04": ("KABID LATPENTA", "P01", 3, 43, 6),
    "P05": ("Kepala Seksi Pelatihan dan Produktivitas Kerja", "P04", 4, 54, 7),
    "P06": ("Kepala Seksi Penempatan Tenaga Kerja Dalam Negeri dan Penggunaan Tenaga Kerja Asing", "P04", 4,
            59, 2),
    "P07": ("KABID HI DAN JAMSOS", "P01", 3, 71, 5),
    "P08": ("Kepala Seksi Pengupahan dan Jaminan Sosial Tenaga Kerja", "P07", 4, 81, 6),
    "P09": ("Kepala Seksi Persyaratan Kerja", "P07", 4, 86, 6),
    "P10": ("KABID PENGAWASAN KETENAGAKERJAAN", "P01", 3, 100, 3),
    "P11": ("Kepala Seksi Pengawasan Norma Kerja, Jaminan Sosial, Perempuan dan Anak", "P10", 4, 111, 6),
    "P12": ("Kepala Seksi Pengawasan Norma Keselamatan dan Kesehatan Kerja", "P10", 4, 119, 4),
    "P13": ("KABID KETRANSMIGRASIAN", "P01", 3, 126, 3),
    "P14": ("Kepala UPTD Balai Pelatihan Tenaga Kerja", "P01", 3, 134, 4),
    "P15": ("Kepala Sub Bagian Tata Usaha", "P14", 4, 144, 7),
    "P16": ("Kepala Seksi Pelatihan Tenaga Kerja", "P14", 4, 153, 2),
    "P17": ("Kepala Seksi Pengembangan Mutu dan Sertifikasi Pelatihan", "P14", 4, 160, 3),
    "P18": ("Kepala UPTD Balai Pengawasan Tenaga Kerja", "P01", 3, 167, 3),
    "P19": ("Kepala Sub Bagian Tata Usaha", "P18", 4, 177, 7),
    "P20": ("Kepala Seksi Pemeriksaan Pengaduan dan Pelaporan Tenaga Kerja", "P18", 4, 185, 1),
    "P21": ("Kepala Seksi Hiperkes", "P18", 4, 191, 2),
}

# id: (line, sasaran_no, sasaran, indikator, target_text, target, satuan, kind, aggregation)
P = Kind.PERCENT, Aggregation.LATEST
N = Kind.NUMBER, Aggregation.SUM
X = Kind.INDEX, Aggregation.LATEST
G = Kind.GRADE, Aggregation.LATEST
ROWS = {
    "P01-1.1": (6, 1, "Meningkatnya Pembangunan Ketenagakerjaan di Provinsi Sulawesi Utara",
                "Indeks Pembangunan Ketenagakerjaan", "71,10", 71.10, None, *X),
    "P01-2.1": (7, 2, "Terbangunnya permukiman transmigrasi dalam kawasan transmigrasi sebagai tempat "
                "tinggal dan tempat berusaha yg layak",
                "Persentase Satuan Permukiman Transmigrasi yang dibangun dan dikembangkan", "40%", 40, "%",
                *P),
    "P02-1.1": (12, 1, "Meningkatnya Kapasitas Tata Kelola Pemerintahan",
                "Persentase kepuasan pegawai atas pelayanan kesekretariatan", "86%", 86, "%", *P),
    # an empty-number row keeps the sasaran of the numbered row above; a grade target
    "P02-1.4": (15, 1, "Meningkatnya Kapasitas Tata Kelola Pemerintahan",
                "Nilai SAKIP Dinas Tenaga Kerja dan Transmigrasi", "BB", None, "predikat", *G),
    "P02-1.5": (16, 1, "Meningkatnya Kapasitas Tata Kelola Pemerintahan",
                "Persentase terlaksananya Program Penunjang Urusan Pemerintah Daerah", "95%", 95, "%", *P),
    "P02-2.1": (17, 2, "Meningkatnya Indeks Pembangunan Ketenagakerjaan",
                "Nilai Indikator Perencanaan Tenaga Kerja", "8.96", 8.96, None, *X),
    "P03-1.1": (22, 1, "Terpenuhinya Administrasi Umum Perangkat Daerah",
                "Persentase Kehadiran dalam Acara yang diundang", "95%", 95, "%", *P),
    "P03-5.1": (26, 5, "Tersedianya Jasa Penunjang Urusan Pemerintahan Daerah",
                "Rata- rata Presentase Kinerja ASN Disnakertrans Prov. Sulut", "95%", 95, "%", *P),
    # rows 7-9 after the title "Kasubag Umum" continue its table
    "P03-7.1": (31, 7, "Terlaksananya Pengadaan Barang Milik Daerah Penunjang Urusan Pemerintah Daerah",
                "Persentase Realisasi Pengadaan", "100%", 100, "%", *P),
    "P03-8.1": (32, 8, "Terlaksananya Perencanaan, Penganggaran dan Evaluasi Kinerja Perangkat Daerah",
                "Persentase keterpaduan Perencanaan, Penganggaran dan Evaluasi Kinerja", "100%", 100, "%",
                *P),
    "P03-9.1": (33, 9, "Terlaksananya Penyusunan Tenaga Kerja (RTK)",
                "Jumlah Dokumen perencanaan tenaga kerja provinsi", "5 dokumen", 5, "dokumen", *N),
    "P04-1.1": (36, 1, "Peningkatan Produktivitas Tenaga Kerja",
                "Jumlah perusahaan yang menerapkan program peningkatan produktivitas", "200 perusahaan", 200,
                "perusahaan", *N),
    "P04-3.1": (38, 3, "Meningkatnya Indeks Pembangunan Ketenagakerjaan",
                "- Nilai Penduduk dan Tenaga Kerja", "5,90", 5.90, None, *X),
    "P04-3.4": (41, 3, "Meningkatnya Indeks Pembangunan Ketenagakerjaan",
                "- Nilai Produktivitas Tenaga Kerja", "4,42", 4.42, None, *X),
    "P05-4.2": (52, 4, "Meningkatnya Nilai Indikator Produktivitas Tenaga Kerja dalam Indeks Pembangunan "
                "Ketenagakerjaan", "- Nilai Laju Pertumbuhan PDRB per Tenaga Kerja", "0,27", 0.27, None, *X),
    # the sasaran cell split by a page break: "...Pameran Bursa" + "Kerja", joined with one space
    "P06-1.1": (57, 1, "Meningkatnya pencari kerja yang ditempatkan melalui Pameran Bursa Kerja",
                "- Jumlah lowongan pekerjaan yang tersedia dalam suatu wilayah provinsi", "1000 lowongan",
                1000, "lowongan", *N),
    "P06-1.2": (61, 1, "Meningkatnya pencari kerja yang ditempatkan melalui Pameran Bursa Kerja",
                "- Jumlah pencari kerja yang terdaftar yang ditempatkan dalam event job fair", "600 orang",
                600, "orang", *N),
    "P07-2.3": (69, 2, "Meningkatnya Indeks Pembangunan Ketenagakerjaan",
                "- Nilai Indikator Jaminan Sosial Tenaga Kerja", "10,00", 10.0, None, *X),
    "P08-1.1": (74, 1, "Meningkatnya Kabupaten/Kota yang menerapkan UMK sesuai peraturan perundangan",
                "Jumlah Kabupten/Kota yang menetapkan UMK sesuai dengan peraturan perundangan", "1 Kab/Kota",
                1, "Kab/Kota", *N),
    "P08-5.2": (79, 5, "Meningkatnya Nilai Indikator Jaminan Sosial Tenaga Kerja dalam Indeks Pembangunan "
                "Ketenagakerjaan", "- NilaiTingkat Pekerja Penerima Upah dan Pekerja Bukan Penerima Upah "
                "yang terdaftar sebagai Peserta BPJS Ketenagakerjaan Aktif", "6,00", 6.0, None, *X),
    # P09: an empty table (header + separator) before the title, rows 1-4 after it
    "P09-1.1": (88, 1, "Verifikasi dan Rekapitulasi Keanggotaan pada Organisasi Pengusaha, Federasi dan "
                "Konfederasi Serikat Pekerja/Serikat Buruh serta Non Afiliasi", "Rekapitulasi Tahunan Jumlah "
                "Anggota Serikat Pekerja/Serikat Buruh di perusahaan", "14.000 orang", 14000, "orang", *N),
    "P09-4.1": (91, 4, "Meningkatnya perusahaan yang memahami dan memiliki LKS Bipartit",
                "- Nilai Tingkat PP yang Disahkan", "0,18", 0.18, None, *X),
    "P09-4.2": (92, 4, "Meningkatnya perusahaan yang memahami dan memiliki LKS Bipartit",
                "- Nilai Tingkat PKB yang di Daftarkan", "0,15", 0.15, None, *X),
    "P09-4.3": (93, 4, "Meningkatnya perusahaan yang memahami dan memiliki LKS Bipartit",
                "- Nilai Tingkat LKS Bipartit di Perusahaan", "0,16", 0.16, None, *X),
    "P10-1.2": (97, 1, "Peningkatan perlindungan tenaga kerja, menciptakan rasa keadilan dalam dunia usaha "
                "dan pengembangan sistem pengawasan ketenagakerjaan", "Persentase Pelimpahan Kasus "
                "Ketenagakerjaan yang diselesaikan tidak sampai tahap penvidikan", "100%", 100, "%", *P),
    "P11-1.1": (104, 1, "Meningkatnya Kepatuhan Badan Usaha/Perusahaan terhadap Norma Kerja, Jamsos, "
                "Perempuan dan Anak",
                "Jumlah Perusahaan yang mendaftarkan Wajib Laporan Ketenagakerjaan Perusahaan (WLKP) online;",
                "3150 perusahaan", 3150, "perusahaan", *N),
    "P12-2.2": (117, 2, "Meningkatnya Nilai Indikator Kondisi Lingkungan Kerja dalam Indeks Pembangunan",
                "-Nilai Tingkat Kecelakaan Kerja", "2,87", 2.87, None, *X),
    "P13-1.3": (124, 1, "Tersedianya lokasi permukiman transmigrasi yang layak huni, layak berkembang dan "
                "layak lingkungan", "Rekapitulasi Sertifikat Tanah Transmigrasi yang diterbitkan",
                "388 Sertifikat", 388, "Sertifikat", *N),
    "P14-1.1": (129, 1, "Meningkatnya kualitas lembaga pelatihan, Kompetensi Tenaga Kerja, Mutu Manajemen "
                "dan Pelayanan Administasi serta Institusi Lembaga", "Persentase tenaga kerja bersertifikat "
                "kompetensi BNSP", "65%", 65, "%", *P),
    "P15-1.1": (137, 1, "Meningkatnya Pelayanan terhadap kebutuhan administrasi umum, kepegawaian, keuangan "
                "dan barang dan jasa", "- Penyerapan Anggaran", "95%", 95, "%", *P),
    "P15-4.1": (146, 4, "Tersedianya laporan capaian kinerja dan keuangan yang akuntabel dan tepat waktu",
                "Persentase laporan kinerja dan keuangan yang disusun akuntabel dan tepat waktu", "100%", 100,
                "%", *P),
    "P16-2.1": (151, 2, "Mengembangkan Pengkajian Pelatihan Penerapan dan Bimbingan kerja", "Jumlah "
                "Kabupaten/Kota yang mendapatkan Pelatihan Penerapan dan Bimbingan kerja", "5 Kab/Kota", 5,
                "Kab/Kota", *N),
    "P17-2.1": (157, 2, "Melaksanakan Sertifikasi Instruktur", "Tersertifikasinya Instruktur", "1 Orang", 1,
                "Orang", *N),
    "P19-3.1": (175, 3, "Terlaksananya Pengadaan Barang Milik Daerah Penunjang Urusan Pemerintah Daerah",
                "Persentase Realisasi Pengadaan", "100%", 100, "%", *P),
    "P19-4.1": (179, 4, "Tersedianya laporan capaian kinerja dan keuangan yang akuntabel dan tepat waktu",
                "Persentase laporan kinerja dan keuangan yang disusun akuntabel dan tepat waktu", "100%", 100,
                "%", *P),
    "P21-2.1": (189, 2, "Meningkatnya derajat kesehatan tenaga kerja di perusahaan",
                "Jumlah tenaga kerja di perusahaan yang diperiksa derajat kesehatannya", "500 orang", 500,
                "orang", *N),
}


@pytest.fixture(scope="module")
def result() -> ImportResult:
    return read_seed(SEED)


@pytest.fixture(scope="module")
def cascade(result: ImportResult) -> Cascade:
    return result.cascade


def _by_id(c: Cascade) -> dict[str, Indicator]:
    return {i.id: i for i in c.indicators}


def test_settings_from_document_title(cascade: Cascade) -> None:
    assert cascade.settings.office == "DINAS TENAGA KERJA DAN TRANSMIGRASI DAERAH PROVINSI SULAWESI UTARA"
    assert cascade.settings.year == 2023


def test_positions_tree(cascade: Cascade) -> None:
    got = {p.code: (p.title, p.parent, p.eselon, p.source_line) for p in cascade.positions}
    assert got == {code: v[:4] for code, v in POSITIONS.items()}
    assert [p.order for p in cascade.positions] == list(range(1, 22))


def test_same_title_different_parents(cascade: Cascade) -> None:
    tu = [p for p in cascade.positions if p.title == "Kepala Sub Bagian Tata Usaha"]
    assert [(p.code, p.parent) for p in tu] == [("P15", "P14"), ("P19", "P18")]


def test_indicator_counts_per_position(cascade: Cascade) -> None:
    counts = {code: len(cascade.indicators_of(code)) for code in POSITIONS}
    assert counts == {code: v[4] for code, v in POSITIONS.items()}
    assert len(cascade.indicators) == 94


def test_indicator_ids_follow_sasaran_numbers(cascade: Cascade) -> None:
    ids = [i.id for i in cascade.indicators_of("P03")]
    assert ids == [f"P03-{n}.1" for n in range(1, 10)]
    assert [i.id for i in cascade.indicators_of("P02")] == [*(f"P02-1.{k}" for k in range(1, 6)), "P02-2.1"]
    assert [i.id for i in cascade.indicators_of("P05")] == [
        "P05-1.1", "P05-2.1", "P05-3.1", "P05-3.2", "P05-3.3", "P05-4.1", "P05-4.2"]
    assert len({i.id for i in cascade.indicators}) == 94


@pytest.mark.parametrize("iid", list(ROWS))
def test_rows(cascade: Cascade, iid: str) -> None:
    line, no, sasaran, indikator, text, target, satuan, kind, aggregation = ROWS[iid]
    ind = _by_id(cascade)[iid]
    assert ind.position == iid[:3]
    assert ind.source_line == line
    assert ind.sasaran_no == no
    assert ind.sasaran == sasaran
    assert ind.indikator == indikator
    assert ind.target_text == text
    assert ind.target == (pytest.approx(target) if target is not None else None)
    assert ind.target_upper is None
    assert ind.satuan == satuan
    assert ind.kind is kind
    assert ind.aggregation is aggregation
    assert ind.polarity is Polarity.HIGHER_IS_BETTER


def test_grade_target(cascade: Cascade) -> None:
    assert _by_id(cascade)["P02-1.4"].target_grade == "BB"


def test_links_present(cascade: Cascade) -> None:
    by_id = _by_id(cascade)  # the full table of links is in test_linking.py
    assert (by_id["P09-4.2"].supports, by_id["P09-4.2"].rollup) == ("P07-2.1", RollUp.SUM)
    assert (by_id["P02-2.1"].supports, by_id["P02-2.1"].rollup) == ("P01-1.1", RollUp.SUM)
    assert by_id["P02-1.4"].supports is None


def test_seed_problems(result: ImportResult) -> None:
    # 8.96 is ambiguous (line 17); the split sasaran of P06 is joined (line 61); nothing else.
    got = [(p.line, p.severity, p.indicator_id) for p in result.problems]
    assert got == [(17, Severity.WARNING, "P02-2.1"), (61, Severity.INFO, None)]
    assert "8.96" in result.problems[0].message
    assert "Pameran Bursa Kerja" in result.problems[1].message


def test_crlf_and_bom_read_the_same(tmp_path: Path, cascade: Cascade) -> None:
    f = tmp_path / "seed.txt"
    f.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    assert read_seed(f).cascade == cascade


# --- quirks on small documents ------------------------------------------------------------------------

HEAD = "No\tSasaran Strategis\tIndikator Kinerja\tTarget"


def test_title_split_over_lines_and_stray_text() -> None:
    text = "\n".join([
        HEAD, "1\tS\tI\t5 orang", "", "**KEPALA**  ", "DINAS", "", "Catatan kaki", "",
        HEAD, "1.\tS2\tI2\t10%\t\t", "", "➔ KABID   UMUM",
    ])
    r = parse_seed(text)
    assert [(p.code, p.title, p.source_line) for p in r.cascade.positions] == [
        ("P01", "KEPALA DINAS", 4), ("P02", "KABID   UMUM", 12)]
    assert [(p.line, p.severity) for p in r.problems] == [
        (0, Severity.WARNING),  # no document title
        (7, Severity.WARNING),  # "Catatan kaki" is outside any table
    ]
    assert r.cascade.indicators[1].id == "P02-1.1" and r.cascade.indicators[1].target == 10


def test_table_without_title_and_odd_positions() -> None:
    text = "\n".join([
        HEAD, "1\tS\tI\t1", "", "Kepala Dinas", "",
        HEAD, "1\tS\tI\t1", "", "Kepala Seksi Tanpa Bidang", "",
        HEAD, "1\tS\tI\t1", "", "Staf Ahli", "",
        HEAD, "1\tS\tI\t1",
    ])
    r = parse_seed(text)
    pos = [(p.code, p.title, p.parent, p.eselon) for p in r.cascade.positions]
    assert pos == [
        ("P01", "Kepala Dinas", None, 2),
        ("P02", "Kepala Seksi Tanpa Bidang", "P01", 4),  # no eselon III before it
        ("P03", "Staf Ahli", "P01", None),  # not a known kind of position
        ("P04", "Tanpa judul (tabel baris 16)", "P01", None),
    ]
    sev = {(p.line, p.severity) for p in r.problems}
    assert {(9, Severity.WARNING), (14, Severity.WARNING), (16, Severity.ERROR)} <= sev


def test_bad_targets_are_kept_and_reported() -> None:
    r = read_seed(CORPUS / "bad_targets.txt")
    by_id = _by_id(r.cascade)
    assert list(by_id) == ["P01-1.1", "P01-1.2", "P01-2.1", "P01-2.2"]
    assert by_id["P01-1.1"].target is None
    assert by_id["P01-1.1"].target_text == "sembilan puluh persen"
    assert by_id["P01-1.2"].indikator == "=SUM(A1:A2) jumlah laporan"  # text is data, kept as written
    assert by_id["P01-1.2"].target_text == ""
    assert by_id["P01-2.1"].target == pytest.approx(1.5)
    assert by_id["P01-2.2"].target is None and by_id["P01-2.2"].target_text == "XX"
    got = [(p.line, p.severity, p.indicator_id) for p in r.problems]
    assert got == [
        (4, Severity.ERROR, "P01-1.1"),
        (5, Severity.ERROR, "P01-1.2"),
        (6, Severity.WARNING, "P01-2.1"),
        (7, Severity.ERROR, "P01-2.2"),
    ]


def test_cp1252_file_is_read_with_a_warning() -> None:
    r = read_seed(CORPUS / "cp1252.txt")
    ind = r.cascade.indicators[0]
    assert ind.indikator == "Persentase kepuasan \u2013 survei caf\u00e9"
    assert (ind.target, ind.target_upper, ind.satuan) == (70, 80, "%")
    assert ind.polarity is Polarity.RANGE
    assert r.cascade.settings.office == "DINAS CONTOH" and r.cascade.settings.year == 2024
    assert [(p.line, p.severity) for p in r.problems] == [(4, Severity.WARNING)]
    assert "Windows-1252" in r.problems[0].message


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.txt", "kosong"),
        ("whitespace_only.txt", "kosong"),
        ("binary.bin", "biner"),
        ("no_header.txt", "Tidak ada baris judul tabel"),
        ("rows_before_header.txt", "Baris 3"),
        ("header_only.txt", "tidak ada baris indikator"),
        ("does_not_exist.txt", "tidak ditemukan"),
    ],
)
def test_bad_files_raise_seed_error(name: str, words: str) -> None:
    with pytest.raises(SeedError) as e:
        read_seed(CORPUS / name)
    assert e.value.exit_code == 2
    assert words in e.value.message
    assert name in e.value.message  # names the file


def test_bad_text_raises_seed_error() -> None:
    with pytest.raises(SeedError):
        parse_seed("")
    with pytest.raises(SeedError):
        parse_seed("\r\n  \n")


def test_zip_document_is_binary(tmp_path: Path) -> None:
    f = tmp_path / "cascading.docx"
    f.write_bytes(b"PK\x03\x04" + b"word/document.xml" * 3)
    with pytest.raises(SeedError, match="biner"):
        read_seed(f)


def test_odd_rows_are_kept_and_reported() -> None:
    text = "\n".join([
        HEAD,
        "\tS0\tI0\t1 orang",  # before any numbered row: sasaran 0
        "1)\tS1\tI1\t2 orang",
        "\tI2\t3 orang",  # 3 cells, the first (sasaran continuation) empty
        "I3\t4 orang",  # 2 cells
        "1\tS1b\tI4\t5\torang\textra",  # number used again; 6 cells
        "a\t\tI5\t6 orang",  # not a number
        "", "KEPALA DINAS",
    ])
    r = parse_seed(text)
    got = [(i.id, i.sasaran, i.indikator, i.target_text, i.target) for i in r.cascade.indicators]
    assert got == [
        ("P01-0.1", "S0", "I0", "1 orang", 1),
        ("P01-1.1", "S1", "I1", "2 orang", 2),
        ("P01-1.2", "S1", "I2", "3 orang", 3),
        ("P01-1.3", "S1", "I3", "4 orang", 4),
        ("P01-1.4", "S1b", "I4", "5 orang extra", 5),  # satuan "orang extra"
        ("P01-1.5", "S1b", "I5", "6 orang", 6),
    ]
    got = [(p.line, p.severity) for p in r.problems if p.line]
    assert got == [
        (2, Severity.ERROR),  # row before a numbered sasaran
        (2, Severity.INFO),  # its sasaran text "S0" taken as a continuation
        (5, Severity.WARNING),  # 2 cells
        (6, Severity.ERROR),  # 6 cells
        (6, Severity.ERROR),  # sasaran 1 again
        (7, Severity.ERROR),  # "a" is not a number
    ]
