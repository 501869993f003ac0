"""PyTorch's dtype objects (``float32``, its alias ``float``, ...) over NumPy's dtypes, and the default dtype.

A ``dtype`` compares equal to the NumPy dtype it stands for and hands it to NumPy through the ``.dtype``
attribute, so ``np.zeros(3, dtype=t.dtype)`` and ``t.dtype == np.float32`` keep working where a Tensor's dtype
used to be NumPy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend


class dtype:  # noqa: N801  (PyTorch's name for it)
    """One element type: ``float32``, ``int64``, ``bool``, ...; prints as ``scratchgrad.float32``.

    Attributes:
        dtype: the NumPy dtype it stands for (NumPy reads this attribute when given a ``dtype``).
        is_floating_point: whether it is a floating type (the only kind that can require gradients).
    """

    __slots__ = ("name", "dtype", "is_floating_point", "itemsize")

    def __init__(self, name: str, numpy_dtype: Any):
        self.name = name
        self.dtype = np.dtype(numpy_dtype)
        self.is_floating_point = self.dtype.kind == "f"
        self.itemsize = self.dtype.itemsize

    def __repr__(self) -> str:
        return f"scratchgrad.{self.name}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, dtype):
            return self is other
        if other is None:  # np.dtype(None) is float64: None must not equal float64
            return False
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __getattr__(self, name: str) -> Any:
        # NumPy's attributes (kind, type, char, ...) for code written against a NumPy dtype.
        return getattr(self.dtype, name)


float32 = float = dtype("float32", np.float32)  # noqa: A001
float64 = double = dtype("float64", np.float64)
float16 = half = dtype("float16", np.float16)
int64 = long = dtype("int64", np.int64)
int32 = int = dtype("int32", np.int32)  # noqa: A001
int16 = short = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001

_BY_NUMPY = {d.dtype: d for d in (float32, float64, float16, int64, int32, int16, int8, uint8, bool)}
_BY_NAME = {
    **{d.name: d for d in _BY_NUMPY.values()},
    "float": float32, "double": float64, "half": float16, "long": int64, "int": int32, "short": int16,
}  # fmt: skip


def of_numpy(numpy_dtype: np.dtype) -> dtype:
    """The dtype object of a NumPy dtype (one object per type, so ``is`` and ``==`` agree)."""
    found = _BY_NUMPY.get(numpy_dtype)
    if found is None:  # a NumPy-only type (complex, uint16, ...): named after NumPy's name for it
        found = _BY_NUMPY[numpy_dtype] = dtype(numpy_dtype.name, numpy_dtype)
    return found


def is_dtype_name(name: str) -> bool:
    """Whether ``name`` names a dtype (``"float32"``, ``"long"``, ``"torch.int64"``)."""
    return name.removeprefix("scratchgrad.").removeprefix("torch.") in _BY_NAME


def to_numpy_dtype(value: Any) -> np.dtype | None:
    """The NumPy dtype for a ``dtype`` object, a name (``"float32"``, ``"long"``), a NumPy or Python type.

    None stays None (the caller's default). An unknown name raises ``TypeError`` listing the known ones.
    """
    if value is None or isinstance(value, dtype):
        return None if value is None else value.dtype
    if isinstance(value, str):
        if not is_dtype_name(value):
            raise TypeError(f"unknown dtype {value!r}; expected one of {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[value.removeprefix("scratchgrad.").removeprefix("torch.")].dtype
    return np.dtype(value)


def get_default_dtype() -> dtype:
    """The floating dtype of tensors made from Python floats and of new parameters (``float32`` at start)."""
    return of_numpy(backend.get_default_dtype())


def set_default_dtype(d: Any) -> None:
    """Set the default floating dtype (``float32`` or ``float64``; float64 is useful for gradient checks)."""
    backend.set_default_dtype(to_numpy_dtype(d))
