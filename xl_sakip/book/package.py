"""Save an openpyxl workbook as a macro-enabled .xlsm package, atomically and reproducibly.

openpyxl writes an .xlsx package. This module takes its parts and
- marks the workbook part macro-enabled in [Content_Types].xml (Excel refuses an .xlsm that is not);
- adds the VBA project (xl/vbaProject.bin) and the ribbon (customUI/customUI.xml) with their content types
  and relationships, when `MacroParts` are given; a workbook loaded with ``keep_vba=True`` keeps its own;
- writes a deterministic zip (fixed timestamps, sorted members) to a temporary file in the target folder,
  fsyncs it and renames it over the target, so that a failed write never leaves a half-written workbook;
- holds the workbook's lock file (book/lock.py) while it writes, and turns every OS failure (disk full,
  read-only file or folder, file open in Excel) into a UserError in Bahasa Indonesia.
- writes a backup (regenerate) atomically once the new file is complete, writes through a symbolic link,
  and removes temporary files of our naming left by a save that was killed (issue 12);
- `write_output` writes the tool's other files (tree pictures, PK PDFs) atomically too;
- records, for the generated sheets written in this run (`fresh`), the CRC-32 and size of each sheet part
  as written, bound to its marker (`with_part_hashes`, `part_stamp`), so that `check` knows them unchanged
  without reading their cells.

Design notes: ../../../shared/design.md, "The .xlsm on a machine without Excel".
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import html
import os
import posixpath
import re
import secrets
import shutil
import stat
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from openpyxl import Workbook

from xl_sakip.book.lock import workbook_lock
from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.book.sheet_writer import ZIP_LEVEL, Deflated, Values, workbook_parts
from xl_sakip.book.unread import placeholders
from xl_sakip.book.values import cached_values
from xl_sakip.errors import UserError

CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
VBA_PART = "xl/vbaProject.bin"
CUSTOM_UI_PART = "customUI/customUI.xml"

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"  # SpreadsheetML's parts
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"  # r:id in them
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
CUSTOM_UI_CONTENT_TYPE = "application/xml"  # what Office and the Open XML SDK use for the ribbon part
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_CUSTOM_UI = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"

#: Sheet-scoped defined name holding the hash of a generated sheet's part as the tool wrote it (see
#: `with_part_hashes`); MARKER_NAME (sheets/marker.py) is the name of the marker it is bound to.
PART_HASH_NAME = "_xlsakip_xml"
MARKER_NAME = "_xlsakip"

#: Zip entries carry this timestamp (the earliest a zip can hold), so that equal content gives equal bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SUFFIXES = (".xlsm", ".xlsx")
_XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def check_target(path: str | Path, *, force: bool = False) -> Path:
    """Refuse, before any work, a target that cannot take a workbook: wrong suffix, a folder, an existing
    file without `force`, a read-only file. Returns the path."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UserError(f"Nama file '{path}' harus berakhiran .xlsm (workbook dengan makro) atau .xlsx.")
    if path.is_dir():
        raise UserError(f"'{path}' adalah folder, bukan file; beri nama file workbook yang berakhiran .xlsm.")
    if path.exists() and not force:
        raise UserError(f"File '{path}' sudah ada; gunakan --force untuk menimpanya.")
    _refuse_read_only(path)
    return path


def save_workbook(
    wb: Workbook, path: str | Path, *, macro_parts: MacroParts | None = None, force: bool = False,
    backup: Path | None = None, cleaned: list[Path] | None = None, fresh: Collection[str] = (),
) -> Path:
    """Save `wb` to `path` (.xlsm: macro-enabled; .xlsx: plain). Returns the path written.

    - A symbolic link at `path` is written through: its target is replaced, the link stays.
    - `backup`: the file it replaces is first copied there, atomically, and only once the new workbook is
      complete on disk (the previous backup stays until the new one is complete; a link at `backup` is
      replaced, never followed).
    - Temporary files left by an earlier save that was killed (our own naming only, see `stale_temps`) are
      removed under the lock; `cleaned` receives their paths, so that the caller can say so.
    - `fresh`: names of generated sheets whose cells were written from their plan in this run (so they
      match their marker); each gets the stamp of its part as written (`with_part_hashes`, `part_stamp`),
      which lets `check` see it unchanged without reading its cells.

    Raises UserError when the file exists and `force` is false, or when the file cannot be written.
    """
    path = check_target(path, force=force)
    suffix = path.suffix.lower()
    _refuse_read_only_workbook(wb)
    # every formula cell shows its value unopened: the values are written with the cells
    # the sheet parts deflated as they are written (what the zip holds), not all kept whole until then
    parts = package_parts(openpyxl_parts(wb, cached_values(wb, serialised=False), deflate=True),
                          macro=suffix == ".xlsm", macro_parts=macro_parts)
    if fresh:
        parts = with_part_hashes(parts, fresh)
    if suffix == ".xlsx" and VBA_PART in parts:
        raise UserError(f"Workbook dengan makro harus disimpan sebagai .xlsm, bukan '{path.name}'.")
    return save_parts(path, parts, backup=backup, cleaned=cleaned)


def save_parts(path: Path, parts: Mapping[str, bytes | Deflated], *, backup: Path | None = None,
               cleaned: list[Path] | None = None) -> Path:
    """Write `parts` as the package at `path`: through a link, under the workbook's lock, stale temporary
    files removed (into `cleaned`), a complete temporary file renamed over the target, `backup` written
    once the new file is complete (see `save_workbook`). Returns `path`."""
    target = write_through(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Folder '{target.parent}' tidak dapat dibuat: {exc.strerror or exc}.") from exc
    with workbook_lock(target):
        removed = remove_stale_temps(target)
        if backup is not None:
            removed += remove_stale_temps(backup)
        if cleaned is not None:
            cleaned.extend(removed)
        tmp = write_temp(target, lambda fh: write_zip(fh, parts))
        try:
            if backup is not None and target.exists():
                write_backup(target, backup)
            commit(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return path


def write_through(path: Path) -> Path:
    """The file a save to `path` replaces: the target of a symbolic link (so the link stays a link)."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _refuse_read_only(path: Path) -> None:
    """A file marked read-only is not replaced behind the user's back (POSIX would allow the rename)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not mode & stat.S_IWUSR:
        raise UserError(
            f"File '{path}' bersifat hanya-baca (read-only), sehingga tidak ditimpa. Hapus tanda read-only "
            "(klik kanan > Properties, atau chmod u+w), atau simpan dengan nama lain."
        )


def openpyxl_parts(wb: Workbook, values: Values | None = None, *, deflate: bool = False
                   ) -> dict[str, bytes | Deflated]:
    """The package parts openpyxl writes for `wb`, by name, each formula cell with its cached value from
    `values` (`values.cached_values`; none: no cached values).

    ExcelWriter is used directly rather than `wb.save`, because `save` stamps the current time into
    docProps/core.xml (modified), which would make every file different. Its worksheets' cells are written
    by book/sheet_writer.py (the same bytes, quicker), into a dict rather than a zip read back.
    `deflate`: worksheet parts may be `Deflated` (for `write_zip`; `Deflated.raw()` gives the bytes back).
    """
    _refuse_read_only_workbook(wb)
    return workbook_parts(wb, values, deflate=deflate)


def _refuse_read_only_workbook(wb: Workbook) -> None:
    if getattr(wb, "read_only", False):
        raise TypeError("a read-only workbook cannot be saved")
    if left := placeholders(wb):  # a sheet not read would be saved empty: a bug, never a user's doing
        raise RuntimeError(f"sheets loaded as placeholders cannot be saved: {', '.join(left)}")


def package_parts(
    parts: dict[str, Any], *, macro: bool = True, macro_parts: MacroParts | None = None
) -> dict[str, Any]:
    """Make the parts a (macro-enabled) package: macro parts, content types, relationships."""
    parts = dict(parts)
    if macro_parts is not None:
        parts[VBA_PART] = macro_parts.vba_project
        parts[CUSTOM_UI_PART] = macro_parts.custom_ui
    has_vba, has_ui = VBA_PART in parts, CUSTOM_UI_PART in parts
    parts[CONTENT_TYPES] = _content_types(parts[CONTENT_TYPES], macro=macro, vba=has_vba, ui=has_ui)
    parts[WORKBOOK_RELS] = _relationships(parts[WORKBOOK_RELS], REL_VBA, "vbaProject.bin", has_vba)
    parts[ROOT_RELS] = _relationships(parts[ROOT_RELS], REL_CUSTOM_UI, CUSTOM_UI_PART, has_ui, renumber=True)
    return parts


def write_zip(fh: BinaryIO, parts: Mapping[str, bytes | Deflated]) -> None:
    """A reproducible zip: [Content_Types].xml first, then members sorted by name, fixed timestamps."""
    names = [CONTENT_TYPES, *sorted(n for n in parts if n != CONTENT_TYPES)]
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            write_member(zf, name, parts[name])


def write_member(zf: zipfile.ZipFile, name: str, data: bytes | Deflated) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0  # otherwise it depends on the platform that wrote the file
    info.external_attr = 0
    if isinstance(data, Deflated):
        _write_deflated(zf, info, data)
        return
    zf.writestr(info, data, compresslevel=ZIP_LEVEL)


class _Flushed:
    """A compressor with nothing left to give (`_write_deflated`)."""

    def flush(self) -> bytes:
        return b""


def _write_deflated(zf: zipfile.ZipFile, info: zipfile.ZipInfo, part: Deflated) -> None:
    """`zf.writestr(info, part.raw(), compresslevel=ZIP_LEVEL)` with the part compressed already: the same
    steps (zipfile's own member writer: header, data, header rewritten with CRC and sizes), its compressor
    replaced by the part's deflated bytes, which are those it would give (tests/test_book_package.py)."""
    info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]  # what writestr sets
    info.file_size = part.size
    with zf.open(info, mode="w") as dest:
        w: Any = dest  # zipfile._ZipWriteFile: its counters are set as its write() would set them
        w._file_size, w._crc, w._compress_size = part.size, part.crc, len(part.data)
        w._compressor = _Flushed()
        w._fileobj.write(part.data)


#: Our temporary files: ".<name>.<8 hex digits>.tmp" beside the file they become (see `temp_path`).
_TEMP = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.tmp$")


def temp_path(path: Path) -> Path:
    """A fresh temporary name beside `path`, hidden, of our own naming (what `stale_temps` recognises)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def stale_temps(path: Path, *, min_age: float = 0.0) -> list[Path]:
    """Temporary files of `path` left behind by a save that was killed (kill -9, power cut): exactly our
    naming for this file name, a regular file, at least `min_age` seconds old. Nothing else is touched."""
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    out = []
    now = time.time()
    for entry in entries:
        m = _TEMP.match(entry.name)
        if not m or m.group("name") != path.name:
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime >= min_age:
                out.append(Path(entry.path))
        except OSError:
            continue
    return sorted(out)


def remove_stale_temps(path: Path, *, min_age: float = 0.0) -> list[Path]:
    """Remove `stale_temps(path)`; returns those removed. Callers that hold the workbook's lock pass no
    `min_age` (no other writer of this file is running); outputs written without a lock wait a while."""
    removed = []
    for tmp in stale_temps(path, min_age=min_age):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
            removed.append(tmp)
    return removed


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write through a temporary file in the same folder, fsync, then rename over `path`.

    On any failure the temporary file is removed and `path` is left as it was.
    """
    tmp = write_temp(path, write)
    try:
        commit(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


#: Outputs (pictures, PDFs) are written without a lock: a temporary file younger than this may belong to
#: another run writing the same output right now.
OUTPUT_TEMP_GRACE = 600.0


def write_output(path: str | Path, data: bytes) -> Path:
    """Write an output file (SVG, PNG, PDF) atomically: complete or not at all, even on a full disk or a
    kill. A link at `path` is written through. Stale temporary files of this output are removed first."""
    path = write_through(Path(path))
    remove_stale_temps(path, min_age=OUTPUT_TEMP_GRACE)
    atomic_write(path, lambda fh: fh.write(data))
    return path


def write_temp(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write the content of `path` into a new temporary file beside it, flushed to disk; returns its name.
    On failure nothing is left behind and a UserError says why."""
    tmp = temp_path(path)
    try:
        # os.open with 0o666 lets the umask decide the mode, as for any new file (mkstemp would give 0600).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from exc
        raise
    return tmp


def commit(tmp: Path, path: Path) -> None:
    """Rename the complete temporary file `tmp` over `path` in one step (the caller removes `tmp` when
    this fails)."""
    try:
        os.replace(tmp, path)
    except PermissionError as exc:
        raise UserError(
            f"File '{path}' tidak dapat ditimpa (mungkin sedang dibuka di Excel); tutup file itu, lalu "
            "ulangi."
        ) from exc
    except OSError as exc:
        raise write_error(path, exc) from exc
    _fsync_dir(path.parent)


def copy_file(path: Path, fh: BinaryIO) -> None:
    with path.open("rb") as src:
        shutil.copyfileobj(src, fh, 1 << 20)


def write_backup(path: Path, backup: Path) -> None:
    """Copy `path` to `backup` atomically: the previous backup stays whole until the copy is complete, and a
    symbolic link at `backup` is replaced by the copy, never followed (its target is left alone)."""

    try:
        tmp = write_temp(backup, lambda fh: copy_file(path, fh))
    except UserError as exc:
        raise UserError(f"Cadangan '{backup}' tidak dapat ditulis, sehingga workbook tidak disimpan: "
                        f"{exc.message} Workbook dan cadangan sebelumnya tidak berubah.") from exc
    try:
        with contextlib.suppress(OSError):
            shutil.copystat(path, tmp)  # the backup keeps the workbook's time stamps, as copy2 did
        commit(tmp, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_error(path: Path, exc: OSError) -> UserError:
    """An OS failure while saving `path`, in planners' words; the old file is always left as it was."""
    kept = " Workbook yang lama tidak berubah." if path.exists() else ""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return UserError(f"Ruang disk penuh: '{path}' tidak dapat disimpan.{kept} Kosongkan ruang di disk "
                         f"folder '{path.parent}' (atau simpan ke disk lain), lalu ulangi.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UserError(f"Folder '{path.parent}' tidak dapat ditulis ({exc.strerror or exc}).{kept} Periksa "
                         "izin folder (atau apakah disknya hanya-baca), atau simpan ke folder lain.")
    return UserError(f"'{path}' tidak dapat disimpan ({exc.strerror or exc}).{kept} Periksa disk dan folder "
                     "tujuan, lalu ulangi.")


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable on POSIX; not possible (nor needed) on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- XML parts ------------------------------------------------------------------------------------------


def _content_types(xml: bytes, *, macro: bool, vba: bool, ui: bool) -> bytes:
    root = ET.fromstring(xml)
    overrides = {o.get("PartName"): o for o in root.findall(f"{{{CT_NS}}}Override")}
    wb = overrides.get("/" + WORKBOOK_PART)
    if wb is None:
        wb = ET.SubElement(root, f"{{{CT_NS}}}Override", PartName="/" + WORKBOOK_PART)
    wb.set("ContentType", XLSM_MAIN if macro else XLSX_MAIN)
    macro_overrides = ((VBA_PART, VBA_CONTENT_TYPE, vba), (CUSTOM_UI_PART, CUSTOM_UI_CONTENT_TYPE, ui))
    for part, content_type, present in macro_overrides:
        node = overrides.get("/" + part)
        if present and node is None:
            ET.SubElement(root, f"{{{CT_NS}}}Override", PartName="/" + part, ContentType=content_type)
        elif present:
            node.set("ContentType", content_type)
        elif node is not None:
            root.remove(node)  # no override for a part the package does not hold
    return _serialize(root, CT_NS)


def _relationships(xml: bytes, rel_type: str, target: str, present: bool, *, renumber: bool = False) -> bytes:
    root = ET.fromstring(xml)
    rels = root.findall(f"{{{REL_NS}}}Relationship")
    found = [r for r in rels if r.get("Type") == rel_type]
    for extra in found[1:] if present else found:
        root.remove(extra)
    if present and not found:
        # Attribute order as openpyxl writes it, so that a re-save gives the same bytes.
        ET.SubElement(root, f"{{{REL_NS}}}Relationship", Type=rel_type, Target=target, Id=_free_id(rels))
    if renumber:
        _unique_ids(root)
    return _serialize(root, REL_NS)


def _free_id(rels: list[ET.Element]) -> str:
    used = {r.get("Id") for r in rels}
    n = 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def _unique_ids(root: ET.Element) -> None:
    """Give a fresh Id to a relationship that repeats an earlier one.

    openpyxl copies the ribbon relationship of a kept package with its old Id, which may clash with an Id it
    numbered itself. Package-level Ids are referenced by nothing else, so renumbering the later one is safe.
    """
    rels = root.findall(f"{{{REL_NS}}}Relationship")
    seen: set[str | None] = set()
    for rel in rels:
        if rel.get("Id") in seen:
            rel.set("Id", _free_id(rels))
        seen.add(rel.get("Id"))


def _serialize(root: ET.Element, default_ns: str) -> bytes:
    # Package parts are written with their namespace as the default one, as Office writes them (ET's
    # `default_namespace` option rejects the unqualified attributes these parts use).
    ET.register_namespace("", default_ns)
    return _XML_DECL + ET.tostring(root, encoding="utf-8", xml_declaration=False)


# --- hashes of generated sheet parts --------------------------------------------------------------------

_DEFINED_NAME = re.compile(r'<definedName name="(?P<name>[^"]*)" localSheetId="(?P<local>[0-9]+)"[^>]*>'
                           r'(?P<text>[^<]*)</definedName>')


#: The form of the stamps written now (`part_stamp`); a stored value without it is a `part_hash`.
STAMP_PREFIX = "zip:"


def part_stamp(marker_text: str, crc: int, size: int) -> str:
    """What is stored for a generated sheet: its marker's text (as stored in workbook.xml) with the CRC-32
    and the size of its sheet part's bytes, as the zip's directory records them. The same CRC and size are
    the same bytes, and so the same cells (a different part with both equal: about one chance in four
    billion): `check` (book/sheet_xml.unchanged_sheets) then knows the sheet holds what the tool wrote
    without inflating the part or reading a cell; any other writer (Excel, LibreOffice, openpyxl after a
    change) gives other bytes, and the sheet's cells are read as before. Like the hash before it, this
    tells edits by people and programs, not a forgery: anyone can write a matching stamp."""
    text = f"{marker_text}\0{crc:08x}:{size}"
    return STAMP_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def part_hash(marker_text: str, part: bytes) -> str:
    """What regenerate stored before `part_stamp` (workbooks of 2026-12-03 and earlier): a hash of the
    marker's text and the part's bytes; `check` still reads it (inflating the part)."""
    return hashlib.sha256(marker_text.encode("utf-8") + b"\0" + part).hexdigest()[:20]


def _crc_size(part: bytes | Deflated) -> tuple[int, int]:
    """The CRC-32 and size of a part's bytes (a deflated part knows them: no inflating)."""
    if isinstance(part, Deflated):
        return part.crc, part.size
    return zlib.crc32(part), len(part)


def part_name(source: str, target: str) -> str:
    """The part a relationship of part `source` points to: its Target, absolute ("/xl/...") or relative to
    `source`'s folder ("worksheets/sheet1.xml", "../drawings/drawing1.xml"), percent-escapes decoded."""
    target = unquote(target)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> list[tuple[str, str]]:
    """(sheet name, part name) in tab order (the index is a defined name's localSheetId); parts are found
    through the workbook's relationships, never by their file name."""
    main, rel = "{" + MAIN_NS + "}", "{" + R_NS + "}"
    rels = ET.fromstring(rels_xml).iter(f"{{{REL_NS}}}Relationship")
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    out = []
    for sh in ET.fromstring(workbook_xml).iter(f"{main}sheet"):
        out.append((sh.get("name", ""), part_name(WORKBOOK_PART, target.get(sh.get(f"{rel}id"), ""))))
    return out


def with_part_hashes(parts: dict[str, Any], fresh: Collection[str]) -> dict[str, Any]:
    """`parts` with a PART_HASH_NAME defined name, scoped to each sheet named in `fresh` that carries a
    marker, holding `part_stamp` of its marker and its final part (cached values included). Earlier such
    names of those sheets are replaced; those of other sheets stay (a hash can only ever match the very
    bytes it was made of)."""
    xml = parts[WORKBOOK_PART].decode("utf-8")
    sheets = sheet_parts(parts[WORKBOOK_PART], parts[WORKBOOK_RELS])
    wanted = {i for i, (name, _) in enumerate(sheets) if name in fresh}
    markers = {int(m["local"]): html.unescape(m["text"]) for m in _DEFINED_NAME.finditer(xml)
               if m["name"] == MARKER_NAME and int(m["local"]) in wanted}
    if not markers or "</definedNames>" not in xml:
        return parts
    xml = _DEFINED_NAME.sub(lambda m: "" if m["name"] == PART_HASH_NAME and int(m["local"]) in markers
                            else m[0], xml)
    added = "".join(
        f'<definedName name="{PART_HASH_NAME}" localSheetId="{i}" hidden="1">'
        f'"{part_stamp(text, *_crc_size(parts[sheets[i][1]]))}"</definedName>'
        for i, text in sorted(markers.items()) if sheets[i][1] in parts)
    out = dict(parts)
    out[WORKBOOK_PART] = xml.replace("</definedNames>", added + "</definedNames>", 1).encode("utf-8")
    return out
