"""Keras's datasets: ``(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()``.

Arrays as Keras gives them: uint8 images, unscaled; MNIST and Fashion-MNIST (60000, 28, 28) and (10000, 28, 28)
with uint8 labels (N,); CIFAR-10 channels-last (50000, 32, 32, 3) with uint8 labels of shape (N, 1). They come
from ``scratchgrad.data``: MNIST from the copy embedded in the package (no network), the others from the usual
places (``root``, ``$SCRATCHGRAD_DATA``, the cache) or the network with ``download=True``.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from .. import data

Split = tuple[np.ndarray, np.ndarray]


class _Dataset:
    """A Keras dataset object: ``load_data()`` and nothing else."""

    def __init__(self, name: str, load: Callable[..., tuple[Split, Split]], color: bool):
        # Grayscale sets come as (N, 1, 28, 28) and Keras gives (N, 28, 28); colour sets come channels-last,
        # with labels (N, 1) as Keras gives CIFAR-10's.
        self.name, self._load, self._color = name, load, color

    def load_data(self, root: str | os.PathLike | None = None, download: bool = False) -> tuple[Split, Split]:
        """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays (see the module's docstring for shapes).

        ``root`` and ``download`` are ours (Keras always downloads): where to look first, and whether to fetch
        the files when they are nowhere to be found.
        """
        options: dict[str, Any] = {"channels_last": True} if self._color else {}
        splits = self._load(normalize=False, flatten=False, root=root, download=download, **options)
        return tuple(self._keras(x, t) for x, t in splits)  # type: ignore[return-value]

    def _keras(self, x: np.ndarray, t: np.ndarray) -> Split:
        labels = t.astype(np.uint8)
        if self._color:
            return np.ascontiguousarray(x), labels[:, None]
        return np.ascontiguousarray(x[:, 0]), labels

    def __repr__(self) -> str:
        return f"<keras.datasets.{self.name}>"


mnist = _Dataset("mnist", data.load_mnist, color=False)
fashion_mnist = _Dataset("fashion_mnist", data.load_fashion_mnist, color=False)
cifar10 = _Dataset("cifar10", data.load_cifar10, color=True)
