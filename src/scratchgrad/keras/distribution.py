"""Keras 3's ``keras.distribution`` for data parallelism, over MPI ranks: one model replica per rank.

    from scratchgrad import keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=64)        # under mpiexec -n 2: each rank trains on 32 rows of every batch

Keras spreads one process's work over its devices; here each device is a process (a rank of ``mpiexec -n N``),
and ``fit`` is the Trainer's data-parallel loop (``train.distributed``): every rank builds the same global batches
(``batch_size`` is the global batch, as in Keras), takes its share of each, and ``DistributedDataParallel``
averages the gradients, so N ranks train as one process would. Only rank 0 prints progress and runs the
callbacks that write files. Without a distribution set, every process trains alone, as in Keras.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..distributed import group as _pg

__all__ = ["DataParallel", "distribution", "initialize", "list_devices", "set_distribution"]

_current: DataParallel | None = None


def _world() -> tuple[int, int]:
    """(rank, world size): this process's place among the ranks, (0, 1) outside mpiexec."""
    if not _pg.launched_by_mpiexec() and not _pg.is_initialized():
        return 0, 1
    return _pg.get_rank(), _pg.get_world_size()


def list_devices(device_type: str | None = None) -> list[str]:
    """Every device of the job, one per rank: ``["cpu:0", "cpu:1"]`` under ``mpiexec -n 2`` (global, as Keras)."""
    kind = device_type or "cpu"
    if kind not in ("cpu", "gpu"):
        raise ValueError(f'list_devices: device_type must be "cpu", "gpu" or None; received {device_type!r}')
    return [f"{kind}:{rank}" for rank in range(_world()[1])]


def initialize(job_addresses: str | None = None, num_processes: int | None = None,
               process_id: int | None = None) -> None:
    """Join the ranks (MPI's process group); ``mpiexec`` decides both numbers, which must agree if given."""
    if not _pg.is_initialized():
        _pg.init_process_group("mpi", world_size=-1 if num_processes is None else num_processes,
                               rank=-1 if process_id is None else process_id)
        return
    for name, given, actual in (("num_processes", num_processes, _pg.get_world_size()),
                                ("process_id", process_id, _pg.get_rank())):
        if given is not None and given != actual:
            raise ValueError(f"initialize: {name}={given} but mpiexec started this process as {actual}")


class DataParallel:
    """Data parallelism: every rank holds the whole model and trains on its share of each global batch.

    Args:
        device_mesh, devices: which devices to use; here each one is a rank, so they must name all of
            ``list_devices()`` (a list of that many devices, or a 1-D mesh of that shape), or be None.
        auto_shard_dataset: give each rank its share of the data (True, Keras's default); False is refused, as
            data already split by rank would make the global batches differ.
    """

    def __init__(self, device_mesh: Any = None, devices: Sequence[Any] | None = None, auto_shard_dataset: bool = True):
        if device_mesh is not None and devices is not None:
            raise ValueError("DataParallel: pass device_mesh or devices, not both")
        self.data_shard_id, self.num_processes = _world()
        shape = getattr(device_mesh, "shape", None)
        count = len(devices) if devices is not None else (int(shape[0]) if shape else self.num_processes)
        if count != self.num_processes:
            raise ValueError(
                f"DataParallel: {count} devices were given but this job has {self.num_processes} ranks; each "
                "device is one rank here, so start as many ranks as devices (mpiexec -n N) or pass devices=None."
            )
        if not auto_shard_dataset:
            raise ValueError("DataParallel: auto_shard_dataset=False is not supported; every rank must be given the "
                             "same data, and fit gives each rank its share of every batch")
        self.devices = list(devices) if devices is not None else list_devices()
        self.auto_shard_dataset = auto_shard_dataset
        self.batch_dim_name = "batch"

    @property
    def num_model_replicas(self) -> int:
        return self.num_processes


def set_distribution(value: DataParallel | None) -> None:
    """Make ``value`` the distribution that ``fit`` and ``evaluate`` use (None: each process on its own)."""
    global _current
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution: only DataParallel is supported here; received {type(value).__name__}")
    _current = value


def distribution() -> DataParallel | None:
    """The distribution set by ``set_distribution``, or None."""
    return _current


def data_parallel() -> bool:
    """True when fit should train across ranks: a DataParallel distribution is set and there are several ranks."""
    return _current is not None and _current.num_processes > 1


def is_writer() -> bool:
    """True on the rank that prints and writes files: rank 0, or the only process."""
    return not data_parallel() or _pg.get_rank() == 0


def same_random_state() -> None:
    """Give every rank rank 0's random generator, so the shuffled orders (and so the global batches) agree."""
    from .. import backend
    from ..distributed.collectives import barrier

    generator = backend.rng()
    barrier()  # bounded by the group's timeout; once every rank is here the broadcast cannot hang
    generator.bit_generator.state = _pg.communicator().bcast(generator.bit_generator.state, root=0)
