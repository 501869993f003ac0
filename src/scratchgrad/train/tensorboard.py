"""The Trainer's TensorBoard log: loss, accuracy and learning rate per iteration and per epoch.

Tags: ``step/loss``, ``step/accuracy`` (that batch, in training mode: dropout on), ``step/lr`` against the
iteration; ``epoch/<name>`` against the epoch for every number of the history row (``epoch/loss`` the running
mean over the epoch, ``epoch/test_accuracy`` the held-out set in eval mode, ...).
"""

from __future__ import annotations

import os
from typing import Any

from .callbacks import Callback


class TensorBoardLogger(Callback):
    """Write the Trainer's numbers to event files in ``log_dir`` (``tensorboard --logdir`` a folder above it).

    Example: ``Trainer(..., callbacks=[TensorBoardLogger("runs/cnn")])``.
    """

    def __init__(self, log_dir: str | os.PathLike):
        from ..utils.tensorboard_protos import require

        require()  # before training starts, not after its first epoch
        self.log_dir = log_dir
        self.writer: Any = None

    def on_train_begin(self, trainer: Any) -> None:
        from ..utils.tensorboard import SummaryWriter

        if self.writer is None:  # each fit writes a new event file; TensorBoard reads them as one run
            self.writer = SummaryWriter(self.log_dir)

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None:
        row = trainer.steps[-1] if trainer.steps else {"loss": loss}
        for name in ("loss", "accuracy", "lr"):
            if name in row:
                self.writer.add_scalar(f"step/{name}", row[name], step)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        for name, value in logs.items():
            if name == "lr" or name.endswith(("loss", "accuracy")):  # not the timings: they are no curve to watch
                self.writer.add_scalar(f"epoch/{name}", value, epoch)
        self.writer.flush()  # a TensorBoard already open shows each epoch as it ends

    def on_train_end(self, trainer: Any) -> None:
        self.writer.close()
        self.writer = None
