"""The Trainer across ranks: the same global batches as one process, each rank training on its share of each.

Under ``mpiexec -n N`` (or ``scratchgrad train --nproc N``) every rank builds the same loader with the same seed,
so every rank sees the same global batch; rank r takes rows [r*B/N, (r+1)*B/N) of it, and
``DistributedDataParallel`` averages the gradients, weighted by each share's size so that an uneven last batch
still gives the gradient of the whole batch's mean loss. The loader's position is the global one, so a checkpoint
resumes on any number of ranks. Only rank 0 logs and writes the run folder. Each rank evaluates its share of the
evaluation data and the sums are all-reduced, so every rank gets the same numbers and its callbacks decide alike.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..distributed import group as _pg
from ..distributed.collectives import ReduceOp, all_reduce
from ..nn.parallel import DistributedDataParallel


def world_size_if_launched() -> int:
    """How many ranks this process trains among: 1 unless it runs under mpiexec with more than one."""
    return _pg.get_world_size() if _pg.launched_by_mpiexec() else 1


def setup(trainer: Any) -> None:
    """Make ``trainer`` train on this rank's share of each batch, with its gradients averaged across ranks."""
    rank, size = _pg.get_rank(), _pg.get_world_size()
    trainer.step_model = DistributedDataParallel(trainer.model)
    trainer.train_loader = RankShare(trainer.train_loader, rank, size, trainer.step_model.reducer)
    trainer.eval_loaders = {name: RankShare(loader, rank, size) for name, loader in trainer.eval_loaders.items()}
    if rank != 0:  # one writer of the run folder and one voice on the terminal
        trainer.out_dir, trainer._log, trainer.progress = None, None, False


def epoch_totals(loss_sum: float, correct: int, seen: int) -> tuple[float, int, int]:
    """The epoch's summed loss, correct count and samples over all ranks (every rank gets the same)."""
    from ..tensor import Tensor

    totals = Tensor._make(np.array([loss_sum, correct, seen], dtype=np.float64))
    all_reduce(totals, op=ReduceOp.SUM)
    loss_sum, correct, seen = totals.data.tolist()
    return loss_sum, int(correct), int(seen)


class RankShare:
    """One rank's rows of every batch of ``loader``; its length, state and other attributes are the loader's.

    For training (``reducer`` given) a batch smaller than the ranks leaves some ranks no rows: they train on one row
    with weight 0, so every rank still runs the same collectives. For evaluation such a rank skips the batch.
    """

    def __init__(self, loader: Any, rank: int, size: int, reducer: Any = None):
        self.loader, self.rank, self.size, self.reducer = loader, rank, size, reducer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for x, t in self.loader:
            n = len(x)
            lo, hi = self.rank * n // self.size, (self.rank + 1) * n // self.size
            if self.reducer is None:
                if hi > lo:
                    yield x[lo:hi], t[lo:hi]
                continue
            # Each rank's gradient is of its own mean loss: weigh it by its share of the batch.
            self.reducer.scale = self.size * (hi - lo) / n
            if hi == lo:
                lo, hi = 0, 1
            yield x[lo:hi], t[lo:hi]
