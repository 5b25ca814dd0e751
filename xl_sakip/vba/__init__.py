"""VBA project and ribbon of the workbook, built from text sources on any OS.

`build_macro_parts()` is the entry point; `compression` and `project` are its pieces.
"""

from xl_sakip.vba.build import build_macro_parts

__all__ = ["build_macro_parts"]
