"""DistributedSampler: each rank's share of a dataset's indices, with PyTorch's arithmetic.

``DataLoader(dataset, batch_size=B, sampler=DistributedSampler(dataset))`` on each of N ranks: every rank sees
its own B samples per step, N*B in all. ``scratchgrad.distributed.DistributedSampler`` names it too.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from .sampler import Sampler


class DistributedSampler(Sampler):
    """Indices of ``dataset`` for one rank of ``num_replicas``: every rank gets the same count.

    The epoch's order (shuffled by ``seed + epoch`` when ``shuffle``, else 0..N-1) is first made a multiple of
    ``num_replicas``: with ``drop_last`` the tail is cut, otherwise indices from the start are repeated to pad it.
    Rank r then takes positions r, r + num_replicas, r + 2 * num_replicas, ... as PyTorch does. Every rank must
    call ``set_epoch(epoch)`` before each epoch, or each epoch repeats the same order.

    Args:
        dataset: anything with ``len``.
        num_replicas, rank: default the process group's world size and rank.
        shuffle, seed: a new order per epoch from ``seed + epoch`` (the same on every rank).
        drop_last: cut the tail instead of padding it.

    Example: 10 samples, 3 replicas, no shuffle -> rank 0: [0, 3, 6, 9], rank 1: [1, 4, 7, 0], rank 2: [2, 5, 8, 1].
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ):
        if num_replicas is None or rank is None:
            from ... import distributed

            num_replicas = distributed.get_world_size() if num_replicas is None else num_replicas
            rank = distributed.get_rank() if rank is None else rank
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: rank must be in 0..num_replicas-1 and num_replicas >= 1; "
                f"received rank={rank}, num_replicas={num_replicas}"
            )
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Draw the next ``__iter__``'s order from ``seed + epoch`` (call it with the same epoch on every rank)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        """Indices this rank gets per epoch: ceil(N / replicas), or floor-like with ``drop_last``."""
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        order = np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle else np.arange(n)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:  # repeat from the start (as many times as it takes) so every rank gets as many
            order = np.resize(order, self.total_size)
        return iter(order[self.rank : self.total_size : self.num_replicas].tolist())
