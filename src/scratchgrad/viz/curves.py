"""A run's training curves (curves.png) and the words for each number of its history.

The left panel is the training loss of every iteration, faint, with its smoothed line (an exponential moving
average, as TensorBoard smooths) and the end of each epoch marked; held-out losses sit on those marks. The right
panel is accuracy: the smoothed accuracy of the training batches, and per epoch the held-out and eval-mode
accuracies. Even a one-epoch run draws hundreds of points, not one dot per series.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .plots import pyplot, save_figure

_SETS = {"test": ("test", "held out"), "val": ("validation", "held out"), "train": ("train", "training images")}


def metric_words(key: str) -> tuple[str, str]:
    """A history number's name and what it was measured on: ``accuracy`` -> ("running training accuracy",
    "train mode: dropout on, mean over the epoch's batches"), ``test_accuracy`` -> ("test accuracy", "held out,
    eval mode")."""
    if key in ("loss", "accuracy"):
        return f"running training {key}", "train mode: dropout on, mean over the epoch's batches"
    name, _, metric = key.partition("_")
    if name in _SETS and metric in ("loss", "accuracy"):
        return f"{_SETS[name][0]} {metric}", f"{_SETS[name][1]}, eval mode"
    return key, ""


def describe(key: str) -> str:
    """``metric_words`` as one label: "test accuracy (held out, eval mode)"."""
    name, detail = metric_words(key)
    return f"{name} ({detail})" if detail else name


def smooth(values: Sequence[float], weight: float = 0.9) -> np.ndarray:
    """Exponential moving average, bias-corrected so that the first points are not pulled toward 0."""
    out, mean = np.empty(len(values)), 0.0
    for i, v in enumerate(values):
        mean = weight * mean + (1 - weight) * v
        out[i] = mean / (1 - weight ** (i + 1))
    return out


def _epoch_ends(steps: Sequence[dict[str, float]]) -> dict[int, int]:
    """Epoch -> its last iteration."""
    return {int(row["epoch"]): int(row["step"]) for row in steps}


def _mark_epochs(ax: Any, ends: dict[int, int]) -> None:
    for epoch, step in ends.items():
        ax.axvline(step, color="grey", linestyle=":", linewidth=1)
        ax.text(step, 1.0, f"epoch {epoch}", transform=ax.get_xaxis_transform(), ha="right", va="bottom",
                fontsize=8, color="grey")


def _per_epoch(ax: Any, history: Sequence[dict[str, float]], x: dict[int, float], metric: str) -> None:
    """Held-out and eval-mode numbers (``test_<metric>``...) as markers at each epoch's end, the last one labelled."""
    for key in history[0]:
        if not key.endswith("_" + metric):
            continue
        points = [(x[int(row["epoch"])], row[key]) for row in history if key in row and int(row["epoch"]) in x]
        if not points:
            continue
        xs, ys = zip(*points)
        colour, dy = _STYLE.get(key.partition("_")[0], ("C4", 8))
        ax.plot(xs, ys, marker="o", color=colour, linestyle="-" if len(xs) > 1 else "none", label=describe(key))
        ax.annotate(f"{ys[-1]:.4f}", (xs[-1], ys[-1]), textcoords="offset points", xytext=(-6, dy), ha="right",
                    va="center", fontsize=8, color=colour)


# Colour and label offset (points) per evaluation set: train's value sits below the mark, held-out ones above.
_STYLE = {"test": ("C1", 9), "val": ("C3", 18), "train": ("C2", -10)}


def _per_step(ax: Any, steps: Sequence[dict[str, float]], metric: str) -> None:
    rows = [row for row in steps if metric in row and math.isfinite(row[metric])]
    if not rows:
        return
    xs, ys = [row["step"] for row in rows], [row[metric] for row in rows]
    ax.plot(xs, ys, color="C0", alpha=0.2, linewidth=0.8, label=f"training {metric} of each batch (train mode)")
    ax.plot(xs, smooth(ys), color="C0", linewidth=1.8,
            label="the same, smoothed (exponential moving average, weight 0.9)")


def plot_history(history: Sequence[dict[str, float]], path: str | Path,
                 steps: Sequence[dict[str, float]] | None = None) -> Path:
    """curves.png: loss (left) and accuracy (right) against the iteration, epochs marked; without ``steps`` (the
    per-iteration rows) against the epoch."""
    plt = pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.5))
    if steps:
        ends = _epoch_ends(steps)
        x = {epoch: float(step) for epoch, step in ends.items()}
        xlabel = f"iteration ({len(steps):,} in {len(ends)} epoch{'s' if len(ends) != 1 else ''})"
    else:
        ends, x, xlabel = {}, {int(row["epoch"]): float(row["epoch"]) for row in history}, "epoch"
    for ax, metric, title in ((ax_loss, "loss", "loss (cross-entropy, lower is better)"),
                              (ax_acc, "accuracy", "accuracy (higher is better)")):
        if steps:
            _per_step(ax, steps, metric)
            _mark_epochs(ax, ends)
        elif history and metric in history[0]:
            ax.plot(list(x.values()), [row[metric] for row in history], marker="o", label=describe(metric))
        if history:
            _per_epoch(ax, history, x, metric)
        ax.set_xlabel(xlabel)
        ax.set_title(title, pad=14)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8, loc="best")
    return save_figure(fig, path)
