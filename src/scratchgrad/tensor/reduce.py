"""Reductions on Tensor: PyTorch's ``dim``/``keepdim`` become the ops' ``axis``/``keepdims`` here, and only here.

NumPy's spelling (``axis=``, ``keepdims=``) is accepted too, for code written in the notes' style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..ops import math as _math

if TYPE_CHECKING:
    from . import Tensor


class ReduceMixin:
    """sum, mean, max, min, argmax over all elements or along ``dim`` (an int or a tuple)."""

    __slots__ = ()
    data: Any

    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math.sum(self, dim if axis is None else axis, keepdim or keepdims)

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math.mean(self, dim if axis is None else axis, keepdim or keepdims)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math.max(self, dim if axis is None else axis, keepdim or keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math.min(self, dim if axis is None else axis, keepdim or keepdims)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
        return self.data.argmax(axis=dim if axis is None else axis, keepdims=keepdim)
