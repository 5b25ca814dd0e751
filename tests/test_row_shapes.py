"""Unit-sheet rows by shape (sheets/row_shapes.py): a row instantiated from its shape's placeholders is what
row_formulas gives for it, and evaluates to values worked out by hand from its own cells."""

from __future__ import annotations

from xl_sakip.core import formula as fx
from xl_sakip.core.models import Aggregation, Indicator, Kind, Polarity
from xl_sakip.core.rules import NAME_QUARTER_IN_FORCE
from xl_sakip.sheets.plan import Content, Formula
from xl_sakip.sheets.row_shapes import RowShapes
from xl_sakip.sheets.unit_layout import C_ID, C_PD_ANGKA, C_PD_MASALAH, C_PD_PAKAI, C_R_ANAK, C_TAHUN, C_TW
from xl_sakip.sheets.unit_rules import row_formulas


class RowEnv(fx.Env):
    """One sheet: constants given by hand, every other cell the formula of a planned row (evaluated)."""

    def __init__(self, given: dict[tuple[int, int], object], rows: dict[int, dict[int, Content]]) -> None:
        self.given, self.rows = given, rows

    def cell(self, sheet: str | None, col: int, row: int) -> fx.Scalar:
        if (col, row) in self.given:
            return self.given[(col, row)]  # type: ignore[return-value]
        v = self.rows.get(row, {}).get(col)
        if isinstance(v, Formula):
            return fx.evaluate(v.expr, self)  # type: ignore[arg-type]
        return fx.EMPTY if v is None else v  # type: ignore[return-value]

    def name(self, name: str) -> fx.Scalar:
        return 4.0 if name == NAME_QUARTER_IN_FORCE else fx.NAME


def _ind(id_: str, kind: Kind, agg: Aggregation, position: str = "P01",
         polarity: Polarity = Polarity.HIGHER_IS_BETTER) -> Indicator:
    return Indicator(id=id_, position=position, kind=kind, aggregation=agg, polarity=polarity)


def _same(got: dict[int, Content], want: dict[int, Content]) -> None:
    assert got.keys() == want.keys()
    for col, w in want.items():
        g = got[col]
        if isinstance(w, Formula):
            assert isinstance(g, Formula) and g.text == w.text, col
            assert fx.formula_text(g.expr) == w.text, col  # type: ignore[arg-type]
        else:
            assert g == w and type(g) is type(w), col


def test_each_shape_keeps_its_own_rule_and_its_own_row() -> None:
    """A count (jumlah: the quarters add up) and a percentage (terakhir: the latest quarter) planned by the
    same RowShapes, the count first at another row: each row reads its own row's cells with its own rule.
    Realisasi 10, 20, 30, 40 reported up to TW 4: the count's realisasi is 100, the percentage's 40."""
    shapes = RowShapes()
    shapes.row(_ind("A.1", Kind.NUMBER, Aggregation.SUM), 9, [], False, 1)  # the shapes made at row 9
    shapes.row(_ind("A.2", Kind.PERCENT, Aggregation.LATEST), 10, [], False, 2)
    count = shapes.row(_ind("B.1", Kind.NUMBER, Aggregation.SUM, "P02"), 15, [], False, 7)
    pct = shapes.row(_ind("B.2", Kind.PERCENT, Aggregation.LATEST, "P02"), 16, [], False, 8)
    _same(count, row_formulas(_ind("B.1", Kind.NUMBER, Aggregation.SUM, "P02"), 15, [], False, 7))
    _same(pct, row_formulas(_ind("B.2", Kind.PERCENT, Aggregation.LATEST, "P02"), 16, [], False, 8))
    assert count[C_ID] == "B.1" and pct[C_ID] == "B.2"
    assert '"jumlah|naik|jumlah|P02"' in count[17].text  # type: ignore[union-attr]  # Keterangan: its code
    given: dict[tuple[int, int], object] = {}
    for r in (15, 16):
        for q, v in enumerate((10.0, 20.0, 30.0, 40.0)):
            given[(C_TW[q], r)] = v
    env = RowEnv(given, {15: count, 16: pct})
    assert fx.evaluate(count[C_TAHUN].expr, env) == 100.0  # type: ignore[union-attr,arg-type]
    assert fx.evaluate(pct[C_TAHUN].expr, env) == 40.0  # type: ignore[union-attr,arg-type]
    # Realisasi at row 9 (where the count's shape was made) and none at row 15: none is read.
    moved = {(c, 9 if r == 15 else r): v for (c, r), v in given.items()} | {(c, 15): "" for c in C_TW}
    assert fx.evaluate(count[C_TAHUN].expr, RowEnv(moved, {15: count})) == ""  # type: ignore[union-attr,arg-type]


def test_a_parent_whose_block_starts_at_its_own_row() -> None:
    """A parent at row 12 whose pendukung block is rows 12..14 (its row number and the block's first row
    the same value, which the shape keeps apart), the shape made from a parent at row 9 with block 20..22:
    its pendukung realisasi 5, 7 and 11 roll up to 23."""
    shapes = RowShapes()
    kids = [("S", 9), ("S", 10), ("S", 11)]
    shapes.row(_ind("A.1", Kind.NUMBER, Aggregation.SUM), 9, kids, False, 1, (20, 22))
    ind = _ind("A.9", Kind.NUMBER, Aggregation.SUM)
    row = shapes.row(ind, 12, kids, False, 12, (12, 14))
    _same(row, row_formulas(ind, 12, kids, False, 12, (12, 14)))
    given: dict[tuple[int, int], object] = {}
    for r, v in zip((12, 13, 14), (5.0, 7.0, 11.0), strict=True):
        given[(C_PD_PAKAI, r)], given[(C_PD_ANGKA, r)], given[(C_PD_MASALAH, r)] = v, v, 0.0
    assert fx.evaluate(row[C_R_ANAK].expr, RowEnv(given, {12: row})) == 23.0  # type: ignore[union-attr,arg-type]


def test_every_kind_of_row_is_instantiated_as_row_formulas_writes_it() -> None:
    """Grades, ranges, ratios, a cycle, no position in the master, PK Perubahan versions: each shape is
    instantiated from its placeholders (not built row by row) and gives row_formulas' cells at two rows."""
    perubahan = ("PK Perubahan 1", 'PK "2"')
    cases = [
        (_ind("G.1", Kind.GRADE, Aggregation.LATEST), [], False, 3, None, ()),
        (_ind("R.1", Kind.PERCENT, Aggregation.LATEST, polarity=Polarity.RANGE), [], False, 4, None,
         perubahan),
        (_ind("Q.1", Kind.PERCENT, Aggregation.RATIO, polarity=Polarity.LOWER_IS_BETTER), [], False, None,
         None, ()),
        (_ind("C.1", Kind.INDEX, Aggregation.LATEST), [("S", 9)], True, 5, None, ()),
        (_ind("K.1", Kind.INDEX, Aggregation.LATEST), [("S", 9), ("S", 10)], False, 6, (40, 41), perubahan),
    ]
    shapes = RowShapes()
    for ind, kids, cycle, k, block, pv in cases:
        for shift in (0, 31):
            moved = None if block is None else (block[0] + shift, block[1] + shift)
            kk = None if k is None else k + shift
            ind2 = ind.model_copy(update={"id": f"{ind.id}{shift}", "position": f"X{shift}"})
            got = shapes.row(ind2, 9 + shift, kids, cycle, kk, moved, pv)
            _same(got, row_formulas(ind2, 9 + shift, kids, cycle, kk, moved, pv))
    assert len(shapes._shapes) == len(cases)
    assert all(s is not None and s.ok for s in shapes._shapes.values())


def test_a_row_that_reads_its_pendukung_cells_is_not_taken_from_its_shape(monkeypatch) -> None:
    """The pendukung's sheets and rows are no slot of a shape: were row_formulas to read them, the shape's
    check must refuse it, and each row keep its own pendukung (here a text naming them, by hand)."""
    from xl_sakip.sheets import row_shapes

    def reading_kids(ind, r, children, *args):  # type: ignore[no-untyped-def]
        out = row_formulas(ind, r, children, *args)
        out[C_ID] = ";".join(f"{sheet}!{row}" for sheet, row in children)
        return out

    monkeypatch.setattr(row_shapes, "row_formulas", reading_kids)
    shapes = RowShapes()
    parent = _ind("P01-1.1", Kind.NUMBER, Aggregation.SUM)
    a = shapes.row(parent, 8, [("Kasi A", 8), ("Kasi A", 9)], False, 3, (20, 21))
    b = shapes.row(parent, 9, [("Kasi B", 12), ("Kasi C", 8)], False, 4, (22, 23))
    assert a[C_ID] == "Kasi A!8;Kasi A!9"
    assert b[C_ID] == "Kasi B!12;Kasi C!8"
