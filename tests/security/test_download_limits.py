"""Downloads bounded in size and time, and never leaving a part file: a server that sends too much, announces
too much, drips a byte at a time, or a process stopped by SIGTERM mid-download (local server on 127.0.0.1)."""

import signal
import subprocess
import sys
import time

import pytest

from scratchgrad.data import DatasetError, RemoteFile, download


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_body_larger_than_the_file_is_cut_at_its_size_without_content_length(server, tmp_path):
    url = server.serve("/m/f.gz", bytes(5_000_000), mode="no-length")
    with pytest.raises(DatasetError, match=f"{url}: the server sent more than the 1,000 bytes this file has"):
        download(RemoteFile("f.gz", sha256="0" * 64, size=1000), [server.url + "/m/"], tmp_path, progress=False)
    assert _leftovers(tmp_path) == []


def test_an_announced_size_beyond_the_file_is_refused_before_reading(server, tmp_path):
    url = server.serve("/m/f.gz", bytes(5000))
    with pytest.raises(DatasetError, match=f"{url}: the server announces 5,000 bytes; this file has at most 1,000"):
        download(RemoteFile("f.gz", sha256="0" * 64, size=1000), [server.url + "/m/"], tmp_path, progress=False)
    assert _leftovers(tmp_path) == []


def test_a_server_dripping_bytes_meets_the_overall_deadline(server, tmp_path):
    url = server.serve("/m/f.gz", bytes(1000), mode="drip")  # 50 s at a byte per 50 ms
    start = time.monotonic()
    with pytest.raises(DatasetError, match=f"{url}: not finished within the 1 s deadline"):
        download(RemoteFile("f.gz", sha256="0" * 64), [server.url + "/m/"], tmp_path, timeout=5, deadline=1,
                 progress=False)
    assert time.monotonic() - start < 4
    assert _leftovers(tmp_path) == []


def test_the_previous_sigterm_handler_is_back_after_a_download(server, tmp_path):
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        server.serve("/m/f.gz", b"abc")
        download(RemoteFile("f.gz"), [server.url + "/m/"], tmp_path, progress=False)
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


_CHILD = """
import signal, sys
from scratchgrad.data import RemoteFile, download
if sys.argv[3] == "handler":
    signal.signal(signal.SIGTERM, lambda s, f: (print("previous handler ran", flush=True), sys.exit(7)))
download(RemoteFile("f.gz"), [sys.argv[1]], sys.argv[2], progress=False)
"""


@pytest.mark.parametrize("handler, status", [("default", -signal.SIGTERM), ("handler", 7)])
def test_sigterm_mid_download_leaves_no_part_file(server, tmp_path, handler, status):
    server.serve("/m/f.gz", bytes(1000), mode="drip")
    child = subprocess.Popen([sys.executable, "-c", _CHILD, server.url + "/m/", str(tmp_path), handler],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not any(name.endswith(".part") for name in _leftovers(tmp_path)):
            assert time.monotonic() < deadline and child.poll() is None, child.stderr.read() if child.poll() else ""
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the drip (the part file is buffered, so its size says nothing)
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == status, err
    assert _leftovers(tmp_path) == []
    assert ("previous handler ran" in out) == (handler == "handler")
