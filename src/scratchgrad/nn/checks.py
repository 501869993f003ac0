"""Argument checks shared by the layers: each error names the layer, the argument and the value received.

PyTorch's layers take a zero size or stride at construction and fail later (or never); ours refuse at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..ops import conv
from .module import Module, Parameter


def empty(*shape: int) -> Parameter:
    return Parameter(backend.xp.zeros(shape, dtype=backend.get_default_dtype()))


def whole(layer: str, name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, else an error naming the layer, the argument and what it received.

    PyTorch's layers take a zero size or stride at construction and fail later (or never); ours refuse at once.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an int; got {name}={value!r} of type {type(value).__name__}")
    at_least(layer, name, value, value, minimum)
    return int(value)


def whole_pair(layer: str, name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints as (height, width), each checked as ``whole`` checks one."""
    pair = conv.pair(value, f"{layer}: {name}")
    at_least(layer, name, min(pair), value, minimum)
    return pair


def at_least(layer: str, name: str, smallest: Any, value: Any, minimum: int) -> None:
    if smallest < minimum:
        bound = "greater than zero" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{layer}: {name} must be {bound}, but got {name}={value!r}")


def real(layer: str, name: str, value: Any, accept: Any, expected: str) -> float:
    """A finite number that ``accept`` takes, else an error naming the layer, the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer}: {name} must be a number; got {name}={value!r} of type {type(value).__name__}")
    if not (math.isfinite(value) and accept(value)):
        bound = f" {expected}" if expected else ""
        raise ValueError(f"{layer}: {name} must be a finite number{bound}, but got {name}={value!r}")
    return float(value)


def check_input(layer: Module, x: Any) -> Any:
    """Refuse what is neither a Tensor nor an array, as PyTorch refuses a list: naming the type received."""
    if not (isinstance(x, Tensor) or hasattr(x, "__array_interface__") or hasattr(x, "__cuda_array_interface__")):
        raise TypeError(f"{type(layer).__name__}: input must be a Tensor (or an array), not {type(x).__name__}")
    return x
