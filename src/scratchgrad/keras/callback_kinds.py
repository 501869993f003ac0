"""Keras's callbacks beyond History and EarlyStopping, with Keras's arguments and decisions.

ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN, LambdaCallback and
BackupAndRestore. Each is a ``keras.callbacks.Callback``: it sees Keras's epoch numbers (from 0) and logs, and acts
on ``self.model`` (its weights, ``model.optimizer.learning_rate``, ``model.stop_training``), as Keras's do. Files
are written atomically.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import io as sgio
from .callbacks import Callback
from .distribution import is_writer


def _improves(mode: str, monitor: str, min_delta: float = 0.0) -> Callable[[float, float], bool]:
    """Keras's comparison for ``monitor``: "max" for accuracies under "auto", "min" otherwise."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f'mode must be "auto", "min" or "max"; received mode={mode!r}')
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))):
        return lambda current, best: current - min_delta > best
    return lambda current, best: current + min_delta < best


class ModelCheckpoint(Callback):
    """Save the model (a ``.keras`` file) or its weights (``.weights.h5``) at the end of each epoch.

    Args:
        filepath: may hold fields filled from the epoch (from 1) and the logs: "ckpt-{epoch:02d}-{val_loss:.2f}.keras".
        monitor, mode: with ``save_best_only``, what must improve (mode "auto": max for accuracies).
        save_best_only: save only when ``monitor`` improves on the best so far.
        save_weights_only: save the weights alone; the path must then end in ``.weights.h5``.
        initial_value_threshold: the value the first save must beat.
    """

    writes_files = True

    def __init__(self, filepath: str | Path, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: str = "epoch",
                 initial_value_threshold: float | None = None):
        super().__init__()
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        suffix = ".weights.h5" if save_weights_only else ".keras"
        if not self.filepath.endswith(suffix):
            raise ValueError(f"ModelCheckpoint: with save_weights_only={save_weights_only} the filepath must end in "
                             f"{suffix}; received filepath={self.filepath!r}")
        if save_freq != "epoch":
            raise ValueError(f'ModelCheckpoint: only save_freq="epoch" is supported; received {save_freq!r}')
        self.better = _improves(mode, monitor)
        self.best = initial_value_threshold  # None until the first value, which always improves (Keras 3)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        say = (lambda text: print(f"\nEpoch {epoch + 1}: {text}", flush=True)) if self.verbose else (lambda text: None)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                print(f"Can save best model only with {self.monitor} available, skipping.", flush=True)
                return
            best = "None" if self.best is None else f"{self.best:.5f}"
            if self.best is not None and not self.better(current, self.best):
                say(f"{self.monitor} did not improve from {best}")
                return
            say(f"{self.monitor} improved from {best} to {current:.5f}, saving model to {path}")
            self.best = current
        else:
            say(f"saving model to {path}")
        (self.model.save_weights if self.save_weights_only else self.model.save)(path)
        say(f"finished saving model to {path}")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs.

    Args: monitor, factor (< 1), patience, verbose, mode, min_delta (an improvement must exceed it), cooldown
    (epochs to wait after a reduction before counting again), min_lr (the floor).
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0, **kwargs: Any):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0; received factor={factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.better = _improves(mode, monitor, min_delta)
        self.best = -math.inf if self.better(1.0, 0.0) else math.inf
        self.wait = self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.better(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(np.float32(optimizer.learning_rate))  # what a float32 variable holds, as Keras reads it
                if old > np.float32(self.min_lr):
                    optimizer.learning_rate = new = max(old * self.factor, self.min_lr)
                    if self.verbose:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.", flush=True)
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # a schedule of the epoch alone, as older Keras code writes them
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, int, np.floating, np.integer)):
            raise ValueError(f'The output of the "schedule" function should be a float; received: {lr!r}')
        optimizer.learning_rate = float(lr)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.", flush=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class CSVLogger(Callback):
    """Write one row per epoch to a CSV file: ``epoch`` then the logs' keys in sorted order.

    ``append`` keeps the rows of an earlier run (the header is not repeated).
    """

    writes_files = True

    def __init__(self, filename: str | Path, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = Path(filename), separator, append
        self.lines: list[str] = []
        self.keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        existing = self.filename.read_text() if self.append and self.filename.exists() else ""
        self.lines = existing.splitlines()
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not self.lines:
                self.lines.append(self.sep.join(["epoch", *self.keys]))
        self.lines.append(self.sep.join([str(epoch), *(repr(float(logs.get(k, "nan"))) for k in self.keys)]))
        sgio.atomic_write_text(self.filename, "\n".join(self.lines) + "\n")


class TerminateOnNaN(Callback):
    """End training at the first batch whose loss is NaN or infinite, printing that batch's number.

    The Trainer refuses to step on such a loss; ``fit`` then ends quietly instead of raising when this callback
    is in its list.
    """

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.terminate(batch)

    def terminate(self, batch: int) -> None:
        print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
        self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs))``."""

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None, on_train_batch_end: Callable | None = None,
                 **kwargs: Any):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for hook, fn in given.items():
            if fn is not None:
                setattr(self, hook, fn)


class BackupAndRestore(Callback):
    """Back up the model, its optimizer and the epoch count in ``backup_dir`` after every epoch, so that a fit
    that was interrupted continues from its last finished epoch when run again; the backup is deleted when a
    fit ends normally (``delete_checkpoint``)."""

    def __init__(self, backup_dir: str | Path, save_freq: str = "epoch", delete_checkpoint: bool = True):
        super().__init__()
        if save_freq != "epoch":
            raise ValueError(f'BackupAndRestore: only save_freq="epoch" is supported; received {save_freq!r}')
        self.backup_dir, self.delete_checkpoint = Path(backup_dir), delete_checkpoint
        self.trainer: Any = None  # set by fit's adapter: the epoch to continue from lives there

    @property
    def _file(self) -> Path:
        return self.backup_dir / "backup.safetensors"

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self._file.exists():
            return
        checkpoint = sgio.load_checkpoint(self._file)
        self.model.load_state_dict(checkpoint.model)
        optimizer = self.model._core_optimizer()
        if checkpoint.optimizer is not None:
            optimizer.load_state_dict(checkpoint.optimizer)
        if self.trainer is not None:
            self.trainer.epoch = int(checkpoint.extra["epoch"])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not is_writer():  # every rank restores the backup, rank 0 alone writes it
            return
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        sgio.save_checkpoint(self._file, self.model, self.model._core_optimizer(), epoch=epoch + 1)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.delete_checkpoint and is_writer() and self.backup_dir.exists():
            shutil.rmtree(self.backup_dir)
