"""IPK links (domain.md, IPK roll-up): which IPK value supports which. Expectations written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_sakip.core.linking import find_component, is_ipk_value, link_ipk
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp
from xl_sakip.core.reference import default_reference
from xl_sakip.importer import parse_seed

SEED = Path(__file__).parent / "data" / "cascading_2023.txt"
IPK = "P01-1.1"

# From the team brief and a reading of the seed: component values of eselon-III positions support the IPK
# (P01-1.1); Kasi sub-indicator values support the same component one level up.
EXPECTED_LINKS = {
    "P02-2.1": IPK,  # Perencanaan Tenaga Kerja 8.96
    "P04-3.1": IPK, "P04-3.2": IPK, "P04-3.3": IPK, "P04-3.4": IPK,
    "P07-2.1": IPK, "P07-2.2": IPK, "P07-2.3": IPK,
    "P10-2.1": IPK,
    "P05-3.1": "P04-3.3", "P05-3.2": "P04-3.3", "P05-3.3": "P04-3.3",  # Pelatihan dan Kompetensi Kerja
    "P05-4.1": "P04-3.4", "P05-4.2": "P04-3.4",  # Produktivitas Tenaga Kerja
    "P08-4.1": "P07-2.2",  # Pengupahan
    "P08-5.1": "P07-2.3", "P08-5.2": "P07-2.3",  # Jaminan Sosial ("NilaiTingkat" without a space)
    "P09-4.1": "P07-2.1", "P09-4.2": "P07-2.1", "P09-4.3": "P07-2.1",  # Hubungan Industrial, by sub names
    "P11-2.1": "P10-2.1",
    "P12-2.1": "P10-2.1", "P12-2.2": "P10-2.1",  # "-Nilai Tingkat Kecelakaan Kerja" without a space
}


@pytest.fixture(scope="module")
def seed() -> Cascade:
    return parse_seed(SEED.read_text(encoding="utf-8")).cascade


def test_seed_links_exactly(seed: Cascade) -> None:
    links = {i.id: i.supports for i in seed.indicators if i.supports}
    assert links == EXPECTED_LINKS  # and no other indicator gets a numeric link


def test_seed_linked_are_sum_index_latest(seed: Cascade) -> None:
    by_id = {i.id: i for i in seed.indicators}
    for iid in [*EXPECTED_LINKS, IPK]:
        ind = by_id[iid]
        assert ind.kind is Kind.INDEX, iid
        assert ind.aggregation is Aggregation.LATEST, iid
    for iid in EXPECTED_LINKS:
        assert by_id[iid].rollup is RollUp.SUM, iid
    others = [i for i in seed.indicators if i.id not in EXPECTED_LINKS]
    assert all(i.rollup is RollUp.NONE for i in others)


def test_seed_grade_nilai_is_not_an_ipk_value(seed: Cascade) -> None:
    sakip = next(i for i in seed.indicators if i.id == "P02-1.4")
    assert sakip.indikator == "Nilai SAKIP Dinas Tenaga Kerja dan Transmigrasi"
    assert not is_ipk_value(sakip)
    assert sakip.supports is None


# --- the rules on small cascades ----------------------------------------------------------------------


def _ind(iid: str, pos: str, indikator: str, sasaran: str = "Meningkatnya IPK", kind: Kind = Kind.INDEX):
    return Indicator(id=iid, position=pos, indikator=indikator, sasaran=sasaran, kind=kind)


def _cascade(indicators: list[Indicator]) -> Cascade:
    return Cascade(
        positions=[
            Position(code="A", title="KEPALA DINAS", order=1),
            Position(code="B", title="KABID X", parent="A", eselon=3, order=2),
            Position(code="C", title="Kepala Seksi Y", parent="B", eselon=4, order=3),
        ],
        indicators=indicators,
    )


def test_component_from_sasaran_when_text_names_none() -> None:
    comps = default_reference().ipk_components
    ind = _ind("C-1.1", "C", "Nilai Sub Baru", "Meningkatnya Nilai Indikator Hubungan Industrial dalam IPK")
    assert find_component(ind, comps) == {6}


def test_component_by_sub_name_normalised() -> None:
    comps = default_reference().ipk_components
    ind = _ind("C-1.1", "C", "- NILAI  tingkat-pkb yang di daftarkan", "Meningkatnya sesuatu")
    assert find_component(ind, comps) == {6}  # Hubungan Industrial


def test_unknown_component_is_a_note_not_a_guess() -> None:
    c = _cascade([
        _ind("A-1.1", "A", "Indeks Pembangunan Ketenagakerjaan"),
        _ind("B-1.1", "B", "Nilai Indikator Sesuatu Yang Lain", "Meningkatnya sesuatu"),
    ])
    notes = link_ipk(c)
    assert c.indicators[1].supports is None
    assert [n.indicator_id for n in notes] == ["B-1.1"]
    assert "tidak dikenali" in notes[0].message


def test_missing_parent_component_is_a_note() -> None:
    c = _cascade([
        _ind("A-1.1", "A", "Indeks Pembangunan Ketenagakerjaan"),
        _ind("B-1.1", "B", "Nilai Indikator Kesempatan Kerja"),
        _ind("C-1.1", "C", "Nilai Tingkat Kecelakaan Kerja"),  # Kondisi Lingkungan Kerja: B has none
    ])
    notes = link_ipk(c)
    assert c.indicators[1].supports == "A-1.1"
    assert c.indicators[2].supports is None
    assert [n.indicator_id for n in notes] == ["C-1.1"]
    assert "Kondisi Lingkungan Kerja" in notes[0].message


def test_no_ipk_indicator_at_root_is_a_note() -> None:
    c = _cascade([_ind("B-1.1", "B", "Nilai Indikator Kesempatan Kerja")])
    notes = link_ipk(c)
    assert c.indicators[0].supports is None
    assert len(notes) == 1 and "Indeks Pembangunan Ketenagakerjaan" in notes[0].message


def test_two_components_named_is_a_note() -> None:
    c = _cascade([
        _ind("A-1.1", "A", "Indeks Pembangunan Ketenagakerjaan"),
        _ind("B-1.1", "B", "Nilai Kesempatan Kerja dan Hubungan Industrial"),
    ])
    notes = link_ipk(c)
    assert c.indicators[1].supports is None
    assert "tidak jelas" in notes[0].message


def test_existing_link_is_kept() -> None:
    c = _cascade([
        _ind("A-1.1", "A", "Indeks Pembangunan Ketenagakerjaan"),
        _ind("A-2.1", "A", "Indikator lain"),
        _ind("B-1.1", "B", "Nilai Indikator Kesempatan Kerja"),
    ])
    c.indicators[2].supports = "A-2.1"
    assert link_ipk(c) == []
    assert c.indicators[2].supports == "A-2.1"


def test_count_indicator_named_nilai_with_grade_is_skipped() -> None:
    c = _cascade([
        _ind("A-1.1", "A", "Indeks Pembangunan Ketenagakerjaan"),
        _ind("B-1.1", "B", "Nilai SAKIP", kind=Kind.GRADE),
    ])
    assert link_ipk(c) == []
    assert c.indicators[1].supports is None and c.indicators[1].kind is Kind.GRADE


def test_root_ipk_value_is_an_index_only_when_written_as_a_bare_number() -> None:
    """The root's own "Nilai ..." parts are not linked; "5" (no unit) is an index value, "5 dokumen" stays a
    count that adds up over the quarters."""
    bare = Indicator(id="A-2.1", position="A", indikator="Nilai Indikator Kesempatan Kerja", target=5.0,
                     kind=Kind.NUMBER, aggregation=Aggregation.SUM)
    counted = bare.model_copy(update={"id": "A-2.2", "satuan": "dokumen"})
    c = _cascade([_ind("A-1.1", "A", "Indeks Pembangunan Ketenagakerjaan"), bare, counted])
    link_ipk(c)
    assert [(i.kind, i.aggregation, i.supports) for i in c.indicators[1:]] == [
        (Kind.INDEX, Aggregation.LATEST, None),
        (Kind.NUMBER, Aggregation.SUM, None),
    ]
