"""Gradient utilities used by training loops."""

from __future__ import annotations

import math
from typing import Any, Iterable


def clip_grad_norm_(parameters: Iterable[Any], max_norm: float) -> float:
    """Scale every gradient by one factor so that their joint L2 norm is at most ``max_norm``.

    Returns the norm before clipping (as torch.nn.utils.clip_grad_norm_). Gradients are replaced, not modified
    in place, since a gradient array may be shared with another tensor.
    """
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0; received {max_norm}")
    params = [p for p in parameters if p.grad is not None]
    total = math.sqrt(sum(float((p.grad.data.astype("float64") ** 2).sum()) for p in params))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:
            p.grad = p.grad.data * p.grad.data.dtype.type(scale)
    return total
