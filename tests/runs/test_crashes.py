"""``scratchgrad train`` killed with SIGKILL anywhere, and two of them on one folder: nothing lost, nothing mixed.

Each killed run replaces (``--overwrite``) a finished run of another model and batch size, so a folder that mixed
the two would hold one model's config beside the other's weights, which ``evaluate`` cannot load (and ``evaluate``
must load every folder that has a config.json).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from runs_helpers import cli, one_line_error

NEW = ["--model", "mlp", "--batch-size", "50", "--limit", "500", "--val-split", "0.2", "--epochs", "3", "--no-progress"]

# Runs the CLI with os.replace paused before the PAUSE_AT-th rename onto PAUSE_NAME (its temporary file written):
# the parent sees "PAUSED" and kills at that exact point, or creates GO_FILE to let it go on.
PAUSING_CLI = """
import os, sys, time
from scratchgrad.cli import main
real, calls = os.replace, []
def replace(src, dst):
    if os.path.basename(dst) == os.environ.get("PAUSE_NAME"):
        calls.append(dst)
        if len(calls) == int(os.environ["PAUSE_AT"]):
            print("PAUSED", flush=True)
            while not os.path.exists(os.environ.get("GO_FILE", "/nonexistent")):
                time.sleep(0.02)
    return real(src, dst)
os.replace = replace
sys.exit(main(sys.argv[1:]))
"""


def _start(out: Path, *extra: str, **env: str) -> subprocess.Popen:
    argv = [sys.executable, "-c", PAUSING_CLI, "train", *NEW, "--out", str(out), *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def _wait_paused(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    while line and line.strip() != "PAUSED":
        line = process.stdout.readline()
    assert line.strip() == "PAUSED", process.communicate()


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def _assert_whole(folder: Path, capsys) -> None:
    """Loadable by evaluate and continued by --resume, or refused by both with one line; never a mix of runs."""
    config_file = folder / "config.json"
    code, out, err = cli(capsys, "evaluate", folder)
    if config_file.exists():
        config = json.loads(config_file.read_text())
        # The new run's settings, or the old run's when the kill came before the new one reached the folder;
        # either way the weights beside them are theirs, or evaluate could not load them.
        assert (config["model"], config["batch_size"]) in {("mlp", 50), ("two_layer_net", 100)}
        assert code == 0 and "test accuracy" in out, err
    else:
        assert "has no config.json" in one_line_error(code, err)
    code, out, err = cli(capsys, "train", "--out", folder, "--resume", "--epochs", "3", "--no-progress")
    if config_file.exists():
        finished = code == 2 and "has finished 3" in err
        assert code == 0 or finished, err
        history = json.loads((folder / "history.json").read_text())
        assert [row["epoch"] for row in history] == [1, 2, 3]
        assert not list(folder.glob(".*.tmp"))  # the interrupted write's temporary file is gone
    else:
        assert "needs the run folder's config.json" in one_line_error(code, err)


@pytest.mark.parametrize(
    ("name", "nth"),
    [("config.json", 1), ("checkpoint.safetensors", 1), ("checkpoint.safetensors", 2), ("history.csv", 2),
     ("model.safetensors", 1)],
)
def test_a_kill_during_a_write_leaves_a_whole_run(run_dir, capsys, name, nth):
    process = _start(run_dir, "--overwrite", PAUSE_NAME=name, PAUSE_AT=str(nth))
    _wait_paused(process)
    assert list(run_dir.glob(f".{name}.*.tmp"))  # killed with the new file written but not yet in place
    _kill(process)
    _assert_whole(run_dir, capsys)


def test_kills_at_random_moments_leave_whole_runs(finished_run, tmp_path, capsys):
    import shutil

    delays = np.random.default_rng(int(time.time())).uniform(0.3, 2.5, size=3)
    folders = [Path(shutil.copytree(finished_run, tmp_path / f"run{i}")) for i in range(len(delays))]
    processes = [_start(folder, "--overwrite") for folder in folders]
    start = time.monotonic()
    for process, delay in sorted(zip(processes, delays), key=lambda pair: pair[1]):
        time.sleep(max(0.0, start + delay - time.monotonic()))
        _kill(process)
    for folder, delay in zip(folders, delays):
        try:
            _assert_whole(folder, capsys)
        except AssertionError as exc:
            raise AssertionError(f"killed after {delay:.2f} s: {exc}") from exc


def test_a_second_run_on_the_same_folder_is_refused_naming_the_holder(tmp_path, capsys):
    out, go = tmp_path / "run", tmp_path / "go"
    first = _start(out, PAUSE_NAME="checkpoint.safetensors", PAUSE_AT="1", GO_FILE=str(go))
    _wait_paused(first)  # the first run holds the lock, mid-way through its first checkpoint
    second = subprocess.run(
        [sys.executable, "-m", "scratchgrad", "train", "--model", "two_layer_net", "--limit", "100", "--epochs", "1",
         "--no-progress", "--out", str(out), "--overwrite"], capture_output=True, text=True, timeout=60)
    go.touch()
    assert first.wait(timeout=60) == 0, first.communicate()
    line = one_line_error(second.returncode, second.stderr)
    assert f"{out} is in use by pid {first.pid} on host" in line
    config = json.loads((out / "config.json").read_text())
    assert (config["model"], config["batch_size"], config["epochs"]) == ("mlp", 50, 3)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["config.json", "checkpoint.safetensors", "model.safetensors", "history.json", "history.csv", "steps.csv",
         "curves.png"])
    assert cli(capsys, "evaluate", out)[0] == 0
