"""Operators and element-wise functions on Tensor, each one line into ``ops/``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autograd import array_of
from ..ops import activation as _act
from ..ops import math as _math

if TYPE_CHECKING:
    from . import Tensor


class ArithmeticMixin:
    """``+ - * / @ **``, unary minus, comparisons and the element-wise functions."""

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

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> Any:
        return self.data < array_of(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= array_of(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > array_of(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= array_of(other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.data == array_of(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.data != array_of(other)

    def exp(self) -> Tensor:
        return _math.exp(self)

    def log(self) -> Tensor:
        return _math.log(self)

    def sqrt(self) -> Tensor:
        return _math.sqrt(self)

    def abs(self) -> Tensor:
        return _math.abs(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return _math.clip(self, min, max)

    def relu(self) -> Tensor:
        return _act.relu(self)

    def sigmoid(self) -> Tensor:
        return _act.sigmoid(self)

    def tanh(self) -> Tensor:
        return _act.tanh(self)

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return _act.softmax(self, dim if axis is None else axis)
