"""Sample weights for a model of two outputs against Keras 3: one array for both outputs, a list per output, a dict
by output name, with loss_weights, in fit (and its validation data), evaluate, train_on_batch and test_on_batch."""

from __future__ import annotations

import re

import numpy as np
import pytest

from scratchgrad import keras

COMPILE = dict(loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]],
               loss=["sparse_categorical_crossentropy", "mse"])


def build(K, outputs_as: str):
    a = K.Input((3,), name="a")
    hidden = K.layers.Dense(5, activation="tanh", name="hidden")(a)
    classes = K.layers.Dense(3, activation="softmax", name="cls")(hidden)
    value = K.layers.Dense(1, name="reg")(hidden)
    return K.Model(a, [classes, value] if outputs_as == "list" else {"cls": classes, "reg": value})


def pair(keras3, outputs_as="list", optimizer="SGD", **compile_args):
    """Keras 3's model and ours from the same initial weights, compiled alike."""
    models = [build(K, outputs_as) for K in (keras3, keras)]
    rng = np.random.default_rng(2)
    models[1].set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in models[1].get_weights()])
    models[0].set_weights(models[1].get_weights())
    for K, model in zip((keras3, keras), models):
        model.compile(optimizer=getattr(K.optimizers, optimizer)(0.05), **(compile_args or COMPILE))
    return models


def data(n=40):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((n, 3)).astype("float32")
    y = [rng.integers(0, 3, n), rng.standard_normal((n, 1)).astype("float32")]
    return x, y, rng.uniform(0, 2, n), rng.uniform(0, 2, n)


def unnumbered(logs: dict) -> dict:
    return {re.sub(r"_\d+$", "", k): v for k, v in logs.items()}


def assert_same_logs(got: dict, expected: dict) -> None:
    expected = unnumbered(expected)
    assert set(got) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-4, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("form", ["one array", "a list", "a list and validation weights"])
def test_fit_with_sample_weights_as_keras3(keras3, form):
    x, y, w1, w2 = data()
    sample_weight = w1 if form == "one array" else [w1, w2]
    theirs, ours = pair(keras3)
    kwargs = dict(sample_weight=sample_weight, batch_size=8, epochs=3, shuffle=False, verbose=0)
    if form.endswith("validation weights"):
        xv, yv, v1, v2 = data(12)
        kwargs["validation_data"] = (xv, yv, [v1, None])  # the second output's loss unweighted
    assert_same_logs(ours.fit(x, y, **kwargs).history, theirs.fit(x, y, **kwargs).history)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):  # the same steps, not only the same logs
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_a_dict_by_output_name_with_adam_and_validation_split_as_keras3(keras3):
    x, (labels, values), w1, w2 = data()
    args = dict(loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"}, loss_weights={"cls": 0.3, "reg": 2.0},
                metrics={"cls": "accuracy"})
    theirs, ours = pair(keras3, "dict", "Adam", **args)
    y, sample_weight = {"cls": labels, "reg": values}, {"cls": w1, "reg": w2}
    kwargs = dict(sample_weight=sample_weight, batch_size=8, epochs=3, shuffle=False, verbose=0,
                  validation_split=0.25)
    assert_same_logs(ours.fit(x, y, **kwargs).history, theirs.fit(x, y, **kwargs).history)
    expected = theirs.evaluate(x, y, sample_weight=sample_weight, verbose=0, return_dict=True)
    assert_same_logs(ours.evaluate(x, y, sample_weight=sample_weight, verbose=0, return_dict=True), expected)


@pytest.mark.parametrize("form", ["one array", "a list"])
def test_evaluate_and_the_one_batch_calls_with_sample_weights_as_keras3(keras3, form):
    x, y, w1, w2 = data()
    weights = (lambda rows: w1[rows]) if form == "one array" else (lambda rows: [w1[rows], w2[rows]])
    theirs, ours = pair(keras3)
    calls = [
        lambda m: m.evaluate(x, y, sample_weight=weights(slice(None)), batch_size=16, verbose=0, return_dict=True),
        lambda m: m.train_on_batch(x[:8], [t[:8] for t in y], sample_weight=weights(slice(8)), return_dict=True),
        lambda m: m.test_on_batch(x[8:16], [t[8:16] for t in y], sample_weight=weights(slice(8, 16)),
                                  return_dict=True),
        lambda m: m.train_on_batch(x[:8], [t[:8] for t in y], sample_weight=weights(slice(8)), return_dict=True),
    ]
    for call in calls:
        assert_same_logs(call(ours), call(theirs))


def test_weights_that_do_not_fit_the_outputs_are_refused():
    model = build(keras, "list")
    model.compile(loss=["sparse_categorical_crossentropy", "mse"])
    x, y, w1, w2 = data()
    with pytest.raises(ValueError, match=r"one `sample_weight` array per output.*2 outputs \['cls', 'reg'\].*3"):
        model.fit(x, y, sample_weight=[w1, w2, w2], verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight for output 'reg' has 39 entries for 40 samples"):
        model.evaluate(x, y, sample_weight=[w1, w2[:39]], verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weight` names outputs \['value'\]"):
        model.evaluate(x, y, sample_weight={"value": w2}, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` is only supported for models with a single output"):
        model.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 1.0}, verbose=0)


def test_one_output_evaluate_and_the_one_batch_calls_weigh_as_keras3(keras3):
    """The same calls on a model of one output: sample weights, and class weights in train_on_batch."""
    x, (labels, _), w1, _ = data()
    models = [K.Sequential([K.Input((3,)), K.layers.Dense(3, activation="softmax")]) for K in (keras3, keras)]
    models[0].set_weights(models[1].get_weights())
    for K, model in zip((keras3, keras), models):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    calls = [
        lambda m: m.evaluate(x, labels, sample_weight=w1, batch_size=16, verbose=0, return_dict=True),
        lambda m: m.train_on_batch(x[:8], labels[:8], sample_weight=w1[:8], return_dict=True),
        lambda m: m.train_on_batch(x[8:16], labels[8:16], class_weight={0: 0.5, 1: 2.0, 2: 1.0}, return_dict=True),
        lambda m: m.test_on_batch(x[16:], labels[16:], sample_weight=w1[16:], return_dict=True),
    ]
    theirs, ours = models
    for call in calls:
        assert_same_logs(call(ours), call(theirs))


@pytest.mark.parametrize("outputs", ["one", "two"])
def test_weighted_metrics_weigh_by_sample_weight_as_keras3(keras3, outputs):
    """weighted_metrics take the sample weights, reported as weighted_<name> beside the unweighted metrics."""
    x, y, w1, w2 = data()
    if outputs == "one":
        y, sample_weight, validation = y[0], w1, (x[:12], y[0][:12], w1[:12])
        args = dict(loss="sparse_categorical_crossentropy", metrics=["accuracy"], weighted_metrics=["accuracy"])
        models = [K.Sequential([K.Input((3,)), K.layers.Dense(3, activation="softmax")]) for K in (keras3, keras)]
        models[0].set_weights(models[1].get_weights())
        for K, model in zip((keras3, keras), models):
            model.compile(optimizer=K.optimizers.SGD(0.1), **args)
        theirs, ours = models
    else:
        sample_weight, validation = [w1, w2], (x[:12], [t[:12] for t in y], [w1[:12], w2[:12]])
        theirs, ours = pair(keras3, **COMPILE, weighted_metrics=[["accuracy"], ["mae", "mse"]])
    kwargs = dict(sample_weight=sample_weight, batch_size=8, epochs=2, shuffle=False, verbose=0,
                  validation_data=validation)
    history = ours.fit(x, y, **kwargs).history
    assert "val_weighted_accuracy" in history or "val_cls_weighted_accuracy" in history
    assert_same_logs(history, theirs.fit(x, y, **kwargs).history)
    expected = theirs.evaluate(x, y, sample_weight=sample_weight, verbose=0, return_dict=True)
    assert_same_logs(ours.evaluate(x, y, sample_weight=sample_weight, verbose=0, return_dict=True), expected)


def test_batches_of_x_y_and_sample_weight_from_a_generator_weigh_as_keras3(keras3):
    x, (labels, _), w1, _ = data()

    def batches():
        while True:
            for i in range(0, len(x), 8):
                yield x[i : i + 8], labels[i : i + 8], w1[i : i + 8]

    models = [K.Sequential([K.Input((3,)), K.layers.Dense(3, activation="softmax")]) for K in (keras3, keras)]
    models[0].set_weights(models[1].get_weights())
    for K, model in zip((keras3, keras), models):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
    theirs, ours = models
    kwargs = dict(steps_per_epoch=5, epochs=2, verbose=0)
    assert_same_logs(ours.fit(batches(), **kwargs).history, theirs.fit(batches(), **kwargs).history)
    expected = theirs.evaluate(batches(), steps=5, verbose=0, return_dict=True)
    assert_same_logs(ours.evaluate(batches(), steps=5, verbose=0, return_dict=True), expected)
