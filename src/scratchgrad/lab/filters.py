"""What a convolution layer learns: SimpleConvNet's 30 first-layer filters before and after training.

Before training the 5x5 filters are noise (Gaussians of std 0.01, as in the notes). After training they are
smooth: blobs and edges, light on one side and dark on the other, which respond to strokes of a given direction.
One number says it: the correlation between horizontally neighbouring weights of a filter, ~0 for noise and
clearly positive for a smooth pattern. Training uses the Trainer with Adam (lr 0.001), batches of 100.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import backend, models
from ..data import DataLoader
from ..optim import Adam
from ..viz.plots import plot_filters
from .common import Iterations, Log, fit, mnist, table


def neighbour_correlation(weight: np.ndarray) -> float:
    """Mean correlation between each weight and its right-hand neighbour, over all filters (out, in, FH, FW)."""
    left, right = weight[..., :-1].reshape(len(weight), -1), weight[..., 1:].reshape(len(weight), -1)
    left = left - left.mean(axis=1, keepdims=True)
    right = right - right.mean(axis=1, keepdims=True)
    r = (left * right).sum(axis=1) / np.sqrt((left**2).sum(axis=1) * (right**2).sum(axis=1))
    return float(r.mean())


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    iterations, images, test_images = (30, 3000, 1000) if quick else (600, None, 10_000)
    (x, t), (x_test, t_test) = mnist(images, test_images)
    backend.manual_seed(0)
    model = models.SimpleConvNet(weight_init_std=0.01)  # the notes: small filters, so what they learn shows
    before = backend.to_numpy(model.conv1.weight.data).copy()
    loader = Iterations(DataLoader((x, t), batch_size=100, shuffle=True, seed=0), iterations)
    history, _, _ = fit(model, Adam(model.parameters(), lr=0.001), loader,
                        eval_loaders={"test": DataLoader((x_test, t_test), batch_size=1000)})
    after = backend.to_numpy(model.conv1.weight.data).copy()

    # One figure through the viz helper: the 30 filters before (top three rows), then after (bottom three rows).
    plot_filters(np.concatenate([before, after]), png, max_filters=len(before) * 2,
                 title=f"SimpleConvNet conv1: before (top 3 rows) and after {iterations} iterations (bottom 3 rows)")

    numbers = {
        "iterations": iterations,
        "test_accuracy": history[-1]["test_accuracy"],
        "neighbour_correlation_before": neighbour_correlation(before),
        "neighbour_correlation_after": neighbour_correlation(after),
        "mean_abs_change": float(np.abs(after - before).mean()),
    }
    log(f"SimpleConvNet, {iterations} iterations of 100 images (Adam lr 0.001); "
        f"test accuracy on {len(t_test):,} images: {numbers['test_accuracy']:.4f}")
    log(table(["filters", "neighbour correlation", "mean |w|"],
              [["before training", numbers["neighbour_correlation_before"], float(np.abs(before).mean())],
               ["after training", numbers["neighbour_correlation_after"], float(np.abs(after).mean())]]))
    return numbers
