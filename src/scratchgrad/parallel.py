"""Work split across CPU threads: elementwise passes over strided views, and matrix products.

NumPy runs each elementwise op on one core, and OpenBLAS splits the skinny matrix products of a training step
poorly. ``split_work`` runs a function over parts of an axis on a small thread pool (NumPy releases the GIL
inside its loops); ``matmul`` splits a product across the same threads with OpenBLAS held to one thread.
Results never depend on the number of threads. Under CuPy everything runs at once: its kernels are parallel.
"""

from __future__ import annotations

import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from . import backend

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
    count = min(num_threads(), length) if backend.xp is np else 1
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
    if backend.xp is not np or m * n * k < 2**22:
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
