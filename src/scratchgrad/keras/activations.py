"""Activations by Keras's names: ``Dense(10, activation="softmax")``, ``Activation("relu")``.

Inside a model, 4-D tensors run channels-first (N, C, H, W) while Keras's axis for "softmax" is the channels
axis, the last one of the user's (N, H, W, C). So each activation here is a function of the tensor as the
model holds it and of the channel axis, never a hard-coded ``axis=-1``.
"""

from __future__ import annotations

from typing import Any, Callable

from ..autograd import Tensor
from ..nn import functional as F

Activation = Callable[[Tensor, int], Tensor]


def channel_axis(x: Any) -> int:
    """Where Keras's last (channels) axis lives in the model's internal layout: 1 for NCHW, else the last."""
    return 1 if x.ndim == 4 else -1


def _linear(x: Tensor, axis: int) -> Tensor:
    return x


ACTIVATIONS: dict[str, Activation] = {
    "linear": _linear,
    "relu": lambda x, axis: F.relu(x),
    "sigmoid": lambda x, axis: F.sigmoid(x),
    "tanh": lambda x, axis: F.tanh(x),
    "softmax": lambda x, axis: F.softmax(x, axis),
}


def get(identifier: str | Callable | None, layer: str = "layer") -> tuple[str, Activation]:
    """(name, function) for a Keras activation argument: a name above, None (linear) or a callable.

    A callable receives the model's internal tensor, so it must act elementwise (any of ``nn.functional``'s
    activations does); names are the way to ask for softmax over channels.
    """
    if identifier is None:
        return "linear", _linear
    if isinstance(identifier, str):
        fn = ACTIVATIONS.get(identifier.lower())
        if fn is None:
            names = ", ".join(repr(n) for n in ACTIVATIONS)
            raise ValueError(
                f'Layer "{layer}": unknown activation function {identifier!r} for argument `activation`. '
                f"Expected one of {names}, None, or a callable."
            )
        return identifier.lower(), fn
    if callable(identifier):
        return getattr(identifier, "__name__", "custom"), lambda x, axis: identifier(x)
    raise TypeError(
        f'Layer "{layer}": argument `activation` must be a name, None or a callable; '
        f"received {identifier!r} of type {type(identifier).__name__}"
    )
