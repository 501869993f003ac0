"""Worker processes for ``DataLoader(num_workers > 0)``: each fetches and collates whole batches.

Batches come back in the order of their indices whatever worker made them, so the loader yields the same batches
as with ``num_workers=0``. Each worker seeds scratchgrad's generators (and NumPy's and Python's global ones) with
``base_seed + worker_id``, so random per-sample transforms differ between workers instead of repeating.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from ...generators import manual_seed


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker process knows about itself: ``id`` (0..num_workers-1), ``num_workers``, ``seed``, ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_info: WorkerInfo | None = None
_fetch: Callable[[Any], Any] | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker, that worker's ``WorkerInfo``; None in the main process."""
    return _info


def _start(fetch: Callable, dataset: Any, counter: Any, num_workers: int, base_seed: int,
           worker_init_fn: Callable[[int], None] | None) -> None:
    global _info, _fetch
    with counter.get_lock():  # a Pool's initializer cannot be told which worker it is: count them as they start
        worker_id = counter.value
        counter.value += 1
    _info, _fetch = WorkerInfo(worker_id, num_workers, base_seed + worker_id, dataset), fetch
    manual_seed(base_seed + worker_id)
    if worker_init_fn is not None:
        worker_init_fn(worker_id)


def _run(indices: Any) -> Any:
    assert _fetch is not None, "a DataLoader worker ran a batch before its initializer"
    return _fetch(indices)


def _context(multiprocessing_context: Any) -> Any:
    if multiprocessing_context is None:  # fork, where there is one: the dataset is inherited, never pickled
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else None)
    if isinstance(multiprocessing_context, str):
        return multiprocessing.get_context(multiprocessing_context)
    return multiprocessing_context


def run_in_workers(fetch: Callable[[Any], Any], batches: Iterable[Any], dataset: Any, num_workers: int,
                   base_seed: int, worker_init_fn: Callable[[int], None] | None = None,
                   multiprocessing_context: Any = None, timeout: float = 0) -> Iterator[Any]:
    """``fetch(indices)`` for each of ``batches`` in ``num_workers`` processes, yielded in order.

    The processes end when the iteration does, also when the caller stops early (``break``) or fails.
    """
    ctx = _context(multiprocessing_context)
    counter = ctx.Value("i", 0)
    pool = ctx.Pool(num_workers, _start, (fetch, dataset, counter, num_workers, base_seed, worker_init_fn))
    try:
        results = pool.imap(_run, batches)
        while True:
            try:
                yield results.next(timeout or None)
            except StopIteration:
                return
            except multiprocessing.TimeoutError:
                message = f"DataLoader: a worker took longer than timeout={timeout} s to make a batch"
                raise RuntimeError(message) from None
    finally:
        pool.terminate()
        pool.join()
