"""``scratchgrad train --nproc N``: start N ranks of the same command under mpiexec, and each rank's part.

The launcher rebuilds the command line from the parsed flags (less --nproc), runs it as
``mpiexec -n N python -m scratchgrad train ...`` with the mpiexec beside this interpreter (mpich's wheel), and
gives each rank cores / N threads unless SCRATCHGRAD_NUM_THREADS says otherwise. The global batch stays
--batch-size: each rank trains on its share of it (``train.distributed``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from ..distributed import group as _pg
from .parser import UsageError, build_parser

LAUNCHER_FLAGS = ("nproc", "dist_timeout", "help")
PIDS_ENV = "SCRATCHGRAD_RANK_PIDS"
"""A folder where each rank records its pid, so the launcher can name a rank that mpiexec reports by pid."""


def find_mpiexec() -> str:
    """The mpiexec beside this interpreter (pip's mpich), else the one on PATH; a UsageError saying how to get it."""
    beside = Path(sys.executable).with_name("mpiexec")
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None or not _pg.is_available():
        raise UsageError("--nproc starts its ranks with mpiexec and needs mpi4py: install them with "
                         "pip install 'scratchgrad[distributed]'")
    return found


def rank_argv(args: argparse.Namespace) -> list[str]:
    """The ``train`` command line that ``args`` came from, without the launcher's own flags."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    argv = ["train"]
    for action in sub.choices["train"]._actions:
        value = getattr(args, action.dest, None)
        if not action.option_strings or action.dest in LAUNCHER_FLAGS or value is None or value is False:
            continue
        flag = max(action.option_strings, key=len)
        if value is True or (action.nargs == "?" and value == action.const):
            argv.append(flag)
        else:
            argv += [flag, str(value)]
    return argv


def launch(args: argparse.Namespace) -> int:
    """Run the training command on ``args.nproc`` ranks; mpiexec's exit status (non-zero if any rank failed)."""
    with tempfile.TemporaryDirectory(prefix="scratchgrad-ranks-") as pids:
        return _run_ranks(args, Path(pids))


def _run_ranks(args: argparse.Namespace, pids: Path) -> int:
    env = dict(os.environ, PYTHONUNBUFFERED="1", **{PIDS_ENV: str(pids)})
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    env.setdefault("SCRATCHGRAD_NUM_THREADS", str(max(1, cores // args.nproc)))
    if args.dist_timeout is not None:
        env[_pg.TIMEOUT_ENV] = str(args.dist_timeout)
    command = [find_mpiexec(), "-n", str(args.nproc), sys.executable, "-m", "scratchgrad", *rank_argv(args)]
    print(f"starting {args.nproc} ranks, {env['SCRATCHGRAD_NUM_THREADS']} threads each: {' '.join(command[3:])}",
          flush=True)
    dead = None
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, bufsize=1) as job:
        for line in job.stdout:  # passed through; mpiexec names a rank that died only by its pid
            sys.stdout.write(line)
            dead = dead or re.search(r"PID (\d+) RUNNING", line)
    if job.returncode and dead and (pids / dead.group(1)).exists():
        rank = (pids / dead.group(1)).read_text()
        print(f"error: rank {rank} of {args.nproc} (pid {dead.group(1)}) ended abnormally and mpiexec stopped the "
              "others; the run folder keeps its last checkpoint: continue it with --resume (on any --nproc)",
              file=sys.stderr)
    return job.returncode


@contextlib.contextmanager
def rank_guard() -> Iterator[None]:
    """Around one rank's command: record its pid for the launcher, and stop every rank if this one fails."""
    folder = os.environ.get(PIDS_ENV)
    if folder and Path(folder).is_dir():
        (Path(folder) / str(os.getpid())).write_text(str(_pg.get_rank()))
    with _pg.stop_all_on_error():
        yield


def secondary_rank() -> bool:
    """True on ranks 1.. of an mpiexec job of several ranks: rank 0 holds the run folder and speaks for all."""
    return _pg.launched_by_mpiexec() and _pg.get_world_size() > 1 and _pg.get_rank() != 0
