"""Overfitting and two cures: a deep network on 300 MNIST images, plain, with weight decay and with dropout.

The notes' setting: 300 training images, a 7-layer ReLU network (6 x 100 hidden units), SGD lr 0.01, batches of
100. Plain, it learns the 300 images perfectly while test accuracy stalls far below: the gap between the two
curves is overfitting. Weight decay (lambda 0.1 on the weights, not the biases, as the notes' L2 penalty
0.5 * lambda * ||W||^2) and dropout (ratio 0.2, inverted) both keep the network from memorising, and the gap
shrinks. The three runs start from the same weights and see the same batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import backend, models
from ..data import DataLoader
from ..optim import SGD
from ..viz.plots import pyplot, save_figure
from .common import Log, fit, mnist, table

# label -> (weight decay on the weights, dropout ratio)
SETTINGS = {"no regularisation": (0.0, 0.0), "weight decay 0.1": (0.1, 0.0), "dropout 0.2": (0.0, 0.2)}


def _optimizer(model: Any, weight_decay: float) -> SGD:
    # The notes decay the weights only; parameter groups keep the biases free (their penalty sums over W).
    params = dict(model.named_parameters())
    weights = [p for name, p in params.items() if name.endswith("weight")]
    others = [p for name, p in params.items() if not name.endswith("weight")]
    return SGD([{"params": weights, "weight_decay": weight_decay}, {"params": others}], lr=0.01)


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    epochs, test_images = (100, 1000) if quick else (300, 10_000)  # the notes: 201 epochs, 301 with dropout
    (x, t), (x_test, t_test) = mnist(300, test_images)
    eval_loaders = {"train": DataLoader((x, t), batch_size=1000), "test": DataLoader((x_test, t_test), batch_size=1000)}
    histories = {}
    for label, (weight_decay, dropout) in SETTINGS.items():
        backend.manual_seed(0)
        model = models.MLP(784, [100] * 6, 10, activation="relu", weight_init="he", dropout=dropout)
        loader = DataLoader((x, t), batch_size=100, shuffle=True, seed=0)
        histories[label], _, _ = fit(model, _optimizer(model, weight_decay), loader, epochs, eval_loaders)

    plt = pyplot()
    fig, axes = plt.subplots(1, len(SETTINGS), figsize=(15, 4.5), sharey=True, constrained_layout=True)
    for ax, (label, history) in zip(axes, histories.items()):
        epoch_axis = [row["epoch"] for row in history]
        ax.plot(epoch_axis, [row["train_accuracy"] for row in history], label="train (300 images)")
        ax.plot(epoch_axis, [row["test_accuracy"] for row in history], label=f"test ({len(t_test):,} images)")
        ax.set(title=label, xlabel="epoch", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    axes[0].set_ylabel("accuracy")
    fig.suptitle("7-layer ReLU network on 300 MNIST images, SGD lr 0.01: the gap between the curves is overfitting")
    save_figure(fig, png)

    numbers: dict[str, Any] = {}
    rows = []
    for label, history in histories.items():
        last = history[-1]
        gap = last["train_accuracy"] - last["test_accuracy"]
        numbers[label] = {"train_accuracy": last["train_accuracy"], "test_accuracy": last["test_accuracy"],
                          "gap": gap, "best_test_accuracy": float(np.max([r["test_accuracy"] for r in history]))}
        rows.append([label, last["train_accuracy"], last["test_accuracy"], gap])
    log(f"after {epochs} epochs (3 iterations each) on 300 training images; test on {len(t_test):,} images")
    log(table(["run", "train accuracy", "test accuracy", "gap"], rows))
    return numbers
