"""The ops under PyTorch's functional names: ``import scratchgrad.nn.functional as F``."""

from ..ops.activation import (
    identity,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    step,
    tanh,
)
from ..ops.conv import col2im, conv2d, im2col
from ..ops.linear import linear
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_error,
    mse_loss,
    sum_squared_error,
)
from ..ops.norm import batch_norm, dropout, local_response_norm
from ..ops.pad import pad
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import concat, flatten, stack

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
    "flatten",
    "identity",
    "im2col",
    "leaky_relu",
    "linear",
    "local_response_norm",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "stack",
    "step",
    "sum_squared_error",
    "tanh",
]
