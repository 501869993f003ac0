"""Data-parallel training across processes and machines over MPI (mpi4py), under PyTorch's names.

    import scratchgrad.distributed as dist
    dist.init_process_group(backend="mpi")        # or nothing: picked up under mpiexec
    dist.all_reduce(t, op=dist.ReduceOp.SUM)      # in place, as PyTorch

Start N ranks with ``mpiexec -n N python script.py`` (mpich's wheel puts mpiexec beside the interpreter), or
``scratchgrad train ... --nproc N``. ``scratchgrad.nn.parallel.DistributedDataParallel`` averages gradients.
"""

from ..utils.data.distributed import DistributedSampler
from .collectives import ReduceOp, Work, all_gather, all_reduce, barrier, broadcast, gather, reduce, scatter
from .group import (
    DistributedError,
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    launched_by_mpiexec,
)

__all__ = [
    "ReduceOp",
    "Work",
    "DistributedError",
    "DistributedSampler",
    "all_gather",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "gather",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "launched_by_mpiexec",
    "reduce",
    "scatter",
]
