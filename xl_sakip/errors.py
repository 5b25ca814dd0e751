"""Errors that are a user's mistake: shown as a message (Bahasa Indonesia), never as a traceback."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path


class UserError(Exception):
    """A problem with the user's input or files. `message` says where and what to do."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class SeedError(UserError):
    """The source document cannot be imported."""


class WorkbookError(UserError):
    """The workbook is missing, damaged or not of the expected shape."""


def refuse_special_file(path: Path, error: type[UserError] = UserError) -> None:
    """Refuse an input that exists but is not a regular file (a FIFO, /dev/zero, a socket), before opening
    it: reading a FIFO waits for a writer for ever, and /dev/zero never ends. A missing file or a folder is
    left to the caller's own message."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = ("pipa bernama (FIFO)" if stat.S_ISFIFO(mode) else
            "perangkat (device)" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "soket" if stat.S_ISSOCK(mode) else "bukan berkas biasa")
    raise error(f"'{path}' adalah {kind}, bukan berkas biasa, sehingga tidak dibaca. Simpan isinya sebagai "
                "berkas (file) lalu beri nama berkas itu.")
#: At most this many cells are named in a message (the rest are counted).
MAX_CELLS_SHOWN = 10


def cell_list(cells: Iterable[str], limit: int = MAX_CELLS_SHOWN) -> str:
    """ "K9, C12" or "A1, …, J1 dan 5 sel lain" (at most `limit` named)."""
    cells = list(cells)
    shown = ", ".join(cells[:limit])
    return shown + (f" dan {len(cells) - limit} sel lain" if len(cells) > limit else "")


class EditedSheetsError(UserError):
    """Generated sheets were edited by hand; regenerate refuses to overwrite them without force.

    Here, at the bottom of the imports, because every writer of generated sheets raises it (regenerate,
    the report sheets, the ribbon's xlwings writer)."""

    def __init__(self, sheets: list[str], cells: dict[str, tuple[str, ...]] | None = None) -> None:
        cells = cells or {}
        names = ", ".join(f"'{s}'" + (f" (sel {cell_list(cells[s])})" if cells.get(s) else "")
                          for s in sheets)
        super().__init__(
            f"Sheet {names} dibuat oleh xl-sakip tetapi sudah diubah manual sejak terakhir dibuat. "
            "Salin catatan Anda ke sheet baru milik Anda sendiri (sheet buatan xl-sakip akan ditulis ulang), "
            "lalu ubah datanya di sheet Indikator; atau jalankan xl-sakip regenerate --force (workbook "
            "ditutup) untuk menimpanya dan membuang perubahan manual.")
        self.sheets = sheets
        self.cells = cells
