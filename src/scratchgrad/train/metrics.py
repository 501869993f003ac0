"""Classification metrics on plain arrays: accuracy, confusion matrix, per-class accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend


def labels_of(target: Any) -> np.ndarray:
    """Integer labels from labels or one-hot / probability rows (as a NumPy array)."""
    t = backend.to_numpy(target)
    return t.argmax(axis=1) if t.ndim == 2 else t.astype(np.int64, copy=False)


def correct_count(scores: Any, target: Any) -> int:
    """How many rows of ``scores`` (N, C) have their largest entry at the target class."""
    y = backend.to_numpy(scores)
    return int((y.argmax(axis=1) == labels_of(target)).sum())


def accuracy(scores: Any, target: Any) -> float:
    n = len(labels_of(target))
    return correct_count(scores, target) / n if n else 0.0


def confusion_matrix(predicted: np.ndarray, actual: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(actual), np.asarray(predicted)), 1)
    return matrix


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Recall of each class: the diagonal over each row's total (NaN for a class with no samples)."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)
