"""Run a script on N ranks under the mpiexec beside this interpreter (mpich's wheel), with a bounded timeout."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MPIEXEC = Path(sys.executable).with_name("mpiexec")
SRC = str(Path(__file__).resolve().parents[2] / "src")


def environment(**extra: str) -> dict[str, str]:
    """This interpreter's environment with the project on the path and one thread per rank (2 shared cores)."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("SCRATCHGRAD_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.update(extra)
    return env


@functools.cache
def _cannot_start() -> str | None:
    """Why mpiexec cannot start two ranks here, or None when it can."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install 'scratchgrad[distributed]')"
    if not MPIEXEC.exists():
        return f"no mpiexec beside {sys.executable} (pip install mpich)"
    probe = [str(MPIEXEC), "-n", "2", sys.executable, "-c", "from mpi4py import MPI; MPI.COMM_WORLD.Barrier()"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60, env=environment())
    except subprocess.TimeoutExpired:
        return "mpiexec -n 2 did not start two ranks within 60 s"
    if done.returncode != 0:
        return f"mpiexec -n 2 cannot start here: {done.stderr.strip()[-300:]}"
    return None


def require_mpiexec() -> None:
    """Skip the calling test, saying why, where mpiexec cannot start ranks."""
    reason = _cannot_start()
    if reason:
        pytest.skip(f"MPI tests need mpiexec: {reason}")


def run_ranks(n: int, script: str, tmp_path: Path, timeout: float = 120, args: tuple[str, ...] = (), **env: str):
    """Run ``script`` (source text) on ``n`` ranks; the finished process (returncode, stdout, stderr)."""
    require_mpiexec()
    path = tmp_path / "rank_script.py"
    path.write_text(textwrap.dedent(script))
    command = [str(MPIEXEC), "-n", str(n), sys.executable, str(path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment(**env))


def run_ok(n: int, script: str, tmp_path: Path, **kwargs) -> str:
    """``run_ranks`` that must succeed; its stdout."""
    done = run_ranks(n, script, tmp_path, **kwargs)
    assert done.returncode == 0, f"mpiexec -n {n} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout
