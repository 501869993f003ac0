"""Lab and search tests run with one BLAS thread."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    # The labs multiply small matrices thousands of times. On a busy 2-core machine a 2-thread OpenBLAS spins
    # against the other processes and the same run takes up to 100 times longer (measured: 24 s against 0.24 s
    # for 200 iterations of a 5-layer MLP); for matrices this small a second thread gains little when it is idle.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not a dependency of scratchgrad: without it the tests only run slower on a busy machine
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield
