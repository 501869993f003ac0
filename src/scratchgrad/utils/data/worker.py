"""Worker processes for ``DataLoader(num_workers > 0)``: each fetches and collates whole batches.

Batch i goes to worker ``i % num_workers`` and batches come back in the order of their indices, so the loader
yields the same batches as with ``num_workers=0``. Each worker seeds scratchgrad's generators (and NumPy's and
Python's global ones) with ``base_seed + worker_id``, so random per-sample transforms differ between workers
instead of repeating, and repeat from run to run under ``sg.manual_seed``.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from ...generators import manual_seed


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker process knows about itself: ``id`` (0..num_workers-1), ``num_workers``, ``seed``, ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker, that worker's ``WorkerInfo``; None in the main process."""
    return _info


def _loop(worker_id: int, fetch: Callable, dataset: Any, num_workers: int, base_seed: int,
          worker_init_fn: Callable[[int], None] | None, tasks: Any, results: Any) -> None:
    """One worker: seed, then fetch each ``(i, indices)`` it is sent until it is sent None."""
    global _info
    _info = WorkerInfo(worker_id, num_workers, base_seed + worker_id, dataset)
    manual_seed(base_seed + worker_id)
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception as exc:  # every batch of this worker would fail: report it on the first one it gets
        failure: str | None = _described(exc)
    else:
        failure = None
    while (task := tasks.get()) is not None:
        i, indices = task
        if failure is not None:
            results.put((i, False, failure))
            continue
        try:
            results.put((i, True, fetch(indices)))
        except Exception as exc:  # sent back as text: the main process raises it, naming this worker
            results.put((i, False, _described(exc)))


def _described(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _context(multiprocessing_context: Any) -> Any:
    if multiprocessing_context is None:  # fork, where there is one: the dataset is inherited, never pickled
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else None)
    if isinstance(multiprocessing_context, str):
        return multiprocessing.get_context(multiprocessing_context)
    return multiprocessing_context


class _Workers:
    """``num_workers`` processes; batch i goes to worker ``i % num_workers``, as PyTorch deals them, so what a
    random per-sample transform draws for a batch does not depend on which process was free first."""

    def __init__(self, fetch: Callable, dataset: Any, num_workers: int, base_seed: int,
                 worker_init_fn: Callable[[int], None] | None, multiprocessing_context: Any):
        ctx = _context(multiprocessing_context)
        self.tasks = [ctx.Queue() for _ in range(num_workers)]
        self.results = ctx.Queue()
        self.processes = [
            ctx.Process(target=_loop, args=(w, fetch, dataset, num_workers, base_seed, worker_init_fn, q, self.results),
                        daemon=True)
            for w, q in enumerate(self.tasks)
        ]
        for process in self.processes:
            process.start()

    def send(self, i: int, indices: Any) -> None:
        self.tasks[i % len(self.tasks)].put((i, indices))

    def receive(self, timeout: float) -> tuple[int, Any]:
        """The next finished batch ``(i, batch)``; a worker's error, a dead worker or ``timeout`` raise here."""
        waited = 0.0
        while True:
            try:
                i, ok, payload = self.results.get(timeout=_POLL)
                break
            except queue.Empty:
                waited += _POLL
            dead = [(w, p.exitcode) for w, p in enumerate(self.processes) if not p.is_alive()]
            if dead:
                raise RuntimeError(f"DataLoader: worker {dead[0][0]} exited unexpectedly (exit code {dead[0][1]})")
            if timeout and waited >= timeout:
                raise RuntimeError(f"DataLoader: a worker took longer than timeout={timeout} s to make a batch")
        if not ok:
            raise RuntimeError(f"DataLoader: worker {i % len(self.tasks)} failed on batch {i}:\n{payload}")
        return i, payload

    def close(self) -> None:
        for q in self.tasks:
            q.put(None)
        for process in self.processes:
            process.join(timeout=_POLL)
            if process.is_alive():  # still busy on a batch nobody will take: stop it
                process.terminate()
                process.join()


_POLL = 1.0  # seconds between checks that every worker is still alive


def run_in_workers(fetch: Callable[[Any], Any], batches: Sequence[Any], dataset: Any, num_workers: int,
                   base_seed: int, worker_init_fn: Callable[[int], None] | None = None,
                   multiprocessing_context: Any = None, timeout: float = 0, prefetch_factor: int = 2) -> Iterator[Any]:
    """``fetch(indices)`` for each of ``batches`` in ``num_workers`` processes, yielded in order.

    Each worker has at most ``prefetch_factor`` batches in hand. The processes end when the iteration does, also
    when the caller stops early (``break``) or a batch fails (its error names the worker and the batch).
    """
    workers = _Workers(fetch, dataset, num_workers, base_seed, worker_init_fn, multiprocessing_context)
    try:
        sent = min(len(batches), num_workers * prefetch_factor)
        for i in range(sent):
            workers.send(i, batches[i])
        done: dict[int, Any] = {}
        for want in range(len(batches)):
            while want not in done:
                i, batch = workers.receive(timeout)
                done[i] = batch
                if sent < len(batches):
                    workers.send(sent, batches[sent])
                    sent += 1
            yield done.pop(want)
    finally:
        workers.close()
