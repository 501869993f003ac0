"""Perceptron logic gates: truth tables, the line each perceptron draws, and why XOR needs two layers.

A perceptron outputs 1 on one side of the line w1 x1 + w2 x2 + b = 0. AND, NAND and OR each split their four
inputs with one line, and Rosenblatt's rule finds such a line. XOR puts (1, 0) and (0, 1) on one side and (0, 0),
(1, 1) on the other: no line does that, and the rule never settles. Two layers do: the NAND line and the OR line
together cut out the band where XOR is 1, and AND combines them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import perceptron
from ..viz.plots import pyplot, save_figure
from .common import Log, table

GATES = {"AND": perceptron.AND, "NAND": perceptron.NAND, "OR": perceptron.OR, "XOR": perceptron.XOR}


def truth_table(gate: Any) -> list[int]:
    """The gate's outputs for (0, 0), (1, 0), (0, 1), (1, 1)."""
    return [gate(x1, x2) for x1, x2 in perceptron.TRUTH_INPUTS]


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    inputs = perceptron.TRUTH_INPUTS
    tables = {name: truth_table(gate) for name, gate in GATES.items()}
    learned = {name: perceptron.Perceptron(2).fit(inputs, tables[name], max_epochs=20 if quick else 100)
               for name in GATES}
    # XOR from two layers of the learned single-layer gates: AND(NAND(x), OR(x)).
    two_layer = [int(learned["AND"].predict([[learned["NAND"].predict([x])[0], learned["OR"].predict([x])[0]]])[0])
                 for x in inputs]

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(16, 4.2), constrained_layout=True)
    ticks = np.linspace(-0.5, 1.5, 41 if quick else 161)
    x1s, x2s = np.meshgrid(ticks, ticks)
    for ax, (name, gate) in zip(axes, GATES.items()):
        # The gate itself evaluated over the plane: its edge is the notes' line (XOR: the band between two lines).
        region = np.vectorize(gate)(x1s, x2s)
        ax.contourf(x1s, x2s, region, levels=[-0.5, 0.5, 1.5], colors=["#f3f3f3", "#cde4f7"])
        ax.contour(x1s, x2s, region, levels=[0.5], colors="k", linestyles="--", linewidths=1)
        verdict = "converges" if learned[name].converged else "never converges"
        layers = "two layers: AND(NAND, OR)" if name == "XOR" else "one perceptron"
        ax.set_title(f"{name} ({layers})\nperceptron rule {verdict}", fontsize=10)
        for (x1, x2), y in zip(inputs, tables[name]):
            ax.scatter(x1, x2, s=120, marker="o" if y else "x", c="tab:blue" if y else "tab:red", zorder=3)
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2", aspect="equal")
    fig.suptitle("o: output 1, x: output 0; shaded: where the gate outputs 1, dashed: its decision line(s)")
    save_figure(fig, png)

    headers = ["x1", "x2", *GATES, "XOR (2 layers)"]
    rows = [[int(a), int(b), *(tables[g][i] for g in GATES), two_layer[i]] for i, (a, b) in enumerate(inputs)]
    log("truth tables (the notes' hand-set weights; XOR = AND(NAND, OR))")
    log(table(headers, rows))
    log("one perceptron trained by Rosenblatt's rule on each table:")
    log(table(["gate", "converged", "epochs", "w1", "w2", "b"],
              [[n, p.converged, p.epochs_run, *p.weights, p.bias] for n, p in learned.items()]))
    return {
        "truth_tables": tables,
        "converged": {name: p.converged for name, p in learned.items()},
        "xor_two_layer": two_layer,
    }
