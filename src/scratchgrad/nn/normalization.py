"""Normalisation and dropout layers: BatchNorm1d, BatchNorm2d, LocalResponseNorm, Dropout and Dropout2d."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor
from ..ops import norm
from .checks import check_input, empty, real, whole
from .module import Module, Parameter


class _BatchNorm(Module):
    expected_ndim: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        *,
        unbiased_running_var: bool = True,
    ):
        super().__init__()
        name = type(self).__name__
        self.unbiased_running_var = bool(unbiased_running_var)
        self.num_features = whole(name, "num_features", num_features)
        self.eps = real(name, "eps", eps, lambda v: v > 0, "> 0")
        self.momentum = real(name, "momentum", momentum, lambda v: 0 <= v <= 1, "in [0, 1]")
        dtype = backend.get_default_dtype()
        self.weight = Parameter(backend.xp.ones(num_features, dtype=dtype)) if affine else None
        self.bias = empty(num_features) if affine else None
        self.register_buffer("running_mean", backend.xp.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", backend.xp.ones(num_features, dtype=dtype))
        # PyTorch keeps this counter in the state dict; we keep it too so our files load with strict=True.
        self.register_buffer("num_batches_tracked", backend.xp.zeros((), dtype=backend.xp.int64))

    def forward(self, x: Any) -> Tensor:
        if check_input(self, x).ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): expected input with {self.expected_ndim} axes and "
                f"{self.num_features} channels on axis 1; received shape {tuple(x.shape)}"
            )
        if self.training:
            self.num_batches_tracked += 1
        return norm.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, self.training, self.momentum, self.eps,
            self.unbiased_running_var,
        )

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


_BATCH_NORM_ARGS = """
    Args:
        num_features: C, the number of features (channels) on axis 1.
        eps: added to the variance before its square root.
        momentum: weight of the new batch in the running statistics, r <- (1 - momentum) r + momentum * batch
            (PyTorch's convention; Keras's momentum is 1 minus this).
        affine: learn a per-feature scale (weight, starting at 1) and shift (bias, starting at 0).
        unbiased_running_var: (keyword only, not PyTorch's) False updates running_var with the biased batch
            variance, as Keras's moving_variance.

    In training mode it normalises with the batch's mean and (biased) variance and updates the running ones
    (running_var with the unbiased batch variance, as PyTorch); in eval mode it uses the running ones.
"""


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input, per feature C: (x - mean) / sqrt(var + eps) * w + b.
    {args}
    Shape: (N, C) -> (N, C); (N, C, L) -> (N, C, L) (statistics over N and L).
    Example: BatchNorm1d(100)(x) with x of shape (32, 100) has shape (32, 100), each column near mean 0, std 1.
    """

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, per channel C: (x - mean) / sqrt(var + eps) * w + b.
    {args}
    Shape: (N, C, H, W) -> (N, C, H, W) (statistics over N, H and W).
    Example: BatchNorm2d(64)(x) with x of shape (8, 64, 32, 32) has shape (8, 64, 32, 32).
    """

    expected_ndim = (4,)


for _norm in (BatchNorm1d, BatchNorm2d):  # one Args section for both, written once
    _norm.__doc__ = _norm.__doc__.format(args=_BATCH_NORM_ARGS.strip("\n"))


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode and scale the rest by 1 / (1 - p).

    This is PyTorch's inverted dropout: the notes scale by (1 - p) at test time instead; both give the same
    expected activation, and this way an eval-mode network is the plain one.

    Args:
        p: the probability of zeroing an element, in [0, 1] (1 zeroes everything).
        inplace: accepted for PyTorch's signature; the output is always a new tensor.

    Shape: any shape -> the same shape; identity in eval mode (``model.eval()``).
    Example: Dropout(0.5)(x) in training mode zeroes about half of x and doubles the rest.
    """

    channels = False  # Dropout2d: one draw per (sample, channel)

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        # p = 1 is allowed, as in PyTorch: every element is zeroed (no division by 1 - p happens).
        self.p = real(type(self).__name__, "p", p, lambda v: 0 <= v <= 1, "in [0, 1]")

    def forward(self, x: Any) -> Tensor:
        if self.channels:
            return norm.dropout2d(check_input(self, x), self.p, self.training)
        return norm.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels (feature maps) with probability ``p`` in training mode, scaling the rest by 1 / (1 - p).

    Neighbouring pixels of a feature map are strongly correlated, so dropping single pixels barely regularises
    a convolution; dropping the whole map does.

    Args:
        p: the probability of zeroing a channel, in [0, 1].
        inplace: accepted for PyTorch's signature; the output is always a new tensor.

    Shape: (N, C, H, W) -> (N, C, H, W), or (C, H, W) -> (C, H, W); identity in eval mode.
    Example: Dropout2d(0.25)(x) with x of shape (8, 32, 12, 12) zeroes about 8 of each sample's 32 maps.
    """

    channels = True


class LocalResponseNorm(Module):
    """AlexNet's local response normalisation across ``size`` neighbouring channels:
    b_c = a_c / (k + alpha / size * sum of a^2 over the window) ** beta.

    Args:
        size: channels in each window (centred on the channel).
        alpha, beta, k: the formula's constants (PyTorch's defaults 1e-4, 0.75, 1).

    Shape: (N, C, H, W) -> (N, C, H, W).
    Example: LocalResponseNorm(5)(x) with x of shape (8, 96, 55, 55) has shape (8, 96, 55, 55).
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = whole("LocalResponseNorm", "size", size)
        self.alpha = real("LocalResponseNorm", "alpha", alpha, lambda v: v >= 0, ">= 0")
        self.beta = real("LocalResponseNorm", "beta", beta, lambda v: v >= 0, ">= 0")
        self.k = real("LocalResponseNorm", "k", k, lambda v: v > 0, "> 0")

    def forward(self, x: Any) -> Tensor:
        return norm.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
