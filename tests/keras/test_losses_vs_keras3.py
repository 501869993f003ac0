"""keras.losses against Keras 3: each loss's value and its gradient with respect to the predictions, with and
without sample weights."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import Tensor, keras


def targets(rng, kind):
    if kind == "sparse":
        return rng.integers(0, 4, 6)
    if kind == "one_hot":
        return np.eye(4, dtype="float32")[rng.integers(0, 4, 6)]
    if kind == "binary":
        return rng.integers(0, 2, (6, 4)).astype("float32")
    if kind == "distribution":
        p = rng.random((6, 4)).astype("float32")
        return p / p.sum(axis=1, keepdims=True)
    return rng.standard_normal((6, 4)).astype("float32")


def predictions(rng, kind, logits):
    z = rng.standard_normal((6, 4)).astype("float32")
    if logits:
        return z
    if kind in ("sparse", "one_hot", "distribution"):
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return 1 / (1 + np.exp(-z)) if kind == "binary" else z * 2


CASES = [
    ("CategoricalCrossentropy", "one_hot", False), ("CategoricalCrossentropy", "one_hot", True),
    ("SparseCategoricalCrossentropy", "sparse", False), ("SparseCategoricalCrossentropy", "sparse", True),
    ("BinaryCrossentropy", "binary", False), ("BinaryCrossentropy", "binary", True),
    ("MeanSquaredError", "real", False), ("MeanAbsoluteError", "real", False), ("Huber", "real", False),
    ("KLDivergence", "distribution", False),
]


@pytest.mark.parametrize("name, kind, logits", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_value_and_gradient_match_keras3(keras3, torch, rng, name, kind, logits, weighted):
    y_true, y_pred = targets(rng, kind), predictions(rng, kind, logits)
    weights = rng.random(6).astype("float32") if weighted else None
    args = {"from_logits": True} if logits else {}
    theirs, ours = getattr(keras3.losses, name)(**args), getattr(keras.losses, name)(**args)
    p_theirs = torch.tensor(y_pred, requires_grad=True)
    expected = theirs(torch.tensor(y_true), p_theirs, sample_weight=None if weights is None else torch.tensor(weights))
    expected.backward()
    p_ours = Tensor(y_pred, requires_grad=True)
    got = ours(y_true, p_ours, sample_weight=weights)
    got.backward()
    assert float(got.item()) == pytest.approx(float(expected.detach()), rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(np.asarray(getattr(p_ours.grad, "data", p_ours.grad)), p_theirs.grad.numpy(),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["mae", "mean_absolute_error", "huber", "kld", "kl_divergence"])
def test_loss_names(name):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss=name)
    history = model.fit(np.ones((4, 2)), np.full((4, 2), 0.5), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
