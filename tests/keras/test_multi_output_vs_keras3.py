"""fit and evaluate of a model with two inputs and two outputs against Keras 3: per-output losses and their
weights, per-output metrics, inputs and targets as lists and as dicts by name."""

from __future__ import annotations

import re

import numpy as np
import pytest

from scratchgrad import keras


def build(K):
    a, b = K.Input((3,), name="a"), K.Input((2,), name="b")
    hidden = K.layers.Dense(5, activation="tanh", name="hidden")(K.layers.concatenate([a, b]))
    classes = K.layers.Dense(3, activation="softmax", name="cls")(hidden)
    value = K.layers.Dense(1, name="reg")(hidden)
    return K.Model([a, b], [classes, value])


def pair(keras3, **compile_args):
    models = [build(K) for K in (keras3, keras)]
    rng = np.random.default_rng(2)
    models[1].set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in models[1].get_weights()])
    models[0].set_weights(models[1].get_weights())
    for K, model in zip((keras3, keras), models):
        model.compile(optimizer=K.optimizers.SGD(0.1), **compile_args)
    return models


def data():
    rng = np.random.default_rng(4)
    x = [rng.standard_normal((40, 3)).astype("float32"), rng.standard_normal((40, 2)).astype("float32")]
    return x, [rng.integers(0, 3, 40), rng.standard_normal((40, 1)).astype("float32")]


def unnumbered(logs: dict) -> dict:
    return {re.sub(r"_\d+$", "", k): v for k, v in logs.items()}


@pytest.mark.parametrize("form", ["lists", "dicts"])
def test_two_outputs_fit_and_evaluate_as_keras3(keras3, form):
    if form == "lists":
        args = dict(loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                    metrics=[["accuracy"], ["mae"]])
    else:
        args = dict(loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                    loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": "accuracy"})
    x, y = data()
    if form == "dicts":
        x, y = {"a": x[0], "b": x[1]}, {"cls": y[0], "reg": y[1]}
    theirs, ours = pair(keras3, **args)
    kwargs = dict(batch_size=8, epochs=3, shuffle=False, validation_split=0.25, verbose=0)
    expected, got = unnumbered(theirs.fit(x, y, **kwargs).history), ours.fit(x, y, **kwargs).history
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-6, err_msg=key)
    e, g = theirs.evaluate(x, y, verbose=0, return_dict=True), ours.evaluate(x, y, verbose=0, return_dict=True)
    assert set(g) == set(unnumbered(e))
    for key, value in unnumbered(e).items():
        assert g[key] == pytest.approx(value, rel=1e-4), key


def test_targets_of_different_lengths_are_refused():
    model = build(keras)
    model.compile(loss=["sparse_categorical_crossentropy", "mse"])
    x, y = data()
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous: x sizes: \[40, 40\], y sizes: \[40, 39\]"):
        model.fit(x, [y[0], y[1][:39]], verbose=0)
    with pytest.raises(ValueError, match="`loss` has 3 entries for the model's 2 outputs"):
        model.compile(loss=["mse", "mse", "mse"])
        model.fit(x, y, verbose=0)
