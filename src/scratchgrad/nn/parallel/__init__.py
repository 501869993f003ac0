"""Data parallelism across processes: ``nn.parallel.DistributedDataParallel`` (MPI, ``scratchgrad.distributed``)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
