"""Gradient check: backpropagation against numerical differentiation, for every parameter of two networks.

Backprop is fast and easy to get wrong; the central difference (f(w + h) - f(w - h)) / 2h is slow and hard to
get wrong. The notes check one against the other on a few images: the mean |difference| per parameter should be
tiny. In float64 it is ~1e-10 or below; in float32 rounding alone makes it ~1e-4 or worse, which is why the
check runs in float64 (``check_module_gradients`` copies the model to float64).

One trap the check itself can fall into: ReLU's kink. A unit whose input lies within h of 0 crosses the kink
between f(w + h) and f(w - h), and the central difference sees a slope between 0 and 1 where backprop (rightly)
sees one or the other. With zero biases the blank patches of a digit give conv outputs of exactly 0, so the
biases are drawn small and random first; and h is 1e-6, not 1e-5, because even then one of SimpleConvNet's
~50,000 conv outputs on 3 images lies at 1.9e-6 (h = 1e-5: conv1.bias off by 4.8e-6 on average; h = 1e-6:
1.4e-10). float64 keeps the rounding error of so small an h near 1e-10.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import backend, models
from ..gradcheck import check_module_gradients
from ..nn import functional as F
from ..viz.plots import pyplot, save_figure
from .common import Log, mnist, table

H = 1e-6  # the central difference's step (see the module's docstring)


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    ((x, t),) = mnist(3, test_limit=0)
    x = x.astype(np.float64) / 255.0
    # TwoLayerNet is small enough to check every weight (39,760, the notes' check); SimpleConvNet has 433,890,
    # so a random sample of each parameter's entries is checked.
    checks = {"TwoLayerNet": ("two_layer_net", 20 if quick else None),
              "SimpleConvNet": ("simple_convnet", 10 if quick else 300)}
    report: dict[str, dict[str, float]] = {}
    sizes: dict[tuple[str, str], int] = {}
    for label, (name, entries) in checks.items():
        backend.manual_seed(0)
        model = models.get(name)
        for param_name, param in model.named_parameters():
            sizes[label, param_name] = param.numel()
        report[label] = check_module_gradients(  # biases off ReLU's kink (see the module's docstring)
            model, F.cross_entropy, x, t, h=H, entries_per_param=entries, bias_std=0.1
        )

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5), constrained_layout=True)
    labels = [f"{label}\n{param}" for label, params in report.items() for param in params]
    values = [diff for params in report.values() for diff in params.values()]
    ax.bar(range(len(values)), values, color=["tab:blue" if "TwoLayer" in lab else "tab:orange" for lab in labels])
    ax.set_yscale("log")
    ax.axhline(1e-6, color="red", ls="--", lw=1, label="1e-6")
    ax.set_xticks(range(len(values)), labels, fontsize=8)
    ax.set(ylabel="mean |backprop - numerical|", title=f"gradient check in float64 on 3 MNIST images (h = {H:g})")
    ax.legend()
    save_figure(fig, png)

    rows = []
    for label, params in report.items():
        entries = checks[label][1]
        for param, diff in params.items():
            size = sizes[label, param]
            rows.append([label, param, f"{size if entries is None else min(entries, size)} of {size}", diff])
    log(f"mean |backprop - numerical| per parameter, float64, h = {H:g}, 3 MNIST images, cross-entropy loss; "
        "biases drawn from N(0, 0.1^2) so no ReLU input sits on the kink at 0")
    log(table(["model", "parameter", "entries checked", "mean |diff|"], rows))
    return report
