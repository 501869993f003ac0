"""Batch normalisation against a bad start: training accuracy with and without it, per initial weight scale.

The notes' experiment: a 6-layer ReLU network (5 x 100 hidden units) trained on 1,000 MNIST images with SGD
(lr 0.01, batches of 100) from Gaussian weights of std 1 down to 1e-4. Without batch normalisation only a narrow
band of scales learns at all: too small and the signal vanishes, too large and it explodes. With it, each layer's
sums are re-centred and re-scaled per mini-batch, so the network learns from scales a hundred times smaller than
the plain one survives (measured: std 0.0074 reaches 100% training accuracy with it, 11.7% without). At the
largest scales it learns, but slowly: the last layer is not normalised, starts with scores in the tens and
saturates the softmax, while the plain network at std 0.29 happens to start right.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend, models
from ..data import DataLoader
from ..optim import SGD
from ..viz.plots import pyplot, save_figure
from .common import Log, fit, mnist, table


def train_accuracy_curve(x: np.ndarray, t: np.ndarray, scale: float, batchnorm: bool, epochs: int,
                         seed: int = 0) -> tuple[list[float], bool]:
    """Training accuracy after each epoch (NaN after a divergence) and whether the run diverged."""
    backend.manual_seed(seed)
    model = models.MLP(784, [100] * 5, 10, activation="relu", weight_init=scale, use_batchnorm=batchnorm)
    loader = DataLoader((x, t), batch_size=100, shuffle=True, seed=seed)
    history, _, diverged = fit(model, SGD(model.parameters(), lr=0.01), loader, epochs,
                               eval_loaders={"train": DataLoader((x, t), batch_size=1000)})
    accuracy = [row["train_accuracy"] for row in history]
    return accuracy + [math.nan] * (epochs - len(accuracy)), diverged


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    images, epochs = (1000, 10) if quick else (1000, 20)
    scales = np.logspace(0, -4, 4 if quick else 16)
    ((x, t),) = mnist(images, test_limit=0)
    results = {}
    for scale in scales:
        for bn in (True, False):
            results[float(scale), bn] = train_accuracy_curve(x, t, float(scale), bn, epochs)

    plt = pyplot()
    cols = 4
    rows = math.ceil(len(scales) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False, constrained_layout=True)
    for ax in axes.ravel()[len(scales):]:
        ax.axis("off")
    epoch_axis = np.arange(1, epochs + 1)
    for ax, scale in zip(axes.ravel(), scales):
        for bn, style in ((True, "-"), (False, "--")):
            accuracy, diverged = results[float(scale), bn]
            label = ("with" if bn else "without") + " batch norm" + (" (diverged)" if diverged else "")
            ax.plot(epoch_axis, accuracy, style, label=label)
        ax.set(title=f"initial weight std {scale:.2g}", ylim=(0, 1), xlabel="epoch", ylabel="training accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"6-layer ReLU network on {images} MNIST images, SGD lr 0.01, batches of 100")
    save_figure(fig, png)

    numbers: dict[str, Any] = {}
    table_rows = []
    for scale in scales:
        with_bn, _ = results[float(scale), True]
        without, diverged = results[float(scale), False]
        numbers[f"{scale:.3g}"] = {"scale": float(scale), "with_batchnorm": with_bn[-1], "without": without[-1],
                                   "without_diverged": diverged}
        table_rows.append([f"{scale:.3g}", with_bn[-1], "diverged" if diverged else without[-1]])
    log(f"training accuracy after {epochs} epochs on {images} MNIST images")
    log(table(["weight std", "with batch norm", "without"], table_rows))
    return numbers
