"""Activation functions and their derivatives, the derivatives taken by our own backward passes.

What to see: step's derivative is 0 everywhere (no gradient to learn from, so the notes leave the perceptron
for sigmoid); sigmoid's slope is at most 0.25 and vanishes for |x| > 5, so stacked sigmoids shrink gradients;
tanh's slope reaches 1 at 0; ReLU passes a gradient of exactly 1 wherever it is active; identity always 1.
Softmax is drawn for one score x against fixed scores (0, 1): p0 = e^x / (e^x + e^0 + e^1), and dp0/dx = p0 (1 - p0).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..autograd import Tensor
from ..nn import functional as F
from ..viz.plots import pyplot, save_figure
from .common import Log, table

OTHER_SCORES = (0.0, 1.0)  # the fixed scores softmax's first output competes with


def _softmax_first(x: Tensor) -> Tensor:
    """Softmax's first output as a function of its first score (the others fixed): a curve one can draw."""
    n = x.shape[0]
    others = Tensor(np.broadcast_to(np.array(OTHER_SCORES), (n, len(OTHER_SCORES))).copy())
    return F.softmax(F.concat([x.reshape(n, 1), others], axis=1), axis=1)[:, 0]


FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "step": F.step,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "identity": F.identity,
    "softmax": _softmax_first,
}
Y_LIMITS = {"tanh": (-1.2, 1.2), "relu": (-0.5, 5.2), "identity": (-5.2, 5.2)}


def value_and_derivative(f: Callable[[Tensor], Tensor], xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and df/dx at every point, by one forward and one backward pass (each y depends on its own x only)."""
    x = Tensor(np.asarray(xs, dtype=np.float64), requires_grad=True)
    y = f(x)
    y.sum().backward()
    return np.asarray(y.data), np.asarray(x.grad.data)


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    xs = np.linspace(-5.0, 5.0, 201 if quick else 1001)
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), constrained_layout=True)
    probes = np.array([-5.0, -1.0, 0.0, 1.0, 5.0])
    numbers: dict[str, Any] = {}
    rows = []
    for ax, (name, f) in zip(axes.ravel(), FUNCTIONS.items()):
        y, dy = value_and_derivative(f, xs)
        y_at, dy_at = value_and_derivative(f, probes)
        ax.plot(xs, y, label=f"{name}(x)")
        ax.plot(xs, dy, "--", label="derivative")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(name if name != "softmax" else "softmax: p0 of scores (x, 0, 1)")
        ax.set_ylim(*Y_LIMITS.get(name, (-0.1, 1.2)))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        numbers[name] = {"max_derivative": float(dy.max()), "derivative_at": dict(zip(probes.tolist(), dy_at.tolist())),
                         "value_at": dict(zip(probes.tolist(), y_at.tolist()))}
        rows.append([name, *y_at, float(dy.max()), *dy_at])
    fig.suptitle("activation functions (solid) and their derivatives from backward() (dashed)")
    save_figure(fig, png)
    headers = ["function", *(f"f({p:g})" for p in probes), "max f'", *(f"f'({p:g})" for p in probes)]
    log("activations on [-5, 5]; derivatives from our backward passes")
    log(table(headers, rows))
    return numbers
