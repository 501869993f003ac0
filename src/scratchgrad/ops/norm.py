"""Normalisation and regularisation: batch normalisation, dropout, local response normalisation."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from ..backend import get_array_module
from .linear import check_float_input


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


class BatchNorm(Function):
    """Normalise each channel (axis 1) to zero mean and unit variance, then scale by weight and shift by bias.

    Training: statistics of this batch (over N and any spatial axes); the running statistics move toward them by
    ``momentum``, the variance unbiased (n / (n - 1)) as PyTorch keeps it, or biased (divided by n) as Keras keeps
    it when ``unbiased_running_var`` is False. Either way the batch is normalised by its biased variance. Eval: the
    running statistics.
    """

    def __init__(
        self,
        running_mean: Any,
        running_var: Any,
        training: bool,
        momentum: float,
        eps: float,
        unbiased_running_var: bool = True,
    ):
        self.running_mean, self.running_var = running_mean, running_var
        self.training = training or running_mean is None
        self.momentum, self.eps = momentum, eps
        self.unbiased_running_var = unbiased_running_var

    def forward(self, x, weight=None, bias=None):
        if x.ndim < 2:
            raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, ...); received {x.shape}")
        if weight is not None:  # otherwise float64 input would silently make float32 weights' output float64
            check_float_input("batch_norm", x, weight)
        xp = get_array_module(x)
        c = x.shape[1]
        self.axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, c) + (1,) * (x.ndim - 2)
        if self.training:
            m = x.size // c
            if m <= 1:
                raise ValueError(
                    f"batch_norm: training needs more than one value per channel to compute a variance; "
                    f"received input of shape {x.shape}. Use a larger batch, or call model.eval()."
                )
            mean = x.mean(axis=self.axes)
            centered = x - mean.reshape(shape)
            var = xp.mean(centered * centered, axis=self.axes)
            self._update_running(mean, var, m)
        else:
            mean, var = self.running_mean, self.running_var
            centered = x - mean.reshape(shape)
        inv_std = 1.0 / xp.sqrt(var + self.eps)
        xhat = centered * inv_std.reshape(shape).astype(x.dtype, copy=False)
        y = xhat if weight is None else xhat * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        self.save_for_backward(xhat, inv_std.reshape(shape), weight)
        self.shape = shape
        return y

    def _update_running(self, mean: Any, var: Any, m: int) -> None:
        if self.running_mean is None:
            return
        mom = self.momentum
        self.running_mean *= 1 - mom
        self.running_mean += mom * mean
        self.running_var *= 1 - mom
        self.running_var += (mom * m / (m - 1) if self.unbiased_running_var else mom) * var

    def backward(self, gy):
        xhat, inv_std, weight = self.saved
        needs = self.needs_input_grad
        gw = (gy * xhat).sum(axis=self.axes) if len(needs) > 1 and needs[1] else None
        gb = gy.sum(axis=self.axes) if len(needs) > 2 and needs[2] else None
        gx = None
        if needs[0]:
            g = gy if weight is None else gy * weight.reshape(self.shape)
            if self.training:
                # d/dx of (x - mean) / std, through the batch mean and variance:
                # dx = inv_std * (g - mean(g) - xhat * mean(g * xhat))
                g_mean = g.mean(axis=self.axes, keepdims=True)
                gxhat_mean = (g * xhat).mean(axis=self.axes, keepdims=True)
                gx = (g - g_mean - xhat * gxhat_mean) * inv_std
            else:
                gx = g * inv_std
        return gx, gw, gb


def batch_norm(
    x: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    unbiased_running_var: bool = True,
) -> Tensor:
    """F.batch_norm over (N, C) or (N, C, H, W); ``running_mean`` / ``running_var`` are updated in place.

    ``unbiased_running_var``: True moves ``running_var`` toward the batch variance times n / (n - 1) (PyTorch),
    False toward the batch variance itself (Keras's ``moving_variance``); n counts the values per channel.
    """
    fn = BatchNorm(_data(running_mean), _data(running_var), training, momentum, eps, unbiased_running_var)
    return fn(x, weight, bias)


class Dropout(Function):
    """Inverted dropout: zero each element with probability p and scale the survivors by 1 / (1 - p).

    The notes scale at test time instead (multiply by 1 - p in eval mode). Scaling during training gives the
    same expected activation, and leaves inference untouched: an eval-mode network is the plain network, with
    no dropout bookkeeping, which is also what PyTorch and Keras do.
    """

    def __init__(self, p: float, whole_channels: bool = False):
        self.p = p
        self.whole_channels = whole_channels  # Dropout2d: one draw per (sample, channel), shared by its pixels

    def forward(self, x):
        xp = get_array_module(x)
        shape = x.shape[:2] + (1,) * (x.ndim - 2) if self.whole_channels else x.shape
        if self.p >= 1.0:
            mask = xp.zeros(shape, dtype=x.dtype)
        else:
            keep = backend.rng().random(shape, dtype=x.dtype) >= self.p
            mask = keep * x.dtype.type(1.0 / (1.0 - self.p))
        self.save_for_backward(mask)
        return x * mask

    def backward(self, gy):
        (mask,) = self.saved
        return gy * mask


def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """F.dropout: identity when ``training`` is False or p = 0 (``inplace`` is accepted and ignored)."""
    return _dropout("dropout", x, p, training, False)


def dropout2d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """F.dropout2d: zero whole channels of (N, C, H, W) input, each with probability p; survivors scaled 1/(1-p)."""
    if getattr(x, "ndim", 4) not in (3, 4):
        raise ValueError(f"dropout2d: expected input of shape (N, C, H, W) or (C, H, W); received {tuple(x.shape)}")
    return _dropout("dropout2d", x, p, training, True)


def _dropout(name: str, x: Any, p: float, training: bool, whole_channels: bool) -> Tensor:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: p must be a probability in [0, 1]; received {p}")
    if not training or p == 0.0:
        return x if isinstance(x, Tensor) else Tensor(x)
    return Dropout(p, whole_channels)(x)


def _channel_window_sum(a: Any, before: int, after: int) -> Any:
    """s[:, c] = sum of a[:, c - before : c + after + 1] (clipped at the edges), by a cumulative sum.

    Written into arrays laid out like ``a`` (a convolution's output is batch last in memory): a padded copy
    would come back row-major, and every elementwise pass mixing the two layouts ran ~2x slower.
    """
    xp = get_array_module(a)
    c = a.shape[1]
    cs = xp.empty_like(a)
    xp.cumsum(a, axis=1, out=cs)
    s = xp.empty_like(a)
    top = max(c - after, 0)  # channels whose window ends inside: cs[c + after]; the rest end at the last channel
    s[:, :top] = cs[:, after:]
    s[:, top:] = cs[:, c - 1 : c]
    if before + 1 < c:
        s[:, before + 1 :] -= cs[:, : c - before - 1]  # less what comes before the window
    return s


class LocalResponseNorm(Function):
    """AlexNet's normalisation across channels: y_c = x_c / (k + alpha / n * sum_{c' near c} x_c'^2) ^ beta."""

    def __init__(self, size: int, alpha: float, beta: float, k: float):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        before, after = self.size // 2, (self.size - 1) // 2
        d = self.k + (self.alpha / self.size) * _channel_window_sum(x * x, before, after)
        scale = d**-self.beta
        self.save_for_backward(x, d, scale)
        return x * scale

    def backward(self, gy):
        x, d, scale = self.saved
        # The window of channel c holds j exactly when c lies in j's mirrored window: swap before and after.
        before, after = self.size // 2, (self.size - 1) // 2
        back = _channel_window_sum(gy * x * scale / d, after, before)
        return gy * scale - (2 * self.alpha * self.beta / self.size) * x * back


def local_response_norm(x: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """F.local_response_norm over channels (axis 1) of (N, C, ...) input."""
    return LocalResponseNorm(size, alpha, beta, k)(x)
