"""Long chains (issue 12, item 4): iterate, don't recurse.

- A Kode Atasan chain of 1 200 positions (each the superior of the next) crashed `tree` with RecursionError
  (tree._descendants recursed once per level). The picture now holds every position, each box at least
  half a column wide however deep it sits.
- A Mendukung ID chain of 400 indicators (each rolled up, "jumlah", into the one before) crashed the
  core's roll-up with RecursionError; it iterates now (core/rollup._Roll, core/graph.py), and so does the
  evaluator of the cached values (book/values.WorkbookEnv.value).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_sakip.book.writer import write_master
from xl_sakip.cli import app
from xl_sakip.core.models import Aggregation, Cascade, Indicator, Kind, Position, RollUp, Settings


def position_chain(n: int) -> Cascade:
    """P0000 <- P0001 <- ... <- P(n-1): each position the superior of the next, one indicator each."""
    positions = [Position(code=f"P{k:04d}", title=f"Jabatan {k}", parent=f"P{k - 1:04d}" if k else None,
                          eselon=min(2 + k, 4), order=k) for k in range(n)]
    indicators = [Indicator(id=f"P{k:04d}-1.1", position=f"P{k:04d}", sasaran_no=1, sasaran="Sasaran",
                            indikator=f"Jumlah peserta {k}", target=10.0, target_text="10 orang",
                            satuan="orang", kind=Kind.NUMBER, aggregation=Aggregation.SUM) for k in range(n)]
    return Cascade(settings=Settings(office="Dinas Uji", year=2024), positions=positions,
                   indicators=indicators)


def support_chain(n: int) -> Cascade:
    """P01-1.1 <- P01-1.2 <- ... : each index rolled up ("jumlah") into the one before, TW1 realisasi 1."""
    indicators = [Indicator(id=f"P01-1.{k + 1}", position="P01", sasaran_no=1, sasaran="Sasaran",
                            indikator=f"Nilai {k}", target=1.0, target_text="1", kind=Kind.INDEX,
                            aggregation=Aggregation.LATEST, supports=f"P01-1.{k}" if k else None,
                            rollup=RollUp.SUM if k else RollUp.NONE, realisasi_q=[1.0, None, None, None])
                  for k in range(n)]
    return Cascade(settings=Settings(office="Dinas Uji", year=2024),
                   positions=[Position(code="P01", title="KEPALA DINAS", parent=None, eselon=2, order=0)],
                   indicators=indicators)


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout + r.stderr


def test_tree_of_a_1200_level_position_chain(tmp_path: Path) -> None:
    from xl_sakip.tree import layout

    cascade = position_chain(1200)
    drawing = layout(cascade)
    assert set(drawing.boxes) == {f"P{k:04d}" for k in range(1200)}
    widths = [b.w for b in drawing.boxes.values()]
    assert min(widths) >= max(widths[1:]) / 2 - 1e-9 > 0  # the root is wider; the others keep half a column
    # Depth order: each box below its superior's.
    ys = [drawing.boxes[f"P{k:04d}"].y for k in range(1200)]
    assert ys == sorted(ys) and len(set(ys)) == 1200
    path = write_master(cascade, tmp_path / "rantai.xlsm")
    code, text = run("tree", str(path), "-o", str(tmp_path / "pohon.svg"))
    assert code == 0, text
    svg = (tmp_path / "pohon.svg").read_text(encoding="utf-8")
    assert all(f">P{k:04d} Jabatan {k}<" in svg for k in (0, 1, 599, 1199))
    code, text = run("check", str(path))
    assert code == 0 and "0 galat" in " ".join(text.split())




@pytest.fixture(scope="module")
def chain_400(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_master(support_chain(400), tmp_path_factory.mktemp("chain") / "dukungan.xlsm")


def test_check_of_a_400_level_support_chain(chain_400: Path) -> None:
    code, text = run("check", str(chain_400))
    # Each parent's target (1) equals its one child's, and so do the TW1 realisasi: no galat, exit 0.
    assert code == 0, text


def test_regenerate_of_a_400_level_support_chain(chain_400: Path, tmp_path: Path) -> None:
    path = tmp_path / "dukungan.xlsm"
    path.write_bytes(chain_400.read_bytes())
    code, text = run("regenerate", str(path))
    assert code == 0, text


def test_tree_of_a_400_level_support_chain(chain_400: Path, tmp_path: Path) -> None:
    code, text = run("tree", str(chain_400), "-o", str(tmp_path / "pohon.svg"))
    assert code == 0, text


def test_recursion_is_a_message_not_a_traceback(chain_400: Path) -> None:
    """Until the core iterates: the CLI's safety net says what is wrong, exit 2, no traceback."""
    code, text = run("check", str(chain_400))
    assert "Traceback" not in text and "RecursionError" not in text
    if code == 2:
        assert "rantai Kode Atasan atau Mendukung ID di workbook ini terlalu panjang" in " ".join(
            text.split())
