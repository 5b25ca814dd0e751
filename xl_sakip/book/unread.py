"""Loading a workbook for update without the generated sheets about to be replaced (issue 13).

A second `regenerate` (the planners' quarterly routine: the shipped workbook is already regenerated) spent
a third of its time and most of its memory having openpyxl parse every generated sheet (hundreds), only to
check them against their markers and remove them. A generated sheet whose part is proven to hold what the
tool wrote (`sheet_xml.unchanged_sheets`: its stamp, or its scanned cells hash to its marker's digest) and
whose kind this run writes again is not parsed here: it becomes an empty placeholder of the same name,
state and place (its sheet-scoped names, the marker among them, are in workbook.xml and stay). Every other
sheet is openpyxl's own reading, byte for byte what `openpyxl.load_workbook` gives.

A placeholder's contents are its marker's digest (`placeholder_digest`): what the hand-edit checks compare.
It must never be saved: `package.save_workbook` refuses a workbook that still holds one (regenerate removes
every sheet of the kinds it writes before it writes them again).
"""

from __future__ import annotations

from collections.abc import Collection
from io import BytesIO
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet.worksheet import Worksheet

#: The attribute a placeholder carries: the digest its sheet was proven to hold.
_DIGEST = "_xl_sakip_unread_digest"


class _UpdateReader(ExcelReader):
    """openpyxl's reader; the sheets named in `skip` become empty placeholders."""

    def __init__(self, fh: Any, skip: Collection[str], digests: dict[str, str], keep_vba: bool) -> None:
        super().__init__(fh, read_only=False, keep_vba=keep_vba, data_only=False, keep_links=True)
        self.skip = skip
        self.digests = digests

    def read_workbook(self) -> None:
        """openpyxl's, but its copy of the package for the save (`vba_archive`, kept with `keep_vba`) holds
        every part except the worksheets': its writer takes from that copy only the macro project, the
        ribbon, the legacy drawings, the content types and the root relationships, and copying (deflating
        again) every sheet part of a regenerated workbook was a tenth of the load."""
        keep, self.keep_vba = self.keep_vba, False
        try:
            super().read_workbook()
        finally:
            self.keep_vba = keep
        if keep:
            self.wb.vba_archive = copy = ZipFile(BytesIO(), "a", ZIP_DEFLATED)
            for name in self.valid_files:
                if not name.startswith("xl/worksheets/"):
                    copy.writestr(name, self.archive.read(name))

    def read_worksheets(self) -> None:
        find = self.parser.find_sheets
        try:
            for sheet, rel in list(find()):
                if rel.target not in self.valid_files:
                    continue  # as openpyxl: a sheet without its part is left out
                if sheet.name in self.skip and "chartsheet" not in rel.Type:
                    ws = self.wb.create_sheet(sheet.name)
                    ws.sheet_state = sheet.state
                    setattr(ws, _DIGEST, self.digests[sheet.name])
                else:
                    self.parser.find_sheets = lambda one=(sheet, rel): iter([one])  # type: ignore[method-assign]
                    super().read_worksheets()
        finally:
            self.parser.find_sheets = find  # type: ignore[method-assign]


def load_for_update(fh: Any, skip: Collection[str] = (), digests: dict[str, str] | None = None, *,
                    keep_vba: bool = False) -> Workbook:
    """`openpyxl.load_workbook(fh, keep_vba=keep_vba)`, with the sheets named in `skip` as placeholders
    whose contents are `digests[name]` (their markers' digests, proven by the caller)."""
    reader = _UpdateReader(fh, skip, digests or {}, keep_vba)
    reader.read()
    return reader.wb


def placeholder_digest(ws: Worksheet) -> str | None:
    """The digest a placeholder stands for; None for a sheet that was read."""
    return getattr(ws, _DIGEST, None)


def placeholders(wb: Workbook) -> list[str]:
    """The names of the placeholders still in `wb`."""
    return [ws.title for ws in wb.worksheets if placeholder_digest(ws) is not None]
