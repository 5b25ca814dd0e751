"""Cached values computed sheet by sheet (issue 13, memory): `regenerate` evaluates each unit sheet as soon as
every sheet it reads is final (book/values.evaluate_early, sheet_final) and frees its rule trees then.

The values must be those of the save's pass over the finished workbook: a sheet that reads a sheet written
later (a superior's sheet reads its pendukung's, which come after it in the workbook) waits for it, and a
sheet that reads one that may still change (not declared final) waits for the save.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from xl_sakip.book import values
from xl_sakip.book.writer import write_master
from xl_sakip.core import formula as fx
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp, Settings
from xl_sakip.regenerate import regenerate
from xl_sakip.sheets import unit_layout as ul


def _write(wb: Workbook, title: str, cells: dict[str, str | float]) -> None:
    """A sheet whose formulas are registered as a writer registers them (the tree, not the text)."""
    ws = wb.create_sheet(title)
    for ref, v in cells.items():
        ws[ref] = v
        if isinstance(v, str) and v.startswith("="):
            cell = ws[ref]
            values.register(wb, title, cell.row, cell.column, fx.parse(v))


def test_a_sheet_waits_for_the_sheets_it_reads() -> None:
    wb = Workbook()
    wb.active.title = "M"
    wb["M"]["A1"], wb["M"]["A2"] = 10, 20
    wb.create_sheet("R")["A1"] = 7  # exists, but may still change (a report sheet rewritten later)
    values.evaluate_early(wb, ["M"])
    # P reads C, written after it: P waits, its trees stay registered.
    _write(wb, "P", {"A1": "=C!A1+M!A2"})
    values.sheet_final(wb, "P")
    assert set(values._REGISTERED[wb]) == {"P"}
    _write(wb, "C", {"A1": "=M!A1*2"})
    values.sheet_final(wb, "C")
    assert values._REGISTERED[wb] == {}  # both evaluated: C!A1 = 10*2 = 20, P!A1 = 20+20 = 40
    # Q!A1 reads R (not final): Q waits for the save (its A2 reads R only in a branch not taken).
    _write(wb, "Q", {"A1": "=R!A1+1", "A2": "=IF(TRUE,M!A1,R!A1)"})
    values.sheet_final(wb, "Q")
    assert set(values._REGISTERED[wb]) == {"Q"}
    wb["R"]["A1"] = 8  # changed after Q was written: the save's values must see it
    got = values.cached_values(wb)
    assert got == {"P": {(1, 1): 40.0}, "C": {(1, 1): 20.0}, "Q": {(1, 1): 9.0, (2, 1): 10.0}}
    assert wb not in values._EARLY  # the save's pass ends the early evaluation


def _cascade() -> Cascade:
    """P01 sums ("jumlah") the TW1 realisasi of P02-1.1 (3) and P03-1.1 (4): 3 + 4 = 7."""
    positions = [Position(code="P01", title="KEPALA DINAS", parent=None, eselon=2, order=0),
                 Position(code="P02", title="KEPALA BIDANG A", parent="P01", eselon=3, order=1),
                 Position(code="P03", title="KEPALA BIDANG B", parent="P01", eselon=3, order=2)]
    ind = [Indicator(id="P01-1.1", position="P01", sasaran_no=1, sasaran="Sasaran", indikator="Jumlah",
                     target=10.0, target_text="10", kind=Kind.NUMBER, aggregation=Aggregation.SUM)]
    ind += [Indicator(id=f"{p}-1.1", position=p, sasaran_no=1, sasaran="Sasaran", indikator="Jumlah",
                      target=5.0, target_text="5", kind=Kind.NUMBER, aggregation=Aggregation.SUM,
                      supports="P01-1.1", rollup=RollUp.SUM, realisasi_q=[r, None, None, None])
            for p, r in (("P02", 3.0), ("P03", 4.0))]
    return Cascade(settings=Settings(office="Dinas Uji", year=2024), positions=positions, indicators=ind)


def test_a_superior_before_its_pendukung_gets_their_sum(tmp_path: Path) -> None:
    master = write_master(_cascade(), tmp_path / "master.xlsm")
    path = tmp_path / "book.xlsm"
    shutil.copyfile(master, path)
    regenerate(path)
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    names = formulas.sheetnames
    p01, p02, p03 = (next(n for n in names if n.startswith(c)) for c in ("P01", "P02", "P03"))
    assert names.index(p01) < names.index(p02) < names.index(p03)  # the superior's sheet comes first
    row = next(r for r in range(ul.FIRST_BODY_ROW, 30) if formulas[p01].cell(r, ul.C_ID).value == "P01-1.1")
    used = formulas[p01].cell(row, ul.C_PAKAI).value
    assert isinstance(used, str) and used.startswith("=")
    # The pendukung rows of P01 read P02's and P03's sheets, written after it.
    pd = [formulas[p01].cell(r, ul.C_PD_PAKAI).value for r in range(ul.FIRST_BODY_ROW, 40)]
    for child in (p02, p03):
        assert any(isinstance(f, str) and child in f for f in pd)
    assert cached[p01].cell(row, ul.C_PAKAI).value == 7.0
    assert cached[p02].cell(ul.FIRST_BODY_ROW, ul.C_PAKAI).value == 3.0


def test_regenerate_keeps_no_rule_tree_of_a_unit_sheet(tmp_path: Path) -> None:
    """The memory the change is for: once the unit sheets are written, none of them still holds registered
    trees (each was evaluated as soon as its pendukung's sheets were written), and nothing waits."""
    from xl_sakip.book.reader import read_master
    from xl_sakip.regenerate import load_for_update, regenerate_workbook
    from xl_sakip.sheets.openpyxl_writer import read_marker

    master = write_master(_cascade(), tmp_path / "master.xlsm")
    wb = load_for_update(master)
    values.evaluate_early(wb, [ws.title for ws in wb.worksheets if read_marker(ws) is None])
    written, _, _ = regenerate_workbook(wb, read_master(master))
    assert len(written) == 4  # three unit sheets and Ringkasan
    assert values._REGISTERED.get(wb, {}) == {}
    assert values._EARLY[wb].waiting == {}
    got = values.cached_values(wb)
    p01 = next(n for n in written if n.startswith("P01"))
    assert got[p01][(ul.FIRST_BODY_ROW, ul.C_PAKAI)] == 7.0


def test_an_early_evaluation_goes_with_its_workbook() -> None:
    """Kept per workbook (a weak key): it must not keep the workbook, hence all its cells, alive."""
    import gc
    import weakref

    wb = Workbook()
    values.evaluate_early(wb, [wb.active.title])
    gone = weakref.ref(wb)
    del wb
    gc.collect()
    assert gone() is None


def test_a_formula_reading_a_formula_not_yet_evaluated_gets_its_value() -> None:
    """A formula is first evaluated as if every cell it reads were known (WorkbookEnv._compute): reading a
    formula cell not evaluated yet stops that attempt, its references are evaluated first and it is
    evaluated again. By hand: A1 = C1*2 = (B1+1)*2 = 8 with B1 = 3; A2 = IF(B1>2, A1, C1) = 8."""
    wb = Workbook()
    wb.active.title = "S"
    wb["S"]["B1"] = 3
    _write(wb, "T", {"A1": "=C1*2", "A2": "=IF(S!B1>2,A1,C1)", "C1": "=S!B1+1"})
    env = values.WorkbookEnv(wb)
    assert env.value(("T", 2, 1)) == 8.0  # first: A1 and C1 are unknown when A2 is reached
    assert env.memo[("T", 1, 1)] == 8.0 and env.memo[("T", 1, 3)] == 4.0
    assert env._strict is False  # every attempt restores it, the one stopped too
    assert values.cached_values(wb) == {"T": {(1, 1): 8.0, (2, 1): 8.0, (1, 3): 4.0}}


def test_a_column_read_before_it_is_known_goes_first_in_later_rows() -> None:
    """A cell whose first attempt missed a formula cell of its row (column A reads column C, to its right)
    teaches the evaluation to evaluate C first in every later row (WorkbookEnv.after): one miss, not one
    per row. Only the order changes; the values by hand: C = B+1, A = C*2, so row r (B = r) gives
    A = 2r + 2. Row 5 reads the other way (C5 = A5+1 with A5 = 7): 7 and 8, learnt or not."""
    wb = Workbook()
    wb.active.title = "S"
    cells: dict[str, str | float] = {}
    for r in range(1, 5):
        cells.update({f"A{r}": f"=C{r}*2", f"B{r}": r, f"C{r}": f"=B{r}+1"})
    cells.update({"A5": "=7", "C5": "=A5+1"})
    _write(wb, "T", cells)
    env = values.WorkbookEnv(wb)
    misses = 0
    evaluate = env._evaluate

    def counting(key, expr, strict=False):  # type: ignore[no-untyped-def]
        nonlocal misses
        try:
            return evaluate(key, expr, strict)
        except values._Unknown:
            misses += 1
            raise

    env._evaluate = counting  # type: ignore[method-assign]
    got = {(r, c): env.value(("T", r, c)) for r in range(1, 6) for c in (1, 3)}
    assert got == {(1, 1): 4.0, (1, 3): 2.0, (2, 1): 6.0, (2, 3): 3.0, (3, 1): 8.0, (3, 3): 4.0,
                   (4, 1): 10.0, (4, 3): 5.0, (5, 1): 7.0, (5, 3): 8.0}
    # A1's first attempt missed C1; A2 ... A4 found C evaluated first. A5 had C5 evaluated first too, which
    # read A5 (a second miss, learnt the other way): the learnt order is a hint, never a loop.
    assert env.after == {1: {3}, 3: {1}}
    assert misses == 2


def test_a_branch_not_taken_into_a_sheet_not_final_does_not_wait() -> None:
    """A cell is evaluated from what it reads: a branch not taken into a sheet that may still change does
    not make it wait (its value cannot depend on that sheet). By hand: IF(TRUE, M!A1, R!A1) = 10, even
    once R!A1 is changed."""
    wb = Workbook()
    wb.active.title = "M"
    wb["M"]["A1"] = 10
    wb.create_sheet("R")["A1"] = 7
    values.evaluate_early(wb, ["M"])
    _write(wb, "Q", {"A1": "=IF(TRUE,M!A1,R!A1)"})
    values.sheet_final(wb, "Q")
    assert values._REGISTERED[wb] == {}  # evaluated now, its tree let go
    wb["R"]["A1"] = 8
    assert values.cached_values(wb) == {"Q": {(1, 1): 10.0}}


def test_a_defined_name_given_another_target_reads_the_new_one() -> None:
    """Defined names' targets are parsed once per text (WorkbookEnv.name): a name pointed elsewhere
    between two evaluations reads its new cell. By hand: nm -> S!A1 gives 5+1, then nm -> S!A2 gives 9+1."""
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    wb.active.title = "S"
    wb["S"]["A1"], wb["S"]["A2"] = 5, 9
    wb.defined_names["nm"] = DefinedName("nm", attr_text="S!$A$1")
    _write(wb, "T", {"A1": "=nm+1"})
    env = values.WorkbookEnv(wb)
    assert env.value(("T", 1, 1)) == 6.0
    wb.defined_names["nm"] = DefinedName("nm", attr_text="S!$A$2")
    env.memo.pop(("T", 1, 1))
    assert env.value(("T", 1, 1)) == 10.0
    wb.defined_names["nm"] = DefinedName("nm", attr_text="S!$A$1:$A$2")  # not one cell: no value
    env.memo.pop(("T", 1, 1))
    with pytest.raises(values.Unsupported):
        env.value(("T", 1, 1))


def _abandoned(discard: bool) -> bool:
    """An early evaluation whose memo holds an exception (a formula the evaluator cannot read, raised
    through the frames that hold the workbook), ended or not: is the workbook collected?"""
    import gc
    import weakref

    wb = Workbook()
    m = wb.active
    m.title, m["A1"], m["A2"] = "M", 10.0, "=FOO((("  # text only: parsed (and refused) when read
    values.evaluate_early(wb, ["M"])
    _write(wb, "P", {"A1": "=M!A1+M!A2"})
    values.sheet_final(wb, "P")
    if discard:
        values.discard_early(wb)
    gone = weakref.ref(wb)
    del wb, m
    gc.collect()
    return gone() is None


def test_an_abandoned_early_evaluation_is_ended() -> None:
    """Left in _EARLY, the exception's traceback kept the workbook alive for the whole process (the
    ribbon's Python): `discard_early` ends it (a reviewer's finding, 2026-12-04), and since session 8 a
    memoized exception keeps no frames at all (`values._drop_frames`), so even an early evaluation not
    ended lets its workbook go."""
    assert _abandoned(discard=False)
    assert _abandoned(discard=True)


def test_a_failed_regenerate_ends_its_early_evaluation(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A save that fails (disk full, say) leaves no early evaluation behind; the file is untouched."""
    import xl_sakip.regenerate as R

    master = write_master(_cascade(), tmp_path / "master.xlsm")
    before = master.read_bytes()
    seen: list[Workbook] = []

    def failing_save(wb: Workbook, *args: object, **kwargs: object) -> None:
        assert wb in values._EARLY  # the run had one
        seen.append(wb)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(R, "save_workbook", failing_save)
    with pytest.raises(Exception):  # noqa: B017 (whatever the CLI makes of it; here: nothing left behind)
        regenerate(master)
    assert seen and seen[0] not in values._EARLY
    assert master.read_bytes() == before


def _frames(exc: BaseException) -> int:
    n, tb = 0, exc.__traceback__
    while tb is not None:
        n, tb = n + 1, tb.tb_next
    return n


def test_a_kept_unsupported_does_not_gather_the_frames_of_every_cell_that_reads_it() -> None:
    """An exception object raised again adds the frames it passes through to its traceback: the memo's
    and the parsed texts' Unsupported, raised for every cell that reads them, held every evaluator frame
    and its locals (58 MB at the save of 10 000 indicators). 200 cells read each of them here; their
    tracebacks stay a few frames long, whatever the number of readers."""
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "=SAKIP_CAPAIAN(1)"  # a UDF: no cached value
    for r in range(1, 201):
        ws.cell(r, 2).value = "=A1+1"
        ws.cell(r, 3).value = "=[[#This Row],[X]]"  # a text the parser cannot read, the same in every row
    env = values.WorkbookEnv(wb)
    for r in range(1, 201):
        for c in (2, 3):
            with pytest.raises(values.Unsupported):
                env.value(("S", r, c))
    kept = [env.memo[("S", 1, 1)], env.memo[("S", 1, 2)],
            *[e for e in env.parsed.values() if isinstance(e, values.Unsupported)]]
    assert len(kept) == 3 and str(kept[0]) == "function SAKIP_CAPAIAN"
    assert max(_frames(e) for e in kept) <= 4


def _tabled(wb: Workbook, title: str) -> None:
    """Sheet `title` holding tblT: headers Kode, Nilai; rows a/2, b/=3*4, c/(empty)."""
    from openpyxl.worksheet.table import Table

    _write(wb, title, {"A1": "Kode", "B1": "Nilai", "A2": "a", "B2": 2, "A3": "b", "B3": "=3*4", "A4": "c"})
    wb[title].add_table(Table(displayName="tblT", ref="A1:B4"))


def test_a_table_column_gives_its_values_and_memoizes_only_its_formulas() -> None:
    """A column read whole keeps its values (`table_column`): its constants are not memoized again (the
    master's Indikator columns were 200 000 memo entries, issue 13), its formula cells are."""
    wb = Workbook()
    wb.active.title = "M"
    _tabled(wb, "T")
    values.evaluate_early(wb, ["M", "T"])
    # By hand: SUM(2, 12, empty) = 14; the row of "b" is the 2nd; its Nilai 3*4 = 12.
    _write(wb, "U", {"A1": "=SUM(tblT[Nilai])", "A2": '=MATCH("b",tblT[Kode],0)',
                     "A3": '=INDEX(tblT[Nilai],MATCH("b",tblT[Kode],0))'})
    done = values.sheet_final(wb, "U")
    assert done["U"][1] == {(1, 1): 14.0, (2, 1): 2.0, (3, 1): 12.0}
    memo = values._EARLY[wb].env.memo
    assert ("T", 3, 2) in memo  # the formula cell
    assert not {("T", r, c) for r in (2, 3, 4) for c in (1, 2)} - {("T", 3, 2)} & set(memo)


def test_a_table_column_of_a_sheet_that_may_change_waits() -> None:
    wb = Workbook()
    wb.active.title = "M"
    _tabled(wb, "T")
    values.evaluate_early(wb, ["M"])  # T may still change: a read of its column waits for it
    _write(wb, "U", {"A1": "=SUM(tblT[Nilai])", "A2": '=MATCH("b",tblT[Kode],0)'})  # Kode: constants only
    assert values.sheet_final(wb, "U") == {}
    wb["T"]["B2"], wb["T"]["A2"] = 5, "b"  # changed before T is final: U sees it
    # By hand: 5 + 12 = 17; "b" is now in the 1st row
    assert values.sheet_final(wb, "T")["U"][1] == {(1, 1): 17.0, (2, 1): 1.0}


def _table_with(wb: Workbook, title: str, *, header: bool, totals: bool) -> None:
    """tblT with columns Kode, Nilai and data rows a/2, b/12; a header row and a totals row (Kode "Total",
    Nilai 100) only as asked. Without a header row the column names live only in the table's definition."""
    from openpyxl.worksheet.table import Table

    rows = [("a", 2), ("b", 12)]
    cells: list[tuple[str, str | float]] = [("Kode", "Nilai")] * header + rows + [("Total", 100)] * totals
    _write(wb, title, {f"{c}{r}": v for r, pair in enumerate(cells, start=1)
                       for c, v in zip("AB", pair, strict=True)})
    table = Table(displayName="tblT", ref=f"A1:B{len(cells)}", headerRowCount=int(header),
                  totalsRowCount=int(totals) or None)
    table._initialise_columns()
    table.tableColumns[0].name, table.tableColumns[1].name = "Kode", "Nilai"
    wb[title].add_table(table)


@pytest.mark.parametrize(("header", "totals"), [(True, True), (False, False), (False, True)])
def test_a_table_column_is_its_data_rows_only(header: bool, totals: bool) -> None:
    """A structured reference reads the rows between the header row and the totals row, each of which a
    table may have or not (the totals row used to be summed in; a headerless table's first row was taken
    for its column names, so its columns were not found)."""
    wb = Workbook()
    wb.active.title = "M"
    _table_with(wb, "T", header=header, totals=totals)
    values.evaluate_early(wb, ["M", "T"])
    _write(wb, "U", {"A1": "=SUM(tblT[Nilai])", "A2": '=MATCH("b",tblT[Kode],0)',
                     "A3": "=COUNT(tblT[Nilai])"})
    # By hand: 2 + 12 = 14 (not the totals row's 100); "b" is the 2nd data row; 2 numbers (the totals
    # row's is not counted).
    assert values.sheet_final(wb, "U")["U"][1] == {(1, 1): 14.0, (2, 1): 2.0, (3, 1): 2.0}


def test_a_users_table_with_a_total_row_is_cached_as_libreoffice_computes_it(tmp_path: Path) -> None:
    """End to end: a sheet of the user's own reading a table of theirs with Excel's "Total Row" on gets the
    cached values LibreOffice computes when it recalculates the regenerated workbook."""
    from tests.libreoffice import recalc_values

    master = write_master(_cascade(), tmp_path / "master.xlsm")
    wb = openpyxl.load_workbook(master, keep_vba=True)
    _table_with(wb, "Data Saya", header=True, totals=True)
    wb.create_sheet("Hitung Saya")["A1"] = "=SUM(tblT[Nilai])"
    wb["Hitung Saya"]["A2"] = '=INDEX(tblT[Nilai],MATCH("b",tblT[Kode],0))'
    path = tmp_path / "book.xlsm"
    wb.save(path)
    regenerate(path)
    cached = openpyxl.load_workbook(path, data_only=True)["Hitung Saya"]
    assert (cached["A1"].value, cached["A2"].value) == (14.0, 12.0)  # by hand: 2 + 12; b's Nilai
    lo = recalc_values(path, tmp_path / "lo")["Hitung Saya"]
    assert (lo["A1"].value, lo["A2"].value) == (14, 12)


def test_a_column_name_matches_as_excel_matches_it_before_its_spaces_are_collapsed() -> None:
    """"Nilai" and "nilai " (trailing space) are two columns for Excel; [Nilai] is the first. Collapsing
    spaces first made the later column win (cached 1500 where LibreOffice computes 15; red team)."""
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    wb.active.title = "M"
    _write(wb, "T", {"A1": "Nilai", "B1": "nilai ", "A2": 5, "B2": 500, "A3": 10, "B3": 1000})
    wb["T"].add_table(Table(displayName="tblSp", ref="A1:B3"))
    values.evaluate_early(wb, ["M", "T"])
    _write(wb, "U", {"A1": "=SUM(tblSp[Nilai])", "A2": "=SUM(tblSp[nilai ])", "A3": "=SUM(tblSp[NILAI])"})
    # By hand: 5 + 10 = 15 (any case matches); 500 + 1000 = 1500
    assert values.sheet_final(wb, "U")["U"][1] == {(1, 1): 15.0, (2, 1): 1500.0, (3, 1): 15.0}
