"""The process group: MPI's world communicator through mpi4py, under PyTorch's names.

One group per process (PyTorch's default group). ``init_process_group(backend="mpi")`` makes it; code that runs
under ``mpiexec`` gets it on first use without the call, as the launcher's environment says how many ranks there
are. Every wait for other ranks is bounded by the group's timeout (300 s unless told): a rank that raises, is
killed or hangs must not leave the others waiting forever, so a late wait and an uncaught exception both stop
the whole job (``MPI_Abort``) after saying which rank stopped it and why. A late wait first calls the roll: the
ranks that are waiting too answer it, so the ones that do not are named as the failed ones.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import time
from typing import Any, Iterator

DEFAULT_TIMEOUT_S = 300.0
TIMEOUT_ENV = "SCRATCHGRAD_DIST_TIMEOUT"
"""Seconds a rank waits for the others before it stops the job (the CLI's --dist-timeout sets it)."""
_LAUNCHER_ENV = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")

_comm: Any = None
_timeout_s = DEFAULT_TIMEOUT_S
_ROLL_CALL, _PRESENT = 23674, 23675
"""Point-to-point tags of the roll call a timed-out wait makes (MPI keeps them apart from collectives)."""
ROLL_CALL_GRACE_S = 3.0
FORWARD_GRACE_S = 1.0
"""Seconds a rank that stops the job waits after printing why: MPICH's launcher kills its output forwarders on
``Abort``, and a message still in the pipe would be lost."""


class DistributedError(RuntimeError):
    """A collective could not complete: a peer rank failed, was killed or hangs."""


def is_available() -> bool:
    """True where mpi4py (the ``distributed`` extra) can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def launched_by_mpiexec() -> bool:
    """True when this process is one rank of an ``mpiexec`` job (its environment names the rank)."""
    return any(name in os.environ for name in _LAUNCHER_ENV)


def _mpi() -> Any:
    if not is_available():
        raise RuntimeError(
            "scratchgrad.distributed needs mpi4py and an MPI library; install them with "
            "pip install 'scratchgrad[distributed]' (mpi4py and mpich, which brings mpiexec)."
        )
    from mpi4py import MPI

    return MPI


def _seconds(timeout: Any) -> float:
    seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)
    if seconds <= 0:
        raise ValueError(f"init_process_group: timeout must be positive seconds or a timedelta; received {timeout!r}")
    return seconds


def init_process_group(backend: str = "mpi", timeout: Any = None, world_size: int = -1, rank: int = -1) -> None:
    """Join the job's process group (MPI's COMM_WORLD). Outside ``mpiexec`` it is a group of one.

    Args:
        backend: "mpi" (the one backend here; PyTorch's "gloo" is taken as a synonym for CPU code).
        timeout: seconds or a ``timedelta`` that any wait for other ranks may last before the job is stopped;
            default ``SCRATCHGRAD_DIST_TIMEOUT`` or 300 s.
        world_size, rank: if given, must agree with what ``mpiexec`` started (MPI fixes both).
    """
    global _comm, _timeout_s
    if backend not in ("mpi", "gloo"):
        raise ValueError(f"init_process_group: backend must be 'mpi' (MPI through mpi4py); received {backend!r}")
    if _comm is not None:
        raise RuntimeError("init_process_group: the process group is already initialized; destroy it first")
    comm = _mpi().COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()), ("rank", rank, comm.Get_rank())):
        if given != -1 and given != actual:
            raise ValueError(f"init_process_group: {name}={given} but mpiexec started this process as {actual}")
    _timeout_s = _seconds(timeout if timeout is not None else os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    _comm = comm
    if comm.Get_size() > 1:
        _install_abort_on_exception()
        # Ranks on one machine share its cores: each takes its part unless told (parallel.num_threads reads it).
        local = int(os.environ.get("MPI_LOCALNRANKS", comm.Get_size()))
        os.environ.setdefault("SCRATCHGRAD_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // local)))


def is_initialized() -> bool:
    """True after ``init_process_group`` (or the first use under ``mpiexec``) and before destroy."""
    return _comm is not None


def destroy_process_group() -> None:
    """Leave the group: later collectives need ``init_process_group`` again. MPI itself ends at exit."""
    global _comm
    _comm = None


def communicator() -> Any:
    """The group's mpi4py communicator, made on first use under ``mpiexec``; an error naming the fix otherwise."""
    if _comm is None:
        if not launched_by_mpiexec():
            raise RuntimeError(
                "scratchgrad.distributed: the default process group has not been initialized. Call "
                "dist.init_process_group(backend='mpi') first, or start the script under mpiexec."
            )
        init_process_group()
    return _comm


def get_rank() -> int:
    """This process's rank, 0 .. world_size - 1."""
    return communicator().Get_rank()


def get_world_size() -> int:
    """How many processes the group holds."""
    return communicator().Get_size()


def timeout_s() -> float:
    """Seconds a wait for other ranks may last."""
    return _timeout_s


def wait(request: Any, what: str) -> None:
    """Wait for one non-blocking MPI request, at most the group's timeout; stop the job past it.

    MPICH makes progress inside ``Test``: the first 20 ms spin on it (a collective's usual time, where a sleep's
    wake-up would cost more than the transfer), offering the core to other processes between polls as MPICH's own
    wait does: where ranks outnumber free cores, a peer rank that shares this core must run for the collective to
    finish, and a spin that never yields keeps it off for a whole scheduler slice. After that the pause grows to
    1 ms so a long wait spares the core.
    """
    start = time.monotonic()
    deadline, pause = start + _timeout_s, 1e-5
    while not request.Test():
        os.sched_yield()
        now = time.monotonic()
        if now > deadline:
            missing = ", ".join(map(str, _missing_ranks())) or "none (they answered but the collective is stuck)"
            _abort(
                f"scratchgrad.distributed: rank {get_rank()} waited {_timeout_s:g} s for {what}; ranks that did not "
                f"answer a roll call: {missing} (failed, killed or hanging). Stopping all ranks; set the limit with "
                f"init_process_group(timeout=...) or {TIMEOUT_ENV}."
            )
        if now - start > 0.02:
            time.sleep(pause)
            pause = min(pause * 2, 1e-3)
            _answer_roll_call()


def _answer_roll_call() -> None:
    """Tell ranks that timed out that this one is still here, waiting too (a hung or dead rank cannot)."""
    from mpi4py import MPI

    status = MPI.Status()
    while _comm.iprobe(source=MPI.ANY_SOURCE, tag=_ROLL_CALL, status=status):
        _comm.recv(source=status.Get_source(), tag=_ROLL_CALL)
        _comm.send(_comm.Get_rank(), dest=status.Get_source(), tag=_PRESENT)


def _missing_ranks() -> list[int]:
    """Ranks that do not answer within ``ROLL_CALL_GRACE_S``: those are the ones the others are waiting for."""
    from mpi4py import MPI

    me, size = _comm.Get_rank(), _comm.Get_size()
    asked = [_comm.isend(me, dest=r, tag=_ROLL_CALL) for r in range(size) if r != me]
    present, status = {me}, MPI.Status()
    deadline = time.monotonic() + ROLL_CALL_GRACE_S
    while len(present) < size and time.monotonic() < deadline:
        _answer_roll_call()  # ranks that time out together answer each other
        if _comm.iprobe(source=MPI.ANY_SOURCE, tag=_PRESENT, status=status):
            present.add(_comm.recv(source=status.Get_source(), tag=_PRESENT))
        else:
            time.sleep(0.005)
    del asked  # never waited for: a rank that hangs never receives its question
    return [r for r in range(size) if r not in present]


@contextlib.contextmanager
def stop_all_on_error() -> Iterator[None]:
    """Any exception in this block, even one a caller would turn into an exit status, stops every rank.

    MPI's launcher does not stop the others when one rank merely exits non-zero: they would wait for it.
    """
    try:
        yield
    except BaseException as exc:
        if _comm is not None and _comm.Get_size() > 1:
            _abort(f"error: {exc}\nscratchgrad.distributed: rank {_comm.Get_rank()} of {_comm.Get_size()} failed "
                   f"with {type(exc).__name__}; stopping the other ranks.")
        raise


def _abort(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    time.sleep(FORWARD_GRACE_S)
    _comm.Abort(1)


def _install_abort_on_exception() -> None:
    """An uncaught exception on one rank stops every rank at once, naming the rank, instead of a silent hang."""
    previous = sys.excepthook

    def hook(kind: type, value: BaseException, tb: Any) -> None:
        previous(kind, value, tb)
        if _comm is not None:
            _abort(
                f"scratchgrad.distributed: rank {_comm.Get_rank()} of {_comm.Get_size()} failed with "
                f"{kind.__name__}; stopping the other ranks."
            )

    sys.excepthook = hook
