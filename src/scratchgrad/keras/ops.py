"""``keras.ops``: the NumPy-like functions a custom layer's ``call`` uses, each one name for an engine op.

Example: ``keras.ops.matmul(inputs, self.w) + self.b``, ``keras.ops.relu(x)``, ``keras.ops.mean(x, axis=-1)``.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Tensor
from ..ops.activation import relu, sigmoid, softmax, tanh
from ..ops.math import abs, clip, exp, log, matmul, max, mean, min, sqrt, sum  # noqa: A004  (Keras's names)
from ..ops.pointwise import maximum, minimum, where
from ..ops.shape import concat, reshape, transpose


def square(x: Any) -> Tensor:
    """x * x, elementwise."""
    return x * x


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along ``axis`` (Keras's name for ``concat``)."""
    return concat(xs, axis)


__all__ = [
    "abs", "clip", "concatenate", "exp", "log", "matmul", "max", "maximum", "mean", "min", "minimum", "relu",
    "reshape", "sigmoid", "softmax", "sqrt", "square", "sum", "tanh", "transpose", "where",
]
