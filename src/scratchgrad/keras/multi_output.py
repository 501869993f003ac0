"""fit and evaluate for models of several inputs or outputs: losses per output, ``loss_weights``, metrics per
output, reported as Keras reports them (``loss`` = sum of weight * output loss, ``<output>_loss``,
``<output>_<metric>``).

Inputs and targets come as lists (in the model's order) or dicts (by input and output layer name). Each output's
loss is Keras's formula on the model's outputs (probabilities clipped to [1e-7, 1 - 1e-7] where Keras clips).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from . import losses
from . import metrics as keras_metrics
from .metric_tracking import Tracker


class Batch:
    """One batch of several inputs; ``len`` is its number of samples, as the Trainer counts them."""

    def __init__(self, parts: list[Tensor]):
        self.parts = parts

    def __len__(self) -> int:
        return len(self.parts[0])


class MultiBatches:
    """Lists of input and target arrays as the Trainer's loader: (Batch of inputs, list of targets) batches."""

    def __init__(self, xs: list[np.ndarray], ts: list[np.ndarray], batch_size: int, shuffle: bool):
        self.xs, self.ts, self.batch_size, self.shuffle = xs, ts, batch_size, shuffle

    def __len__(self) -> int:
        return -(-len(self.xs[0]) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Batch, list[Tensor]]]:
        n = len(self.xs[0])
        order = backend.rng().permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            rows = order[start : start + self.batch_size]
            yield Batch([Tensor(backend.as_array(x[rows])) for x in self.xs]), \
                [Tensor(backend.as_array(t[rows])) for t in self.ts]


def _per_output(spec: Any, names: list[str], what: str, default: Any = None) -> list[Any]:
    """A compile argument (one value for all, a list in output order, or a dict by output name) per output."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"compile: `{what}` names outputs {unknown}; the model's outputs are {names}")
        return [spec.get(name, default) for name in names]
    if isinstance(spec, (list, tuple)) and not (what == "metrics" and all(isinstance(m, str) for m in spec) and
                                                len(spec) != len(names)):
        if len(spec) != len(names):
            raise ValueError(f"compile: `{what}` has {len(spec)} entries for the model's {len(names)} outputs {names}")
        return list(spec)
    return [spec] * len(names)


def _accuracy_for(loss: losses.Loss) -> keras_metrics.Metric:
    """The accuracy Keras means by "accuracy" for an output trained with ``loss``."""
    kind = {losses.SparseCategoricalCrossentropy: keras_metrics.SparseCategoricalAccuracy,
            losses.CategoricalCrossentropy: keras_metrics.CategoricalAccuracy,
            losses.BinaryCrossentropy: keras_metrics.BinaryAccuracy}.get(type(loss), keras_metrics.Accuracy)
    return kind(name="accuracy")


class MultiObjective:
    """The compiled objective of a model with several outputs: the weighted sum of one loss per output."""

    skip_activation = False
    binary_view = False

    def __init__(self, model: Any, loss: Any, loss_weights: Any, metrics: Any):
        outputs = model.outputs if hasattr(model, "outputs") else []
        self.names = [t._keras_history[0].name for t in outputs]
        self.shapes = [t.shape for t in outputs]
        self.losses = [losses.get(spec) for spec in _per_output(loss, self.names, "loss")]
        self.weights = [1.0 if w is None else float(w) for w in _per_output(loss_weights, self.names,
                                                                              "loss_weights", 1.0)]
        entries: list[tuple[keras_metrics.Metric, Any]] = [(keras_metrics.Mean(name=f"{n}_loss"), ("loss", i))
                                                           for i, n in enumerate(self.names)]
        for i, specs in enumerate(_per_output(metrics or [], self.names, "metrics", [])):
            for spec in [specs] if isinstance(specs, (str, keras_metrics.Metric)) else specs or []:
                metric = _accuracy_for(self.losses[i]) if spec in ("accuracy", "acc") else keras_metrics.get(spec)
                metric.name = f"{self.names[i]}_{metric.name}"
                entries.append((metric, i))
        self.tracker = Tracker([m for m, _ in entries], model, [where for _, where in entries])
        self.batch_weights = None

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

    def scores(self, out: Any) -> Any:
        return out

    def __call__(self, scores: list[Tensor], t: list[Tensor]) -> Tensor:
        parts = [loss.compute(s, target, loss.from_logits) for loss, s, target in zip(self.losses, scores, t)]
        with no_grad():
            self.tracker.observe_outputs(scores, t, [float(p.item()) for p in parts])
        total = parts[0] * self.weights[0]
        for part, weight in zip(parts[1:], self.weights[1:]):
            total = total + part * weight
        return total
