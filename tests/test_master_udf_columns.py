"""The computed columns of tblIndikator: their formulas, what Excel would compute with them, their VBA.

Excel is not on this machine, so (2) emulates it: each computed cell's formula text is parsed, every
reference is resolved the way Excel hands it to the VBA wrapper and xlwings converts it for Python (numbers
as floats, empty cells as None, `ndim=2` arguments as 2-D lists, other one-cell arguments as scalars), and
the function of udfs.py named in the formula is called. The results are compared with the core (the UDFs
are a second path to the same numbers) and, for a few rows, with values worked out by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

import udfs
from xl_sakip.book import schema as s
from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import COMPUTED_HEADER_FILL, write_master
from xl_sakip.build import SHIPPED_WORKBOOK
from xl_sakip.core.aggregate import realisasi_to_date
from xl_sakip.core.capaian import capaian_of
from xl_sakip.core.categories import category
from xl_sakip.core.validation import row_problems
from xl_sakip.errors import WorkbookError
from xl_sakip.sample import apply_sample
from xl_sakip.vba.build import _load_udf_module, _xlwings_udf_decorators, udf_wrapper_module

COMPUTED = ["Realisasi Tahun", "Capaian (%)", "Status Capaian", "Kategori Capaian", "Validasi"]
N_INPUT = 31  # A..AE; the computed columns are AF..AJ
T = "tblIndikator[[#This Row],"


def _header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


# ------------------------------------------------------------------ (1) formula text


def test_computed_columns_sit_right_of_every_input_column() -> None:
    ws = openpyxl.load_workbook(SHIPPED_WORKBOOK)["Indikator"]
    headers = [c.value for c in ws[1]]
    assert headers[:N_INPUT] == [c.header for c in s.INDICATOR_COLUMNS]
    assert headers[N_INPUT:] == COMPUTED
    assert ws.tables["tblIndikator"].ref == "A1:AJ95"  # 94 indicators of the 2023 seed


def test_every_computed_cell_of_the_shipped_workbook_has_its_formula() -> None:
    ws = openpyxl.load_workbook(SHIPPED_WORKBOOK)["Indikator"]
    # Written out by hand (not from the templates), in the form the file holds.
    quarters = {q: f"{T}[{q} TW1]:[{q} TW4]]" for q in ("Realisasi", "Target", "Pembilang", "Penyebut")}
    target = (f'IF({T}[Jenis]]="predikat",{T}[Target Tertulis]],{T}[Target]])')
    # sampai_tw: the reporting quarter in force, the Pengaturan cell named setTriwulanBerlaku (4 when
    # "Laporan s.d. Triwulan" holds no number)
    upto = "setTriwulanBerlaku"
    capaian_args = (
        f"{quarters['Realisasi']},{target},{T}[Polaritas]],{T}[Agregasi]],{quarters['Target']},{upto},"
        f"{T}[Target Atas]],{T}[Jenis]],{quarters['Pembilang']},{quarters['Penyebut']},"
        "setRumusTurun,setBatasCapaian,tblPredikat[Kode],tblPredikat[Skor]"
    )
    expected = {
        "AF": f"=SAKIP_REALISASI({quarters['Realisasi']},{T}[Agregasi]],{upto},{T}[Jenis]],"
              f"{quarters['Pembilang']},{quarters['Penyebut']})",
        "AG": f"=SAKIP_CAPAIAN_TW({capaian_args})",
        "AH": f"=SAKIP_STATUS({capaian_args})",
        "AI": f"=SAKIP_KATEGORI({T}[Capaian (%)]],tblKategori[Capaian Di Atas (%)],"
              "tblKategori[Capaian Sampai Dengan (%)],tblKategori[Kategori],setLabelMelampaui)",
        "AJ": f"=SAKIP_VALIDASI({T}[ID]:[Baris Sumber]],tblIndikator[[#Headers],[ID]:[Baris Sumber]],"
              "tblPredikat[Kode],tblPredikat[Skor])",
    }
    # A few rows checked one by one: the first, P06-1.2 and the last (the same text on every row).
    assert ws["A2"].value == "P01-1.1" and ws["A95"].value == "P21-2.1"
    assert ws["AG2"].value == expected["AG"] and ws["AI95"].value == expected["AI"]
    for row in range(2, 96):
        for letter, text in expected.items():
            cell = ws[f"{letter}{row}"]
            assert (cell.data_type, cell.value) == ("f", text), f"{letter}{row}"
    # The table's calculated column formulas are the same (without "="), so Excel fills new rows.
    columns = {c.name: c for c in ws.tables["tblIndikator"].tableColumns}
    for letter, header in zip(expected, COMPUTED, strict=True):
        assert columns[header].calculatedColumnFormula.attr_text == expected[letter][1:]
    assert all(columns[c.header].calculatedColumnFormula is None for c in s.INDICATOR_COLUMNS)


def test_computed_columns_look_computed_and_have_no_drop_down() -> None:
    ws = openpyxl.load_workbook(SHIPPED_WORKBOOK)["Indikator"]
    for letter in ("AF", "AG", "AH", "AI", "AJ"):
        head = ws[f"{letter}1"]
        assert head.fill.fgColor.rgb.endswith(COMPUTED_HEADER_FILL.fgColor.rgb[-6:])
        assert head.fill.fgColor.rgb.endswith("7F7F7F")  # grey, not the blue or green of input headers
        assert "hanya berfungsi di Excel Windows" in head.comment.text and "sheet unit" in head.comment.text
    validated = {
        col
        for dv in ws.data_validations.dataValidation
        for rng in dv.sqref.ranges
        for col in range(rng.min_col, rng.max_col + 1)
    }
    assert validated and max(validated) <= N_INPUT


def test_the_petunjuk_sheet_says_where_the_computed_columns_work() -> None:
    ws = openpyxl.load_workbook(SHIPPED_WORKBOOK)["Petunjuk"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "Kolom hitungan (judul abu-abu)" in text
    assert "hanya berfungsi di Excel untuk Windows yang memasang Python dan xlwings" in text
    assert "dihitung dengan rumus Excel biasa di sheet setiap unit" in text


# ------------------------------------------------------------------ reader


def test_reader_ignores_computed_columns_but_still_refuses_formulas_in_input_columns(tmp_path: Path) -> None:
    cascade = apply_sample(read_master(SHIPPED_WORKBOOK))
    path = write_master(cascade, tmp_path / "m.xlsm")
    assert read_master(path) == cascade  # the computed cells hold formulas, yet the workbook reads

    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    ws["AG3"] = "=1/0"  # anything in a computed column: a hand-typed formula, a value, nothing
    ws["AJ4"] = 12.5
    ws["AF5"] = None
    wb.save(path)
    assert read_master(path) == cascade

    ws["V3"] = "=1+1"  # Realisasi TW4 of P01-2.1: an input column
    wb.save(path)
    with pytest.raises(WorkbookError, match=r"sel V3: Realisasi TW4 berisi rumus \(=1\+1\)"):
        read_master(path)


def test_reader_needs_no_computed_column(tmp_path: Path) -> None:
    cascade = read_master(SHIPPED_WORKBOOK)
    path = write_master(cascade, tmp_path / "m.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Indikator"]
    del ws.tables["tblIndikator"]  # a table cannot lose columns in openpyxl: drop it, keep the cells
    ws.delete_cols(N_INPUT + 1, len(COMPUTED))
    wb.save(path)
    assert read_master(path) == cascade


# ------------------------------------------------------------------ (2) Excel emulation


def _udf_args() -> dict[str, list[dict[str, Any]]]:
    """Each UDF's arguments with their xlwings options (ndim), as the VBA wrapper is generated from."""
    with _xlwings_udf_decorators():
        module = _load_udf_module("udfs")
    return {
        name: getattr(module, name).__xlfunc__["args"]
        for name in dir(module)
        if name.startswith("SAKIP_") and hasattr(getattr(module, name), "__xlfunc__")
    }


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated parts (commas inside (), [] or "..." do not split)."""
    parts, depth, quoted, start = [], 0, False, 0
    for k, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:k])
            start = k + 1
    parts.append(text[start:])
    return parts


def _call(text: str) -> tuple[str, list[str]] | None:
    m = re.fullmatch(r"([A-Z_][A-Z0-9_]*)\((.*)\)", text, re.S)
    if not m:
        return None
    return m.group(1), _split_args(m.group(2))


class Range(list):
    """A reference: a 2-D list of cell values, as Excel would pass it."""


def _excel_value(v: Any) -> Any:
    """A cell's value as xlwings hands it to Python: numbers are floats, empty is None."""
    if isinstance(v, bool) or v is None:
        return v
    return float(v) if isinstance(v, int | float) else v


class ExcelEmulator:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws = wb["Indikator"]
        self.index = _header_index(self.ws)
        self.headers = [c.value for c in self.ws[1]]
        self.tables = {t.displayName: (ws, t) for ws in wb.worksheets for t in ws.tables.values()}
        self.args = _udf_args()
        self.calls: list[str] = []

    def table_column(self, table: str, header: str) -> Range:
        ws, t = self.tables[table]
        first, rows = t.ref.split(":")[0], int(re.sub(r"[A-Z]", "", t.ref.split(":")[1]))
        assert first == "A1"
        col = _header_index(ws)[header]
        return Range([[_excel_value(ws.cell(r, col).value)] for r in range(2, rows + 1)])

    def this_row(self, row: int, first: str, last: str, computed: dict[str, Any]) -> Range:
        a, b = self.index[first], self.index[last]
        values = []
        for col in range(a, b + 1):
            header = self.headers[col - 1]
            # A computed column of this row: its value, which must have been computed already (no loop).
            cell = self.ws.cell(row, col)
            values.append(computed[header] if header in COMPUTED else _excel_value(cell.value))
        return Range([values])

    def defined_name(self, name: str, row: int = 0, computed: dict[str, Any] | None = None) -> Range:
        sheet, ref = self.wb.defined_names[name].attr_text.split("!")
        value = self.wb[sheet.strip("'")][ref.replace("$", "")].value
        if isinstance(value, str) and value.startswith("="):  # a computed Pengaturan row: its formula
            return Range([[self.scalar(self.ev(value[1:], row, computed or {}))]])
        return Range([[_excel_value(value)]])

    def ev(self, expr: str, row: int, computed: dict[str, Any]) -> Any:
        expr = expr.strip()
        call = _call(expr)
        if call:
            name, args = call
            if name == "IF":
                cond = self.ev(args[0], row, computed)
                return self.ev(args[1] if cond else args[2], row, computed)
            if name == "ISNUMBER":
                v = self.scalar(self.ev(args[0], row, computed))
                return isinstance(v, float)
            return self.udf(name, [self.ev(a, row, computed) for a in args])
        parts = _split_args(expr.replace("=", ",", 1)) if "=" in expr and not expr.startswith('"') else None
        if parts and len(parts) == 2:  # a comparison: Excel compares text without case
            a, b = (self.scalar(self.ev(p, row, computed)) for p in parts)
            return str(a).casefold() == str(b).casefold()
        if expr.startswith('"'):
            return expr.strip('"')
        if re.fullmatch(r"\d+(\.\d+)?", expr):
            return float(expr)
        m = re.fullmatch(r"tblIndikator\[\[#This Row\],\[([^\]]+)\](?::\[([^\]]+)\])?\]", expr)
        if m:
            return self.this_row(row, m.group(1), m.group(2) or m.group(1), computed)
        m = re.fullmatch(r"tblIndikator\[\[#Headers\],\[([^\]]+)\]:\[([^\]]+)\]\]", expr)
        if m:
            a, b = self.index[m.group(1)], self.index[m.group(2)]
            return Range([self.headers[a - 1:b]])
        m = re.fullmatch(r"(tbl\w+)\[([^\[\]]+)\]", expr)
        if m:
            return self.table_column(m.group(1), m.group(2))
        if expr in self.wb.defined_names:
            return self.defined_name(expr, row, computed)
        raise AssertionError(f"the emulator does not know {expr!r}")

    @staticmethod
    def scalar(v: Any) -> Any:
        if isinstance(v, Range):
            assert len(v) == 1 and len(v[0]) == 1, v
            return v[0][0]
        return v

    def udf(self, name: str, values: list[Any]) -> Any:
        spec = self.args[name]
        assert len(values) <= len(spec)
        converted = []
        for value, arg in zip(values, spec, strict=False):
            if arg["options"].get("ndim") == 2:
                converted.append(value if isinstance(value, Range) else [[value]])
            else:
                converted.append(self.scalar(value))
        self.calls.append(name)
        out = getattr(udfs, name)(*converted)
        assert isinstance(out, list) and len(out) == 1 and len(out[0]) == 1, out  # one cell per row
        return out[0][0]

    def row(self, row: int) -> dict[str, Any]:
        """The computed columns of one worksheet row, left to right, from the formulas in the file."""
        computed: dict[str, Any] = {}
        for header in COMPUTED:
            cell = self.ws.cell(row, self.index[header])
            assert cell.data_type == "f"
            computed[header] = self.ev(cell.value[1:], row, computed)
        return computed


def _emulate(tmp_path_factory, quarter: int) -> tuple[Any, dict[str, dict[str, Any]], ExcelEmulator]:
    cascade = apply_sample(read_master(SHIPPED_WORKBOOK))
    cascade = cascade.model_copy(update={"settings": cascade.settings.model_copy(
        update={"reporting_quarter": quarter})})
    path = write_master(cascade, tmp_path_factory.mktemp("udfcols") / "sample.xlsm")
    emulator = ExcelEmulator(openpyxl.load_workbook(path))
    rows = {emulator.ws.cell(r, 1).value: emulator.row(r) for r in range(2, emulator.ws.max_row + 1)}
    return cascade, rows, emulator


@pytest.fixture(scope="module")
def emulated(tmp_path_factory) -> tuple[Any, dict[str, dict[str, Any]], ExcelEmulator]:
    return _emulate(tmp_path_factory, 4)


@pytest.fixture(scope="module")
def emulated_tw2(tmp_path_factory) -> tuple[Any, dict[str, dict[str, Any]], ExcelEmulator]:
    return _emulate(tmp_path_factory, 2)


def test_the_computed_columns_follow_the_reporting_quarter(emulated, emulated_tw2) -> None:
    """Pengaturan "Laporan s.d. Triwulan" = 2: the master's columns give the figures s.d. TW2, as the unit
    sheets do (they passed 4 before, whatever the setting)."""
    cascade, rows, _ = emulated_tw2
    settings, ref = cascade.settings, cascade.reference
    assert settings.reporting_quarter == 2
    for ind in cascade.indicators:
        cap = capaian_of(ind, settings, ref, 2)
        assert rows[ind.id]["Capaian (%)"] == (pytest.approx(cap.excel()) if isinstance(cap.excel(), float)
                                                else cap.excel()), ind.id
        assert rows[ind.id]["Status Capaian"] == cap.status_text(), ind.id
    # By hand, P06-1.2 (target 600, jumlah; sample TW1 122, TW2 153, TW3 empty, TW4 184): s.d. TW2 the
    # realisasi is 122 + 153 = 275, the capaian 275 / 600 x 100 = 45.83 and nothing is missing (TW3 is
    # after the reporting quarter); s.d. TW4 it is 459 and 76.5, TW3 missing.
    assert rows["P06-1.2"]["Realisasi Tahun"] == pytest.approx(275)
    assert rows["P06-1.2"]["Capaian (%)"] == pytest.approx(275 / 600 * 100)
    assert rows["P06-1.2"]["Status Capaian"] == "dihitung"
    assert emulated[1]["P06-1.2"]["Capaian (%)"] == pytest.approx(76.5)


def test_every_computed_column_calls_the_udfs_and_agrees_with_the_core(emulated) -> None:
    cascade, rows, emulator = emulated
    assert list(rows) == [i.id for i in cascade.indicators] and len(rows) == 94
    assert set(emulator.calls) == {"SAKIP_REALISASI", "SAKIP_CAPAIAN_TW", "SAKIP_STATUS", "SAKIP_KATEGORI",
                                   "SAKIP_VALIDASI"}
    settings, ref = cascade.settings, cascade.reference
    for ind in cascade.indicators:
        got = rows[ind.id]
        pv = realisasi_to_date(ind, 4)
        real = f"tidak dapat dihitung: {pv.problem}" if pv.problem else ("" if pv.value is None else pv.value)
        cap = capaian_of(ind, settings, ref, 4)
        expected = {
            "Realisasi Tahun": real,
            "Capaian (%)": cap.excel(),
            "Status Capaian": cap.status_text(),
            "Kategori Capaian": category(cap.value, ref) or "",
            "Validasi": row_problems(ind, ref),
        }
        for header, value in expected.items():
            want = pytest.approx(value) if isinstance(value, float) else value
            assert got[header] == want, f"{ind.id} {header}"
    # Not all alike: the sample has computed, incomplete and flagged rows.
    assert {r["Status Capaian"].split(":")[0] for r in rows.values()} >= {"dihitung", "belum lengkap"}
    assert sum(bool(r["Validasi"]) for r in rows.values()) >= 1


def test_computed_columns_by_hand(emulated) -> None:
    _, rows, _ = emulated
    # P06-1.2 (seed: target 600 orang, jumlah, naik; sample CSV: TW1 122, TW2 153, TW3 empty, TW4 184):
    # realisasi 122 + 153 + 184 = 459; capaian 459 / 600 x 100 = 76,5; TW3 missing -> belum lengkap;
    # 76,5 lies in (75, 90] -> Tinggi.
    assert rows["P06-1.2"]["Realisasi Tahun"] == pytest.approx(459.0)
    assert rows["P06-1.2"]["Capaian (%)"] == pytest.approx(76.5)
    assert rows["P06-1.2"]["Status Capaian"] == "belum lengkap: realisasi TW3 belum diisi"
    assert rows["P06-1.2"]["Kategori Capaian"] == "Tinggi"
    # P02-1.4 (seed: Nilai SAKIP, target BB, predikat; CSV: BB, BB, BB, A): the latest grade A; SAKIP scale
    # A = 6, BB = 5 -> 6 / 5 x 100 = 120; no cap in Pengaturan; above 100 -> Melampaui Target.
    assert rows["P02-1.4"]["Realisasi Tahun"] == "A"
    assert rows["P02-1.4"]["Capaian (%)"] == pytest.approx(120.0)
    assert rows["P02-1.4"]["Status Capaian"] == "dihitung"
    assert rows["P02-1.4"]["Kategori Capaian"] == "Melampaui Target"
    # P01-2.1 (seed: 40 %, persen, terakhir; CSV: 20.24, 27.6, 33.12, 36.8): the latest, 36,8;
    # 36,8 / 40 x 100 = 92; (90, 100] -> Sangat Tinggi.
    assert rows["P01-2.1"]["Realisasi Tahun"] == pytest.approx(36.8)
    assert rows["P01-2.1"]["Capaian (%)"] == pytest.approx(92.0)
    assert rows["P01-2.1"]["Kategori Capaian"] == "Sangat Tinggi"
    # P08-1.1 (seed: 1 Kab/Kota, jumlah; CSV: 0, 0, 0, 1 - reported zeros): 0 + 0 + 0 + 1 = 1 -> 100 %,
    # computed (zeros are values), 100 lies in (90, 100] -> Sangat Tinggi.
    assert rows["P08-1.1"]["Realisasi Tahun"] == pytest.approx(1.0)
    assert (rows["P08-1.1"]["Capaian (%)"], rows["P08-1.1"]["Status Capaian"]) == (pytest.approx(100.0),
                                                                                   "dihitung")
    # P03-5.1 is written "Rata- rata Presentase Kinerja ASN" in the seed: a misspelling of Persentase.
    problems = rows["P03-5.1"]["Validasi"]
    assert "[EJAAN_MENCURIGAKAN]" in problems and "Presentase" in problems


# ------------------------------------------------------------------ (3) the VBA wrapper


def test_the_vba_wrapper_declares_every_function_with_its_arguments() -> None:
    source = udf_wrapper_module("udfs").source
    declared = {
        m.group(1): [p.strip() for p in m.group(2).split(",")]
        for m in re.finditer(r"^Function (\w+)\(([^)]*)\)", source, re.M)
    }
    ws = openpyxl.load_workbook(SHIPPED_WORKBOOK)["Indikator"]
    index = _header_index(ws)
    seen = set()
    for header in COMPUTED:
        text = ws.cell(2, index[header]).value
        name, args = _call(text[1:])  # type: ignore[misc]
        params = declared[name]
        required = [p for p in params if not p.startswith("Optional ")]
        assert len(required) <= len(args) <= len(params), (header, name)
        # Every argument is given, so no Optional parameter is missing in the VBA call either.
        assert len(args) == len(params), (header, name, params)
        # The wrapper passes them all on to Python, in order.
        call = re.search(rf'XLPy\.CallUDF\("udfs", "{name}", Array\(([^)]*)\)', source)
        assert call and len(call.group(1).split(",")) == len(params)
        seen.add(name)
    expected_arity = {"SAKIP_REALISASI": 6, "SAKIP_CAPAIAN_TW": 14, "SAKIP_STATUS": 14, "SAKIP_KATEGORI": 5,
                      "SAKIP_VALIDASI": 4}
    assert {n: len(declared[n]) for n in seen} == expected_arity
