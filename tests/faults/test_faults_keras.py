"""The Keras face refuses arguments that cannot be right at once, naming them, and predicts on no samples."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers, optimizers


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: layers.BatchNormalization(momentum=2), r"argument `momentum` must be a finite number in \[0, 1\]"),
        (lambda: layers.BatchNormalization(epsilon=-1), "argument `epsilon` must be a finite number > 0"),
        (lambda: layers.BatchNormalization(epsilon=float("nan")), "received epsilon=nan"),
        (lambda: layers.ReLU(negative_slope=float("nan")), "argument `negative_slope` must be a finite number >= 0"),
        (lambda: layers.ReLU(max_value=-1), "argument `max_value` must be a finite number >= 0; received max_value=-1"),
        (lambda: layers.Reshape((0,)), r"`target_shape` must hold positive sizes .* received target_shape=\(0,\)"),
        (lambda: layers.Reshape((-1, -1)), r"at most one -1; received target_shape=\(-1, -1\)"),
        (lambda: layers.Dense(0), "argument `units` must be a positive integer; received units=0"),
        (lambda: optimizers.Adam(learning_rate=-1), "Adam: argument `learning_rate` must be a finite number >= 0"),
        (lambda: optimizers.Adam(learning_rate=float("nan")), "received learning_rate=nan"),
        (lambda: optimizers.Adam(beta_1=2), r"Adam: argument `beta_1` must be a finite number in \[0, 1\)"),
        (lambda: optimizers.SGD(0.1, momentum=5), r"SGD: argument `momentum` must be a finite number in \[0, 1\]"),
        (lambda: optimizers.RMSprop(rho=1.5), r"RMSprop: argument `rho` must be a finite number in \[0, 1\)"),
        (lambda: optimizers.Adagrad(epsilon=-1e-7), "Adagrad: argument `epsilon` must be a finite number >= 0"),
    ],
)
def test_keras_constructors_refuse_values_that_cannot_be_right(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_learning_rate_set_later_is_checked_too():
    optimizer = optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="received learning_rate=inf"):
        optimizer.learning_rate = float("inf")
    assert optimizer.learning_rate == 0.1


def _model() -> keras.Sequential:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "fit: argument `epochs` must be a positive integer; received epochs=0"),
        ({"epochs": 2.5}, "fit: argument `epochs` must be a positive integer; received epochs=2.5"),
        ({"initial_epoch": -1}, "fit: argument `initial_epoch` must be an integer >= 0; received initial_epoch=-1"),
        ({"validation_split": float("nan")}, "fit: argument `validation_split` must be a finite number in"),
    ],
)
def test_fit_refuses_counts_and_splits_that_cannot_be_right(rng, kwargs, message):
    x, y = rng.random((20, 4), dtype=np.float32), rng.integers(0, 3, 20)
    with pytest.raises(ValueError, match=message):
        _model().fit(x, y, verbose=0, **kwargs)


def test_predict_on_no_samples_gives_an_empty_array_of_the_output_shape(rng):
    # tf.keras stops with "Unexpected result of predict_function (Empty batch_outputs)"; the empty answer,
    # shaped (0, outputs), is what a caller can use without a special case.
    model = _model()
    out = model.predict(np.zeros((0, 4), np.float32))
    assert out.shape == (0, 3) and out.dtype == np.float32
    assert model.predict(rng.random((5, 4), dtype=np.float32)).shape == (5, 3)


def test_predict_on_no_samples_of_a_convolutional_model_keeps_every_output_axis():
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3)])
    assert model.predict(np.zeros((0, 6, 6, 1), np.float32)).shape == (0, 4, 4, 2)
