"""Keras layers on our engine: ``from scratchgrad.keras import layers``.

Shapes are Keras's, channels-last: images are (batch, height, width, channels). Every layer builds a core ``nn``
module once its input shape is known (see ``base.Layer``); pooling layers live in ``pooling.py``.

Example::

    model = keras.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)))   # (None, 30, 30, 32), 896
    model.add(layers.Flatten())                                                         # (None, 28800)
    model.add(layers.Dense(10, activation="softmax"))
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import nn
from ..autograd import Tensor
from ..nn import functional as F
from ..nn import init
from ..ops.pad import pad as pad2d
from .advanced import ELU, Embedding, LayerNormalization, LeakyReLU, PReLU, Softmax, SpatialDropout2D
from .augmentation import RandomRotation, RandomTranslation, RandomZoom
from .base import (
    Layer,
    Shape,
    check_int,
    check_number,
    check_shape,
    fully_defined,
    sample_shape,
    show,
    to_internal,
    to_user,
)
from .convolution import Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from .geometry import check_channels_last, padding_mode, pair, window_geometry
from .inputs import Input, InputLayer
from .merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .pooling import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .preprocessing import GaussianNoise, Normalization, RandomFlip, Rescaling
from .reshaping import Cropping2D, Identity, Lambda, Permute, RepeatVector, UpSampling2D, ZeroPadding2D

INITIALIZERS: dict[str, Callable[[Tensor], Tensor]] = {
    "glorot_uniform": init.xavier_uniform_,
    "glorot_normal": init.xavier_normal_,
    "he_uniform": init.he_uniform_,
    "he_normal": init.he_normal_,
    "zeros": init.zeros_,
    "ones": init.ones_,
}


def _initializer(layer: Layer, argument: str, name: str) -> Callable[[Tensor], Tensor]:
    if name not in INITIALIZERS:
        raise ValueError(
            f'Layer "{layer.name}": unknown initializer {name!r} for argument `{argument}`; expected one of '
            f"{', '.join(repr(n) for n in INITIALIZERS)}"
        )
    return INITIALIZERS[name]


def _positive_int(layer: Layer, argument: str, value: Any) -> int:
    return check_int(f'Layer "{layer.name}"', argument, value)


class _KernelLayer(Layer):
    """A layer with a kernel, an optional bias and an activation (Conv2D, Dense): their shared arguments."""

    def __init__(
        self,
        activation: str | Callable | None,
        use_bias: bool,
        kernel_initializer: str,
        bias_initializer: str,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self._kernel_init = _initializer(self, "kernel_initializer", kernel_initializer)
        self._bias_init = _initializer(self, "bias_initializer", bias_initializer)
        self._set_activation(activation)

    def _initialised(self, module: nn.Module) -> nn.Module:
        """``module`` with Keras's initial weights in place of the core's."""
        self._kernel_init(module.weight)
        if module.bias is not None:
            self._bias_init(module.bias)
        return module


class Conv2D(_KernelLayer):
    """2-D convolution over channels-last images.

    Args:
        filters: number of filters, which is the number of output channels.
        kernel_size: filter height and width (an int or a pair).
        strides: step between windows (an int or a pair).
        padding: "valid" (no padding: out = floor((H - kh) / stride) + 1) or "same" (out = ceil(H / stride);
            Keras's padding, the odd extra row or column at the bottom / right).
        activation: a name ("relu", "sigmoid", "tanh", "softmax", "linear"), None or a callable.
        use_bias: learn one bias per filter.
        kernel_initializer, bias_initializer: "glorot_uniform" and "zeros" by default, as in Keras.

    Shapes: input (batch, H, W, C) -> output (batch, OH, OW, filters). Weights: kernel (kh, kw, C, filters),
    bias (filters,): kh * kw * C * filters + filters parameters.

    Example: Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)) -> (None, 30, 30, 32), 896 params.
    """

    ndim = 4
    rank_hint = (
        "Conv2D takes images (batch, height, width, channels); give grayscale images of shape (N, 28, 28) a "
        "channel axis with np.expand_dims(x, -1) and input_shape=(28, 28, 1)"
    )
    _weight_slots = (("weight", (2, 3, 1, 0), True), ("bias", None, True))

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        activation: str | Callable | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs: Any,
    ):
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        self.filters = _positive_int(self, "filters", filters)
        self.kernel_size = pair(self, "kernel_size", kernel_size)
        self.strides = pair(self, "strides", strides)
        self.padding = padding_mode(self, padding)
        check_channels_last(self, data_format)
        self._pads: tuple[int, int, int, int] | None = None

    open_sizes = True

    def _output_shape(self, shape: Shape) -> Shape:
        (oh, ow), self._pads = window_geometry(self, "kernel_size", shape, self.kernel_size, self.strides, self.padding)
        return oh, ow, self.filters

    def _make_module(self, shape: Shape) -> nn.Module:
        fully_defined(self, "kernel", (*self.kernel_size, shape[2], self.filters), shape)
        top, bottom, left, right = self._pads  # type: ignore[misc]
        # Sizes unknown until the data arrives: "same" padding is worked out on each call, by the pad op.
        symmetric = top == bottom and left == right and not self._open
        # The core conv pads symmetrically; only an odd total needs the separate (asymmetric) pad op.
        module = nn.Conv2d(
            shape[2],
            self.filters,
            self.kernel_size,
            self.strides,
            padding=(top, left) if symmetric else 0,
            bias=self.use_bias,
            floor_mode=True,
        )
        if symmetric:
            self._pads = None
        return self._initialised(module)

    def _call(self, x: Tensor) -> Tensor:
        if self._open:
            self._output_shape(sample_shape(x))  # this batch's padding
        if self._pads is not None and any(self._pads):
            x = pad2d(x, self._pads)
        return self.module(x)  # type: ignore[misc]


class Dense(_KernelLayer):
    """Fully connected layer: output = activation(input @ kernel + bias).

    Args:
        units: size of each output sample.
        activation: a name ("relu", "sigmoid", "tanh", "softmax", "linear"), None or a callable.
        use_bias: learn an additive bias.
        kernel_initializer, bias_initializer: "glorot_uniform" and "zeros" by default, as in Keras.

    Shapes: input (batch, ..., features) -> output (batch, ..., units): on a 4-D input it acts on the last
    (channels) axis, as Keras's Dense does. Weights: kernel (features, units), bias (units,).

    Example: after Flatten -> (None, 50176), Dense(128) -> (None, 128) with 50176 * 128 + 128 = 6,422,656 params.
    """

    min_ndim = 2
    open_sizes = True
    rank_hint = "Dense needs an input shape with a features axis, e.g. input_shape=(784,)"
    _weight_slots = (("weight", (1, 0), True), ("bias", None, True))

    def __init__(
        self,
        units: int,
        activation: str | Callable | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs: Any,
    ):
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        self.units = _positive_int(self, "units", units)

    def _output_shape(self, shape: Shape) -> Shape:
        return (*shape[:-1], self.units)

    def _make_module(self, shape: Shape) -> nn.Module:
        fully_defined(self, "kernel", (shape[-1], self.units), shape)
        return self._initialised(nn.Linear(shape[-1], self.units, bias=self.use_bias))

    def _call(self, x: Tensor) -> Tensor:
        # On images, act on the channels (Keras's last axis): channels-last for the product, then back.
        return to_internal(self.module(to_user(x)))  # type: ignore[misc]


class Flatten(Layer):
    """Flatten each sample to one axis, in Keras's (H, W, C) order: (batch, H, W, C) -> (batch, H * W * C).

    The order matters for the next Dense layer's kernel: weights trained in Keras load here and give the same
    outputs. Example: (None, 28, 28, 64) -> (None, 50176).
    """

    open_sizes = True  # an unknown size makes the flattened size unknown: (None, None, 3) -> (None, None)

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        check_channels_last(self, data_format)

    def _output_shape(self, shape: Shape) -> Shape:
        return (math.prod(shape),)

    def _call(self, x: Tensor) -> Tensor:
        return to_user(x).reshape(x.shape[0], -1)


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (channels-last; one entry may be -1).

    Example: Reshape((28, 28, 1)) turns (None, 784) into (None, 28, 28, 1).
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        sizes_ok = all(isinstance(v, (int, np.integer)) and (v > 0 or v == -1) for v in self.target_shape)
        if not sizes_ok or self.target_shape.count(-1) > 1:
            raise ValueError(
                f'Layer "{self.name}": argument `target_shape` must hold positive sizes and at most one -1; '
                f"received target_shape={self.target_shape!r}"
            )

    def _output_shape(self, shape: Shape) -> Shape:
        size, known = math.prod(shape), [s for s in self.target_shape if s != -1]
        target = tuple(size // max(math.prod(known), 1) if s == -1 else s for s in self.target_shape)
        if len(known) < len(self.target_shape) - 1 or math.prod(target) != size:
            raise ValueError(
                f'Layer "{self.name}": cannot reshape an input of shape {show((None, *shape))} '
                f"({size} values per sample) to target_shape={self.target_shape}"
            )
        check_shape("target_shape", target)
        return target

    def _call(self, x: Tensor) -> Tensor:
        # Reshape in Keras's (H, W, C) order, then back to the internal layout.
        return to_internal(to_user(x).reshape(x.shape[0], *self._out))  # type: ignore[misc]


class Dropout(Layer):
    """During training, set each input to 0 with probability ``rate`` and scale the rest by 1 / (1 - rate).

    Identity in ``evaluate`` and ``predict``. Shapes: output = input. Example: Dropout(0.5).
    """

    open_sizes = True

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f'Layer "{self.name}": invalid value received for argument `rate`. Expected a float value between '
                f"0 and 1. Received: rate={rate!r}"
            )
        if noise_shape is not None:
            raise ValueError(f'Layer "{self.name}": argument `noise_shape` is not supported; received {noise_shape!r}')
        self.rate = float(rate)  # ``seed`` is accepted for compatibility: sg.manual_seed seeds every draw

    def _make_module(self, shape: Shape) -> nn.Module:
        return nn.Dropout(self.rate)

    def _call(self, x: Tensor) -> Tensor:
        return self.module(x)  # type: ignore[misc]


class BatchNormalization(Layer):
    """Normalise each channel (the last axis) with batch statistics in training, moving averages otherwise.

    Args:
        axis: -1 only (the channels axis of channels-last input).
        momentum: Keras's: moving = momentum * moving + (1 - momentum) * batch (our core's momentum is
            1 - this).
        epsilon: added to the variance; Keras's default 1e-3.

    The moving variance is updated with the batch's biased variance (divided by n), as Keras does; the core's
    nn.BatchNorm*d keeps PyTorch's unbiased one (n / (n - 1)).
    Shapes: (batch, features) or (batch, H, W, C), output = input. Weights: [gamma, beta, moving_mean,
    moving_variance], 4 * C parameters of which 2 * C (the moving statistics) are non-trainable.

    Example: BatchNormalization() after Conv2D(32, ...) adds 128 parameters, 64 of them non-trainable.
    """

    open_sizes = True
    _weight_slots = (
        ("weight", None, True),
        ("bias", None, True),
        ("running_mean", None, False),
        ("running_var", None, False),
    )

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any):
        super().__init__(**kwargs)
        if axis != -1:
            raise ValueError(f'Layer "{self.name}": only axis=-1 (channels last) is supported; received axis={axis!r}')
        owner = f'Layer "{self.name}"'
        self.momentum = check_number(owner, "momentum", momentum, lambda v: 0 <= v <= 1, "in [0, 1]")
        self.epsilon = check_number(owner, "epsilon", epsilon, lambda v: v > 0, "> 0")

    def _output_shape(self, shape: Shape) -> Shape:
        if len(shape) not in (1, 3):
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=2 or ndim=4, found '
                f"ndim={len(shape) + 1}. Full shape received: {show((None, *shape))}"
            )
        return shape

    def _make_module(self, shape: Shape) -> nn.Module:
        fully_defined(self, "gamma", (shape[-1],), shape)
        cls = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        return cls(shape[-1], eps=self.epsilon, momentum=1 - self.momentum, unbiased_running_var=False)

    def _call(self, x: Tensor) -> Tensor:
        return self.module(x)  # type: ignore[misc]


class Activation(Layer):
    """Apply an activation by name ("relu", "sigmoid", "tanh", "softmax", "linear") or a callable.

    "softmax" acts on the channels (last) axis. Shapes: output = input. Example: Activation("softmax").
    """

    open_sizes = True

    def __init__(self, activation: str | Callable | None, **kwargs: Any):
        super().__init__(**kwargs)
        self._set_activation(activation)


class ReLU(Layer):
    """max(x, 0), or with ``negative_slope`` a leaky ReLU, capped at ``max_value`` when given.

    Shapes: output = input. Example: ReLU(max_value=6.0) is ReLU6.
    """

    open_sizes = True

    def __init__(
        self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs: Any
    ):
        super().__init__(**kwargs)
        if threshold != 0.0:
            raise ValueError(f'Layer "{self.name}": only threshold=0 is supported; received threshold={threshold!r}')
        owner = f'Layer "{self.name}"'
        self.negative_slope = check_number(owner, "negative_slope", negative_slope, lambda v: v >= 0, ">= 0")
        if max_value is not None:
            max_value = check_number(owner, "max_value", max_value, lambda v: v >= 0, ">= 0")
        self.max_value = max_value

    def _call(self, x: Tensor) -> Tensor:
        y = F.leaky_relu(x, self.negative_slope) if self.negative_slope else F.relu(x)
        return y if self.max_value is None else y.clip(None, self.max_value)


__all__ = [
    "Activation", "Add", "Average", "AveragePooling2D", "BatchNormalization", "Concatenate", "Conv2D",
    "Conv2DTranspose", "Cropping2D", "Dense", "DepthwiseConv2D", "Dropout", "ELU", "Embedding", "Flatten",
    "GaussianNoise", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Identity", "Input", "InputLayer", "Lambda",
    "Layer", "LayerNormalization", "LeakyReLU", "MaxPooling2D", "Maximum", "Minimum", "Multiply", "Normalization",
    "PReLU", "Permute", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "ReLU", "RepeatVector",
    "Rescaling", "Reshape", "SeparableConv2D", "Softmax", "SpatialDropout2D", "Subtract", "UpSampling2D",
    "ZeroPadding2D", "add", "average", "concatenate", "maximum", "minimum", "multiply", "subtract",
]
