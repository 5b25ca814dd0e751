"""Every validation rule: one row that trips it and one that does not; then `check` on a workbook file."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book.findings_sheet import SHEET_FINDINGS, add_findings_sheet, run_check, write_findings_sheet
from xl_sakip.core.findings import Locator, Severity, count_by_severity, findings_to_json
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Polarity, Position
from xl_sakip.core.reference import default_reference
from xl_sakip.core.validation import RULES, check, check_indicator, check_workbook, sheet_name_problem

REF = default_reference()
SEED = Path(__file__).parent / "data" / "cascading_2023.txt"

GOOD_PERCENT = dict(
    id="P02-1.1",
    position="P02",
    sasaran="Meningkatnya kapasitas",
    indikator="Persentase x",
    target=86.0,
    target_text="86%",
    satuan="%",
    kind=Kind.PERCENT,
    aggregation=Aggregation.LATEST,
)
GOOD_COUNT = dict(
    id="P04-1.1",
    position="P04",
    sasaran="Peningkatan",
    indikator="Jumlah perusahaan",
    target=200.0,
    target_text="200 perusahaan",
    satuan="perusahaan",
    kind=Kind.NUMBER,
    aggregation=Aggregation.SUM,
)
GOOD_GRADE = dict(
    id="P02-1.4",
    position="P02",
    sasaran="Tata kelola",
    indikator="Nilai SAKIP",
    target=None,
    target_text="BB",
    satuan="predikat",
    kind=Kind.GRADE,
    aggregation=Aggregation.LATEST,
)

# code, base row, change that trips the rule, change that keeps the row clean
CASES = [
    ("WAJIB_KOSONG", GOOD_PERCENT, {"indikator": "  "}, {"indikator": "Persentase y"}),
    ("TARGET_KOSONG", GOOD_PERCENT, {"target": None, "target_text": ""}, {}),
    ("TARGET_TIDAK_TERBACA", GOOD_COUNT, {"target": None, "target_text": "dua ratus perusahaan"}, {}),
    ("TARGET_TIDAK_TERBACA", GOOD_COUNT, {"target": None}, {}),  # the Target column left empty
    ("TARGET_BERBEDA", GOOD_PERCENT, {"target": 85.0}, {"target": 86.0}),
    (
        "ANGKA_AMBIGU",
        GOOD_COUNT,
        {
            "target_text": "8.96",
            "target": 8.96,
            "kind": Kind.INDEX,
            "satuan": None,
            "aggregation": Aggregation.LATEST,
        },
        {
            "target_text": "8,96",
            "target": 8.96,
            "kind": Kind.INDEX,
            "satuan": None,
            "aggregation": Aggregation.LATEST,
        },
    ),
    ("SATUAN_TIDAK_SESUAI", GOOD_PERCENT, {"satuan": "orang"}, {"satuan": "%"}),
    (
        "SATUAN_TIDAK_SESUAI",
        GOOD_COUNT,
        {"kind": Kind.PERCENT, "aggregation": Aggregation.LATEST},
        {"kind": Kind.NUMBER},
    ),
    ("SATUAN_TIDAK_SESUAI", GOOD_PERCENT, {"target_text": "BB", "target": None}, {}),  # a grade, kind persen
    (
        "TARGET_PERSEN_DI_ATAS_100",
        GOOD_PERCENT,
        {"target": 120.0, "target_text": "120%"},
        {"target": 100.0, "target_text": "100%"},
    ),
    ("TARGET_NOL", GOOD_COUNT, {"target": 0.0, "target_text": "0 perusahaan"}, {}),
    (
        "RENTANG_TIDAK_LENGKAP",
        GOOD_PERCENT,
        {"polarity": Polarity.RANGE},
        {"polarity": Polarity.RANGE, "target_upper": 90.0},
    ),
    ("PREDIKAT_TIDAK_DIKENAL", GOOD_GRADE, {"target_text": "Baik Sekali"}, {"target_text": "A"}),
    (
        "REALISASI_PREDIKAT_TIDAK_DIKENAL",
        GOOD_GRADE,
        {"realisasi_q": [None, None, None, "Bagus"]},
        {"realisasi_q": [None, None, "bb", 5]},
    ),
    ("AGREGASI_TIDAK_SESUAI", GOOD_GRADE, {"aggregation": Aggregation.SUM}, {}),
    (
        "AGREGASI_TIDAK_SESUAI",
        GOOD_PERCENT,
        {"aggregation": Aggregation.SUM},
        {"aggregation": Aggregation.RATIO},
    ),
    (
        "TARGET_TW_BUKAN_ANGKA",
        GOOD_COUNT,
        {"target_q": [50, "lima puluh", 50, 50]},
        {"target_q": [50, 50, 50, 50]},
    ),
    ("TARGET_TW_TIDAK_SESUAI", GOOD_COUNT, {"target_q": [50, 50, 50, 40]}, {"target_q": [50, 50, 50, 50]}),
    ("TARGET_TW_TIDAK_SESUAI", GOOD_PERCENT, {"target_q": [60, 70, 80, 85]}, {"target_q": [60, 70, 80, 86]}),
    (
        "REALISASI_BUKAN_ANGKA",
        GOOD_COUNT,
        {"realisasi_q": [10, "sepuluh", None, None]},
        {"realisasi_q": [10, "10", 0, None]},
    ),
    (
        "REALISASI_NEGATIF",
        GOOD_COUNT,
        {"realisasi_q": [10, -2, None, None]},
        {"realisasi_q": [10, 0, None, None]},
    ),
    ("REALISASI_NEGATIF", GOOD_PERCENT, {"denominator_q": [-5, None, None, None]}, {}),
    (
        "RASIO_TANPA_PEMBILANG",
        GOOD_PERCENT,
        {"aggregation": Aggregation.RATIO, "realisasi_q": [50, None, None, None]},
        {
            "aggregation": Aggregation.RATIO,
            "realisasi_q": [50, None, None, None],
            "numerator_q": [1, None, None, None],
            "denominator_q": [2, None, None, None],
        },
    ),
    (
        "EJAAN_MENCURIGAKAN",
        GOOD_PERCENT,
        {"indikator": "Presentase Barang Milik Daerah"},
        {"indikator": "Persentase Barang Milik Daerah"},
    ),
    (
        "EJAAN_MENCURIGAKAN",
        GOOD_COUNT,
        {"indikator": "Jumlah Kabupten/Kota"},
        {"indikator": "Jumlah Kabupaten/Kota"},
    ),
]


@pytest.mark.parametrize(("code", "base", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_row_rule(code, base, bad, good):
    tripped = check_indicator(Indicator(**{**base, **bad}), REF)
    assert code in [f.code for f in tripped]
    hit = next(f for f in tripped if f.code == code)
    assert hit.indicator_id == base["id"] and hit.position == base["position"]
    assert hit.severity is RULES[code][0]
    assert check_indicator(Indicator(**{**base, **good}), REF) == []


@pytest.mark.parametrize(("text", "found"), [
    ("Jumlah PRESENTASE capaian", "PRESENTASE"),  # any case
    ("Presentase layanan \u2265 90%", "Presentase"),  # a text that is not ASCII
    ("Nilai \u017fasaran kabupten", "kabupten"),
    ("Rata- Rata kunjungan", "Rata- Rata"),
    ("Presentasenya layanan", None),  # whole words only
    ("Non-presentase", None),
])
def test_suspicious_spelling_in_any_text(text: str, found: str | None) -> None:
    """EJAAN_MENCURIGAKAN names the spelling as written in the indicator's name, whatever its case and the
    other characters of the text; a longer word or one joined by a hyphen is not it (values by hand)."""
    got = [f.message for f in check_indicator(Indicator(**{**GOOD_PERCENT, "indikator": text}), REF)
           if f.code == "EJAAN_MENCURIGAKAN"]
    assert got == ([] if found is None else [got[0]]) and (found is None or f"\u00ab{found}\u00bb" in got[0])


def test_quarterly_target_finding_carries_both_numbers():
    f = next(
        f
        for f in check_indicator(Indicator(**{**GOOD_COUNT, "target_q": [50, 50, 50, 40]}), REF)
        if f.code == "TARGET_TW_TIDAK_SESUAI"
    )
    assert (f.target, f.sum) == (200.0, 190.0)


def _cascade(positions, indicators=()) -> Cascade:
    return Cascade.model_construct(
        positions=positions, indicators=list(indicators), reference=REF, settings=Cascade().settings
    )


def _pos(code, parent=None, title="Kepala Seksi"):
    return Position.model_construct(
        code=code,
        title=title,
        parent=parent,
        order=0,
        eselon=None,
        official_name=None,
        nip=None,
        source_line=None,
    )


def _wb_codes(c) -> list[str]:
    return [f.code for f in check_workbook(c) if f.code != "JABATAN_TANPA_INDIKATOR"]


def test_workbook_rules():
    good = [_pos("P01"), _pos("P02", "P01"), _pos("P03", "P02")]
    inds = [Indicator(**{**GOOD_PERCENT, "position": "P01"}), Indicator(**{**GOOD_COUNT, "position": "P02"})]
    assert _wb_codes(_cascade(good, inds)) == []
    assert _wb_codes(_cascade(good, [*inds, inds[0]])) == ["ID_GANDA"]
    assert _wb_codes(_cascade([*good, _pos("p02", "P01")], inds)) == ["KODE_GANDA"]  # Excel ignores case
    assert _wb_codes(
        _cascade(good, [*inds, Indicator(**{**GOOD_COUNT, "id": "X-1.1", "position": "P99"})])
    ) == ["JABATAN_TIDAK_DIKENAL"]
    assert _wb_codes(_cascade([*good, _pos("P04", "P77")], inds)) == ["ATASAN_TIDAK_DIKENAL"]
    assert _wb_codes(_cascade([*good, _pos("P04")], inds)) == ["AKAR_GANDA"]
    loop = [_pos("P01", "P03"), _pos("P02", "P01"), _pos("P03", "P02")]
    assert sorted(_wb_codes(_cascade(loop, inds))) == ["SIKLUS_JABATAN", "TANPA_AKAR"]
    assert _wb_codes(_cascade([*good, _pos("Indikator", "P01")], inds)) == ["NAMA_SHEET_TIDAK_VALID"]
    assert _wb_codes(_cascade([*good, _pos("P04", "P01", title="[*]")], inds)) == ["NAMA_SHEET_TIDAK_VALID"]
    lonely = [f.code for f in check_workbook(_cascade(good, inds))]
    assert lonely == ["JABATAN_TANPA_INDIKATOR"]  # P03 has no indicator


def test_sheet_name_problem():
    assert sheet_name_problem("P05 Kasi Pelatihan") is None
    for bad in ("", "a" * 32, "A/B", "x[1]", "'P01", "history", "Temuan"):
        assert sheet_name_problem(bad)


def test_check_names_cells_and_sorts_errors_first():
    c = Cascade(
        positions=[Position(code="P01", title="Kepala Dinas", order=0)],
        indicators=[
            Indicator(**{**GOOD_PERCENT, "position": "P01", "satuan": "orang"}),
            Indicator(**{**GOOD_COUNT, "position": "P01", "target": None}),
        ],
    )
    # Target in column G and Satuan in column I, as in the writer's column order (book/schema.py).
    loc = Locator({"P02-1.1": 2, "P04-1.1": 3}, columns={"id": "A", "target": "G", "satuan": "I"},
                  indicator_sheet="Indikator")
    findings = check(c, loc)
    assert [f.severity for f in findings] == [Severity.ERROR, Severity.WARNING]
    assert findings[0].cell == "Indikator!G3" and findings[1].cell == "Indikator!I2"
    assert [f.cell for f in check(c)] == [None, None]  # no layout given: the core names no cell
    data = json.loads(findings_to_json(findings))
    assert {"severity", "code", "position", "indicator_id", "message", "cell"} <= set(data[0])
    assert "target" not in data[0]


def test_severity_is_shown_in_bahasa_indonesia():
    """Planners read the severity in JSON, in counts and on the Temuan sheet: "galat", never "error"."""
    c = Cascade(
        positions=[Position(code="P01", title="Kepala Dinas", order=0)],
        indicators=[
            Indicator(**{**GOOD_PERCENT, "position": "P01", "satuan": "orang"}),  # satuan vs persen: warning
            Indicator(**{**GOOD_COUNT, "position": "P01", "target": None}),  # no target: error
        ],
    )
    findings = check(c)
    assert [f["severity"] for f in json.loads(findings_to_json(findings))] == ["galat", "peringatan"]
    assert count_by_severity(findings) == {"galat": 1, "peringatan": 1, "info": 0}
    wb = openpyxl.Workbook()
    add_findings_sheet(wb, findings)
    assert [wb[SHEET_FINDINGS].cell(r, 1).value for r in (2, 3)] == ["galat", "peringatan"]


def test_run_check_and_findings_sheet(tmp_path):
    from xl_sakip.book.writer import write_master
    from xl_sakip.importer import read_seed

    cascade = read_seed(SEED).cascade
    path = write_master(cascade, tmp_path / "Cascading_2023.xlsm")
    report = run_check(path)
    # The seed's IPK targets do not add up: warnings, with no error, so exit 0.
    assert report.exit_code == 0
    assert {f.code for f in report.findings if f.severity == "peringatan"} >= {"ROLLUP_TARGET_TIDAK_SESUAI"}
    ipk = next(
        f for f in report.findings if f.code == "ROLLUP_TARGET_TIDAK_SESUAI" and f.indicator_id == "P01-1.1"
    )
    assert ipk.cell == "Indikator!G2"  # P01-1.1 is the first data row; G = Target
    write_findings_sheet(path, report.findings)
    write_findings_sheet(path, report.findings)  # replacing, not adding a second sheet
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames.count(SHEET_FINDINGS) == 1
    ws = wb[SHEET_FINDINGS]
    assert ws.max_row == len(report.findings) + 1
    row = next(r for r in range(2, ws.max_row + 1)
               if (ws.cell(r, 2).value, ws.cell(r, 4).value) == ("ROLLUP_TARGET_TIDAK_SESUAI", "P01-1.1"))
    assert [ws.cell(row, k).value for k in (1, 2, 4, 7, 8)] == [
        "peringatan",
        "ROLLUP_TARGET_TIDAK_SESUAI",
        "P01-1.1",
        pytest.approx(71.10),
        pytest.approx(64.31),
    ]
    assert run_check(path).findings == report.findings  # the sheet does not disturb reading
