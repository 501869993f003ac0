"""Keras's preprocessing and noise layers: Rescaling, Normalization (with ``adapt``), GaussianNoise, RandomFlip.

The random ones act only in training (``fit``, or ``training=True``) and are the identity otherwise, as in Keras.
Draws come from scratchgrad's generator (``sg.manual_seed`` seeds them), not Keras's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..nn import Module
from ..ops.pointwise import where
from .base import Layer, Shape, check_number


class Rescaling(Layer):
    """x * scale + offset: Rescaling(1.0 / 255) maps pixels 0..255 to 0..1. Shapes: output = input."""

    open_sizes = True

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def _call(self, x: Tensor) -> Tensor:
        return x * self.scale + self.offset if self.offset else x * self.scale


class Normalization(Layer):
    """(x - mean) / sqrt(variance) per feature of the last axis, with the statistics given or learned by
    ``adapt(data)``.

    Args:
        axis: -1 only (one mean and variance per channel or feature).
        mean, variance: the statistics, if known; else call ``adapt`` before use.

    Weights (non-trainable): mean (C,), variance (C,), count (), as Keras holds them.
    """

    def __init__(self, axis: int = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if axis != -1 or invert:
            raise ValueError(f'Layer "{self.name}": only axis=-1 without invert is supported; received axis={axis!r}'
                             f", invert={invert!r}")
        self.axis = axis
        self._given = None if mean is None else (np.asarray(mean), np.asarray(variance))

    def adapt(self, data: Any) -> None:
        """Learn the mean and the (biased) variance of each feature over every other axis of ``data``."""
        data = np.asarray(data, dtype=np.float64)
        if not self.built:
            self._build(tuple(data.shape[1:]))
        axes = tuple(range(data.ndim - 1))
        self.set_weights([data.mean(axis=axes), data.var(axis=axes), np.array(data.shape[0] if axes else 1)])

    def _make_module(self, shape: Shape) -> Module:
        self.add_weight(shape=(shape[-1],), initializer="zeros", trainable=False, name="mean")
        self.add_weight(shape=(shape[-1],), initializer="ones", trainable=False, name="variance")
        self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")
        if self._given is not None:
            mean, variance = (np.broadcast_to(v, (shape[-1],)) for v in self._given)
            self.module.mean.data = backend.as_array(mean.astype(backend.get_default_dtype()))  # type: ignore
            self.module.variance.data = backend.as_array(variance.astype(backend.get_default_dtype()))  # type: ignore
        return self.module  # type: ignore[return-value]

    def _call(self, x: Tensor) -> Tensor:
        view = (-1, 1, 1) if x.ndim == 4 else (-1,)
        mean, variance = self.module.mean.reshape(*view), self.module.variance.reshape(*view)  # type: ignore
        return (x - mean) / (variance ** 0.5).clip(1e-7, None)


class GaussianNoise(Layer):
    """In training, add zero-mean Gaussian noise of standard deviation ``stddev``; the identity otherwise."""

    open_sizes = True

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.stddev = check_number(f'Layer "{self.name}"', "stddev", stddev, lambda v: v >= 0, ">= 0")

    def _make_module(self, shape: Shape) -> Module:
        return Module()  # holds the training flag

    def _call(self, x: Tensor) -> Tensor:
        if not self.module.training:  # type: ignore[union-attr]
            return x
        noise = backend.rng().standard_normal(x.shape).astype(x.dtype) * x.dtype.type(self.stddev)
        return x + Tensor(backend.as_array(noise))


class RandomFlip(Layer):
    """In training, flip each image left-right and/or upside down with probability 1/2; the identity otherwise.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (Keras's default).
    """

    ndim = 4
    MODES = {"horizontal": (3,), "vertical": (2,), "horizontal_and_vertical": (3, 2)}

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if mode not in self.MODES:
            raise ValueError(f'Layer "{self.name}": mode must be one of {sorted(self.MODES)}; received {mode!r}')
        self.mode = mode

    def _make_module(self, shape: Shape) -> Module:
        return Module()

    def _call(self, x: Tensor) -> Tensor:
        if not self.module.training:  # type: ignore[union-attr]
            return x
        for axis in self.MODES[self.mode]:
            flip = backend.rng().random(x.shape[0]) < 0.5
            index = (slice(None),) * axis + (slice(None, None, -1),)
            x = where(Tensor(backend.as_array(flip.reshape(-1, 1, 1, 1))), x[index], x)
        return x


__all__ = ["GaussianNoise", "Normalization", "RandomFlip", "Rescaling"]
