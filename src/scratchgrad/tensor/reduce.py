"""Reductions on Tensor: PyTorch's ``dim``/``keepdim`` become the ops' ``axis``/``keepdims`` here, and only here.

``dim`` is an int or a tuple of ints. NumPy's spelling (``axis=``, ``keepdims=``) is accepted too, for code written
in the notes' style; with it, ``max``/``min`` keep NumPy's meaning (the values only).
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any

from ..autograd import wrap
from ..ops import activation as _act
from ..ops import math as _math
from ..ops import pointwise as _pw
from ..ops import reduce as _red

if TYPE_CHECKING:
    from . import Tensor


def _return_type(name: str) -> type:
    """PyTorch's ``return_types.max``: a named tuple (values, indices) that prints like PyTorch's."""
    cls = namedtuple(name, ["values", "indices"])  # type: ignore[misc]
    cls.__repr__ = lambda r: f"scratchgrad.return_types.{name}(\nvalues={r.values!r},\nindices={r.indices!r})"
    cls.__module__ = "scratchgrad.return_types"
    return cls


ReturnTypes = {name: _return_type(name) for name in ("max", "min")}


def _extreme(t: Any, reduce: str, dim: Any, keepdim: bool, axis: Any) -> Any:
    """``max``/``min`` in each of PyTorch's forms (and NumPy's ``axis=``)."""
    if dim is None or axis is not None:
        return (_math.max if reduce == "max" else _math.min)(t, axis, keepdim)
    if not isinstance(dim, int):  # max(other): element-wise
        return (_pw.maximum if reduce == "max" else _pw.minimum)(t, dim)
    values, indices = _red.max_along(t, dim, keepdim, reduce)
    return ReturnTypes[reduce](values, wrap(indices))


class ReduceMixin:
    """sum, mean, std, var, prod, max, min, argmax, argmin, all, any, norm, cumsum, softmax, log_softmax."""

    __slots__ = ()
    data: Any

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
            keepdims: bool = False) -> Tensor:  # fmt: skip
        """The sum over all elements, or along ``dim``."""
        return _math.sum(self if dtype is None else _math.cast(self, dtype), dim if axis is None else axis,
                         keepdim or keepdims)  # fmt: skip

    def mean(self, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
             keepdims: bool = False) -> Tensor:  # fmt: skip
        """The mean over all elements, or along ``dim``."""
        return _math.mean(self if dtype is None else _math.cast(self, dtype), dim if axis is None else axis,
                          keepdim or keepdims)  # fmt: skip

    def var(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *, correction: Any = None) -> Tensor:
        """The variance, divided by N - 1 unless ``unbiased=False`` (or by N - ``correction``)."""
        return _red.var(self, dim, int(unbiased) if correction is None else correction, keepdim)

    def std(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *, correction: Any = None) -> Tensor:
        """The standard deviation, unbiased by default as ``var``."""
        return _red.std(self, dim, int(unbiased) if correction is None else correction, keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The product over all elements, or along one ``dim``."""
        return _red.prod(self, dim, keepdim)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Any:
        """No ``dim``: the largest element. With ``dim``: ``(values, indices)`` along it. With a tensor: the
        element-wise maximum. With NumPy's ``axis=``: the values only."""
        return _extreme(self, "max", dim, keepdim or keepdims, axis)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Any:
        """As ``max``, for the smallest."""
        return _extreme(self, "min", dim, keepdim or keepdims, axis)

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
        """The index (int64) of the largest element, in the flattened tensor or along ``dim``; the first on ties."""
        dim = dim if axis is None else axis
        axis = None if dim is None else _math.check_dim(dim, self.data.ndim)
        return wrap(self.data.argmax(axis=axis, keepdims=keepdim))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """As ``argmax``, for the smallest."""
        axis = None if dim is None else _math.check_dim(dim, self.data.ndim)
        return wrap(self.data.argmin(axis=axis, keepdims=keepdim))

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether every element (along ``dim``) is nonzero, as a bool tensor."""
        return wrap(self.data.all(axis=_math.normalize_axis(dim, self.data.ndim), keepdims=keepdim))

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether some element (along ``dim``) is nonzero, as a bool tensor."""
        return wrap(self.data.any(axis=_math.normalize_axis(dim, self.data.ndim), keepdims=keepdim))

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm (2 and ``"fro"``: Euclidean) of all elements or along ``dim``."""
        return _red.norm(self, 2 if p == "fro" else p, dim, keepdim)

    def cumsum(self, dim: int) -> Tensor:
        """Running sums along ``dim``."""
        return _red.cumsum(self, dim)

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim``."""
        return _act.softmax(self, _math.check_dim(dim if axis is None else axis, self.data.ndim))

    def log_softmax(self, dim: int = -1) -> Tensor:
        """log(softmax(x)) along ``dim``, computed without overflow."""
        return _act.log_softmax(self, _math.check_dim(dim, self.data.ndim))
