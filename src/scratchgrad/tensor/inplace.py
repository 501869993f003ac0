"""In-place ops (``add_``, ``zero_``, ``t[idx] = v``, ...) and the version counter that keeps them honest.

Outside the graph (under ``no_grad``, or on tensors that need no gradient) the array is changed in place and the
tensor's version goes up; backward refuses to use an array saved at an older version (``autograd``), so an
in-place change can never give a silently wrong gradient. Inside the graph the out-of-place op is recorded and the
tensor takes its result, so gradients flow through the change as in PyTorch.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .. import autograd
from ..autograd import array_of, wrap
from ..ops import math as _math
from ..ops import pointwise as _pw
from ..ops import shape as _shape

if TYPE_CHECKING:
    from . import Tensor


def _owner(array: Any) -> Any:
    """The array that owns ``array``'s memory (NumPy and CuPy keep the owner, not the chain, as ``base``)."""
    return array if array.base is None else array.base


def _alias(t: Any, array: Any) -> Tensor:
    """A tensor over ``array`` with ``t``'s place in the graph: the input of an op recorded on ``t``'s old value."""
    alias = wrap(array)
    alias.requires_grad, alias.creator, alias._version = t.requires_grad, t.creator, [t._version[0]]
    return alias


def _kept_in_place(out: Tensor, target: Any) -> Tensor:
    """``out`` as the in-place result for ``target``'s tensor: its shape, in its dtype (the cast recorded)."""
    if tuple(out.data.shape) != tuple(target.shape):
        raise RuntimeError(f"in-place result of shape {tuple(out.data.shape)} does not fit a tensor of shape "
                           f"{tuple(target.shape)}: the other operand must broadcast to it")  # fmt: skip
    _check_storable(out.data, target)
    return out if out.data.dtype == target.dtype else _math.cast(out, target.dtype)


def _rederive(view: Any, base: Any, where: Any) -> None:
    """Give ``view`` the history "its region of ``base`` as base is now" (PyTorch regenerates a view's grad_fn
    the same way once its base changed in place)."""
    region = _shape.getitem(base, where)
    view.creator, view.requires_grad = region.creator, region.requires_grad
    if region.creator is not None:
        region.creator.out_version = view._version[0]
    view._view_version = view._version[0]


def refresh_view(view: Any) -> None:
    """Called by ``Function.__call__`` for a view whose memory changed in place since it took its history."""
    base = view._base
    where = None
    if base.creator is not None and _owner(view.data) is _owner(base.data):  # a leaf's history never changes
        where = _shape.positions(base.data, view.data)
    if where is None:  # a leaf's view (an optimizer changed its values), or no longer its base's memory
        view._view_version = view._version[0]
        return
    _rederive(view, base, where)


def _check_storable(out: Any, target: Any) -> None:
    if out.dtype != target.dtype and not np.can_cast(out.dtype, target.dtype, "same_kind"):
        raise TypeError(f"in-place result of dtype {out.dtype} cannot be stored in a tensor of dtype "
                        f"{target.dtype}; use the out-of-place op instead")  # fmt: skip


class InPlaceMixin:
    """add_, sub_, mul_, div_, clamp_, zero_, fill_, copy_ and item assignment."""

    __slots__ = ()
    data: Any
    creator: Any
    requires_grad: bool
    _version: list[int]
    _base: Any

    def _in_place(self, op: Callable[..., Tensor], *args: Any) -> Tensor:
        """Make this tensor ``op(self, *args)``: recorded in the graph when gradients flow, else in place."""
        flows = autograd.is_grad_enabled() and (self.requires_grad or any(getattr(a, "requires_grad", False)
                                                                          for a in args))  # fmt: skip
        if not flows:
            with autograd.no_grad():
                out = op(self, *args).data
            if out.shape != self.data.shape:
                raise RuntimeError(f"in-place result of shape {tuple(out.shape)} does not fit a tensor of shape "
                                   f"{tuple(self.data.shape)}: the other operand must broadcast to it")  # fmt: skip
            _check_storable(out, self.data)
            self.data[...] = out
            self._version[0] += 1
            return self  # type: ignore[return-value]
        if self.requires_grad and self.creator is None:
            raise RuntimeError(
                "a leaf tensor that requires grad cannot be changed in place: its gradient would refer to values "
                "that no longer exist. Change it under no_grad() (as an optimizer does) or work on a clone()."
            )
        base = self._base
        if base is not None and _owner(self.data) is _owner(base.data):
            return self._in_place_on_view(base, op, args)
        if sys.getrefcount(self._version) > 2:  # another live tensor views this memory: change it in place
            out = _kept_in_place(op(_alias(self, self.data.copy()), *args), self.data)
            self.data[...] = out.data
            self._version[0] += 1  # the views see the values now, and take the new history when next used
        else:  # nothing else sees this memory: the result's own array will do
            out = _kept_in_place(op(_alias(self, self.data), *args), self.data)  # the old value, recorded
            self.data = out.data
            self._version = [self._version[0] + 1]
            self._base = None
        self.creator, self.requires_grad = out.creator, True
        out.creator.out_version = self._version[0]
        return self  # type: ignore[return-value]

    def _in_place_on_view(self, base: Tensor, op: Callable[..., Tensor], args: tuple[Any, ...]) -> Tensor:
        """``op`` on a view while gradients flow, as PyTorch does it: the new values are written into the base's
        memory (every view of it sees them), the base's history becomes "the old base with this region replaced",
        and the view's becomes "that region of the new base"."""
        if base.requires_grad and base.creator is None:
            raise RuntimeError(
                "a view of a leaf tensor that requires grad cannot be changed in place: the leaf's gradient would "
                "refer to values that no longer exist. Change it under no_grad() or work on a clone()."
            )
        where = _shape.positions(base.data, self.data)
        if where is None:
            raise RuntimeError(
                f"in-place change of a view (shape {tuple(self.data.shape)}) that repeats elements of its base (an "
                "expand()ed view) or of a base that is not one block of memory; use the out-of-place op instead"
            )
        before = _alias(self, self.data.copy())  # a copy: the op may save it, and the memory is written below
        out = _kept_in_place(op(before, *args), self.data)
        new_base = _shape.setitem(_alias(base, base.data), where, out)
        base.data[...] = new_base.data
        self._version[0] += 1  # the cell base and all its views share: whoever saved the old values will refuse
        base.creator, base.requires_grad = new_base.creator, True
        new_base.creator.out_version = self._version[0]
        _rederive(self, base, where)
        return self  # type: ignore[return-value]

    def add_(self, other: Any, alpha: Any = 1) -> Tensor:
        return self._in_place(lambda x, o: _math.add(x, o if alpha == 1 else _math.mul(o, alpha)), other)

    def sub_(self, other: Any, alpha: Any = 1) -> Tensor:
        return self._in_place(lambda x, o: _math.sub(x, o if alpha == 1 else _math.mul(o, alpha)), other)

    def mul_(self, other: Any) -> Tensor:
        return self._in_place(_math.mul, other)

    def div_(self, other: Any) -> Tensor:
        return self._in_place(_math.div, other)

    # ``t += x`` changes t itself, as in PyTorch (an alias sees it; under no_grad it is an update in place).
    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def pow_(self, exponent: Any) -> Tensor:
        return self._in_place(_math.pow, exponent)

    def floor_divide_(self, other: Any) -> Tensor:
        return self._in_place(lambda x, o: _pw.rounded_div(x, o, "floor"), other)

    __ipow__, __ifloordiv__ = pow_, floor_divide_

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return self._in_place(lambda x: _math.clip(x, min, max))

    def fill_(self, value: Any) -> Tensor:
        """Every element set to ``value`` (no gradient flows to the old values)."""
        return self._in_place(lambda x, v: _pw.where(np.zeros(x.shape, bool), x, v), value)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, src: Any) -> Tensor:
        """The values of ``src`` (broadcast to this shape, cast to this dtype) copied in."""
        return self._in_place(lambda x, s: _pw.where(np.zeros(x.shape, bool), x, _math.cast(s, x.data.dtype)), src)

    def __setitem__(self, index: Any, value: Any) -> None:
        if not (autograd.is_grad_enabled() and (self.requires_grad or getattr(value, "requires_grad", False))):
            self.data[index] = array_of(value)  # the common case, without an op: a plain store
            self._version[0] += 1
            return
        self._in_place(lambda x, v: _shape.setitem(x, index, v), value)
