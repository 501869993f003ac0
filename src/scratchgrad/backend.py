"""The array module behind every op: NumPy by default, CuPy when asked.

Ops never write ``np.``; they ask ``get_array_module(x)`` (or read ``backend.xp``) so the same code runs on
CuPy arrays on a GPU. This module also owns the default floating dtype (float32, as in PyTorch) and the random
generator that ``manual_seed`` resets.
"""

from __future__ import annotations

import ctypes
import os
import random as _py_random
import sys
from types import ModuleType
from typing import Any

import numpy as np

xp: ModuleType = np
"""The array module new arrays are made with (numpy, or cupy after ``use("cupy")``)."""

_default_dtype = np.dtype(np.float32)
_rng: Any = np.random.default_rng()
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
    global xp, _rng
    if name == "numpy":
        xp = np
    elif name == "cupy":
        xp = load_cupy()
    else:
        raise ValueError(f"backend must be 'numpy' or 'cupy'; received {name!r}")
    _rng = xp.random.default_rng()
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


def manual_seed(seed: int) -> None:
    """Seed every random source scratchgrad draws from: initialisation, dropout, shuffling.

    Python's ``random`` and NumPy's legacy global generator are seeded too, so user code written in the notes'
    style (``np.random.randn``) is reproducible with the same call.
    """
    global _rng
    _rng = xp.random.default_rng(seed)
    np.random.seed(seed % 2**32)
    _py_random.seed(seed)


def rng() -> Any:
    """The generator that ``manual_seed`` resets (a ``Generator`` of the current backend)."""
    return _rng


def keep_freed_memory(enable: bool = True) -> bool:
    """Ask glibc's malloc to keep large freed blocks for reuse instead of returning them to the kernel.

    A training step allocates the same large arrays every iteration (unfolded convolution columns, activations).
    By default glibc gives blocks above ~32 MB straight back to the kernel, so the next step pays for fresh pages
    that the kernel must zero and map on first touch: copying 48 MB took 6.9 ms into fresh memory and 3.4 ms into
    reused memory here, and DeepConvNet's step went from 206 to 168 ms. PyTorch's CPU allocator caches blocks for
    the same reason. The cost is that a process keeps up to 1 GB of freed memory mapped.

    Called at import unless ``SCRATCHGRAD_KEEP_FREED_MEMORY=0``. Linux with glibc only; returns whether it applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...): leave the allocator alone
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    mmap_limit, trim_limit = (2**28, 2**30) if enable else (2**17, 2**17)
    return bool(libc.mallopt(m_mmap_threshold, mmap_limit)) and bool(libc.mallopt(m_trim_threshold, trim_limit))


if os.environ.get("SCRATCHGRAD_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()
if os.environ.get("SCRATCHGRAD_BACKEND", "numpy") != "numpy":
    use(os.environ["SCRATCHGRAD_BACKEND"])
