"""Keras's other convolutions: DepthwiseConv2D, SeparableConv2D and Conv2DTranspose, over the engine's conv2d.

A depthwise convolution is one conv2d per input channel (each with its ``depth_multiplier`` filters); a separable
one is that followed by a 1x1 conv2d; a transposed convolution is conv2d's adjoint, computed as a conv2d of the
input spread out with zeros (stride - 1 between pixels) by the spatially flipped kernel. Kernels are held in
Keras's layouts (``add_weight``), so weights and ``.keras`` files match Keras's.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..nn import Module
from ..ops.conv import conv2d
from ..ops.pad import pad
from ..ops.shape import concat
from .base import Layer, Shape, check_int
from .geometry import check_channels_last, padding_mode, pair, window_geometry


class _Conv(Layer):
    ndim = 4
    rank_hint = "it takes images (batch, height, width, channels)"

    def __init__(self, kernel_size: Any, strides: Any, padding: str, data_format: str | None,
                 activation: str | Callable | None, use_bias: bool, bias_initializer: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.kernel_size = pair(self, "kernel_size", kernel_size)
        self.strides = pair(self, "strides", strides)
        self.padding = padding_mode(self, padding)
        check_channels_last(self, data_format)
        self.use_bias, self.bias_initializer = bool(use_bias), bias_initializer
        self._set_activation(activation)
        self._pads = (0, 0, 0, 0)

    def _windows(self, shape: Shape) -> tuple[int, int]:
        size, self._pads = window_geometry(self, "kernel_size", shape, self.kernel_size, self.strides, self.padding)
        return size

    def _padded(self, x: Tensor) -> Tensor:
        return pad(x, self._pads) if any(self._pads) else x

    def _bias(self, y: Tensor) -> Tensor:
        return y + self.module.bias.reshape(-1, 1, 1) if self.use_bias else y  # type: ignore[union-attr]


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own ``depth_multiplier`` filters (no mixing of channels).

    Shapes: (batch, H, W, C) -> (batch, OH, OW, C * depth_multiplier), output channel c * m + j coming from input
    channel c. Weights: depthwise_kernel (kh, kw, C, m), bias (C * m,).
    """

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: str = "glorot_uniform", bias_initializer: str = "zeros", **kwargs: Any):
        super().__init__(kernel_size, strides, padding, data_format, activation, use_bias, bias_initializer, **kwargs)
        self.depth_multiplier = check_int(f'Layer "{self.name}"', "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = depthwise_initializer

    def _output_shape(self, shape: Shape) -> Shape:
        return (*self._windows(shape), shape[2] * self.depth_multiplier)

    def _make_module(self, shape: Shape) -> Module:
        return self._weights(shape, shape[2] * self.depth_multiplier)

    def _weights(self, shape: Shape, outputs: int, *middle: tuple[tuple[int, ...], str, str]) -> Module:
        """depthwise_kernel, then each (shape, initializer, name) of ``middle``, then a bias of ``outputs``."""
        self.add_weight(shape=(*self.kernel_size, shape[2], self.depth_multiplier),
                        initializer=self.depthwise_initializer, name="depthwise_kernel")
        for weight_shape, initializer, name in middle:
            self.add_weight(shape=weight_shape, initializer=initializer, name=name)
        if self.use_bias:
            self.add_weight(shape=(outputs,), initializer=self.bias_initializer, name="bias")
        return self.module  # type: ignore[return-value]

    def _depthwise(self, x: Tensor) -> Tensor:
        kernel = self.module.depthwise_kernel  # type: ignore[union-attr]
        x = self._padded(x)
        parts = [conv2d(x[:, c : c + 1], kernel[:, :, c : c + 1, :].transpose(3, 2, 0, 1), None, self.strides)
                 for c in range(x.shape[1])]
        return concat(parts, 1) if len(parts) > 1 else parts[0]

    def _call(self, x: Tensor) -> Tensor:
        return self._bias(self._depthwise(x))


class SeparableConv2D(DepthwiseConv2D):
    """A depthwise convolution, then a 1x1 convolution mixing its channels into ``filters``.

    Weights: depthwise_kernel (kh, kw, C, m), pointwise_kernel (1, 1, C * m, filters), bias (filters,).
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, depth_multiplier: int = 1, activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: str = "glorot_uniform",
                 pointwise_initializer: str = "glorot_uniform", bias_initializer: str = "zeros", **kwargs: Any):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, activation, use_bias,
                         depthwise_initializer, bias_initializer, **kwargs)
        self.filters = check_int(f'Layer "{self.name}"', "filters", filters)
        self.pointwise_initializer = pointwise_initializer

    def _output_shape(self, shape: Shape) -> Shape:
        return (*self._windows(shape), self.filters)

    def _make_module(self, shape: Shape) -> Module:
        pointwise = ((1, 1, shape[2] * self.depth_multiplier, self.filters), self.pointwise_initializer,
                     "pointwise_kernel")
        return self._weights(shape, self.filters, pointwise)

    def _call(self, x: Tensor) -> Tensor:
        pointwise = self.module.pointwise_kernel.transpose(3, 2, 0, 1)  # type: ignore[union-attr]
        return self._bias(conv2d(self._depthwise(x), pointwise))


def _spread(size: int, stride: int) -> Tensor:
    """The (size - 1) * stride + 1 by size matrix that puts stride - 1 zeros between consecutive entries."""
    matrix = np.zeros(((size - 1) * stride + 1, size), dtype=backend.get_default_dtype())
    matrix[np.arange(size) * stride, np.arange(size)] = 1
    return Tensor(backend.as_array(matrix))


class Conv2DTranspose(_Conv):
    """The adjoint of a Conv2D ("deconvolution"): upsamples by ``strides``.

    Shapes: (batch, H, W, C) -> (batch, OH, OW, filters) with OH = (H - 1) * stride + kh for "valid" and
    H * stride for "same". Weights: kernel (kh, kw, filters, C) as Keras's, bias (filters,).
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: str = "glorot_uniform", bias_initializer: str = "zeros", **kwargs: Any):
        super().__init__(kernel_size, strides, padding, data_format, activation, use_bias, bias_initializer, **kwargs)
        self.filters = check_int(f'Layer "{self.name}"', "filters", filters)
        self.kernel_initializer = kernel_initializer

    def _output_shape(self, shape: Shape) -> Shape:
        sizes: list[int] = []
        for size, k, s in zip(shape[:2], self.kernel_size, self.strides):
            sizes.append(size * s if self.padding == "same" else (size - 1) * s + k)
        return (*sizes, self.filters)

    def _make_module(self, shape: Shape) -> Module:
        self.add_weight(shape=(*self.kernel_size, self.filters, shape[2]), initializer=self.kernel_initializer,
                        name="kernel")
        if self.use_bias:
            self.add_weight(shape=(self.filters,), initializer=self.bias_initializer, name="bias")
        return self.module  # type: ignore[return-value]

    def _call(self, x: Tensor) -> Tensor:
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        if (sh, sw) != (1, 1):
            x = _spread(x.shape[2], sh) @ x @ _spread(x.shape[3], sw).transpose(1, 0)
        flipped = self.module.kernel[::-1, ::-1].transpose(2, 3, 0, 1)  # type: ignore[union-attr]
        y = conv2d(x, flipped, None, 1, (kh - 1, kw - 1))
        if self.padding == "same":
            y = self._crop(y)
        return self._bias(y)

    def _crop(self, y: Tensor) -> Tensor:
        """The full output cut to H * stride: Keras drops (k - s) // 2 first, the rest last (zeros added when
        the kernel is smaller than the stride)."""
        (oh, ow, _) = self._out  # type: ignore[misc]
        sides: list[int] = []
        for full, out in zip(y.shape[2:], (oh, ow)):
            extra = full - out
            sides += [max(extra // 2, 0), max(extra - extra // 2, 0)]
        y = y[:, :, sides[0] : y.shape[2] - sides[1], sides[2] : y.shape[3] - sides[3]]
        short = (oh - y.shape[2], ow - y.shape[3])
        return pad(y, (0, short[0], 0, short[1])) if any(short) else y


__all__ = ["Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"]
