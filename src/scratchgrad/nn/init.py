"""Initial weights: the notes' small Gaussian, Xavier (for sigmoid / tanh) and He (for ReLU).

Each function fills a Parameter in place and returns it, as ``torch.nn.init`` does. Random numbers come from
the generator ``sg.manual_seed`` resets.

Fan-in of a weight is the number of inputs each output sees: ``in_features`` for Linear, ``in_channels * FH *
FW`` for Conv2d; fan-out likewise with the outputs.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..autograd import Tensor, no_grad


def calculate_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in) or (out, in, FH, FW)."""
    if len(shape) < 2:
        raise ValueError(f"fan-in and fan-out need a weight with at least 2 axes; received shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        tensor.data = backend.as_array(values, dtype=tensor.data.dtype)
    return tensor


def _gaussian(tensor: Tensor, mean: float, std: float) -> Any:
    dtype = tensor.data.dtype
    return backend.rng().standard_normal(tensor.shape, dtype=dtype) * dtype.type(std) + dtype.type(mean)


def _uniform(tensor: Tensor, low: float, high: float) -> Any:
    dtype = tensor.data.dtype
    return backend.rng().random(tensor.shape, dtype=dtype) * dtype.type(high - low) + dtype.type(low)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 0.01) -> Tensor:
    """Gaussian weights. The default std 0.01 is the notes' ``weight_init_std`` (PyTorch's default is 1.0)."""
    return _fill(tensor, _gaussian(tensor, mean, std))


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    return _fill(tensor, _uniform(tensor, a, b))


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, backend.xp.zeros(tensor.shape))


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, backend.xp.ones(tensor.shape))


def constant_(tensor: Tensor, value: float) -> Tensor:
    return _fill(tensor, backend.xp.full(tensor.shape, value))


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot and Bengio, as PyTorch).

    The notes simplify Xavier to std = 1 / sqrt(n) with n the previous layer's size; that is
    ``normal_(w, std=1 / sqrt(fan_in))``, used by ``scratchgrad lab weight-init``.
    """
    fan_in, fan_out = calculate_fans(tensor.shape)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Uniform on [-a, a] with a = gain * sqrt(6 / (fan_in + fan_out)): the same variance as xavier_normal_."""
    fan_in, fan_out = calculate_fans(tensor.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan_in, fan_out = calculate_fans(tensor.shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out'; received {mode!r}")
    gains = {"relu": math.sqrt(2.0), "leaky_relu": math.sqrt(2.0 / (1 + a * a)), "linear": 1.0, "sigmoid": 1.0,
             "tanh": 5.0 / 3}
    if nonlinearity not in gains:
        raise ValueError(f"nonlinearity must be one of {sorted(gains)}; received {nonlinearity!r}")
    return gains[nonlinearity] / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def he_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu") -> Tensor:
    """He initialisation: std = sqrt(2 / fan_in) for ReLU, the notes' choice for ReLU networks."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def he_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu") -> Tensor:
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """PyTorch's name and defaults for ``he_normal_``: gain sqrt(2 / (1 + a^2)), which is ReLU's for a = 0."""
    return he_normal_(tensor, a, mode, nonlinearity)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """PyTorch's name and defaults for ``he_uniform_``; ``a = sqrt(5)`` gives Linear's and Conv2d's default."""
    return he_uniform_(tensor, a, mode, nonlinearity)


def default_(layer: Any) -> Any:
    """PyTorch's initialisation of a Linear or Conv2d: weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    That is ``kaiming_uniform_(weight, a=sqrt(5))`` and a bias of the same bound, as ``torch.nn.Linear`` and
    ``torch.nn.Conv2d`` start, so a PyTorch program's first losses are PyTorch's. The model zoo re-initialises
    its layers with the notes' choices (He for ReLU networks, ``models.mlp.init_weights``).
    """
    kaiming_uniform_(layer.weight, a=math.sqrt(5))
    if layer.bias is not None:
        fan_in = calculate_fans(layer.weight.shape)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(layer.bias, -bound, bound)
    return layer
