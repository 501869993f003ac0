"""In-place ops (``add_``, ``zero_``, ``t[idx] = v``, ...) and the version counter that keeps them honest.

Outside the graph (under ``no_grad``, or on tensors that need no gradient) the array is changed in place and the
tensor's version goes up; backward refuses to use an array saved at an older version (``autograd``), so an
in-place change can never give a silently wrong gradient. Inside the graph the out-of-place op is recorded and the
tensor takes its result, so gradients flow through the change as in PyTorch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .. import autograd
from ..autograd import array_of, wrap
from ..ops import math as _math
from ..ops import pointwise as _pw
from ..ops import shape as _shape

if TYPE_CHECKING:
    from . import Tensor


class InPlaceMixin:
    """add_, sub_, mul_, div_, clamp_, zero_, fill_, copy_ and item assignment."""

    __slots__ = ()
    data: Any
    creator: Any
    requires_grad: bool
    _version: list[int]

    def _in_place(self, op: Callable[..., Tensor], *args: Any) -> Tensor:
        """Make this tensor ``op(self, *args)``: recorded in the graph when gradients flow, else in place."""
        flows = autograd.is_grad_enabled() and (self.requires_grad or any(getattr(a, "requires_grad", False)
                                                                          for a in args))  # fmt: skip
        if not flows:
            with autograd.no_grad():
                out = op(self, *args).data
            if out.dtype != self.data.dtype and not np.can_cast(out.dtype, self.data.dtype, "same_kind"):
                raise TypeError(f"in-place result of dtype {out.dtype} cannot be stored in a tensor of dtype "
                                f"{self.data.dtype}; use the out-of-place op instead")  # fmt: skip
            self.data[...] = out
            self._version[0] += 1
            return self  # type: ignore[return-value]
        if self.requires_grad and self.creator is None:
            raise RuntimeError(
                "a leaf tensor that requires grad cannot be changed in place: its gradient would refer to values "
                "that no longer exist. Change it under no_grad() (as an optimizer does) or work on a clone()."
            )
        before = wrap(self.data)  # the old value, as the input of the recorded op
        before.requires_grad, before.creator, before._version = self.requires_grad, self.creator, [self._version[0]]
        out = op(before, *args)
        self.data, self.creator, self.requires_grad = out.data, out.creator, True
        self._version = [self._version[0] + 1]  # new memory: no longer a view, so its own counter
        out.creator.out_version = self._version[0]
        return self  # type: ignore[return-value]

    def add_(self, other: Any, alpha: Any = 1) -> Tensor:
        return self._in_place(lambda x, o: _math.add(x, o if alpha == 1 else _math.mul(o, alpha)), other)

    def sub_(self, other: Any, alpha: Any = 1) -> Tensor:
        return self._in_place(lambda x, o: _math.sub(x, o if alpha == 1 else _math.mul(o, alpha)), other)

    def mul_(self, other: Any) -> Tensor:
        return self._in_place(_math.mul, other)

    def div_(self, other: Any) -> Tensor:
        return self._in_place(_math.div, other)

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
