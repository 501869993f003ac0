"""The ops under PyTorch's functional names and argument spellings: ``import scratchgrad.nn.functional as F``.

Each name is the op itself or a one-line translation of PyTorch's arguments (``dim`` -> the ops' ``axis``).
"""

from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..backend import get_array_module
from ..ops import activation as _activation
from ..ops.activation import identity, leaky_relu, relu, sigmoid, step, tanh
from ..ops.conv import col2im, conv2d, im2col
from ..ops.cross_entropy import cross_entropy, cross_entropy_error, nll_loss
from ..ops.linear import linear
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
    sum_squared_error,
)
from ..ops.norm import batch_norm, dropout, dropout2d, local_response_norm
from ..ops.pad import torch_pad as pad
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import concat, flatten, stack
from ..ops.smooth_activation import elu, gelu


def _dim(name: str, dim: int | None, axis: int | None) -> int:
    """PyTorch's ``dim`` or the notes' ``axis`` (one of them; -1, the class axis of (N, C), when neither)."""
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"{name}: give dim or axis, not both; received dim={dim}, axis={axis}")
    return -1 if dim is None and axis is None else (dim if dim is not None else axis)


def softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """F.softmax(x, dim): exp(x) / sum(exp(x)) along ``dim`` (-1 when not given). (N, C) -> (N, C)."""
    return _activation.softmax(x, _dim("softmax", dim, axis))


def log_softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """F.log_softmax(x, dim): log(softmax(x)) along ``dim``, computed stably; pair it with ``nll_loss``."""
    return _activation.log_softmax(x, _dim("log_softmax", dim, axis))


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """F.one_hot: int64 labels of any shape (...) -> (..., num_classes) of 0/1 int64 (num_classes -1: max + 1)."""
    labels = tensor.data if isinstance(tensor, Tensor) else tensor
    xp = get_array_module(labels)
    labels = xp.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class labels (int64); received dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"one_hot: labels must be in [0, {num_classes - 1}] for num_classes={num_classes}; received values "
            f"from {int(labels.min())} to {int(labels.max())}"
        )
    return Tensor((labels[..., None] == xp.arange(num_classes)).astype(xp.int64))


__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "col2im",
    "concat",
    "conv2d",
    "cross_entropy",
    "cross_entropy_error",
    "dropout",
    "dropout2d",
    "elu",
    "flatten",
    "gelu",
    "identity",
    "im2col",
    "l1_loss",
    "leaky_relu",
    "linear",
    "local_response_norm",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "stack",
    "step",
    "sum_squared_error",
    "tanh",
]
