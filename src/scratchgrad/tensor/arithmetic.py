"""Operators and element-wise functions on Tensor, each one line into ``ops/``.

Comparisons and the logical functions return bool Tensors, as in PyTorch; they have no gradient, so they are
computed here on the arrays. ``alpha=`` scales the second operand of ``add``/``sub`` as PyTorch's does.
"""

from __future__ import annotations

import numbers
import operator
from typing import TYPE_CHECKING, Any, Callable

from ..autograd import array_of, wrap
from ..backend import get_array_module
from ..ops import activation as _act
from ..ops import math as _math
from ..ops import pointwise as _pw
from ..ops import shape as _shape

if TYPE_CHECKING:
    from . import Tensor


def _compare(t: Any, other: Any, op: Callable[[Any, Any], Any]) -> Any:
    """A bool tensor of ``op(t, other)`` for a tensor, array or number; NotImplemented for anything else, so that
    ``t == pytest.approx(2.2)`` asks the other side, as PyTorch's comparisons do."""
    other = array_of(other)
    if not (isinstance(other, numbers.Number) or (hasattr(other, "dtype") and hasattr(other, "shape"))):
        return NotImplemented
    return wrap(op(t.data, other))


def _ndim(op: str, t: Any, ndim: int) -> Any:
    """``t`` itself, once it is checked to have ``ndim`` dims (mm, bmm, dot and outer take no other)."""
    if t.ndim != ndim:
        raise ValueError(f"{op}: expected {ndim}-D tensors; received one of shape {tuple(t.shape)}")
    return t


class ArithmeticMixin:
    """``+ - * / @ **``, unary minus, comparisons, logical ops and the element-wise functions."""

    __slots__ = ()
    data: Any

    def __add__(self, other: Any) -> Tensor:
        return _math.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _math.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _math.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _math.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _math.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _math.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _math.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _math.div(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _math.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _math.matmul(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _math.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _math.pow(other, self)

    def __neg__(self) -> Tensor:
        return _math.neg(self)

    def __pos__(self) -> Tensor:
        return self  # type: ignore[return-value]

    def add(self, other: Any, alpha: Any = 1) -> Tensor:
        """self + alpha * other."""
        return _math.add(self, other if alpha == 1 else _math.mul(other, alpha))

    def sub(self, other: Any, alpha: Any = 1) -> Tensor:
        """self - alpha * other."""
        return _math.sub(self, other if alpha == 1 else _math.mul(other, alpha))

    def mul(self, other: Any) -> Tensor:
        return _math.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode="trunc"`` or ``"floor"`` rounds the quotient (zero gradient)."""
        return _math.div(self, other) if rounding_mode is None else _pw.rounded_div(self, other, rounding_mode)

    def __floordiv__(self, other: Any) -> Tensor:
        return _pw.rounded_div(self, other, "floor")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _pw.rounded_div(other, self, "floor")

    def floor_divide(self, other: Any) -> Tensor:
        return _pw.rounded_div(self, other, "floor")

    def pow(self, exponent: Any) -> Tensor:
        return _math.pow(self, exponent)

    def neg(self) -> Tensor:
        return _math.neg(self)

    def matmul(self, other: Any) -> Tensor:
        return _math.matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        """Matrix product of two 2-D tensors."""
        return _math.matmul(_ndim("mm", self, 2), _ndim("mm", other, 2))

    def bmm(self, other: Any) -> Tensor:
        """Batched matrix product: (B, n, k) @ (B, k, m) -> (B, n, m)."""
        return _math.matmul(_ndim("bmm", self, 3), _ndim("bmm", other, 3))

    def dot(self, other: Any) -> Tensor:
        """Inner product of two 1-D tensors of the same length."""
        return _math.matmul(_ndim("dot", self, 1), _ndim("dot", other, 1))

    def outer(self, other: Any) -> Tensor:
        """(n,) and (m,) -> (n, m) with element [i, j] = self[i] * other[j]."""
        return _math.mul(_shape.reshape(_ndim("outer", self, 1), (-1, 1)), _ndim("outer", other, 1))

    # ---- comparisons and logic: bool tensors, no gradient ---------------------------------------------------
    def __lt__(self, other: Any) -> Tensor:
        return _compare(self, other, operator.lt)

    def __le__(self, other: Any) -> Tensor:
        return _compare(self, other, operator.le)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(self, other, operator.gt)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(self, other, operator.ge)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(self, other, operator.eq)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(self, other, operator.ne)

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    def logical_and(self, other: Any) -> Tensor:
        return wrap(get_array_module(self.data).logical_and(self.data, array_of(other)))

    def logical_or(self, other: Any) -> Tensor:
        return wrap(get_array_module(self.data).logical_or(self.data, array_of(other)))

    def logical_xor(self, other: Any) -> Tensor:
        return wrap(get_array_module(self.data).logical_xor(self.data, array_of(other)))

    def logical_not(self) -> Tensor:
        return wrap(get_array_module(self.data).logical_not(self.data))

    def __and__(self, other: Any) -> Tensor:
        return wrap(self.data & array_of(other))

    def __or__(self, other: Any) -> Tensor:
        return wrap(self.data | array_of(other))

    def __xor__(self, other: Any) -> Tensor:
        return wrap(self.data ^ array_of(other))

    def __invert__(self) -> Tensor:
        return wrap(~self.data)

    # ---- element-wise functions --------------------------------------------------------------------------------
    def exp(self) -> Tensor:
        return _math.exp(self)

    def log(self) -> Tensor:
        return _math.log(self)

    def sqrt(self) -> Tensor:
        return _math.sqrt(self)

    def rsqrt(self) -> Tensor:
        """1 / sqrt(self)."""
        return _math.pow(self, -0.5)

    def abs(self) -> Tensor:
        return _math.abs(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Each element limited to [min, max] (either bound may be None)."""
        return _math.clip(self, min, max)

    clip = clamp

    def sign(self) -> Tensor:
        return _pw.sign(self)

    def floor(self) -> Tensor:
        return _pw.floor(self)

    def round(self) -> Tensor:
        """To the nearest integer, halves to even (as PyTorch)."""
        return _pw.round(self)

    def maximum(self, other: Any) -> Tensor:
        return _pw.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _pw.minimum(self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` holds, else ``other``."""
        return _pw.where(array_of(condition), self, other)

    def relu(self) -> Tensor:
        return _act.relu(self)

    def sigmoid(self) -> Tensor:
        return _act.sigmoid(self)

    def tanh(self) -> Tensor:
        return _act.tanh(self)
