"""Perceptrons: the logic gates of the notes, and one that learns its weights by the perceptron rule.

A perceptron outputs 1 when w . x + b > 0, else 0. AND, NAND and OR differ only in their weights and bias; XOR is
not linearly separable, so no single perceptron computes it, but two layers of them do:
XOR(x1, x2) = AND(NAND(x1, x2), OR(x1, x2)).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _gate(w: tuple[float, float], b: float):
    def gate(x1: float, x2: float) -> int:
        return int(np.dot(w, (x1, x2)) + b > 0)

    return gate


AND = _gate((0.5, 0.5), -0.7)
AND.__doc__ = "1 only when both inputs are 1 (w = (0.5, 0.5), b = -0.7, the notes' weights)."
NAND = _gate((-0.5, -0.5), 0.7)
NAND.__doc__ = "0 only when both inputs are 1: AND with every sign flipped (w = (-0.5, -0.5), b = 0.7)."
OR = _gate((0.5, 0.5), -0.2)
OR.__doc__ = "1 when either input is 1 (w = (0.5, 0.5), b = -0.2)."


def XOR(x1: float, x2: float) -> int:
    """1 when exactly one input is 1: a two-layer perceptron, AND(NAND(x1, x2), OR(x1, x2))."""
    return AND(NAND(x1, x2), OR(x1, x2))


TRUTH_INPUTS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float64)
"""The four input pairs of a two-input truth table, in the notes' order."""


@dataclass
class Perceptron:
    """A single perceptron trained by Rosenblatt's rule: w += lr * (t - y) * x, b += lr * (t - y).

    The rule converges whenever the classes can be split by a line; for XOR they cannot, and ``fit`` reports it.

    Example::

        p = Perceptron(2).fit(TRUTH_INPUTS, [0, 0, 0, 1])   # learns AND
        p.converged   # True
        p.predict(TRUTH_INPUTS)   # array([0, 0, 0, 1])
    """

    n_inputs: int
    lr: float = 0.1
    weights: np.ndarray = field(init=False)
    bias: float = field(init=False, default=0.0)
    converged: bool = field(init=False, default=False)
    epochs_run: int = field(init=False, default=0)
    message: str = field(init=False, default="not trained")

    def __post_init__(self) -> None:
        self.weights = np.zeros(self.n_inputs)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) @ self.weights + self.bias > 0).astype(np.int64)

    def fit(self, x: np.ndarray, t: np.ndarray, max_epochs: int = 100) -> Perceptron:
        """Sweep the samples until an epoch makes no mistake or ``max_epochs`` pass."""
        x = np.asarray(x, dtype=np.float64)
        t = np.asarray(t).astype(np.int64)
        if x.ndim != 2 or x.shape[1] != self.n_inputs or len(x) != len(t):
            raise ValueError(
                f"Perceptron.fit: expected x of shape (N, {self.n_inputs}) and t of shape (N,); "
                f"received {x.shape} and {t.shape}"
            )
        for epoch in range(1, max_epochs + 1):
            mistakes = 0
            for xi, ti in zip(x, t):
                error = ti - int(xi @ self.weights + self.bias > 0)
                if error:
                    mistakes += 1
                    self.weights += self.lr * error * xi
                    self.bias += self.lr * error
            self.epochs_run = epoch
            if mistakes == 0:
                self.converged = True
                self.message = f"converged after {epoch} epochs: the classes are linearly separable"
                return self
        self.converged = False
        self.message = (
            f"did not converge in {max_epochs} epochs: no single line separates these classes "
            "(XOR, for one, needs two layers of perceptrons)"
        )
        return self
