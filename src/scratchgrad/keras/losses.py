"""Keras losses by name, and the objective that ``fit`` and ``evaluate`` hand to the Trainer.

Names: "categorical_crossentropy" (one-hot targets), "sparse_categorical_crossentropy" (integer labels),
"binary_crossentropy" (targets in [0, 1]) and "mse" / "mean_squared_error"; or the classes below, which also
take ``from_logits=True`` for a model whose last layer has no activation.

Stability. Keras computes cross-entropy on probabilities clipped to [1e-7, 1 - 1e-7]. When the model's last
activation is the loss's own (softmax for the categorical losses, sigmoid for the binary one), we train and
evaluate on the scores before it, with the fused ``F.cross_entropy`` / ``F.binary_cross_entropy_with_logits``:
no log of a probability that rounded to 0, and exact gradients where the clipped form has none. Otherwise the
probabilities are clipped as Keras does. ``predict`` still returns probabilities.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from ..nn import functional as F
from .base import show

EPSILON = 1e-7  # Keras's backend epsilon, the clip on probabilities


def _row_means(losses: Tensor) -> Tensor:
    """Per-element losses (N, ...) as per-sample ones (N,): the mean over each sample's elements, as Keras."""
    return losses.reshape(losses.shape[0], -1).mean(axis=1) if losses.ndim > 1 else losses


def _clipped_log(p: Tensor) -> Tensor:
    return p.clip(EPSILON, 1 - EPSILON).log()


class Loss:
    """Base class: a loss knows its targets' form and computes itself on scores or probabilities.

    Calling a loss object as Keras does, ``loss(y_true, y_pred)``, gives the mean loss as a Tensor.
    """

    name = ""
    activation: str | None = None  # the output activation whose scores this loss can take directly

    def __init__(self, from_logits: bool = False, name: str | None = None):
        self.from_logits = from_logits
        self.name = name or self.name

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_true = y_true if isinstance(y_true, Tensor) else Tensor(backend.as_array(np.asarray(y_true)))
        weights = None if sample_weight is None else np.asarray(sample_weight).reshape(-1)
        return self.compute(as_tensor(y_pred), y_true, self.from_logits, weights)

    def prepare_targets(self, y: Any, output_shape: tuple) -> np.ndarray:
        """``y`` as the array the loss takes for a model of ``output_shape`` (batch axis None); checks its shape."""
        y = np.asarray(y)
        expected = output_shape[1:]
        if y.shape[1:] != expected and y.shape[1:] + (1,) == expected:  # (N,) targets for a (None, 1) output
            y = y.reshape(-1, *expected)
        if y.shape[1:] != expected:
            raise ValueError(
                f"loss {self.name}: targets must have the model's output shape {show(output_shape)}; received y "
                f"of shape {y.shape}"
            )
        return y.astype(backend.get_default_dtype(), copy=False)

    def compute(self, scores: Tensor, t: Tensor, logits: bool, weights: Any = None) -> Tensor:
        """The mean loss of ``scores`` (logits when ``logits``, else the model's outputs) against targets ``t``;
        with per-sample ``weights`` (N,), sum(loss_i * w_i) / N, as Keras's "sum_over_batch_size"."""
        losses = self.per_sample(scores, t, logits)
        if weights is None:
            return losses.mean()
        return (losses * Tensor(backend.as_array(np.asarray(weights, dtype=losses.dtype)))).sum() / len(weights)

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        """Each sample's loss, shape (N,)."""
        raise NotImplementedError


class CategoricalCrossentropy(Loss):
    """-sum(t * log p) over classes, mean over the batch; ``t`` one-hot (N, C) (see ``utils.to_categorical``)."""

    name = "categorical_crossentropy"
    activation = "softmax"

    def prepare_targets(self, y: Any, output_shape: tuple) -> np.ndarray:
        _check_classifier(self.name, output_shape)
        y = np.asarray(y)
        if y.shape[1:] != output_shape[1:]:
            raise ValueError(
                f"loss {self.name}: targets must be one-hot rows of shape (N, {output_shape[1]}) like the model's "
                f"output {show(output_shape)}; received y of shape {y.shape}. Use keras.utils.to_categorical(y, "
                f"{output_shape[1]}), or loss='sparse_categorical_crossentropy' for integer labels."
            )
        return super().prepare_targets(y, output_shape)

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        if logits:
            return F.cross_entropy(scores, t, reduction="none")
        if t.data.dtype.kind in "iub":  # integer labels (the sparse loss): one-hot rows
            t = Tensor(np.eye(scores.shape[1], dtype=scores.dtype)[backend.to_numpy(t.data)])
        # Keras rescales so each row sums to 1, then clips: the loss stays finite for any outputs.
        p = scores / scores.sum(axis=-1, keepdims=True)
        return -(t * _clipped_log(p)).sum(axis=-1)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels ``t`` of shape (N,) or (N, 1) (as Keras's CIFAR-10 labels)."""

    name = "sparse_categorical_crossentropy"

    def prepare_targets(self, y: Any, output_shape: tuple) -> np.ndarray:
        _check_classifier(self.name, output_shape)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        classes = output_shape[1]
        if y.ndim != 1:
            raise ValueError(
                f"loss {self.name}: targets must be integer labels of shape (N,) or (N, 1); received y of shape "
                f"{y.shape}. For one-hot targets use loss='categorical_crossentropy'."
            )
        if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
            raise ValueError(f"loss {self.name}: labels must be whole numbers; received non-integer values")
        if len(y) and (y.min() < 0 or y.max() >= classes):
            bad = y.max() if y.max() >= classes else y.min()
            raise ValueError(
                f"loss {self.name}: received a label value of {bad:g} which is outside the valid range of "
                f"[0, {classes}) for the model's output {show(output_shape)}"
            )
        return y.astype(np.int64)


class BinaryCrossentropy(Loss):
    """-(t log p + (1 - t) log(1 - p)), mean over every output; targets in [0, 1], one per output unit."""

    name = "binary_crossentropy"
    activation = "sigmoid"

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        if logits:
            return _row_means(F.binary_cross_entropy_with_logits(scores, t, reduction="none"))
        return _row_means(-(t * _clipped_log(scores) + (1 - t) * _clipped_log(1 - scores)))


class MeanSquaredError(Loss):
    """mean((y - t)^2) over every output and the batch; targets of the model's output shape."""

    name = "mean_squared_error"

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        return _row_means(F.mse_loss(scores, t, reduction="none"))


class LossFunctionWrapper(Loss):
    """A plain function ``fn(y_true, y_pred) -> Tensor`` used as a loss (on the model's outputs)."""

    def __init__(self, fn: Callable[[Tensor, Tensor], Tensor]):
        super().__init__(name=getattr(fn, "__name__", "custom_loss"))
        self.fn = fn

    def compute(self, scores: Tensor, t: Tensor, logits: bool, weights: Any = None) -> Tensor:
        loss = self.fn(t, scores)
        if loss.ndim == 0:
            if weights is not None:
                raise ValueError(f"loss {self.name} returns one number per batch; sample weights need one per sample")
            return loss
        return super().compute(scores, t, logits, weights)

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        return _row_means(self.fn(t, scores))


def _check_classifier(name: str, output_shape: tuple) -> None:
    if len(output_shape) != 2:
        raise ValueError(
            f"loss {name}: expected the model's output to be (batch, classes); it is {show(output_shape)}. "
            "Add Flatten and a Dense(classes, activation='softmax') output layer."
        )


class MeanAbsoluteError(Loss):
    """mean(|y - t|) over each sample's outputs; targets of the model's output shape."""

    name = "mean_absolute_error"

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        return _row_means(F.l1_loss(scores, t, reduction="none"))


class Huber(Loss):
    """0.5 * e^2 where |e| <= delta, delta * (|e| - 0.5 * delta) beyond (e = y - t); the mean per sample.

    It is ``delta`` times PyTorch's smooth L1 loss with beta = delta.
    """

    name = "huber_loss"

    def __init__(self, delta: float = 1.0, name: str | None = None, **kwargs: Any):
        super().__init__(name=name)
        self.delta = float(delta)

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        return _row_means(F.smooth_l1_loss(scores, t, reduction="none", beta=self.delta) * self.delta)


class KLDivergence(Loss):
    """sum(t * log(t / y)) over each sample's outputs, both clipped to [1e-7, 1] as Keras clips them."""

    name = "kl_divergence"

    def per_sample(self, scores: Tensor, t: Tensor, logits: bool) -> Tensor:
        t = t.clip(EPSILON, 1.0)
        return (t * (t.log() - scores.clip(EPSILON, 1.0).log())).reshape(t.shape[0], -1).sum(axis=1)


LOSSES: dict[str, type[Loss]] = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "huber": Huber,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
}


def get(identifier: str | Loss | Callable) -> Loss:
    """The loss for a ``compile(loss=...)`` argument: a name above, a ``Loss`` or a function(y_true, y_pred)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = LOSSES.get(identifier.lower())
        if cls is None:
            names = ", ".join(f'"{n}"' for n in LOSSES)
            raise ValueError(
                f"Unknown loss function: {identifier!r} (argument `loss` of compile). Expected one of {names}, "
                "a keras.losses.Loss, or a callable loss(y_true, y_pred)."
            )
        return cls()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"argument `loss` of compile must be a name, a Loss or a callable; received {identifier!r}")


class Objective:
    """What ``fit`` and ``evaluate`` hand to the Trainer: the model's scores, the targets and the loss on them.

    ``skip_activation``: the model's last activation is the loss's own, so the Trainer gets the scores before
    it and the fused loss runs on them (``logits``).

    Accuracy: the Trainer counts a sample as right when the argmax of its scores is its label (or the argmax of
    its one-hot target), which is Keras's categorical and sparse categorical accuracy. Keras takes a model with
    one output unit to be binary (right when p > 0.5 matches t); for that the objective shows the Trainer two
    columns, scores [0, z] for logits z or [1 - p, p] for probabilities, and targets [1 - t, t]. The argmax
    of [0, z] is 1 exactly when z > 0, that is p > 0.5; the loss itself reads the second column only.
    """

    def __init__(self, loss: Loss, last_activation: str, output_shape: tuple, accuracy: bool):
        self.loss, self.output_shape = loss, output_shape
        self.skip_activation = not loss.from_logits and loss.activation == last_activation
        self.logits = loss.from_logits or self.skip_activation
        single = output_shape[-1] == 1
        if accuracy and single and len(output_shape) != 2:
            raise ValueError(
                f"metric accuracy: a single-unit output must be (batch, 1); the model's output is {show(output_shape)}"
            )
        if accuracy and not single and isinstance(loss, BinaryCrossentropy):
            raise ValueError(
                f"metric accuracy with binary_crossentropy over {output_shape[-1]} outputs (multi-label) is not "
                "supported: the Trainer counts one class per sample. Compile without metrics=['accuracy']."
            )
        self.binary_view = accuracy and single
        self.tracker: Any = None  # metric_tracking.Tracker when compiled with metric objects
        self.batch_weights: Any = None  # the next batch's sample weights (data_adapters.WeightedBatches)

    def targets(self, y: Any) -> np.ndarray:
        t = self.loss.prepare_targets(y, self.output_shape)
        return np.concatenate([1 - t, t], axis=1) if self.binary_view else t

    def scores(self, out: Tensor) -> Tensor:
        if not self.binary_view:
            return out
        other = Tensor(backend.xp.zeros(out.shape, dtype=out.dtype)) if self.logits else 1 - out
        return F.concat([other, out], axis=1)

    def __call__(self, scores: Tensor, t: Tensor) -> Tensor:
        if self.binary_view:
            scores, t = scores[:, 1:], t[:, 1:]
        weights, self.batch_weights = self.batch_weights, None  # set by a weighted loader for this batch only
        if self.tracker is not None:  # compiled metrics see the model's outputs, activation applied
            self.tracker.observe(self.outputs(scores), t, weights)
        return self.loss.compute(scores, t, self.logits, weights)

    def outputs(self, scores: Tensor) -> Tensor:
        """The model's outputs from the scores the loss takes (the skipped activation put back)."""
        if not self.skip_activation:
            return scores
        return F.sigmoid(scores) if self.loss.activation == "sigmoid" else F.softmax(scores, -1)
