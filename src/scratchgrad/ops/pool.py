"""Max and average pooling over NCHW input, by strided slices (one per kernel position, never per pixel).

Output size: OH = floor((H + 2P - FH) / S) + 1, as PyTorch (pooling drops a remainder; convolution refuses one).
Max pooling pads with -inf and, like PyTorch, sends the gradient of a window to the first of tied maxima.
Average pooling counts padded zeros in the window (PyTorch's default ``count_include_pad=True``).
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor
from ..backend import get_array_module
from .conv import output_size, pair


def _pool_geometry(name: str, x: Any, kernel: Any, stride: Any, padding: Any) -> tuple:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W); received shape {x.shape}")
    if x.dtype.kind != "f":
        # Summing uint8 windows would wrap around at 256 (and -inf padding has no integer value).
        raise TypeError(
            f"{name}: input has dtype {x.dtype}; expected a floating dtype. Convert integer images first, "
            "e.g. x.astype('float32') / 255."
        )
    k = pair(kernel, "kernel_size")
    s = k if stride is None else pair(stride, "stride")
    p = pair(padding, "padding")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    oh = output_size(name, x.shape[2], k[0], s[0], p[0], "height", floor=True)
    ow = output_size(name, x.shape[3], k[1], s[1], p[1], "width", floor=True)
    return k, s, p, (oh, ow)


def _windows(x: Any, k: tuple, s: tuple, out: tuple):
    """Yield (position index, i, j, view) for each kernel position: view[n, c, a, b] = x[n, c, a*S+i, b*S+j]."""
    (fh, fw), (sh, sw), (oh, ow) = k, s, out
    for i in range(fh):
        for j in range(fw):
            yield i * fw + j, i, j, x[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw]


def _pad(x: Any, p: tuple, value: float) -> Any:
    if p == (0, 0):
        return x
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)


def _scatter(gy_parts: Any, x_shape: tuple, k: tuple, s: tuple, p: tuple, out: tuple, dtype: Any) -> Any:
    """Add each kernel position's share of the gradient back into an input-shaped array."""
    xp = get_array_module(gy_parts(0))
    n, c, h, w = x_shape
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    gx = xp.zeros((n, c, hp, wp), dtype=dtype)
    overlapping = s[0] < k[0] or s[1] < k[1]
    for idx, _, _, view in _windows(gx, k, s, out):
        if overlapping:
            view += gy_parts(idx)
        else:  # disjoint windows: plain assignment, no read of gx needed
            view[...] = gy_parts(idx)
    return gx[:, :, p[0] : p[0] + h, p[1] : p[1] + w]


class MaxPool2d(Function):
    """y = max over each window; the gradient goes to the (first) position that held the maximum."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        self.args = kernel_size, stride, padding

    def forward(self, x):
        xp = get_array_module(x)
        self.k, self.s, self.p, self.out = _pool_geometry("max_pool2d", x, *self.args)
        views = _windows(_pad(x, self.p, -xp.inf), self.k, self.s, self.out)
        _, _, _, first = next(views)
        y = first.copy()
        argmax = xp.zeros(y.shape, dtype=xp.uint8 if self.k[0] * self.k[1] <= 256 else xp.int32)
        for idx, _, _, view in views:
            better = view > y  # strict: an equal later value does not take the gradient (PyTorch's rule)
            xp.copyto(y, view, where=better)
            argmax[better] = idx
        self.save_for_backward(argmax)
        self.x_shape, self.dtype = x.shape, x.dtype
        return y

    def backward(self, gy):
        (argmax,) = self.saved
        return _scatter(lambda idx: gy * (argmax == idx), self.x_shape, self.k, self.s, self.p, self.out, gy.dtype)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """F.max_pool2d: (N, C, H, W) -> (N, C, OH, OW); ``stride`` defaults to ``kernel_size``."""
    return MaxPool2d(kernel_size, stride, padding)(x)


class AvgPool2d(Function):
    """y = mean over each window; each input position gets gy / (FH * FW) from every window containing it."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        self.args = kernel_size, stride, padding

    def forward(self, x):
        self.k, self.s, self.p, self.out = _pool_geometry("avg_pool2d", x, *self.args)
        views = _windows(_pad(x, self.p, 0), self.k, self.s, self.out)
        _, _, _, first = next(views)
        y = first.copy()
        for _, _, _, view in views:
            y += view
        y /= self.k[0] * self.k[1]
        self.x_shape = x.shape
        return y

    def backward(self, gy):
        share = gy / (self.k[0] * self.k[1])
        return _scatter(lambda idx: share, self.x_shape, self.k, self.s, self.p, self.out, gy.dtype)


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """F.avg_pool2d: (N, C, H, W) -> (N, C, OH, OW); ``stride`` defaults to ``kernel_size``."""
    return AvgPool2d(kernel_size, stride, padding)(x)


def adaptive_avg_pool2d(x: Any, output_size: Any = 1) -> Tensor:
    """Average to a fixed output size; here for sizes that divide the input (ResNet's global pooling is 1)."""
    h, w = x.shape[2:]
    oh, ow = pair(output_size, "output_size")
    if h % oh or w % ow:
        raise ValueError(f"adaptive_avg_pool2d: output size {(oh, ow)} must divide the input size {(h, w)}")
    return avg_pool2d(x, (h // oh, w // ow))
