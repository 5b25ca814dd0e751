"""Default reference data, written into a new master workbook where the office can edit it.

These are *defaults only*: once a workbook exists, the engine reads the reference sheets, never these
constants. Sources and doubts are in ../shared/domain.md and docs/domain.md.
"""

from __future__ import annotations

from xl_sakip.core.models import Band, Grade, IpkComponent, IpkStatus, Reference

# Permendagri 86/2017 practice: 91–100 Sangat Tinggi, 76–90 Tinggi, 66–75 Sedang, 51–65 Rendah, ≤ 50
# Sangat Rendah. Bands are (lower, upper] so that fractional capaian (90,5) fall in exactly one band.
DEFAULT_BANDS = [
    Band(label="Sangat Rendah", lower=None, upper=50),
    Band(label="Rendah", lower=50, upper=65),
    Band(label="Sedang", lower=65, upper=75),
    Band(label="Tinggi", lower=75, upper=90),
    Band(label="Sangat Tinggi", lower=90, upper=100),
]

# Ordinal scores: no official rule found; AKSARA e-SAKIP scores grades ordinally (WDP 3 / WTP 4 = 75 %).
DEFAULT_GRADES = [
    Grade(scale="SAKIP", code=code, score=score, description=desc)
    for code, score, desc in [
        ("AA", 7, "> 90–100 (PermenPANRB 88/2021)"),
        ("A", 6, "> 80–90"),
        ("BB", 5, "> 70–80"),
        ("B", 4, "> 60–70"),
        ("CC", 3, "> 50–60"),
        ("C", 2, "> 30–50"),
        ("D", 1, "0–30"),
    ]
] + [
    Grade(scale="Opini BPK", code=code, score=score, description=desc)
    for code, score, desc in [
        ("WTP", 4, "Wajar Tanpa Pengecualian"),
        ("WDP", 3, "Wajar Dengan Pengecualian"),
        ("TW", 2, "Tidak Wajar"),
        ("TMP", 1, "Tidak Menyatakan Pendapat"),
    ]
]

# Kepmenaker 206/2017. Maximum values: Penduduk dan Tenaga Kerja 10 and Jaminan Sosial 10 are confirmed;
# the rest is a provisional set that fits every target of the 2023 seed (domain.md).
DEFAULT_IPK_COMPONENTS = [
    IpkComponent(no=1, name="Perencanaan Tenaga Kerja", max_value=10),
    IpkComponent(no=2, name="Penduduk dan Tenaga Kerja", max_value=10, provisional=False, sub_indicators=[
        "Tingkat Partisipasi Angkatan Kerja Muda",
        "Tingkat Pekerja Anak",
        "Tingkat Pengangguran Terbuka",
    ]),
    IpkComponent(no=3, name="Kesempatan Kerja", max_value=15),
    IpkComponent(no=4, name="Pelatihan dan Kompetensi Kerja", max_value=15, sub_indicators=[
        "Tingkat Kapasitas Pelatihan Kerja",
        "Tingkat Kelulusan Pelatihan Kerja",
        "Tingkat Lembaga Latihan yang Terakreditasi",
    ]),
    IpkComponent(no=5, name="Produktivitas Tenaga Kerja", max_value=10, sub_indicators=[
        "Tingkat Produktivitas Tenaga Kerja",
        "Laju Pertumbuhan PDRB per Tenaga Kerja",
    ]),
    IpkComponent(no=6, name="Hubungan Industrial", max_value=10, sub_indicators=[
        "Tingkat PP yang Disahkan",
        "Tingkat PKB yang di Daftarkan",
        "Tingkat LKS Bipartit di Perusahaan",
    ]),
    IpkComponent(no=7, name="Kondisi Lingkungan Kerja", max_value=10, sub_indicators=[
        "Tingkat Kepatuhan Wajib Laporan Ketenagakerjaan dalam Perusahaan",
        "Tingkat Penerapan SMK3 di Perusahaan",
        "Tingkat Kecelakaan Kerja",
    ]),
    IpkComponent(no=8, name="Pengupahan dan Kesejahteraan Pekerja", max_value=10, sub_indicators=[
        "Proporsi Upah Rata-Rata Per jam terhadap UMP per Jam",
    ]),
    IpkComponent(no=9, name="Jaminan Sosial Tenaga Kerja", max_value=10, provisional=False, sub_indicators=[
        "Tingkat Perusahaan Yang menjadi Peserta BPJS Ketenagakerjaan",
        "Tingkat Pekerja Penerima Upah dan Pekerja Bukan Penerima Upah yang terdaftar sebagai Peserta BPJS"
        " Ketenagakerjaan Aktif",
    ]),
]

# Only "Menengah Atas above 66,00" is confirmed; 50 and 80 are a guess by analogy with the HDI.
DEFAULT_IPK_STATUSES = [
    IpkStatus(label="Rendah", lower=0),
    IpkStatus(label="Menengah Bawah", lower=50),
    IpkStatus(label="Menengah Atas", lower=66, confirmed=True),
    IpkStatus(label="Tinggi", lower=80),
]


def default_reference() -> Reference:
    return Reference(
        bands=[b.model_copy() for b in DEFAULT_BANDS],
        grades=[g.model_copy() for g in DEFAULT_GRADES],
        ipk_components=[c.model_copy(deep=True) for c in DEFAULT_IPK_COMPONENTS],
        ipk_statuses=[s.model_copy() for s in DEFAULT_IPK_STATUSES],
    )
