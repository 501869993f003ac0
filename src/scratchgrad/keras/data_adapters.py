"""Batches from Python code for ``fit`` and ``evaluate``: a generator of (x, y) batches, or a
``keras.utils.PyDataset`` (``__len__`` batches, ``__getitem__(i)`` the i-th).

``BatchSource`` turns either into what the Trainer iterates: (x, targets) Tensors, ``len`` batches an epoch
(``steps_per_epoch`` when given). A generator is drawn on from epoch to epoch without restarting, as Keras does;
a PyDataset is indexed from 0 each epoch (in a new order of its batches with ``shuffle``, as Keras does) and told
``on_epoch_end``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor


class PyDataset:
    """Base class of a dataset of batches: define ``__len__`` (batches per epoch) and ``__getitem__(index)`` ->
    (x_batch, y_batch); ``on_epoch_end`` runs after each epoch (to reshuffle). ``workers`` and the other arguments
    are accepted for Keras's signature; batches are made in this process."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number of batches)")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) -> (x, y)")

    def on_epoch_end(self) -> None:
        pass


def is_batches(x: Any) -> bool:
    """Whether ``x`` is a source of batches rather than an array of samples."""
    return isinstance(x, PyDataset) or inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _pair(batch: Any, where: str) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError(f"{where}: each batch must be a tuple (x, y) (or (x, y, sample_weight)); received "
                         f"{type(batch).__name__}")
    return batch[0], batch[1]


class BatchSource:
    """A generator or PyDataset as the Trainer's loader; ``first_x`` (one batch's inputs) builds the model."""

    def __init__(self, source: Any, steps: int | None, where: str, shuffle: bool = False):
        self.source, self.where, self.shuffle = source, where, shuffle
        if isinstance(source, PyDataset):
            self.steps = steps or len(source)
            self.first_x = _pair(source[0], where)[0]
            self._pending: list[Any] = []
        else:
            if steps is None:
                raise ValueError(f"{where}: a generator has no length; pass steps_per_epoch (or validation_steps)")
            self.steps = steps
            first = next(source)
            self.first_x = _pair(first, where)[0]
            self._pending = [first]
        self.convert: Callable[[Any, Any], tuple[Any, Any]] = lambda x, y: (x, y)
        # Hands a batch's sample weights (None when it has none) to the loss, with the batch's x and y.
        self.weigh: Callable[[Any, Any, Any], None] = lambda x, y, w: None

    def __len__(self) -> int:
        return self.steps

    def _batches(self) -> Iterator[Any]:
        if isinstance(self.source, PyDataset):
            size = len(self.source)
            order = backend.rng().permutation(size) if self.shuffle else np.arange(size)
            for i in range(self.steps):
                yield self.source[int(order[i % size])]
            self.source.on_epoch_end()
            return
        for _ in range(self.steps):
            if self._pending:
                yield self._pending.pop()
                continue
            try:
                yield next(self.source)
            except StopIteration:
                raise ValueError(f"{self.where}: the generator ran out of batches; it must yield steps_per_epoch="
                                 f"{self.steps} batches per epoch, for every epoch") from None

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for batch in self._batches():
            x, t = self.convert(*_pair(batch, self.where))
            self.weigh(x, batch[1], batch[2] if len(batch) > 2 else None)
            yield Tensor(backend.as_array(np.asarray(x))), Tensor(backend.as_array(np.asarray(t)))


class WeightedBatches:
    """Arrays x, targets t and per-sample weights w as the Trainer's loader: before yielding a batch it hands the
    batch's weights to the objective, whose next loss call (that batch's) uses them."""

    def __init__(self, x: np.ndarray, t: np.ndarray, w: np.ndarray, batch_size: int, shuffle: bool, objective: Any):
        self.x, self.t, self.w, self.batch_size, self.shuffle, self.objective = x, t, w, batch_size, shuffle, \
            objective

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        order = backend.rng().permutation(len(self.x)) if self.shuffle else np.arange(len(self.x))
        for start in range(0, len(self.x), self.batch_size):
            rows = order[start : start + self.batch_size]
            self.objective.batch_weights = self.w[rows]
            yield Tensor(backend.as_array(self.x[rows])), Tensor(backend.as_array(self.t[rows]))


def sample_weights(y: np.ndarray, sample_weight: Any, class_weight: dict | None, n: int) -> np.ndarray | None:
    """Each sample's weight: ``sample_weight`` times the weight of its class in ``class_weight`` (labels read
    from integer labels, one-hot rows or 0/1 targets); None when neither is given."""
    if sample_weight is None and class_weight is None:
        return None
    if sample_weight is not None and class_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if len(weights) != n:
        raise ValueError(f"fit: sample_weight has {len(weights)} entries for {n} samples")
    if class_weight is not None:
        y = np.asarray(y)
        labels = y.argmax(-1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(n)
        missing = sorted({int(c) for c in np.unique(labels)} - {int(k) for k in class_weight})
        if missing:
            raise ValueError(f"fit: class_weight has no weight for classes {missing}; it holds {sorted(class_weight)}")
        weights = weights * np.array([class_weight[int(c)] for c in labels], dtype=np.float64)
    return weights
