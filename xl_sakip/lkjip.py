"""LKjIP Bab III: the performance-measurement table of the office (PermenPANRB 53/2014), per sasaran and
indicator of one position (the root, the Kepala Dinas, by default), "s.d. TW n".

Per indicator: realisasi of the two previous years (Riwayat), target and realisasi of this year, capaian
against the annual target and its category, the Renstra final target and the capaian against it, and the
narrative of the reporting quarter (Narasi). Every figure is a native formula: this year's from the
position's unit sheet (the same cells the Capaian readings show), the others rules of core/rules.py
(section "the SAKIP year") over the master tables; cached values as every generated sheet. Printable A4
landscape.

`xl-sakip lkjip WORKBOOK [--position KODE] --pdf FOLDER` prints it through LibreOffice, as `pk` does: the
sheet is built with the unit sheets in memory from the master (the user's file is only read), its values
computed by the engine that writes cached values, and a one-sheet workbook of those values converted.

Decision (no rule found): the capaian against the Renstra final target reads this year's realisasi (as the
capaian does) against the target of the Renstra's last year, with the indicator's polarity; it does not add
up the realisasi of the Renstra years.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from xl_sakip.book import schema as s
from xl_sakip.book.package import write_output
from xl_sakip.core import formula as fx
from xl_sakip.core import rules
from xl_sakip.core import words as w
from xl_sakip.core.models import Cascade, Kind, Position
from xl_sakip.errors import UserError
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.index import indicators_by_position
from xl_sakip.sheets.plan import Content, Formula, SheetPlan, StyleSpan
from xl_sakip.sheets.refs import setting
from xl_sakip.sheets.textfit import wrapped_heights

LKJIP_KIND = "lkjip"
SHEET = "LKjIP Bab III"

TITLE_ROW, OFFICE_ROW, POSITION_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 5, 6
C_NO, C_SASARAN, C_INDIKATOR, C_SATUAN = 1, 2, 3, 4
C_R2, C_R1, C_TARGET, C_REALISASI, C_CAPAIAN, C_KATEGORI = 5, 6, 7, 8, 9, 10
C_RENSTRA, C_CAP_RENSTRA = 11, 12
C_PENDUKUNG, C_PENGHAMBAT, C_UPAYA = 13, 14, 15
C_ID = 16
C_ALASAN_RENSTRA, C_MENTAH_RENSTRA = 17, 18  # helpers of the capaian against the Renstra (narrow)
N_COLS = 18
WIDTHS: dict[int, float] = {
    C_NO: 5, C_SASARAN: 26, C_INDIKATOR: 34, C_SATUAN: 9, C_R2: 11, C_R1: 11, C_TARGET: 11,
    C_REALISASI: 11, C_CAPAIAN: 14, C_KATEGORI: 13, C_RENSTRA: 11, C_CAP_RENSTRA: 18,
    C_PENDUKUNG: 26, C_PENGHAMBAT: 26, C_UPAYA: 26, C_ID: 9, C_ALASAN_RENSTRA: 4, C_MENTAH_RENSTRA: 4,
}

SET_YEAR = fx.Name(setting("settings.year"))
QUARTER = rules.REPORTING_QUARTER  # an empty "Laporan s.d. Triwulan" is TW 4, as in every rule


def _icol(field: str) -> fx.TableCol:
    return fx.TableCol(s.TABLE_INDICATORS, next(c.header for c in s.INDICATOR_COLUMNS if c.field == field))


def same_id(a: str, b: str) -> bool:
    """Two IDs as the sheets' "=" and MATCH compare them: text, case ignored (reader._excel_key)."""
    return a.casefold() == b.casefold()


def key_of(code: str) -> str:
    """Marker key of an LKjIP sheet (never a bare position code: that is a unit sheet's key)."""
    return f"LKJIP-{code}"


def code_of(key: str) -> str | None:
    return key[6:] if key.startswith("LKJIP-") else None


def root_of(cascade: Cascade) -> Position | None:
    """The office's position: the one without a superior (the first, if the tree is not yet right)."""
    roots = [p for p in cascade.positions if not p.parent]
    return roots[0] if roots else (cascade.positions[0] if cascade.positions else None)


def _F(e: fx.Expr) -> Formula:
    return Formula(fx.formula_text(e), e)


def _header(text: str, year_shift: int | None = None) -> Content:
    if year_shift is None:
        return text
    return _F(fx.lift(text + " ") & (SET_YEAR - year_shift if year_shift else SET_YEAR))


def plan_lkjip(cascade: Cascade, code: str, units: dict[str, str], name: str | None = None) -> SheetPlan:
    """The LKjIP Bab III sheet of position `code`; `units`: position code -> its unit sheet's name."""
    pos = cascade.position(code)
    unit = units.get(code)
    inds = indicators_by_position(cascade).get(code, [])
    grid: list[list[Content]] = []

    def row(values: list[Content]) -> int:
        grid.append(values + [None] * (N_COLS - len(values)))
        return len(grid)

    row([_F(fx.lift("PENGUKURAN KINERJA TAHUN ") & SET_YEAR & " S.D. TW " & QUARTER
            & " (LKjIP BAB III)")])
    row([_F(fx.Name(setting("settings.office")))])
    row([pos.title if unit is None else _F(fx.Cell(ul.VALUE_COL, ul.JABATAN_ROW, unit, True, True))])
    row([])
    heads: list[Content] = [
        "No", "Sasaran Strategis", "Indikator Kinerja", "Satuan", _header("Realisasi", 2),
        _header("Realisasi", 1), _header("Target", 0), _F(fx.lift("Realisasi s.d. TW ") & QUARTER),
        "Capaian (%)", "Kategori", "Target Akhir Renstra", "Capaian thd Target Akhir Renstra (%)",
        "Faktor Pendukung", "Faktor Penghambat", "Upaya / Tindak Lanjut", "ID",
        "Alasan: Capaian thd Renstra", "Capaian thd Renstra Sebelum Batas"]
    row(heads)
    prev: object = object()
    number0: list[int] = []
    texts: dict[tuple[int, int], str] = {}
    unit_rows = {i.id: ul.FIRST_BODY_ROW + k for k, i in enumerate(inds)}
    for ind in inds:
        r = len(grid) + 1
        ID = fx.Cell(C_ID, r, abs_col=True)
        cells: dict[int, Content] = {C_ID: ind.id}

        def u(col: int, ind_id: str = ind.id) -> fx.Expr:  # this indicator's cell of the unit sheet
            return fx.Cell(col, unit_rows[ind_id], unit, True, True) if unit else fx.lift("")

        group = (ind.sasaran_no, ind.sasaran)
        if group != prev:
            cells[C_NO] = ind.sasaran_no
            cells[C_SASARAN] = _F(fx.IFERROR(fx.INDEX(_icol("sasaran"), fx.MATCH(ID, _icol("id"), 0)),
                                             ul.NOT_FOUND))
            texts[(r, C_SASARAN)] = ind.sasaran
        prev = group
        texts[(r, C_INDIKATOR)] = ind.indikator
        cells[C_INDIKATOR] = _F(u(ul.C_INDIKATOR))
        cells[C_SATUAN] = _F(u(ul.C_SATUAN))
        cells[C_R2] = _F(rules.past_realisasi(ID, SET_YEAR - 2))
        cells[C_R1] = _F(rules.past_realisasi(ID, SET_YEAR - 1))
        cells[C_TARGET] = _F(u(ul.C_T_TAHUNAN))
        cells[C_REALISASI] = _F(u(ul.C_PAKAI))
        cells[C_CAPAIAN] = _F(u(ul.C_CAP_TAHUNAN))
        K = fx.Cell(C_CAPAIAN, r)
        cells[C_KATEGORI] = _F(rules.category(K))
        cells[C_RENSTRA] = _F(rules.renstra_final_target(ID))
        H, T = fx.Cell(C_REALISASI, r), fx.Cell(C_RENSTRA, r)
        why = fx.Cell(C_ALASAN_RENSTRA, r)
        upper = u(ul.C_TATAS)
        cells[C_ALASAN_RENSTRA] = _F(rules.capaian_reason(ind.kind, ind.polarity, H, T, upper,
                                                          no_target=w.NO_RENSTRA))
        raw = rules.capaian_value(ind.kind, ind.polarity, H, T, upper)
        cells[C_MENTAH_RENSTRA] = _F(fx.IF(why.eq(""), raw, ""))
        cells[C_CAP_RENSTRA] = _F(rules.capaian(why, fx.Cell(C_MENTAH_RENSTRA, r)))
        # What the cells will say, for the row height: Renstra and Narasi rows of this ID as the formulas
        # find them ("=": case ignored, nothing else).
        if not any(same_id(x.id, ind.id) for x in cascade.renstra):
            texts[(r, C_CAP_RENSTRA)] = w.NC + w.NO_RENSTRA
        heads_n = rules.NARRATIVE_HEADERS
        for col, header in ((C_PENDUKUNG, heads_n[2]), (C_PENGHAMBAT, heads_n[3]), (C_UPAYA, heads_n[4])):
            cells[col] = _F(rules.narrative(ID, rules.REPORTING_QUARTER, header))
        for x in cascade.narratives:
            if same_id(x.id, ind.id) and x.quarter == cascade.settings.reporting_quarter:
                texts |= {(r, C_PENDUKUNG): x.pendukung, (r, C_PENGHAMBAT): x.penghambat,
                          (r, C_UPAYA): x.upaya}
        if ind.kind is Kind.NUMBER:
            number0.append(r)
        row([cells.get(c) for c in range(1, N_COLS + 1)])
    last = len(grid)
    n = row([])
    row(["Angka di sheet ini adalah rumus yang merujuk ke sheet unit jabatan ini dan ke sheet Riwayat, "
         "Renstra dan Narasi; jangan diubah manual. Capaian terhadap target tahunan (Permendagri 86/2017)."])
    styles = [StyleSpan("title", TITLE_ROW, 1, TITLE_ROW, 1),
              StyleSpan("head", HEADER_ROW, 1, HEADER_ROW, C_ID), StyleSpan("note", n + 1, 1, n + 1, 1)]
    if inds:
        styles += [StyleSpan("text", FIRST_ROW, C_NO, last, C_SATUAN),
                   StyleSpan("number", FIRST_ROW, C_R2, last, C_CAPAIAN),
                   StyleSpan("text", FIRST_ROW, C_KATEGORI, last, C_KATEGORI),
                   StyleSpan("number", FIRST_ROW, C_RENSTRA, last, C_RENSTRA),
                   StyleSpan("numberwrap", FIRST_ROW, C_CAP_RENSTRA, last, C_CAP_RENSTRA),
                   StyleSpan("text", FIRST_ROW, C_PENDUKUNG, last, C_ID)]
        styles += [StyleSpan("number0", r, C_R2, r, C_REALISASI) for r in number0]
        styles += [StyleSpan("number0", r, C_RENSTRA, r, C_RENSTRA) for r in number0]
    return SheetPlan(name=name or sheet_name(cascade, code), kind=LKJIP_KIND, key=key_of(code), cells=grid,
                     styles=styles, column_widths=WIDTHS,
                     row_heights=wrapped_heights(grid, styles, WIDTHS, texts))


def sheet_name(cascade: Cascade, code: str) -> str:
    root = root_of(cascade)
    return SHEET if root is not None and root.code == code else f"LKjIP {code}"[:31]


def plan_lkjip_sheets(cascade: Cascade, units: dict[str, str], taken: frozenset[str] = frozenset()
                      ) -> list[SheetPlan]:
    """What regenerate writes: the LKjIP of the office (the root position)."""
    root = root_of(cascade)
    if root is None:
        return []
    name = sheet_name(cascade, root.code)
    k = 2
    while name in taken:
        name, k = f"{SHEET} ({k})", k + 1
    return [plan_lkjip(cascade, root.code, units, name)]


def finish_lkjip(ws) -> None:  # an openpyxl worksheet
    """Print setup: A4 landscape, one page wide, the header row on every page; helpers hidden."""
    from openpyxl.utils import get_column_letter

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(C_UPAYA)}{ws.max_row}"
    ws.freeze_panes = f"{get_column_letter(C_R2)}{FIRST_ROW}"
    for col in (C_ID, C_ALASAN_RENSTRA, C_MENTAH_RENSTRA):
        ws.column_dimensions[get_column_letter(col)].hidden = True


# ------------------------------------------------------------------ PDF


def _pdf_name(cascade: Cascade, code: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", cascade.position(code).title).strip("_")[:40]
    return f"LKjIP_BabIII_{cascade.settings.year}_TW{cascade.settings.reporting_quarter}_{code}_{slug}.pdf"


def value_sheet(cascade: Cascade, code: str):  # -> openpyxl Workbook
    """A one-sheet workbook holding the values of the LKjIP sheet of `code`, as the engine computes them
    on the workbook regenerate would write (master, unit sheets, this sheet), formatted for printing."""
    from openpyxl import Workbook

    from xl_sakip.book.values import cached_values
    from xl_sakip.book.writer import build_master
    from xl_sakip.sheets.openpyxl_writer import write_sheet
    from xl_sakip.sheets.replan import plan_for
    from xl_sakip.sheets.unit import UNIT_KIND

    wb = build_master(cascade)
    plan = plan_for(wb.sheetnames, {}, cascade)
    units = {sp.key: sp.name for sp in plan.sheets if sp.kind == UNIT_KIND}
    for sp in plan.sheets:
        write_sheet(wb, sp)
    sp = plan_lkjip(cascade, code, units)
    write_sheet(wb, sp)
    values = cached_values(wb, [sp.name]).get(sp.name, {})
    cells = [[values.get((r, c), v) if isinstance(v, Formula) else v for c, v in enumerate(row, start=1)]
             for r, row in enumerate(sp.cells, start=1)]
    out = Workbook()
    out.remove(out.active)
    ws = write_sheet(out, SheetPlan(name=sp.name, kind=sp.kind, key=sp.key, cells=cells, styles=sp.styles,
                                    column_widths=sp.column_widths, row_heights=sp.row_heights))
    finish_lkjip(ws)
    return out


def export_pdf(cascade: Cascade, outdir: str | Path, position: str | None = None, *,
               timeout: float = 600) -> Path:
    """The LKjIP Bab III of `position` (default: the root) as PDF in `outdir`, made by LibreOffice."""
    if position is None:
        root = root_of(cascade)
        if root is None:
            raise UserError(f"Sheet {s.SHEET_POSITIONS} tidak berisi jabatan: tidak ada LKjIP untuk dibuat.")
        position = root.code
    codes = [p.code for p in cascade.positions]
    if position not in codes:
        raise UserError(f"Kode jabatan '{position}' tidak ada di sheet {s.SHEET_POSITIONS}. Pilih salah "
                        f"satu: {', '.join(codes[:30])}.")
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise UserError("LibreOffice (soffice) tidak ditemukan, padahal dibutuhkan untuk membuat PDF. Pasang "
                        "LibreOffice, atau cetak sheet LKjIP Bab III dari Excel (File > Export > PDF).")
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Folder '{outdir}' tidak dapat dibuat: {exc.strerror or exc}.") from exc
    name = _pdf_name(cascade, position)
    with tempfile.TemporaryDirectory(prefix="xl-sakip-lkjip-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / name.replace(".pdf", ".xlsx")
        value_sheet(cascade, position).save(src)
        cmd = [exe, f"-env:UserInstallation={(tmpdir / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(tmpdir / "out"), str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"LibreOffice tidak selesai membuat PDF dalam {timeout:.0f} detik. Tutup jendela "
                            "LibreOffice yang terbuka lalu coba lagi.") from None
        pdf = tmpdir / "out" / name
        if not pdf.exists():
            raise UserError(f"LibreOffice gagal membuat {name} (kode {proc.returncode}): "
                            f"{(proc.stderr or proc.stdout).strip()[:400]}")
        return write_output(outdir / name, pdf.read_bytes())


def lkjip(workbook: str | Path, position: str | None, pdf_outdir: str | Path) -> Path:
    """`xl-sakip lkjip WORKBOOK [--position KODE] --pdf FOLDER`."""
    from xl_sakip.book.reader import read_master

    return export_pdf(read_master(workbook), pdf_outdir, position)
