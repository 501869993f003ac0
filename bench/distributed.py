"""``python -m bench.distributed [--quick]``: data-parallel training over MPI, measured on this machine.

1. Throughput: SimpleConvNet training steps on MNIST-shaped data at one global batch, as 1 process x 1 thread,
   1 process x 2 threads and 2 ranks x 1 thread (``mpiexec -n 2``, DistributedDataParallel).
2. All-reduce: DistributedDataParallel's bucketed path (copy into buckets, Iallreduce, wait, average; gradients
   left as views of the buckets) against mpi4py's raw ``Allreduce`` on the same bucket buffers, as bus bandwidth
   2(N-1)/N x bytes / time (the target is >= 90% of raw); and the share of that communication hidden behind
   backward.
3. A modelled scaling table for 8 to 256 ranks (ring all-reduce), printed as markdown with its assumptions, from
   the measured compute time per step.

Each measurement runs in its own process (``--worker``) so thread settings apply from the start. ``--quick``
runs tiny sizes (a check that it works, not numbers). Run by hand, never in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MPIEXEC = Path(sys.executable).with_name("mpiexec")
LINK_GBPS = 12.5  # modelled network: 100 Gb/s (InfiniBand EDR class) per rank
LATENCY_S = 5e-6  # modelled per-message latency of one ring step


def _model(batch: int, dtype: type = np.float32):
    import scratchgrad as sg
    from scratchgrad.models import SimpleConvNet

    sg.manual_seed(0)
    model = SimpleConvNet()
    data = np.random.default_rng(0)
    x = sg.tensor(data.random((batch, 1, 28, 28), dtype=np.float32))
    t = sg.tensor(data.integers(0, 10, batch))
    return model, x, t


def worker_throughput(batch: int, steps: int) -> dict:
    """Images per second of training steps at global batch ``batch`` (this rank's share under mpiexec)."""
    import scratchgrad as sg
    import scratchgrad.distributed as dist
    import scratchgrad.nn.functional as F

    ranks = dist.get_world_size() if dist.launched_by_mpiexec() else 1
    rank = dist.get_rank() if ranks > 1 else 0
    model, x, t = _model(batch // ranks)
    step_model = sg.nn.parallel.DistributedDataParallel(model) if ranks > 1 else model
    optimizer = sg.optim.SGD(model.parameters(), lr=0.01)

    def step() -> None:
        optimizer.zero_grad()
        F.cross_entropy(step_model(x), t).backward()
        optimizer.step()

    step()  # warm-up: buffers, thread pool
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    return {"rank": rank, "images_per_second": batch / seconds, "ms_per_step": seconds * 1e3}


def worker_allreduce(batch: int, repeats: int, scale: int) -> dict:
    """DDP's bucketed all-reduce against raw Allreduce on the same buffers, and the share hidden in backward."""
    from mpi4py import MPI

    import scratchgrad as sg
    import scratchgrad.distributed as dist
    import scratchgrad.nn.functional as F

    comm, size = MPI.COMM_WORLD, dist.get_world_size()
    model = sg.nn.Sequential(*[sg.nn.Linear(1024, 1024) for _ in range(scale)])  # 4 MB of gradient per layer
    ddp = sg.nn.parallel.DistributedDataParallel(model, gradient_as_bucket_view=True)
    params = list(model.parameters())
    for p in params:
        p.grad = np.ones_like(p.data)
    nbytes = sum(p.data.nbytes for p in params)

    def bucketed() -> None:
        ddp.reducer.arm(None)
        for p in reversed(params):  # as backward hands them over
            ddp.reducer._on_grad(p)

    def raw() -> None:
        for bucket in ddp.reducer.buckets:
            comm.Allreduce(MPI.IN_PLACE, bucket.flat, MPI.SUM)

    def timed(fn) -> float:
        comm.Barrier()
        times = []
        for _ in range(repeats):
            comm.Barrier()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    t_bucketed, t_raw = timed(bucketed), timed(raw)
    x = sg.tensor(np.random.default_rng(0).random((batch, 1024), dtype=np.float32))

    def backward(through) -> None:
        F.mse_loss(through(x), sg.zeros((batch, 1024))).backward()

    with ddp.no_sync():
        t_alone = timed(lambda: backward(ddp))
    t_ddp = timed(lambda: backward(ddp))
    hidden = 1 - (t_ddp - t_alone) / t_raw
    bus = 2 * (size - 1) / size * nbytes
    return {"rank": dist.get_rank(), "bytes": nbytes, "buckets": len(ddp.reducer.buckets),
            "bucketed_gbps": bus / t_bucketed / 1e9, "raw_gbps": bus / t_raw / 1e9,
            "share_of_raw": t_raw / t_bucketed, "backward_ms": t_alone * 1e3, "hidden": max(0.0, min(1.0, hidden))}


def _run(command: list[str], threads: int) -> dict:
    env = dict(os.environ, SCRATCHGRAD_NUM_THREADS=str(threads), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return next(json.loads(line) for line in done.stdout.splitlines() if line.startswith("{"))


def _worker_command(ranks: int, *args: str) -> list[str]:
    command = [sys.executable, "-m", "bench.distributed", "--worker", *args]
    return [str(MPIEXEC), "-n", str(ranks), *command] if ranks > 1 else command


def scaling_table(ms_per_step: float, batch_per_rank: int, nbytes: int) -> str:
    """Modelled weak scaling: each rank keeps ``batch_per_rank``; a step costs compute + ring all-reduce."""
    lines = [
        f"Assumptions: every rank computes a step of batch {batch_per_rank} in {ms_per_step:.1f} ms (measured here, "
        f"1 thread); gradients {nbytes / 1e6:.2f} MB float32; ring all-reduce 2(N-1)/N x bytes / {LINK_GBPS:g} GB/s "
        f"+ 2(N-1) x {LATENCY_S * 1e6:g} us; no overlap (serial) or full overlap with backward (the "
        "communication hidden up to the compute time); one rank per node, no stragglers, no input pipeline limit.",
        "",
        "| ranks | all-reduce ms | step ms, serial | efficiency | step ms, overlap | efficiency | images/s, serial |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in (8, 16, 32, 64, 128, 256):
        comm = 2 * (n - 1) / n * nbytes / (LINK_GBPS * 1e9) + 2 * (n - 1) * LATENCY_S
        serial, overlapped = ms_per_step + comm * 1e3, max(ms_per_step, comm * 1e3)
        lines.append(f"| {n} | {comm * 1e3:.2f} | {serial:.1f} | {ms_per_step / serial:.0%} | {overlapped:.1f} | "
                     f"{ms_per_step / overlapped:.0%} | {n * batch_per_rank / serial * 1e3:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, *numbers = args.worker
        function = worker_throughput if kind == "throughput" else worker_allreduce
        result = function(*(int(n) for n in numbers))
        if result["rank"] == 0:  # one writer: mpiexec may join lines of several ranks
            print(json.dumps(result), flush=True)
        return
    batch, steps, repeats, scale = (8, 3, 3, 1) if args.quick else (100, 20, 20, 6)
    print(f"SimpleConvNet training steps, global batch {batch}, median of {steps}:")
    one = _run(_worker_command(1, "throughput", str(batch), str(steps)), threads=1)
    for label, ranks, threads in (("1 process x 1 thread", 1, 1), ("1 process x 2 threads", 1, 2),
                                  ("2 ranks x 1 thread", 2, 1)):
        row = one if (ranks, threads) == (1, 1) else _run(_worker_command(ranks, "throughput", str(batch),
                                                                           str(steps)), threads)
        print(f"  {label:24s} {row['images_per_second']:8,.0f} images/s  {row['ms_per_step']:7.1f} ms/step  "
              f"x{row['images_per_second'] / one['images_per_second']:.2f}")
    reduce = _run(_worker_command(2, "allreduce", str(batch), str(repeats), str(scale)), threads=1)
    print(f"all-reduce of {reduce['bytes'] / 1e6:.1f} MB in {reduce['buckets']} buckets on 2 ranks: DDP "
          f"{reduce['bucketed_gbps']:.2f} GB/s, raw Allreduce {reduce['raw_gbps']:.2f} GB/s "
          f"({reduce['share_of_raw']:.0%} of raw; target >= 90%); hidden behind a {reduce['backward_ms']:.1f} ms "
          f"backward: {reduce['hidden']:.0%}")
    from scratchgrad.models import SimpleConvNet

    nbytes = sum(p.data.nbytes for p in SimpleConvNet().parameters())
    print()
    print(scaling_table(one["ms_per_step"], batch, nbytes))


if __name__ == "__main__":
    main(sys.argv[1:])
