"""keras.metrics against Keras 3: each metric's result on the same batches, and fit histories (training and
validation) of models compiled with metric objects."""

from __future__ import annotations

import re

import numpy as np
import pytest

from scratchgrad import keras

BINARY = ["Precision", "Recall", "AUC", "BinaryAccuracy", "MeanSquaredError", "MeanAbsoluteError"]
SPARSE = ["SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy"]
ONE_HOT = ["CategoricalAccuracy", "TopKCategoricalAccuracy"]


def batches(rng, kind):
    for n in (7, 5, 9):
        if kind == "binary":
            yield rng.integers(0, 2, (n, 1)).astype("float32"), rng.random((n, 1)).astype("float32")
        else:
            labels, scores = rng.integers(0, 5, n), rng.random((n, 5)).astype("float32")
            yield (labels if kind == "sparse" else np.eye(5, dtype="float32")[labels]), scores


@pytest.mark.parametrize("name, kind", [(n, "binary") for n in BINARY] + [(n, "sparse") for n in SPARSE]
                         + [(n, "one_hot") for n in ONE_HOT] + [("AUC-PR", "binary")])
def test_metric_matches_keras3(keras3, rng, name, kind):
    make = (lambda M: M.AUC(curve="PR")) if name == "AUC-PR" else (
        (lambda M: getattr(M, name)(k=2)) if "TopK" in name else (lambda M: getattr(M, name)()))
    theirs, ours = make(keras3.metrics), make(keras.metrics)
    for y_true, y_pred in batches(rng, kind):
        theirs.update_state(y_true, y_pred)
        ours.update_state(y_true, y_pred)
        assert ours.result() == pytest.approx(float(np.asarray(theirs.result())), rel=1e-5, abs=1e-6)
    ours.reset_state()
    assert ours.result() == 0.0
    assert ours.name == re.sub(r"_\d+$", "", theirs.name)  # Keras numbers the second AUC of a session


def test_mean_with_sample_weights(keras3):
    theirs, ours = keras3.metrics.Mean(), keras.metrics.Mean()
    for m in (theirs, ours):
        m.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0])
        m.update_state([4.0])
    assert ours.result() == pytest.approx(float(np.asarray(theirs.result()))) == pytest.approx(11 / 4)


def models(keras3, binary):
    pair = []
    for K in (keras3, keras):
        model = K.Sequential([K.Input(shape=(4,)), K.layers.Dense(6, activation="tanh"),
                              K.layers.Dense(1 if binary else 3, activation="sigmoid" if binary else "softmax")])
        M = K.metrics
        metrics = [M.Precision(), M.Recall(), M.AUC(), M.BinaryAccuracy(), M.MeanAbsoluteError()] if binary else \
            ["accuracy", M.SparseCategoricalAccuracy(), M.SparseTopKCategoricalAccuracy(k=2)]
        model.compile(optimizer=K.optimizers.SGD(0.3), metrics=metrics,
                      loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy")
        pair.append(model)
    rng = np.random.default_rng(3)
    pair[1].set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in pair[1].get_weights()])
    pair[0].set_weights(pair[1].get_weights())
    return pair


def unnumbered(logs: dict) -> dict:
    """Keras 3 numbers metric objects across the session (auc_2); ours keep their class's name."""
    return {re.sub(r"_\d+$", "", key): value for key, value in logs.items()}


@pytest.mark.parametrize("binary", [True, False])
def test_fit_and_evaluate_report_compiled_metrics_as_keras3(keras3, rng, binary):
    x = rng.standard_normal((60, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32") if binary else rng.integers(0, 3, 60)
    theirs, ours = models(keras3, binary)
    kwargs = dict(batch_size=10, epochs=3, shuffle=False, validation_split=0.25, verbose=0)
    expected, got = unnumbered(theirs.fit(x, y, **kwargs).history), ours.fit(x, y, **kwargs).history
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-5, err_msg=key)
    e = unnumbered(theirs.evaluate(x, y, verbose=0, return_dict=True))
    g = ours.evaluate(x, y, verbose=0, return_dict=True)
    assert set(g) == set(e)
    for key in e:
        assert g[key] == pytest.approx(e[key], rel=1e-4, abs=1e-5), key


def test_an_unknown_metric_name_lists_the_known_ones():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="Unknown metric function: 'f1'.*'mae'"):
        model.compile(loss="mse", metrics=["f1"])
