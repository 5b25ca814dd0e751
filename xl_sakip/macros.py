"""Ribbon entry points (xlwings RunPython). Thin: each takes its book as an argument so tests can hand one.

The VBA callbacks in xl_sakip/vba/SakipRibbon.bas call `xl_sakip.macros.regenerate()`,
`xl_sakip.macros.write_findings()` and `xl_sakip.macros.export_pk()`. A user's mistake is shown in a message
box, never as a traceback.
"""

from __future__ import annotations

import contextlib
from typing import Any


def _book(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _tell(book: Any, message: str, title: str = "SAKIP") -> None:
    # An engine without dialogs: the message is in the return value.
    with contextlib.suppress(Exception):
        book.app.alert(message, title=title)


def kinds_text(*, units: bool = False) -> str:
    """The report kinds of the registry (with `units`, the unit pass's kinds first) by their titles, in
    registry order: "A, B dan C". Messages name kinds through this, never a list of their own."""
    from xl_sakip import kinds

    stages = (kinds.Stage.UNITS, kinds.Stage.REPORTS) if units else (kinds.Stage.REPORTS,)
    titles = [k.title for k in kinds.KINDS if k.stage in stages]
    return " dan ".join(filter(None, (", ".join(titles[:-1]), titles[-1]))) if titles else ""


def regenerate(book: Any = None, *, force: bool = False) -> str:
    """"Buat Ulang Sheet Unit": rebuild every generated sheet of the open workbook from its master: the unit
    sheets and Ringkasan, then the report sheets of every report kind of the registry (xl_sakip/kinds.py,
    `Stage.REPORTS`, in registry order); the message names those kinds by their registry titles
    (`kinds_text`), so a kind added there is named without touching this module.

    Existing sheets are rewritten in place, so formulas that point at them stay valid. A report sheet that
    already holds what the tool would write is left as it is (the tree picture is always redrawn). On an
    engine without Excel's object model (xlwings' remote engine) the report sheets are not rebuilt; the
    message names those out of date.
    """
    from xl_sakip.book.reader import gc_paused
    from xl_sakip.errors import UserError
    from xl_sakip.sheets.xlwings_writer import regenerate_book

    book = _book(book)
    try:
        with gc_paused():  # as regenerate.py: the plans stay alive to the end, collections only cost
            res = regenerate_book(book, force=force)
    except UserError as e:
        _tell(book, e.message, "SAKIP: Buat Ulang Sheet Unit")
        return e.message
    msg = f"{len(res.written)} sheet dibuat ulang dari tabel Indikator"
    if res.in_place:
        msg += (f" ({len(res.in_place)} ditulis ulang di tempat, sehingga rumus lain yang merujuk ke sheet "
                "itu tetap berlaku)")
    msg += "."
    if res.created:
        msg += " Sheet baru: " + ", ".join(res.created) + "."
    if res.removed:
        msg += " Dihapus (jabatan tidak ada lagi): " + ", ".join(res.removed) + "."
    if res.overwritten:
        msg += " Ditimpa: " + ", ".join(res.overwritten) + "."
    if res.reports_rebuilt or res.reports_current:
        msg += f" Sheet laporan {kinds_text()}: {len(res.reports_rebuilt)} dibuat ulang"
        if res.reports_current:
            msg += f", {len(res.reports_current)} sudah sesuai sehingga tidak diubah"
        msg += "."
        if res.reports_removed:
            msg += " Sheet laporan dihapus (jabatan tidak ada lagi): " + ", ".join(res.reports_removed) + "."
    elif res.reports:
        msg += (f" Sheet laporan {kinds_text()} tidak ditulis ulang di sini (perlu Excel di Windows): "
                "rumusnya tetap merujuk ke sheet unit dan master, jadi angkanya ikut. Gambar Pohon Kinerja "
                "adalah potret saat dibuat; perbarui dengan 'xl-sakip regenerate' (simpan dan tutup workbook "
                "dulu).")
    if res.stale_reports:
        msg += (" Sheet " + ", ".join(res.stale_reports) + " tidak lagi sesuai dengan tabel Jabatan/"
                "Indikator (misalnya jabatan atau indikator bertambah/berkurang): jalankan 'xl-sakip "
                "regenerate' agar ikut diperbarui.")
    msg += " Simpan workbook untuk menyimpan hasilnya."
    _tell(book, msg)
    return msg


def write_findings(book: Any = None) -> str:
    """"Periksa Data": run the checks on the open workbook's master, and look for generated sheets edited
    by hand (SHEET_DIUBAH_MANUAL, as `xl-sakip check` on a file), and write them to the "Temuan" sheet.

    The hand-edit check reads each generated sheet's formulas in one call, which Excel (COM) can do; on an
    engine that cannot read formulas (xlwings' remote engine) it is skipped and the message says so.
    """
    from xl_sakip.book.findings_sheet import FINDING_COLUMNS, SHEET_FINDINGS, findings_sheet_name
    from xl_sakip.core.findings import sort_findings, summary_text
    from xl_sakip.core.validation import check
    from xl_sakip.errors import UserError
    from xl_sakip.sheets.edits import edit_finding
    from xl_sakip.sheets.xlwings_writer import (
        OpenBook,
        address,
        edited_sheets_in_book,
        keep_users_findings_sheet,
        read_cascade,
    )

    book = _book(book)
    ob = OpenBook(book)  # the sheets and markers asked of Excel once (each COM call is a round trip)
    try:
        cascade = read_cascade(ob)
        master = check(cascade)
    except UserError as e:
        _tell(book, e.message, "SAKIP: Periksa Data")
        return e.message
    edited = edited_sheets_in_book(ob, cascade)  # None: this engine cannot read formulas
    findings = sort_findings([*master, *(edit_finding(e) for e in edited or [])])
    existing = findings_sheet_name(ob.sheets)  # "temuan" too: Excel's names ignore case
    if existing is not None:
        try:  # a sheet of the user's own, or notes typed into ours, are never cleared (as check --write)
            keep_users_findings_sheet(ob, existing)
        except UserError as e:
            _tell(book, e.message, "SAKIP: Periksa Data")
            return e.message
        sheet = ob.sheets[existing]
        sheet.clear_contents()
    else:
        sheet = ob.add_sheet(len(ob.sheetnames), SHEET_FINDINGS)
    rows: list[list[Any]] = [[h for h, _, _ in FINDING_COLUMNS]]
    for f in findings:
        rows.append([_text(getattr(f, attr)) for _, attr, _ in FINDING_COLUMNS])
    if not findings:
        rows.append(["Tidak ada temuan."] + [""] * (len(FINDING_COLUMNS) - 1))
    # One block, as Excel takes it (text prefixed by `_text`): raw_value skips xlwings' conversion,
    # which would ask Excel about the range, sheet, book and application again (~100 COM calls).
    sheet.range(address(1, 1, len(rows), len(FINDING_COLUMNS))).raw_value = rows
    sheet.range(address(1, 1, 1, len(FINDING_COLUMNS))).font.bold = True
    msg = f"{summary_text(findings)}; lihat sheet '{SHEET_FINDINGS}'."
    if edited is None:
        msg += (" Perubahan manual pada sheet hasil tidak diperiksa: mesin xlwings ini tidak dapat membaca "
                f"rumus. Sheet hasil: {kinds_text(units=True)}. Simpan workbook, lalu jalankan 'xl-sakip "
                "check' pada file yang tersimpan untuk memeriksanya.")
    _tell(book, msg, "SAKIP: Periksa Data")
    return msg


def _text(v: Any) -> Any:
    """Messages and codes are data: text that Excel would parse gets its text prefix."""
    from xl_sakip.sheets.xlwings_writer import excel_input

    if v is None:
        return ""
    if hasattr(v, "value"):  # enums: the word people read
        v = v.value
    return excel_input(v) if isinstance(v, str) else v


def export_pk(book: Any = None) -> str:
    """"Ekspor PK (PDF)": the Perjanjian Kinerja sheet of every position printed to PDF by Excel itself
    (no LibreOffice needed), one file per position in the folder PK_<year> beside the workbook; the
    message names the folder. On an xlwings engine that cannot print (the remote engine), the PDFs are
    made from the saved file by LibreOffice, as `xl-sakip pk --pdf` does."""
    from xl_sakip.errors import UserError
    from xl_sakip.sheets.xlwings_writer import export_pk_pdfs

    book = _book(book)
    try:
        try:
            res = export_pk_pdfs(book)
        except NotImplementedError:
            return _export_pk_from_file(book)
    except UserError as e:
        _tell(book, e.message, "SAKIP: Ekspor PK")
        return e.message
    msg = f"{len(res.written)} PDF Perjanjian Kinerja ditulis ke folder {res.folder}"
    msg += " (dicetak oleh Excel dari sheet PK di workbook ini)." if res.written else "."
    if res.stale:
        msg += (" Tidak dicetak, karena sheetnya tidak lagi sesuai dengan tabel Jabatan/Indikator (misalnya "
                "indikator bertambah atau berkurang): " + ", ".join(res.stale) + ". Simpan dan tutup "
                "workbook, jalankan 'xl-sakip regenerate', buka lagi, lalu ekspor ulang.")
    _tell(book, msg, "SAKIP: Ekspor PK")
    return msg


def _export_pk_from_file(book: Any) -> str:
    from xl_sakip.errors import UserError
    from xl_sakip.pk import export_pk_for_book

    try:
        written = export_pk_for_book(book.fullname)
    except UserError as e:
        _tell(book, e.message, "SAKIP: Ekspor PK")
        return e.message
    folder = written[0].parent if written else ""
    msg = (f"{len(written)} PDF Perjanjian Kinerja ditulis ke folder {folder} (dari file yang terakhir "
           "disimpan, lewat LibreOffice).")
    _tell(book, msg, "SAKIP: Ekspor PK")
    return msg
