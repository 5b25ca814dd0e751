"""The template sheet (Template_Unit) that carries the look of every unit sheet.

Both writers copy it: its rows 1..HEADER_ROW are the header block, its row FIRST_BODY_ROW is the style of
every indicator row; column widths, hidden helper columns, conditional formatting by category, freeze panes
and print setup come with the copy. People restyle all unit sheets by editing this one sheet in Excel and
regenerating. `ensure_template` adds it (openpyxl) to a workbook that has none.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from xl_sakip.book import schema as s
from xl_sakip.sheets import refs as rf
from xl_sakip.sheets import textfit as tf
from xl_sakip.sheets import unit_layout as ul
from xl_sakip.sheets.bands import ABOVE_FILL, BAND_FILLS
from xl_sakip.sheets.names import TEMPLATE_SHEET

CF_LAST_ROW = 2000  # conditional formatting reaches this row of every unit sheet

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
COUNT_FORMAT, COUNT_FORMAT_ID = "#,##0", 3  # built-in format 3

WIDTHS = ul.UNIT_WIDTHS  # the plan estimates row heights from the same widths
NUMBER_COLS = (ul.C_TARGET, *ul.C_TW, ul.C_TAHUN, ul.C_T_ANAK, ul.C_SEL_T, ul.C_R_ANAK, ul.C_SEL_R)
WRAP_COLS = (ul.C_SASARAN, ul.C_INDIKATOR, ul.C_KET, ul.C_CAPAIAN)


def build_template(ws: Worksheet) -> None:
    """Style `ws` as the unit sheet template (labels of the header block included, no body values)."""
    title = ws.cell(ul.TITLE_ROW, 1, f"TEMPLATE SHEET UNIT: ubah gaya di sheet ini, lalu {ul.REGENERATE}")
    title.font = Font(bold=True, size=14)
    for i, label in enumerate(["Instansi", "Kode Jabatan", "Jabatan", "Atasan", "Tahun", "Status Sheet"]):
        ws.cell(2 + i, 1, label).font = Font(bold=True)
        ws.merge_cells(start_row=2 + i, start_column=1, end_row=2 + i, end_column=2)
        ws.cell(2 + i, 3).font = Font(bold=i in (2, 5))
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="1F4E78")
    helper_fill = PatternFill("solid", fgColor="7F7F7F")
    for col, hdr in ul.UNIT_HEADERS.items():
        c = ws.cell(ul.HEADER_ROW, col, hdr)
        c.font = head_font
        c.fill = helper_fill if col >= ul.FIRST_HIDDEN_COL else head_fill
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        c.border = BORDER
        b = ws.cell(ul.FIRST_BODY_ROW, col)
        b.border = BORDER
        b.alignment = Alignment(wrap_text=col in WRAP_COLS, vertical="top")
        if col in NUMBER_COLS:
            b.number_format = "#,##0.00"
        elif col == ul.C_CAPAIAN or col == ul.C_CAPAIAN_MENTAH:
            b.number_format = "0.00"
    visible = {c: h for c, h in ul.UNIT_HEADERS.items() if c < ul.FIRST_HIDDEN_COL}
    ws.row_dimensions[ul.HEADER_ROW].height = tf.header_height(visible, WIDTHS)
    for col, width in WIDTHS.items():
        ws.column_dimensions[rf.L(col)].width = width
    # Helper columns: hidden and grouped, so an auditor can show them with the [+] button.
    ws.column_dimensions.group(rf.L(ul.FIRST_HIDDEN_COL), rf.L(ul.N_COLS), outline_level=1, hidden=True)
    ws.freeze_panes = f"{rf.L(ul.C_SATUAN)}{ul.FIRST_BODY_ROW}"
    ws.sheet_view.zoomScale = 90

    # Conditional formatting: category colours (labels from Ref_Kategori, in table order), capaian that
    # cannot be computed in grey, and a status cell that asks for attention in red.
    body = f"{rf.L(ul.C_KATEGORI)}{ul.FIRST_BODY_ROW}:{rf.L(ul.C_KATEGORI)}{CF_LAST_ROW}"
    first = f"${rf.L(ul.C_KATEGORI)}{ul.FIRST_BODY_ROW}"
    # Excel's conditional formats may not point at another sheet directly; a defined name may.
    for i in range(len(BAND_FILLS)):
        fill = PatternFill("solid", fgColor=BAND_FILLS[i], bgColor=BAND_FILLS[i])
        ws.conditional_formatting.add(body, FormulaRule(
            formula=[f'AND({first}<>"",{first}={band_name(i)})'], fill=fill, stopIfTrue=True))
    ws.conditional_formatting.add(body, FormulaRule(
        formula=[f'AND({first}<>"",{first}={rf.SET_ABOVE})'],
        fill=PatternFill("solid", fgColor=ABOVE_FILL, bgColor=ABOVE_FILL), stopIfTrue=True))
    k = f"{rf.L(ul.C_CAPAIAN)}{ul.FIRST_BODY_ROW}"
    ws.conditional_formatting.add(
        f"{k}:{rf.L(ul.C_CAPAIAN)}{CF_LAST_ROW}",
        FormulaRule(formula=[f"ISTEXT(${k})"], font=Font(italic=True, color="7F7F7F")))
    # Counts (Jenis "jumlah") show no decimals: the row's Desimal helper cell says 0 (plan.py).
    last = CF_LAST_ROW
    dec = f"${rf.L(ul.C_DESIMAL)}{ul.FIRST_BODY_ROW}"
    counts = DifferentialStyle(numFmt=NumberFormat(numFmtId=COUNT_FORMAT_ID, formatCode=COUNT_FORMAT))
    ws.conditional_formatting.add(
        " ".join(f"{rf.L(c)}{ul.FIRST_BODY_ROW}:{rf.L(c)}{last}" for c in NUMBER_COLS),
        Rule(type="expression", dxf=counts, formula=[f"{dec}=0"]))
    # A parent row: the realisasi its capaian uses in bold (Realisasi dari Pendukung when the pendukung
    # cover the target, else its own Realisasi Tahun); the Keterangan says which.
    cover = f"${rf.L(ul.C_CAKUP)}{ul.FIRST_BODY_ROW}"
    for col, flag in ((ul.C_R_ANAK, 1), (ul.C_TAHUN, 0)):
        ws.conditional_formatting.add(
            f"{rf.L(col)}{ul.FIRST_BODY_ROW}:{rf.L(col)}{last}",
            FormulaRule(formula=[f"AND(ISNUMBER({cover}),{cover}={flag})"], font=Font(bold=True)))
    status = f"{rf.L(ul.VALUE_COL)}{ul.STATUS_ROW}"
    ws.conditional_formatting.add(status, FormulaRule(
        formula=[f'OR(LEFT({status},5)="USANG",LEFT({status},7)="PERIKSA")'],
        font=Font(bold=True, color="9C0006"), fill=PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")))

    # Ready to print: A4 landscape, one page wide, the table header repeated on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{ul.HEADER_ROW}:{ul.HEADER_ROW}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def band_name(i: int) -> str:
    """Defined name of the label of the i-th (0-based) band in Ref_Kategori, for conditional formats."""
    return f"_xlsakip_kategori{i + 1}"


def ensure_names(wb: Workbook) -> None:
    for i in range(len(BAND_FILLS)):
        wb.defined_names[band_name(i)] = DefinedName(
            band_name(i), attr_text=f"{quote_sheetname(s.SHEET_BANDS)}!{rf.absolute(1, 2 + i)}", hidden=True)


def ensure_template(wb: Workbook) -> Worksheet:
    """The workbook's Template_Unit sheet; created (hidden, last) when missing."""
    ensure_names(wb)
    if TEMPLATE_SHEET in wb.sheetnames:
        return wb[TEMPLATE_SHEET]
    ws = wb.create_sheet(TEMPLATE_SHEET)
    build_template(ws)
    ws.sheet_state = "hidden"
    return ws
