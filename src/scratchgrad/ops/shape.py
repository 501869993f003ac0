"""Shape ops: reshape, flatten, transpose, indexing, concat / stack, broadcast_to, backward beside forward.

Each moves or copies elements without arithmetic, so each backward puts the gradient back where its element
came from (summing where an index or a broadcast used an element more than once).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..autograd import Function, array_of
from ..backend import get_array_module
from .math import check_dim, unbroadcast

if TYPE_CHECKING:
    from ..tensor import Tensor


class Reshape(Function):
    def __init__(self, shape: Sequence[int], op: str = "reshape"):
        self.shape, self.op = tuple(shape), op

    def forward(self, x):
        self.in_shape = x.shape
        # An input not laid out row-major (a convolution's channels-first output) is copied by reshape; keep it
        # so backward can give its gradient the same memory order, which the ops behind it then read in sequence.
        self.like = None if x.flags.c_contiguous else x
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"{self.op}: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into shape {self.shape}"
            ) from None

    def backward(self, gy):
        gx = gy.reshape(self.in_shape)
        if self.like is None:
            return gx
        out = get_array_module(gy).empty_like(self.like, dtype=gy.dtype)
        out[...] = gx
        return out


def reshape(x: Any, shape: Sequence[int], op: str = "reshape") -> Tensor:
    """``x`` with a new shape of as many elements (one entry may be -1); ``op`` names the caller in errors."""
    return Reshape(shape, op)(x)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) with start_dim=1."""
    shape = tuple(x.shape)
    if not shape:
        return reshape(x, (1,), "flatten")
    start, end = check_dim(start_dim, len(shape)), check_dim(end_dim, len(shape))
    # The merged size written out, not -1: a batch of zero samples has no size for -1 to infer.
    return reshape(x, shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :], "flatten")


class Transpose(Function):
    def __init__(self, axes: Sequence[int] | None = None):
        self.axes = None if axes is None else tuple(axes)

    def forward(self, x):
        if self.axes is not None:
            # argsort inverts the permutation only once negative axes (allowed by NumPy) are made positive.
            self.axes = tuple(a % x.ndim for a in self.axes)
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return gy.transpose()
        return gy.transpose(np.argsort(self.axes))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    return Transpose(axes)(x)


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


class GetItem(Function):
    """x[index]; the gradient is scattered back (added where an advanced index repeats an element)."""

    def __init__(self, index: Any):
        self.index = tuple(array_of(i) for i in index) if isinstance(index, tuple) else array_of(index)

    def forward(self, x):
        self.in_shape, self.in_dtype = x.shape, x.dtype
        y = x[self.index]
        if isinstance(y, np.generic):  # one element: a 0-d view of it, as PyTorch's t[0] is a view
            y = x[(self.index if isinstance(self.index, tuple) else (self.index,)) + (Ellipsis,)]
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        if _is_basic_index(self.index):
            gx[self.index] = gy
        else:
            xp.add.at(gx, self.index, gy)
        return gx


def getitem(x: Any, index: Any) -> Tensor:
    return GetItem(index)(x)


class Concat(Function):
    """Join tensors along an existing axis; the gradient is split back into the pieces."""

    def __init__(self, axis: int = 0):
        self.axis = axis

    def forward(self, *xs):
        xp = get_array_module(*xs)
        self.sizes = [x.shape[self.axis] for x in xs]
        try:
            return xp.concatenate(xs, axis=self.axis)
        except ValueError:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"concat: shapes {shapes} must agree on every axis but axis {self.axis}") from None

    def backward(self, gy):
        xp = get_array_module(gy)
        return tuple(xp.split(gy, np.cumsum(self.sizes)[:-1], axis=self.axis))


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    return Concat(axis)(*tensors)


class Stack(Function):
    """Join same-shaped tensors along a new axis; the gradient is cut back into the pieces."""

    def __init__(self, axis: int = 0):
        self.axis = axis

    def forward(self, *xs):
        shapes = {x.shape for x in xs}
        if len(shapes) > 1:
            raise ValueError(f"stack: every tensor must have the same shape; received {', '.join(map(str, shapes))}")
        self.axis = self.axis % (xs[0].ndim + 1)
        return get_array_module(*xs).stack(xs, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        return tuple(xp.take(gy, i, axis=self.axis) for i in range(gy.shape[self.axis]))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis (all must have the same shape)."""
    return Stack(axis)(*tensors)


class BroadcastTo(Function):
    def __init__(self, shape: Sequence[int]):
        self.shape = tuple(shape)

    def forward(self, x):
        self.in_shape = x.shape
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return unbroadcast(gy, self.in_shape)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    return BroadcastTo(shape)(x)


class SetItem(Function):
    """A copy of x with x[index] = v; the gradient of x is gy with the written places zeroed, v's is gy[index]."""

    def __init__(self, index: Any):
        self.index = tuple(array_of(i) for i in index) if isinstance(index, tuple) else array_of(index)

    def forward(self, x, v):
        self.v_shape = get_array_module(x).shape(v)
        y = x.copy()
        y[self.index] = v
        return y

    def backward(self, gy):
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            gx = gy.copy()
            gx[self.index] = 0
        if nv:
            gv = unbroadcast(gy[self.index], self.v_shape)
        return gx, gv


def setitem(x: Any, index: Any, value: Any) -> Tensor:
    """``x`` with ``x[index] = value``, as a new tensor (the in-place form rebinds the tensor to it)."""
    return SetItem(index)(x, value)


def positions(base: Any, view: Any) -> tuple[Any, ...] | None:
    """For ``view``, an array over part of ``base``'s memory: the index of each of its elements in ``base``
    (a tuple of integer arrays of view's shape, for ``base[positions]``). None when ``base`` is not one dense block
    of memory or ``view`` repeats an element (an expanded view), where no such index exists."""
    xp = get_array_module(base)
    item = base.itemsize
    if min(base.strides, default=0) < 0 or min(view.strides, default=0) < 0:
        return None
    extent = sum((n - 1) * s for n, s in zip(base.shape, base.strides)) + item if base.size else 0
    if extent != base.size * item or 0 in view.strides and view.size > 1:
        return None
    labels = xp.empty_like(base, dtype=np.int64)  # like base in memory order: strides scale by 8 / itemsize
    labels[...] = xp.arange(base.size).reshape(base.shape)
    memory = xp.ravel(labels, order="K")
    offset = (_address(view) - _address(base)) // item
    strides = tuple(s // item * 8 for s in view.strides)
    flat = xp.lib.stride_tricks.as_strided(memory[offset:], view.shape, strides)
    return xp.unravel_index(flat, base.shape)


def _address(array: Any) -> int:
    """Where the array's first element lives (NumPy's interface, or CUDA's for a CuPy array)."""
    interface = getattr(array, "__array_interface__", None) or array.__cuda_array_interface__
    return interface["data"][0]
