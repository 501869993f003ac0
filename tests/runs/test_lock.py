"""The run folder's lock: one holder, named to the next comer; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import socket

import pytest

from scratchgrad.train import runfolder


def test_a_held_lock_refuses_the_next_comer_naming_the_holder(tmp_path):
    holder = f"in use by pid {os.getpid()} on host {socket.gethostname()}"
    with runfolder.lock_folder(tmp_path):
        with pytest.raises(runfolder.RunFolderBusy, match=holder):
            runfolder.lock_folder(tmp_path)
    assert not (tmp_path / runfolder.LOCK_NAME).exists()  # released: the file goes with it
    runfolder.lock_folder(tmp_path).release()


def test_the_lock_of_a_dead_run_is_taken_over_and_reported(tmp_path):
    # What SIGKILL leaves: the file with its owner's record, and no process holding it.
    (tmp_path / runfolder.LOCK_NAME).write_text(json.dumps({"pid": 999_999, "host": "elsewhere", "since": 0}))
    said = []
    lock = runfolder.open_for_training(tmp_path, log=said.append)
    try:
        assert lock.previous["pid"] == 999_999
        assert said == [f"note: took over the lock of {runfolder.describe_holder(lock.previous)}, which is no longer "
                        "running"]
        assert json.loads((tmp_path / runfolder.LOCK_NAME).read_text())["pid"] == os.getpid()
    finally:
        lock.release()


def test_a_lock_file_removed_while_waiting_is_not_trusted(tmp_path, monkeypatch):
    """The inode check: locking a file its owner unlinked meanwhile would give two holders."""
    held = runfolder.lock_folder(tmp_path)
    real_flock, calls = runfolder.fcntl.flock, []

    def flock(fd, op):
        calls.append(fd)
        if len(calls) == 1:  # the holder finishes between our open and our flock
            held.release()
        return real_flock(fd, op)

    monkeypatch.setattr(runfolder.fcntl, "flock", flock)
    lock = runfolder.lock_folder(tmp_path)
    assert len(calls) == 2 and (tmp_path / runfolder.LOCK_NAME).exists()
    lock.release()
