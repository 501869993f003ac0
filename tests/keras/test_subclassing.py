"""Subclassed models and custom layers (build, add_weight, call, get_config), run by one class body on Keras 3
and on scratchgrad and compared with the same weights: predictions and a fit's losses."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers


def classes(K):
    """A custom Linear layer and a subclassed model using it, written against the module ``K``."""

    class Linear(K.layers.Layer):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
            super().build(input_shape)

        def call(self, inputs):
            return K.ops.relu(K.ops.matmul(inputs, self.w) + self.b)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class MLP(K.Model):
        def __init__(self, rate=0.5, **kwargs):
            super().__init__(**kwargs)
            self.hidden = Linear(6, name="hidden")
            self.drop = K.layers.Dropout(rate)
            self.head = K.layers.Dense(3, activation="softmax", name="head")

        def call(self, inputs, training=None):
            return self.head(self.drop(self.hidden(inputs), training=training))

    return Linear, MLP


def test_a_subclassed_model_predicts_and_fits_as_keras3_does(keras3, rng):
    x, y = rng.standard_normal((24, 5)).astype("float32"), rng.integers(0, 3, 24)
    for rate in (0.5, 0.0):  # dropout's draws differ between frameworks: the fit runs without it
        theirs, ours = classes(keras3)[1](rate=rate), classes(keras)[1](rate=rate)
        theirs(x[:2])  # builds the weights
        ours(x[:2])
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert ours.count_params() == theirs.count_params() == 6 * 5 + 6 + 6 * 3 + 3
    assert [layer.name for layer in ours.layers] == ["hidden", "dropout", "head"]
    theirs.compile(optimizer=keras3.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    ours.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    expected = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


def test_a_custom_layer_in_a_functional_model_and_its_config(rng):
    Linear, _ = classes(keras)
    layer = Linear(2, name="lin")
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layer(inputs))
    assert model.output_shape == (None, 2) and len(list(model.parameters())) == 2
    assert layer.get_config() == {"name": "lin", "trainable": True, "dtype": "float32", "units": 2}
    w, b = layer.get_weights()
    x = rng.standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x), np.maximum(x @ w + b, 0), rtol=1e-6)
    layer.build((None, 3))  # a second build makes no second set of weights
    assert len(layer.get_weights()) == 2


def test_training_reaches_the_layers_a_subclassed_model_calls():
    class Noisy(keras.Model):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.99)

        def call(self, inputs):
            return self.drop(inputs)

    model, x = Noisy(), np.ones((2, 1000), dtype="float32")
    np.testing.assert_array_equal(model.predict(x), x)
    assert (model(x, training=True).numpy() == 0).mean() > 0.9


def test_an_unknown_initializer_is_refused_by_name():
    class Bad(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="no_such_init")

        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match="unknown initializer 'no_such_init'"):
        Bad(name="bad")(np.zeros((1, 2)))
