"""PyTorch's ``torch.utils.data`` under its own names: datasets, samplers, ``default_collate`` and the DataLoader.

    from scratchgrad.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for xb, yb in loader:         # Tensors (32, ...) stacked from the samples
        ...

There is one DataLoader in scratchgrad (``scratchgrad.data.DataLoader`` is the same class): datasets that hand
out whole batches (``get_batch``) are gathered with one index array; any other map-style dataset goes through
``__getitem__`` and ``collate_fn`` per sample, in worker processes when ``num_workers > 0``.
"""

from ...data.loader import DataLoader
from .collate import default_collate
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler", "Sampler",
    "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "WorkerInfo", "default_collate",
    "get_worker_info", "random_split",
]  # fmt: skip
