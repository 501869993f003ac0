"""Arithmetic, elementwise functions and reductions, each with its backward beside its forward.

Broadcasting follows NumPy on either side of a binary op; ``unbroadcast`` sums a gradient back down to the
shape of the input it belongs to (the reverse of broadcasting).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import parallel
from ..autograd import Function
from ..backend import get_array_module
from .promotion import Cast, cast, torch_operands, weak_float  # noqa: F401  (cast is one of the ops)

if TYPE_CHECKING:
    from ..tensor import Tensor


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape`` again."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(x)


class Add(Function):
    """y = a + b; dy/da = dy/db = 1."""

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return weak_float(a + b, a, b)

    def backward(self, gy):
        na, nb = self.needs_input_grad
        return (unbroadcast(gy, self.shapes[0]) if na else None, unbroadcast(gy, self.shapes[1]) if nb else None)


def add(a: Any, b: Any) -> Tensor:
    return Add()(*torch_operands(a, b))


class Sub(Function):
    """y = a - b; dy/da = 1, dy/db = -1."""

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return weak_float(a - b, a, b)

    def backward(self, gy):
        na, nb = self.needs_input_grad
        return (unbroadcast(gy, self.shapes[0]) if na else None, unbroadcast(-gy, self.shapes[1]) if nb else None)


def sub(a: Any, b: Any) -> Tensor:
    return Sub()(*torch_operands(a, b))


class Mul(Function):
    """y = a * b; dy/da = b, dy/db = a (the notes' MulLayer)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return weak_float(a * b, a, b)

    def backward(self, gy):
        a, b = self.saved
        na, nb = self.needs_input_grad
        return (unbroadcast(gy * b, _shape(a)) if na else None, unbroadcast(gy * a, _shape(b)) if nb else None)


def mul(a: Any, b: Any) -> Tensor:
    return Mul()(*torch_operands(a, b))


class Div(Function):
    """y = a / b; dy/da = 1 / b, dy/db = -a / b^2."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return weak_float(a / b, a, b)

    def backward(self, gy):
        a, b = self.saved
        na, nb = self.needs_input_grad
        ga = unbroadcast(gy / b, _shape(a)) if na else None
        gb = unbroadcast(-gy * a / (b * b), _shape(b)) if nb else None
        return ga, gb


def div(a: Any, b: Any) -> Tensor:
    return Div()(*torch_operands(a, b))


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


def neg(x: Any) -> Tensor:
    return Neg()(x)


class Pow(Function):
    """y = x ** c; dy/dx = c * x ** (c - 1), dy/dc = y * log(x)."""

    def forward(self, x, c):
        y = weak_float(x**c, x, c)
        self.save_for_backward(x, c, y)
        return y

    def backward(self, gy):
        x, c, y = self.saved
        nx, nc = self.needs_input_grad
        gx = gc = None
        if nx:
            gx = unbroadcast(gy * (2 * x if isinstance(c, (int, float)) and c == 2 else c * x ** (c - 1)), _shape(x))
        if nc:
            xp = get_array_module(y)
            gc = unbroadcast(gy * y * xp.log(x), _shape(c))
        return gx, gc


def pow(x: Any, c: Any) -> Tensor:  # noqa: A001  (the field's name for it)
    return Pow()(*torch_operands(x, c))


class MatMul(Function):
    """y = a @ b; dy/da = gy @ b^T, dy/db = a^T @ gy (batched and 1-D operands as in NumPy)."""

    def forward(self, a, b):
        _check_matmul(a, b)
        self.save_for_backward(a, b)
        return parallel.matmul(a, b)

    def backward(self, gy):
        a, b = self.saved
        xp = get_array_module(gy)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # Put back the axes a 1-D operand dropped from the output (..., n, m), the last one first: for
        # vector @ vector gy is 0-d and has no axis -2 until the trailing one is back.
        if b.ndim == 1:
            gy = xp.expand_dims(gy, -1)
        if a.ndim == 1:
            gy = xp.expand_dims(gy, -2)
        na, nb = self.needs_input_grad
        ga = unbroadcast(parallel.matmul(gy, xp.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape) if na else None
        gb = unbroadcast(parallel.matmul(xp.swapaxes(a2, -1, -2), gy), b2.shape).reshape(b.shape) if nb else None
        return ga, gb


def _check_matmul(a: Any, b: Any) -> None:
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError(f"matmul: operands must have at least one axis; received shapes {_shape(a)} and {_shape(b)}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not match: the last axis of the first ({k_a}) must equal "
            f"the {'only' if b.ndim == 1 else 'second-to-last'} axis of the second ({k_b})"
        )
    if a.dtype != b.dtype and a.dtype.kind == b.dtype.kind == "f":
        # As PyTorch: float32 @ float64 would silently be float64. (Integer images times float weights stay
        # allowed: NumPy computes them in the float type.)
        raise RuntimeError(
            f"matmul: both operands must have the same dtype; received {a.dtype} and {b.dtype}. Convert one "
            "first, e.g. b.to(a.dtype)"
        )


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul()(a, b)


class Exp(Function):
    def forward(self, x):
        y = get_array_module(x).exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * y


def exp(x: Any) -> Tensor:
    return Exp()(x)


class Log(Function):
    """Natural logarithm; dy/dx = 1 / x."""

    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).log(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy / x


def log(x: Any) -> Tensor:
    return Log()(x)


class Sqrt(Function):
    def forward(self, x):
        y = get_array_module(x).sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy / (2 * y)


def sqrt(x: Any) -> Tensor:
    return Sqrt()(x)


class Abs(Function):
    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(xp.sign(x))
        return xp.abs(x)

    def backward(self, gy):
        (sign,) = self.saved
        return gy * sign


def abs(x: Any) -> Tensor:  # noqa: A001
    return Abs()(x)


class Clip(Function):
    """Clamp to [low, high]; the gradient passes where x was inside the range."""

    def __init__(self, low: Any, high: Any):
        self.low, self.high = low, high

    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).clip(x, self.low, self.high)

    def backward(self, gy):
        (x,) = self.saved
        inside = True
        if self.low is not None:
            inside = x >= self.low
        if self.high is not None:
            inside = inside & (x <= self.high)
        return gy * inside


def clip(x: Any, low: Any = None, high: Any = None) -> Tensor:
    return Clip(low, high)(x)


class DimError(IndexError, ValueError):
    """A dim outside [-ndim, ndim - 1]: an IndexError as in PyTorch, a ValueError as NumPy's callers expect."""


def check_dim(dim: int, ndim: int, new: bool = False) -> int:
    """``dim`` made non-negative; a 0-d tensor takes dims -1 and 0, as in PyTorch. ``new``: a dim to insert
    (unsqueeze), which may also be ndim."""
    top = ndim + 1 if new else builtins.max(ndim, 1)
    if not -top <= dim < top:
        raise DimError(
            f"dim {dim} is out of range for a tensor with ndim={ndim}; expected a dim in [{-top}, {top - 1}]"
        )
    return dim % top


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(check_dim(a, ndim) for a in axes))


def _expand_reduced(gy: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Put back the reduced axes (as length 1) so ``gy`` broadcasts against the input."""
    if keepdims or not axes:
        return gy
    return gy.reshape([1 if i in axes else n for i, n in enumerate(_full_shape(gy, axes))])


def _full_shape(gy: Any, axes: tuple[int, ...]) -> list[int]:
    it = iter(gy.shape)
    return [1 if i in axes else next(it) for i in range(gy.ndim + len(axes))]


class Sum(Function):
    def __init__(self, axis: Any = None, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        self.in_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.broadcast_to(_expand_reduced(gy, self.axes, self.keepdims), self.in_shape)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum(axis, keepdims)(x)


class Mean(Sum):
    def forward(self, x):
        y = super().forward(x)
        self.count = int(np.prod([x.shape[a] for a in self.axes])) if self.axes else 1
        return y / self.count if y.dtype.kind == "f" else y.astype(np.float64) / self.count

    def backward(self, gy):
        return super().backward(gy / self.count)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Mean(axis, keepdims)(x)


class Max(Function):
    """Largest element along ``axis``; the gradient is shared equally by tied maxima (as torch.amax)."""

    reduce = "max"

    def __init__(self, axis: Any = None, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        y = getattr(x, self.reduce)(axis=self.axes, keepdims=True)
        self.save_for_backward(x, y)
        return y if self.keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes])

    def backward(self, gy):
        x, y = self.saved
        mask = x == y
        # The count is an int64 array: dividing a float32 gradient by it would silently give float64.
        count = mask.sum(axis=self.axes, keepdims=True).astype(gy.dtype)
        return mask * (_expand_reduced(gy, self.axes, self.keepdims) / count)


class Min(Max):
    reduce = "min"


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Max(axis, keepdims)(x)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Min(axis, keepdims)(x)
