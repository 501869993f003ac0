"""Conversions of a Tensor: to NumPy and Python values, and to other dtypes (a differentiable cast)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from ..ops import math as _math

if TYPE_CHECKING:
    from . import Tensor


class ConvertMixin:
    """numpy, item, tolist, ``np.asarray(t)``, astype, float, double."""

    __slots__ = ()
    data: Any

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied, on the NumPy backend)."""
        return backend.to_numpy(self.data)

    def item(self) -> Any:
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = backend.to_numpy(self.data)
        return array if dtype is None else array.astype(dtype)

    def astype(self, dtype: Any) -> Tensor:
        return _math.cast(self, dtype)

    def float(self) -> Tensor:
        return _math.cast(self, np.float32)

    def double(self) -> Tensor:
        return _math.cast(self, np.float64)
