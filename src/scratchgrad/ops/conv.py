"""Convolution by im2col: unfold every filter-sized window into a column, then one matrix product.

Sizes follow the notes: OH = (H + 2P - FH) / S + 1 and OW likewise. When that is not a whole number the notes
call it an error, and so do we (``floor_mode=True`` drops the remainder as PyTorch does instead).

Layout: the unfolded input ``col`` has shape (C*FH*FW, OH*OW*N), batch last, so the product
W (OC, C*FH*FW) @ col is the output (OC, OH, OW, N) in memory, and the next layer unfolds it in long
contiguous runs (``unfold``). ``im2col`` / ``col2im`` with the notes' layout (N*OH*OW, C*FH*FW) are kept as
public functions for learners, built on the same unfold and fold.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..autograd import Function
from ..backend import get_array_module
from ..parallel import matmul, split_work
from .geometry import output_size, pair
from .linear import check_float_input

if TYPE_CHECKING:
    from ..tensor import Tensor


def _span(i: int, pad: int, size: int, out: int, stride: int = 1) -> tuple[slice, slice]:
    """Along one axis, where kernel offset ``i`` lands inside the image: (image positions, output positions).

    Output position a reads image position a*S + i - pad; the positions that fall in the padding are left out
    (the output slice may be empty when the offset only ever lands in padding).
    """
    lo = max(0, -((i - pad) // stride))  # the first a with a*S + i - pad >= 0
    hi = max(lo, min(out, (size - 1 + pad - i) // stride + 1))  # one past the last a with a*S + i - pad < size
    start = lo * stride + i - pad
    return slice(start, start + (hi - lo - 1) * stride + 1 if hi > lo else start, stride), slice(lo, hi)


def _tap_spans(tap: int, kernel: tuple, stride: tuple, pad: tuple, size: tuple, out: tuple) -> tuple:
    """(image rows, output rows, image columns, output columns) that kernel position ``tap`` (row-major in the
    FH x FW kernel) connects, clipped to the image."""
    fw = kernel[1]
    rows = _span(tap // fw, pad[0], size[0], out[0], stride[0])
    cols = _span(tap % fw, pad[1], size[1], out[1], stride[1])
    return (*rows, *cols)


@functools.lru_cache(maxsize=256)
def _all_tap_spans(kernel: tuple, stride: tuple, pad: tuple, size: tuple, out: tuple) -> tuple:
    """``_tap_spans`` of every kernel position, each with a flag: does its window lie wholly inside the image?

    The same for every call of a layer, so computed once per geometry (recomputing them took ~0.3 ms of a
    5 ms training step of a two-convolution network).
    """
    spans = []
    for tap in range(kernel[0] * kernel[1]):
        image_rows, out_rows, image_cols, out_cols = _tap_spans(tap, kernel, stride, pad, size, out)
        inside = (out_rows.start, out_rows.stop, out_cols.start, out_cols.stop) == (0, out[0], 0, out[1])
        spans.append((image_rows, out_rows, image_cols, out_cols, inside))
    return tuple(spans)


def _zero_outside(a: Any, rows: slice, cols: slice) -> None:
    """Zero a[:, r, c] (axes 1 and 2 of ``a``) everywhere outside rows x cols."""
    a[:, : rows.start] = 0
    a[:, rows.stop :] = 0
    a[:, rows, : cols.start] = 0
    a[:, rows, cols.stop :] = 0


def _batch_last(x: Any) -> Any:
    """(N, C, H, W) -> a (C, H, W, N) view of contiguous memory, copying only when x is not laid out so already."""
    xp = get_array_module(x)
    return xp.ascontiguousarray(x.transpose(1, 2, 3, 0))


def unfold(x: Any, kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int], out: tuple[int, int],
           ones_row: bool = False) -> Any:
    """Every window of x (N, C, H, W), batch last: col (C*FH*FW, OH*OW*N), row (c, i, j) holding
    x[n, c, a*S + i, b*S + j] (zero where the window reaches into the padding) in column (a*OW + b)*N + n.

    Batch last, as cuda-convnet lays out its activations: the convolution is one GEMM over the whole batch, its
    (OC, OH*OW*N) result is the output (C, H, W, N) in memory with no transpose, and every copy here moves
    runs of OW*N contiguous floats (channels first, the runs would be only OW long, and NumPy's per-run
    overhead would dominate; docs/performance.md has the numbers).
    ``ones_row`` appends a row of ones, so a bias column appended to the weights is added by the GEMM itself
    (no separate pass over the output) and the bias gradient comes out of the weight-gradient GEMM.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (fh, fw), (oh, ow) = kernel, out
    source = _batch_last(x)  # a first layer's (N, C, H, W) images are copied once, not gathered nine times
    rows = c * fh * fw
    col = xp.empty((rows + ones_row, oh * ow * n), dtype=x.dtype)
    windows = col[:rows].reshape(c, fh * fw, oh, ow, n)

    # Copies are split across threads by channel, or by kernel position for a one-channel input. Each window
    # is copied straight from the image, clipped to where it lands inside; only what falls in the padding is
    # zeroed (no padded copy of the input).
    spans = _all_tap_spans(kernel, stride, pad, (h, w), out)

    def copy(cs: slice, taps: range) -> None:
        for tap in taps:
            image_rows, out_rows, image_cols, out_cols, inside = spans[tap]
            target = windows[cs, tap]
            if not inside:
                _zero_outside(target, out_rows, out_cols)
            target[:, out_rows, out_cols] = source[cs, image_rows, image_cols]

    if c > 1:
        split_work(lambda part: copy(part, range(fh * fw)), c, x)
    else:
        split_work(lambda part: copy(slice(None), range(fh * fw)[part]), fh * fw, x)
    if ones_row:
        col[rows] = 1
    return col


def fold(col: Any, shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
         pad: tuple[int, int], out: tuple[int, int]) -> Any:
    """The adjoint of ``unfold``: add each window's column back where it came from.

    col (C*FH*FW, OH*OW*N) -> (N, C, H, W), a view of contiguous (C, H, W, N) memory. FH*FW shifted
    additions (split by channel across threads), each clipped to the part of the window inside the image, so
    nothing is spent on the padding and nothing needs cropping. For stride 1 the window landing on the most of
    the image (the centre one for "same" padding, which covers it all) is written rather than added, and only
    what it misses is zeroed; a strided convolution's windows each cover only every S-th position, so there
    the output starts from zeros.
    """
    xp = get_array_module(col)
    n, c, h, w = shape
    (fh, fw), (sh, sw), (ph, pw), (oh, ow) = kernel, stride, pad, out
    windows = col.reshape(c, fh * fw, oh, ow, n)
    gx = xp.empty((c, h, w, n), dtype=col.dtype)
    first = min(ph, fh - 1) * fw + min(pw, fw - 1) if (sh, sw) == (1, 1) else None
    spans = _all_tap_spans(kernel, stride, pad, (h, w), out)

    def work(part: slice) -> None:
        part_out, part_windows = gx[part], windows[part]
        if first is None:
            part_out[...] = 0
        else:
            rows, wrows, cols, wcols, _ = spans[first]
            _zero_outside(part_out, rows, cols)
            part_out[:, rows, cols] = part_windows[:, first, wrows, wcols]
        for tap in range(fh * fw):
            if tap != first:
                rows, wrows, cols, wcols, _ = spans[tap]
                part_out[:, rows, cols] += part_windows[:, tap, wrows, wcols]

    split_work(work, c, col)
    return gx.transpose(3, 0, 1, 2)


def im2col(x: Any, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> Any:
    """The notes' im2col: (N, C, H, W) -> (N*OH*OW, C*FH*FW), one row per output pixel."""
    n, c, h, w = x.shape
    oh = output_size("im2col", h, filter_h, stride, pad, "height")
    ow = output_size("im2col", w, filter_w, stride, pad, "width")
    col = unfold(x, (filter_h, filter_w), (stride, stride), (pad, pad), (oh, ow))
    return col.reshape(-1, oh, ow, n).transpose(3, 1, 2, 0).reshape(n * oh * ow, -1)


def col2im(col: Any, input_shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> Any:
    """The notes' col2im: (N*OH*OW, C*FH*FW) -> (N, C, H, W), summing overlaps (the exact adjoint of im2col)."""
    n, c, h, w = input_shape
    oh = output_size("col2im", h, filter_h, stride, pad, "height")
    ow = output_size("col2im", w, filter_w, stride, pad, "width")
    xp = get_array_module(col)
    batch_last = xp.ascontiguousarray(col.reshape(n, oh, ow, -1).transpose(3, 1, 2, 0)).reshape(-1, oh * ow * n)
    return fold(batch_last, tuple(input_shape), (filter_h, filter_w), (stride, stride), (pad, pad), (oh, ow))


class Conv2d(Function):
    """2-D convolution (cross-correlation, as every framework computes it) over NCHW input.

    forward:  col = unfold(x); y = W.reshape(OC, -1) @ col
    backward: dW = gy @ col^T (db from the same GEMM);  dx = fold(W^T @ gy)
    The output is (C, H, W, N) in memory (see ``unfold``), which is what the next layer's unfold reads; the
    elementwise ops and pooling in between keep that memory order. The input gradient is skipped when the
    input needs none (the first layer's images), saving that work.
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
        check_float_input("conv2d", x, weight, bias)
        oc, _, fh, fw = weight.shape
        n, _, h, w = x.shape
        oh = output_size("conv2d", h, fh, self.stride[0], self.padding[0], "height", self.floor_mode)
        ow = output_size("conv2d", w, fw, self.stride[1], self.padding[1], "width", self.floor_mode)
        self.x_shape, self.out = x.shape, (oh, ow)
        col = unfold(x, (fh, fw), self.stride, self.padding, self.out, ones_row=bias is not None)
        w2 = weight.reshape(oc, -1)
        if bias is not None:
            w2 = get_array_module(x).concatenate([w2, bias[:, None]], axis=1)  # the bias column meets the ones row
        y = matmul(w2, col).reshape(oc, oh, ow, n).transpose(3, 0, 1, 2)
        self.save_for_backward(col, weight)
        return y

    def backward(self, gy):
        col, weight = self.saved
        oc, fh, fw = weight.shape[0], weight.shape[2], weight.shape[3]
        needs = self.needs_input_grad
        gx = gw = gb = None
        has_bias = len(needs) > 2 and needs[2]
        # gy in col's layout (OC, OH*OW*N). It usually arrives so already (laid out like this layer's output),
        # and then this copies nothing.
        gy = _batch_last(gy).reshape(oc, -1)
        if needs[1] or has_bias:
            # One GEMM gives dW, and dbias too where col carries its row of ones. The operand with more rows goes
            # first (dW transposed when that is col): OpenBLAS runs the taller-first product faster.
            both = matmul(col, gy.T).T if len(col) > oc else matmul(gy, col.T)
            gw = both[:, : weight[0].size].reshape(weight.shape) if needs[1] else None
            gb = both[:, -1] if has_bias else None  # a bias that needs a gradient was given: col has ones
        if needs[0]:
            gcol = matmul(weight.reshape(oc, -1).T, gy)
            gx = fold(gcol, self.x_shape, (fh, fw), self.stride, self.padding, self.out)
        return gx, gw, gb


def conv2d(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, floor_mode: bool = False
) -> Tensor:
    """F.conv2d: x (N, C, H, W), weight (out_channels, C, FH, FW), bias (out_channels,) -> (N, out_channels, OH, OW).

    Example: conv2d(x, w) with x (100, 1, 28, 28) and w (30, 1, 5, 5) has shape (100, 30, 24, 24).
    """
    fn = Conv2d(stride, padding, floor_mode)
    return fn(x, weight) if bias is None else fn(x, weight, bias)
