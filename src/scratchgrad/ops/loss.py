"""Regression and binary losses: mean squared error, L1, smooth L1 (Huber), binary cross-entropy.

``reduction`` is "mean" (the default, as in PyTorch), "sum" or "none". Cross-entropy and the negative
log-likelihood are in ``cross_entropy.py``.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor
from ..backend import get_array_module
from .activation import _sigmoid

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}; received {reduction!r}")


def _reduce(loss: Any, reduction: str, name: str) -> Any:
    if reduction == "mean":
        if loss.size == 0:  # NumPy's mean of nothing is NaN with two warnings; an empty batch is a caller's bug
            raise ValueError(
                f"{name}: the mean over an empty batch is undefined; received 0 samples (unreduced loss of shape "
                f"{loss.shape}). Check that the batch holds samples, or use reduction='sum'."
            )
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape_target(name: str, y: Any, t: Any) -> Any:
    """The target, checked to have the prediction's shape; integer targets (0/1 labels) take its dtype, since
    float32 predictions minus int64 labels would silently compute the loss and its gradient in float64."""
    if y.shape != t.shape:
        raise ValueError(
            f"{name}: prediction and target must have the same shape; received {y.shape} and {t.shape}"
        )
    return t.astype(y.dtype) if t.dtype.kind in "iub" else t


class MSELoss(Function):
    """mean((y - t)^2); dy = 2 (y - t) / n."""

    def __init__(self, reduction: str = "mean"):
        _check_reduction("mse_loss", reduction)
        self.reduction = reduction

    def forward(self, y, t):
        t = _same_shape_target("mse_loss", y, t)
        diff = y - t
        self.save_for_backward(diff)
        return _reduce(diff * diff, self.reduction, "mse_loss")

    def backward(self, gy):
        (diff,) = self.saved
        scale = 2.0 / diff.size if self.reduction == "mean" else 2.0
        g = diff * (gy * scale)
        ny, nt = self.needs_input_grad
        return (g if ny else None, -g if nt else None)


def mse_loss(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error, as ``torch.nn.functional.mse_loss`` (mean over every element)."""
    return MSELoss(reduction)(y, t)


def sum_squared_error(y: Any, t: Any) -> Tensor:
    """The notes' form: E = 0.5 * sum((y - t)^2), whose gradient is simply y - t."""
    return MSELoss("sum")(y, t) * 0.5


class SmoothL1Loss(Function):
    """Huber-like loss of d = y - t: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is L1.

    dy = d / beta inside, sign(d) outside; dt = -dy. ``l1_loss`` is this with beta = 0 (|d|, gradient sign(d)).
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0, name: str = "smooth_l1_loss"):
        _check_reduction(name, reduction)
        if not beta >= 0:
            raise ValueError(f"{name}: beta must be a number >= 0; received {beta!r}")
        self.reduction, self.beta, self.name = reduction, float(beta), name

    def forward(self, y, t):
        xp = get_array_module(y)
        diff = y - _same_shape_target(self.name, y, t)
        size = xp.abs(diff)
        if self.beta == 0:
            loss = size
        else:
            loss = xp.where(size < self.beta, 0.5 * diff * diff / self.beta, size - 0.5 * self.beta)
        self.save_for_backward(diff)
        return _reduce(loss.astype(y.dtype, copy=False), self.reduction, self.name)

    def backward(self, gy):
        (diff,) = self.saved
        xp = get_array_module(diff)
        g = xp.sign(diff) if self.beta == 0 else xp.clip(diff / self.beta, -1, 1)
        g = g * (gy / diff.size if self.reduction == "mean" else gy)
        ny, nt = self.needs_input_grad
        return (g if ny else None, -g if nt else None)


def smooth_l1_loss(y: Any, t: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """F.smooth_l1_loss: squared below ``beta``, absolute above it (less swayed by outliers than MSE)."""
    return SmoothL1Loss(reduction, beta)(y, t)


def l1_loss(y: Any, t: Any, reduction: str = "mean") -> Tensor:
    """F.l1_loss: mean absolute error |y - t| (gradient sign(y - t), 0 where they are equal)."""
    return SmoothL1Loss(reduction, 0.0, "l1_loss")(y, t)


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)), with each log clamped at -100 as PyTorch does (so p = 0 or 1 is finite)."""

    def __init__(self, reduction: str = "mean", weight: Any = None):
        _check_reduction("binary_cross_entropy", reduction)
        self.reduction = reduction
        self.weight = _data(weight)

    def forward(self, p, t):
        t = _same_shape_target("binary_cross_entropy", p, t)
        xp = get_array_module(p)
        if p.size and (p.min() < 0 or p.max() > 1):
            raise ValueError(
                "binary_cross_entropy: inputs must be probabilities in [0, 1]; received values from "
                f"{float(p.min())} to {float(p.max())}. Apply sigmoid first, or use binary_cross_entropy_with_logits."
            )
        with _quiet(xp):
            log_p, log_1mp = xp.maximum(xp.log(p), -100), xp.maximum(xp.log1p(-p), -100)
        loss = -(t * log_p + (1 - t) * log_1mp)
        self.save_for_backward(p, t, log_p - log_1mp if self.needs_input_grad[1] else None)
        return _reduce(_weighted(loss, self.weight), self.reduction, "binary_cross_entropy")

    def backward(self, gy):
        p, t, log_odds = self.saved
        xp = get_array_module(p)
        scale = _weighted(gy / p.size if self.reduction == "mean" else gy, self.weight)
        g = (p - t) / xp.maximum(p * (1 - p), 1e-12)
        g *= scale
        # d/dt = -(log p - log(1 - p)), with the same clamps as the loss.
        return g, (None if log_odds is None else log_odds * -scale)


def binary_cross_entropy(p: Any, t: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """F.binary_cross_entropy of probabilities ``p`` (after sigmoid) against targets ``t`` in [0, 1].

    ``weight`` (broadcastable to p) rescales each element's loss. Shapes: p and t alike; the result a scalar
    (or p's shape with reduction="none").
    """
    return BinaryCrossEntropy(reduction, weight)(p, t)


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid + binary cross-entropy fused, with PyTorch's pos_weight c (1 when not given)::

        loss = (1 - t) x + (1 + (c - 1) t) softplus(-x),  softplus(-x) = max(-x, 0) + log(1 + exp(-|x|))
        dx   = (1 + (c - 1) t) sigmoid(x) - c t           (= sigmoid(x) - t when c = 1)
        dt   = -x + (c - 1) softplus(-x)
    """

    def __init__(self, reduction: str = "mean", weight: Any = None, pos_weight: Any = None):
        _check_reduction("binary_cross_entropy_with_logits", reduction)
        self.reduction = reduction
        self.weight, self.pos_weight = _data(weight), _data(pos_weight)

    def forward(self, x, t):
        t = _same_shape_target("binary_cross_entropy_with_logits", x, t)
        xp = get_array_module(x)
        softplus = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        c = 1 if self.pos_weight is None else self.pos_weight
        loss = (1 - t) * x + (1 + (c - 1) * t) * softplus
        self.save_for_backward(_sigmoid(x), t, x if self.needs_input_grad[1] else None, softplus)
        return _reduce(_weighted(loss, self.weight), self.reduction, "binary_cross_entropy_with_logits")

    def backward(self, gy):
        p, t, x, softplus = self.saved
        scale = _weighted(gy / p.size if self.reduction == "mean" else gy, self.weight)
        if self.pos_weight is None:
            g = p - t
            gt = None if x is None else -x
        else:
            c = self.pos_weight
            g = (1 + (c - 1) * t) * p - c * t
            gt = None if x is None else -x + (c - 1) * softplus
        g = g * scale
        return g, (None if gt is None else gt * scale)


def binary_cross_entropy_with_logits(
    x: Any, t: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """F.binary_cross_entropy_with_logits: sigmoid and binary cross-entropy in one stable step, on scores ``x``.

    ``weight`` rescales each element; ``pos_weight`` (one per class, broadcast over the last axis) weighs the
    positive targets, c > 1 trading precision for recall.
    """
    return BinaryCrossEntropyWithLogits(reduction, weight, pos_weight)(x, t)


def _data(value: Any) -> Any:
    """The array of a Tensor (weights given as Tensors are constants here, as in PyTorch's losses)."""
    return value.data if isinstance(value, Tensor) else value


def _weighted(values: Any, weight: Any) -> Any:
    return values if weight is None else values * weight


class _quiet:
    """Silence NumPy's divide-by-zero warning for log(0); the clamp at -100 handles the value."""

    def __init__(self, xp: Any):
        self.xp = xp

    def __enter__(self) -> None:
        self.state = self.xp.seterr(divide="ignore") if hasattr(self.xp, "seterr") else None

    def __exit__(self, *exc: Any) -> None:
        if self.state is not None:
            self.xp.seterr(**self.state)
