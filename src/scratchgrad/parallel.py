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


def split_work(work: Callable[[slice], Any], length: int, like: Any) -> None:
    """Call ``work(part)`` for consecutive parts of ``range(length)`` that together cover it, in parallel.

    For elementwise passes over strided views (the windows of pooling), where NumPy spends its time on short
    inner loops rather than on memory bandwidth: NumPy releases the GIL inside a loop, so threads on several
    cores share the pass. Each part must write only its own slice of the outputs, which also keeps results
    identical for any number of threads. ``like`` is an array the work reads: a CuPy array (a tensor on a GPU)
    runs the whole range at once, its kernels being parallel already.
    """
    count = min(num_threads(), length) if isinstance(like, np.ndarray) else 1
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
    """a @ b, every product on OpenBLAS held to one thread, large 2-D ones split across ``split_work``'s threads.

    The products of a training step are skinny: (30 x 25) @ (25 x 57,600) for SimpleConvNet's convolution,
    (30 x 57,600) @ (57,600 x 25) for its weight gradient, and OpenBLAS's own threads split these poorly. Here
    the output's columns (or rows) are cut into ``blocks`` fixed by the shapes, and each thread computes whole
    blocks; a small output over a long shared axis is computed as two halves of that axis, added. Small and
    stacked products run on one OpenBLAS thread too: OpenBLAS's workers, once woken, busy-wait for more work and
    hold a core that NumPy and our threads need. CuPy arrays and other BLAS libraries take the plain ``a @ b``.
    The result is the same bits for any number of threads (across CPU kinds, equal to float32 rounding).
    """
    global _openblas
    if not isinstance(a, np.ndarray):  # a CuPy array (the tensor is on a GPU): its own GEMM
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
            # Large or small, the same single-threaded OpenBLAS: its own threads round differently, and results
            # must not depend on the thread count.
            if a.ndim == 2 and b.ndim == 2 and a.shape[0] * a.shape[1] * b.shape[1] >= SPLIT_WORK:
                return _split_matmul(a, b)
            batch = _batch(a, b)
            if batch and batch * a.shape[-2] * a.shape[-1] * b.shape[-1] >= SPLIT_WORK:
                # A stack of products (a strided convolution's, image by image): split by the stack.
                out = np.empty((batch, a.shape[-2], b.shape[-1]), dtype=np.result_type(a, b))

                def work(part: slice) -> None:
                    np.matmul(a[part] if a.ndim == 3 else a, b[part] if b.ndim == 3 else b, out=out[part])

                split_work(work, batch, out)
                return out
            return a @ b
        finally:
            set_threads(previous)


def _batch(a: Any, b: Any) -> int:
    """The stack length of a 3-D @ 3-D, 2-D @ 3-D or 3-D @ 2-D product (0 for anything else)."""
    if (a.ndim, b.ndim) == (3, 3):
        return len(a) if len(a) == len(b) else 0
    if (a.ndim, b.ndim) in ((2, 3), (3, 2)):
        return len(a) if a.ndim == 3 else len(b)
    return 0


# Products of at least this many multiply-adds are split into blocks of about half of it or more each.
SPLIT_WORK = 2**22
MAX_BLOCKS = 8  # even shares for 1, 2, 4 and 8 threads; more and smaller GEMMs measured slower


def blocks(length: int, work: int, align: int = 64) -> list[slice]:
    """Consecutive blocks of ``range(length)`` fixed by the sizes alone, never by the thread count.

    OpenBLAS's kernels may round a column differently when the panel around it is wider or narrower (its
    Haswell kernels do, on AMD and Intel alike), so a product split per thread would give other bits for
    another thread count. Each block here is always computed by one call of its own, whichever thread runs it,
    so the result is the same for any count. Up to ``MAX_BLOCKS`` blocks, about one per 2**21 multiply-adds,
    with boundaries on multiples of ``align`` where the length allows.
    """
    count = max(1, min(MAX_BLOCKS, work >> 21, length // align))
    bounds = [round(i * length / count / align) * align for i in range(count)] + [length]
    return [slice(start, stop) for start, stop in zip(bounds, bounds[1:]) if stop > start]


def _split_matmul(a: Any, b: Any) -> Any:
    (m, k), n = a.shape, b.shape[1]
    if k < 4 * max(m, n) and max(m, n) >= 128:
        out = np.empty((m, n), dtype=np.result_type(a, b))
        by_columns = n >= m
        parts = blocks(n if by_columns else m, m * k * n)

        def work(part: slice) -> None:
            for block in parts[part]:
                if by_columns:
                    np.matmul(a, b[:, block], out=out[:, block])
                else:
                    np.matmul(a[block], b, out=out[block])

        split_work(work, len(parts), out)
        return out
    # A small output over a long shared axis (weight gradients): two halves of that axis, their products added;
    # each operand is read once instead of once per thread. Always two halves, whatever the thread count.
    halves = [slice(0, k // 2), slice(k // 2, k)]
    partial: list[Any] = [None, None]

    def work_halves(part: slice) -> None:
        for i in range(2)[part]:
            partial[i] = a[:, halves[i]] @ b[halves[i]]

    split_work(work_halves, 2, a)
    partial[0] += partial[1]
    return partial[0]
