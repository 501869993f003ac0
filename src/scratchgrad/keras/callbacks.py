"""Keras callbacks on the Trainer's callback hooks: ``History``, ``EarlyStopping``, your own ``Callback``.

``fit`` runs the Trainer, which calls ``train.callbacks.Callback`` hooks with itself as the first argument. A
Keras callback has Keras's hooks instead (``on_epoch_end(epoch, logs)``, epochs counted from 0, ``self.model``
the Keras model); ``fit`` wraps each one so the Trainer can call it. Setting ``self.model.stop_training = True``
ends training after the epoch, as in Keras.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..train import callbacks as core

KERAS_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
"""The Trainer's history keys that Keras reports (the Trainer adds epoch, lr, seconds, ...)."""


class Callback:
    """Base class of Keras-style callbacks: override any of the hooks below.

    ``self.model`` is the model being trained and ``self.params`` holds ``epochs``, ``steps`` and ``verbose``.
    ``logs`` holds Keras's keys: loss, accuracy, val_loss, val_accuracy (those that the run computes).
    """

    writes_files = False
    """True for a callback whose only effect is files (ModelCheckpoint, CSVLogger, TensorBoard): across ranks
    (``keras.distribution.DataParallel``) only rank 0 runs it."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None:
        pass

    def on_train_end(self, logs: dict | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        pass

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        pass

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs)  # Keras 2's name for it, which Keras 3 still calls

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        pass


def keras_logs(logs: dict[str, float], renames: dict[str, str] | None = None) -> dict[str, float]:
    """The Keras part of a Trainer history row, with metric names as the user spelled them (acc, ...)."""
    renames = renames or {}
    keys = [*KERAS_KEYS, *(k for k in renames if k not in KERAS_KEYS)]  # compiled metrics name themselves
    return {renames.get(k, k): float(logs[k]) for k in keys if k in logs}


class History(Callback):
    """What ``fit`` returns: ``history.history["val_accuracy"]`` is the list of per-epoch values."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class Adapter(core.Callback):
    """Runs a Keras ``Callback`` from the Trainer's hooks (0-based epochs, Keras's log keys)."""

    def __init__(self, callback: Callback, renames: dict[str, str]):
        self.callback, self.renames = callback, renames
        self.batch = 0

    def on_train_begin(self, trainer: Any) -> None:
        if hasattr(self.callback, "trainer"):  # BackupAndRestore sets the epoch to continue from
            self.callback.trainer = trainer
        self.callback.on_train_begin({})

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None:
        self.batch = 0
        self.callback.on_epoch_begin(epoch - 1, {})

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None:
        self.callback.on_train_batch_end(self.batch, {"loss": loss})
        self.batch += 1

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        self.callback.on_epoch_end(epoch - 1, keras_logs(logs, self.renames))
        model = self.callback.model
        if getattr(model, "stop_training", False):
            trainer.stop_training = True

    def on_train_end(self, trainer: Any) -> None:
        self.callback.on_train_end({})


class ProgressLogger(core.Callback):
    """Keras's console output: ``Epoch 3/15`` before an epoch, then its line when it ends::

        422/422 - 14s - loss: 0.3612 - accuracy: 0.8893 - val_loss: 0.0809 - val_accuracy: 0.9785

    The time covers the whole epoch, evaluation included. With verbose=1 the Trainer's progress bar runs during
    the epoch; verbose=2 prints only the lines; verbose=0 nothing.
    """

    def __init__(self, epochs: int, steps: int, verbose: int, renames: dict[str, str]):
        self.epochs, self.steps, self.verbose, self.renames = epochs, steps, verbose, renames
        self.start = 0.0

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None:
        self.start = time.perf_counter()
        if self.verbose:
            print(f"Epoch {epoch}/{self.epochs}", flush=True)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.verbose:
            print(epoch_line(self.steps, time.perf_counter() - self.start, keras_logs(logs, self.renames)), flush=True)


def epoch_line(steps: int, seconds: float, logs: dict[str, float]) -> str:
    """Keras's line at an epoch's end: ``422/422 - 14s - loss: 0.3612 - accuracy: 0.8893``."""
    return f"{steps}/{steps} - {seconds:.0f}s" + "".join(f" - {k}: {v:.4f}" for k, v in logs.items())


class ProgbarLogger(Callback):
    """Keras's epoch lines (``Epoch 2/5``, then steps, seconds and the logs) as a callback of its own: what
    ``fit(verbose=2)`` prints, for a fit run with ``verbose=0`` and this in its callbacks."""

    def __init__(self, count_mode: str = "steps", stateful_metrics: Any = None):
        super().__init__()
        self.start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start = time.perf_counter()
        print(f"Epoch {epoch + 1}/{self.params.get('epochs')}", flush=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        print(epoch_line(self.params.get("steps", 0), time.perf_counter() - self.start, logs or {}), flush=True)


class EarlyStopping(core.EarlyStopping):
    """Stop training when ``monitor`` has stopped improving, with Keras's arguments.

    Args:
        monitor: a key of the logs, e.g. "val_loss" (default) or "val_accuracy".
        min_delta: a change smaller than this is no improvement.
        patience: epochs without improvement after which training stops (0: the first such epoch).
        verbose: 1 prints the epoch training stopped at.
        mode: "min", "max" or "auto" (max for accuracy, min otherwise, as Keras decides).
        baseline: training stops if the monitored value does not beat this within ``patience`` epochs.
        restore_best_weights: at the end, put back the weights of the best epoch.
        start_from_epoch: epochs to wait before watching at all (a warm-up).

    Example: EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True) in ``fit(callbacks=[...])``.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        if mode == "auto":
            mode = "max" if "acc" in monitor or monitor.startswith("fmeasure") else "min"
        super().__init__(monitor=monitor, patience=patience, min_delta=min_delta, mode=mode)
        self.verbose, self.baseline = verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.model: Any = None
        self.best_weights: list | None = None
        self.best_epoch = 0

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, trainer: Any) -> None:
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, None, None, 0
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        if epoch <= self.start_from_epoch:
            return
        value = core._value(logs, self.monitor, "EarlyStopping")
        self.wait += 1
        if self._beats(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights and self.model is not None:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._beats(value, self.baseline):
                self.wait = 0
        if self.wait >= self.patience and epoch > 1:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def _beats(self, value: float, reference: float) -> bool:
        return value < reference - self.min_delta if self.mode == "min" else value > reference + self.min_delta

    def on_train_end(self, trainer: Any) -> None:
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch}.", flush=True)
            self.model.set_weights(self.best_weights)


# The other Keras callbacks, in their own module (they build on Callback above).
from .callback_kinds import (  # noqa: E402
    BackupAndRestore,
    CSVLogger,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .tensorboard import TensorBoard  # noqa: E402

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN",
]
