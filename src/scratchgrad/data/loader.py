"""DataLoader: a dataset (or two arrays) as shuffled mini-batches of Tensors, one float32 batch at a time.

Counting follows the notes: an epoch is ``ceil(N / batch_size)`` iterations (``drop_last`` floors it), so
50,000 images at batch 256 give 196 iterations and 1,960 updates in 10 epochs. Without replacement (the
default) every sample is seen exactly once per epoch; ``sampler="random_with_replacement"`` draws each batch
independently, like the notes' ``np.random.choice(train_size, batch_size)``.

Each batch is gathered with one index array (``data[indices]``), converted to float32 and scaled to [0, 1]
when the source is uint8, passed through ``transform`` / ``target_transform``, and wrapped in ``Tensor``s.
The dataset itself stays as it is (uint8 MNIST train: 47 MB).

Shuffling draws from the loader's own ``np.random.default_rng(seed)``; with ``seed=None`` the seed is drawn
from scratchgrad's generator, so ``sg.manual_seed`` makes it reproducible. ``state_dict()`` records the
generator and the position inside the epoch, and ``load_state_dict()`` resumes from there bit for bit.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor
from .datasets import ArrayDataset
from .transforms import to_float

SAMPLERS = ("sequential", "random", "random_with_replacement")


class DataLoader:
    """Iterate ``(x, t)`` mini-batches of ``Tensor`` over a dataset.

    Args:
        dataset: a dataset (``MNIST()``, ``CIFAR10()``, ``ArrayDataset``, or anything with ``__len__`` and
            ``__getitem__``; ``get_batch(indices)`` makes it fast), or a pair of arrays ``(x, t)``.
        batch_size: samples per batch (B).
        shuffle: a new random order every epoch (sampling without replacement).
        drop_last: leave out the last, smaller batch, so every batch has B samples.
        seed: seed of the loader's generator; None draws one from ``sg.manual_seed``'s generator.
        transform: applied to each batch of images, after scaling (see ``transforms``).
        target_transform: applied to each batch of labels (e.g. ``OneHot(10)``).
        sampler: "sequential" or "random" (what ``shuffle`` picks by default), or "random_with_replacement".
        scale: uint8 images become float32 / 255 in [0, 1] before ``transform``; False keeps 0..255 (as float32
            unless ``transform`` makes them something else).

    Yields: ``x`` float32 (B, C, H, W) for image datasets (rows as given for arrays), ``t`` int64 (B,) labels
    (or float32 (B, K) when the targets are one-hot).

    Example::

        loader = DataLoader(MNIST(), batch_size=100, shuffle=True, seed=0)
        len(loader)          # 600 iterations per epoch
        for x, t in loader:  # x: Tensor (100, 1, 28, 28) float32 in [0, 1]; t: Tensor (100,) int64
            ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        transform: Callable[[np.ndarray], np.ndarray] | None = None,
        target_transform: Callable[[np.ndarray], np.ndarray] | None = None,
        sampler: str | None = None,
        scale: bool = True,
    ):
        if isinstance(dataset, tuple) and len(dataset) == 2:  # (x, t) arrays; a list may be a dataset
            dataset = ArrayDataset(*dataset)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer; received {batch_size!r}")
        sampler = sampler if sampler is not None else ("random" if shuffle else "sequential")
        if sampler not in SAMPLERS:
            raise ValueError(f"DataLoader: sampler must be one of {SAMPLERS}; received {sampler!r}")
        self.dataset, self.batch_size, self.drop_last = dataset, int(batch_size), drop_last
        self.sampler, self.scale = sampler, scale
        self.transform, self.target_transform = transform, target_transform
        if seed is None:  # from scratchgrad's generator, so sg.manual_seed(...) fixes the order too
            seed = int(backend.rng().integers(0, 2**63 - 1))
        self.rng = np.random.default_rng(seed)
        self.epoch = 0  # epochs finished
        self._position: int | None = None  # batches handed out in the epoch under way; None between epochs
        self._epoch_rng_state: dict | None = None  # the generator as it was when that epoch drew its order
        self._resume_at = 0

    @property
    def num_samples(self) -> int:
        """Samples in the dataset (N); an epoch covers all of them (all but the last partial batch with
        ``drop_last``; ``len(self) * batch_size`` draws with replacement)."""
        return len(self.dataset)

    def __len__(self) -> int:
        """Iterations per epoch: ``ceil(N / B)``, or ``floor(N / B)`` with ``drop_last``."""
        n, b = self.num_samples, self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def _epoch_order(self) -> np.ndarray:
        n = self.num_samples
        if self.sampler == "random_with_replacement":
            return self.rng.integers(0, n, size=len(self) * self.batch_size)
        return self.rng.permutation(n) if self.sampler == "random" else np.arange(n)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        self._epoch_rng_state = copy.deepcopy(self.rng.bit_generator.state)
        order = self._epoch_order()
        start, self._resume_at = self._resume_at, 0
        for b in range(start, len(self)):
            batch = self._batch(order[b * self.batch_size : (b + 1) * self.batch_size])
            # Counted before the yield: a state_dict() taken while this batch is in use resumes after it.
            self._position = b + 1
            yield batch
        self._position = None
        self.epoch += 1

    def _batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        if hasattr(self.dataset, "get_batch"):
            x, t = self.dataset.get_batch(indices)
        else:  # a plain dataset: one __getitem__ per sample (slow, but any dataset works)
            samples = [self.dataset[int(i)] for i in indices]
            x, t = np.stack([np.asarray(s[0]) for s in samples]), np.asarray([s[1] for s in samples])
        x, t = np.asarray(x), np.asarray(t)
        if self.scale and x.dtype == np.uint8:
            x = to_float(x)
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            t = self.target_transform(t)
        x = x.astype(backend.get_default_dtype(), copy=False)
        t = t.astype(np.int64 if t.dtype.kind in "iub" else backend.get_default_dtype(), copy=False)
        return Tensor(backend.as_array(x)), Tensor(backend.as_array(t))

    # ---- resuming ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Where the loader is, as plain Python data (JSON-safe): restore it with ``load_state_dict``.

        Mid-epoch it holds the generator as the epoch began and the batches already handed out, so the resumed
        loader redraws the same order and continues with the next batch; between epochs, the generator now.
        """
        mid_epoch = self._position is not None
        state = {
            "epoch": self.epoch,
            "batches_done": self._position if mid_epoch else 0,
            "rng": copy.deepcopy(self._epoch_rng_state if mid_epoch else self.rng.bit_generator.state),
            "num_samples": self.num_samples,
            "batch_size": self.batch_size,
        }
        for name in ("transform", "target_transform"):
            stateful = getattr(self, name)
            state[name] = stateful.state_dict() if hasattr(stateful, "state_dict") else None
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from ``state_dict()``: the next ``iter`` continues exactly where that loader was."""
        if (state["num_samples"], state["batch_size"]) != (self.num_samples, self.batch_size):
            raise ValueError(
                f"DataLoader.load_state_dict: the state is of a loader over {state['num_samples']} samples in "
                f"batches of {state['batch_size']}; this one has {self.num_samples} in batches of {self.batch_size}"
            )
        self.rng.bit_generator.state = copy.deepcopy(state["rng"])
        self.epoch, self._resume_at, self._position = int(state["epoch"]), int(state["batches_done"]), None
        for name in ("transform", "target_transform"):
            stateful = getattr(self, name)
            if state.get(name) is not None and hasattr(stateful, "load_state_dict"):
                stateful.load_state_dict(state[name])

    def describe_sizes(self) -> str:
        """The sizes that decide the epoch's length, for messages: "50 samples in batches of 100, drop_last=True"."""
        sizes = f"{self.num_samples} samples in batches of {self.batch_size}"
        return sizes + (", drop_last=True" if self.drop_last else "")

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {self.num_samples}, batch_size={self.batch_size}, "
                f"sampler={self.sampler!r}, {len(self)} iterations per epoch)")


def require_batches(loader: Any, what: str) -> None:
    """Refuse a loader whose epoch has no batches, naming its sizes: training on it would finish at once and
    report an untrained model as done. ``what`` names the data, e.g. "fit: the training data".

    A loader without a length (a generator) is taken on trust.
    """
    if not hasattr(loader, "__len__") or len(loader) > 0:
        return
    sizes = loader.describe_sizes() if hasattr(loader, "describe_sizes") else f"a {type(loader).__name__} of length 0"
    raise ValueError(
        f"{what} gives no batches per epoch ({sizes}); check the data's size, the batch size and how a validation "
        "split divides the data"
    )
