"""DataLoader: PyTorch's ``torch.utils.data.DataLoader``, and the notes' loader of arrays, in one class.

Counting follows the notes: an epoch is ``ceil(N / batch_size)`` iterations (``drop_last`` floors it), so
50,000 images at batch 256 give 196 iterations and 1,960 updates in 10 epochs. Without replacement (the
default) every sample is seen exactly once per epoch; ``sampler="random_with_replacement"`` draws each batch
independently, like the notes' ``np.random.choice(train_size, batch_size)``.

Two ways to make a batch from its indices:

- the whole-batch path, for datasets with ``get_batch(indices) -> (x, t)`` (``ArrayDataset``, MNIST, CIFAR-10, the
  vision datasets with known transforms, a ``Subset`` of one): one index array gathers the batch, uint8 images
  become float32 in [0, 1] (``scale``), ``transform`` / ``target_transform`` run on the batch, and ``(x, t)``
  come out as Tensors;
- the per-sample path, as PyTorch does it, for any other map-style dataset (or when ``collate_fn`` is given):
  ``dataset[i]`` for each index, then ``collate_fn`` (``default_collate``) merges them; with ``num_workers > 0``
  worker processes make the batches, yielded in the same order as without them.

Shuffling draws from the loader's own ``np.random.default_rng(seed)``; with ``seed=None`` the seed comes from
``generator`` or scratchgrad's generator, so ``sg.manual_seed`` makes it reproducible. ``state_dict()`` records the
generator and the position inside the epoch, and ``load_state_dict()`` resumes from there bit for bit.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor
from .datasets import ArrayDataset
from .transforms import to_float

SAMPLERS = ("sequential", "random", "random_with_replacement")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"DataLoader: {name} must be a positive integer; received {value!r}")
    return int(value)


class DataLoader:
    """Iterate mini-batches of a dataset.

    Args (PyTorch's, in PyTorch's order):
        dataset: a map-style dataset (``__len__`` and ``__getitem__``; ``get_batch(indices)`` makes it fast), an
            ``IterableDataset``, or a pair of arrays ``(x, t)``.
        batch_size: samples per batch (B).
        shuffle: a new random order every epoch (sampling without replacement).
        sampler: an iterable of indices (``RandomSampler``, ``SubsetRandomSampler``, ...), or one of the notes'
            names "sequential", "random", "random_with_replacement".
        batch_sampler: an iterable of index lists, one per batch (then leave batch_size, shuffle, sampler and
            drop_last at their defaults).
        num_workers: processes making batches on the per-sample path; 0 makes them in this process.
        collate_fn: merges a list of samples into a batch (default ``default_collate``); giving one takes the
            per-sample path.
        pin_memory: accepted for PyTorch's programs; there is no pinned memory to use on the CPU.
        drop_last: leave out the last, smaller batch, so every batch has B samples.
        timeout: seconds to wait for a worker's batch (0: no limit).
        worker_init_fn: called as ``fn(worker_id)`` in each worker after it is seeded.
        multiprocessing_context: "fork", "spawn", "forkserver" or a context (default fork where there is one).
        generator: a ``np.random.Generator`` the shuffling seed is drawn from.
    Keyword-only, for the whole-batch path (the notes' loader):
        seed: seed of the loader's generator; None draws one from ``generator`` or ``sg.manual_seed``'s generator.
        transform, target_transform: applied to each batch of images / labels (see ``data.transforms``).
        scale: uint8 images become float32 / 255 in [0, 1] before ``transform``; False keeps 0..255.
        prefetch_factor, persistent_workers: accepted for PyTorch's programs; workers start with each epoch.

    Yields: on the whole-batch path ``(x, t)``: ``x`` float32 (B, C, H, W) for image datasets (rows as given for
    arrays), ``t`` int64 (B,) (or float32 (B, K) when one-hot); otherwise whatever ``collate_fn`` makes, e.g.
    ``[images (B, C, H, W), labels (B,)]``.

    Example::

        loader = DataLoader(MNIST(), batch_size=100, shuffle=True, seed=0)
        len(loader)          # 600 iterations per epoch
        for x, t in loader:  # x: Tensor (100, 1, 28, 28) float32 in [0, 1]; t: Tensor (100,) int64
            ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | str | None = None,
        batch_sampler: Iterable[list[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        seed: int | None = None,
        transform: Callable[[np.ndarray], np.ndarray] | None = None,
        target_transform: Callable[[np.ndarray], np.ndarray] | None = None,
        scale: bool = True,
    ):
        from ..utils.data.collate import default_collate  # on use: utils.data re-exports this module's class
        from ..utils.data.dataset import IterableDataset

        if isinstance(dataset, tuple) and len(dataset) == 2:  # (x, t) arrays; a list may be a dataset
            dataset = ArrayDataset(*dataset)
        self.dataset, self.drop_last, self.scale = dataset, drop_last, scale
        self.batch_sampler, self.transform, self.target_transform = batch_sampler, transform, target_transform
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        self.num_workers = int(num_workers)
        self.timeout, self.worker_init_fn, self.pin_memory = timeout, worker_init_fn, pin_memory
        self.multiprocessing_context, self.generator = multiprocessing_context, generator
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        if self.num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be 0 or more; received {num_workers!r}")
        self._streams = isinstance(dataset, IterableDataset)
        self.batch_size = self._check_batching(batch_size, shuffle, sampler, batch_sampler, drop_last)
        self.sampler = sampler if sampler is not None else ("random" if shuffle else "sequential")
        if isinstance(self.sampler, str) and self.sampler not in SAMPLERS:
            raise ValueError(f"DataLoader: sampler must be one of {SAMPLERS} or an iterable of indices; "
                             f"received {sampler!r}")
        gathers = callable(getattr(dataset, "get_batch", None)) and getattr(dataset, "batchable", True)
        self._whole_batches = collate_fn is None and not self._streams and gathers
        if (transform is not None or target_transform is not None) and not self._whole_batches:
            raise ValueError(f"DataLoader: transform= and target_transform= act on whole batches, from datasets with "
                             f"get_batch and no collate_fn; {type(dataset).__name__} is read sample by sample: give "
                             "the dataset its transform, or a collate_fn")
        if seed is None:  # from the generator given, or scratchgrad's, so sg.manual_seed(...) fixes the order too
            seed = int((generator if generator is not None else backend.rng()).integers(0, 2**63 - 1))
        self._seed = seed
        self.rng = np.random.default_rng(seed)
        self.epoch = 0  # epochs finished
        self._position: int | None = None  # batches handed out in the epoch under way; None between epochs
        self._epoch_rng_state: dict | None = None  # the generator as it was when that epoch drew its order
        self._resume_at = 0

    def _check_batching(self, batch_size: Any, shuffle: Any, sampler: Any, batch_sampler: Any, drop_last: bool
                        ) -> int | None:
        """PyTorch's rules on which of batch_size, shuffle, sampler, batch_sampler and drop_last go together."""
        if self._streams and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError(f"DataLoader: an IterableDataset sets its own order; received shuffle={shuffle!r}, "
                             f"sampler={sampler!r}, batch_sampler={batch_sampler!r}")
        if self._streams and self.num_workers:
            raise ValueError("DataLoader: an IterableDataset is read in this process; received "
                             f"num_workers={self.num_workers} (each worker would repeat the whole stream)")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(f"DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler "
                                 f"and drop_last; received batch_size={batch_size!r}, shuffle={shuffle!r}, "
                                 f"sampler={sampler!r}, drop_last={drop_last!r}")
            return None
        if sampler is not None and not isinstance(sampler, str) and shuffle:
            raise ValueError(f"DataLoader: sampler is mutually exclusive with shuffle; received shuffle=True and "
                             f"sampler={sampler!r}")
        if batch_size is None:
            raise ValueError("DataLoader: batch_size must be a positive integer; received None (unbatched loading "
                             "is not supported: use batch_size=1 and index the batch)")
        return _positive_int(batch_size, "batch_size")

    @property
    def num_samples(self) -> int:
        """Samples an epoch draws from: the dataset's length, or the sampler's when one is given."""
        if self._streams or isinstance(self.sampler, str):
            return len(self.dataset)
        return len(self.sampler)  # type: ignore[arg-type]

    def __len__(self) -> int:
        """Iterations per epoch: ``ceil(N / B)``, or ``floor(N / B)`` with ``drop_last``; the batch sampler's length."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        n, b = self.num_samples, self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def _epoch_order(self) -> np.ndarray:
        if not isinstance(self.sampler, str):
            return np.fromiter((int(i) for i in self.sampler), dtype=np.int64)
        n = self.num_samples
        if self.sampler == "random_with_replacement":
            return self.rng.integers(0, n, size=len(self) * self.batch_size)
        return self.rng.permutation(n) if self.sampler == "random" else np.arange(n)

    def _epoch_batches(self) -> list[np.ndarray]:
        if self.batch_sampler is not None:
            return [np.asarray(list(indices), dtype=np.int64) for indices in self.batch_sampler]
        order, b = self._epoch_order(), self.batch_size
        return [order[i * b : (i + 1) * b] for i in range(len(self))]

    def __iter__(self) -> Iterator[Any]:
        if self._streams:
            yield from self._stream_batches()
            return
        self._epoch_rng_state = copy.deepcopy(self.rng.bit_generator.state)
        batches = self._epoch_batches()
        start, self._resume_at = self._resume_at, 0
        for b, batch in enumerate(self._made(batches[start:]), start):
            # Counted before the yield: a state_dict() taken while this batch is in use resumes after it.
            self._position = b + 1
            yield batch
        self._position = None
        self.epoch += 1

    def _made(self, batches: list[np.ndarray]) -> Iterator[Any]:
        """The batches for these index arrays, made here or, for the per-sample path, by worker processes."""
        if self.num_workers == 0 or self._whole_batches or not batches:
            return map(self._batch, batches)
        from ..utils.data.worker import run_in_workers

        # From the loader's seed and the epoch, not drawn from self.rng: the shuffled orders stay num_workers=0's.
        base_seed = int(np.random.default_rng((self._seed, self.epoch)).integers(0, 2**31 - 1 - self.num_workers))
        return run_in_workers(self._batch, batches, self.dataset, min(self.num_workers, len(batches)), base_seed,
                              self.worker_init_fn, self.multiprocessing_context, self.timeout,
                              self.prefetch_factor or 2)

    def _stream_batches(self) -> Iterator[Any]:
        samples: list = []
        for sample in self.dataset:
            samples.append(sample)
            if len(samples) == self.batch_size:
                yield self.collate_fn(samples)
                samples = []
        if samples and not self.drop_last:
            yield self.collate_fn(samples)

    def _batch(self, indices: np.ndarray) -> Any:
        if not self._whole_batches:
            getitems = getattr(self.dataset, "__getitems__", None)
            samples = getitems(indices.tolist()) if getitems else [self.dataset[int(i)] for i in indices]
            return self.collate_fn(samples)
        x, t = self.dataset.get_batch(indices)
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
