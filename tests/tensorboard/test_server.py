"""`tensorboard --logdir` on 127.0.0.1 serves what SummaryWriter wrote: its HTTP data API answers with the
scalars. The server is always killed, and the wait for it is bounded."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")
from scratchgrad.utils.tensorboard import SummaryWriter  # noqa: E402

STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (127.0.0.1 only)
        return json.loads(response.read())


def wait_for_scalars(base: str, process: subprocess.Popen, run: str) -> list:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tensorboard exited with status {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            data = get_json(f"{base}/data/plugin/scalars/scalars?run={run}&tag=loss/train")
            if data:
                return data
        except (OSError, ValueError):
            pass  # not listening yet, or the run not loaded yet
        time.sleep(0.5)
    pytest.fail(f"tensorboard served no scalars within {STARTUP_SECONDS} s")


def test_tensorboard_serves_the_scalars(tmp_path):
    logdir = tmp_path / "runs"
    with SummaryWriter(logdir / "demo") as writer:
        for step in range(4):
            writer.add_scalar("loss/train", 2.0 - 0.5 * step, step)
    port = free_port()
    tensorboard = Path(sys.executable).with_name("tensorboard")
    process = subprocess.Popen([str(tensorboard), "--logdir", str(logdir), "--port", str(port), "--host",
                                "127.0.0.1", "--reload_interval", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        points = wait_for_scalars(f"http://127.0.0.1:{port}", process, "demo")
        assert [(step, value) for _, step, value in points] == [(0, 2.0), (1, 1.5), (2, 1.0), (3, 0.5)]
        assert "demo" in get_json(f"http://127.0.0.1:{port}/data/runs")
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stderr.close()
