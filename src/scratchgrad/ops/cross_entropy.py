"""Cross-entropy (fused with softmax) and the negative log-likelihood, with PyTorch's weight, ignore_index and
label smoothing.

Both are one computation: per sample, loss_i = -sum_c W_ic * logp_ic, where logp is the log-softmax of the
scores (cross_entropy) or the input itself (nll_loss), and W holds the target: w[t_i] at the label's column for
class labels (zero rows for ignored samples), w_c * t_ic for probability targets, and label smoothing mixes
(1 - s) of that with s / C spread over every class. "mean" divides the sum by sum_i w[t_i] over the samples
kept (PyTorch's weighted mean; N for probability targets). Input is (N, C) or (N, C, d1, ...), labels (N, d1, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import get_array_module
from .activation import _log_softmax
from .loss import _check_reduction, _reduce


class CrossEntropy(Function):
    """loss_i = -sum_c W_ic logp_ic; dx = softmax(x) * sum_c W_ic - W (scores) or -W (log-probabilities).

    Fusing softmax in is both faster and stable: log_softmax never takes the log of a probability that rounded
    to 0, and the backward is the notes' clean (y - t) / N instead of a division by y.
    """

    def __init__(
        self,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
        weight: Any = None,
        ignore_index: int = -100,
        log_probs: bool = False,
    ):
        self.name = "nll_loss" if log_probs else "cross_entropy"
        _check_reduction(self.name, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"{self.name}: label_smoothing must be in [0, 1]; received {label_smoothing}")
        self.reduction, self.smoothing, self.ignore_index, self.log_probs = (
            reduction, label_smoothing, ignore_index, log_probs,
        )
        self.weight = weight.data if isinstance(weight, Tensor) else weight

    def forward(self, x, t):
        xp = get_array_module(x)
        t = xp.asarray(t)  # labels may come as a Python int or list
        self.shape = x.shape
        rows, t = _as_rows(self.name, x, t, xp)
        self.weights, denominator, self.soft = self._target_weights(rows, t, xp)
        logp = rows if self.log_probs else _log_softmax(rows, axis=1)
        loss = -(self.weights * logp).sum(axis=1)
        self.save_for_backward(logp)
        if self.reduction == "none":
            return loss.reshape((x.shape[0],) + x.shape[2:]) if x.ndim > 1 else loss.reshape(())
        if self.reduction == "sum" or loss.size == 0:
            return _reduce(loss, self.reduction, self.name)
        with np.errstate(invalid="ignore", divide="ignore"):  # every sample ignored: NaN, as in PyTorch
            return xp.asarray(loss.sum() / denominator, dtype=x.dtype)

    def _target_weights(self, x: Any, t: Any, xp: Any) -> tuple[Any, Any, bool]:
        """W (N, C), the mean's denominator, and whether the target is a distribution."""
        n, c = x.shape
        w = None if self.weight is None else xp.asarray(self.weight, dtype=x.dtype)
        if w is not None and w.shape != (c,):
            raise ValueError(f"{self.name}: weight must have one entry per class, shape ({c},); received {w.shape}")
        s = self.smoothing
        if t.dtype.kind not in "iub":
            if t.shape != x.shape:
                raise ValueError(
                    f"{self.name}: probability targets must have the input's shape {x.shape} (classes on axis 1); "
                    f"received {t.shape}"
                )
            t = t.astype(x.dtype, copy=False) * (1 - s) + s / c
            return (t if w is None else t * w), n, True
        keep = t != self.ignore_index
        everything = bool(keep.all())  # the usual case: no label ignored, no masking needed
        labels = t if everything else xp.where(keep, t, 0)
        if labels.size and (labels.min() < 0 or labels.max() >= c):
            kept = t[keep]
            raise ValueError(
                f"{self.name}: labels must be in [0, {c - 1}] for {c} classes (or ignore_index={self.ignore_index}); "
                f"received values from {int(kept.min())} to {int(kept.max())}"
            )
        weights = xp.zeros_like(x)
        if w is None:
            weights[xp.arange(n), labels] = 1 if everything else keep
            denominator = n if everything else keep.sum()
        else:
            weights[xp.arange(n), labels] = w[labels] * keep
            denominator = weights.sum()
        if s:
            spread = (s / c) * (xp.ones(c, dtype=x.dtype) if w is None else w)[None, :]
            weights = weights * (1 - s) + (spread if everything else spread * keep[:, None])
        self.denominator = denominator
        return weights, denominator, False

    def backward(self, gy):
        (logp,) = self.saved
        xp = get_array_module(logp)
        weights = self.weights
        if self.reduction == "mean":
            scale = gy / (len(logp) if self.soft else self.denominator)
        elif self.reduction == "sum":
            scale = gy
        else:
            scale = gy.reshape(-1)[:, None]
        if self.log_probs:
            gx = weights * -scale
        else:
            gx = xp.exp(logp) * weights.sum(axis=1, keepdims=True) - weights
            gx *= scale
        gt = None
        if self.soft and self.needs_input_grad[1]:  # soft targets that are learned (e.g. a teacher's output)
            w = xp.ones(logp.shape[1], logp.dtype) if self.weight is None else xp.asarray(self.weight, logp.dtype)
            gt = _from_rows(logp * w * -(1 - self.smoothing) * scale, self.shape, xp)
        return _from_rows(gx, self.shape, xp), gt


def _as_rows(name: str, x: Any, t: Any, xp: Any) -> tuple[Any, Any]:
    """(N, C, d1, ...) scores as (N * d1 * ..., C) rows, and the target to match; (C,) is one sample."""
    if x.ndim == 1:
        return x[None], t[None]
    if x.ndim == 2 and t.ndim <= 1:
        _check_label_shape(name, t, (x.shape[0],), x.shape)
        return x, t
    c = x.shape[1]
    rows = xp.moveaxis(x, 1, -1).reshape(-1, c)
    if t.dtype.kind in "iub":
        _check_label_shape(name, t, (x.shape[0],) + x.shape[2:], x.shape)
        return rows, t.reshape(-1)
    return rows, (xp.moveaxis(t, 1, -1).reshape(-1, c) if t.shape == x.shape else t)


def _check_label_shape(name: str, t: Any, expected: tuple, x_shape: tuple) -> None:
    if t.dtype.kind in "iub" and t.shape != expected:
        raise ValueError(
            f"{name}: integer labels must have shape {expected} for input of shape {x_shape}; received {t.shape}"
        )


def _from_rows(g: Any, shape: tuple, xp: Any) -> Any:
    """The inverse of ``_as_rows`` for a gradient."""
    if len(shape) <= 2:
        return g.reshape(shape)
    moved = (shape[0],) + shape[2:] + (shape[1],)
    return xp.ascontiguousarray(xp.moveaxis(g.reshape(moved), -1, 1))


def cross_entropy(
    logits: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """F.cross_entropy: cross-entropy of raw scores (N, C) or (N, C, d1, ...) against ``target``.

    ``target`` is int labels of shape (N,) / (N, d1, ...) or probability rows of the input's shape. Softmax is
    applied inside: pass the scores, not probabilities. ``weight`` (C,) rescales each class; labels equal to
    ``ignore_index`` add nothing; ``label_smoothing`` s mixes the target with the uniform distribution.

    Example: cross_entropy(x, t) with x (100, 10) and t (100,) int64 is a scalar, PyTorch's mean.
    """
    return CrossEntropy(reduction, label_smoothing, weight, ignore_index)(logits, target)


def nll_loss(
    log_probs: Any, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """F.nll_loss: -log_probs[i, target_i] (times weight[target_i]), on log-probabilities (after log_softmax).

    nll_loss(log_softmax(x, dim=1), t) equals cross_entropy(x, t). Shapes as ``cross_entropy``.
    """
    return CrossEntropy(reduction, 0.0, weight, ignore_index, log_probs=True)(log_probs, target)


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
