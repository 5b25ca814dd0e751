"""Fallback for Windows with Excel: import the same VBA sources into a workbook through Excel itself.

Used when Excel does not accept the vbaProject.bin built on Linux (see docs/windows.md). Excel then
compiles the modules from the very same text. Needs "Trust access to the VBA project object model".
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from xl_sakip.errors import UserError
from xl_sakip.vba.build import vba_modules

_TRUST_HELP = (
    "Excel menolak akses ke VBA project. Di Excel buka File > Options > Trust Center > "
    "Trust Center Settings > Macro Settings, centang 'Trust access to the VBA project object model', "
    "klik OK, tutup Excel, lalu jalankan perintah ini lagi."
)


def import_vba_sources_windows(book_path: str | Path, *, udf_module: str | Path = "udfs") -> list[str]:
    """Replace the workbook's VBA modules with our sources, through Excel; returns the module names.

    Raises UserError (Bahasa Indonesia) off Windows, without Excel, for a non-.xlsm file, or when Excel
    does not allow access to the VBA project.
    """
    path = Path(book_path)
    if sys.platform != "win32":
        raise UserError(
            "Perintah ini hanya berjalan di Windows dengan Microsoft Excel terpasang. Di komputer "
            "ini gunakan 'xl-sakip build', yang membuat workbook lengkap dengan makronya."
        )
    if path.suffix.lower() != ".xlsm":
        raise UserError(
            f"'{path}' bukan workbook dengan makro (.xlsm). Beri path ke file .xlsm, "
            "misalnya workbook\\Cascading_2023.xlsm."
        )
    if not path.is_file():
        raise UserError(f"File '{path}' tidak ditemukan. Periksa nama dan foldernya.")
    modules = vba_modules(udf_module)

    try:
        import xlwings as xw

        app = xw.App(visible=False, add_book=False)
    except Exception as exc:  # no Excel, or pywin32 missing
        raise UserError(
            f"Microsoft Excel tidak dapat dijalankan dari Python ({exc}). Pastikan Excel "
            "terpasang dan xl-sakip dipasang dengan 'pip install xl-sakip'."
        ) from exc
    try:
        app.display_alerts = False
        try:
            book = app.books.open(str(path.resolve()))
        except Exception as exc:
            raise UserError(
                f"Excel tidak dapat membuka '{path}' ({exc}). Tutup file itu bila sedang "
                "terbuka di Excel, lalu coba lagi."
            ) from exc
        try:
            components = book.api.VBProject.VBComponents
        except Exception as exc:
            raise UserError(_TRUST_HELP) from exc
        with tempfile.TemporaryDirectory(prefix="xl-sakip-vba-") as tmp:
            for module in modules:
                suffix = ".cls" if module.kind == "class" else ".bas"
                source_file = Path(tmp) / f"{module.name}{suffix}"
                text = module.source.replace("\r\n", "\n").replace("\n", "\r\n")
                source_file.write_bytes(text.encode("cp1252"))
                _remove_component(components, module.name)
                imported = components.Import(str(source_file))
                if imported.Name != module.name:
                    raise UserError(
                        f"Excel mengimpor modul '{module.name}' dengan nama '{imported.Name}'. "
                        "Buka Visual Basic Editor (Alt+F11), hapus modul lama itu, lalu ulangi."
                    )
        book.save()
        book.close()
    finally:
        app.quit()
    return [m.name for m in modules]


def _remove_component(components: object, name: str) -> None:
    try:
        existing = components.Item(name)  # type: ignore[attr-defined]
    except Exception:  # COM raises when there is no such component
        return
    components.Remove(existing)  # type: ignore[attr-defined]
