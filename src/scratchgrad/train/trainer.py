"""The Trainer: epochs x iterations of forward, loss, backward, step; evaluation, history and checkpoints.

One loop serves every face of the project: the CLI, ``keras.Model.fit`` and the learning lab all call it.

History rows use Keras's names: ``loss`` / ``accuracy`` are running means over the epoch's training steps, and
each evaluation set adds ``<name>_loss`` / ``<name>_accuracy`` (``val_...``, ``test_...``, or ``train_...`` for
the training data evaluated in eval mode, as the notes' per-epoch train accuracy). ``steps`` holds one row per
iteration (step, epoch, loss, accuracy of that batch in training mode, lr), written to steps.csv.
"""

from __future__ import annotations

import csv
import io as _stdio
import json
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .. import backend
from .. import io as sgio
from ..autograd import no_grad
from ..data.loader import require_batches
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from . import distributed as parallel
from . import fields
from .callbacks import Callback
from .metrics import correct_count


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite: the run stops instead of training on garbage."""


class Trainer:
    """Train ``model`` with ``optimizer`` on ``train_loader`` (an iterable of (x, t) batches with a length).

    Args:
        loss_fn: ``loss_fn(scores, t)``; cross-entropy by default.
        eval_loaders: {"val": loader, "test": loader, ...} evaluated after each epoch.
        callbacks: EarlyStopping, StopAtTarget, LRScheduler or your own ``Callback``.
        grad_clip: clip the global gradient norm to this value before each step.
        out_dir: where checkpoint.safetensors, history.json/.csv, config.json and model.safetensors go.
        metrics: ("accuracy",) for classification, () for regression.
        progress: show a progress bar (tqdm, when installed) with the running loss and images per second.
        config: the run's settings, saved in config.json and in every checkpoint.
        distributed: under mpiexec with several ranks (None: whenever that is so), train data-parallel: each rank
            takes its share of every batch, gradients are averaged, only rank 0 logs and writes ``out_dir``
            (``train.distributed``). Callbacks run on every rank, and ``evaluate`` must be called on every rank.

    Example::

        trainer = Trainer(model, optim.Adam(model.parameters()), train_loader, eval_loaders={"test": test_loader})
        history = trainer.fit(epochs=5)
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        train_loader: Iterable,
        loss_fn: Callable[[Any, Any], Any] = F.cross_entropy,
        eval_loaders: Mapping[str, Iterable] | None = None,
        callbacks: Sequence[Callback] = (),
        grad_clip: float | None = None,
        out_dir: str | Path | None = None,
        metrics: Sequence[str] = ("accuracy",),
        progress: bool = True,
        config: dict[str, Any] | None = None,
        log: Callable[[str], None] | None = print,
        distributed: bool | None = None,
    ):
        self.model, self.optimizer, self.train_loader, self.loss_fn = model, optimizer, train_loader, loss_fn
        self.eval_loaders = dict(eval_loaders or {})
        self.callbacks = list(callbacks)
        self.grad_clip, self.metrics, self.progress = grad_clip, tuple(metrics), progress
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.config = dict(config or {})
        self._log = log
        self.history: list[dict[str, float]] = []
        self.steps: list[dict[str, float]] = []  # one row per iteration; callbacks read the latest in on_batch_end
        self.epoch = 0  # epochs completed
        self.global_step = 0
        self.stop_training = False
        self.last_checkpoint: Path | None = None
        self.step_model = model  # what train_step calls: the model or, across ranks, its DistributedDataParallel
        self.ranks = parallel.world_size_if_launched() if distributed is not False else 1
        if self.ranks > 1:
            parallel.setup(self)

    def close(self) -> None:
        """Detach from the model: remove the gradient hooks that ``DistributedDataParallel`` put on its parameters
        (a model trained by several trainers in turn, as Keras's ``fit`` calls are, would collect them)."""
        if self.step_model is not self.model:
            self.step_model.reducer.remove()
            self.step_model = self.model

    def log(self, message: str) -> None:
        if self._log is not None:
            self._log(message)

    # ---- the loop --------------------------------------------------------------------------------------
    def fit(self, epochs: int) -> list[dict[str, float]]:
        """Train until ``epochs`` epochs are complete (counting those of a resumed run) or a callback stops it."""
        if epochs < 1:
            raise ValueError(f"fit: epochs must be >= 1; received {epochs}")
        require_batches(self.train_loader, "fit: the training data")
        for name, loader in self.eval_loaders.items():
            require_batches(loader, f"fit: the {name!r} evaluation data")
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.stop_training = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        while self.epoch < epochs and not self.stop_training:
            epoch = self.epoch + 1
            for cb in self.callbacks:
                cb.on_epoch_begin(self, epoch)
            logs = self._train_epoch(epoch, epochs)
            logs.update(self._evaluate_all())
            self.history.append(logs)
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, logs)
            self.epoch = epoch
            self._save_progress()
            self.log(self._epoch_line(logs, epochs))
        for cb in self.callbacks:
            cb.on_train_end(self)
        if self.out_dir is not None:
            sgio.save_weights(self.model, self.out_dir / "model.safetensors")
        return self.history

    def train_step(self, x: Any, t: Any) -> tuple[float, Any]:
        """One iteration: forward, loss, backward, (clip), update. Returns the loss value and the scores."""
        scores = self.step_model(x)
        loss = self.loss_fn(scores, t)
        self.optimizer.zero_grad()
        loss.backward()
        if self.grad_clip is not None:
            clip_grad_norm_(self.model.parameters(), self.grad_clip)
        value = float(loss.item())
        if not math.isfinite(value):
            raise TrainingDiverged(self._divergence_message(value))
        self.optimizer.step()
        return value, scores

    def _train_epoch(self, epoch: int, epochs: int) -> dict[str, float]:
        self.model.train()
        total_loss, correct, seen = 0.0, 0, 0
        start = time.perf_counter()
        bar = self._progress_bar(epoch, epochs)
        for x, t in self.train_loader:
            value, scores = self.train_step(x, t)
            n = len(x)
            total_loss += value * n
            seen += n
            batch_correct = correct_count(scores, t) if "accuracy" in self.metrics else None
            correct += batch_correct or 0
            self.global_step += 1
            self._record_step(epoch, value, batch_correct, n)
            for cb in self.callbacks:
                cb.on_batch_end(self, self.global_step, value)
            if bar is not None:
                bar.update(1)
                if self.global_step % 10 == 0:
                    rate = seen / max(time.perf_counter() - start, 1e-9)
                    bar.set_postfix_str(f"loss {total_loss / seen:.4f}, {rate:,.0f} img/s", refresh=False)
        if bar is not None:
            bar.close()
        if self.ranks > 1:
            total_loss, correct, seen = parallel.epoch_totals(total_loss, correct, seen)
        seconds = time.perf_counter() - start
        logs = {"epoch": epoch, "loss": total_loss / max(seen, 1)}
        if "accuracy" in self.metrics:
            logs["accuracy"] = correct / max(seen, 1)
        logs.update(
            {"lr": float(self.optimizer.param_groups[0]["lr"]), "seconds": seconds, "images_per_second": seen / seconds}
        )
        return logs

    def _record_step(self, epoch: int, loss: float, correct: int | None, n: int) -> None:
        row = {"step": self.global_step, "epoch": epoch, "loss": loss}
        if correct is not None:
            row["accuracy"] = correct / n
        row["lr"] = float(self.optimizer.param_groups[0]["lr"])
        self.steps.append(row)

    def _progress_bar(self, epoch: int, epochs: int) -> Any:
        if not self.progress:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return None
        total = len(self.train_loader) if hasattr(self.train_loader, "__len__") else None
        return tqdm(total=total, desc=f"epoch {epoch}/{epochs}", leave=False, unit="it")

    # ---- evaluation ------------------------------------------------------------------------------------
    def evaluate(self, loader: Iterable) -> dict[str, float]:
        """Mean loss (and accuracy) over a whole loader, in eval mode and without building a graph."""
        require_batches(loader, "evaluate: the data")  # a mean over nothing would read as a loss of 0
        was_training = self.model.training
        self.model.eval()
        total_loss, correct, seen = 0.0, 0, 0
        try:
            with no_grad():
                for x, t in loader:
                    scores = self.model(x)
                    n = len(x)
                    total_loss += float(self.loss_fn(scores, t).item()) * n
                    if "accuracy" in self.metrics:
                        correct += correct_count(scores, t)
                    seen += n
        finally:
            self.model.train(was_training)
        if self.ranks > 1:  # each rank evaluated its share (or all of a loader it was handed: the means hold)
            total_loss, correct, seen = parallel.epoch_totals(total_loss, correct, seen)
        result = {"loss": total_loss / max(seen, 1)}
        if "accuracy" in self.metrics:
            result["accuracy"] = correct / max(seen, 1)
        return result

    def _evaluate_all(self) -> dict[str, float]:
        logs = {}
        for name, loader in self.eval_loaders.items():
            for metric, value in self.evaluate(loader).items():
                logs[f"{name}_{metric}"] = value
        return logs

    def _epoch_line(self, logs: dict[str, float], epochs: int) -> str:
        parts = [f"epoch {int(logs['epoch'])}/{epochs}"]
        for key, value in logs.items():
            if key in ("epoch", "images_per_second"):
                continue
            parts.append(f"{key} {value:.1f}s" if key == "seconds" else f"{key} {value:.4g}")
        return "  ".join(parts)

    # ---- checkpoints and resume ------------------------------------------------------------------------
    def _rng_state(self) -> Any:
        """NumPy's generator state (a JSON-able dict); None on CuPy, whose generator state is not exported."""
        state = getattr(getattr(backend.rng(), "bit_generator", None), "state", None)
        return state if isinstance(state, dict) else None

    def _save_progress(self) -> None:
        if self.out_dir is None:
            return
        path = self.out_dir / "checkpoint.safetensors"
        sgio.save_checkpoint(
            path,
            self.model,
            self.optimizer,
            epoch=self.epoch,
            global_step=self.global_step,
            history=self.history,
            rng=self._rng_state(),
            loader=self.train_loader.state_dict() if hasattr(self.train_loader, "state_dict") else None,
            callbacks=[cb.state_dict() for cb in self.callbacks],
            config=self.config,
        )
        # config.json only beside a checkpoint: a folder with a config has weights its config describes.
        sgio.atomic_write_text(self.out_dir / "config.json", json.dumps(self.config, indent=2, default=str))
        self.last_checkpoint = path
        _write_history(self.out_dir, self.history)
        _write_csv(self.out_dir / "steps.csv", self.steps)

    def resume(self, checkpoint: str | Path) -> Trainer:
        """Restore weights, optimizer, epoch, history and every random state from a checkpoint file."""
        ckpt = sgio.load_checkpoint(checkpoint)
        _check_resumed(ckpt, Path(checkpoint))
        try:
            self._restore(ckpt)
        except (TypeError, KeyError, IndexError, AttributeError, ValueError) as exc:
            # The states come from a file: a damaged one is the file's fault, named as such.
            detail = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__} {exc}"
            raise ValueError(f"{checkpoint} does not fit this run: {detail}") from exc
        self.last_checkpoint = Path(checkpoint)
        if self.out_dir is not None:
            self.steps = _read_steps(self.out_dir / "steps.csv", self.global_step)
        return self

    def _restore(self, ckpt: sgio.Checkpoint) -> None:
        self.model.load_state_dict(ckpt.model)
        if ckpt.optimizer is not None:
            self.optimizer.load_state_dict(ckpt.optimizer)
        extra = ckpt.extra
        self.epoch, self.global_step = int(extra["epoch"]), int(extra["global_step"])
        self.history = list(extra["history"])
        if extra.get("rng") is not None and isinstance(self._rng_state(), dict):
            backend.rng().bit_generator.state = extra["rng"]
        if extra.get("loader") is not None and hasattr(self.train_loader, "load_state_dict"):
            self.train_loader.load_state_dict(extra["loader"])
        states = extra.get("callbacks") or []
        if not isinstance(states, list):
            raise TypeError(f"callbacks must be a list of states, received {type(states).__name__}")
        for cb, state in zip(self.callbacks, states):
            cb.load_state_dict(state)

    def _divergence_message(self, value: float) -> str:
        where = f"epoch {self.epoch + 1}, iteration {self.global_step + 1}"
        last = f"the last good checkpoint is {self.last_checkpoint}" if self.last_checkpoint else "no checkpoint yet"
        return (
            f"training stopped: the loss became {value} at {where}; {last}. "
            "Lower the learning rate, clip gradients (--grad-clip) or check the input scaling."
        )


def _check_resumed(ckpt: sgio.Checkpoint, path: Path) -> None:
    """Refuse a checkpoint whose counters or hyperparameters the command line would have refused."""
    extra = ckpt.extra if isinstance(ckpt.extra, dict) else {}
    for name in ("epoch", "global_step"):
        fields.checked(fields.NON_NEGATIVE_INT, extra.get(name), f"{path}: {name}")
    history = extra.get("history")
    if not isinstance(history, list) or len(history) != extra["epoch"] or not all(isinstance(r, dict) for r in history):
        raise ValueError(f"{path}: history must be a list of one dict per finished epoch ({extra['epoch']})")
    if ckpt.optimizer is None:
        return
    groups = ckpt.optimizer.get("param_groups") if isinstance(ckpt.optimizer, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise ValueError(f"{path}: the optimizer's param_groups must be a list of dicts")
    for i, group in enumerate(groups):
        for key, value in group.items():
            if key == "params":
                continue
            rule = fields.POSITIVE if key == "lr" else fields.NON_NEGATIVE
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, bool) and item is not None:  # flags (nesterov) and unset options pass
                    fields.checked(rule, item, f"{path}: param_groups[{i}].{key}")


_FORMULA_STARTS = ("=", "+", "-", "@")


def _csv_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote; numbers stay as they are."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def _write_history(out_dir: Path, history: list[dict[str, float]]) -> None:
    sgio.atomic_write_text(out_dir / "history.json", json.dumps(history, indent=2))
    _write_csv(out_dir / "history.csv", history)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """``rows`` as CSV, one column per key in first-seen order."""
    # Columns in first-seen order, each row placed by index: linear in the cells (DictWriter looks every
    # column up in every row, which is slow when rows name different metrics).
    index = {key: i for i, key in enumerate(dict.fromkeys(key for row in rows for key in row))}
    buffer = _stdio.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(key) for key in index])
    for row in rows:
        cells: list[Any] = [""] * len(index)
        for key, value in row.items():
            cells[index[key]] = _csv_cell(value)
        writer.writerow(cells)
    sgio.atomic_write_text(path, buffer.getvalue())


def _read_steps(path: Path, upto: int) -> list[dict[str, float]]:
    """The per-iteration rows of a resumed run up to its checkpoint's step (none if steps.csv is missing)."""
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        rows = [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]
    for row in rows:
        row["step"], row["epoch"] = int(row["step"]), int(row["epoch"])
    return [row for row in rows if row["step"] <= upto]
