"""Map-style and iterable datasets as PyTorch defines them, and the ways of combining and splitting them.

A map-style dataset is anything with ``__len__`` and ``__getitem__(i) -> sample``; subclassing ``Dataset`` is
optional, as in PyTorch. A dataset that also has ``get_batch(indices) -> (x, t)`` is gathered a whole batch at a
time by the DataLoader; ``Subset`` keeps that ability.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Generic, Iterator, Sequence, TypeVar

import numpy as np

from ...tensor import Tensor
from .sampler import permutation

T = TypeVar("T")


class Dataset(Generic[T]):
    """A map-style dataset: subclasses define ``__getitem__(index) -> sample`` and ``__len__``.

    Example::

        class Squares(Dataset):
            def __len__(self): return 10
            def __getitem__(self, i): return np.float32(i), i * i
    """

    def __getitem__(self, index: int) -> T:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) to be a map-style dataset")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T]):
    """A stream of samples: subclasses define ``__iter__``; the DataLoader batches them in the order they come."""

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ to be an iterable dataset")


class TensorDataset(Dataset[tuple]):
    """Sample i is ``(tensors[0][i], tensors[1][i], ...)``; every tensor has the same first dimension N.

    Args:
        *tensors: Tensors (or arrays) of shape (N, ...).

    Example: ``TensorDataset(torch.randn(100, 3), torch.arange(100))[5]`` is ``(tensor of shape (3,), tensor(5))``.
    """

    def __init__(self, *tensors: Any):
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors)
        sizes = [len(t) for t in self.tensors]
        if not sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: every tensor must have the same first dimension; received sizes {sizes}")

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset[T]):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [4, 2])[0]`` is ``ds[4]``."""

    def __init__(self, dataset: Any, indices: Sequence[int]):
        self.dataset, self.indices = dataset, list(indices)
        if callable(getattr(dataset, "get_batch", None)):  # whole-batch gathering survives the subset
            self.get_batch = self._get_batch

    @property
    def batchable(self) -> bool:
        """Whether the DataLoader may gather this subset with ``get_batch`` (whatever the dataset says)."""
        return getattr(self.dataset, "batchable", True)

    def _get_batch(self, indices: np.ndarray) -> Any:
        return self.dataset.get_batch(np.asarray(self.indices, dtype=np.int64)[np.asarray(indices)])

    def __getitem__(self, index: int) -> T:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T]):
    """Datasets one after another: indices 0..len(a)-1 are ``a``'s, the next ``len(b)`` are ``b``'s, ...

    Attributes: ``datasets``, ``cumulative_sizes`` (running totals of their lengths).
    """

    def __init__(self, datasets: Sequence[Any]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset: takes map-style datasets; received the IterableDataset {d!r}")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> T:
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} is out of range for length {len(self)}")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Lengths as given when they are counts; fractions of ``n`` otherwise, the remainder dealt one by one."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    return [int(x) for x in lengths]


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths (counts or fractions).

    Args:
        lengths: counts summing to ``len(dataset)``, or fractions summing to 1 (the remainder dealt round-robin).
        generator: a ``np.random.Generator`` (default: scratchgrad's, so ``manual_seed`` fixes the split).

    Example: ``train, val = random_split(ds, [0.8, 0.2])``.
    """
    n = len(dataset)
    counts = _split_lengths(n, lengths)
    if sum(counts) != n or any(c < 0 for c in counts):
        raise ValueError(f"random_split: the lengths must be counts summing to the dataset's length {n} or "
                         f"fractions summing to 1; received {list(lengths)}")
    order = permutation(n, generator).tolist()
    ends = np.cumsum(counts).tolist()
    return [Subset(dataset, order[end - c : end]) for c, end in zip(counts, ends)]
