"""Plots of a run, drawn with matplotlib's file-only backend (no screen needed) and saved atomically.

matplotlib is imported here only, so the core never needs it.
"""

from __future__ import annotations

import io as _stdio
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import backend
from ..io import atomic_write_bytes


def pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("plots need matplotlib: pip install 'scratchgrad[cli]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str | Path, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG to ``path`` (atomically) and close it."""
    buffer = _stdio.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    pyplot().close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)


def plot_filters(weight: Any, path: str | Path, title: str = "first-layer filters", max_filters: int = 64) -> Path:
    """Each filter of a conv weight (out, in, FH, FW) as a grey image (the first input channel, or RGB)."""
    plt = pyplot()
    w = np.asarray(backend.to_numpy(weight))[:max_filters]
    n = len(w)
    cols = min(10, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.0, rows * 1.0 + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, f in zip(axes.ravel(), w):
        image = f.transpose(1, 2, 0) if f.shape[0] == 3 else f[0]
        lo, hi = image.min(), image.max()
        ax.imshow((image - lo) / (hi - lo + 1e-12), cmap=None if image.ndim == 3 else "gray", interpolation="nearest")
    fig.suptitle(title)
    return save_figure(fig, path)


def plot_confusion(matrix: np.ndarray, path: str | Path, class_names: Sequence[str] | None = None) -> Path:
    """The confusion matrix as a heat map with counts (rows: true class, columns: predicted)."""
    plt = pyplot()
    k = len(matrix)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    fig, ax = plt.subplots(figsize=(1 + 0.6 * k, 1 + 0.6 * k))
    ax.imshow(matrix, cmap="Blues")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return save_figure(fig, path)
