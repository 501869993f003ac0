"""NCCL for all_reduce on GPU tensors, through CuPy (``cupy.cuda.nccl``), where CuPy was built with it.

One NCCL communicator spans the ranks of the MPI group: rank 0 makes NCCL's unique id and MPI broadcasts it, then
each rank joins with its MPI rank (so a GPU tensor's all_reduce never leaves the GPUs). Where CuPy has no NCCL, or
for an op NCCL lacks (the bitwise ones), GPU tensors travel through host copies into MPI instead
(``collectives._host``). This path has not been run on a GPU in this project's tests (no GPU where they run):
they check the communicator's creation and the choice of path with a stand-in for CuPy.
"""

from __future__ import annotations

import importlib
from typing import Any

from .. import backend
from . import group as _pg

_communicator: Any = None
_OPS = {"SUM": "NCCL_SUM", "AVG": "NCCL_SUM", "PRODUCT": "NCCL_PROD", "MIN": "NCCL_MIN", "MAX": "NCCL_MAX"}
_DTYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64", "int32": "NCCL_INT32",
           "int64": "NCCL_INT64", "uint8": "NCCL_UINT8"}


def _nccl() -> Any:
    """``cupy.cuda.nccl`` when CuPy is loaded (a GPU tensor exists) and was built with NCCL, else None."""
    if backend._cupy is None:
        return None
    try:
        return importlib.import_module("cupy.cuda.nccl")
    except ImportError:  # a CuPy built without NCCL
        return None


def usable(array: Any, op: str) -> bool:
    """True when ``array`` is a CuPy array that NCCL can all-reduce with ``op``."""
    cupy = backend._cupy
    return (cupy is not None and isinstance(array, cupy.ndarray) and _nccl() is not None and op in _OPS
            and str(array.dtype) in _DTYPES)


def communicator() -> Any:
    """The NCCL communicator of all ranks, made on first use from rank 0's unique id."""
    global _communicator
    if _communicator is None:
        nccl, comm = _nccl(), _pg.communicator()
        from .collectives import barrier

        barrier()  # bounded by the group's timeout; once every rank is here the broadcast cannot hang
        unique_id = comm.bcast(nccl.get_unique_id() if comm.Get_rank() == 0 else None, root=0)
        _communicator = nccl.NcclCommunicator(comm.Get_size(), unique_id, comm.Get_rank())
    return _communicator


def all_reduce(tensor: Any, op: str) -> None:
    """Combine ``tensor``'s GPU array across ranks in place with NCCL, on the current CUDA stream."""
    nccl, cupy, array = _nccl(), backend._cupy, tensor.data
    if not array.flags.c_contiguous:
        raise ValueError("all_reduce with NCCL needs a contiguous GPU tensor; call .contiguous() first")
    stream = cupy.cuda.get_current_stream()
    communicator().allReduce(array.data.ptr, array.data.ptr, array.size, getattr(nccl, _DTYPES[str(array.dtype)]),
                             getattr(nccl, _OPS[op]), stream.ptr)
    stream.synchronize()
    if op == "AVG":
        array /= _pg.get_world_size()
    tensor._version[0] += 1
