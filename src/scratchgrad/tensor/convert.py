"""Conversions of a Tensor: to NumPy and Python values, and to other dtypes (a differentiable cast)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from ..device import check, device, of_array
from ..ops import math as _math
from ..ops import pointwise as _pw
from . import dtypes
from .core import TensorCore

if TYPE_CHECKING:
    from . import Tensor

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}  # fmt: skip


def to_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[device | None, np.dtype | None]:
    """(device, NumPy dtype) from PyTorch's ways of calling ``to``: a device, a dtype, both, or a tensor (its
    device and dtype), positionally or as ``device=``/``dtype=``; None for what was not given."""
    dtype, where = kwargs.get("dtype"), kwargs.get("device")
    for arg in args:
        if isinstance(arg, TensorCore):
            dtype, where = arg.dtype, arg.device
        elif isinstance(arg, (dtypes.dtype, np.dtype, type)) or isinstance(arg, str) and dtypes.is_dtype_name(arg):
            dtype = arg
        else:
            where = arg
    return (None if where is None else check(where)), dtypes.to_numpy_dtype(dtype)


class ConvertMixin:
    """numpy, item, tolist, ``np.asarray(t)``, int()/float()/bool(), clone and the dtype casts."""

    __slots__ = ()
    data: Any
    requires_grad: bool

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array, sharing memory. Refused on a tensor that requires grad, as in PyTorch."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return backend.to_numpy(self.data)

    def item(self) -> Any:
        """The one element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): a tensor with {self.data.size} elements cannot be converted to a Python number")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = backend.to_numpy(self.data)
        return array if dtype is None else array.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index; this one has dtype {self.data.dtype}")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.data.item())

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back through it."""
        return _pw.clone(self)

    def astype(self, dtype: Any) -> Tensor:
        return _math.cast(self, dtypes.to_numpy_dtype(dtype))

    def type(self, dtype: Any = None) -> Any:
        """With a dtype: this tensor cast to it. Without: the type's name (``'scratchgrad.FloatTensor'``)."""
        if dtype is None:
            return f"scratchgrad.{_TYPE_NAMES.get(self.data.dtype.name, self.data.dtype.name)}Tensor"
        return _math.cast(self, dtypes.to_numpy_dtype(dtype))

    def float(self) -> Tensor:
        return _math.cast(self, np.float32)

    def double(self) -> Tensor:
        return _math.cast(self, np.float64)

    def half(self) -> Tensor:
        return _math.cast(self, np.float16)

    def long(self) -> Tensor:
        return _math.cast(self, np.int64)

    def int(self) -> Tensor:
        return _math.cast(self, np.int32)

    def bool(self) -> Tensor:
        return _math.cast(self, np.bool_)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other)`` (its device and dtype): a copy
        where something changes (gradients flow back through it), else the tensor itself."""
        where, wanted = to_arguments(args, kwargs)
        out = self
        if where is not None and of_array(self.data) != where:
            out = _pw.to_device(out, where)
        return out if wanted is None or wanted == out.data.dtype else _math.cast(out, wanted)  # type: ignore

    def cpu(self) -> Tensor:
        """This tensor on the CPU (itself when it is there)."""
        return self.to("cpu")

    def cuda(self, index: Any = None) -> Tensor:
        """This tensor on a GPU (``index``: its number or ``"cuda:N"``, default 0); needs CuPy and a GPU."""
        return self.to("cuda" if index is None else device("cuda", int(str(index).rpartition(":")[2])))
