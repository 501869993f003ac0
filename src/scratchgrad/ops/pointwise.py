"""Element-wise selection and piecewise-constant functions: where, maximum, minimum, floor, round, sign and a
copy (clone), backward beside forward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..device import move, of_array
from .math import unbroadcast
from .promotion import torch_operands, weak_float

if TYPE_CHECKING:
    from ..tensor import Tensor


class Where(Function):
    """y = a where cond else b; the gradient goes to whichever side was chosen."""

    def __init__(self, condition: Any):
        self.condition = condition

    def forward(self, a, b):
        self.shapes = (get_array_module(a).shape(a), get_array_module(b).shape(b))
        return get_array_module(a, b).where(self.condition, a, b)

    def backward(self, gy):
        xp = get_array_module(gy)
        na, nb = self.needs_input_grad
        ga = unbroadcast(xp.where(self.condition, gy, 0), self.shapes[0]) if na else None
        gb = unbroadcast(xp.where(self.condition, 0, gy), self.shapes[1]) if nb else None
        return ga, gb


def where(condition: Any, a: Any, b: Any) -> Tensor:
    return Where(condition)(a, b)


class Maximum(Function):
    """Element-wise larger (``reduce="minimum"``: smaller) of a and b; ties share the gradient equally."""

    def __init__(self, reduce: str = "maximum"):
        self.reduce = reduce

    def forward(self, a, b):
        xp = get_array_module(a, b)
        y = getattr(xp, self.reduce)(a, b)
        self.save_for_backward(a, b, y)
        return y

    def backward(self, gy):
        a, b, y = self.saved
        share_a = (a == y) * 1.0 - (a == b) * 0.5
        na, nb = self.needs_input_grad
        ga = unbroadcast(gy * share_a.astype(gy.dtype), a.shape) if na else None
        gb = unbroadcast(gy * (1 - share_a).astype(gy.dtype), b.shape) if nb else None
        return ga, gb

    def name(self) -> str:
        return f"{self.reduce.capitalize()}Backward0"


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum("maximum")(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return Maximum("minimum")(a, b)


class Stepwise(Function):
    """floor, round (half to even) or sign: constant between jumps, so the gradient is zero (as in PyTorch)."""

    def __init__(self, kind: str):
        self.kind = kind

    def forward(self, x):
        return getattr(get_array_module(x), self.kind)(x)

    def backward(self, gy):
        return get_array_module(gy).zeros_like(gy)

    def name(self) -> str:
        return f"{self.kind.capitalize()}Backward0"


def floor(x: Any) -> Tensor:
    return Stepwise("floor")(x)


def round(x: Any) -> Tensor:  # noqa: A001  (PyTorch's name)
    return Stepwise("round")(x)


def sign(x: Any) -> Tensor:
    return Stepwise("sign")(x)


class RoundedDiv(Function):
    """a / b rounded toward zero (``"trunc"``) or down (``"floor"``, Python's ``//``): piecewise constant, so both
    gradients are zero, as in PyTorch. Integers stay integers and are divided exactly."""

    def __init__(self, rounding_mode: str):
        self.rounding_mode = rounding_mode

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.shapes = (xp.shape(a), xp.shape(b))
        exact = xp.result_type(a, b).kind in "iub"
        if exact and not xp.all(b):
            raise ZeroDivisionError(f"{self.rounding_mode} division of integers by zero")
        with np.errstate(divide="ignore", invalid="ignore"):  # floats divided by zero give inf or nan, quietly
            if self.rounding_mode == "floor":
                return weak_float(xp.floor_divide(a, b), a, b)
            if exact:  # floor, then one step back toward zero where the signs differ
                q = xp.floor_divide(a, b)
                return q + ((xp.remainder(a, b) != 0) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0)))
            return weak_float(xp.trunc(xp.true_divide(a, b)), a, b)

    def backward(self, gy):
        xp = get_array_module(gy)
        return tuple(xp.zeros(shape, gy.dtype) for shape in self.shapes)

    def name(self) -> str:
        return "DivBackward2"


def rounded_div(a: Any, b: Any, rounding_mode: str) -> Tensor:
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor'; received {rounding_mode!r}"
        )
    return RoundedDiv(rounding_mode)(*torch_operands(a, b))


class Clone(Function):
    """A copy with its own memory; the gradient passes unchanged."""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(x: Any) -> Tensor:
    return Clone()(x)


class ToDevice(Function):
    """A copy on another device; the gradient is copied back to the input's device."""

    def __init__(self, to: Any):
        self.to = to

    def forward(self, x):
        self.source = of_array(x)
        return move(x, self.to)

    def backward(self, gy):
        return move(gy, self.source)

    def name(self) -> str:
        return "ToCopyBackward0"


def to_device(x: Any, to: Any) -> Tensor:
    return ToDevice(to)(x)
