"""``python -m bench``: every workload in scratchgrad and in PyTorch, in one process, alternating A B A B.

For each workload it prints the median seconds of each side (scaled to one epoch where the workload is an
epoch of training), the median of the per-pair ratios ours / PyTorch, and images per second; then peak memory of
workload 1 (each side in its own subprocess, so one framework's allocations cannot hide the other's), the
achieved GFLOP/s of workload 1 against this machine's float32 GEMM rate, and whether the loss curves agree.
Results go to bench/results.md.

Run by hand on a quiet machine; never in CI.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).resolve().parent


def timed(fn: Callable[[int], Any], steps: int) -> float:
    start = time.perf_counter()
    fn(steps)
    return time.perf_counter() - start


def alternate(ours: Callable, theirs: Callable, steps: int, repeats: int, pause: float = 0.2) -> tuple[list, list]:
    """Time A, then B, repeatedly. The pause lets PyTorch's OpenMP threads stop spinning before NumPy runs."""
    ours(max(1, steps // 10))
    theirs(max(1, steps // 10))
    a, b = [], []
    for _ in range(repeats):
        time.sleep(pause)
        a.append(timed(ours, steps))
        time.sleep(pause)
        b.append(timed(theirs, steps))
    return a, b


def gemm_gflops(torch: Any, n: int = 2048, repeats: int = 5) -> tuple[float, float]:
    """float32 n x n matrix product rate of NumPy's BLAS and of PyTorch on this machine (median)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    ta = torch.from_numpy(a)
    rates = []
    for fn in (lambda: a @ a, lambda: ta @ ta):
        fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        rates.append(2 * n**3 / statistics.median(times) / 1e9)
    return rates[0], rates[1]


def deep_convnet_gemm_note(torch: Any, torch_step: float) -> str:
    """How much of workload 2's budget its convolutions' matrix products alone take, on each library's BLAS."""
    from bench.micro import conv_gemm_shapes, gemm_times

    shapes = conv_gemm_shapes("deep_convnet")
    ours, theirs = gemm_times(torch, shapes)
    return (f"Workload deep_convnet: the {len(shapes)} matrix products of its im2col convolutions (one step, the same "
            f"shapes on both sides) take {ours * 1e3:.1f} ms on NumPy's BLAS through parallel.matmul and "
            f"{theirs * 1e3:.1f} ms on PyTorch's torch.mm (MKL); PyTorch's whole step (direct convolutions, no "
            f"column matrix) takes {torch_step * 1e3:.1f} ms, so these products alone are "
            f"{ours / torch_step:.2f}x of it before any unfold, fold, pooling or activation (target 1.5x).")


def peak_memory(side: str, steps: int) -> float:
    """Peak resident memory (MB) of workload 1 above the RSS after imports, measured in a fresh subprocess."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", side, str(steps)], capture_output=True, text=True, check=True,
        cwd=HERE.parent,
    )
    return float(out.stdout.strip().splitlines()[-1])


def loss_agreement(torch: Any, steps: int = 50) -> tuple[float, float]:
    """Final loss of SimpleConvNet after ``steps`` Adam steps from the same weights and batches, both sides."""
    import scratchgrad as sg
    from bench import workloads as w
    from scratchgrad import models, optim
    from scratchgrad.models import torch_twins

    sg.manual_seed(1)
    ours = models.get("simple_convnet")
    twin = torch_twins.build("simple_convnet")
    w.copy_weights(ours, twin, torch)
    batches = w.mnist_batches(100, steps, seed=1)
    a = w.training_loop(ours, optim.Adam(ours.parameters(), lr=1e-3), batches)(steps)
    b = w.torch_training_loop(torch, twin, torch.optim.Adam(twin.parameters(), lr=1e-3), batches)(steps)
    return a, b


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    from scratchgrad import parallel

    # Whether parallel.matmul could take over OpenBLAS's threading (it falls back to a @ b on other BLAS builds).
    blas = "OpenBLAS driven by parallel.matmul" if parallel._find_openblas() else "BLAS threads left to NumPy"
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__} ({blas}), "
            f"scratchgrad threads {parallel.num_threads()}, PyTorch {torch.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60, help="iterations per timed repeat (scaled to an epoch)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="workload names to run")
    parser.add_argument("--no-micro", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args(argv)

    import torch

    from bench.micro import micro_pairs
    from bench.workloads import build_all

    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    rows, notes = [], []
    for wl in build_all(torch, args.steps):
        if args.only and wl.name not in args.only:
            continue
        steps = args.steps if wl.steps_per_epoch > 1 else 1
        a, b = alternate(wl.ours, wl.theirs, steps, args.repeats)
        scale = wl.steps_per_epoch / steps
        ratio = statistics.median(x / y for x, y in zip(a, b))
        row = (wl.name, wl.description, statistics.median(a) * scale, statistics.median(b) * scale, ratio,
               wl.images_per_step * steps / statistics.median(a), wl.images_per_step * steps / statistics.median(b),
               wl.target)
        rows.append(row)
        print(f"{wl.name:15s} ours {row[2]:8.3f}s  torch {row[3]:8.3f}s  ratio {ratio:5.2f}  "
              f"{row[5]:9,.0f} vs {row[6]:9,.0f} img/s", flush=True)
        if wl.flops_per_step:
            achieved = wl.flops_per_step * steps / statistics.median(a) / 1e9
            numpy_gemm, torch_gemm = gemm_gflops(torch)
            notes.append(f"Workload {wl.name}: {achieved:.1f} GFLOP/s achieved by scratchgrad "
                         f"({wl.flops_per_step / 1e6:.0f} MFLOP per step); float32 2048x2048 GEMM on this machine: "
                         f"NumPy {numpy_gemm:.0f} GFLOP/s, PyTorch {torch_gemm:.0f} GFLOP/s "
                         f"({achieved / numpy_gemm:.0%} of NumPy's GEMM rate).")
            print(notes[-1], flush=True)
        if wl.name == "deep_convnet":
            notes.append(deep_convnet_gemm_note(torch, row[3] / wl.steps_per_epoch))
            print(notes[-1], flush=True)
    micro_rows = []
    if not args.no_micro and not args.only:
        for label, ours, theirs in micro_pairs(torch):
            a, b = alternate(ours, theirs, 10, args.repeats, pause=0.05)
            micro_rows.append((label, statistics.median(a) / 10 * 1e3, statistics.median(b) / 10 * 1e3,
                               statistics.median(x / y for x, y in zip(a, b))))
            print(f"{label:58s} {micro_rows[-1][1]:7.2f} ms vs {micro_rows[-1][2]:7.2f} ms  "
                  f"ratio {micro_rows[-1][3]:5.2f}", flush=True)
    if not args.no_memory and (not args.only or "simple_convnet" in args.only):
        ours_mb, torch_mb = peak_memory("ours", args.steps), peak_memory("torch", args.steps)
        notes.append(f"Peak resident memory of workload simple_convnet ({args.steps} steps; a fresh process per side; "
                     f"peak RSS minus the RSS after importing both libraries, so the same MNIST batches count on both "
                     f"sides): scratchgrad {ours_mb:.0f} MB, PyTorch {torch_mb:.0f} MB "
                     f"(target: no more than PyTorch's; {'met' if ours_mb <= torch_mb else 'not met'}).")
        print(notes[-1], flush=True)
    if not args.only:
        a, b = loss_agreement(torch)
        notes.append(f"Loss after 50 SimpleConvNet Adam steps from the same weights and batches: scratchgrad {a:.6f}, "
                     f"PyTorch {b:.6f}, relative difference {abs(a - b) / abs(b):.2e} (target < 1e-3).")
        print(notes[-1], flush=True)
    write_results(Path(args.out), rows, micro_rows, notes, args)
    return 0


def write_results(path: Path, rows: list, micro_rows: list, notes: list[str], args: argparse.Namespace) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"`python -m bench --steps {args.steps} --repeats {args.repeats}` on {datetime.date.today()}.",
        f"Machine: {machine()}. Both sides use {os.cpu_count()} threads, float32, the same real MNIST batches and",
        "the same initial weights; A and B alternate, and each time is the median of the repeats (training",
        "workloads are timed over the stated steps and scaled to one epoch). Ratio = median of per-pair ours / torch.",
        "",
        "| workload | what | ours (s/epoch) | PyTorch (s/epoch) | ratio | target | ours img/s | PyTorch img/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]:.3f} | {r[4]:.2f} | <= {r[7]} "
        f"{'(met)' if r[4] <= r[7] else '(not met)'} | {r[5]:,.0f} | {r[6]:,.0f} |"
        for r in rows
    ]
    if micro_rows:
        lines += ["", "| micro (forward + backward) | ours (ms) | PyTorch (ms) | ratio |", "|---|---:|---:|---:|"]
        lines += [f"| {r[0]} | {r[1]:.2f} | {r[2]:.2f} | {r[3]:.2f} |" for r in micro_rows]
    lines += [""] + [f"- {n}" for n in notes] + [""]
    path.write_text("\n".join(lines))
    print(f"wrote {path}")
