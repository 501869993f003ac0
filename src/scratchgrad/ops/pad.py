"""Constant padding of the two spatial axes of NCHW input, each side its own width.

conv2d and the pooling ops pad symmetrically (P rows above and below). Keras's and TensorFlow's ``padding="same"``
needs more: when the total padding is odd it puts the extra row at the bottom (and the extra column on the
right). ``pad`` is that step on its own: forward copies the input into a larger array filled with ``value``;
backward slices the gradient of the input's region back out (the padding has no input behind it).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Function, Tensor
from ..backend import get_array_module


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


def torch_pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """F.pad as PyTorch spells it: ``pad`` = (left, right) of the last axis, then of the one before, ...

    Only ``mode="constant"`` (filled with ``value``, 0 by default); widths must be >= 0.
    Example: torch_pad(x, (1, 1, 2, 0)) with x (8, 3, 28, 28) has shape (8, 3, 30, 30).
    """
    if mode != "constant":
        raise NotImplementedError(f'pad: only mode="constant" is implemented; received mode={mode!r}')
    ndim = len(x.shape)
    ok = isinstance(pad, (tuple, list)) and len(pad) % 2 == 0 and len(pad) // 2 <= ndim
    if not ok or not all(isinstance(p, int) and p >= 0 for p in pad):
        raise ValueError(
            f"pad: pad must be an even-length tuple of ints >= 0, two per padded axis (at most {ndim} axes for "
            f"input of shape {tuple(x.shape)}), last axis first; received {pad!r}"
        )
    value = 0.0 if value is None else value
    if ndim == 4 and len(pad) == 4:
        left, right, top, bottom = pad
        return Pad2d((top, bottom, left, right), value)(x)
    return ConstantPad(tuple(pad), value)(x)
