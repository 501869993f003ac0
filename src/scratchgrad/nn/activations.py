"""Activation modules with arguments: LeakyReLU, ELU, GELU, Softmax and LogSoftmax (PyTorch's names and defaults).

The argument-free ones (ReLU, Sigmoid, Tanh, Identity) are in ``layers``.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..ops import activation, smooth_activation
from .checks import real
from .module import Module


class LeakyReLU(Module):
    """x where x >= 0, negative_slope * x elsewhere: negative inputs keep a small gradient.

    Args:
        negative_slope: the slope for x < 0 (PyTorch's default 0.01).

    Shape: any shape -> the same shape.
    Example: LeakyReLU(0.1)(Tensor([-2.0, 3.0])) is [-0.2, 3.0].
    """

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = real("LeakyReLU", "negative_slope", negative_slope, lambda v: True, "")

    def forward(self, x: Any) -> Tensor:
        return activation.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere: smooth, with negative outputs down to -alpha.

    Args:
        alpha: the value approached as x -> -inf, negated (PyTorch's default 1.0); must be >= 0.

    Shape: any shape -> the same shape.
    Example: ELU()(Tensor([-1.0, 2.0])) is [-0.6321, 2.0].
    """

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = real("ELU", "alpha", alpha, lambda v: v >= 0, ">= 0")

    def forward(self, x: Any) -> Tensor:
        return smooth_activation.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x * Phi(x), Phi the standard normal's cumulative distribution: the activation of BERT and GPT.

    Args:
        approximate: "none" (exact, with erf) or "tanh" (PyTorch's tanh approximation).

    Shape: any shape -> the same shape.
    Example: GELU()(Tensor([1.0])) is [0.8413].
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f'GELU: approximate must be "none" or "tanh", but got approximate={approximate!r}')
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return smooth_activation.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``: each slice along ``dim`` becomes probabilities summing to 1.

    Args:
        dim: the axis to normalise (PyTorch asks for it; -1, the last axis, when not given).

    Shape: any shape -> the same shape.
    Example: Softmax(dim=1)(x) with x of shape (100, 10) gives 100 rows of 10 probabilities.
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
            raise TypeError(f"{type(self).__name__}: dim must be an int, but got dim={dim!r}")
        self.dim = -1 if dim is None else dim

    def forward(self, x: Any) -> Tensor:
        return activation.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably; feed it to ``NLLLoss``.

    Args:
        dim: the axis to normalise (-1 when not given).

    Shape: any shape -> the same shape.
    Example: nn.NLLLoss()(LogSoftmax(dim=1)(x), t) equals nn.CrossEntropyLoss()(x, t).
    """

    def forward(self, x: Any) -> Tensor:
        return activation.log_softmax(x, self.dim)
