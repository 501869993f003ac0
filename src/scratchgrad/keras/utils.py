"""Keras's utilities: ``to_categorical``, ``PyDataset`` (batches made by your code), ``plot_model``, and the
custom-object registry under its ``keras.utils`` names (``register_keras_serializable``, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import registry
from .data_adapters import PyDataset
from .plotting import model_to_dot, plot_model
from .registry import *  # noqa: F403  (keras.utils's names for the registry)

__all__ = ["PyDataset", "model_to_dot", "plot_model", "to_categorical", *registry.__all__]


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """Integer labels as one-hot rows: (N,) or (N, 1) -> (N, num_classes), float32 by default.

    ``num_classes`` defaults to the largest label + 1.
    Example: to_categorical([0, 2], 3) is [[1, 0, 0], [0, 0, 1]].
    """
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] == 1:  # Keras drops a trailing axis of size 1 (CIFAR-10's (N, 1) labels)
        y = y[..., 0]
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise ValueError("to_categorical: argument `y` must hold whole numbers (class labels)")
    y = y.astype(np.int64)
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, num_classes) = [0, {num_classes}); received values from "
            f"{int(y.min())} to {int(y.max())}"
        )
    return np.eye(num_classes, dtype=dtype)[y]
