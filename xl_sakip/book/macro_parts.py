"""The macro parts of the .xlsm package: built by xl_sakip.vba, written by xl_sakip.book.package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MacroParts:
    vba_project: bytes  # xl/vbaProject.bin
    custom_ui: bytes  # customUI/customUI.xml (the 2006 namespace, which survives openpyxl saves)
