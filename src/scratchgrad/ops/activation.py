"""Activation functions of the notes (step, sigmoid, tanh, ReLU, identity, softmax), forward beside backward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autograd import Function
from ..backend import get_array_module

if TYPE_CHECKING:
    from ..tensor import Tensor


class Step(Function):
    """y = 1 if x > 0 else 0: the perceptron's activation.

    Its derivative is 0 everywhere it exists, so backward passes zeros: a network of step units cannot learn by
    gradient descent, which is why the notes move to sigmoid.
    """

    def forward(self, x):
        return (x > 0).astype(x.dtype if x.dtype.kind == "f" else get_array_module(x).int64)

    def backward(self, gy):
        return gy * 0


def step(x: Any) -> Tensor:
    return Step()(x)


def _sigmoid(x: Any) -> Any:
    xp = get_array_module(x)
    # exp(-x) overflows for x = -1000. With e = exp(-|x|) <= 1, both branches are finite and neither
    # subtracts nearly equal numbers, so tiny outputs keep full relative precision.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1, e) / (1 + e)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)); dy/dx = y * (1 - y)."""

    def forward(self, x):
        y = _sigmoid(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * y * (1 - y)


def sigmoid(x: Any) -> Tensor:
    return Sigmoid()(x)


class Tanh(Function):
    """y = tanh(x); dy/dx = 1 - y^2."""

    def forward(self, x):
        y = get_array_module(x).tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (1 - y * y)


def tanh(x: Any) -> Tensor:
    return Tanh()(x)


class ReLU(Function):
    """y = max(0, x); dy/dx = 1 where x > 0, else 0 (0 at x = 0, as PyTorch)."""

    def forward(self, x):
        y = get_array_module(x).maximum(x, 0)
        # Keep y, not a mask: one pass over x instead of two (compare, multiply), and y is alive anyway as the
        # next layer's input. y > 0 exactly where x > 0, so backward recovers the mask from it.
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (y > 0)


def relu(x: Any) -> Tensor:
    return ReLU()(x)


class LeakyReLU(Function):
    """y = x where x > 0, else slope * x."""

    def __init__(self, negative_slope: float = 0.01):
        self.slope = negative_slope

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x > 0)
        return xp.where(x > 0, x, x * self.slope)

    def backward(self, gy):
        (mask,) = self.saved
        return get_array_module(gy).where(mask, gy, gy * self.slope)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU(negative_slope)(x)


class Identity(Function):
    """y = x: the output layer's activation for regression."""

    def forward(self, x):
        return x

    def backward(self, gy):
        return gy


def identity(x: Any) -> Tensor:
    return Identity()(x)


class Softmax(Function):
    """y_k = exp(x_k) / sum_i exp(x_i) along ``axis``; dx = y * (gy - sum(gy * y)).

    Subtracting the maximum first leaves y unchanged and keeps exp from overflowing ([1000, 1001, 1002] is fine).
    """

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        y = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        y /= y.sum(axis=self.axis, keepdims=True)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        gx = y * gy
        gx -= y * gx.sum(axis=self.axis, keepdims=True)
        return gx


def softmax(x: Any, axis: int = -1) -> Tensor:
    return Softmax(axis)(x)


def _log_softmax(x: Any, axis: int) -> Any:
    """log(softmax(x)) computed as x - max - log(sum(exp(x - max))): finite even where softmax underflows to 0."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


class LogSoftmax(Function):
    """y = log(softmax(x)); dx = gy - softmax(x) * sum(gy)."""

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        y = _log_softmax(x, self.axis)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy - get_array_module(y).exp(y) * gy.sum(axis=self.axis, keepdims=True)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return LogSoftmax(axis)(x)
