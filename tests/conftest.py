"""Shared fixtures.

`small_cascade` is a hand-built cascade in the shape of the 2023 seed, small enough to check by eye: a root
(Kepala Dinas), an eselon-3 and an eselon-4 position, and indicators of every kind, with a grade target
("BB") and the IPK links of the seed (sub-indicator -> component -> IPK, roll-up "jumlah"). Texts and
targets are copied from ../shared/seed/cascading_2023.txt.
"""

from __future__ import annotations

import pytest

from xl_sakip.core.models import (
    Aggregation,
    Cascade,
    Indicator,
    Kind,
    Polarity,
    Position,
    RollUp,
    Settings,
)

OFFICE = "Dinas Tenaga Kerja dan Transmigrasi Daerah Provinsi Sulawesi Utara"
IPK_SASARAN = "Meningkatnya Pembangunan Ketenagakerjaan di Provinsi Sulawesi Utara"
LATPENTA_IPK_SASARAN = (
    "Meningkatnya Nilai Indikator Pelatihan dan Kompetensi Kerja dalam Indeks Pembangunan Ketenagakerjaan"
)


def make_small_cascade() -> Cascade:
    positions = [
        Position(code="P01", title="KEPALA DINAS", parent=None, eselon=2, order=0, source_line=8),
        Position(code="P02", title="KABID LATPENTA", parent="P01", eselon=3, order=1, source_line=44),
        Position(code="P03", title="Kepala Seksi Pelatihan dan Produktivitas Kerja", parent="P02", eselon=4,
                 order=2, source_line=60),
    ]
    indicators = [
        Indicator(
            id="P01-1.1", position="P01", sasaran_no=1, sasaran=IPK_SASARAN,
            indikator="Indeks Pembangunan Ketenagakerjaan", target=71.10, target_text="71,10",
            kind=Kind.INDEX, aggregation=Aggregation.LATEST, source_line=5,
        ),
        Indicator(
            id="P01-2.1", position="P01", sasaran_no=2,
            sasaran="Terbangunnya permukiman transmigrasi dalam kawasan transmigrasi sebagai tempat tinggal "
                    "dan tempat berusaha yg layak",
            indikator="Persentase Satuan Permukiman Transmigrasi yang dibangun dan dikembangkan",
            target=40.0, target_text="40%", satuan="%", kind=Kind.PERCENT, aggregation=Aggregation.LATEST,
            source_line=6,
        ),
        Indicator(
            id="P01-3.1", position="P01", sasaran_no=3,
            sasaran="Meningkatnya Kapasitas Tata Kelola Pemerintahan",
            indikator="Nilai SAKIP Dinas Tenaga Kerja dan Transmigrasi", target=None, target_text="BB",
            satuan="predikat", kind=Kind.GRADE, aggregation=Aggregation.LATEST, source_line=14,
        ),
        Indicator(
            id="P02-1.1", position="P02", sasaran_no=1,
            sasaran="Meningkatnya pelatihan produktivitas tenaga kerja",
            indikator="Jumlah PMI Purna yang dilatih kewirausahaan", target=50.0, target_text="50 orang",
            satuan="orang", kind=Kind.NUMBER, aggregation=Aggregation.SUM, source_line=48,
        ),
        Indicator(
            id="P02-2.1", position="P02", sasaran_no=2, sasaran=LATPENTA_IPK_SASARAN,
            indikator="- Nilai Tingkat Kapasitas Pelatihan Kerja", target=2.18, target_text="2,18",
            kind=Kind.INDEX, aggregation=Aggregation.LATEST, supports="P01-1.1", rollup=RollUp.SUM,
            source_line=49,
        ),
        Indicator(
            id="P02-2.2", position="P02", sasaran_no=2, sasaran=LATPENTA_IPK_SASARAN,
            indikator="- Nilai Tingkat Kelulusan Pelatihan Kerja", target=6.01, target_text="6,01",
            kind=Kind.INDEX, aggregation=Aggregation.LATEST, supports="P01-1.1", rollup=RollUp.SUM,
            source_line=50,
        ),
        Indicator(
            id="P03-1.1", position="P03", sasaran_no=1,
            sasaran="Peningkatan Produktivitas Tenaga Kerja",
            indikator="Jumlah perusahaan yang menerapkan program peningkatan produktivitas", target=200.0,
            target_text="200 perusahaan", satuan="perusahaan", kind=Kind.NUMBER, aggregation=Aggregation.SUM,
            supports="P02-1.1", rollup=RollUp.NONE, source_line=29,
        ),
        Indicator(
            id="P03-2.1", position="P03", sasaran_no=2,
            sasaran="Meningkatnya Kondisi Lingkungan Kerja",
            indikator="Tingkat Kecelakaan Kerja", target=5.0, target_upper=None, target_text="5%", satuan="%",
            kind=Kind.PERCENT, polarity=Polarity.LOWER_IS_BETTER, aggregation=Aggregation.RATIO,
            source_line=None,
        ),
    ]
    return Cascade(
        settings=Settings(office=OFFICE, year=2023, place="Manado"),
        positions=positions,
        indicators=indicators,
    )


@pytest.fixture
def small_cascade() -> Cascade:
    """A fresh copy for every test: tests may change it."""
    return make_small_cascade()


def force_openpyxl_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --write` as it goes for a package book/package_edit.py declines: loaded and saved whole
    through openpyxl (findings_sheet._write_by_openpyxl)."""
    from xl_sakip.book import findings_sheet, package_edit

    def declined(path: object) -> None:
        raise package_edit.Declined("forced by the test")

    monkeypatch.setattr(findings_sheet, "PackageEdit", declined)
