"""torchvision's datasets: MNIST, FashionMNIST and CIFAR10 with its signature, over scratchgrad's own readers.

Each is the class of ``scratchgrad.data`` (same files, same checks, same ``data`` and ``targets``) given
torchvision's arguments ``(root, train=True, download=False, transform=None, target_transform=None)`` and its
sample: ``dataset[i]`` is ``(PIL image, int label)``, passed through ``transform`` and ``target_transform``.

Where the files are looked for: ``root`` first, in torchvision's layout (``root/FashionMNIST/raw/``), the
project's (``root/fashion-mnist/``) or loose in ``root``; then the project's usual order (``$SCRATCHGRAD_DATA``,
the cache, the embedded MNIST, Debian's Fashion-MNIST). ``download=True`` downloads into ``root`` only when none
of these has a copy, so a torchvision program runs offline where a copy exists.

With ``transform`` one of ``ToTensor()`` or ``Compose([ToTensor(), Normalize(...), ...])`` and no
``target_transform``, the DataLoader builds batches with whole-batch array operations (``get_batch``): the same
numbers as transforming sample by sample, without a Python call per image.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np
from PIL import Image

from .. import data as _data
from ..data.errors import DatasetError
from ..tensor.creation import from_numpy
from .transforms import batch_transform

Root = str | os.PathLike | None


def _open(cls: type, root: Root, train: bool, download: bool) -> Any:
    """The reader of ``cls`` on the first copy found: ``root``, then the usual order, then a download into root."""
    if root is not None and os.path.isdir(root) and cls.find(root, train) is not None:
        return cls(root, train=train)
    try:
        return cls(None, train=train)
    except DatasetError as usual:
        if not download:
            where = f"\nroot={os.fspath(root)!r} was looked in first (its torchvision layout too)." if root else ""
            raise DatasetError(f"{usual}{where}") from None
    os.makedirs(root if root is not None else _data.cache_dir(), exist_ok=True)
    return cls(root, train=train, download=True)


class VisionDataset:
    """torchvision's face over one of ``scratchgrad.data``'s readers (set as ``reader`` by each subclass)."""

    reader: type

    def __init__(self, root: Root = None, train: bool = True, download: bool = False,
                 transform: Callable | None = None, target_transform: Callable | None = None):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self._source = _open(self.reader, root, train, download)
        self.data, self.targets = self._torchvision_form(self._source.data, self._source.targets)
        self.paths = self._source.paths
        self.classes = list(self.reader.classes)
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    @staticmethod
    def _torchvision_form(data: np.ndarray, targets: np.ndarray) -> tuple[Any, Any]:
        """``data`` and ``targets`` as torchvision keeps them: Tensors sharing the reader's arrays (MNIST's)."""
        return from_numpy(data), from_numpy(targets)

    def __len__(self) -> int:
        return len(self._source)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, label)``: a PIL image (28 x 28 "L" or 32 x 32 "RGB") and an int, each after its transform."""
        image, label = Image.fromarray(self._source.data[index]), int(self._source.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    @property
    def batchable(self) -> bool:
        """Whether the DataLoader may build batches with ``get_batch`` (the transforms are ones it knows)."""
        return self.target_transform is None and batch_transform(self.transform) is not None

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """float32 images (B, C, H, W) and int64 labels (B,), transformed as ``__getitem__`` would, whole-batch."""
        images, labels = self._source.get_batch(indices)
        apply = batch_transform(self.transform)
        if apply is None:
            raise TypeError(f"{type(self).__name__}.get_batch: transform {self.transform!r} has no whole-batch form; "
                            "read the samples one by one (dataset[i])")
        return apply(images), labels

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: "
                f"{self.root}\n    Split: {split}\n    Transform: {self.transform!r}")


class MNIST(VisionDataset):
    """The MNIST digits, as ``torchvision.datasets.MNIST``: 60,000 / 10,000 grayscale 28 x 28 images; ``data`` a
    uint8 Tensor (N, 28, 28) and ``targets`` an int64 Tensor (N,), as torchvision keeps them."""

    reader = _data.MNIST


class FashionMNIST(VisionDataset):
    """Zalando's Fashion-MNIST, as ``torchvision.datasets.FashionMNIST``: MNIST's sizes, ten kinds of clothing."""

    reader = _data.FashionMNIST


class CIFAR10(VisionDataset):
    """CIFAR-10, as ``torchvision.datasets.CIFAR10``: 50,000 / 10,000 colour 32 x 32 images (``data`` a uint8
    array (N, 32, 32, 3), ``targets`` a list, as torchvision keeps them)."""

    reader = _data.CIFAR10

    @staticmethod
    def _torchvision_form(data: np.ndarray, targets: np.ndarray) -> tuple[Any, Any]:
        """torchvision's CIFAR10 keeps a NumPy array and a list of ints."""
        return data, targets.tolist()
