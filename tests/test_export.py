"""`xl-sakip export`: formats, documented fields, files never overwritten, the workbook only read."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xl_sakip.build import SHIPPED_WORKBOOK, make_demo
from xl_sakip.cli import app
from xl_sakip.export import FIELDS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "export.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo(SHIPPED_WORKBOOK, tmp_path_factory.mktemp("ekspor") / "Contoh.xlsm")


def test_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert [f for f in FIELDS if f"| `{f}` |" not in text] == []


def test_csv_at_the_reporting_quarter_of_the_settings(demo: Path) -> None:
    before = demo.read_bytes()
    result = CliRunner().invoke(app, ["export", str(demo)])
    assert result.exit_code == 0, result.output
    out = demo.with_name("Contoh_ekspor_TW4.csv")  # the demo's setting: empty = 4
    assert demo.read_bytes() == before
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the text as UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == list(FIELDS)
    by_id = {r["id"]: r for r in rows}
    # P06-1.2: 122 + 153 + 184 = 459 of 600 (TW3 empty: belum lengkap), 459 / 600 × 100 = 76,5.
    r = by_id["P06-1.2"]
    assert (r["realisasi_sd_tw"], r["capaian_tahunan"], r["status_tahunan"]) == ("459.0", "76.5",
                                                                                  "belum lengkap")
    assert r["triwulan_kosong"] == "TW3"
    assert r["capaian_sd_tw"] == "" and "Rencana Aksi" in r["alasan_sd_tw"]  # the demo has no TW targets


def test_json_and_xlsx_at_a_quarter_given(demo: Path, tmp_path: Path) -> None:
    j, x = tmp_path / "a.json", tmp_path / "a.xlsx"
    assert CliRunner().invoke(app, ["export", str(demo), "--triwulan", "1", "--format", "json", "-o",
                                    str(j)]).exit_code == 0
    assert CliRunner().invoke(app, ["export", str(demo), "--triwulan", "1", "--format", "xlsx", "-o",
                                    str(x)]).exit_code == 0
    rows = {r["id"]: r for r in json.loads(j.read_text(encoding="utf-8"))}
    # P04-1.1 at TW1: 37 of 200 = 18,5 %; TW2-TW4 (46, 46, 55) ignored.
    assert rows["P04-1.1"]["realisasi_sd_tw"] == 37 and rows["P04-1.1"]["capaian_tahunan"] == 18.5
    ws = openpyxl.load_workbook(x)["Ekspor TW1"]
    head = [c.value for c in ws[1]]
    assert head == list(FIELDS)
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[head.index("id")] == "P04-1.1")
    assert row[head.index("capaian_tahunan")] == 18.5


def test_never_overwrites_without_force(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "punya.csv"
    out.write_text("punya saya", encoding="utf-8")
    result = CliRunner().invoke(app, ["export", str(demo), "-o", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "punya saya"
    assert CliRunner().invoke(app, ["export", str(demo), "-o", str(out), "--force"]).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("tahun,")


@pytest.mark.parametrize(("args", "words"), [
    (["--format", "pdf"], "csv, json atau xlsx"), (["--triwulan", "5"], "1, 2, 3 atau 4")])
def test_bad_options_say_what_to_do(demo: Path, tmp_path: Path, args: list[str], words: str) -> None:
    result = CliRunner().invoke(app, ["export", str(demo), "-o", str(tmp_path / "x"), *args])
    assert result.exit_code == 2 and words in result.output, result.output
