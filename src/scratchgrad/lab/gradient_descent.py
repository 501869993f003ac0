"""Gradient descent on f(x0, x1) = x0^2 + x1^2: the gradient field, and paths for several learning rates.

The arrows are minus the numerical gradient (the notes' ``numerical_gradient``) on a grid: every one points at
the minimum (0, 0), the steeper the longer. Each step x <- x - lr * 2x multiplies x by (1 - 2 lr): a learning rate
above 1 overshoots further every step and diverges, one between 0.5 and 1 zig-zags in, a tiny one barely moves.
Paths start at the notes' (-3, 4) and take 100 steps of our ``optim.SGD``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..gradcheck import numerical_gradient
from ..optim import SGD
from ..viz.plots import pyplot, save_figure
from .common import Log, descend, table

START = (-3.0, 4.0)
LEARNING_RATES = (10.0, 1.05, 0.9, 0.1, 0.01, 1e-10)  # the notes' 10 and 1e-10, their good 0.1, and between


def f(x: Tensor) -> Tensor:
    return (x**2).sum()


def f_value(x: np.ndarray) -> float:
    return float(np.sum(np.asarray(x) ** 2))


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    steps = 20 if quick else 100
    paths = {lr: descend(f, START, lambda params, lr=lr: SGD(params, lr=lr), steps) for lr in LEARNING_RATES}

    plt = pyplot()
    fig, (ax_field, ax_dist) = plt.subplots(1, 2, figsize=(13, 5.8), constrained_layout=True)
    ticks = np.arange(-4.5, 4.6, 1.0 if quick else 0.5)
    x0, x1 = np.meshgrid(ticks, ticks)
    points = np.stack([x0.ravel(), x1.ravel()], axis=1)
    grads = np.array([numerical_gradient(f_value, point.copy()) for point in points])
    ax_field.quiver(points[:, 0], points[:, 1], -grads[:, 0], -grads[:, 1], angles="xy", color="#888888")
    for lr in (0.1, 0.9):
        ax_field.plot(paths[lr][:, 0], paths[lr][:, 1], "o-", ms=3, lw=1, label=f"path, lr = {lr:g}")
    ax_field.plot(0, 0, "k+", ms=12)
    ax_field.set(title="-gradient of x0^2 + x1^2 (numerical) and two descent paths", xlabel="x0", ylabel="x1",
                 xlim=(-5, 5), ylim=(-5, 5), aspect="equal")
    ax_field.legend(loc="lower right", fontsize=8)

    for lr, path in paths.items():
        ax_dist.semilogy(np.linalg.norm(path, axis=1), label=f"lr = {lr:g}: x times {1 - 2 * lr:g} per step")
    # lr = 10 reaches 1e128: clip the axis so the others stay readable (its line leaves through the top).
    ax_dist.set(xlabel="step", ylabel="distance to the minimum (log scale)", ylim=(1e-10, 1e6),
                title=f"{steps} steps of SGD from {START}: too large diverges, too small stalls")
    ax_dist.grid(alpha=0.3)
    ax_dist.legend(fontsize=8)
    save_figure(fig, png)

    numbers: dict[str, Any] = {}
    rows = []
    for lr, path in paths.items():
        end = path[-1]
        moved = float(np.linalg.norm(end - path[0]))
        numbers[f"{lr:g}"] = {"lr": lr, "end": end.tolist(), "f_start": f_value(path[0]), "f_end": f_value(end),
                              "moved": moved}
        verdict = "diverged" if f_value(end) > f_value(path[0]) else ("stalled" if moved < 1e-3 else "converging")
        rows.append([f"{lr:g}", f"{1 - 2 * lr:g}", f"({end[0]:.3g}, {end[1]:.3g})", f_value(end), moved, verdict])
    log(f"gradient descent on x0^2 + x1^2 from {START}, {steps} steps (f = {f_value(np.array(START)):g} at the start)")
    log(table(["lr", "factor per step", "end point", "f(end)", "distance moved", "verdict"], rows))
    return numbers
