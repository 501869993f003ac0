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
import threading
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any, Callable

import numpy as np

xp: ModuleType = np
"""The array module new arrays are made with (numpy, or cupy after ``use("cupy")``)."""

_default_dtype = np.dtype(np.float32)
_rng: Any = np.random.default_rng()


def use(name: str) -> ModuleType:
    """Switch the backend: ``use("numpy")`` or ``use("cupy")``. Returns the array module now in use."""
    global xp, _rng
    if name == "numpy":
        xp = np
    elif name == "cupy":
        try:
            import cupy
        except ImportError as exc:  # the message says what to install, not just that the import failed
            raise RuntimeError("backend 'cupy' needs CuPy: pip install cupy-cuda12x (or your CUDA's build)") from exc
        xp = cupy
    else:
        raise ValueError(f"backend must be 'numpy' or 'cupy'; received {name!r}")
    _rng = xp.random.default_rng()
    return xp


def get_array_module(*arrays: Any) -> ModuleType:
    """numpy or cupy, whichever the arrays live in (numpy for plain Python values)."""
    if xp is not np:
        import cupy

        return cupy.get_array_module(*arrays)
    return np


def as_array(value: Any, dtype: Any = None) -> Any:
    """``value`` as an array of the current backend, without copying when it already is one."""
    return xp.asarray(value, dtype=dtype)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array of a Tensor's data, a CuPy array (copied to the host) or anything array-like.

    Note ``getattr(x, "data", x)`` is no way to unwrap a Tensor: a CuPy array's ``.data`` is its memory pointer.
    """
    from .autograd import Tensor  # imported here: autograd imports this module

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


# ---- threads for strided elementwise work ----------------------------------------------------------------
_pool: ThreadPoolExecutor | None = None


def num_threads() -> int:
    """Threads that ``split_work`` uses: ``SCRATCHGRAD_NUM_THREADS``, else the CPUs this process may run on."""
    value = os.environ.get("SCRATCHGRAD_NUM_THREADS")
    if value:
        try:
            count = int(value)
        except ValueError:
            raise ValueError(f"SCRATCHGRAD_NUM_THREADS must be a whole number >= 1; received {value!r}") from None
        if count < 1:
            raise ValueError(f"SCRATCHGRAD_NUM_THREADS must be a whole number >= 1; received {value!r}")
        return count
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def split_work(work: Callable[[slice], Any], length: int) -> None:
    """Call ``work(part)`` for consecutive parts of ``range(length)`` that together cover it, in parallel.

    For elementwise passes over strided views (the windows of pooling), where NumPy spends its time on short
    inner loops rather than on memory bandwidth: NumPy releases the GIL inside a loop, so two threads on two
    cores halve max pooling's backward here (3.0 -> 1.7 ms on SimpleConvNet's activations). Each part must
    write only its own slice of the outputs, which also keeps results identical for any number of threads.
    CuPy runs the whole range at once: its kernels are parallel already.
    """
    count = min(num_threads(), length) if xp is np else 1
    if count <= 1:
        work(slice(0, length))
        return
    global _pool
    if _pool is None or _pool._max_workers != count - 1:
        _pool = ThreadPoolExecutor(count - 1, thread_name_prefix="scratchgrad")
    parts = [slice(i * length // count, (i + 1) * length // count) for i in range(count)]
    # The calling thread does the first part itself instead of waiting idle: one hand-off fewer.
    futures = [_pool.submit(work, part) for part in parts[1:]]
    try:
        work(parts[0])
    finally:
        for future in futures:
            future.result()  # waits, and re-raises an exception from the part that failed


def _forget_pool_in_child() -> None:
    global _pool, _blas_lock
    _pool = None  # a forked child (a DataLoader worker) has no threads behind its parent's pool
    _blas_lock = threading.Lock()  # nor the thread that may have held this


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)



# ---- matrix products split across our threads -------------------------------------------------------------
def _find_openblas() -> tuple[Any, Any] | None:
    """(set_num_threads, get_num_threads) of the OpenBLAS NumPy loaded, or None (another BLAS, not Linux)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1].lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                return setter, getter
    return None


_openblas: Any = None  # found on first use: NumPy loads OpenBLAS when it is imported, after this module's header
_blas_lock = threading.Lock()


def matmul(a: Any, b: Any) -> Any:
    """a @ b for 2-D arrays, with the work split across ``split_work``'s threads, one OpenBLAS thread each.

    The products of a training step are skinny: (30 x 26) @ (26 x 57,600) for SimpleConvNet's convolution,
    (30 x 57,600) @ (57,600 x 26) for its weight gradient. OpenBLAS's own threads split these poorly; handing
    each of our threads part of the output columns (or rows, or, for a small output over a long shared axis,
    half of that axis, adding the two partial products) with OpenBLAS set to one thread for the duration took
    SimpleConvNet's step from ~10 to ~8.6 ms. Products too small to repay a thread hand-off, CuPy arrays and
    BLAS libraries other than OpenBLAS take the plain ``a @ b``. The result is the same for any number of threads.
    """
    global _openblas
    m, k = a.shape
    n = b.shape[1]
    if xp is not np or m * n * k < 2**22:
        return a @ b
    if _openblas is None:
        _openblas = _find_openblas() or False
    if not _openblas:
        return a @ b
    set_threads, get_threads = _openblas
    with _blas_lock:  # two user threads in here at once must not restore each other's setting
        previous = get_threads()
        set_threads(1)
        try:
            # With one thread too: OpenBLAS's own threads round differently, and results must not depend on the
            # thread count.
            return _split_matmul(a, b, num_threads())
        finally:
            set_threads(previous)


def _split_matmul(a: Any, b: Any, count: int) -> Any:
    (m, k), n = a.shape, b.shape[1]
    if max(m, n) >= 32 * count and k < 4 * max(m, n):
        out = np.empty((m, n), dtype=np.result_type(a, b))
        if n >= m:
            split_work(lambda part: np.matmul(a, b[:, part], out=out[:, part]), n)
        else:
            split_work(lambda part: np.matmul(a[part], b, out=out[part]), m)
        return out
    # A small output over a long shared axis (weight gradients): two halves of that axis, their products added;
    # each operand is read once instead of once per thread. Always two halves, so the rounding (and the result)
    # does not depend on the number of threads.
    halves = [slice(0, k // 2), slice(k // 2, k)]
    partial: list[Any] = [None, None]

    def work(part: slice) -> None:
        for i in range(2)[part]:
            partial[i] = a[:, halves[i]] @ b[halves[i]]

    split_work(work, 2)
    partial[0] += partial[1]
    return partial[0]
