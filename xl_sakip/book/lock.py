"""A lock file beside the workbook, so that two writers (import --force, check --write, regenerate) never run
on the same file at once.

`workbook_lock(path)` creates ``<name>.lock`` next to the workbook with O_EXCL (atomic on local disks and on
SMB/NFS shares) and writes who holds it: pid, host, user, time. A second writer gets a LockedError naming
the lock file, its holder, and what to do if it is stale. A lock left by a process that died (same host, pid
no longer running) is taken over; taking over is serialised by a second O_EXCL file, so two processes that
both find a stale lock cannot both take it. A lock from another host is never taken over automatically (its
pid means nothing here): the message says how to remove it.

The lock is re-entrant within a thread: `save_workbook` takes it for every save, and a command that reads,
changes and saves a workbook takes it around the whole sequence, so that no other writer slips in between.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from xl_sakip.errors import UserError

#: A lock file whose content cannot be read is treated as stale after this many seconds (its writer died
#: between creating it and writing into it; a live writer fills it within milliseconds).
UNREADABLE_GRACE = 10.0
#: A take-over marker older than this was left by a process that died while taking over.
TAKEOVER_GRACE = 30.0


class LockedError(UserError):
    """The workbook is being written by another process."""


class LockInfo(BaseModel):
    pid: int
    host: str
    user: str = ""
    since: str = ""  # local time, ISO format
    token: str = ""  # tells our own lock from someone else's when releasing


def lock_path(path: str | Path) -> Path:
    """The lock file of the workbook at `path`: ``Cascading_2023.xlsm`` -> ``Cascading_2023.xlsm.lock``."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


# Locks this process holds: lock file -> (thread id, depth).
_held: dict[Path, tuple[int, int]] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def workbook_lock(path: str | Path) -> Iterator[Path]:
    """Hold the lock of the workbook at `path` for the duration of the block; yields the lock file.

    Raises LockedError (a UserError, exit code 2) when another process or thread holds it, and UserError
    when the folder cannot be written.
    """
    # One lock per file, whatever name it is reached by: a symbolic link and its target share it.
    lock = Path(os.path.abspath(lock_path(os.path.realpath(path))))
    me = threading.get_ident()
    with _held_guard:
        holder = _held.get(lock)
        if holder is not None and holder[0] == me:
            _held[lock] = (me, holder[1] + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield lock
        finally:
            with _held_guard:
                owner, depth = _held[lock]
                _held[lock] = (owner, depth - 1)
        return
    if holder is not None:
        raise LockedError(_locked_message(Path(path), lock, _read(lock)))
    token = _acquire(Path(path), lock)
    with _held_guard:
        _held[lock] = (me, 1)
    try:
        yield lock
    finally:
        with _held_guard:
            del _held[lock]
        _release(lock, token)


def _acquire(path: Path, lock: Path) -> str:
    token = secrets.token_hex(8)
    info = LockInfo(pid=os.getpid(), host=socket.gethostname(), user=_user(),
                    since=datetime.now().isoformat(timespec="seconds"), token=token)
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            held = _read(lock)
            if held is _GONE:
                continue  # released between our attempt and our look: try again
            if _stale(lock, held):
                _take_over(lock, held)
                continue
            raise LockedError(_locked_message(path, lock, held)) from None
        except OSError as exc:
            raise UserError(
                f"Tidak dapat membuat file kunci '{lock}' ({exc.strerror or exc}); folder '{lock.parent}' "
                "tidak dapat ditulis. Periksa izin folder, atau salin workbook ke folder lain."
            ) from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(info.model_dump_json())
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(lock)
            raise UserError(f"File kunci '{lock}' tidak dapat ditulis ({exc.strerror or exc}); periksa "
                            "ruang disk dan izin folder, lalu ulangi.") from exc
        return token
    raise LockedError(_locked_message(path, lock, _read(lock)))


def _release(lock: Path, token: str) -> None:
    held = _read(lock)
    # Remove only our own lock: if it was (wrongly) removed and taken by someone else, leave theirs.
    if isinstance(held, LockInfo) and held.token == token:
        with contextlib.suppress(OSError):
            os.unlink(lock)


_GONE = object()  # the lock file vanished while we looked


def _read(lock: Path) -> LockInfo | None | object:
    """The holder written in the lock file; None when unreadable; _GONE when there is no lock file."""
    try:
        text = lock.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _GONE
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return LockInfo.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return None


def _stale(lock: Path, held: LockInfo | None | object) -> bool:
    if not isinstance(held, LockInfo):
        try:
            return time.time() - lock.stat().st_mtime > UNREADABLE_GRACE
        except OSError:
            return False
    if held.host != socket.gethostname():
        return False  # another computer's pid tells nothing here
    if held.pid == os.getpid():
        return True  # ours but not in _held: left over by this process (e.g. a thread that was killed)
    return not pid_alive(held.pid)


def _take_over(lock: Path, seen: LockInfo | None | object) -> None:
    """Remove a stale lock, unless someone else is taking it over or has already done so."""
    marker = lock.with_name(lock.name + ".takeover")
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        with contextlib.suppress(OSError):
            if time.time() - marker.stat().st_mtime > TAKEOVER_GRACE:
                os.unlink(marker)
        return  # the next attempt will see what the other taker did
    except OSError:
        return
    try:
        os.close(fd)
        now = _read(lock)
        same = now == seen if isinstance(seen, LockInfo) else not isinstance(now, LockInfo)
        if same and now is not _GONE:
            with contextlib.suppress(OSError):
                os.unlink(lock)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(marker)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts and containers
        return ""


def _locked_message(path: Path, lock: Path, held: LockInfo | None | object) -> str:
    if isinstance(held, LockInfo):
        who = f"proses {held.pid} di komputer {held.host}"
        if held.user:
            who += f" (pengguna {held.user})"
        if held.since:
            who += f" sejak {held.since.replace('T', ' ')}"
    else:
        who = "proses lain"
    return (
        f"Workbook '{path.name}' sedang diubah oleh {who}; file kunci '{lock}'. Tunggu sampai proses itu "
        "selesai, lalu ulangi. Bila tidak ada xl-sakip yang sedang berjalan pada workbook ini (misalnya "
        "komputer itu mati di tengah proses), hapus file kunci itu lalu ulangi."
    )
