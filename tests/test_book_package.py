"""The .xlsm package: content types, macro parts, keep_vba re-saves, atomic and reproducible writes.

The expected content types and relationship types are those of ECMA-376 / MS-OFFCRYPTO practice as written
down in ../shared/design.md ("The .xlsm on a machine without Excel").
"""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_sakip.book import package
from xl_sakip.book.macro_parts import MacroParts
from xl_sakip.book.package import save_workbook
from xl_sakip.book.writer import write_master
from xl_sakip.core.models import Cascade
from xl_sakip.errors import UserError

CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
UI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"

CUSTOM_UI = (
    b'<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui"><ribbon><tabs>'
    b'<tab id="tabSakip" label="SAKIP"><group id="g" label="Master"><button id="b" label="Periksa" '
    b'onAction="OnPeriksa"/></group></tab></tabs></ribbon></customUI>'
)
# The packaging treats the VBA project as opaque bytes; a real one comes from xl_sakip.vba.
MACROS = MacroParts(vba_project=b"\xd0\xcf\x11\xe0 not really a vba project", custom_ui=CUSTOM_UI)


def overrides(path: Path) -> dict[str, str]:
    root = ET.fromstring(zipfile.ZipFile(path).read("[Content_Types].xml"))
    return {o.get("PartName"): o.get("ContentType") for o in root.findall(f"{CT}Override")}


def relationships(path: Path, part: str) -> list[tuple[str | None, str | None, str | None]]:
    root = ET.fromstring(zipfile.ZipFile(path).read(part))
    return [(r.get("Id"), r.get("Type"), r.get("Target")) for r in root.findall(f"{REL}Relationship")]


def test_xlsm_without_macros_is_macro_enabled(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    found = overrides(path)
    assert found["/xl/workbook.xml"] == XLSM_MAIN
    assert "/xl/vbaProject.bin" not in found
    assert not any(t == VBA_REL for _, t, _ in relationships(path, "xl/_rels/workbook.xml.rels"))


def test_xlsx_stays_plain(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsx")
    assert overrides(path)["/xl/workbook.xml"] == XLSX_MAIN


def test_macro_parts_are_packaged(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm", macro_parts=MACROS)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == MACROS.vba_project
        assert zf.read("customUI/customUI.xml") == CUSTOM_UI
        assert zf.namelist()[0] == "[Content_Types].xml"
    found = overrides(path)
    assert found["/xl/workbook.xml"] == XLSM_MAIN
    assert found["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    assert found["/customUI/customUI.xml"] == "application/xml"
    vba = [(t, target) for _, t, target in relationships(path, "xl/_rels/workbook.xml.rels") if t == VBA_REL]
    assert vba == [(VBA_REL, "vbaProject.bin")]
    root = relationships(path, "_rels/.rels")
    assert [(t, target) for _, t, target in root if t == UI_REL] == [(UI_REL, "customUI/customUI.xml")]
    ids = [i for i, _, _ in root]
    assert len(ids) == len(set(ids))


def test_macro_parts_in_xlsx_are_refused(small_cascade: Cascade, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"\.xlsm"):
        write_master(small_cascade, tmp_path / "m.xlsx", macro_parts=MACROS)
    assert list(tmp_path.iterdir()) == []


def test_keep_vba_resave_keeps_macros(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm", macro_parts=MACROS)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb["Indikator"]["S2"] = 70.5  # a planner's realisasi, then a regeneration saves the book again
    save_workbook(wb, path, force=True)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == MACROS.vba_project
        assert zf.read("customUI/customUI.xml") == CUSTOM_UI
        names = zf.namelist()
    assert len(names) == len(set(names))
    found = overrides(path)
    assert found["/xl/workbook.xml"] == XLSM_MAIN
    assert found["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    assert [t for _, t, _ in relationships(path, "xl/_rels/workbook.xml.rels")].count(VBA_REL) == 1
    root = relationships(path, "_rels/.rels")
    assert [t for _, t, _ in root].count(UI_REL) == 1
    assert len({i for i, _, _ in root}) == len(root)
    assert openpyxl.load_workbook(path)["Indikator"]["S2"].value == 70.5


def test_keep_vba_resave_with_new_macros_replaces_them(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm", macro_parts=MACROS)
    newer = MacroParts(vba_project=b"second build", custom_ui=CUSTOM_UI.replace(b"Periksa", b"Cek"))
    save_workbook(openpyxl.load_workbook(path, keep_vba=True), path, macro_parts=newer, force=True)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == b"second build"
        assert b'label="Cek"' in zf.read("customUI/customUI.xml")


def test_existing_file_is_not_overwritten_without_force(small_cascade: Cascade, tmp_path: Path) -> None:
    path = tmp_path / "Cascading_2023.xlsm"
    path.write_bytes(b"punya orang lain")
    with pytest.raises(UserError) as info:
        write_master(small_cascade, path)
    assert str(info.value) == f"File '{path}' sudah ada; gunakan --force untuk menimpanya."
    assert path.read_bytes() == b"punya orang lain"
    write_master(small_cascade, path, force=True)
    assert zipfile.is_zipfile(path)


def test_failed_write_leaves_the_old_file_and_no_temp(
    small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    before = path.read_bytes()
    calls = {"n": 0}
    real = package.write_member

    def failing(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 5:  # midway through the members
            raise OSError(28, "No space left on device")
        real(zf, name, data)

    monkeypatch.setattr(package, "write_member", failing)
    small_cascade.settings.office = "berubah"
    with pytest.raises(UserError, match="Ruang disk penuh"):  # reported, in Bahasa Indonesia (issue 7)
        write_master(small_cascade, path, force=True)
    assert calls["n"] == 5
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.xlsm"]


def test_failed_first_write_leaves_nothing(
    small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(package.os, "replace", failing)
    with pytest.raises(RuntimeError):
        write_master(small_cascade, tmp_path / "baru.xlsm")
    assert list(tmp_path.iterdir()) == []


def test_zip_is_reproducible(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm", macro_parts=MACROS)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
    # Saving a kept workbook again and again gives the same bytes (regenerating sheets twice is a no-op).
    once = save_workbook(openpyxl.load_workbook(path, keep_vba=True), tmp_path / "once.xlsm")
    twice = save_workbook(openpyxl.load_workbook(once, keep_vba=True), tmp_path / "twice.xlsm")
    thrice = save_workbook(openpyxl.load_workbook(twice, keep_vba=True), tmp_path / "thrice.xlsm")
    assert twice.read_bytes() == thrice.read_bytes()


def test_new_file_mode_follows_umask(small_cascade: Cascade, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = write_master(small_cascade, tmp_path / "m.xlsm")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not the 0600 of a private temporary file


@pytest.mark.parametrize("name", ["master.txt", "master", "master.xls"])
def test_wrong_suffix(small_cascade: Cascade, tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match="harus berakhiran .xlsm"):
        write_master(small_cascade, tmp_path / name)


def test_folder_is_created(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "workbook" / "Cascading_2023.xlsm")
    assert zipfile.is_zipfile(path)


def test_read_only_workbook_is_refused(small_cascade: Cascade, tmp_path: Path) -> None:
    path = write_master(small_cascade, tmp_path / "m.xlsm")
    with pytest.raises(TypeError):
        save_workbook(openpyxl.load_workbook(path, read_only=True), tmp_path / "n.xlsm")
    assert not (tmp_path / "n.xlsm").exists()
