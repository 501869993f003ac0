"""Keras's activation layers with arguments (LeakyReLU, PReLU, ELU, Softmax), SpatialDropout2D,
LayerNormalization and Embedding.

Faces over the engine's ops: ``leaky_relu``, ``relu``, ``elu``, ``softmax``, ``dropout2d``, ``mean``/``var``,
``getitem``. Weights are
made with ``add_weight`` in Keras's shapes, so ``get_weights`` and ``.keras`` files hold them as Keras does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..nn import Module
from ..ops.activation import leaky_relu, relu, softmax
from ..ops.norm import dropout2d
from ..ops.reduce import var
from ..ops.smooth_activation import elu
from .activations import channel_axis
from .base import Layer, Shape, check_number, fully_defined


def _internal_axis(x: Tensor, axis: int) -> int:
    """Keras's ``axis`` (channels-last, batch axis 0) as the axis of the internal layout."""
    axis = axis % x.ndim
    return {1: 2, 2: 3, 3: 1}.get(axis, axis) if x.ndim == 4 else axis


class LeakyReLU(Layer):
    """x for x >= 0, ``negative_slope * x`` below (Keras's default slope 0.3). Shapes: output = input."""

    open_sizes = True

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any):
        super().__init__(**kwargs)
        self.negative_slope = check_number(f'Layer "{self.name}"', "negative_slope", negative_slope,
                                           lambda v: v >= 0, ">= 0")

    def _call(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)


class ELU(Layer):
    """x for x > 0, alpha * (exp(x) - 1) below. Shapes: output = input. Example: ELU(alpha=1.0)."""

    open_sizes = True

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.alpha = check_number(f'Layer "{self.name}"', "alpha", alpha, lambda v: v >= 0, ">= 0")

    def _call(self, x: Tensor) -> Tensor:
        return elu(x, self.alpha)


class SpatialDropout2D(Layer):
    """Dropout of whole feature maps: in training each (sample, channel) is zeroed with probability ``rate`` and
    the rest scaled by 1 / (1 - rate); the identity otherwise. Takes images (batch, H, W, C)."""

    open_sizes = True

    ndim = 4

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = check_number(f'Layer "{self.name}"', "rate", rate, lambda v: 0 <= v <= 1, "in [0, 1]")

    def _make_module(self, shape: Shape) -> Module:
        return Module()  # holds the training flag

    def _call(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.rate, training=self.module.training)  # type: ignore[union-attr]


class PReLU(Layer):
    """A leaky ReLU whose slope ``alpha`` is learned, one per input element (Keras's default, zeros at first).

    y = relu(x) - alpha * relu(-x). Weights: alpha of the input's shape without the batch axis.
    """

    def __init__(self, alpha_initializer: str = "zeros", shared_axes: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if shared_axes is not None:
            raise ValueError(f'Layer "{self.name}": shared_axes is not supported; received {shared_axes!r}')
        self.alpha_initializer = alpha_initializer

    def _make_module(self, shape: Shape) -> Module:
        self.add_weight(shape=shape, initializer=self.alpha_initializer, name="alpha")
        return self.module  # type: ignore[return-value]

    def _call(self, x: Tensor) -> Tensor:
        alpha = self.module.alpha  # type: ignore[union-attr]
        alpha = alpha.transpose(2, 0, 1) if alpha.ndim == 3 else alpha  # (H, W, C) -> the internal (C, H, W)
        return relu(x) - alpha * relu(-x)


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along ``axis`` (Keras's, channels-last; -1 by default)."""

    open_sizes = True

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _call(self, x: Tensor) -> Tensor:
        return softmax(x, _internal_axis(x, self.axis))


class LayerNormalization(Layer):
    """Normalise each sample over its last axis: (x - mean) / sqrt(var + epsilon) * gamma + beta.

    Args:
        axis: -1 only (the features or channels axis).
        epsilon: Keras's default 1e-3. The variance is the biased one (divided by n), as Keras's.
        center, scale: learn beta and gamma (C,).
    """

    open_sizes = True

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if axis not in (-1, (-1,), [-1]):  # a .keras file holds the axis as a list
            raise ValueError(f'Layer "{self.name}": only axis=-1 is supported; received axis={axis!r}')
        self.axis = -1
        self.epsilon = check_number(f'Layer "{self.name}"', "epsilon", epsilon, lambda v: v > 0, "> 0")
        self.center, self.scale = bool(center), bool(scale)

    def _make_module(self, shape: Shape) -> Module:
        fully_defined(self, "gamma", (shape[-1],), shape)
        self.module = Module()
        if self.scale:
            self.add_weight(shape=(shape[-1],), initializer="ones", name="gamma")
        if self.center:
            self.add_weight(shape=(shape[-1],), initializer="zeros", name="beta")
        self.__dict__.setdefault("_added", [])
        return self.module

    def _call(self, x: Tensor) -> Tensor:
        axis = channel_axis(x)
        mean = x.mean(axis=axis, keepdims=True)
        y = (x - mean) / (var(x, axis=axis, correction=0, keepdims=True) + self.epsilon) ** 0.5
        view = (-1, 1, 1) if x.ndim == 4 else (-1,)
        if self.scale:
            y = y * self.module.gamma.reshape(*view)  # type: ignore[union-attr]
        if self.center:
            y = y + self.module.beta.reshape(*view)  # type: ignore[union-attr]
        return y


class Embedding(Layer):
    """Integer indices (batch, ...) -> their rows of a learned table: (batch, ..., output_dim).

    Args:
        input_dim: the number of indices (the largest index + 1).
        output_dim: the size of each row.

    Weights: embeddings (input_dim, output_dim), uniform in [-0.05, 0.05] as Keras's. An index outside
    [0, input_dim) is refused, naming it.
    """

    open_sizes = True

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: str = "random_uniform",
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = "random_uniform" if embeddings_initializer == "uniform" \
            else embeddings_initializer

    def _output_shape(self, shape: Shape) -> Shape:
        return (*shape, self.output_dim)

    def _make_module(self, shape: Shape) -> Module:
        self.add_weight(shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
                        name="embeddings")
        return self.module  # type: ignore[return-value]

    def _call(self, x: Tensor) -> Tensor:
        index = np.asarray(x.numpy() if hasattr(x, "numpy") else x).astype(np.int64)
        if index.size and (index.min() < 0 or index.max() >= self.input_dim):
            raise ValueError(
                f'Layer "{self.name}": indices must be in [0, input_dim) = [0, {self.input_dim}); received values '
                f"from {index.min()} to {index.max()}"
            )
        return self.module.embeddings[index]  # type: ignore[union-attr]
