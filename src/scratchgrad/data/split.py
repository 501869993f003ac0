"""Hold out part of the training data to tune hyperparameters on, never the test set (the notes hold out 20%)."""

from __future__ import annotations

from typing import Any

import numpy as np


def _class_quotas(counts: np.ndarray, n_val: int) -> np.ndarray:
    """How many of each class go to validation: proportional, rounded so the total is exactly ``n_val``."""
    exact = counts * (n_val / counts.sum())
    quotas = np.floor(exact).astype(np.int64)
    # Largest remainders get the leftover places, so no class is off by more than one from its share.
    leftover = n_val - quotas.sum()
    quotas[np.argsort(-(exact - quotas), kind="stable")[:leftover]] += 1
    return quotas


def train_val_split(
    x: Any, t: Any, val_fraction: float = 0.2, stratify: bool = True, seed: int | None = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Split ``(x, t)`` into training and validation parts, at random, each class in proportion.

    Args:
        x, t: samples and their labels, one row each (labels (N,) ints or one-hot (N, K)).
        val_fraction: share held out for validation; ``round(N * val_fraction)`` samples.
        stratify: keep each class's share the same in both parts (within one sample).
        seed: the split is the same for the same seed.

    Returns: ``(x_train, t_train), (x_val, t_val)``, each part in the original order of its samples.

    Example::

        (x_train, t_train), (x_val, t_val) = train_val_split(x, t, 0.2)   # 60,000 -> 48,000 + 12,000
    """
    x, t = np.asarray(x), np.asarray(t)
    if len(x) != len(t):
        raise ValueError(f"train_val_split: x has {len(x)} samples but t has {len(t)} labels")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"train_val_split: val_fraction must be between 0 and 1; received {val_fraction}")
    n = len(x)
    n_val = int(round(n * val_fraction))
    rng = np.random.default_rng(seed)
    if stratify:
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        quotas = _class_quotas(counts, n_val)
        val = np.concatenate([rng.permutation(np.flatnonzero(inverse == c))[:q] for c, q in enumerate(quotas)])
    else:
        val = rng.permutation(n)[:n_val]
    is_val = np.zeros(n, dtype=bool)
    is_val[val] = True
    return (x[~is_val], t[~is_val]), (x[is_val], t[is_val])
