"""fit and evaluate for models of several inputs or outputs: losses per output, ``loss_weights``, metrics per
output, reported as Keras reports them (``loss`` = sum of weight * output loss, ``<output>_loss``,
``<output>_<metric>``).

Inputs and targets come as lists (in the model's order) or dicts (by input and output name: the output layer's name,
or the key of a model whose outputs are a dict). Each output's loss is Keras's formula on the model's outputs
(probabilities clipped to [1e-7, 1 - 1e-7] where Keras clips). Sample weights come as one array for every output,
a list in output order or a dict by output name; each output's loss is then sum(loss_i * w_i) / batch size, and
``<output>_loss`` reports that weighted value, as Keras does (compiled metrics stay unweighted).
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from . import losses, symbolic
from . import metrics as keras_metrics
from .metric_tracking import Tracker

Weights = list[Any]  # per output: an array of one weight per sample, or None (unweighted)


class Batch:
    """One batch of several inputs; ``len`` is its number of samples, as the Trainer counts them."""

    def __init__(self, parts: list[Tensor]):
        self.parts = parts

    def __len__(self) -> int:
        return len(self.parts[0])


class MultiBatches:
    """Lists of input and target arrays as the Trainer's loader: (Batch of inputs, list of targets) batches. With
    per-output sample weights ``ws`` it hands each batch's rows of them to ``objective`` before yielding the batch,
    for that batch's loss call."""

    def __init__(self, xs: list[np.ndarray], ts: list[np.ndarray], batch_size: int, shuffle: bool,
                 ws: Weights | None = None, objective: Any = None):
        self.xs, self.ts, self.batch_size, self.shuffle = xs, ts, batch_size, shuffle
        self.ws, self.objective = ws, objective

    def __len__(self) -> int:
        return -(-len(self.xs[0]) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Batch, list[Tensor]]]:
        n = len(self.xs[0])
        order = backend.rng().permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            rows = order[start : start + self.batch_size]
            if self.ws is not None:
                self.objective.batch_weights = [None if w is None else w[rows] for w in self.ws]
            yield Batch([Tensor(backend.as_array(x[rows])) for x in self.xs]), \
                [Tensor(backend.as_array(t[rows])) for t in self.ts]


def _per_output(spec: Any, names: list[str], what: str, default: Any = None) -> list[Any]:
    """A compile argument (one value for all, a list in output order, or a dict by output name) per output."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"compile: `{what}` names outputs {unknown}; the model's outputs are {names}")
        return [spec.get(name, default) for name in names]
    if isinstance(spec, (list, tuple)) and not (what.endswith("metrics") and all(isinstance(m, str) for m in spec) and
                                                len(spec) != len(names)):
        if len(spec) != len(names):
            raise ValueError(f"compile: `{what}` has {len(spec)} entries for the model's {len(names)} outputs {names}")
        return list(spec)
    return [spec] * len(names)


def metric_for(spec: Any, loss: losses.Loss, prefix: str = "", taken: set[str] | None = None) -> keras_metrics.Metric:
    """The metric object a compile entry names, its name prefixed (by the output's name): for "accuracy" (or
    "acc") the accuracy Keras means for an output trained with ``loss``; a metric object given is copied (it may
    be named twice). A weighted metric whose name an unweighted one has (``taken``) is named weighted_<name>."""
    if spec in ("accuracy", "acc"):
        kind = {losses.SparseCategoricalCrossentropy: keras_metrics.SparseCategoricalAccuracy,
                losses.CategoricalCrossentropy: keras_metrics.CategoricalAccuracy,
                losses.BinaryCrossentropy: keras_metrics.BinaryAccuracy}.get(type(loss), keras_metrics.Accuracy)
        metric = kind(name=spec)
    else:
        metric = copy.deepcopy(keras_metrics.get(spec))
    clash = taken is not None and prefix + metric.name in taken
    metric.name = prefix + ("weighted_" if clash else "") + metric.name
    return metric


class MultiObjective:
    """The compiled objective of a model with several outputs: the weighted sum of one loss per output."""

    skip_activation = False
    binary_view = False

    def __init__(self, model: Any, loss: Any, loss_weights: Any, metrics: Any, weighted_metrics: Any = None):
        outputs = model.outputs if hasattr(model, "outputs") else []
        struct = getattr(model, "_outputs_struct", None)
        # Keras names a dict's outputs by their keys (flattened in key order), a list's by their layers.
        self.names = sorted(struct) if isinstance(struct, dict) else [t._keras_history[0].name for t in outputs]
        self.shapes = [t.shape for t in outputs]
        self.losses = [losses.get(spec) for spec in _per_output(loss, self.names, "loss")]
        self.weights = [1.0 if w is None else float(w) for w in _per_output(loss_weights, self.names,
                                                                              "loss_weights", 1.0)]
        entries: list[tuple[keras_metrics.Metric, Any]] = [(keras_metrics.Mean(name=f"{n}_loss"), ("loss", i))
                                                           for i, n in enumerate(self.names)]
        for given, what in ((metrics, "metrics"), (weighted_metrics, "weighted_metrics")):
            taken = {m.name for m, _ in entries} if what == "weighted_metrics" else None
            for i, specs in enumerate(_per_output(given or [], self.names, what, [])):
                for spec in [specs] if isinstance(specs, (str, keras_metrics.Metric)) else specs or []:
                    metric = metric_for(spec, self.losses[i], f"{self.names[i]}_", taken)
                    entries.append((metric, ("weighted", i) if taken is not None else i))
        self.tracker = Tracker([m for m, _ in entries], model, [where for _, where in entries])
        self.batch_weights: Weights | None = None  # the next batch's, set by MultiBatches

    def arrange(self, y: Any) -> list[Any]:
        """Targets as a list in output order (from a list, or a dict by output name)."""
        if isinstance(y, dict):
            return [y[name] for name in self.names]
        if not isinstance(y, (list, tuple)) or len(y) != len(self.names):
            raise ValueError(f"fit: y must hold one target array per output {self.names}; received "
                             f"{type(y).__name__}")
        return list(y)

    def targets(self, y: Any) -> list[np.ndarray]:
        return [loss.prepare_targets(t, shape) for loss, t, shape in zip(self.losses, self.arrange(y), self.shapes)]

    def sample_weights(self, sample_weight: Any, class_weight: Any, n: int, where: str = "fit") -> Weights | None:
        """``sample_weight`` per output (one array for all, a list in output order, a dict by output name), each
        checked to hold ``n`` weights; None when not given."""
        if class_weight is not None:
            raise ValueError(f"{where}: `class_weight` is only supported for models with a single output; this "
                             f"model has the outputs {self.names}. Pass `sample_weight` per output instead.")
        if sample_weight is None:
            return None
        if isinstance(sample_weight, dict):
            unknown = sorted(set(sample_weight) - set(self.names))
            if unknown:
                raise ValueError(f"{where}: `sample_weight` names outputs {unknown}; the model's outputs are "
                                 f"{self.names}")
            per_output = [sample_weight.get(name) for name in self.names]
        elif isinstance(sample_weight, (list, tuple)):
            if len(sample_weight) != len(self.names):
                raise ValueError(f"{where}: You should provide one `sample_weight` array per output in `y`: the "
                                 f"model has {len(self.names)} outputs {self.names}; received a list of "
                                 f"{len(sample_weight)} arrays")
            per_output = list(sample_weight)
        else:
            per_output = [sample_weight] * len(self.names)
        return [None if w is None else _checked(w, n, where, name) for w, name in zip(per_output, self.names)]

    def scores(self, out: Any) -> list[Tensor]:
        return symbolic.flatten(out)  # a dict of outputs in its keys' order, as self.names

    def __call__(self, scores: list[Tensor], t: list[Tensor]) -> Tensor:
        weights, self.batch_weights = self.batch_weights or [None] * len(t), None  # for this batch only
        parts = [loss.compute(s, target, loss.from_logits, w)
                 for loss, s, target, w in zip(self.losses, scores, t, weights)]
        with no_grad():
            self.tracker.observe_outputs(scores, t, [float(p.item()) for p in parts], weights)
        total = parts[0] * self.weights[0]
        for part, weight in zip(parts[1:], self.weights[1:]):
            total = total + part * weight
        return total


def _checked(weights: Any, n: int, where: str, name: str) -> np.ndarray:
    array = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(array) != n:
        raise ValueError(f"{where}: sample_weight for output {name!r} has {len(array)} entries for {n} samples")
    return array
