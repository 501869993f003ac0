"""Layers: thin Modules that hold parameters and call the ops in ``nn.functional``.

This module holds Linear, Conv2d, the reshaping and argument-free activation layers and ResidualBlock, and
re-exports the pooling, normalisation and dropout layers (their own modules) so ``nn.layers`` lists every layer.

Shapes are PyTorch's: (N, features) for Linear and BatchNorm1d, (N, C, H, W) for the 2-D layers.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Tensor
from ..ops import activation, conv, linear, shape
from ..ops.pad import torch_pad
from . import init
from .checks import check_input, empty, whole, whole_pair
from .module import Module, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, Dropout, Dropout2d, LocalResponseNorm  # noqa: F401 (re-exported)
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d  # noqa: F401 (re-exported)

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Linear(Module):
    """Fully connected (the notes' Affine) layer: y = x W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Weights and biases start as PyTorch's do, from U(-1/sqrt(in_features), 1/sqrt(in_features)), so PyTorch
    programs start from PyTorch's numbers; the model zoo re-initialises with the notes' He initialisation.

    Shapes: input (N, in_features) -> output (N, out_features).
    Example: Linear(784, 50)(x) with x of shape (100, 784) has shape (100, 50).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features = whole("Linear", "in_features", in_features)
        self.out_features = whole("Linear", "out_features", out_features)
        self.weight = empty(out_features, in_features)
        self.bias = empty(out_features) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: weight and bias from U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        init.default_(self)

    def forward(self, x: Any) -> Tensor:
        return linear.linear(check_input(self, x), self.weight, self.bias)

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
        padding_mode: what fills the P rows and columns: "zeros" (default), or F.pad's "reflect", "replicate"
            or "circular" (the input is padded by F.pad, then convolved without padding, as PyTorch does).

    Weights and biases start as PyTorch's do, from U(-b, b) with b = 1/sqrt(in_channels * FH * FW).

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
        padding_mode: str = "zeros",
    ):
        super().__init__()
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"Conv2d: padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}; received {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.in_channels = whole("Conv2d", "in_channels", in_channels)
        self.out_channels = whole("Conv2d", "out_channels", out_channels)
        self.kernel_size = whole_pair("Conv2d", "kernel_size", kernel_size)
        self.stride = whole_pair("Conv2d", "stride", stride)
        self.padding = whole_pair("Conv2d", "padding", padding, minimum=0)
        self.floor_mode = floor_mode
        self.weight = empty(out_channels, in_channels, *self.kernel_size)
        self.bias = empty(out_channels) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: weight and bias from U(-b, b), b = 1/sqrt(in_channels * FH * FW)."""
        init.default_(self)

    def forward(self, x: Any) -> Tensor:
        if check_input(self, x).ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d({self.in_channels}, {self.out_channels}): expected input of shape "
                f"(N, {self.in_channels}, H, W); received {tuple(x.shape)}"
            )
        if self.padding_mode == "zeros":
            return conv.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.floor_mode)
        (ph, pw) = self.padding
        x = torch_pad(x, (pw, pw, ph, ph), mode=self.padding_mode)
        return conv.conv2d(x, self.weight, self.bias, self.stride, 0, self.floor_mode)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: the inverse of Flatten.

    Args:
        dim: the axis to split (negative counts from the end).
        unflattened_size: the sizes it becomes; their product must equal that axis's size (one may be -1).

    Shape: (N, C*H*W) -> (N, C, H, W) for Unflatten(1, (C, H, W)).
    Example: Unflatten(1, (16, 4, 4))(x) with x of shape (8, 256) has shape (8, 16, 4, 4).
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, but got dim={dim!r}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else None
        if not sizes or not all(isinstance(n, int) and (n >= 0 or n == -1) for n in sizes) or sizes.count(-1) > 1:
            raise ValueError(
                "Unflatten: unflattened_size must be a tuple of ints >= 0 (at most one -1), but got "
                f"unflattened_size={unflattened_size!r}"
            )
        self.dim, self.unflattened_size = dim, sizes

    def forward(self, x: Any) -> Tensor:
        x = check_input(self, x)
        dim = self.dim % x.ndim if -x.ndim <= self.dim < x.ndim else None
        known = math.prod(n for n in self.unflattened_size if n != -1)
        size = None if dim is None else x.shape[dim]
        if size is None or (known * (size // max(known, 1)) != size if -1 in self.unflattened_size else known != size):
            raise ValueError(
                f"Unflatten: cannot split dim {self.dim} of input of shape {tuple(x.shape)} into "
                f"{self.unflattened_size}"
            )
        return shape.reshape(x, (*x.shape[:dim], *self.unflattened_size, *x.shape[dim + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Flatten(Module):
    """Merge every axis from ``start_dim`` on into one: the step from feature maps to a Linear layer.

    Args:
        start_dim: the first axis merged (1 keeps the batch axis).

    Shape: (N, C, H, W) -> (N, C*H*W) for start_dim=1; N = 0 gives (0, C*H*W), as in PyTorch.
    Example: Flatten()(x) with x of shape (100, 12, 4, 4) has shape (100, 192).
    """

    def __init__(self, start_dim: int = 1):
        super().__init__()
        self.start_dim = whole("Flatten", "start_dim", start_dim, minimum=0)

    def forward(self, x: Any) -> Tensor:
        x = check_input(self, x)
        # The merged size spelled out, not -1: with N = 0 a -1 cannot be worked out (PyTorch gives (0, C*H*W)).
        return shape.reshape(x, (*x.shape[: self.start_dim], math.prod(x.shape[self.start_dim :])))


class _Activation(Module):
    fn: Any = None

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x)


class ReLU(_Activation):
    """max(0, x), elementwise.

    Args:
        inplace: accepted for PyTorch's signature (``nn.ReLU(inplace=True)``); the output is always a new tensor.

    Shape: any shape -> the same shape.
    Example: ReLU()(Tensor([-1.0, 2.0])) is [0.0, 2.0].
    """

    fn = activation.relu
    commutes_with_max_pool = True  # relu(max(a, b)) == max(relu(a), relu(b)): see nn.module.chain

    def __init__(self, inplace: bool = False):
        super().__init__()


class Sigmoid(_Activation):
    """1 / (1 + exp(-x)), elementwise: a probability from a score.

    Args: none.

    Shape: any shape -> the same shape.
    Example: Sigmoid()(Tensor([0.0])) is [0.5].
    """

    fn = activation.sigmoid


class Tanh(_Activation):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x), elementwise, in (-1, 1).

    Args: none.

    Shape: any shape -> the same shape.
    Example: Tanh()(Tensor([0.0, 100.0])) is [0.0, 1.0].
    """

    fn = activation.tanh


class Identity(Module):
    """Returns its input unchanged (a placeholder, or the regression output's activation).

    Args: any, accepted and ignored, as PyTorch's Identity does.

    Shape: any shape -> the same shape.
    Example: replacing a model's last layer by Identity() turns it into a feature extractor.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class ResidualBlock(Module):
    """ResNet's basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    The shortcut is the identity when shape is kept, else a 1x1 convolution with the block's stride and a batch
    norm (the "projection shortcut"). Names follow torchvision's BasicBlock (conv1, bn1, conv2, bn2,
    downsample.0, downsample.1) so weights map onto it directly.

    Args:
        in_channels, out_channels: channels in and out.
        stride: of the first convolution and the shortcut (2 halves height and width).

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H', W') with H' = floor((H - 1) / stride) + 1.
    Example: ResidualBlock(64, 128, stride=2)(x) with x of shape (8, 64, 32, 32) has shape (8, 128, 16, 16).
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
