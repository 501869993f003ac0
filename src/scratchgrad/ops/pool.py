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


def _windows(x: Any, k: tuple, s: tuple, out: tuple) -> list:
    """One strided view per kernel position, in row-major order: view[n, c, a, b] = x[n, c, a*S + i, b*S + j]."""
    (fh, fw), (sh, sw), (oh, ow) = k, s, out
    return [x[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] for i in range(fh) for j in range(fw)]


def _pad(x: Any, p: tuple, value: float) -> Any:
    if p == (0, 0):
        return x
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)


def _tiles_exactly(x_shape: tuple, k: tuple, s: tuple, p: tuple, out: tuple) -> bool:
    """Windows that neither overlap nor leave anything out (2x2 stride 2 on an even size): every input element
    belongs to exactly one window, so the gradient can be written without zeroing or accumulating."""
    return s == k and p == (0, 0) and out[0] * k[0] == x_shape[2] and out[1] * k[1] == x_shape[3]


def _scatter(shares: Any, x: Any, k: tuple, s: tuple, p: tuple, out: tuple) -> Any:
    """Put each kernel position's share of the gradient (``shares(idx, out=view)``) back where its inputs were.

    The gradient is laid out in memory like the input ``x``: mixing a channels-first array (a convolution's
    output) with a batch-first one would make every elementwise pass jump around in memory.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    if _tiles_exactly(x.shape, k, s, p, out):
        gx = xp.empty_like(x)
        for idx, view in enumerate(_windows(gx, k, s, out)):
            shares(idx, view)  # written in place: no temporary, no read of gx
        return gx
    gx = xp.zeros_like(x) if p == (0, 0) else xp.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), dtype=x.dtype)
    for idx, view in enumerate(_windows(gx, k, s, out)):
        view += shares(idx, None)  # overlapping windows add up
    return gx[:, :, p[0] : p[0] + h, p[1] : p[1] + w]


class MaxPool2d(Function):
    """y = max over each window; the gradient goes to the first position in the window that holds the maximum.

    Forward is a running np.maximum over the kernel positions' views (FH*FW passes over the output, no index
    array). Backward finds, position by position, where the maximum sits and has not been claimed by an earlier
    position: that is PyTorch's tie rule, which matters because ReLU outputs are full of tied zeros.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        self.args = kernel_size, stride, padding

    def forward(self, x):
        xp = get_array_module(x)
        self.k, self.s, self.p, self.out = _pool_geometry("max_pool2d", x, *self.args)
        padded = _pad(x, self.p, -xp.inf)
        views = _windows(padded, self.k, self.s, self.out)
        y = views[0].copy() if len(views) == 1 else xp.maximum(views[0], views[1])
        for view in views[2:]:
            xp.maximum(y, view, out=y)
        self.save_for_backward(x, padded, y)  # padded is x itself unless there is padding
        return y

    def backward(self, gy):
        x, padded, y = self.saved
        xp = get_array_module(gy)
        views = _windows(padded, self.k, self.s, self.out)
        claimed = xp.zeros_like(y, dtype=bool)

        def share(idx: int, out: Any) -> Any:
            wins = views[idx] == y
            wins &= ~claimed  # a tie already taken by an earlier position
            xp.logical_or(claimed, wins, out=claimed)
            return xp.multiply(gy, wins, out=out)

        return _scatter(share, x, self.k, self.s, self.p, self.out)


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
        y = views[0].copy()
        for view in views[1:]:
            y += view
        y /= self.k[0] * self.k[1]
        self.save_for_backward(x)  # for its shape and memory layout (the graph holds it anyway)
        return y

    def backward(self, gy):
        (x,) = self.saved
        share = gy / gy.dtype.type(self.k[0] * self.k[1])

        def same_share(idx: int, out: Any) -> Any:
            if out is None:
                return share
            out[...] = share
            return out

        return _scatter(same_share, x, self.k, self.s, self.p, self.out)


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
