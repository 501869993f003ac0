"""``keras.metrics``: streaming metrics with Keras's ``update_state`` / ``result`` / ``reset_state`` and formulas.

They measure; nothing is differentiated, so they work on NumPy arrays. In ``compile(metrics=[...])`` they are
updated with every training batch's predictions (and, separately, with the validation data's at each epoch's
end); ``fit``'s history then holds them under their names (``precision``, ``val_precision``, ...).

Example::

    m = keras.metrics.SparseCategoricalAccuracy()
    m.update_state([1, 2], [[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    m.result()   # 0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from .base import snake_case


def _array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.data
    return np.asarray(backend.to_numpy(value) if not isinstance(value, np.ndarray) else value, dtype=np.float64)


class Metric:
    """Base class: ``update_state(y_true, y_pred, sample_weight=None)`` adds a batch, ``result()`` is the value
    over everything added since ``reset_state()``."""

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or snake_case(type(self).__name__)
        self.reset_state()

    def reset_state(self) -> None:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of the values given: ``update_state(values, sample_weight=None)``."""

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, values: Any, y_pred: Any = None, sample_weight: Any = None) -> None:  # type: ignore
        values = _array(values)
        weights = np.ones_like(values) if sample_weight is None else np.broadcast_to(_array(sample_weight),
                                                                                     values.shape)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class _PerSample(Mean):
    """A mean of a per-sample value ``values(y_true, y_pred)`` (Keras's MeanMetricWrapper)."""

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values = self.values(_array(y_true), _array(y_pred))
        weights = None if sample_weight is None else _array(sample_weight).reshape(-1)[: len(values)]
        super().update_state(values, None, weights)

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Accuracy(_PerSample):
    """How often predictions equal the labels exactly."""

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return (y_true == y_pred.reshape(y_true.shape)).astype(float).reshape(len(y_true), -1).mean(axis=1)


class BinaryAccuracy(_PerSample):
    """How often (y_pred > threshold) equals the 0/1 label, averaged over the last axis."""

    def __init__(self, name: str | None = None, dtype: Any = None, threshold: float = 0.5):
        self.threshold = threshold
        super().__init__(name, dtype)

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        hits = (y_pred > self.threshold).astype(float) == y_true.reshape(y_pred.shape)
        return hits.reshape(len(y_pred), -1).mean(axis=1)


class CategoricalAccuracy(_PerSample):
    """How often the argmax of the prediction is the argmax of the one-hot label."""

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return (y_true.argmax(-1) == y_pred.argmax(-1)).astype(float)


class SparseCategoricalAccuracy(_PerSample):
    """How often the argmax of the prediction is the integer label."""

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return (y_true.reshape(len(y_pred)) == y_pred.argmax(-1)).astype(float)


class TopKCategoricalAccuracy(_PerSample):
    """How often the one-hot label's class is among the ``k`` highest predictions (5 by default)."""

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None):
        self.k = k
        super().__init__(name, dtype)

    def labels(self, y_true: np.ndarray, n: int) -> np.ndarray:
        return y_true.argmax(-1)

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        labels = self.labels(y_true, len(y_pred)).astype(int)
        score = y_pred[np.arange(len(y_pred)), labels]
        # Ranked as Keras ranks (in_top_k): a class is in when fewer than k classes score strictly higher.
        return ((y_pred > score[:, None]).sum(axis=1) < self.k).astype(float)


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """TopKCategoricalAccuracy for integer labels."""

    def labels(self, y_true: np.ndarray, n: int) -> np.ndarray:
        return y_true.reshape(n)


class MeanSquaredError(_PerSample):
    """The mean over samples of mean((y_true - y_pred)^2) over the last axis."""

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return ((y_true.reshape(y_pred.shape) - y_pred) ** 2).reshape(len(y_pred), -1).mean(axis=1)


class MeanAbsoluteError(_PerSample):
    """The mean over samples of mean(|y_true - y_pred|) over the last axis."""

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.abs(y_true.reshape(y_pred.shape) - y_pred).reshape(len(y_pred), -1).mean(axis=1)


class _Confusion(Metric):
    """Counts of true/false positives/negatives at thresholds (y_pred > threshold is a positive)."""

    thresholds: np.ndarray

    def reset_state(self) -> None:
        self.tp = self.fp = self.tn = self.fn = np.zeros(len(self.thresholds))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = _array(y_pred).reshape(-1)
        y_true = _array(y_true).reshape(-1).astype(bool)
        w = np.ones_like(y_pred) if sample_weight is None else np.broadcast_to(
            _array(sample_weight).reshape(len(_array(sample_weight)), -1), _array(y_pred).shape).reshape(-1)
        positive = y_pred[None, :] > self.thresholds[:, None]
        self.tp = self.tp + (positive & y_true) @ w
        self.fp = self.fp + (positive & ~y_true) @ w
        self.fn = self.fn + (~positive & y_true) @ w
        self.tn = self.tn + (~positive & ~y_true) @ w


def _ratio(a: Any, b: Any) -> Any:
    return np.divide(a, b, out=np.zeros_like(np.asarray(a, dtype=float)), where=np.asarray(b) != 0)


class Precision(_Confusion):
    """tp / (tp + fp) with predictions above ``thresholds`` (0.5) counted positive."""

    def __init__(self, thresholds: float | None = None, name: str | None = None, dtype: Any = None, **kwargs: Any):
        self.thresholds = np.array([0.5 if thresholds is None else thresholds], dtype=float)
        super().__init__(name, dtype)

    def result(self) -> float:
        return float(_ratio(self.tp, self.tp + self.fp)[0])


class Recall(Precision):
    """tp / (tp + fn) with predictions above ``thresholds`` (0.5) counted positive."""

    def result(self) -> float:
        return float(_ratio(self.tp, self.tp + self.fn)[0])


class AUC(_Confusion):
    """The area under the ROC curve (or "PR"), from counts at ``num_thresholds`` thresholds spread over [0, 1]
    as Keras spreads them, summed by interpolation between them as Keras's default does."""

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", name: str | None = None, dtype: Any = None,
                 **kwargs: Any):
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = np.array([-1e-7, *inner, 1 + 1e-7])
        if curve not in ("ROC", "PR"):
            raise ValueError(f'AUC: curve must be "ROC" or "PR"; received {curve!r}')
        self.curve = curve
        super().__init__(name, dtype)

    def result(self) -> float:
        if self.curve == "PR":
            return self._pr_area()
        recall, fall_out = _ratio(self.tp, self.tp + self.fn), _ratio(self.fp, self.fp + self.tn)
        return float(((fall_out[:-1] - fall_out[1:]) * (recall[:-1] + recall[1:]) / 2).sum())

    def _pr_area(self) -> float:
        """Davis and Goadrich's interpolation, as Keras does it: between thresholds TP and P = TP + FP vary
        linearly, and the area of each interval has a closed form (slope * (dTP + intercept * log(P_A / P_B)))."""
        tp, p = self.tp, self.tp + self.fp
        dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
        slope = _ratio(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = np.where(both, _ratio(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return float(_ratio(slope * (dtp + intercept * np.log(p_ratio)), np.maximum(tp[1:] + self.fn[1:], 0)).sum())


BY_NAME: dict[str, type[Metric]] = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError, "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
}


def get(identifier: str | Metric) -> Metric:
    """A metric object for ``compile(metrics=[...])``: an object as given, or a name above (named as given)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in BY_NAME:
        return BY_NAME[identifier](name=identifier)
    raise ValueError(
        f"Unknown metric function: {identifier!r} (argument `metrics` of compile). Supported: 'accuracy' (or 'acc'), "
        f"{', '.join(repr(n) for n in BY_NAME)} and keras.metrics objects."
    )
