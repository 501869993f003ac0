"""Micro benchmarks: conv2d and max_pool2d forward + backward for the layer shapes of the training workloads."""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F

# (workload, x shape, weight shape, padding); the first layer's input needs no gradient, as in training.
CONVS = [
    ("simple_convnet", (100, 1, 28, 28), (30, 1, 5, 5), 0),
    ("issue-2 shape", (64, 32, 30, 30), (64, 32, 3, 3), 0),
    ("deep_convnet", (100, 1, 28, 28), (16, 1, 3, 3), 1),
    ("deep_convnet", (100, 16, 28, 28), (16, 16, 3, 3), 1),
    ("deep_convnet", (100, 16, 14, 14), (32, 16, 3, 3), 1),
    ("deep_convnet", (100, 32, 14, 14), (32, 32, 3, 3), 2),
    ("deep_convnet", (100, 32, 8, 8), (64, 32, 3, 3), 1),
    ("deep_convnet", (100, 64, 8, 8), (64, 64, 3, 3), 1),
    ("keras_convnet", (128, 1, 28, 28), (32, 1, 3, 3), 0),
    ("keras_convnet", (128, 32, 13, 13), (64, 32, 3, 3), 0),
]
POOLS = [
    ("simple_convnet", (100, 30, 24, 24)),
    ("deep_convnet", (100, 16, 28, 28)),
    ("deep_convnet", (100, 32, 16, 16)),
    ("deep_convnet", (100, 64, 8, 8)),
    ("keras_convnet", (128, 32, 26, 26)),
    ("keras_convnet", (128, 64, 11, 11)),
]


def micro_pairs(torch: Any) -> list[tuple[str, Callable[[int], None], Callable[[int], None]]]:
    """(label, ours(steps), theirs(steps)) for every conv and pool shape."""
    rng = np.random.default_rng(0)
    pairs = [conv_pair(torch, f"conv2d {workload}", xs, ws, pad, rng) for workload, xs, ws, pad in CONVS]
    for workload, xs in POOLS:
        x = np.maximum(rng.standard_normal(xs, dtype=np.float32), 0)  # pooled inputs come out of ReLU
        label = f"max_pool2d {workload} {xs} k2"
        pairs.append((label, *_pair(torch, [x], [True], lambda a: F.max_pool2d(a[0], 2),
                                    lambda a: torch.nn.functional.max_pool2d(a[0], 2))))
    return pairs


def conv_pair(torch: Any, name: str, xs: tuple, ws: tuple, pad: int, rng: np.random.Generator) -> tuple:
    """(label, ours(steps), theirs(steps)) for conv2d forward + backward on input xs and weight ws.

    The input gets a gradient unless it has one channel (a first layer's images need none, as in training).
    """
    x = rng.standard_normal(xs, dtype=np.float32)
    w = rng.standard_normal(ws, dtype=np.float32) * 0.1
    b = np.zeros(ws[0], np.float32)
    label = f"{name} {xs}x{ws[:2]} k{ws[2]} p{pad}"
    return (label, *_pair(torch, [x, w, b], [xs[1] > 1, True, True],
                          lambda a: F.conv2d(*a, padding=pad), lambda a: torch.nn.functional.conv2d(*a, padding=pad)))


def as_in_training(a: np.ndarray) -> np.ndarray:
    """A 4-D activation laid out as scratchgrad's own ops lay it out inside a training step: batch last in
    memory, (C, H, W, N), as a convolution writes it and pooling and ReLU keep it. A first layer's images
    (one channel, straight from the data) stay row-major, as the DataLoader gives them."""
    if a.ndim != 4 or a.shape[1] == 1:
        return a
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _pair(torch: Any, arrays: list, needs: list, ours_fn: Callable, torch_fn: Callable):
    # Each side gets its activations and output gradients in the memory layout its own layers produce.
    ours_in = [sg.Tensor(as_in_training(a), requires_grad=r) for a, r in zip(arrays, needs)]
    torch_in = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, needs)]
    gy = None

    def ours(steps: int) -> None:
        nonlocal gy
        for _ in range(steps):
            y = ours_fn(ours_in)
            gy = as_in_training(np.ones(y.shape, np.float32)) if gy is None else gy
            y.backward(gy)

    def theirs(steps: int) -> None:
        for _ in range(steps):
            y = torch_fn(torch_in)
            y.backward(torch.ones_like(y))

    return ours, theirs


def conv_gemm_shapes(workload: str) -> list[tuple[int, int, int]]:
    """(M, K, N) of every matrix product the im2col convolutions of ``workload`` run in one training step, as
    conv2d orders them: forward W|b (OC, C*FH*FW+1) @ col, weight gradient col @ gy^T (the taller operand
    first), input gradient W^T @ gy (not for a first layer, whose images need no gradient)."""
    shapes = []
    for name, xs, ws, pad in CONVS:
        if name != workload:
            continue
        (n, c, h, w), (oc, _, fh, fw) = xs, ws
        cols = n * (h + 2 * pad - fh + 1) * (w + 2 * pad - fw + 1)
        k = c * fh * fw
        shapes += [(oc, k + 1, cols), (k + 1, cols, oc)] + ([(k, oc, cols)] if c > 1 else [])
    return shapes


def gemm_times(torch: Any, shapes: list[tuple[int, int, int]], repeats: int = 9) -> tuple[float, float]:
    """Seconds for one pass over ``shapes`` (M, K, N): NumPy's BLAS through ``parallel.matmul``, as our ops call
    it, and PyTorch's ``torch.mm`` (MKL in its CPU wheels), each the median of ``repeats``."""
    from scratchgrad.parallel import matmul

    rng = np.random.default_rng(0)
    pairs = [(rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32))
             for m, k, n in shapes]
    tensors = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in pairs]
    totals = []
    for mm, operands in ((matmul, pairs), (torch.mm, tensors)):
        times = []
        for _ in range(repeats + 1):  # the first pass warms up
            start = time.perf_counter()
            for a, b in operands:
                mm(a, b)
            times.append(time.perf_counter() - start)
        totals.append(statistics.median(times[1:]))
    return totals[0], totals[1]
