"""Errors that are a user's mistake: shown as a message (Bahasa Indonesia), never as a traceback."""

from __future__ import annotations


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
