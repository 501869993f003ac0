"""Compiled metrics during ``fit`` and ``evaluate``: each batch the loss sees updates them, and their results
join the epoch's logs.

The compiled objective calls ``Tracker.observe(scores, targets)`` on every batch it scores: the training batches
(model in training mode) update the training copies, the evaluation batches (inference mode) the validation
copies. A Trainer callback resets both at each epoch's start and writes their results into the epoch's logs
(``precision``, ``val_precision``, ...), where Keras's callbacks and the History find them.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from ..train import callbacks as core
from .metrics import Metric


class Tracker:
    """The compiled metric objects, a training copy and a validation copy of each."""

    def __init__(self, metrics: list[Metric], model: Any, where: list[Any] | None = None):
        self.train, self.val = metrics, [copy.deepcopy(m) for m in metrics]
        self.model = model
        self.seen_val = False
        # Per metric, for one output: None, or "weighted" (it takes the sample weights). For several outputs: the
        # output's index, ("weighted", i) for output i with its sample weights, or ("loss", i): output i's loss.
        self.where = where or [None] * len(metrics)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.train] + [f"val_{m.name}" for m in self.train]

    def reset(self) -> None:
        for metric in self.train + self.val:
            metric.reset_state()
        self.seen_val = False

    def observe(self, outputs: Tensor, targets: Tensor, weights: Any = None) -> None:
        """Update with one batch: ``outputs`` as the model gives them (probabilities after its activation), and
        the batch's sample weights (None: unweighted) for the weighted metrics."""
        training = self.model.training
        self.seen_val |= not training
        with no_grad():
            y_pred, y_true = backend.to_numpy(outputs.data), backend.to_numpy(targets.data)
            for metric, where in zip(self.train if training else self.val, self.where):
                metric.update_state(y_true, y_pred, weights if where == "weighted" else None)

    def observe_outputs(self, outputs: list[Tensor], targets: list[Tensor], output_losses: list[float],
                        weights: list[Any] | None = None) -> None:
        """Update with one batch of a model with several outputs, each output's loss on it and its sample weights
        (None, or None for an output: unweighted)."""
        training = self.model.training
        self.seen_val |= not training
        n = len(outputs[0])
        for metric, where in zip(self.train if training else self.val, self.where):
            i = where[1] if isinstance(where, tuple) else where
            if isinstance(where, tuple) and where[0] == "loss":
                metric.update_state(np.full(n, output_losses[i]))
                continue
            weight = weights[i] if weights and isinstance(where, tuple) else None
            metric.update_state(backend.to_numpy(targets[i].data), backend.to_numpy(outputs[i].data), weight)

    def results(self, prefix_val: bool = True) -> dict[str, float]:
        logs = {m.name: float(m.result()) for m in self.train}
        if self.seen_val:
            logs.update({(f"val_{m.name}" if prefix_val else m.name): float(m.result()) for m in self.val})
        return logs


class TrackerLogs(core.Callback):
    """Resets the tracker at each epoch's start and adds its results to the epoch's logs."""

    def __init__(self, tracker: Tracker):
        self.tracker = tracker

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None:
        self.tracker.reset()

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        logs.update(self.tracker.results())
