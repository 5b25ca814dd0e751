"""Faults while saving (issue 7, item 3): an interrupted write leaves the original workbook intact; a
read-only file or folder, a file open in Excel and a full disk get a clear message in Bahasa Indonesia
(exit code 2); two writers at once cannot both write (lock file, book/lock.py).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xl_sakip.book import lock as lockmod
from xl_sakip.book import package
from xl_sakip.book.lock import LockedError, LockInfo, lock_path, workbook_lock
from xl_sakip.book.package import save_workbook
from xl_sakip.book.reader import read_master
from xl_sakip.book.writer import build_master, write_master
from xl_sakip.cli import app
from xl_sakip.core.models import Cascade
from xl_sakip.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages on one line, as in a wide terminal: rich would otherwise wrap them at 80 columns."""
    from xl_sakip import cli

    monkeypatch.setattr(cli.err, "width", 1000)
    monkeypatch.setattr(cli.out, "width", 1000)


@pytest.fixture
def master(small_cascade: Cascade, tmp_path: Path) -> Path:
    return write_master(small_cascade, tmp_path / "master.xlsm")


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return r.exit_code, " ".join((r.stdout + r.stderr).split())


def only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- interrupted writes ----------------------------------------------------------------------------------


def test_crash_between_write_and_rename_keeps_the_original(
    master: Path, small_cascade: Cascade, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = master.read_bytes()

    def crash(*args: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(package.os, "replace", crash)
    small_cascade.settings.office = "berubah"
    with pytest.raises(UserError) as info:
        write_master(small_cascade, master, force=True)
    assert info.value.message == (f"'{master}' tidak dapat disimpan (Input/output error). Workbook yang lama "
                                  "tidak berubah. Periksa disk dan folder tujuan, lalu ulangi.")
    assert master.read_bytes() == before
    assert only(master.parent) == ["master.xlsm"]  # no temporary file, no lock file


_SLOW_WRITER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from conftest import make_small_cascade
from xl_sakip.book import package
from xl_sakip.book.writer import write_master

real = package.write_member
def slow(zf, name, data):
    real(zf, name, data)
    print("member", name, flush=True)
    time.sleep(30)  # killed here, in the middle of the zip
package.write_member = slow
c = make_small_cascade()
c.settings.office = "berubah"
write_master(c, Path({path!r}), force=True)
"""


def test_killed_writer_leaves_the_original_and_its_stale_lock_is_taken_over(
    master: Path, small_cascade: Cascade
) -> None:
    before = master.read_bytes()
    code = _SLOW_WRITER.format(tests=str(ROOT / "tests"), path=str(master))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None
    assert child.stdout.readline().startswith("member")  # it is writing now
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert master.read_bytes() == before
    assert read_master(master) == small_cascade
    # The killed process left its temporary file and its lock; the next save takes the lock over.
    assert lock_path(master).exists()
    held = LockInfo.model_validate(json.loads(lock_path(master).read_text()))
    assert held.pid == child.pid and held.host == socket.gethostname()
    small_cascade.settings.office = "sesudah"
    write_master(small_cascade, master, force=True)
    assert read_master(master).settings.office == "sesudah"
    assert not lock_path(master).exists()


# --- read-only, open elsewhere, disk full ----------------------------------------------------------------


def test_read_only_file_is_not_replaced(master: Path, small_cascade: Cascade) -> None:
    before = master.read_bytes()
    master.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with pytest.raises(UserError, match=r"hanya-baca \(read-only\)"):
            write_master(small_cascade, master, force=True)
        code, text = cli("check", str(master), "--write")
        assert code == 2 and "hanya-baca (read-only)" in text and "Traceback" not in text
    finally:
        master.chmod(0o644)
    assert master.read_bytes() == before


def test_read_only_folder(small_cascade: Cascade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "arsip"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes into any folder: simulate what the OS tells everyone else
        real_open = os.open

        def deny(path: object, flags: int, *args: object) -> int:
            if Path(str(path)).parent == folder and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(os, "open", deny)
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(UserError) as info:
            write_master(small_cascade, folder / "baru.xlsm")
    finally:
        folder.chmod(0o755)
    assert f"folder '{folder}' tidak dapat ditulis" in info.value.message
    assert "Periksa izin folder" in info.value.message
    assert list(folder.iterdir()) == []


def test_file_open_in_excel(master: Path, small_cascade: Cascade, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows, Excel holds an open workbook: renaming over it fails with a permission error."""
    before = master.read_bytes()

    def held(*args: object) -> None:
        raise PermissionError(errno.EACCES, "The process cannot access the file")

    monkeypatch.setattr(package.os, "replace", held)
    code, text = cli("check", str(master), "--write")
    assert code == 2
    assert f"File '{master}' tidak dapat ditimpa (mungkin sedang dibuka di Excel); tutup file itu" in text
    assert master.read_bytes() == before and only(master.parent) == ["master.xlsm"]


def test_disk_full_is_reported_in_indonesian(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = master.read_bytes()
    real = package.write_member

    def full(zf: object, name: str, data: bytes) -> None:
        if name.startswith("xl/worksheets/"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(zf, name, data)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "write_member", full)
    code, text = cli("check", str(master), "--write")
    assert code == 2 and "Traceback" not in text
    assert f"Ruang disk penuh: '{master}' tidak dapat disimpan. Workbook yang lama tidak berubah." in text
    assert master.read_bytes() == before and only(master.parent) == ["master.xlsm"]


def test_unexpected_os_error_is_a_message_not_a_traceback(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xl_sakip.book import findings_sheet

    def broken(*args: object, **kw: object) -> None:
        raise OSError(errno.EIO, "Input/output error", str(master))

    monkeypatch.setattr(findings_sheet, "read_master_with_rows", broken)
    code, text = cli("check", str(master))
    assert code == 2 and "Traceback" not in text
    assert text == (f"Galat: berkas tidak dapat dibaca atau ditulis ({master}): Input/output error. Periksa "
                    "file, folder dan ruang disk, lalu ulangi.")


# --- two writers ------------------------------------------------------------------------------------------


_HOLDER = """
import sys, time
from xl_sakip.book.lock import workbook_lock
with workbook_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()  # until the test lets go
"""


def test_second_writer_is_refused_while_the_first_holds_the_lock(master: Path) -> None:
    before = master.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(master)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        code, text = cli("check", str(master), "--write")
        assert code == 2 and "Traceback" not in text
        assert f"Workbook 'master.xlsm' sedang diubah oleh proses {holder.pid} di komputer " in text
        assert f"file kunci '{lock_path(master)}'" in text
        assert "hapus file kunci itu lalu ulangi" in text
        assert master.read_bytes() == before
        code, text = cli("check", str(master))  # reading needs no lock
        assert code == 0
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    code, _ = cli("check", str(master), "--write")
    assert code == 0
    assert "Temuan" in openpyxl.load_workbook(master, read_only=True).sheetnames
    assert only(master.parent) == ["master.xlsm"]


def test_two_writers_at_once_leave_a_valid_workbook(master: Path, small_cascade: Cascade) -> None:
    """Two `check --write` processes started together: each either writes or is refused with the lock
    message; the file is a valid workbook with the findings sheet afterwards."""
    exe = [sys.executable, "-m", "xl_sakip.cli", "check", str(master), "--write"]
    procs = [subprocess.Popen(exe, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "COLUMNS": "400"}) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert "Traceback" not in out + err
        assert p.returncode == 0 or (p.returncode == 2 and "sedang diubah oleh proses" in err), err
    assert any(p.returncode == 0 for p in procs)
    assert read_master(master) == small_cascade
    assert "Temuan" in openpyxl.load_workbook(master, read_only=True).sheetnames
    assert only(master.parent) == ["master.xlsm"]


def test_lock_of_another_computer_is_never_taken_over(master: Path, small_cascade: Cascade) -> None:
    info = LockInfo(pid=os.getpid(), host="PC-PERENCANAAN-02", user="budi", since="2024-03-01T09:15:00")
    lock_path(master).write_text(info.model_dump_json())
    with pytest.raises(LockedError) as e:
        write_master(small_cascade, master, force=True)
    assert e.value.message.startswith(
        "Workbook 'master.xlsm' sedang diubah oleh proses "
        f"{os.getpid()} di komputer PC-PERENCANAAN-02 (pengguna budi) sejak 2024-03-01 09:15:00; file kunci "
    )
    assert e.value.exit_code == 2
    assert lock_path(master).read_text() == info.model_dump_json()  # left alone


def test_lock_of_a_dead_process_is_taken_over(master: Path, small_cascade: Cascade) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = int(done.stdout)
    lock_path(master).write_text(LockInfo(pid=dead, host=socket.gethostname()).model_dump_json())
    small_cascade.settings.place = "Tomohon"
    write_master(small_cascade, master, force=True)
    assert read_master(master).settings.place == "Tomohon"
    assert not lock_path(master).exists()


def test_unreadable_lock_is_stale_only_when_old(master: Path, small_cascade: Cascade) -> None:
    lock = lock_path(master)
    lock.write_text("")  # a writer that died between creating the lock and filling it, or is filling it now
    with pytest.raises(LockedError, match="sedang diubah oleh proses lain"):
        write_master(small_cascade, master, force=True)
    old = time.time() - lockmod.UNREADABLE_GRACE - 5
    os.utime(lock, (old, old))
    write_master(small_cascade, master, force=True)
    assert not lock.exists()


def test_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(master: Path) -> None:
    wb = build_master(read_master(master))
    seen: list[str] = []
    with workbook_lock(master) as lock:
        save_workbook(wb, master, force=True)  # the same thread saves inside its own lock
        assert lock.exists()

        def other() -> None:
            try:
                with workbook_lock(master):
                    seen.append("held")
            except LockedError as exc:
                seen.append(exc.message)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert lock.exists()  # the inner save did not release the outer lock
    assert len(seen) == 1 and seen[0].startswith("Workbook 'master.xlsm' sedang diubah oleh proses ")
    assert not lock_path(master).exists()
