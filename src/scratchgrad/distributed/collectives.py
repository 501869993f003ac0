"""Collectives on Tensors, in place, with PyTorch's signatures: broadcast, all_reduce, reduce, all_gather,
gather, scatter, barrier.

Each one is MPI's non-blocking collective (``Ibcast``, ``Iallreduce``, ...) on the tensor's own memory, waited
for under the group's timeout. ``async_op=True`` returns the ``Work`` instead of waiting, as in PyTorch. GPU
tensors travel through host copies, or through NCCL for all_reduce where CuPy has it (``nccl.py``).
``ReduceOp.AVG`` is a sum divided by the world size.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import backend
from . import group as _pg
from . import nccl

__all__ = ["ReduceOp", "Work", "barrier", "broadcast", "all_reduce", "reduce", "all_gather", "gather", "scatter"]


class ReduceOp:
    """How ``all_reduce`` and ``reduce`` combine the ranks' values (PyTorch's names)."""

    SUM = "SUM"
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"
    AVG = "AVG"


def _mpi_op(op: str) -> Any:
    from mpi4py import MPI

    names = {"SUM": MPI.SUM, "AVG": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN, "MAX": MPI.MAX}
    names.update(BAND=MPI.BAND, BOR=MPI.BOR, BXOR=MPI.BXOR)
    if op not in names:
        raise ValueError(f"reduce op must be one of ReduceOp.{', ReduceOp.'.join(names)}; received {op!r}")
    return names[op]


class Work:
    """A collective in flight: ``wait()`` blocks (at most the group's timeout), then copies results back."""

    def __init__(self, request: Any, what: str, finish: Callable[[], None] = lambda: None):
        self.request, self.what, self._finish, self._done = request, what, finish, False

    def is_completed(self) -> bool:
        return self._done

    def wait(self) -> bool:
        if not self._done:
            _pg.wait(self.request, self.what)
            self._finish()
            self._done = True
        return True


def _host(tensor: Any) -> np.ndarray:
    """A C-contiguous NumPy array MPI can read and write: the tensor's own array when it already is one."""
    data = tensor.data
    if isinstance(data, np.ndarray) and data.flags.c_contiguous:
        return data
    return np.ascontiguousarray(backend.to_numpy(data))


def _store(tensor: Any, array: np.ndarray) -> None:
    """Write ``array`` into the tensor's memory (a no-op when MPI wrote there already) and mark it changed."""
    if array is not tensor.data:
        tensor.data[...] = backend.get_array_module(tensor.data).asarray(array)
    tensor._version[0] += 1  # an in-place change: backward through a graph that saved it must refuse


def _start(tensor: Any, what: str, launch: Callable[[np.ndarray], Any], after: Any = None) -> Work:
    array = _host(tensor)

    def finish() -> None:
        if after is not None:
            after(array)
        _store(tensor, array)

    return Work(launch(array), what, finish)


def _run(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor: Any, op: str = ReduceOp.SUM, group: Any = None, async_op: bool = False) -> Work | None:
    """Combine ``tensor`` across all ranks with ``op``; every rank ends with the result, in place. A GPU tensor
    goes through NCCL where CuPy has it (``distributed.nccl``, finished when this returns), else host copies."""
    from mpi4py import MPI

    if nccl.usable(tensor.data, op):
        nccl.all_reduce(tensor, op)
        work = Work(None, f"all_reduce({op}) with NCCL")
        work._done = True  # NCCL finished on the stream before returning
        return _run(work, async_op)
    comm = _pg.communicator()
    mpi_op = _mpi_op(op)
    scale = (lambda a: np.divide(a, comm.Get_size(), out=a, casting="unsafe")) if op == ReduceOp.AVG else None
    work = _start(tensor, f"all_reduce({op})", lambda a: comm.Iallreduce(MPI.IN_PLACE, a, mpi_op), scale)
    return _run(work, async_op)


def reduce(tensor: Any, dst: int, op: str = ReduceOp.SUM, group: Any = None, async_op: bool = False) -> Work | None:
    """Combine ``tensor`` across ranks into rank ``dst``'s tensor (the others' are left as they were)."""
    from mpi4py import MPI

    comm = _pg.communicator()
    _check_rank("reduce", "dst", dst, comm)
    mpi_op, root = _mpi_op(op), comm.Get_rank() == dst
    array = _host(tensor)
    out = array if root else None
    scale = (lambda a: np.divide(a, comm.Get_size(), out=a, casting="unsafe")) if op == ReduceOp.AVG and root else None

    def launch(a: np.ndarray) -> Any:
        return comm.Ireduce(MPI.IN_PLACE if root else a, out, mpi_op, root=dst)

    work = _start(tensor, f"reduce({op}) to rank {dst}", launch, scale)
    if not root:
        work._finish = lambda: None  # a non-root tensor keeps its values
    return _run(work, async_op)


def broadcast(tensor: Any, src: int, group: Any = None, async_op: bool = False) -> Work | None:
    """Copy rank ``src``'s tensor into every rank's tensor (same shape and dtype everywhere)."""
    comm = _pg.communicator()
    _check_rank("broadcast", "src", src, comm)
    return _run(_start(tensor, f"broadcast from rank {src}", lambda a: comm.Ibcast(a, root=src)), async_op)


def barrier(group: Any = None, async_op: bool = False) -> Work | None:
    """Wait until every rank has reached this call."""
    return _run(Work(_pg.communicator().Ibarrier(), "barrier"), async_op)


def all_gather(tensor_list: Sequence[Any], tensor: Any, group: Any = None, async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[i]`` with rank i's ``tensor`` on every rank (a list of world_size tensors like it)."""
    comm = _pg.communicator()
    _check_list("all_gather", "tensor_list", tensor_list, tensor, comm.Get_size())
    out = np.empty((comm.Get_size(), *tensor.shape), dtype=_host(tensor).dtype)
    request = comm.Iallgather(_host(tensor), out)
    return _run(Work(request, "all_gather", lambda: _unpack(out, tensor_list)), async_op)


def gather(
    tensor: Any, gather_list: Sequence[Any] | None = None, dst: int = 0, group: Any = None, async_op: bool = False
) -> Work | None:
    """Collect every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (None on the others)."""
    comm = _pg.communicator()
    _check_rank("gather", "dst", dst, comm)
    root = comm.Get_rank() == dst
    out = None
    if root:
        _check_list("gather", "gather_list", gather_list, tensor, comm.Get_size())
        out = np.empty((comm.Get_size(), *tensor.shape), dtype=_host(tensor).dtype)
    request = comm.Igather(_host(tensor), out, root=dst)
    return _run(Work(request, f"gather to rank {dst}", lambda: root and _unpack(out, gather_list)), async_op)


def scatter(
    tensor: Any, scatter_list: Sequence[Any] | None = None, src: int = 0, group: Any = None, async_op: bool = False
) -> Work | None:
    """Rank ``src`` sends ``scatter_list[i]`` to rank i, which receives it into ``tensor``."""
    comm = _pg.communicator()
    _check_rank("scatter", "src", src, comm)
    send = None
    if comm.Get_rank() == src:
        _check_list("scatter", "scatter_list", scatter_list, tensor, comm.Get_size())
        send = np.stack([_host(t) for t in scatter_list])
    return _run(_start(tensor, f"scatter from rank {src}", lambda a: comm.Iscatter(send, a, root=src)), async_op)


def _unpack(stacked: np.ndarray, tensors: Sequence[Any]) -> None:
    for t, part in zip(tensors, stacked):
        _store(t, part)


def _check_rank(name: str, argument: str, value: int, comm: Any) -> None:
    if not 0 <= value < comm.Get_size():
        raise ValueError(f"{name}: {argument} must be a rank in 0..{comm.Get_size() - 1}; received {value}")


def _check_list(name: str, argument: str, tensors: Sequence[Any] | None, like: Any, size: int) -> None:
    if tensors is None or len(tensors) != size:
        received = "None" if tensors is None else f"{len(tensors)} tensors"
        raise ValueError(f"{name}: {argument} must hold world_size={size} tensors; received {received}")
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(like.shape):
            raise ValueError(f"{name}: {argument}[{i}] has shape {tuple(t.shape)}, expected {tuple(like.shape)}")
