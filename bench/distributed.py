"""``python -m bench.distributed [--quick]``: data-parallel training over MPI, measured on this machine.

1. Throughput: SimpleConvNet training steps on MNIST-shaped data at one global batch, as 1 process x 1 thread,
   1 process x 2 threads and 2 ranks x 1 thread (``mpiexec -n 2``, DistributedDataParallel).
2. All-reduce: DistributedDataParallel's bucketed path (gradients written, averaged, into the buckets in one
   pass, Iallreduce, wait; gradients left as views of the buckets) against mpi4py's raw ``Allreduce`` on the same
   bucket buffers, as bus bandwidth 2(N-1)/N x bytes / time (the target is >= 90% of raw), with and without
   that pass; and the share of the communication hidden behind backward. ``--allreduce-only --runs 5`` repeats
   it in 5 separate runs and prints the medians and ranges.
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
from typing import Callable

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


def _alternating(functions: dict, repeats: int) -> dict[str, list[float]]:
    """Seconds of each function per repeat, run in turn within each repeat (so load changes hit them alike)."""
    from mpi4py import MPI

    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            MPI.COMM_WORLD.Barrier()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def _pair_median(times: dict[str, list[float]], top: str, bottom: str) -> float:
    return statistics.median(a / b for a, b in zip(times[top], times[bottom]))


def worker_allreduce(batch: int, repeats: int, scale: int) -> dict:
    """DDP's bucketed all-reduce against raw Allreduce on the same buffers, and the share hidden in backward.

    ``bucketed`` hands each parameter a gradient array of its own, as backward does, and runs the reducer's hooks
    last parameter first: the pass that writes them, averaged, into the buckets, then the all-reduces. ``copy``
    is that pass alone, so ``bucketed - copy`` is DDP's communication against ``raw``'s.
    """
    from mpi4py import MPI

    import scratchgrad as sg
    import scratchgrad.distributed as dist
    import scratchgrad.nn.functional as F

    comm, size = MPI.COMM_WORLD, dist.get_world_size()
    model = sg.nn.Sequential(*[sg.nn.Linear(1024, 1024) for _ in range(scale)])  # 4 MB of gradient per layer
    ddp = sg.nn.parallel.DistributedDataParallel(model, gradient_as_bucket_view=True)
    reducer, params = ddp.reducer, list(model.parameters())
    grads = [np.ones_like(p.data) for p in params]
    nbytes = sum(p.data.nbytes for p in params)

    def bucketed() -> None:
        reducer.arm(None)
        for p, g in zip(reversed(params), reversed(grads)):
            p.grad = g
            reducer._on_grad(p)

    def copy() -> None:
        for p, g in zip(params, grads):
            bucket, index = reducer.where[id(p)]
            np.multiply(g, 1 / size, out=bucket.slots[index])

    def raw() -> None:
        for bucket in reducer.buckets:
            comm.Allreduce(MPI.IN_PLACE, bucket.flat, MPI.SUM)

    x = sg.tensor(np.random.default_rng(0).random((batch, 1024), dtype=np.float32))

    def backward() -> None:
        F.mse_loss(ddp(x), sg.zeros((batch, 1024))).backward()

    def backward_alone() -> None:
        with ddp.no_sync():
            backward()

    from scratchgrad.distributed.progress import Progress

    def backward_with(progress: Progress | None) -> Callable[[], None]:
        def run() -> None:  # the reducer picks the thread only where a core is spare: here both are measured
            reducer.progress = progress
            backward()

        return run

    bucketed()  # warm-up
    t = _alternating({"bucketed": bucketed, "copy": copy, "raw": raw, "alone": backward_alone,
                      "ddp": backward_with(Progress()), "ddp_hooks_only": backward_with(None)}, repeats)
    med = {name: statistics.median(v) for name, v in t.items()}
    communication = [b - c for b, c in zip(t["bucketed"], t["copy"])]

    def hidden(synced: str) -> float:
        shares = [1 - (d - a - c) / r for d, a, c, r in zip(t[synced], t["alone"], t["copy"], t["raw"])]
        return max(0.0, min(1.0, statistics.median(shares)))

    bus = 2 * (size - 1) / size * nbytes
    return {"rank": dist.get_rank(), "bytes": nbytes, "buckets": len(reducer.buckets),
            "bucketed_gbps": bus / med["bucketed"] / 1e9, "raw_gbps": bus / med["raw"] / 1e9,
            "share_of_raw": _pair_median(t, "raw", "bucketed"),
            "communication_share_of_raw": statistics.median(r / c for r, c in zip(t["raw"], communication)),
            "ms": {name: v * 1e3 for name, v in med.items()}, "backward_ms": med["alone"] * 1e3,
            "hidden": hidden("ddp"), "hidden_hooks_only": hidden("ddp_hooks_only")}


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


def throughput_section(batch: int, steps: int) -> dict:
    """Print the throughput rows; the 1 process x 1 thread row (the scaling table's compute time)."""
    print(f"SimpleConvNet training steps, global batch {batch}, median of {steps}:")
    one = _run(_worker_command(1, "throughput", str(batch), str(steps)), threads=1)
    for label, ranks, threads in (("1 process x 1 thread", 1, 1), ("1 process x 2 threads", 1, 2),
                                  ("2 ranks x 1 thread", 2, 1)):
        row = one if (ranks, threads) == (1, 1) else _run(_worker_command(ranks, "throughput", str(batch),
                                                                           str(steps)), threads)
        print(f"  {label:24s} {row['images_per_second']:8,.0f} images/s  {row['ms_per_step']:7.1f} ms/step  "
              f"x{row['images_per_second'] / one['images_per_second']:.2f}")
    return one


def allreduce_section(batch: int, repeats: int, scale: int, runs: int) -> None:
    """Print one line per ``mpiexec -n 2`` run of the all-reduce measurement, then the medians over the runs."""
    results = []
    for _ in range(runs):
        r = _run(_worker_command(2, "allreduce", str(batch), str(repeats), str(scale)), threads=1)
        ms = r["ms"]
        print(f"all-reduce of {r['bytes'] / 1e6:.1f} MB in {r['buckets']} buckets on 2 ranks, median of {repeats} "
              f"alternating repeats: DDP {ms['bucketed']:.2f} ms ({r['bucketed_gbps']:.2f} GB/s), raw Allreduce "
              f"{ms['raw']:.2f} ms ({r['raw_gbps']:.2f} GB/s): {r['share_of_raw']:.0%} of raw (target >= 90%); "
              f"without the {ms['copy']:.2f} ms pass that writes the averaged gradients into the buckets, "
              f"{r['communication_share_of_raw']:.0%}; hidden behind a {r['backward_ms']:.1f} ms backward: "
              f"{r['hidden']:.0%} with the progress thread, {r['hidden_hooks_only']:.0%} with the hooks' polls alone",
              flush=True)
        results.append(r)
    if runs > 1:
        for key, label in (("share_of_raw", "DDP / raw"), ("communication_share_of_raw", "without the pass"),
                           ("hidden", "hidden, progress thread"), ("hidden_hooks_only", "hidden, hooks' polls alone")):
            values = sorted(r[key] for r in results)
            print(f"  {label}: median {statistics.median(values):.0%} over {runs} runs "
                  f"(range {values[0]:.0%}-{values[-1]:.0%})")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument("--allreduce-only", action="store_true", help="only the all-reduce measurement")
    parser.add_argument("--runs", type=int, default=1, help="repeat the all-reduce measurement in N mpiexec runs")
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
    if not args.allreduce_only:
        one = throughput_section(batch, steps)
    allreduce_section(batch, repeats, scale, args.runs)
    if not args.allreduce_only:
        from scratchgrad.models import SimpleConvNet

        nbytes = sum(p.data.nbytes for p in SimpleConvNet().parameters())
        print()
        print(scaling_table(one["ms_per_step"], batch, nbytes))


if __name__ == "__main__":
    main(sys.argv[1:])
