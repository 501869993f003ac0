"""Padding: constant around NCHW input's spatial axes (each side its own width), and F.pad's four modes.

conv2d and the pooling ops pad symmetrically (P rows above and below). Keras's and TensorFlow's ``padding="same"``
needs more: when the total padding is odd it puts the extra row at the bottom (and the extra column on the
right). ``pad`` is that step on its own: forward copies the input into a larger array filled with ``value``;
backward slices the gradient of the input's region back out (the padding has no input behind it).
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from ..autograd import Function, Tensor, array_of
from ..backend import get_array_module
from .pointwise import clone
from .shape import getitem


def _widths(padding: Any) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a (height, width) pair, or four ints."""
    if isinstance(padding, int):
        padding = (padding,) * 4
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        padding = (padding[0], padding[0], padding[1], padding[1])
    if (
        not isinstance(padding, (tuple, list))
        or len(padding) != 4
        or not all(isinstance(p, int) and p >= 0 for p in padding)
    ):
        raise ValueError(
            f"pad: padding must be an int, a pair (height, width) or four ints (top, bottom, left, right), all "
            f">= 0; received {padding!r}"
        )
    return tuple(int(p) for p in padding)  # type: ignore[return-value]


def padded(x: Any, widths: tuple[int, int, int, int], value: float) -> Any:
    """x (N, C, H, W) surrounded by ``value``, (top, bottom, left, right) wide, laid out in memory like x.

    Not ``xp.pad`` or ``xp.full``: those return row-major memory, and a convolution's output is batch last;
    every later pass mixing the two layouts ran ~2x slower.
    """
    top, bottom, left, right = widths
    n, c, h, w = x.shape
    y = get_array_module(x).empty_like(x, shape=(n, c, top + h + bottom, left + w + right))
    y.fill(value)
    y[:, :, top : top + h, left : left + w] = x
    return y


class Pad2d(Function):
    """y = x surrounded by ``value``: (N, C, H, W) -> (N, C, top + H + bottom, left + W + right).

    forward:  y = full(value) laid out like x; y[:, :, top:top + H, left:left + W] = x
    backward: dx = gy[:, :, top:top + H, left:left + W]
    """

    def __init__(self, padding: Any, value: float = 0.0):
        self.widths = _widths(padding)
        self.value = value

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"pad: expected input of shape (N, C, H, W); received shape {x.shape}")
        self.hw = x.shape[2:]
        return padded(x, self.widths, self.value)

    def backward(self, gy):
        top, _, left, _ = self.widths
        h, w = self.hw
        # A copy, not a view: an optimizer or a later backward may write into the gradient it receives. In the
        # gradient's own memory order, like the input's.
        return gy[:, :, top : top + h, left : left + w].copy(order="K")


def pad(x: Any, padding: int | Sequence[int], value: float = 0.0) -> Tensor:
    """F.pad for NCHW input: ``padding`` is an int, (height, width) or (top, bottom, left, right).

    ``value`` fills the border (``-inf`` before max pooling, so the border never wins a window).

    Example: pad(x, (0, 1, 0, 1)) with x of shape (8, 3, 28, 28) has shape (8, 3, 29, 29): one row at the
    bottom and one column on the right, as Keras's "same" padding adds for a 2x2 kernel with stride 2 on 27.
    """
    return Pad2d(padding, value)(x)


class ConstantPad(Function):
    """y = x with ``value`` around its trailing axes, PyTorch's order: (last_left, last_right, prev_left, ...).

    backward: dx = gy with the border sliced off. F.pad of 4-D input over both spatial axes uses ``Pad2d``.
    """

    def __init__(self, widths: tuple[int, ...], value: float):
        self.widths = widths
        self.value = value

    def forward(self, x):
        xp = get_array_module(x)
        spec = self._spec(x.ndim)
        self.inner = tuple(slice(before, before + n) for (before, _), n in zip(spec, x.shape))
        y = xp.full(tuple(n + a + b for (a, b), n in zip(spec, x.shape)), self.value, dtype=x.dtype)
        y[self.inner] = x
        return y

    def _spec(self, ndim: int) -> list[tuple[int, int]]:
        pairs = [(self.widths[i], self.widths[i + 1]) for i in range(0, len(self.widths), 2)]
        return [(0, 0)] * (ndim - len(pairs)) + pairs[::-1]

    def backward(self, gy):
        return gy[self.inner].copy()


def _source_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """Which input position each position of a padded axis of size ``n`` reads, ``before`` + n + ``after`` long.

    reflect mirrors about the edge without repeating it (2 1 | 0 1 2 3 | 2 1), replicate repeats the edge
    (0 0 | 0 1 2 3 | 3 3), circular wraps around (2 3 | 0 1 2 3 | 0 1). A negative width crops that side; circular
    crops first and wraps what is left, as PyTorch does.
    """
    if mode == "circular":
        start, kept = _cropped(n, before, after)
        return start + np.arange(-max(before, 0), kept + max(after, 0)) % max(kept, 1)
    j = np.arange(-before, n + after)
    if mode == "reflect":
        return (n - 1) - np.abs((n - 1) - np.abs(j))
    return np.clip(j, 0, n - 1)


def _cropped(n: int, before: int, after: int) -> tuple[int, int]:
    """(first kept position, number kept) of an axis of size ``n`` once negative widths have cropped it."""
    start = max(-before, 0)
    return start, n - start - max(-after, 0)


_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_widths(pad: Any) -> tuple[int, ...]:
    """``pad`` as a tuple of ints of even length; a TypeError or ValueError naming what was received."""
    if not isinstance(pad, (tuple, list)) or not all(
        isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) for p in pad
    ):
        raise TypeError(f"pad: pad must be a tuple of ints, two per padded axis, last axis first; received {pad!r}")
    if len(pad) % 2:
        raise ValueError(
            f"pad: pad must be an even-length tuple of ints, two per padded axis (left, right of the last axis, "
            f"then of the one before, ...); received {tuple(pad)!r} ({len(pad)} values)"
        )
    return tuple(operator.index(p) for p in pad)


def _axes(shape: tuple[int, ...], pad: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(axis, before, after) for each padded axis, from the last one back, as PyTorch lists the widths."""
    return [(len(shape) - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _check_size(mode: str, shape: tuple[int, ...], pad: tuple[int, ...], smallest: int) -> None:
    """Refuse widths whose negative parts crop an axis below ``smallest`` elements."""
    for axis, before, after in _axes(shape, pad):
        if shape[axis] + before + after < smallest:
            raise ValueError(
                f'pad: mode="{mode}" with widths ({before}, {after}) on axis {axis} of size {shape[axis]} leaves '
                f"{shape[axis] + before + after} elements; at least {smallest} expected (input shape {shape})"
            )


def _constant(x: Any, pad: tuple[int, ...], value: float) -> Tensor:
    """Constant padding; negative widths crop first (a basic slice, whose gradient is a plain copy)."""
    shape = tuple(x.shape)
    if len(pad) // 2 > len(shape):
        raise ValueError(
            f"pad: pad has {len(pad)} values, two per padded axis, so at most {2 * len(shape)} (at most "
            f"{len(shape)} axes for input of shape {shape}); received {pad!r}"
        )
    if min(pad, default=0) < 0:
        _check_size("constant", shape, pad, 0)
        window = [slice(None)] * len(shape)
        for axis, before, after in _axes(shape, pad):
            window[axis] = slice(max(-before, 0), shape[axis] - max(-after, 0))
        x = getitem(x, tuple(window))
        pad = tuple(max(p, 0) for p in pad)
    if len(shape) == 4 and len(pad) == 4:
        left, right, top, bottom = pad
        return Pad2d((top, bottom, left, right), value)(x)
    return ConstantPad(pad, value)(x)


def _check_copying_mode(shape: tuple[int, ...], pad: tuple[int, ...], mode: str, value: Any) -> None:
    """PyTorch's rules for reflect, replicate and circular padding, each refusal naming the sizes involved."""
    k = len(pad) // 2
    if k not in (1, 2, 3) or len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(
            f'pad: mode="{mode}" pads the last 1, 2 or 3 axes of an input with one or two axes before them '
            f"(2 widths for (C, W) or (N, C, W), 4 for (C, H, W) or (N, C, H, W), 6 for (C, D, H, W) or "
            f"(N, C, D, H, W)); received {len(pad)} widths for input of shape {shape}"
        )
    if value not in (None, 0):
        raise ValueError(f'pad: mode="{mode}" copies the input into the border and takes no value; received {value!r}')
    if mode != "circular" and 0 in shape[len(shape) - k - 1 :]:
        raise ValueError(f'pad: mode="{mode}" needs every axis but the batch axis non-empty; received shape {shape}')
    for axis, before, after in _axes(shape, pad):
        n = shape[axis]
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(
                f'pad: mode="reflect" needs each width smaller than its axis (the edge is not repeated); received '
                f"widths ({before}, {after}) for axis {axis} of size {n} (input shape {shape})"
            )
        kept = _cropped(n, before, after)[1]
        if mode == "circular" and max(before, after) > kept:
            raise ValueError(
                f'pad: mode="circular" wraps around at most once, so each width must be at most the axis\'s size '
                f"(after negative widths crop it); received widths ({before}, {after}) for axis {axis} of size {n} "
                f"({kept} kept), input shape {shape}"
            )
    _check_size(mode, shape, pad, 0 if mode == "circular" else 1)


def torch_pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """F.pad as PyTorch spells it: ``pad`` = (left, right) of the last axis, then of the one before, ...

    mode: "constant" fills with ``value`` (0 by default) around any number of trailing axes; "reflect",
    "replicate" and "circular" copy input elements into the border (see ``_source_index``) around the last 1, 2 or
    3 axes of an input with one or two leading axes, as PyTorch: reflect needs each width < its axis, circular
    <= its axis. A negative width crops that side.
    Example: torch_pad(x, (1, 1, 2, 0), mode="reflect") with x (8, 3, 28, 28) has shape (8, 3, 30, 30).

    The copying modes are a gather (``getitem`` with one index array per padded axis), whose backward adds each
    output's gradient into the element it was read from, so border gradients land on the input's edge.
    """
    pad = _pad_widths(pad)
    if mode == "constant":
        return _constant(x, pad, 0.0 if value is None else value)
    if mode not in _MODES:
        raise NotImplementedError(f"pad: mode must be one of {', '.join(map(repr, _MODES))}; received {mode!r}")
    shape = tuple(x.shape)
    _check_copying_mode(shape, pad, mode, value)
    xp = get_array_module(array_of(x))
    y = x
    for i, (axis, before, after) in enumerate(_axes(shape, pad)):
        if before or after:
            y = getitem(y, (Ellipsis, xp.asarray(_source_index(mode, shape[axis], before, after))) + (slice(None),) * i)
    return clone(x) if y is x else y  # a new tensor even when nothing is padded, as PyTorch's
