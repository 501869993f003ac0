"""Convolution by im2col: unfold every filter-sized window into a column, then one matrix product.

Sizes follow the notes: OH = (H + 2P - FH) / S + 1 and OW likewise. When that is not a whole number the notes
call it an error, and so do we (``floor_mode=True`` drops the remainder as PyTorch does instead).

Layout: for stride 1 the unfolded input ``col`` has shape (C*FH*FW, N*OH*OW), so the product
W (OC, C*FH*FW) @ col is the output (OC, N, OH, OW), channels first in memory (``unfold_channels_first``).
Strided convolutions unfold per image, (N, C*FH*FW, OH*OW), giving (N, OC, OH*OW). ``im2col`` / ``col2im``
with the notes' layout (N*OH*OW, C*FH*FW) are kept as public functions for learners.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..parallel import matmul, split_work
from .linear import check_float_input


def pair(value: Any, name: str = "value") -> tuple[int, int]:
    """An int or a pair of ints as (height, width)."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints (height, width); received {value!r}")


def output_size(name: str, size: int, kernel: int, stride: int, pad: int, axis: str, floor: bool = False) -> int:
    """OH = (H + 2P - FH) / S + 1, refusing sizes that do not divide exactly unless ``floor``."""
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(
            f"{name}: the kernel ({kernel}) is larger than the padded input {axis} ({size} + 2*{pad} = "
            f"{size + 2 * pad}). Use a smaller kernel or more padding."
        )
    if span % stride and not floor:
        sym = "H" if axis == "height" else "W"
        raise ValueError(
            f"{name}: output {axis} ({sym} + 2*padding - kernel) / stride + 1 = ({size} + {2 * pad} - {kernel}) / "
            f"{stride} + 1 = {span / stride + 1:g} is not a whole number. Received input {axis} {sym}={size}, "
            f"kernel={kernel}, padding={pad}, stride={stride}. Change padding or stride so that "
            f"({sym} + 2*padding - kernel) is divisible by stride, or pass floor_mode=True to drop the remainder "
            "as PyTorch does."
        )
    return span // stride + 1


def _padded(x: Any, ph: int, pw: int) -> Any:
    if ph == 0 and pw == 0:
        return x
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def unfold(x: Any, kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int], out: tuple[int, int]) -> Any:
    """(N, C, H, W) -> (N, C, FH, FW, OH, OW): every window, copied into contiguous memory.

    One strided slice per kernel position (FH*FW copies of the whole output plane): a Python loop over the
    filter, never over images or pixels.
    """
    xp = get_array_module(x)
    (fh, fw), (sh, sw), (oh, ow) = kernel, stride, out
    x = _padded(x, *pad)
    n, c = x.shape[:2]
    col = xp.empty((n, c, fh, fw, oh, ow), dtype=x.dtype)
    for i in range(fh):
        for j in range(fw):
            col[:, :, i, j] = x[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw]
    return col


def fold(col: Any, shape: tuple[int, ...], stride: tuple[int, int], pad: tuple[int, int]) -> Any:
    """The adjoint of ``unfold``: add each window back where it came from. (N, C, FH, FW, OH, OW) -> shape."""
    xp = get_array_module(col)
    n, c, fh, fw, oh, ow = col.shape
    (sh, sw), (ph, pw) = stride, pad
    h, w = shape[2] + 2 * ph, shape[3] + 2 * pw
    x = xp.zeros((n, c, h, w), dtype=col.dtype)
    for i in range(fh):
        for j in range(fw):
            x[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += col[:, :, i, j]
    return x[:, :, ph : h - ph, pw : w - pw] if ph or pw else x


def im2col(x: Any, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> Any:
    """The notes' im2col: (N, C, H, W) -> (N*OH*OW, C*FH*FW), one row per output pixel."""
    n, c, h, w = x.shape
    oh = output_size("im2col", h, filter_h, stride, pad, "height")
    ow = output_size("im2col", w, filter_w, stride, pad, "width")
    col = unfold(x, (filter_h, filter_w), (stride, stride), (pad, pad), (oh, ow))
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col: Any, input_shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> Any:
    """The notes' col2im: (N*OH*OW, C*FH*FW) -> (N, C, H, W), summing overlaps (the exact adjoint of im2col)."""
    n, c, h, w = input_shape
    oh = output_size("col2im", h, filter_h, stride, pad, "height")
    ow = output_size("col2im", w, filter_w, stride, pad, "width")
    col6 = col.reshape(n, oh, ow, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    return fold(col6, input_shape, (stride, stride), (pad, pad))


def _span(i: int, pad: int, size: int, out: int) -> tuple[slice, slice]:
    """Along one axis, where kernel offset ``i`` lands inside the image: (image positions, output positions).

    Output position a of a stride-1 window reads image position a + i - pad; positions that fall in the padding
    are left out.
    """
    lo, hi = max(0, pad - i), min(out, size + pad - i)
    return slice(lo + i - pad, hi + i - pad), slice(lo, hi)


def unfold_channels_first(x: Any, kernel: tuple[int, int], pad: tuple[int, int], ones_row: bool = False) -> Any:
    """Stride-1 unfold, channels first: (N, C, H, W) -> col (C*FH*FW, N*OH*OW), row (c, i, j) holding
    x[n, c, a + i, b + j] (zero-padded) in column n*OH*OW + a*OW + b.

    Channels first, not images first: the convolution is then one large GEMM over the whole batch instead of
    one small GEMM per image (30-40% faster for the multi-channel layers), its (OC, N*OH*OW) result is the
    output in channels-first memory with no transpose, and the weight gradient is one GEMM of the output
    gradient in that same layout. ``ones_row`` appends a row of ones, so a bias column appended to the weights
    is added by the GEMM itself (no separate pass over the output) and the bias gradient comes out of the
    weight-gradient GEMM.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (fh, fw), (ph, pw) = kernel, pad
    oh, ow = h + 2 * ph - fh + 1, w + 2 * pw - fw + 1
    source = x.transpose(1, 0, 2, 3)
    rows = c * fh * fw
    col = xp.empty((rows + ones_row, n * oh * ow), dtype=x.dtype)
    windows = col[:rows].reshape(c, fh, fw, n, oh, ow)
    # The copies are split across threads, by channel (or by image for a one-channel input): these are short
    # strided runs, which one core copies at well under memory bandwidth. Each window is copied straight from
    # the image, clipped to where it lands inside; only the part that falls in the padding is zeroed (no padded
    # copy of the input).
    by_channel = c > 1

    def work(part: slice) -> None:
        cs, ns = (part, slice(None)) if by_channel else (slice(None), part)
        for i in range(fh):
            image_rows, out_rows = _span(i, ph, h, oh)
            for j in range(fw):
                image_cols, out_cols = _span(j, pw, w, ow)
                target = windows[cs, i, j, ns]
                target[:, :, : out_rows.start] = 0
                target[:, :, out_rows.stop :] = 0
                target[:, :, out_rows, : out_cols.start] = 0
                target[:, :, out_rows, out_cols.stop :] = 0
                target[:, :, out_rows, out_cols] = source[cs, ns, image_rows, image_cols]

    split_work(work, c if by_channel else n)
    if ones_row:
        col[rows] = 1
    return col


def fold_channels_first(col: Any, shape: tuple[int, ...], kernel: tuple[int, int], pad: tuple[int, int]) -> Any:
    """The adjoint of ``unfold_channels_first``: add each window's column back where it came from.

    col (C*FH*FW, N*OH*OW) -> (N, C, H, W), a view of contiguous channels-first memory. FH*FW shifted additions
    (split by channel across threads), each clipped to the part of the window that lands inside the image, so
    nothing is spent on the padding and the result needs no cropping (a contiguous gradient is faster for
    every op after it). The window landing on the most of the image (the centre one for "same" padding, which
    covers it all) is written rather than added, and only what it misses is zeroed.
    """
    xp = get_array_module(col)
    n, c, h, w = shape
    (fh, fw), (ph, pw) = kernel, pad
    oh, ow = h + 2 * ph - fh + 1, w + 2 * pw - fw + 1
    windows = col.reshape(c, fh, fw, n, oh, ow)
    out = xp.empty((c, n, h, w), dtype=col.dtype)

    first = (min(ph, fh - 1), min(pw, fw - 1))

    def work(part: slice) -> None:
        part_out, part_windows = out[part], windows[part]
        rows, wrows = _span(first[0], ph, h, oh)
        cols, wcols = _span(first[1], pw, w, ow)
        part_out[:, :, : rows.start] = 0
        part_out[:, :, rows.stop :] = 0
        part_out[:, :, rows, : cols.start] = 0
        part_out[:, :, rows, cols.stop :] = 0
        part_out[:, :, rows, cols] = part_windows[:, first[0], first[1], :, wrows, wcols]
        for i in range(fh):
            rows, wrows = _span(i, ph, h, oh)
            for j in range(fw):
                if (i, j) != first:
                    cols, wcols = _span(j, pw, w, ow)
                    part_out[:, :, rows, cols] += part_windows[:, i, j, :, wrows, wcols]

    split_work(work, c)
    return out.transpose(1, 0, 2, 3)


class Conv2d(Function):
    """2-D convolution (cross-correlation, as every framework computes it) over NCHW input.

    forward:  col = unfold(x); y = W.reshape(OC, -1) @ col
    backward: dW = gy @ col^T (db from the same GEMM, or the sum of gy);  dx = fold(W^T @ gy)
    The input gradient is skipped when the input needs none (the first layer's images), saving that work.
    """

    def __init__(self, stride: Any = 1, padding: Any = 0, floor_mode: bool = False):
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding")
        self.floor_mode = floor_mode
        if min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"conv2d: stride must be >= 1 and padding >= 0; received {stride} and {padding}")

    def forward(self, x, weight, bias=None):
        if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
            raise ValueError(
                f"conv2d: input of shape {x.shape} does not fit weight of shape {weight.shape}: expected input "
                f"(N, C, H, W) and weight (out_channels, C, FH, FW) with the same C"
            )
        check_float_input("conv2d", x, weight)
        oc, _, fh, fw = weight.shape
        n, _, h, w = x.shape
        oh = output_size("conv2d", h, fh, self.stride[0], self.padding[0], "height", self.floor_mode)
        ow = output_size("conv2d", w, fw, self.stride[1], self.padding[1], "width", self.floor_mode)
        self.x_shape, self.channels_first = x.shape, self.stride == (1, 1)
        if self.channels_first:
            col = unfold_channels_first(x, (fh, fw), self.padding, ones_row=bias is not None)
            w2 = weight.reshape(oc, -1)
            if bias is not None:
                w2 = get_array_module(x).concatenate([w2, bias[:, None]], axis=1)  # the bias column meets the ones row
            # (OC, N*OH*OW) is the output channels first in memory, which the next layer's unfold reads without
            # a transpose (elementwise ops in between keep the memory order).
            y = matmul(w2, col).reshape(oc, n, oh, ow).transpose(1, 0, 2, 3)
        else:
            col = unfold(x, (fh, fw), self.stride, self.padding, (oh, ow)).reshape(n, -1, oh * ow)
            y = matmul(weight.reshape(oc, -1), col).reshape(n, oc, oh, ow)
            if bias is not None:
                y += bias.reshape(1, oc, 1, 1)
        self.save_for_backward(col, weight)
        return y

    def backward(self, gy):
        col, weight = self.saved
        xp = get_array_module(gy)
        n, oc, oh, ow = gy.shape
        fh, fw = weight.shape[2:]
        needs = self.needs_input_grad
        gx = gw = gb = None
        has_bias = len(needs) > 2 and needs[2]
        if self.channels_first:
            # gy in col's layout (OC, N*OH*OW). It usually arrives channels first already (laid out like this
            # layer's output), and then this copies nothing.
            gy = xp.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(oc, -1)
            if needs[1] or has_bias:
                # One GEMM gives dW, and dbias too where col carries its row of ones. The operand with more rows
                # goes first (dW transposed when that is col): OpenBLAS ran these 15-40% faster that way
                # (DeepConvNet's second layer 4.8 -> 3.0 ms).
                both = matmul(col, gy.T).T if len(col) > oc else matmul(gy, col.T)
                gw = both[:, : weight[0].size].reshape(weight.shape) if needs[1] else None
                gb = both[:, -1] if has_bias else None  # a bias that needs a gradient was given: col has ones
            if needs[0]:
                gx = fold_channels_first(matmul(weight.reshape(oc, -1).T, gy), self.x_shape, (fh, fw), self.padding)
            return gx, gw, gb
        if needs[1]:
            # One small GEMM per image, then a sum: cheaper than tensordot's transposed copies of both.
            gw = matmul(gy.reshape(n, oc, -1), col.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
        if has_bias:
            gb = gy.sum(axis=(0, 2, 3))
        if needs[0]:
            gcol = matmul(weight.reshape(oc, -1).T, gy.reshape(n, oc, -1)).reshape(n, -1, fh, fw, oh, ow)
            gx = fold(gcol, self.x_shape, self.stride, self.padding)
        return gx, gw, gb


def conv2d(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, floor_mode: bool = False
) -> Tensor:
    """F.conv2d: x (N, C, H, W), weight (out_channels, C, FH, FW), bias (out_channels,) -> (N, out_channels, OH, OW).

    Example: conv2d(x, w) with x (100, 1, 28, 28) and w (30, 1, 5, 5) has shape (100, 30, 24, 24).
    """
    fn = Conv2d(stride, padding, floor_mode)
    return fn(x, weight) if bias is None else fn(x, weight, bias)
