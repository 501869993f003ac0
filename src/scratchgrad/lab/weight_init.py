"""Initial weights: activation histograms of a 5-layer, 100-unit network, then MNIST loss per initialisation.

The notes' experiment: 1,000 random inputs of 100 values pass through five Affine layers of 100 units (no bias)
with Gaussian weights of a chosen std, each followed by the activation. With sigmoid:

- std 1: the weighted sums are large, so sigmoid outputs pile up at 0 and 1, where its slope is ~0: gradients
  vanish on the way back.
- std 0.01: the sums are tiny, every unit outputs ~0.5: the units all say the same thing (lost expressiveness).
- Xavier (std 1 / sqrt(n), n = 100 inputs per unit): outputs stay spread over (0, 1) in every layer.

tanh behaves the same way around 0. ReLU needs He (std sqrt(2 / n)): with Xavier its activations shrink layer by
layer, with std 0.01 they vanish, with He their spread stays the same in every layer. The MNIST part trains the
notes' 5-layer ReLU network (4 x 100 hidden units) with std 0.01, Xavier and He, SGD lr 0.01, batches of 128.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import backend, models
from ..autograd import Tensor, no_grad
from ..models.mlp import init_weights
from ..nn import functional as F
from ..nn.layers import Linear
from ..optim import SGD
from ..viz.plots import pyplot, save_figure
from .common import Log, first_and_final, loss_curves, mnist, smooth, table

ACTIVATIONS = {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu}
INITS: dict[str, float | str] = {"std 1": 1.0, "std 0.01": 0.01, "Xavier": "xavier", "He": "he"}
MNIST_INITS: dict[str, float | str] = {"std 0.01": 0.01, "Xavier": "xavier", "He": "he"}
LAYERS, UNITS = 5, 100


def layer_activations(activation: str, init: float | str, samples: int = 1000, seed: int = 0) -> list[np.ndarray]:
    """The outputs of each of the 5 layers for ``samples`` standard-normal inputs (the notes' experiment)."""
    backend.manual_seed(seed)
    a = Tensor(backend.rng().standard_normal((samples, UNITS)).astype(np.float32))
    outputs = []
    with no_grad():
        for _ in range(LAYERS):
            layer = Linear(UNITS, UNITS, bias=False)
            init_weights(layer, init)
            a = ACTIVATIONS[activation](layer(a))
            outputs.append(backend.to_numpy(a.data))
    return outputs


def spread(activation: str, a: np.ndarray) -> dict[str, float]:
    """How a layer's outputs are spread: std, the share at the extremes, the share near the middle (or at 0)."""
    stats = {"mean": float(a.mean()), "std": float(a.std())}
    if activation == "sigmoid":
        stats["saturated"] = float(np.mean((a < 0.05) | (a > 0.95)))  # where sigmoid' < 0.05
        stats["near_middle"] = float(np.mean(np.abs(a - 0.5) < 0.05))
    elif activation == "tanh":
        stats["saturated"] = float(np.mean(np.abs(a) > 0.95))
        stats["near_middle"] = float(np.mean(np.abs(a) < 0.05))
    else:
        stats["zero"] = float(np.mean(a == 0))
    return stats


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    acts = {(act, init): layer_activations(act, scheme, samples=500 if quick else 1000)
            for act in ACTIVATIONS for init, scheme in INITS.items()}

    iterations, images = (100, 2000) if quick else (2000, None)
    ((x, t),) = mnist(images, test_limit=0)

    def build(scheme: float | str) -> Any:
        def builder() -> tuple[Any, Any]:
            model = models.MLP(784, [100] * 4, 10, activation="relu", weight_init=scheme)
            return model, SGD(model.parameters(), lr=0.01)

        return builder

    curves = loss_curves({name: build(s) for name, s in MNIST_INITS.items()}, x, t, iterations, batch_size=128)

    plt = pyplot()
    fig = plt.figure(figsize=(16, 15), constrained_layout=True)
    grid = fig.add_gridspec(4, len(INITS))
    for row, act in enumerate(ACTIVATIONS):
        for col, init in enumerate(INITS):
            ax = fig.add_subplot(grid[row, col])
            layers = acts[act, init]
            if act == "relu":  # zeros (inactive units) would swamp the histogram; the table counts them
                hi = max(float(np.percentile(np.concatenate(layers), 99)), 1e-6)
                bins, data = np.linspace(0, hi, 31), [a[a > 0] for a in layers]
            else:
                bins, data = np.linspace(-1 if act == "tanh" else 0, 1, 31), layers
            for k, d in enumerate(data):
                ax.hist(d.ravel(), bins=bins, histtype="step", lw=1.2, label=f"layer {k + 1}")
            ax.set_title(f"{act}, {init}", fontsize=10)
            ax.set_yticks([])
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[3, :])
    for name, curve in curves.items():
        ax.plot(smooth(curve, 21), label=name)
    ax.set(xlabel="iteration", ylabel="training loss (moving average)", ylim=(0, 2.5),
           title=f"MNIST, 5-layer ReLU network, SGD lr 0.01, batches of 128, {iterations} iterations")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.suptitle("activations of each of 5 layers (100 units, no bias) for 1,000 random inputs"
                 " (ReLU: non-zero outputs only)")
    save_figure(fig, png)

    numbers: dict[str, Any] = {"histograms": {}, "mnist": {}}
    rows = []
    for (act, init), layers in acts.items():
        stats = [spread(act, a) for a in layers]
        numbers["histograms"][f"{act}/{init}"] = stats
        extreme = "zero" if act == "relu" else "saturated"
        rows.append([act, init, *(s["std"] for s in stats), stats[0][extreme], stats[-1][extreme]])
    log(f"activation spread per layer ({len(acts['sigmoid', 'He'][0])} random inputs); "
        "saturated: sigmoid < 0.05 or > 0.95, |tanh| > 0.95; ReLU: share of zeros")
    log(table(["activation", "init", *(f"std L{k + 1}" for k in range(LAYERS)), "sat/zero L1", "sat/zero L5"], rows))
    for name, curve in curves.items():
        tail, first, final = first_and_final(curve)
        numbers["mnist"][name] = {"first_loss": first, "final_loss": final}
    log(f"MNIST training loss (mean of the first / last {tail} of {iterations} iterations"
        f"{'; quick: 2,000 images' if quick else ''})")
    log(table(["init", "first loss", "final loss"], [[n, v["first_loss"], v["final_loss"]]
                                                     for n, v in numbers["mnist"].items()]))
    return numbers
