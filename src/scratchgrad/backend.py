"""The array module of the default device: NumPy, or CuPy under ``SCRATCHGRAD_BACKEND=cupy``.

Ops never write ``np.``; they ask ``get_array_module(x)``, which decides per array, so the same code runs on CuPy
arrays on a GPU. New parameters and tensors with no device named are made with ``xp``. The default dtype
(``defaults``), the random generators (``generators``) and the CPU's allocator settings (``cpu/``) have their own
modules; their functions are reached here too, where the rest of the package has always found them.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import numpy as np

from . import generators
from .cpu.memory import keep_freed_memory  # noqa: F401  (applied at import; reached as backend.keep_freed_memory)
from .defaults import get_default_dtype, set_default_dtype  # noqa: F401  (reached as backend.get_default_dtype)

xp: ModuleType = np
"""The array module new arrays are made with (numpy, or cupy after ``use("cupy")``)."""

_cupy: Any = None
"""CuPy once something asked for it (a CUDA tensor, or ``use("cupy")``); None until then, so that CPU-only runs
decide every array's module with one comparison."""

CUPY_MISSING = "CUDA tensors need CuPy, which is not installed: pip install cupy-cuda12x (the build for your CUDA)"


def load_cupy() -> ModuleType:
    """CuPy, imported on first use; a RuntimeError that says what to install when it is missing."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as exc:  # the message says what to install, not just that the import failed
            raise RuntimeError(CUPY_MISSING) from exc
        _cupy = cupy
    return _cupy


def use(name: str) -> ModuleType:
    """Choose the default device's arrays: ``use("numpy")`` (the CPU) or ``use("cupy")`` (the GPU). Returns the
    array module that new parameters and tensors are made with."""
    global xp
    if name == "numpy":
        xp = np
    elif name == "cupy":
        xp = load_cupy()
    else:
        raise ValueError(f"backend must be 'numpy' or 'cupy'; received {name!r}")
    return xp


def get_array_module(*arrays: Any) -> ModuleType:
    """numpy or cupy, whichever the arrays live in (numpy for plain Python values): decided per array."""
    if _cupy is None:
        return np
    return _cupy.get_array_module(*arrays)


def as_array(value: Any, dtype: Any = None) -> Any:
    """``value`` as an array of the current backend, without copying when it already is one."""
    return xp.asarray(value, dtype=dtype)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array of a Tensor's data, a CuPy array (copied to the host) or anything array-like.

    Note ``getattr(x, "data", x)`` is no way to unwrap a Tensor: a CuPy array's ``.data`` is its memory pointer.
    """
    from .tensor import Tensor  # imported here: backend sits below the Tensor

    if isinstance(array, Tensor):
        array = array.data
    if isinstance(array, np.ndarray):
        return array
    return array.get() if hasattr(array, "get") else np.asarray(array)


def manual_seed(seed: int) -> None:
    """Seed every random source scratchgrad draws from: initialisation, dropout, shuffling (``generators``)."""
    generators.manual_seed(seed, _cupy)


def rng() -> Any:
    """The generator that ``manual_seed`` resets, of the default device (a NumPy or CuPy ``Generator``)."""
    return generators.generator("cpu") if xp is np else generators.generator("cuda", xp)


if os.environ.get("SCRATCHGRAD_BACKEND", "numpy") != "numpy":
    use(os.environ["SCRATCHGRAD_BACKEND"])
