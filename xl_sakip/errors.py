"""Errors that are a user's mistake: shown as a message (Bahasa Indonesia), never as a traceback."""

from __future__ import annotations

import stat
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
