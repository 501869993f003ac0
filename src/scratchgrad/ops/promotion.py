"""PyTorch's type promotion where NumPy's differs, and the cast op that carries a gradient across dtypes.

NumPy (NEP 50) treats a 0-d array like any other array and a Python float as "weak"; PyTorch ranks operands as
dimensioned tensors, then 0-d tensors, then Python numbers, and promotes integer division to the default float.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import Function, array_of
from ..backend import get_default_dtype

if TYPE_CHECKING:
    from ..tensor import Tensor

_FLOAT64 = np.dtype(np.float64)
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
"""bool < integer < floating < complex: PyTorch's categories."""


class Cast(Function):
    """The same values in another dtype; the gradient goes back in the input's dtype."""

    def __init__(self, dtype: Any):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype, copy=False)

    def backward(self, gy):
        return gy.astype(self.in_dtype, copy=False)

    def name(self) -> str:
        return "ToCopyBackward0"


def cast(x: Any, dtype: Any) -> Tensor:
    return Cast(dtype)(x)


def weak_float(y: Any, a: Any, b: Any) -> Any:
    """float64 from Python floats or integer division alone (no float64 operand) becomes the default dtype, as
    ``tensor([1, 2]) / 2`` is float32 in PyTorch."""
    if y.dtype is _FLOAT64 and getattr(a, "dtype", None) != np.float64 and getattr(b, "dtype", None) != np.float64:
        return y.astype(get_default_dtype())  # (the first test alone, an identity, settles the common case)
    return y


def torch_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """``(a, b)`` cast where PyTorch's promotion differs from NumPy's; NumPy's arithmetic then gives PyTorch's dtype.

    A NumPy number counts as a Python number (weak). Of two kinds (bool < integer < floating), the higher one's
    dtype wins whatever the dims (``float16 tensor + int64 tensor`` is float16; NumPy widens to float64). Of one
    kind, a 0-d operand takes a dimensioned one's dtype (``float32 * float64 0-d`` is float32, ``int32 + int64 0-d``
    int32); two dimensioned or two 0-d operands widen as in NumPy.
    """
    xa, xb = array_of(a), array_of(b)
    da, db = getattr(xa, "dtype", None), getattr(xb, "dtype", None)
    if da == db or da is None or db is None:  # the common cases (one dtype; a Python number, weak in NumPy too)
        return a, b
    if isinstance(a, np.generic) or isinstance(b, np.generic):  # a NumPy number counts as a Python one
        return torch_operands(a.item() if isinstance(a, np.generic) else a,
                              b.item() if isinstance(b, np.generic) else b)
    ka, kb = _CATEGORY[da.kind], _CATEGORY[db.kind]
    if ka != kb:
        return (_to(a, db), b) if ka < kb else (a, _to(b, da))
    if (xa.ndim == 0) == (xb.ndim == 0):
        return a, b
    return (_to(a, db), b) if xa.ndim == 0 else (a, _to(b, da))


def _to(x: Any, dtype: Any) -> Any:
    return cast(x, dtype) if hasattr(x, "data") else x.astype(dtype)
