"""Smooth relatives of ReLU: ELU and GELU, with PyTorch's definitions.

ELU bends the negative side into alpha * (exp(x) - 1), so the mean activation is nearer zero; GELU weights x by
the chance Phi(x) that a standard normal falls below it (x * Phi(x)), the activation of BERT and GPT.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Function, Tensor
from ..backend import get_array_module

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_vector_erf = None


def _erf(x: Any) -> Any:
    """The error function elementwise; NumPy has none, so CPU arrays go through math.erf (exact, not fast)."""
    global _vector_erf
    xp = get_array_module(x)
    if xp.__name__ != "numpy":
        from cupyx.scipy.special import erf  # CuPy ships it

        return erf(x)
    if _vector_erf is None:
        _vector_erf = xp.frompyfunc(math.erf, 1, 1)
    return _vector_erf(x).astype(x.dtype)


class ELU(Function):
    """y = x for x > 0, alpha * (exp(x) - 1) otherwise; dy/dx = 1 or alpha * exp(x) (= y + alpha)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def forward(self, x):
        xp = get_array_module(x)
        negative = self.alpha * xp.expm1(xp.minimum(x, 0))  # min: exp of a large positive x would overflow
        self.save_for_backward(x, negative)
        return xp.where(x > 0, x, negative).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, negative = self.saved
        return gy * get_array_module(x).where(x > 0, 1, negative + self.alpha).astype(x.dtype, copy=False)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return ELU(alpha)(x)


class GELU(Function):
    """y = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2; dy/dx = Phi(x) + x * phi(x).

    ``approximate="tanh"`` uses Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as PyTorch's option does.
    """

    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f'gelu: approximate must be "none" or "tanh"; received {approximate!r}')
        self.approximate = approximate

    def forward(self, x):
        xp = get_array_module(x)
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
            th = xp.tanh(inner)
            self.save_for_backward(x, th)
            return (0.5 * x * (1 + th)).astype(x.dtype, copy=False)
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2.0)))
        self.save_for_backward(x, cdf)
        return (x * cdf).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, saved = self.saved
        xp = get_array_module(x)
        if self.approximate == "tanh":
            d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            grad = 0.5 * (1 + saved) + 0.5 * x * (1 - saved * saved) * d_inner
        else:
            grad = saved + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return (gy * grad).astype(x.dtype, copy=False)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    return GELU(approximate)(x)
