"""The progress thread: it finishes a non-blocking all-reduce while the main thread makes no MPI call."""

from __future__ import annotations

from mpi_ranks import run_ok

PROGRESS = """
import time
import numpy as np
from mpi4py import MPI
import scratchgrad.distributed as dist
from scratchgrad.distributed.progress import Progress

dist.init_process_group()
comm, rank = MPI.COMM_WORLD, dist.get_rank()
assert Progress.available()
a = np.full(4 * 2**20, rank + 1.0, dtype=np.float32)  # 16 MB: MPICH moves it in many steps, each in an MPI call
request = comm.Iallreduce(MPI.IN_PLACE, a, MPI.SUM)
progress = Progress()
progress.add(request)
deadline = time.monotonic() + 30
while request != MPI.REQUEST_NULL and time.monotonic() < deadline:  # the thread's Test nulls it when done
    time.sleep(0.01)  # no MPI call here
finished = request == MPI.REQUEST_NULL
progress.stop()
request.Wait()
assert finished, "the progress thread did not finish the all-reduce"
assert np.all(a == 3.0)
print(f"rank {rank} ok", flush=True)
"""


def test_progress_thread_finishes_an_all_reduce_while_the_main_thread_sleeps(tmp_path):
    assert run_ok(2, PROGRESS, tmp_path, timeout=120).count(" ok") == 2
