"""Layers: thin Modules that hold parameters and call the ops in ``nn.functional``.

Shapes are PyTorch's: (N, features) for Linear and BatchNorm1d, (N, C, H, W) for the 2-D layers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..ops import activation, conv, linear, norm, pool, shape
from . import init
from .module import Module, Parameter, Sequential


def _empty(*shape: int) -> Parameter:
    return Parameter(backend.xp.zeros(shape, dtype=backend.get_default_dtype()))


def _whole(layer: str, name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, else an error naming the layer, the argument and what it received.

    PyTorch's layers take a zero size or stride at construction and fail later (or never); ours refuse at once.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an int; got {name}={value!r} of type {type(value).__name__}")
    _at_least(layer, name, value, value, minimum)
    return int(value)


def _whole_pair(layer: str, name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints as (height, width), each checked as ``_whole`` checks one."""
    pair = conv.pair(value, f"{layer}: {name}")
    _at_least(layer, name, min(pair), value, minimum)
    return pair


def _at_least(layer: str, name: str, smallest: Any, value: Any, minimum: int) -> None:
    if smallest < minimum:
        bound = "greater than zero" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{layer}: {name} must be {bound}, but got {name}={value!r}")


def _real(layer: str, name: str, value: Any, accept: Any, expected: str) -> float:
    """A finite number that ``accept`` takes, else an error naming the layer, the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer}: {name} must be a number; got {name}={value!r} of type {type(value).__name__}")
    if not (math.isfinite(value) and accept(value)):
        bound = f" {expected}" if expected else ""
        raise ValueError(f"{layer}: {name} must be a finite number{bound}, but got {name}={value!r}")
    return float(value)


def _input(layer: Module, x: Any) -> Any:
    """Refuse what is neither a Tensor nor an array, as PyTorch refuses a list: naming the type received."""
    if not (isinstance(x, Tensor) or hasattr(x, "__array_interface__") or hasattr(x, "__cuda_array_interface__")):
        raise TypeError(f"{type(layer).__name__}: input must be a Tensor (or an array), not {type(x).__name__}")
    return x


class Linear(Module):
    """Fully connected (the notes' Affine) layer: y = x W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Weights start from He initialisation (std = sqrt(2 / in_features)), suited to the ReLU networks the notes
    build; biases start at zero. (PyTorch draws both from a uniform distribution instead.)

    Shapes: input (N, in_features) -> output (N, out_features).
    Example: Linear(784, 50)(x) with x of shape (100, 784) has shape (100, 50).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features = _whole("Linear", "in_features", in_features)
        self.out_features = _whole("Linear", "out_features", out_features)
        self.weight = init.he_normal_(_empty(out_features, in_features))
        self.bias = _empty(out_features) if bias else None

    def forward(self, x: Any) -> Tensor:
        return linear.linear(_input(self, x), self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    """2-D convolution over (N, C, H, W) input.

    Args:
        in_channels: channels of the input (3 for RGB, 1 for grayscale).
        out_channels: number of filters, which is the number of output channels.
        kernel_size: filter height and width (an int or a pair).
        stride, padding: as in the output-size formula OH = (H + 2P - FH) / S + 1.
        bias: learn one bias per output channel (default True).
        floor_mode: when (H + 2P - FH) is not divisible by S, drop the remainder as PyTorch does instead of
            raising (ResNet's stride-2 layers need this).

    Weights start from He initialisation (std = sqrt(2 / (in_channels * FH * FW))); biases at zero.

    Shapes: input (N, in_channels, H, W) -> output (N, out_channels, OH, OW).
    Example: Conv2d(1, 30, 5)(x) with x of shape (100, 1, 28, 28) has shape (100, 30, 24, 24).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        bias: bool = True,
        floor_mode: bool = False,
    ):
        super().__init__()
        self.in_channels = _whole("Conv2d", "in_channels", in_channels)
        self.out_channels = _whole("Conv2d", "out_channels", out_channels)
        self.kernel_size = _whole_pair("Conv2d", "kernel_size", kernel_size)
        self.stride = _whole_pair("Conv2d", "stride", stride)
        self.padding = _whole_pair("Conv2d", "padding", padding, minimum=0)
        self.floor_mode = floor_mode
        self.weight = init.he_normal_(_empty(out_channels, in_channels, *self.kernel_size))
        self.bias = _empty(out_channels) if bias else None

    def forward(self, x: Any) -> Tensor:
        if _input(self, x).ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d({self.in_channels}, {self.out_channels}): expected input of shape "
                f"(N, {self.in_channels}, H, W); received {tuple(x.shape)}"
            )
        return conv.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.floor_mode)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class _Pool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        name = type(self).__name__
        k = _whole_pair(name, "kernel_size", kernel_size)
        _whole_pair(name, "stride", kernel_size if stride is None else stride)
        p = _whole_pair(name, "padding", padding, minimum=0)
        if p[0] > k[0] // 2 or p[1] > k[1] // 2:
            raise ValueError(f"{name}: padding must be at most half of kernel_size, but got padding={padding!r} "
                             f"and kernel_size={kernel_size!r}")
        # Kept as given (an int stays an int), as PyTorch's repr shows them.
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each window. Shapes: (N, C, H, W) -> (N, C, OH, OW); stride defaults to kernel_size.

    Example: MaxPool2d(2)(x) with x of shape (100, 30, 24, 24) has shape (100, 30, 12, 12).
    """

    is_max_pool = True

    def forward(self, x: Any) -> Tensor:
        return pool.max_pool2d(_input(self, x), self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over each window (LeNet's subsampling). Shapes as MaxPool2d."""

    def forward(self, x: Any) -> Tensor:
        return pool.avg_pool2d(_input(self, x), self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average down to ``output_size`` (1 gives ResNet's global average pooling): (N, C, H, W) -> (N, C, oh, ow)."""

    def __init__(self, output_size: Any = 1):
        super().__init__()
        _whole_pair("AdaptiveAvgPool2d", "output_size", output_size)
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return pool.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _BatchNorm(Module):
    expected_ndim: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True):
        super().__init__()
        name = type(self).__name__
        self.num_features = _whole(name, "num_features", num_features)
        self.eps = _real(name, "eps", eps, lambda v: v > 0, "> 0")
        self.momentum = _real(name, "momentum", momentum, lambda v: 0 <= v <= 1, "in [0, 1]")
        dtype = backend.get_default_dtype()
        self.weight = Parameter(backend.xp.ones(num_features, dtype=dtype)) if affine else None
        self.bias = _empty(num_features) if affine else None
        self.register_buffer("running_mean", backend.xp.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", backend.xp.ones(num_features, dtype=dtype))
        # PyTorch keeps this counter in the state dict; we keep it too so our files load with strict=True.
        self.register_buffer("num_batches_tracked", backend.xp.zeros((), dtype=backend.xp.int64))

    def forward(self, x: Any) -> Tensor:
        if _input(self, x).ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): expected input with {self.expected_ndim} axes and "
                f"{self.num_features} channels on axis 1; received shape {tuple(x.shape)}"
            )
        if self.training:
            self.num_batches_tracked += 1
        return norm.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, self.training, self.momentum, self.eps
        )

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) (or (N, C, L)) input, per feature C. Learns a scale (weight) and shift (bias)."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, per channel C (statistics over N, H and W)."""

    expected_ndim = (4,)


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1 / (1 - p); identity in eval."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        # p = 1 is allowed, as in PyTorch: every element is zeroed (no division by 1 - p happens).
        self.p = _real("Dropout", "p", p, lambda v: 0 <= v <= 1, "in [0, 1]")

    def forward(self, x: Any) -> Tensor:
        return norm.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class LocalResponseNorm(Module):
    """AlexNet's local response normalisation across ``size`` neighbouring channels."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = _whole("LocalResponseNorm", "size", size)
        self.alpha = _real("LocalResponseNorm", "alpha", alpha, lambda v: v >= 0, ">= 0")
        self.beta = _real("LocalResponseNorm", "beta", beta, lambda v: v >= 0, ">= 0")
        self.k = _real("LocalResponseNorm", "k", k, lambda v: v > 0, "> 0")

    def forward(self, x: Any) -> Tensor:
        return norm.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W): everything from ``start_dim`` on becomes one axis."""

    def __init__(self, start_dim: int = 1):
        super().__init__()
        self.start_dim = _whole("Flatten", "start_dim", start_dim, minimum=0)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        # The merged size spelled out, not -1: with N = 0 a -1 cannot be worked out (PyTorch gives (0, C*H*W)).
        return shape.reshape(x, (*x.shape[: self.start_dim], math.prod(x.shape[self.start_dim :])))


class _Activation(Module):
    fn: Any = None

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x)


class ReLU(_Activation):
    """max(0, x), elementwise."""

    fn = activation.relu
    commutes_with_max_pool = True  # relu(max(a, b)) == max(relu(a), relu(b)): see nn.module.chain


class Sigmoid(_Activation):
    """1 / (1 + exp(-x)), elementwise."""

    fn = activation.sigmoid


class Tanh(_Activation):
    fn = activation.tanh


class Identity(Module):
    """Returns its input unchanged (a placeholder, or the regression output's activation)."""

    def forward(self, x: Any) -> Any:
        return x


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = _real("LeakyReLU", "negative_slope", negative_slope, lambda v: True, "")

    def forward(self, x: Any) -> Tensor:
        return activation.leaky_relu(x, self.negative_slope)


class Softmax(Module):
    """Probabilities along ``dim`` (default the last axis)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return activation.softmax(x, self.dim)


class LogSoftmax(Softmax):
    def forward(self, x: Any) -> Tensor:
        return activation.log_softmax(x, self.dim)


class ResidualBlock(Module):
    """ResNet's basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    The shortcut is the identity when shape is kept, else a 1x1 convolution with the block's stride and a batch
    norm (the "projection shortcut"). Names follow torchvision's BasicBlock (conv1, bn1, conv2, bn2,
    downsample.0, downsample.1) so weights map onto it directly.

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H', W') with H' = floor((H - 1) / stride) + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride, 1, bias=False, floor_mode=True)
        self.bn1 = BatchNorm2d(out_channels)
        self.conv2 = Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = Sequential(
                Conv2d(in_channels, out_channels, 1, stride, 0, bias=False, floor_mode=True), BatchNorm2d(out_channels)
            )

    def forward(self, x: Any) -> Tensor:
        out = activation.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return activation.relu(out + shortcut)
