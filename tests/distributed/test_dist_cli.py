"""scratchgrad train --nproc N: the same run as one process, resumable on another number of ranks, and a killed
rank stops the others while the last checkpoint stays usable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mpi_ranks import environment, require_mpiexec

RUN = ["--model", "two_layer_net", "--limit", "300", "--batch-size", "64", "--no-progress", "--seed", "3"]


def train(out: Path, *flags: str, timeout: float = 240) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scratchgrad", "train", *RUN, "--out", str(out), *flags]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment())


def history(out: Path) -> list[dict]:
    return json.loads((out / "history.json").read_text())


def assert_same_run(ours: list[dict], theirs: list[dict]) -> None:
    assert len(ours) == len(theirs)
    for mine, other in zip(ours, theirs):
        for key in ("loss", "accuracy", "test_loss", "test_accuracy", "train_loss"):
            assert mine[key] == pytest.approx(other[key], abs=1e-5), (key, mine, other)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("one") / "run"
    done = train(out, "--epochs", "2")
    assert done.returncode == 0, done.stderr
    return history(out)


@pytest.mark.parametrize("ranks", [2, 3])
def test_nproc_trains_as_one_process_and_only_rank_0_speaks(ranks, one_process, tmp_path):
    require_mpiexec()
    done = train(tmp_path / "run", "--epochs", "2", "--nproc", str(ranks))
    assert done.returncode == 0, done.stdout + done.stderr
    assert_same_run(history(tmp_path / "run"), one_process)
    assert done.stdout.count("epoch 2/2") == 1 and f"starting {ranks} ranks" in done.stdout


def test_a_run_resumes_on_another_number_of_ranks(one_process, tmp_path):
    require_mpiexec()
    out = tmp_path / "run"
    first = train(out, "--epochs", "1", "--nproc", "2")
    assert first.returncode == 0, first.stderr
    second = train(out, "--epochs", "2", "--resume", "--nproc", "3")
    assert second.returncode == 0, second.stdout + second.stderr
    assert_same_run(history(out), one_process)


def _pid_of_rank(rank: int, marker: str) -> int | None:
    for proc in Path("/proc").iterdir():
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
            command = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if f"PMI_RANK={rank}".encode() in env and marker.encode() in command:
            return int(proc.name)
    return None


def test_a_killed_rank_stops_the_others_and_one_rank_finishes_from_the_checkpoint(tmp_path):
    require_mpiexec()
    out = tmp_path / "killed"
    flags = ["--limit", "6000", "--batch-size", "16", "--epochs", "3", "--nproc", "2", "--dist-timeout", "60"]
    command = [sys.executable, "-m", "scratchgrad", "train", *RUN, "--out", str(out), *flags]
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment())
    deadline = time.monotonic() + 120
    while not (out / "history.json").exists() and time.monotonic() < deadline and job.poll() is None:
        time.sleep(0.05)
    pid = _pid_of_rank(1, str(out))
    assert pid is not None, "rank 1 was not found running after epoch 1"
    os.kill(pid, signal.SIGKILL)  # mid-epoch 2: rank 0 is in an all-reduce or about to be
    stdout, stderr = job.communicate(timeout=90)
    assert job.returncode != 0
    assert f"rank 1 of 2 (pid {pid}) ended abnormally" in stderr
    assert len(history(out)) == 1  # the checkpoint of epoch 1, intact
    resumed = train(out, "--limit", "6000", "--batch-size", "16", "--epochs", "3", "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert [row["epoch"] for row in history(out)] == [1, 2, 3]


def test_the_ranks_command_line_is_the_given_one_without_the_launchers_flags():
    from scratchgrad.cli import build_parser
    from scratchgrad.cli.distributed import rank_argv

    given = ["train", "--model", "lenet", "--epochs", "3", "--lr", "0.05", "--resume", "--tensorboard",
             "--out", "runs/x", "--nproc", "4", "--dist-timeout", "30"]
    argv = rank_argv(build_parser().parse_args(given))
    assert argv == ["train", "--model", "lenet", "--epochs", "3", "--lr", "0.05", "--out", "runs/x", "--resume",
                    "--tensorboard"]
    assert vars(build_parser().parse_args(argv)) == {**vars(build_parser().parse_args(given)), "nproc": None,
                                                    "dist_timeout": None}


def test_each_rank_takes_its_share_of_the_cores_unless_told(tmp_path):
    require_mpiexec()
    script = tmp_path / "threads.py"
    script.write_text("import os, scratchgrad.distributed as dist\ndist.init_process_group()\n"
                      "print(f\"threads={os.environ['SCRATCHGRAD_NUM_THREADS']};\", flush=True)\n")
    env = environment()
    env.pop("SCRATCHGRAD_NUM_THREADS")
    command = [str(Path(sys.executable).with_name("mpiexec")), "-n", "2", sys.executable, str(script)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    share = max(1, (os.cpu_count() or 1) // 2)
    assert done.stdout.count(f"threads={share};") == 2, done.stdout + done.stderr


def test_nproc_without_mpi4py_says_how_to_install_it(monkeypatch):
    from scratchgrad.cli import UsageError
    from scratchgrad.cli import distributed as launcher

    monkeypatch.setattr(launcher._pg, "is_available", lambda: False)
    with pytest.raises(UsageError, match=r"pip install 'scratchgrad\[distributed\]'"):
        launcher.find_mpiexec()
