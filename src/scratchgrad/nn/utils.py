"""Gradient utilities used by training loops: ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``."""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..autograd import wrap


def _with_grads(parameters: Any) -> list[Any]:
    parameters = [parameters] if hasattr(parameters, "grad") else parameters
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Any], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Any:
    """Scale every gradient by one factor so that their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the norm before clipping, a 0-d tensor (as torch.nn.utils.clip_grad_norm_). Each ``.grad`` Tensor stays
    the same Tensor, as in PyTorch, with a new array: an array handed out earlier (``.grad.data``) keeps its values.
    ``norm_type`` may be ``float("inf")`` (the largest magnitude).
    """
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0; received {max_norm}")
    params = _with_grads(parameters)
    grads = [np.abs(p.grad.data.astype("float64")) for p in params]
    if math.isinf(norm_type):
        total = max((float(g.max()) for g in grads if g.size), default=0.0)
    else:
        total = sum(float((g**norm_type).sum()) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}; "
                           "pass error_if_nonfinite=False to clip anyway")  # fmt: skip
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:
            p.grad.data = p.grad.data * p.grad.data.dtype.type(scale)
    dtype = params[0].grad.data.dtype if params else np.float32
    return wrap(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Iterable[Any], clip_value: float) -> None:
    """Limit every gradient element to [-clip_value, clip_value] (the same ``.grad`` Tensors, new arrays)."""
    for p in _with_grads(parameters):
        p.grad.data = p.grad.data.clip(-clip_value, clip_value)
