"""Loss functions: mean squared error, cross-entropy (fused with softmax), binary cross-entropy.

``reduction`` is "mean" (the default, as in PyTorch), "sum" or "none".
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor
from ..backend import get_array_module
from .activation import _log_softmax, _sigmoid

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


class CrossEntropy(Function):
    """Softmax followed by cross-entropy, fused: loss = -sum(t * log_softmax(x)) / N; dx = (softmax(x) - t) / N.

    Fusing them is both faster and stable: log_softmax never takes the log of a probability that rounded to 0,
    and the backward is the notes' clean (y - t) / N instead of a division by y.
    """

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0):
        _check_reduction("cross_entropy", reduction)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1); received {label_smoothing}")
        self.reduction, self.smoothing = reduction, label_smoothing

    def forward(self, x, t):
        xp = get_array_module(x)
        t = xp.asarray(t)  # labels may come as a Python int or list
        single = x.ndim == 1  # one sample (C,) as in the notes' first examples
        if single:
            x, t = x[None], t[None]
        t = _target_distribution(x, t, xp)
        if self.smoothing:
            t = t * (1 - self.smoothing) + self.smoothing / x.shape[1]
        logp = _log_softmax(x, axis=1)
        loss = -(t * logp).sum(axis=1)
        self.save_for_backward(logp, t)
        self.single = single
        loss = _reduce(loss, self.reduction, "cross_entropy")
        return loss[0] if single and self.reduction == "none" else loss

    def backward(self, gy):
        logp, t = self.saved
        xp = get_array_module(logp)
        # d/dx of -sum(t log_softmax(x)) = softmax(x) * sum(t) - t; sum(t) = 1 for labels and one-hot rows.
        gx = self._scale(xp.exp(logp) * t.sum(axis=1, keepdims=True) - t, gy)
        gt = None
        if self.needs_input_grad[1]:  # soft targets that are themselves learned (e.g. a teacher's output)
            # d/dt of -sum(t' log_softmax(x)), with the smoothed target t' = t (1 - smoothing) + smoothing / C.
            gt = self._scale(logp * -(1 - self.smoothing), gy)
        if self.single:
            return gx[0], (None if gt is None else gt[0])
        return gx, gt

    def _scale(self, g, gy):
        """Multiply the per-element gradient (N, C) by d(reduced loss)/d(per-sample loss), in place."""
        if self.reduction == "mean":
            g *= gy / len(g)
        elif self.reduction == "sum":
            g *= gy
        else:
            g *= (gy[None] if self.single else gy)[:, None]
        return g


def _target_distribution(x: Any, t: Any, xp: Any) -> Any:
    """Targets as a (N, C) distribution: int labels become one-hot rows, float targets are checked and kept."""
    n, c = x.shape
    if t.dtype.kind in "iub":
        if t.shape != (n,):
            raise ValueError(
                f"cross_entropy: integer labels must have shape (N,) = ({n},) for logits of shape {x.shape}; "
                f"received {t.shape}"
            )
        if n and (t.min() < 0 or t.max() >= c):
            raise ValueError(
                f"cross_entropy: labels must be in [0, {c - 1}] for {c} classes; received values from "
                f"{int(t.min())} to {int(t.max())}"
            )
        onehot = xp.zeros_like(x)
        onehot[xp.arange(n), t] = 1
        return onehot
    if t.shape != x.shape:
        raise ValueError(
            f"cross_entropy: one-hot / probability targets must have the logits' shape {x.shape}; received {t.shape}"
        )
    return t.astype(x.dtype, copy=False)


def cross_entropy(logits: Any, target: Any, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of raw scores ``logits`` (N, C) against ``target``.

    ``target`` is either int labels of shape (N,) or one-hot / probability rows of shape (N, C). Softmax is
    applied inside, as in ``torch.nn.functional.cross_entropy``: pass the scores, not probabilities.
    """
    return CrossEntropy(reduction, label_smoothing)(logits, target)


def cross_entropy_error(y: Any, t: Any) -> Tensor:
    """The notes' version on probabilities ``y`` (after softmax): -sum(t * log(y + 1e-7)) / N.

    The 1e-7 keeps log(0) from being -inf. Prefer ``cross_entropy`` on logits, which needs no such guard.
    """
    from . import math as m

    y_data = y.data if isinstance(y, Tensor) else y
    t_data = t.data if isinstance(t, Tensor) else t
    if t_data.size == y_data.size:
        t_data = t_data.reshape(y_data.shape)
    n = y_data.shape[0] if y_data.ndim == 2 else 1
    if t_data.shape != y_data.shape:  # labels: pick each row's probability of its label
        y = y[get_array_module(t_data).arange(n), t_data] if y_data.ndim == 2 else y[t_data]
        return -m.log(y + 1e-7).sum() / n
    return -(m.log(y + 1e-7) * t_data).sum() / n


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)), with each log clamped at -100 as PyTorch does (so p = 0 or 1 is finite)."""

    def __init__(self, reduction: str = "mean"):
        _check_reduction("binary_cross_entropy", reduction)
        self.reduction = reduction

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
        return _reduce(loss, self.reduction, "binary_cross_entropy")

    def backward(self, gy):
        p, t, log_odds = self.saved
        xp = get_array_module(p)
        scale = gy / p.size if self.reduction == "mean" else gy
        g = (p - t) / xp.maximum(p * (1 - p), 1e-12)
        g *= scale
        # d/dt = -(log p - log(1 - p)), with the same clamps as the loss.
        return g, (None if log_odds is None else log_odds * -scale)


def binary_cross_entropy(p: Any, t: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``p`` (after sigmoid) against targets ``t`` in [0, 1]."""
    return BinaryCrossEntropy(reduction)(p, t)


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid + binary cross-entropy fused: max(x, 0) - x t + log(1 + exp(-|x|)); dx = sigmoid(x) - t."""

    def __init__(self, reduction: str = "mean"):
        _check_reduction("binary_cross_entropy_with_logits", reduction)
        self.reduction = reduction

    def forward(self, x, t):
        t = _same_shape_target("binary_cross_entropy_with_logits", x, t)
        xp = get_array_module(x)
        loss = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
        self.save_for_backward(_sigmoid(x), t, x if self.needs_input_grad[1] else None)
        return _reduce(loss, self.reduction, "binary_cross_entropy_with_logits")

    def backward(self, gy):
        p, t, x = self.saved
        scale = gy / p.size if self.reduction == "mean" else gy
        g = p - t
        g *= scale
        return g, (None if x is None else x * -scale)  # d/dt = -x


def binary_cross_entropy_with_logits(x: Any, t: Any, reduction: str = "mean") -> Tensor:
    return BinaryCrossEntropyWithLogits(reduction)(x, t)


class _quiet:
    """Silence NumPy's divide-by-zero warning for log(0); the clamp at -100 handles the value."""

    def __init__(self, xp: Any):
        self.xp = xp

    def __enter__(self) -> None:
        self.state = self.xp.seterr(divide="ignore") if hasattr(self.xp, "seterr") else None

    def __exit__(self, *exc: Any) -> None:
        if self.state is not None:
            self.xp.seterr(**self.state)
