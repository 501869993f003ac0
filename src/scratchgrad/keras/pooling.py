"""Keras pooling layers: MaxPooling2D, AveragePooling2D and the global poolings, channels-last.

"same" padding follows Keras: out = ceil(H / stride), with the odd extra row or column at the bottom / right.
Max pooling pads with -inf, so the border never wins a window. Average pooling, like Keras, averages only the
real inputs of a window that overlaps the border (PyTorch's ``count_include_pad=False``), which is the plain
average over the zero-padded window rescaled by (window size / real inputs in it).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import backend, nn
from ..autograd import Tensor
from ..nn import functional as F
from ..ops.pad import pad as pad2d
from .base import Layer, Shape, sample_shape
from .geometry import check_channels_last, padding_mode, pair, window_geometry


class _Pooling2D(Layer):
    ndim = 4
    rank_hint = "pooling takes images (batch, height, width, channels)"
    core: type[nn.Module]
    fill = 0.0
    open_sizes = True

    def __init__(
        self,
        pool_size: int | Sequence[int] = (2, 2),
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.pool_size = pair(self, "pool_size", pool_size)
        self.strides = self.pool_size if strides is None else pair(self, "strides", strides)
        self.padding = padding_mode(self, padding)
        check_channels_last(self, data_format)
        self._pads: tuple[int, int, int, int] = (0, 0, 0, 0)

    def _output_shape(self, shape: Shape) -> Shape:
        (oh, ow), self._pads = window_geometry(self, "pool_size", shape, self.pool_size, self.strides, self.padding)
        return oh, ow, shape[2]

    def _make_module(self, shape: Shape) -> nn.Module:
        return self.core(self.pool_size, self.strides)

    def _call(self, x: Tensor) -> Tensor:
        if self._open:
            self._output_shape(sample_shape(x))  # this batch's padding
        if any(self._pads):
            x = pad2d(x, self._pads, self.fill)
        return self.module(x)  # type: ignore[misc]


class MaxPooling2D(_Pooling2D):
    """Maximum over each ``pool_size`` window.

    Args:
        pool_size: window height and width (an int or a pair); (2, 2) halves each side.
        strides: step between windows; defaults to ``pool_size``.
        padding: "valid" (out = floor((H - pool) / stride) + 1) or "same" (out = ceil(H / stride)).

    Shapes: (batch, H, W, C) -> (batch, OH, OW, C); no weights.
    Example: MaxPooling2D(pool_size=(2, 2)) turns (None, 26, 26, 32) into (None, 13, 13, 32).
    """

    core = nn.MaxPool2d
    fill = -np.inf


class AveragePooling2D(_Pooling2D):
    """Mean over each ``pool_size`` window; arguments and shapes as ``MaxPooling2D``.

    With padding="same", windows at the border average only the real inputs they cover, as in Keras.
    Example: AveragePooling2D(2) turns (None, 28, 28, 6) into (None, 14, 14, 6).
    """

    core = nn.AvgPool2d

    def _make_module(self, shape: Shape) -> nn.Module:
        self._rescale = None if self._open else self._rescale_for(shape)
        return super()._make_module(shape)

    def _rescale_for(self, shape: Shape) -> Any:
        """1 / the fraction of each padded window that is real input (None without padding), by pooling a padded
        plane of ones."""
        if not any(self._pads):
            return None
        ones = Tensor(np.ones((1, 1, *shape[:2]), dtype=backend.get_default_dtype()))
        covered = F.avg_pool2d(pad2d(ones, self._pads), self.pool_size, self.strides).data
        return backend.as_array(1.0 / covered)

    def _call(self, x: Tensor) -> Tensor:
        y = super()._call(x)
        rescale = self._rescale_for(sample_shape(x)) if self._open else self._rescale
        return y if rescale is None else y * rescale


class GlobalAveragePooling2D(Layer):
    """Mean over height and width: (batch, H, W, C) -> (batch, C). Example: (None, 7, 7, 64) -> (None, 64)."""

    ndim = 4
    open_sizes = True  # (None, None, None, C) -> (None, C): what lets a convnet take images of any size

    def _output_shape(self, shape: Shape) -> Shape:
        return (shape[2],)

    def _call(self, x: Tensor) -> Tensor:
        return x.mean(axis=(2, 3))


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """Maximum over height and width: (batch, H, W, C) -> (batch, C)."""

    def _call(self, x: Tensor) -> Tensor:
        return x.max(axis=(2, 3))
