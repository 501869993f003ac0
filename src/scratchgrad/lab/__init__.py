"""The learning lab: each experiment of the notes as one command that draws its figure and prints its numbers.

    from scratchgrad import lab
    lab.available()                          # {"activations": "step, sigmoid, ... with their derivatives", ...}
    result = lab.run("weight-init", out_dir="figures")
    result.png_path, result.numbers           # figures/weight-init.png and the numbers behind it

Every experiment has a ``quick`` mode (small data, few iterations) that the test suite runs; the full mode is
sized to finish in a minute or two on a laptop's CPU. The command line face is ``scratchgrad lab NAME``.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

# name -> (module in this package, one-line description). Each module has
# run(png_path, quick=False, log=print) -> dict of the numbers behind its figure.
_EXPERIMENTS: dict[str, tuple[str, str]] = {
    "activations": ("activations", "step, sigmoid, tanh, ReLU, identity and softmax with their derivatives"),
    "gates": ("gates", "perceptron truth tables for AND / NAND / OR / XOR; why XOR needs two layers"),
    "gradient-descent": ("gradient_descent", "gradient field of x0^2 + x1^2 and descent paths per learning rate"),
    "optimizers": ("optimizers", "SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam on x^2/20 + y^2 and on MNIST"),
    "weight-init": ("weight_init", "activation histograms per initial weight scale; MNIST loss per init"),
    "batchnorm": ("batchnorm", "training accuracy with and without batch normalisation per initial weight scale"),
    "overfitting": ("overfitting", "300 training images: no regularisation vs weight decay vs dropout"),
    "gradient-check": ("gradient_check", "backprop vs numerical gradients per parameter (TwoLayerNet, SimpleConvNet)"),
    "filters": ("filters", "first-layer filters of SimpleConvNet before and after training"),
    "graph": ("graph", "the apple and orange computational graph with forward values and backward gradients"),
}


@dataclass
class LabResult:
    """What an experiment produced: its figure, the numbers behind it, and how long it took."""

    name: str
    png_path: Path
    numbers: dict[str, Any]
    seconds: float


def available() -> dict[str, str]:
    """Experiment names and one-line descriptions, in the notes' order."""
    return {name: description for name, (_, description) in _EXPERIMENTS.items()}


def run(name: str, out_dir: str | Path = ".", quick: bool = False,
        log: Callable[[str], None] | None = print) -> LabResult:
    """Run the experiment ``name``: write ``out_dir/NAME.png``, print its numbers (through ``log``), return both.

    Args:
        name: one of ``available()`` (``weight_init`` works for ``weight-init``).
        out_dir: folder for the PNG (created if missing).
        quick: the reduced size the tests use (fewer iterations, fewer images).
        log: where the tables go; None keeps it silent.
    """
    key = name.lower().replace("_", "-")
    if key not in _EXPERIMENTS:
        raise ValueError(f"unknown lab {name!r}; available: {', '.join(_EXPERIMENTS)}")
    module = importlib.import_module(f".{_EXPERIMENTS[key][0]}", __name__)
    png = Path(out_dir) / f"{key}.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    quiet: Callable[[str], None] = log if log is not None else (lambda _: None)
    start = time.perf_counter()
    numbers = module.run(png, quick=quick, log=quiet)
    seconds = time.perf_counter() - start
    quiet(f"wrote {png} ({seconds:.1f} s{', quick mode' if quick else ''})")
    return LabResult(key, png, numbers, seconds)


__all__ = ["LabResult", "available", "run"]
