"""PyTorch's ways to make a tensor: ``tensor``, ``zeros``, ``arange``, ``randn``, ... with PyTorch's dtype rules.

Python floats become the default dtype (float32), ints int64, bools bool; NumPy arrays keep their dtype. Sizes
are given as varargs or as one tuple (``zeros(2, 3)`` or ``zeros((2, 3))``). Random draws come from the generator
that ``manual_seed`` resets (NumPy's, so the numbers differ from PyTorch's, the distributions do not).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..device import check, move
from . import Tensor
from .core import sizes
from .dtypes import to_numpy_dtype


def _made(array: Any, device: Any, requires_grad: bool) -> Tensor:
    """A new tensor around ``array``, moved to ``device`` (the default device when None)."""
    return Tensor(move(array, check(device)), requires_grad=requires_grad)


def _float(dtype: Any) -> np.dtype:
    """The requested dtype, or the default floating dtype when none is given."""
    return to_numpy_dtype(dtype) or backend.get_default_dtype()


def _inferred(data: Any, dtype: Any) -> Any:
    """``data`` as a new array: PyTorch's inference for Python values, the array's own dtype for arrays."""
    wanted = to_numpy_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.data
    array = backend.xp.array(data, dtype=wanted)
    if wanted is None and array.dtype == np.float64 and not hasattr(data, "dtype"):
        array = array.astype(backend.get_default_dtype())  # Python floats: the default dtype, as PyTorch
    return array


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, a nested list, an array or a tensor).

    Example: ``tensor([[1., 2.]])`` is float32 of shape (1, 2); ``tensor([1, 2])`` is int64.
    """
    return _made(_inferred(data, dtype), device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` itself if it already is a tensor of that dtype, else a tensor sharing an array's memory when it
    can (as ``from_numpy``), else a copy."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray):
        return _made(data.astype(to_numpy_dtype(dtype) or data.dtype, copy=False), device, False)
    return tensor(data, dtype, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor over ``array``'s memory: writing to one changes the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray; received {type(array).__name__}")
    return Tensor(array)


def _filled(make: Any, size: tuple[Any, ...], dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    return _made(make(sizes(size), dtype=_float(dtype)), device, requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (default dtype unless ``dtype``)."""
    return _filled(backend.xp.zeros, size, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size."""
    return _filled(backend.xp.ones, size, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size whose values are whatever the memory held."""
    return _filled(backend.xp.empty, size, dtype, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the value (int64, bool, float32)."""
    fill_dtype = to_numpy_dtype(dtype) or _inferred(fill_value, None).dtype
    return _made(backend.xp.full(sizes((size,)), fill_value, dtype=fill_dtype), device, requires_grad)


def _like(t: Tensor, dtype: Any) -> dict[str, Any]:
    return {"dtype": to_numpy_dtype(dtype) or t.data.dtype}


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape and dtype."""
    return _made(backend.xp.zeros(t.shape, **_like(t, dtype)), device or t.device, requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape and dtype."""
    return _made(backend.xp.ones(t.shape, **_like(t, dtype)), device or t.device, requires_grad)


def empty_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``t``'s shape and dtype."""
    return _made(backend.xp.empty(t.shape, **_like(t, dtype)), device or t.device, requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``t``'s shape and dtype."""
    return _made(backend.xp.full(t.shape, fill_value, **_like(t, dtype)), device or t.device, requires_grad)


def arange(
    start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``start, start + step, ...`` up to but excluding ``end`` (``arange(n)`` is 0..n-1); int64 when every
    argument is an int, else the default dtype."""
    start, end = (0, start) if end is None else (start, end)
    whole = all(isinstance(v, int) for v in (start, end, step))
    wanted = to_numpy_dtype(dtype) or (np.dtype(np.int64) if whole else backend.get_default_dtype())
    return _made(backend.xp.arange(start, end, step, dtype=np.float64 if not whole else None).astype(wanted), device,
                 requires_grad)  # fmt: skip


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    return _made(backend.xp.linspace(start, end, steps).astype(_float(dtype)), device, False)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (square when ``m`` is omitted)."""
    return _made(backend.xp.eye(n, m, dtype=_float(dtype)), device, requires_grad)


def _drawn(draw: Any, size: tuple[Any, ...], dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    wanted = _float(dtype)
    # NumPy's generator draws float32 or float64 only: other float types are rounded from float32.
    drawn = draw(sizes(size), dtype=wanted if wanted in (np.float32, np.float64) else np.float32)
    return _made(drawn.astype(wanted, copy=False), device, requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1)."""
    return _drawn(backend.rng().random, size, dtype, device, requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples from the standard normal distribution."""
    return _drawn(backend.rng().standard_normal, size, dtype, device, requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` starts at 0); int64 by default."""
    if size is None:  # randint(high, size): PyTorch's two-argument form
        low, high, size = 0, low, high
    drawn = backend.rng().integers(low, high, size=sizes((size,)))
    return _made(drawn.astype(to_numpy_dtype(dtype) or np.int64), device, False)


def randperm(n: int, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    return _made(backend.rng().permutation(n).astype(to_numpy_dtype(dtype) or np.int64), device, False)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Samples from normal distributions: ``normal(mean, std, size)`` with numbers, or one sample per element of
    ``mean`` and ``std`` given as tensors (broadcast together)."""
    if size is None and not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        raise TypeError("normal: give size= when mean and std are numbers, e.g. normal(0.0, 1.0, size=(2, 3))")
    m, s = (v.data if isinstance(v, Tensor) else v for v in (mean, std))
    shape = sizes((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    like = next((v.dtype for v in (mean, std) if isinstance(v, Tensor)), None)
    wanted = to_numpy_dtype(dtype) or to_numpy_dtype(like) or backend.get_default_dtype()
    return _made((m + s * backend.rng().standard_normal(shape)).astype(wanted), device, False)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor (a Parameter included)."""
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    """The number of elements of ``t``."""
    return t.numel()
