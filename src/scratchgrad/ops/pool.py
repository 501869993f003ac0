"""Max and average pooling over NCHW input, by strided slices (one per kernel position, never per pixel).

Output size: OH = floor((H + 2P - FH) / S) + 1, as PyTorch (pooling drops a remainder; convolution refuses one).
Max pooling pads with -inf and, like PyTorch, sends the gradient of a window to the first of tied maxima.
Average pooling counts padded zeros in the window (PyTorch's default ``count_include_pad=True``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autograd import Function
from ..backend import get_array_module
from ..parallel import split_work
from .geometry import output_size, pair
from .pad import padded

if TYPE_CHECKING:
    from ..tensor import Tensor


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


def _slices(x: Any, axis: int, k: int, s: int, n: int) -> list:
    """The K strided slices along one axis that a 1-D window of size K and stride S visits: slice i holds
    x[..., i + S*b, ...] for b < n."""
    index = [slice(None)] * x.ndim
    views = []
    for i in range(k):
        index[axis] = slice(i, i + s * n, s)
        views.append(x[tuple(index)])
    return views


def _running_max(views: list, out: Any) -> None:
    xp = get_array_module(out)
    if len(views) == 1:
        out[...] = views[0]
        return
    xp.maximum(views[0], views[1], out=out)
    for view in views[2:]:
        xp.maximum(out, view, out=out)


def _pad(x: Any, p: tuple, value: float) -> Any:
    return x if p == (0, 0) else padded(x, (p[0], p[0], p[1], p[1]), value)


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


def _route_to_first_max(g: Any, y: Any, source: Any, axis: int, k: int, s: int, n: int, grad: Any) -> None:
    """Backward of one 1-D max stage y = max_i slice_i(source): each element of ``g`` goes to the first slice
    that holds the maximum (PyTorch's tie rule), written into ``grad``, the gradient for ``source``.

    ``rest`` is the gradient not yet claimed: an earlier slice that holds the maximum takes it (rest - rest = 0
    exactly), so the last slice simply receives what is left without a comparison of its own.
    """
    xp = get_array_module(g)
    tiles = s == k and k * n == source.shape[axis]  # every element in exactly one window: write, never add
    if not tiles:
        grad[...] = 0
    views, targets = _slices(source, axis, k, s, n), _slices(grad, axis, k, s, n)
    rest = g
    for i in range(k - 1):
        share = xp.multiply(rest, views[i] == y, out=targets[i] if tiles else None)
        if not tiles:
            targets[i] += share
        last = tiles and i == k - 2
        rest = xp.subtract(rest, share, out=targets[-1] if last else None)
    if not tiles:
        targets[-1] += rest
    elif k == 1:
        targets[0][...] = rest


class MaxPool2d(Function):
    """y = max over each window; the gradient goes to the first position in the window that holds the maximum.

    The maximum is separable: first across each window's columns (m = max_j x[..., b*S + j], one strided slice
    per kernel column), then across its rows (y = max_i m[a*S + i, ...]). For 2x2 windows that is two passes
    instead of three, for 3x3 four instead of eight. Backward undoes the stages in reverse: the first row
    holding the maximum takes the gradient, then the first column within that row, which is the first maximum
    in row-major order: PyTorch's tie rule, which matters because images and ReLU outputs are full of tied
    values. These strided passes are bound by NumPy's short inner loops, not by memory, so the channels are
    split across threads (``parallel.split_work``).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        self.args = kernel_size, stride, padding

    def forward(self, x):
        xp = get_array_module(x)
        self.k, self.s, self.p, self.out = _pool_geometry("max_pool2d", x, *self.args)
        (fh, fw), (sh, sw), (oh, ow) = self.k, self.s, self.out
        # Only the rows and columns some window covers (floor mode may drop a remainder, as 11 -> 5 does).
        padded = _pad(x, self.p, -xp.inf)
        region = padded[:, :, : (oh - 1) * sh + fh, : (ow - 1) * sw + fw]
        # Outputs laid out in memory like the input (channels first after a convolution): mixing layouts would
        # make every pass jump around in memory.
        across = xp.empty_like(region[:, :, :, :ow])  # (N, C, rows, OW)
        y = xp.empty_like(region[:, :, :oh, :ow])
        # A region cut out of a larger array (11 x 11 -> 10 x 10) is copied into compact memory first: the passes
        # over it then run along whole rows, and backward writes a compact gradient.
        compact = region if region.shape == padded.shape else xp.empty_like(region)

        def work(part: slice) -> None:
            if compact is not region:
                compact[:, part] = region[:, part]
            _running_max(_slices(compact[:, part], 3, fw, sw, ow), across[:, part])
            _running_max(_slices(across[:, part], 2, fh, sh, oh), y[:, part])

        split_work(work, x.shape[1], x)
        self.x_shape = x.shape
        self.save_for_backward(compact, across, y)  # x itself unless there is padding or a remainder
        return y

    def backward(self, gy):
        region, across, y = self.saved
        xp = get_array_module(gy)
        (fh, fw), (sh, sw), (oh, ow), (ph, pw) = self.k, self.s, self.out, self.p
        n, c, h, w = self.x_shape
        hp, wp = h + 2 * ph, w + 2 * pw
        hc, wc = region.shape[2:]
        g_across = xp.empty_like(across)
        g_region = xp.empty_like(region)
        cropped = (hc, wc) != (hp, wp)  # a floor-mode remainder no window covers
        gx = xp.empty_like(region, shape=(n, c, hp, wp)) if cropped else g_region

        def work(part: slice) -> None:
            _route_to_first_max(gy[:, part], y[:, part], across[:, part], 2, fh, sh, oh, g_across[:, part])
            _route_to_first_max(g_across[:, part], across[:, part], region[:, part], 3, fw, sw, ow, g_region[:, part])
            if cropped:
                gx[:, part, hc:] = 0
                gx[:, part, :hc, wc:] = 0
                gx[:, part, :hc, :wc] = g_region[:, part]

        split_work(work, c, gy)
        return gx[:, :, ph : ph + h, pw : pw + w] if ph or pw else gx


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


class AdaptiveAvgPool2d(Function):
    """Average over PyTorch's adaptive windows: output row i covers input rows floor(i H / OH) to ceil((i+1) H / OH).

    The windows may overlap or differ in size when OH does not divide H; each input position gets gy / area from
    every window that holds it.
    """

    def __init__(self, output_size: tuple[int, int]):
        self.out = output_size

    def forward(self, x):
        self.shape = x.shape
        xp = get_array_module(x)
        y = xp.empty(x.shape[:2] + self.out, dtype=x.dtype)
        for (i, j), (rows, cols) in _adaptive_windows(x.shape[2:], self.out):
            y[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
        return y

    def backward(self, gy):
        gx = get_array_module(gy).zeros(self.shape, dtype=gy.dtype)
        for (i, j), (rows, cols) in _adaptive_windows(self.shape[2:], self.out):
            area = (rows.stop - rows.start) * (cols.stop - cols.start)
            gx[:, :, rows, cols] += (gy[:, :, i, j] / area)[:, :, None, None]
        return gx


def _adaptive_windows(size: tuple[int, int], out: tuple[int, int]) -> list:
    """((i, j), (row slice, column slice)) of every output position."""
    def edges(n: int, m: int) -> list[slice]:
        return [slice(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]

    rows, cols = edges(size[0], out[0]), edges(size[1], out[1])
    return [((i, j), (r, c)) for i, r in enumerate(rows) for j, c in enumerate(cols)]


def adaptive_avg_pool2d(x: Any, output_size: Any = 1) -> Tensor:
    """F.adaptive_avg_pool2d: (N, C, H, W) -> (N, C, OH, OW) for any output size (None keeps that input size).

    Sizes that divide the input run as ordinary average pooling (ResNet's global pooling is output size 1).
    """
    h, w = x.shape[-2:]
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    oh, ow = pair(tuple(n if s is None else s for s, n in zip(sizes, (h, w))), "output_size")
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow))
    return AdaptiveAvgPool2d((oh, ow))(x)
