"""model.summary() against Keras 3's own text, whole: the boxed table, its column widths and wrapping, the
"Connected to" and "Trainable" columns, nested models, and the totals with their sizes (and the optimizer's after
fit). Each model is built by one function on Keras 3 and on scratchgrad; every name is given, since Keras numbers
default names across a whole session."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers


def convnet(K, L):
    """Keras's MNIST convnet, 34,826 parameters."""
    return K.Sequential([
        K.Input(shape=(28, 28, 1)),
        L.Conv2D(32, kernel_size=(3, 3), activation="relu", name="conv2d"),
        L.MaxPooling2D(pool_size=(2, 2), name="max_pooling2d"),
        L.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2d_1"),
        L.MaxPooling2D(pool_size=(2, 2), name="max_pooling2d_1"),
        L.Flatten(name="flatten"),
        L.Dropout(0.5, name="dropout"),
        L.Dense(10, activation="softmax", name="dense"),
    ], name="sequential")


def shortcuts(K, L):
    """Residual shortcuts (Add, Concatenate of the input), a long name that wraps, two outputs."""
    inputs = K.Input(shape=(6, 6, 3), name="img")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inputs)
    y = L.BatchNormalization(name="bn")(L.Conv2D(4, 3, padding="same", name="c2")(x))
    z = L.Add(name="add")([x, y])
    w = L.Concatenate(name="concatenate")([z, inputs])
    pooled = L.GlobalAveragePooling2D(name="global_average_pooling2d")(w)
    scores = L.Dense(3, activation="softmax", name="head")(pooled)
    side = L.Dense(5, name="a_rather_long_layer_name_that_wraps")(pooled)
    return K.Model(inputs, [scores, L.Concatenate(name="both")([side, pooled])], name="res")


def chain(K, L):
    """The Functional guide's MLP: one line of layers, so no "Connected to"; its InputLayer is a row."""
    inputs = K.Input(shape=(784,), name="img")
    x = L.Dense(64, activation="relu", name="dense")(inputs)
    return K.Model(inputs, L.Dense(10, name="dense_1")(L.Dense(64, activation="relu", name="dense_2")(x)),
                   name="mnist_model")


def nested(K, L):
    """A frozen layer and a nested Sequential, for expand_nested and show_trainable."""
    inner = K.Sequential([K.Input(shape=(4,)), L.Dense(5, name="inner_dense"), L.Dense(2, name="inner_out")],
                         name="inner")
    model = K.Sequential([K.Input(shape=(8, 8, 3)), L.Conv2D(4, 3, name="conv"), L.GlobalAveragePooling2D(name="gap"),
                          inner], name="outer")
    model.get_layer("conv").trainable = False
    return model


def subclassed(K, L):
    class Classifier(K.Model):
        def __init__(self):
            super().__init__(name="classifier")
            self.hidden = L.Dense(8, activation="relu", name="hidden")
            self.norm = L.BatchNormalization(name="batch_normalization")
            self.flat = L.Flatten(name="flatten")
            self.out = L.Dense(2, name="out")

        def call(self, inputs, training=None):
            return self.out(self.flat(self.norm(self.hidden(inputs), training=training)))

    return Classifier()


def text(model, **options) -> str:
    calls: list[str] = []
    model.summary(print_fn=calls.append, **options)
    assert len(calls) == 1  # Keras 3 hands print_fn the whole table at once
    return calls[0]


@pytest.fixture
def console(monkeypatch):
    """A console 120 wide, whatever runs the tests: Keras's default width is min(88 or 108, columns - 4)."""
    monkeypatch.setenv("COLUMNS", "120")


CASES = {
    "sequential": (convnet, {}),
    "sequential narrow": (convnet, {"line_length": 50}),
    "sequential positions": (convnet, {"line_length": 70, "positions": [0.3, 0.6, 1.0]}),
    "functional shortcuts": (shortcuts, {}),
    "functional shortcuts narrow": (shortcuts, {"line_length": 76, "show_trainable": True}),
    "functional chain": (chain, {}),
    "nested": (nested, {"show_trainable": True}),
    "nested expanded": (nested, {"expand_nested": True, "show_trainable": True}),
    "layer range": (shortcuts, {"layer_range": ["c2", "concat.*"]}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_is_keras3_text(keras3, console, name):
    build, options = CASES[name]
    assert text(build(keras, layers), **options) == text(build(keras3, keras3.layers), **options)


def test_summary_follows_a_narrow_console(keras3, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert text(shortcuts(keras, layers)) == text(shortcuts(keras3, keras3.layers))


def test_the_mnist_convnet_summary_still_totals_34826():
    assert " Total params: 34,826 (136.04 KB)\n" in text(convnet(keras, layers))


OPTIMIZERS = {
    "adam": lambda K: "adam",
    "sgd": lambda K: "sgd",
    "sgd momentum": lambda K: K.optimizers.SGD(momentum=0.9),
    "rmsprop": lambda K: "rmsprop",
    "rmsprop centered momentum": lambda K: K.optimizers.RMSprop(momentum=0.5, centered=True),
    "nadam": lambda K: "nadam",
    "adagrad": lambda K: "adagrad",
    "adamax": lambda K: "adamax",
    "adam amsgrad scheduled": lambda K: K.optimizers.Adam(K.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9),
                                                          amsgrad=True),
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_subclassed_model_before_and_after_fit_with_the_optimizer_params(keras3, console, rng, optimizer):
    x, y = rng.standard_normal((40, 5)).astype("float32"), rng.standard_normal((40, 2)).astype("float32")
    ours, theirs = subclassed(keras, layers), subclassed(keras3, keras3.layers)
    assert text(ours) == text(theirs)  # every layer "?" and "0 (unbuilt)"
    for model, K in ((ours, keras), (theirs, keras3)):
        model.compile(optimizer=OPTIMIZERS[optimizer](K), loss="mse")
    assert text(ours) == text(theirs)  # compiled, not trained: no optimizer line yet
    for model in (ours, theirs):
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert " Optimizer params: " in text(ours)
    assert text(ours) == text(theirs)  # shapes of the first batch, as Keras builds on it


def test_a_layer_called_on_data_before_joining_a_sequential_model_shows_a_none_batch(keras3, console, rng):
    def build(K, L):
        dense = L.Dense(3, name="dense")
        dense(rng.standard_normal((5, 4)).astype("float32"))
        return K.Sequential([K.Input(shape=(4,)), dense], name="sequential")

    ours = text(build(keras, layers))
    assert "(None, 3)" in ours and ours == text(build(keras3, keras3.layers))


def test_an_unbuilt_sequential_model_lists_its_layers_unbuilt(keras3, console):
    def build(K, L):
        return K.Sequential([L.Dense(10, name="dense")], name="sequential")

    assert text(build(keras, layers)) == text(build(keras3, keras3.layers))


def test_summary_prints_the_same_text_without_print_fn(capsys, console):
    model = convnet(keras, layers)
    model.summary()
    assert capsys.readouterr().out == text(model)


def test_a_line_length_too_small_for_the_columns_is_refused_with_the_widths():
    with pytest.raises(ValueError, match=r"Insufficient console width.*line_length=10.*columns \[4, 4, 2\] wide"):
        convnet(keras, layers).summary(line_length=10)


def test_keras_rmsprop_keeps_only_the_arrays_keras_makes(rng):
    """Momentum and the mean gradient only when asked for, as Keras's variables (summary counts them)."""
    weight = np.zeros(3, "float32")
    assert set(keras.optimizers.RMSprop().init_state(weight)) == {"v"}
    assert set(keras.optimizers.RMSprop(momentum=0.5, centered=True).init_state(weight)) == {"v", "m", "g"}
