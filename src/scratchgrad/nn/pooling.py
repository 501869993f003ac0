"""Pooling layers: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d over (N, C, H, W) input (no weights)."""

from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..ops import pool
from .checks import check_input, whole, whole_pair
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        name = type(self).__name__
        k = whole_pair(name, "kernel_size", kernel_size)
        whole_pair(name, "stride", kernel_size if stride is None else stride)
        p = whole_pair(name, "padding", padding, minimum=0)
        if p[0] > k[0] // 2 or p[1] > k[1] // 2:
            raise ValueError(f"{name}: padding must be at most half of kernel_size, but got padding={padding!r} "
                             f"and kernel_size={kernel_size!r}")
        # Kept as given (an int stays an int), as PyTorch's repr shows them.
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each window, per channel; no weights to learn.

    Args:
        kernel_size: window height and width (an int or a pair).
        stride: step between windows (defaults to kernel_size: windows that do not overlap).
        padding: -inf rows and columns added on each side, at most half the kernel.

    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2 * padding - kernel) / stride) + 1 (a remainder
    is dropped, as in PyTorch). The gradient of a window goes to its first maximum.
    Example: MaxPool2d(2)(x) with x of shape (100, 30, 24, 24) has shape (100, 30, 12, 12).
    """

    is_max_pool = True

    def forward(self, x: Any) -> Tensor:
        return pool.max_pool2d(check_input(self, x), self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over each window, per channel (LeNet's subsampling); no weights to learn.

    Args:
        kernel_size: window height and width (an int or a pair).
        stride: step between windows (defaults to kernel_size).
        padding: zero rows and columns added on each side, at most half the kernel; the zeros count in the
            mean (PyTorch's count_include_pad=True).

    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2 * padding - kernel) / stride) + 1.
    Example: AvgPool2d(2)(x) with x of shape (8, 6, 28, 28) has shape (8, 6, 14, 14).
    """

    def forward(self, x: Any) -> Tensor:
        return pool.avg_pool2d(check_input(self, x), self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average down to a fixed size whatever the input's, with PyTorch's windows (which may overlap).

    Args:
        output_size: (OH, OW), or one int for both; None in either place keeps that input size.

    Shape: (N, C, H, W) -> (N, C, OH, OW).
    Example: AdaptiveAvgPool2d(1)(x) with x of shape (8, 512, 7, 7) has shape (8, 512, 1, 1) (ResNet's global
    average pooling); AdaptiveAvgPool2d((5, 7)) turns (1, 64, 8, 9) into (1, 64, 5, 7).
    """

    def __init__(self, output_size: Any = 1):
        super().__init__()
        sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
        if len(sizes) != 2:
            raise ValueError(f"AdaptiveAvgPool2d: output_size must be an int or a pair, but got {output_size!r}")
        for size in sizes:
            if size is not None:
                whole("AdaptiveAvgPool2d", "output_size", size)
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return pool.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
