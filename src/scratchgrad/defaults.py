"""The default floating dtype: what Python floats and new parameters become (float32, as in PyTorch)."""

from __future__ import annotations

from typing import Any

import numpy as np

_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The floating dtype given to tensors made from Python numbers and to new parameters (float32)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the default floating dtype; float64 is useful for gradient checking."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"default dtype must be a floating type (float32 or float64); received {dtype}")
    _default_dtype = dtype
