"""scratchgrad.distributed's collectives on 2 and 3 ranks under mpiexec, each rank checking its own results."""

from __future__ import annotations

import re

import pytest
from mpi_ranks import run_ok, run_ranks

import scratchgrad.distributed as dist

COLLECTIVES = """
import numpy as np
import scratchgrad as sg
import scratchgrad.distributed as dist

assert dist.is_available() and not dist.is_initialized()
rank, size = dist.get_rank(), dist.get_world_size()  # picked up under mpiexec without init_process_group
assert dist.is_initialized()

t = sg.Tensor(np.full(3, rank + 1.0))
version = t._version[0]
dist.all_reduce(t)
assert np.array_equal(t.data, np.full(3, size * (size + 1) / 2)), t.data
assert t._version[0] == version + 1  # an in-place change, as autograd must see it

products = np.prod(range(1, size + 1))
for op, expected in [("MAX", size), ("MIN", 1), ("PRODUCT", products), ("AVG", (size + 1) / 2)]:
    op = getattr(dist.ReduceOp, op)
    t = sg.Tensor(np.array([rank + 1.0, rank + 1.0], dtype=np.float32))
    dist.all_reduce(t, op=op)
    assert np.allclose(t.data, [expected, expected]), (op, t.data)
    assert t.data.dtype == np.float32

t = sg.Tensor(np.arange(4.0).reshape(2, 2).T * (rank + 1))  # not contiguous: goes through a copy
dist.all_reduce(t)
assert np.array_equal(t.data, np.arange(4.0).reshape(2, 2).T * size * (size + 1) / 2)

t = sg.Tensor(np.full((2, 2), float(rank)))
dist.broadcast(t, src=size - 1)
assert np.all(t.data == size - 1)

t = sg.Tensor(np.full(2, rank + 1.0))
dist.reduce(t, dst=1)
assert np.all(t.data == (size * (size + 1) / 2 if rank == 1 else rank + 1.0)), t.data

parts = [sg.zeros(2, dtype=sg.int64) for _ in range(size)]
dist.all_gather(parts, sg.Tensor(np.array([rank, 10 * rank])))
assert [p.tolist() for p in parts] == [[r, 10 * r] for r in range(size)]

gathered = [sg.zeros(1) for _ in range(size)] if rank == 0 else None
dist.gather(sg.Tensor(np.array([rank * 2.0], dtype=np.float32)), gathered, dst=0)
if rank == 0:
    assert [g.item() for g in gathered] == [2.0 * r for r in range(size)]

out = sg.zeros(3)
chunks = [sg.full((3,), float(r * 7)) for r in range(size)] if rank == 2 % size else None
dist.scatter(out, chunks, src=2 % size)
assert np.all(out.data == rank * 7.0), out.data

work = dist.all_reduce(sg.ones(2), async_op=True)
assert work.wait() and work.is_completed()
dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank} of {size} ok", flush=True)
"""


@pytest.mark.parametrize("ranks", [2, 3])
def test_collectives_give_every_rank_pytorchs_results(ranks, tmp_path):
    out = run_ok(ranks, COLLECTIVES, tmp_path)
    # mpiexec merges the ranks' outputs and may join their lines: count the reports, not the lines.
    assert sorted(re.findall(r"rank \d of \d ok", out)) == [f"rank {r} of {ranks} ok" for r in range(ranks)]


def test_an_exception_on_one_rank_stops_the_others_and_names_it(tmp_path):
    script = """
    import time
    import scratchgrad as sg
    import scratchgrad.distributed as dist
    dist.init_process_group(backend="mpi", timeout=60)
    if dist.get_rank() == 1:
        raise ValueError("rank one broke")
    dist.all_reduce(sg.ones(2))  # rank 0 would wait here for ever without the abort
    """
    done = run_ranks(2, script, tmp_path, timeout=60)
    assert done.returncode != 0
    assert "rank 1 of 2 failed with ValueError" in done.stderr


def test_a_rank_that_never_arrives_times_out_the_others_who_name_it(tmp_path):
    script = """
    import time
    import scratchgrad as sg
    import scratchgrad.distributed as dist
    dist.init_process_group(backend="mpi")
    if dist.get_rank() != 1:  # rank 1 hangs; ranks 0 and 2 wait for it
        dist.all_reduce(sg.ones(2))
    time.sleep(30)
    """
    done = run_ranks(3, script, tmp_path, timeout=25, SCRATCHGRAD_DIST_TIMEOUT="2")
    assert done.returncode != 0
    # Rank 0 or rank 2, whichever stops the job first, names rank 1 (and only rank 1).
    assert re.search(r"rank [02] waited 2 s for all_reduce\(SUM\); ranks that did not answer a roll call: 1 ",
                     done.stderr), done.stderr


def test_outside_mpiexec_without_init_the_error_says_how(monkeypatch):
    for name in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"):
        monkeypatch.delenv(name, raising=False)
    dist.destroy_process_group()
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.get_rank()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="backend must be 'mpi'"):
        dist.init_process_group(backend="nccl")
    with pytest.raises(ValueError, match="timeout must be positive"):
        dist.init_process_group(timeout=0)
