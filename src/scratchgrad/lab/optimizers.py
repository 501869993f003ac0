"""Six update rules on the notes' valley f(x, y) = x^2 / 20 + y^2 from (-7, 2), then on MNIST.

The valley is 20 times steeper across (y) than along (x), and its gradient points mostly across, not at the
minimum: SGD zig-zags, Momentum and Nesterov roll like a ball (Nesterov overshoots less), AdaGrad and RMSProp
scale each coordinate by its own gradient history so the steep direction calms down, Adam combines both.
The paths are 30 steps of our optimizers on one float64 Parameter of shape (2,), with the notes' learning rates
(SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3); the notes draw no Nesterov or RMSProp path, so we give
Nesterov Momentum's 0.1 and RMSProp 0.1 (with the notes' decay rate 0.99).

The MNIST part is the notes' comparison: a 5-layer ReLU network (4 x 100 hidden units, He initialisation),
mini-batches of 128, the same batches for every optimizer, learning rate 0.01 except Adam's 0.001 and RMSProp's
0.001 (at 0.01 its first steps blow the loss up to ~75 before it recovers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import models
from .. import optim as sgoptim
from ..autograd import Tensor
from ..viz.plots import pyplot, save_figure
from .common import Log, descend, first_and_final, loss_curves, mnist, smooth, table

START = (-7.0, 2.0)
SCALE = np.array([1.0 / 20.0, 1.0])
# name -> (optimizer class, lr on the valley, lr on MNIST)
OPTIMIZERS: dict[str, tuple[type, float, float]] = {
    "SGD": (sgoptim.SGD, 0.95, 0.01),
    "Momentum": (sgoptim.Momentum, 0.1, 0.01),
    "Nesterov": (sgoptim.Nesterov, 0.1, 0.01),
    "AdaGrad": (sgoptim.AdaGrad, 1.5, 0.01),
    "RMSProp": (sgoptim.RMSProp, 0.1, 0.001),
    "Adam": (sgoptim.Adam, 0.3, 0.001),
}


def valley(p: Tensor) -> Tensor:
    """f(x, y) = x^2 / 20 + y^2 for a Tensor p = (x, y)."""
    return (p**2 * SCALE).sum()


def _make(name: str, lr: float) -> Any:
    cls = OPTIMIZERS[name][0]
    # The notes' RMSprop decays its average by 0.99 per step; PyTorch's alpha means the same and defaults to it.
    return lambda params: cls(params, lr=lr)


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    steps = 30
    paths = {name: descend(valley, START, _make(name, lr), steps) for name, (_, lr, _) in OPTIMIZERS.items()}

    iterations, images = (60, 2000) if quick else (2000, None)
    ((x, t),) = mnist(images, test_limit=0)

    def build(name: str) -> Any:
        def builder() -> tuple[Any, Any]:
            model = models.MLP(784, [100] * 4, 10, activation="relu", weight_init="he")
            return model, _make(name, OPTIMIZERS[name][2])(model.parameters())

        return builder

    curves = loss_curves({name: build(name) for name in OPTIMIZERS}, x, t, iterations, batch_size=128)

    plt = pyplot()
    fig = plt.figure(figsize=(14, 12), constrained_layout=True)
    grid = fig.add_gridspec(3, 3)
    xs, ys = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
    for k, (name, path) in enumerate(paths.items()):
        ax = fig.add_subplot(grid[k // 3, k % 3])
        ax.contour(xs, ys, xs**2 / 20 + ys**2, levels=12, colors="#bbbbbb", linewidths=0.7)
        ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", ms=3, lw=1)
        ax.plot(0, 0, "k+", ms=12)
        ax.set(xlim=(-10, 10), ylim=(-5, 5), title=f"{name} (lr {OPTIMIZERS[name][1]:g})", xlabel="x", ylabel="y")
    ax = fig.add_subplot(grid[2, :])
    for name, curve in curves.items():
        ax.plot(smooth(curve, 21), label=f"{name} (lr {OPTIMIZERS[name][2]:g})")
    ax.set(xlabel="iteration", ylabel="training loss (moving average)", ylim=(0, 2.5),
           title=f"MNIST: 5-layer ReLU network, batches of 128, {iterations} iterations")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.suptitle(f"{steps} steps on f(x, y) = x^2/20 + y^2 from {START}")
    save_figure(fig, png)

    numbers: dict[str, Any] = {"valley": {}, "mnist": {}}
    rows = []
    for name, path in paths.items():
        tail, start_loss, end_loss = first_and_final(curves[name])
        numbers["valley"][name] = {"end": path[-1].tolist(), "distance_start": float(np.linalg.norm(path[0])),
                                   "distance_end": float(np.linalg.norm(path[-1]))}
        numbers["mnist"][name] = {"first_loss": start_loss, "final_loss": end_loss}
        rows.append([name, OPTIMIZERS[name][1], f"({path[-1][0]:.3g}, {path[-1][1]:.3g})",
                     float(np.linalg.norm(path[-1])), OPTIMIZERS[name][2], start_loss, end_loss])
    log(f"valley: {steps} steps from {START} (distance {np.linalg.norm(START):.3g} from the minimum); "
        f"MNIST: {iterations} iterations of 128 images{' (quick: 2,000 images)' if quick else ''}, "
        f"loss averaged over the first and last {tail} iterations")
    log(table(["optimizer", "lr (valley)", "end point", "distance to min", "lr (MNIST)", "first loss", "final loss"],
              rows))
    return numbers
