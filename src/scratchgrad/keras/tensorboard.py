"""``keras.callbacks.TensorBoard``: Keras's charts as real TensorBoard event files, through the project's
``scratchgrad.utils.tensorboard.SummaryWriter``.

As Keras lays them out: ``<log_dir>/train`` holds ``epoch_loss``, ``epoch_accuracy``, ... and
``epoch_learning_rate``; ``<log_dir>/validation`` holds the validation values under the same tags (``epoch_loss``
for val_loss), so TensorBoard draws the two runs on one chart. Steps are epochs (from 0); with ``update_freq``
"batch" or a number of batches, ``batch_loss`` is written too; ``histogram_freq`` adds each weight's histogram
(tag ``<layer>/<weight index>``) every that many epochs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .callbacks import Callback


class TensorBoard(Callback):
    """Write the logs of ``fit`` for TensorBoard (``tensorboard --logdir logs``).

    Args:
        log_dir: the folder; ``train`` and ``validation`` subfolders are made in it.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        update_freq: "epoch", "batch" (every batch) or an int (every that many batches) for ``batch_loss``.
    """

    writes_files = True

    def __init__(self, log_dir: str | Path = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, update_freq: str | int = "epoch", **kwargs: Any):
        super().__init__()
        self.log_dir, self.histogram_freq = Path(log_dir), int(histogram_freq)
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f'TensorBoard: update_freq must be "epoch", "batch" or a positive int; received '
                             f"{update_freq!r}")
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.writers: dict[str, Any] = {}
        self.batches = 0

    def _writer(self, run: str) -> Any:
        if run not in self.writers:
            from ..utils.tensorboard import SummaryWriter

            self.writers[run] = SummaryWriter(self.log_dir / run)
        return self.writers[run]

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._writer("train")  # made now, so a missing tensorboard package is said before the first epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batches += 1
        if self.update_freq != "epoch" and self.batches % self.update_freq == 0 and logs and "loss" in logs:
            self._writer("train").add_scalar("batch_loss", logs["loss"], self.batches)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            run, tag = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(run).add_scalar(f"epoch_{tag}", value, epoch)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate") and "learning_rate" not in (logs or {}):
            self._writer("train").add_scalar("epoch_learning_rate", float(optimizer.learning_rate), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for layer in self.model.layers:
                for i, weight in enumerate(layer.get_weights()):
                    self._writer("train").add_histogram(f"{layer.name}/{i}", weight, epoch)
        for writer in self.writers.values():
            writer.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers = {}
