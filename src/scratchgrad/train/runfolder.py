"""A run folder opened for training: one process at a time, never written over another run by accident.

``open_for_training`` refuses a path that is a file or cannot be written, takes the folder's lock, removes the
temporary files of writes a crash interrupted, and refuses a folder that already holds a run unless the caller
resumes it or asked to overwrite it. The lock is a ``.lock`` file locked with ``flock`` and holding its owner's
pid and host: the kernel drops the lock when its owner dies however it dies, so a lock left by a killed run is
stale by construction and the next run takes it over (saying whose it was).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable

from .. import io as sgio

LOCK_NAME = ".lock"
RUN_FILES = (  # config.json first: a half-removed run must not look like a complete one
    "config.json", "checkpoint.safetensors", "model.safetensors", "history.json", "history.csv", "steps.csv",
    "curves.png", "filters.png", "confusion.png",
)


class RunFolderBusy(ValueError):
    """Another process holds the run folder's lock."""


class RunLock:
    """The held lock of a run folder; ``release()`` (or leaving a ``with`` block) frees it and removes the file."""

    def __init__(self, folder: Path, fd: int, previous: dict[str, Any] | None):
        self.folder, self._fd, self.previous = folder, fd, previous

    def release(self) -> None:
        if self._fd is None:
            return
        # Unlink before unlocking: a waiter that opened this file re-checks the inode and retries on a new one.
        (self.folder / LOCK_NAME).unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def describe_holder(info: dict[str, Any] | None) -> str:
    if not info:
        return "another process (its lock file is empty)"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
    return f"pid {info.get('pid')} on host {info.get('host')} (since {since})"


def _read_holder(fd: int) -> dict[str, Any] | None:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        info = json.loads(os.read(fd, 4096).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return info if isinstance(info, dict) else None


def lock_folder(folder: Path) -> RunLock:
    """Take ``folder``'s lock without waiting; ``RunFolderBusy`` names the holder when another process has it."""
    path = folder / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunFolderBusy(
                f"{folder} is in use by {describe_holder(holder)}: wait for that run to finish or choose another --out"
            ) from None
        try:
            same_file = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same_file = False
        if same_file:
            break
        os.close(fd)  # the previous owner removed this file as we opened it: lock the new one
    previous = _read_holder(fd)
    record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, record, 0)
    return RunLock(folder, fd, previous)


def check_writable(folder: Path, what: str, advice: str = "choose another") -> None:
    """Refuse, before any work, a folder this process cannot write (a read-only mount, another user's folder)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {folder} is not writable (read-only, or owned by another user); {advice}")


def prepare_folder(folder: Path, what: str) -> None:
    """Create ``folder`` if needed and check it can be written; one clear line when it is a file or read-only."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{what} {folder} is a file, not a folder; choose a folder path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create {what} {folder}: {exc.strerror or exc}") from exc
    check_writable(folder, what)


def open_for_training(
    folder: Path, resume: bool = False, overwrite: bool = False, log: Callable[[str], None] = print
) -> RunLock:
    """Prepare and lock ``folder`` for a run; the caller releases the returned lock when the run ends."""
    if resume and overwrite:
        raise ValueError("--resume continues the run in --out and --overwrite replaces it: pass one of them")
    prepare_folder(folder, "the run folder")
    lock = lock_folder(folder)
    try:
        if lock.previous:
            log(f"note: took over the lock of {describe_holder(lock.previous)}, which is no longer running")
        _remove_stale(folder, log)
        existing = [name for name in RUN_FILES if (folder / name).exists()]
        if existing and not resume and not overwrite:
            raise ValueError(
                f"{folder} already holds a run ({', '.join(existing)}): pass --resume to continue it, --overwrite "
                "to replace it, or choose another --out"
            )
        if existing and overwrite:
            for name in existing:
                (folder / name).unlink()
            log(f"removed the previous run in {folder} (--overwrite): {', '.join(existing)}")
    except BaseException:
        lock.release()
        raise
    return lock


def _remove_stale(folder: Path, log: Callable[[str], None]) -> None:
    removed = sgio.remove_stale_temporaries(folder)
    if removed:
        names = ", ".join(p.name for p in removed)
        log(f"removed {len(removed)} temporary file(s) left by an interrupted write: {names}")


def tidy_if_idle(folder: Path, log: Callable[[str], None]) -> None:
    """Remove stale temporary files when no run holds ``folder`` (a reader must not delete a live writer's file)."""
    try:
        with lock_folder(folder):
            _remove_stale(folder, log)
    except (RunFolderBusy, OSError):
        pass
