"""Callbacks: code the Trainer calls at the start and end of epochs, without a second training loop.

A callback overrides any of ``on_train_begin(trainer)``, ``on_epoch_end(trainer, epoch, logs)``,
``on_batch_end(trainer, step, loss)`` and ``on_train_end(trainer)``; setting ``trainer.stop_training = True``
ends the run after the current epoch. ``logs`` is that epoch's row of the history (train_loss,
train_accuracy, val_loss, val_accuracy, test_loss, test_accuracy, lr, ...).
"""

from __future__ import annotations

import math
from typing import Any


class Callback:
    def on_train_begin(self, trainer: Any) -> None:
        pass

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None:
        pass

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None:
        pass

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, trainer: Any) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to carry on (patience counters and the like)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _mode(monitor: str, mode: str) -> str:
    if mode == "auto":
        return "min" if "loss" in monitor else "max"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min', 'max' or 'auto'; received {mode!r}")
    return mode


def _value(logs: dict[str, float], monitor: str, who: str) -> float:
    if monitor not in logs:
        raise KeyError(f"{who}: metric {monitor!r} is not in the epoch's logs; available: {sorted(logs)}")
    return logs[monitor]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Example: EarlyStopping("val_accuracy", patience=3) with a validation split.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0, mode: str = "auto"):
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0; received {patience}")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, abs(min_delta), _mode(monitor, mode)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.stopped_epoch: int | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        value = _value(logs, self.monitor, "EarlyStopping")
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True
            trainer.log(f"early stopping: {self.monitor} has not improved on {self.best:.4f} for {self.wait} epochs")

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait = state["best"], state["wait"]


class StopAtTarget(Callback):
    """Stop as soon as ``monitor`` reaches ``target`` (the notes: stop once the error is as low as we wanted).

    Example: StopAtTarget("train_loss", 0.05) or StopAtTarget("val_accuracy", 0.99).
    """

    def __init__(self, monitor: str, target: float, mode: str = "auto"):
        self.monitor, self.target, self.mode = monitor, target, _mode(monitor, mode)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        value = _value(logs, self.monitor, "StopAtTarget")
        if (value <= self.target) if self.mode == "min" else (value >= self.target):
            trainer.stop_training = True
            trainer.log(f"target reached: {self.monitor} = {value:.4f} (target {self.target})")


class LRScheduler(Callback):
    """Step a learning-rate scheduler (``optim.lr_scheduler``) once per epoch."""

    def __init__(self, scheduler: Any):
        self.scheduler = scheduler

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)
