"""Reductions beyond sum, mean and max (those are in ``math.py``): variance, product, cumulative sum, the
maximum or minimum along one axis with its index, and norms. Backward beside forward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autograd import Function
from ..backend import get_array_module
from .math import _expand_reduced, abs, mul, normalize_axis, pow, sqrt, sum

if TYPE_CHECKING:
    from ..tensor import Tensor


class Var(Function):
    """Variance along ``axis`` with ``correction`` (1: unbiased, PyTorch's default); dx = 2 (x - mean) / (N - c)."""

    def __init__(self, axis: Any = None, correction: int = 1, keepdims: bool = False):
        self.axis, self.correction, self.keepdims = axis, correction, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        count = 1
        for a in self.axes:
            count *= x.shape[a]
        self.divisor = count - self.correction
        centred = x - x.mean(axis=self.axes, keepdims=True)
        self.save_for_backward(centred)
        y = (centred * centred).sum(axis=self.axes, keepdims=self.keepdims)
        # N - c <= 0 gives nan or inf, as in PyTorch (numpy would warn).
        with get_array_module(x).errstate(divide="ignore", invalid="ignore"):
            return y / self.divisor

    def backward(self, gy):
        (centred,) = self.saved
        return _expand_reduced(gy, self.axes, self.keepdims) * (2 / self.divisor) * centred


def var(x: Any, axis: Any = None, correction: int = 1, keepdims: bool = False) -> Tensor:
    return Var(axis, correction, keepdims)(x)


def std(x: Any, axis: Any = None, correction: int = 1, keepdims: bool = False) -> Tensor:
    """The square root of ``var``."""
    return sqrt(var(x, axis, correction, keepdims))


def _exclusive_products(x: Any, axis: int) -> Any:
    """For each element, the product of every other element along ``axis`` (exact where x holds zeros)."""
    xp = get_array_module(x)
    ones = xp.ones_like(xp.take(x, [0], axis=axis))
    left = xp.cumprod(xp.concatenate([ones, xp.take(x, range(x.shape[axis] - 1), axis=axis)], axis=axis), axis=axis)
    flipped = xp.flip(x, axis=axis)
    right = xp.cumprod(xp.concatenate([ones, xp.take(flipped, range(x.shape[axis] - 1), axis=axis)], axis=axis), axis)
    return left * xp.flip(right, axis=axis)


class Prod(Function):
    """Product of the elements (along one ``axis``); dx_i = the product of all the others."""

    def __init__(self, axis: int | None = None, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        self.save_for_backward(x)
        return x.prod(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        (x,) = self.saved
        flat = x.reshape(-1) if self.axis is None else x
        others = _exclusive_products(flat, 0 if self.axis is None else self.axes[0]).reshape(x.shape)
        return _expand_reduced(gy, self.axes, self.keepdims) * others


def prod(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return Prod(axis, keepdims)(x)


class CumSum(Function):
    """Running sum along ``axis``; the gradient is the running sum of gy taken from the other end."""

    def __init__(self, axis: int):
        self.axis = axis

    def forward(self, x):
        self.axis = normalize_axis(self.axis, x.ndim)[0]
        return x.cumsum(axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.flip(xp.flip(gy, self.axis).cumsum(axis=self.axis), self.axis)


def cumsum(x: Any, axis: int) -> Tensor:
    return CumSum(axis)(x)


class MaxAlong(Function):
    """The largest (or smallest) element along one axis; the gradient goes to the index returned with it, so
    ties send it to the first one (as PyTorch's ``max(dim)``)."""

    def __init__(self, axis: int, keepdims: bool = False, reduce: str = "max"):
        self.axis, self.keepdims, self.reduce = axis, keepdims, reduce

    def forward(self, x):
        self.axis = normalize_axis(self.axis, x.ndim)[0]
        self.in_shape = x.shape
        self.indices = getattr(x, "arg" + self.reduce)(axis=self.axis, keepdims=True)
        y = get_array_module(x).take_along_axis(x, self.indices, axis=self.axis)
        return y if self.keepdims else y.squeeze(self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        xp.put_along_axis(gx, self.indices, _expand_reduced(gy, (self.axis,), self.keepdims), axis=self.axis)
        return gx

    def name(self) -> str:
        return f"{self.reduce.capitalize()}Backward0"


def max_along(x: Any, axis: int, keepdims: bool = False, reduce: str = "max") -> tuple[Tensor, Any]:
    """(values, indices) of the maximum (``reduce="min"``: minimum) along ``axis``; indices are an int64 array."""
    fn = MaxAlong(axis, keepdims, reduce)
    values = fn(x)
    return values, fn.indices if keepdims else fn.indices.squeeze(fn.axis)


def norm(x: Any, p: float = 2, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The p-norm (sum |x|^p)^(1/p) over ``axis`` (all elements by default), made of the elementwise ops."""
    if p == 2:
        return sqrt(sum(mul(x, x), axis, keepdims))
    if p == 1:
        return sum(abs(x), axis, keepdims)
    return pow(sum(pow(abs(x), p), axis, keepdims), 1 / p)
