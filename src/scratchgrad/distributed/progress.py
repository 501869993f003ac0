"""A thread that moves MPI's non-blocking collectives on while the main thread computes.

MPICH advances a non-blocking collective only inside MPI calls, and backward's NumPy work makes none: an
all-reduce started early in backward would mostly wait for its end. ``Progress`` calls ``Test`` on the requests it
is handed, from a thread of its own, every ``pause_s`` (NumPy and mpi4py release the GIL while they work) until
``stop()``; after that the caller waits for them itself. It needs MPI_THREAD_MULTIPLE, mpi4py's default.
"""

from __future__ import annotations

import threading
from typing import Any


class Progress:
    """Polls the requests handed to ``add`` from a background thread, oldest first, until ``stop``."""

    def __init__(self, pause_s: float = 2e-4):
        self.pause_s = pause_s
        self._requests: list[Any] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def available() -> bool:
        """True when MPI lets several threads call it at once (MPI_THREAD_MULTIPLE)."""
        from mpi4py import MPI

        return MPI.Query_thread() == MPI.THREAD_MULTIPLE

    def add(self, request: Any) -> None:
        """Poll ``request`` from now on (the first one starts the thread)."""
        with self._lock:
            self._requests.append(request)
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="scratchgrad-mpi-progress", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the polling (within one pause) and forget the requests: the caller now owns them."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self._requests = []

    def _run(self) -> None:
        done = 0
        while not self._stop.wait(self.pause_s):
            with self._lock:
                pending = self._requests[done:]
            for request in pending:
                if not request.Test():  # one Test drives MPI's whole progress engine; a finished one is skipped
                    break
                done += 1
