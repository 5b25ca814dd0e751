"""A VBA module as text: what its export file holds, and what its stream in vbaProject.bin holds.

Pure text, no ms-ovba: the Windows fallback import uses it without the build dependencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_CLASS_BASE = 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'


@dataclass(frozen=True)
class VbaModule:
    """One module as its export file holds it (.bas for "module", .cls for "class")."""

    name: str
    source: str
    kind: Literal["module", "class"] = "module"


def stored_text(module: VbaModule) -> str:
    """The module's text as it is stored in its stream (what olevba reads back), CRLF line ends.

    A .bas file is stored as it is. A .cls file loses its `VERSION 1.0 CLASS` / `BEGIN` ... `END` header
    and gains the VB_Base, VB_TemplateDerived and VB_Customizable attributes, as Excel does on import.
    """
    lines = module.source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not re.fullmatch(
        rf'Attribute VB_Name = "{re.escape(module.name)}"', _first_attribute(lines)
    ):
        raise ValueError(
            f'module {module.name}: the first attribute must be Attribute VB_Name = "{module.name}"'
        )
    if module.kind == "class":
        lines = lines[lines.index(_first_attribute(lines)) :]
        lines.insert(1, _CLASS_BASE)
        exposed = next(i for i, line in enumerate(lines) if line.startswith("Attribute VB_Exposed"))
        lines[exposed + 1 : exposed + 1] = [
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = False",
        ]
    return "\r\n".join(lines) + "\r\n"


def _first_attribute(lines: list[str]) -> str:
    return next((line for line in lines if line.startswith("Attribute ")), "")
