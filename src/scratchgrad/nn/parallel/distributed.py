"""DistributedDataParallel: one model replica per rank, gradients averaged across ranks during backward.

    model = nn.parallel.DistributedDataParallel(model)    # under mpiexec -n N
    loss = F.cross_entropy(model(x_of_this_rank), t_of_this_rank)
    loss.backward()                                        # .grad is now the mean over all ranks' batches
    optimizer.step()                                       # the same step on every rank: replicas stay equal

With batch B per rank this trains as one process with batch N*B (a mean loss: the average of the N means is
the mean over all N*B samples). BatchNorm's batch statistics stay per rank (each normalises its own B samples),
as in PyTorch, unless ``nn.SyncBatchNorm.convert_sync_batchnorm`` made them span all ranks; buffers (running
statistics) are rank 0's, broadcast before every forward.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ...autograd import is_grad_enabled
from ...distributed import group as _pg
from ...distributed.collectives import barrier, broadcast
from ...tensor import Tensor
from ..module import Module
from .reducer import Reducer


class DistributedDataParallel(Module):
    """Wrap ``module`` so that backward averages its gradients over the process group's ranks.

    Args:
        module: the model; every rank must build the same architecture (shapes are checked, values taken from
            rank 0).
        device_ids, output_device: accepted for PyTorch's code; tensors stay where they are.
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every rank before forward.
        bucket_cap_mb: size of the buckets whose all-reduces start while backward runs (25 MB, as PyTorch); the
            first bucket closes at 1 MB, so the last layers' gradients start travelling early.
        find_unused_parameters: walk each forward's graph and count the parameters it does not reach as done,
            so a model whose forward skips some parameters still finishes its averaging.
        gradient_as_bucket_view: leave each ``.grad`` a view of its bucket (saves a copy of every gradient per
            step); a ``.grad`` kept past the next synchronised backward then changes with it.

    ``state_dict`` keys begin with ``module.``, as PyTorch's; save ``model.module.state_dict()`` to load the
    weights into an unwrapped model.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        broadcast_buffers: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float = 25.0,
        find_unused_parameters: bool = False,
        gradient_as_bucket_view: bool = False,
    ):
        super().__init__()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        comm = _pg.communicator()
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        check_same_shapes(comm, [(n, p.data.shape, str(p.data.dtype)) for n, p in module.named_parameters()])
        for _, p in module.named_parameters():
            broadcast(p, src=0)
        self._broadcast_buffers()
        self.reducer = Reducer(named, int(bucket_cap_mb * 2**20), find_unused_parameters, gradient_as_bucket_view)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        self.reducer.check_finished()
        if self.broadcast_buffers:
            self._broadcast_buffers()
        output = self.module(*args, **kwargs)
        if self.require_backward_grad_sync and is_grad_enabled() and self.module.training:
            self.reducer.arm(output)
        return output

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward inside this block only accumulates local gradients (gradient accumulation); the first
        backward after it averages everything accumulated."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _broadcast_buffers(self) -> None:
        for module in self.module.modules():
            for name, buf in module._buffers.items():
                if buf is not None:
                    holder = Tensor._make(buf)
                    broadcast(holder, src=0)
                    module._buffers[name] = holder.data


def check_same_shapes(comm: Any, described: list[tuple[str, tuple[int, ...], str]]) -> None:
    """Refuse, on every rank, a model whose parameters differ across ranks, naming the parameter and the ranks."""
    barrier()  # bounded by the timeout; once every rank is here the (unbounded) allgather cannot hang
    everyone = comm.allgather(described)
    mine = everyone[0]
    for rank, theirs in enumerate(everyone[1:], start=1):
        if len(theirs) != len(mine):
            raise ValueError(
                f"DistributedDataParallel: rank 0 has {len(mine)} parameters but rank {rank} has {len(theirs)}; "
                "every rank must build the same model."
            )
        for (name, shape, dtype), (their_name, their_shape, their_dtype) in zip(mine, theirs):
            if (name, tuple(shape), dtype) != (their_name, tuple(their_shape), their_dtype):
                raise ValueError(
                    f"DistributedDataParallel: parameter {name!r} is {dtype} of shape {tuple(shape)} on rank 0 but "
                    f"{their_name!r} is {their_dtype} of shape {tuple(their_shape)} on rank {rank}; every rank "
                    "must build the same model."
                )
