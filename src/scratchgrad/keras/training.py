"""The training half of ``keras.Model``: ``compile``, ``fit`` and ``evaluate``, as faces of the Trainer.

They turn arrays into DataLoaders, the compiled loss into an ``Objective`` and Keras callbacks into Trainer
callbacks; there is no second loop here. The model supplies ``_inputs``, ``_run``, ``_output`` and
``_last_activation`` (see ``model.Model``).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import optim
from ..data import DataLoader
from ..nn import Module
from ..train import Trainer, TrainingDiverged
from ..train import callbacks as core_callbacks
from ..train.metrics import correct_count
from . import distribution, losses, optimizers, symbolic
from . import metrics as keras_metrics
from .base import batch_size_of, check_int, split_for_validation
from .callbacks import Adapter, Callback, History, ProgressLogger, TerminateOnNaN, keras_logs
from .data_adapters import BatchSource, WeightedBatches, is_batches, sample_weights
from .metric_tracking import Tracker, TrackerLogs
from .multi_output import Batch, MultiBatches, MultiObjective, metric_for

METRICS = {"accuracy": "accuracy", "acc": "acc"}


class Training:
    """``compile`` / ``fit`` / ``evaluate`` for ``keras.Model`` (a mixin: the model holds the state)."""

    # ---- training --------------------------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | optimizers.Optimizer | optim.Optimizer = "rmsprop",
        loss: str | losses.Loss | Callable | None = None,
        metrics: Sequence[Any] | None = None,
        loss_weights: Any = None,
        run_eagerly: bool | None = None,
        weighted_metrics: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Choose the optimizer, the loss and the metrics that ``fit`` and ``evaluate`` use.

        Args:
            optimizer: "adam", "sgd", "rmsprop", "adagrad" (Keras's defaults), a ``keras.optimizers`` object
                or a core optimizer over ``model.parameters()``.
            loss: "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse",
                a ``keras.losses`` object or a function(y_true, y_pred).
            metrics: "accuracy" (or "acc"): categorical, sparse or binary accuracy, whichever fits the targets
                and the output, as Keras chooses; and ``keras.metrics`` objects or names ("mae", "mse",
                "sparse_categorical_accuracy", ...), reported under their names in the history.
            loss_weights: for several outputs, each output's weight in the loss (a list or a dict by name).
            run_eagerly: accepted (everything runs eagerly here).
            weighted_metrics: metrics as above that weigh each sample by ``sample_weight`` (or class_weight),
                reported under their names, or "weighted_<name>" where a metric in ``metrics`` has that name;
                ``metrics`` stay unweighted.
        """
        self.optimizer = optimizers.get(optimizer)
        if loss is None:
            raise ValueError("compile: argument `loss` is required, e.g. loss='categorical_crossentropy'")
        self._compiled = (loss, loss_weights, metrics, weighted_metrics)  # read again for several outputs
        if self._several_outputs():
            self.loss, self._metrics, self._tracker = loss, (), None  # resolved per output by _prepare
        else:
            self.loss = losses.get(loss)
            named = [m for m in metrics or () if isinstance(m, str) and m in METRICS]
            self._metrics = tuple(METRICS[m] for m in named)
            tracked = [keras_metrics.get(m) for m in metrics or () if m not in named]
            taken = {*named, *(m.name for m in tracked)}
            weighted = [metric_for(spec, self.loss, "", taken) for spec in weighted_metrics or ()]
            self._tracker = Tracker(tracked + weighted, self, [None] * len(tracked) + ["weighted"] * len(weighted)) \
                if tracked or weighted else None
        self._needs_optimizer = True

    def _several_outputs(self) -> bool:
        return isinstance(getattr(self, "_output", None), (list, dict)) or isinstance(getattr(self, "_input", None),
                                                                                      (list, dict))

    @property
    def _renames(self) -> dict[str, str]:
        """Log keys as the user named them (acc), and the compiled metric objects' keys (kept as they are)."""
        renames = {"accuracy": "acc", "val_accuracy": "val_acc"} if "acc" in self._metrics else {}
        tracker = getattr(self, "_tracker", None)
        return {**renames, **{name: name for name in (tracker.names if tracker else [])}}

    def _prepare(self, action: str, x: Any) -> tuple[losses.Objective, np.ndarray]:
        """The compiled objective and ``x`` as an array; the model is built from ``x`` if it was not yet."""
        if self.loss is None:
            raise RuntimeError(f"You must compile your model before {action}. Call `model.compile(optimizer, loss)`.")
        x = self._inputs(x)
        if self._several_outputs():
            objective = MultiObjective(self, *self._compiled)
            self._tracker = objective.tracker
            return objective, x  # type: ignore[return-value]
        objective = losses.Objective(self.loss, self._last_activation(), self.output_shape, bool(self._metrics))
        objective.tracker = getattr(self, "_tracker", None)
        return objective, x

    def _core_optimizer(self) -> optim.Optimizer:
        if isinstance(self.optimizer, optim.Optimizer):
            return self.optimizer
        if self._needs_optimizer or self.optimizer.optimizer is None:
            self.optimizer.build(self.parameters())
            self._needs_optimizer = False
        return self.optimizer.optimizer

    def _trainer(self, objective: losses.Objective, loader: DataLoader, optimizer: Any = None, **kwargs: Any) -> Any:
        return Trainer(
            _Scores(self, objective),
            optimizer,
            loader,
            loss_fn=objective,
            metrics=("accuracy",) if self._metrics else (),
            log=None,
            distributed=distribution.data_parallel(),  # across ranks only under keras.distribution.DataParallel
            **kwargs,
        )

    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        sample_weight: Any = None,
        class_weight: dict | None = None,
        **kwargs: Any,
    ) -> History:
        """Train for ``epochs`` epochs of mini-batches; returns a ``History`` (``.history["val_accuracy"]`` ...).

        Args:
            x, y: inputs (batch, ...) channels-last, and targets in the form the loss takes.
            batch_size: samples per step (32 by default); an epoch is ceil(N / batch_size) steps.
            verbose: 1 (or "auto") a progress bar and a line per epoch, 2 the line only, 0 silent.
            callbacks: ``keras.callbacks`` objects (EarlyStopping, your own Callback) or Trainer callbacks.
            validation_split: the fraction of x and y held out for validation: the last samples, taken before
                shuffling, as in Keras.
            validation_data: (x_val, y_val), used instead of validation_split.
            shuffle: a new order of the training samples every epoch.
            initial_epoch: the epoch to start from (to continue an earlier fit).
            steps_per_epoch, validation_steps: batches per epoch when ``x`` (or ``validation_data``) is a
                generator of (x, y) batches or a ``keras.utils.PyDataset``.
            sample_weight: one weight per sample of x; class_weight: {class: weight}. A batch's loss is then
                sum(loss_i * w_i) / batch size, as in Keras.
        """
        epochs, initial_epoch = check_int("fit", "epochs", epochs), check_int("fit", "initial_epoch", initial_epoch, 0)
        batch_size = batch_size_of("fit", batch_size)
        if distribution.data_parallel():  # the same shuffled orders, so every rank splits the same global batches
            distribution.same_random_state()
        if is_batches(x):
            objective, loader = self._batch_source(x, steps_per_epoch, "fit", shuffle)
        else:
            objective, x = self._prepare("training", x)
            x_sizes = [len(a) for a in symbolic.flatten(x)]
            y_sizes = None if y is None else [len(a) for a in (objective.arrange(y) if isinstance(
                objective, MultiObjective) else [y])]
            if y_sizes is None or len(set(x_sizes + y_sizes)) != 1:
                shown = lambda sizes: sizes if sizes is None or len(sizes) > 1 else sizes[0]  # noqa: E731
                raise ValueError(
                    f"Data cardinality is ambiguous: x sizes: {shown(x_sizes)}, y sizes: {shown(y_sizes)}. "
                    "Make sure all arrays contain the same number of samples."
                )
            t = objective.targets(y)
            w = self._sample_weights(objective, y, sample_weight, class_weight, x_sizes[0], "fit")
            if validation_split and validation_data is None:
                split = split_for_validation(x_sizes[0], validation_split)
                head, tail = (lambda a: a[:split]), (lambda a: a[split:])  # noqa: E731
                validation_data = (symbolic.nest(x, tail), symbolic.nest(symbolic.as_lists(y), tail))
                x, t = symbolic.nest(x, head), symbolic.nest(t, head)
                if sample_weight is not None:  # Keras weighs the held-out samples' loss with theirs
                    validation_data += (_rows(w, tail),)  # type: ignore[operator]
                w = _rows(w, head)
            loader = self._loader(x, t, w, batch_size, shuffle, objective)
        evals = {}
        if is_batches(validation_data):
            evals["val"] = self._batch_source(validation_data, validation_steps, "fit: validation_data")[1]
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("fit: validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                                 f"val_sample_weight); received {type(validation_data).__name__}")
            val_x, val_y, val_w = (*validation_data, None)[:3]
            evals["val"] = self._weighted_loader(objective, val_x, val_y, val_w, None, batch_size, False,
                                                 "fit: validation_data")
        verbose = (1 if verbose == "auto" else int(verbose)) if distribution.is_writer() else 0
        history = History()
        trainer_callbacks = [ProgressLogger(epochs, len(loader), verbose, self._renames)]
        if objective.tracker is not None:
            trainer_callbacks.insert(0, TrackerLogs(objective.tracker))
        for cb in [history, *(callbacks or ())]:
            if hasattr(cb, "set_model"):
                cb.set_model(self)
            if isinstance(cb, Callback) and cb.writes_files and not distribution.is_writer():
                continue  # one writer of files across ranks; their models are the same
            if isinstance(cb, Callback):
                cb.set_params({"epochs": epochs, "steps": len(loader), "verbose": verbose})
                trainer_callbacks.append(Adapter(cb, self._renames))
            elif isinstance(cb, core_callbacks.Callback):
                trainer_callbacks.append(cb)
            else:
                raise TypeError(f"fit: callbacks must be keras.callbacks.Callback objects; received {cb!r}")
        trainer = self._trainer(
            objective,
            loader,
            self._core_optimizer(),
            eval_loaders=evals,
            callbacks=trainer_callbacks,
            progress=verbose == 1,
        )
        trainer.epoch = initial_epoch
        self.stop_training = False
        try:
            trainer.fit(epochs)
        except TrainingDiverged:
            stoppers = [cb for cb in callbacks or () if isinstance(cb, TerminateOnNaN)]
            if not stoppers:
                raise
            stoppers[0].terminate(trainer.global_step % max(len(loader), 1))
        finally:
            self.eval()
            trainer.close()
        self.history = history
        return history

    @staticmethod
    def _loader(x: Any, t: Any, w: Any, batch_size: int, shuffle: bool, objective: losses.Objective) -> Any:
        """Batches of (x, t), each handing its sample weights ``w`` (if any) to the objective."""
        if isinstance(objective, MultiObjective):
            return MultiBatches(symbolic.flatten(x), t, batch_size, shuffle, w, objective)
        if w is None:
            return DataLoader((x, t), batch_size, shuffle=shuffle, scale=False)
        return WeightedBatches(x, t, w, batch_size, shuffle, objective)

    @staticmethod
    def _sample_weights(objective: Any, y: Any, sample_weight: Any, class_weight: Any, n: int, where: str) -> Any:
        """Per-sample weights as the loader takes them: one array, or a list per output for several outputs."""
        if isinstance(objective, MultiObjective):
            return objective.sample_weights(sample_weight, class_weight, n, where)
        return sample_weights(y, sample_weight, class_weight, n)

    def _weighted_loader(self, objective: Any, x: Any, y: Any, sample_weight: Any = None, class_weight: Any = None,
                         batch_size: int | None = None, shuffle: bool = False, where: str = "evaluate") -> Any:
        """A loader over arrays ``x``, ``y`` with their sample (or class) weights, in ``batch_size`` batches (all of
        ``x`` in one when None)."""
        x = self._inputs(x)
        n = len(symbolic.flatten(x)[0])
        w = self._sample_weights(objective, y, sample_weight, class_weight, n, where)
        return self._loader(x, objective.targets(y), w, batch_size or max(n, 1), shuffle, objective)

    def _batch_source(self, source: Any, steps: int | None, where: str,
                      shuffle: bool = False) -> tuple[losses.Objective, BatchSource]:
        """A generator or PyDataset as a loader; its first batch builds the model and sets the objective."""
        batches = BatchSource(source, steps, where, shuffle)
        objective = self._prepare("training", batches.first_x)[0]
        batches.convert = lambda x, y: (self._inputs(x), objective.targets(y))

        def weigh(x: Any, y: Any, w: Any) -> None:  # a batch (x, y, sample_weight): its loss weighed by w
            n = len(symbolic.flatten(x)[0])
            objective.batch_weights = None if w is None else self._sample_weights(objective, y, w, None, n, where)

        batches.weigh = weigh
        return objective, batches

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        return_dict: bool = False,
        steps: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """The loss (and metrics) over ``x``, ``y`` in inference mode: ``[loss, accuracy, ...]``, or the loss
        alone when compiled without metrics, or a dict with ``return_dict``. ``x`` may be a generator of batches
        (then ``steps`` says how many) or a PyDataset. ``sample_weight`` weighs each sample's loss, as in ``fit``.
        """
        if is_batches(x):
            objective, loader = self._batch_source(x, steps, "evaluate")
        else:
            objective, x = self._prepare("evaluating", x)
            loader = self._weighted_loader(objective, x, y, sample_weight, None,
                                           batch_size_of("evaluate", batch_size))
        return self._evaluated(objective, loader, verbose, return_dict)

    def _evaluated(self, objective: losses.Objective, loader: Any, verbose: Any, return_dict: bool) -> Any:
        if objective.tracker is not None:
            objective.tracker.reset()
        trainer = self._trainer(objective, loader)
        try:
            logs = trainer.evaluate(loader)
        finally:
            trainer.close()
        if objective.tracker is not None:
            logs.update(objective.tracker.results(prefix_val=False))
        logs = keras_logs(logs, self._renames)
        if verbose:
            print(f"{len(loader)}/{len(loader)} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values if len(values) > 1 else values[0]

    # ---- one batch -------------------------------------------------------------------------------------
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: dict | None = None,
                       return_dict: bool = False) -> Any:
        """One gradient step on the batch ``x``, ``y`` (weighted as ``fit`` weighs); returns its loss (and
        metrics) as ``evaluate`` does."""
        objective, x = self._prepare("training", x)
        loader = self._weighted_loader(objective, x, y, sample_weight, class_weight, where="train_on_batch")
        trainer = self._trainer(objective, loader, self._core_optimizer())
        if objective.tracker is not None:
            objective.tracker.reset()
        trainer.model.train()
        try:
            (xb, tb), = list(loader)
            loss, scores = trainer.train_step(xb, tb)
        finally:
            self.eval()
            trainer.close()
        logs = {"loss": loss}
        if self._metrics:
            logs["accuracy"] = correct_count(scores, tb) / len(xb)
        logs.update(objective.tracker.results() if objective.tracker is not None else {})
        logs = keras_logs(logs, self._renames)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """The loss (and metrics) on the batch ``x``, ``y`` in inference mode, with no update."""
        n = len(symbolic.flatten(self._as_arrays(x))[0])
        return self.evaluate(x, y, batch_size=max(n, 1), verbose=0, sample_weight=sample_weight,
                             return_dict=return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs for the batch ``x`` as NumPy arrays."""
        return self.predict(x, batch_size=max(len(symbolic.flatten(self._as_arrays(x))[0]), 1))


def _rows(w: Any, take: Callable[[np.ndarray], np.ndarray]) -> Any:
    """Some rows of sample weights: one array, a list of them per output (None for an unweighted one), or None."""
    if isinstance(w, list):
        return [None if part is None else take(part) for part in w]
    return None if w is None else take(w)


class _Scores(Module):
    """The model as the Trainer sees it: the objective's scores (before a softmax the loss fuses with)."""

    def __init__(self, model: Any, objective: losses.Objective):
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(self, x: Any) -> Any:
        x = x.parts if isinstance(x, Batch) else x  # several inputs
        return self.objective.scores(self.model._run(x, logits=self.objective.skip_activation))
