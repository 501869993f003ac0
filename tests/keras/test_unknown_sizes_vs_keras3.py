"""keras.Input with None sizes, against Keras 3: the model builds, its summary shows None where Keras does, and
fit and predict take batches whose sizes differ from call to call, with Keras's outputs; a layer that needs the
unknown size for its weights is refused in Keras's words, naming the layer."""

from __future__ import annotations

import numpy as np
import pytest
from test_summary_vs_keras3 import text

from scratchgrad import keras
from scratchgrad.keras import layers


def any_size_convnet(K, L):
    """Images of any height and width: "same" padding with stride 2 (whose padding depends on the size), pooling,
    batch norm, then global pooling to a fixed size for the classifier. Average pooling keeps its padding even:
    where it is uneven Keras's torch backend averages replicated edge values, its TensorFlow backend (and this
    face) only the real inputs."""
    return K.Sequential([
        K.Input(shape=(None, None, 3)),
        L.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="conv"),
        L.MaxPooling2D(2, padding="same", name="pool"),
        L.Conv2D(8, 2, name="conv_1"),
        L.BatchNormalization(name="bn"),
        L.AveragePooling2D(3, strides=1, padding="same", name="avg"),  # even padding: see below
        L.GlobalAveragePooling2D(name="gap"),
        L.Dense(3, activation="softmax", name="head"),
    ], name="any_size")


def sequences(K, L):
    """(None, 16): steps of 16 features, as many steps as the data has; Dense acts on the last axis."""
    inputs = K.Input(shape=(None, 16), name="steps")
    x = L.Dense(8, activation="relu", name="dense")(inputs)
    x = L.LayerNormalization(name="norm")(x)
    return K.Model(inputs, L.Dense(2, name="out")(x), name="per_step")


def tokens(K, L):
    """(None,): token ids of any length."""
    inputs = K.Input(shape=(None,), name="ids")
    return K.Model(inputs, L.Dense(3, name="out")(L.Embedding(20, 4, name="embed")(inputs)), name="tokens")


@pytest.fixture(autouse=True)
def console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")


def twins(keras3, build):
    theirs, ours = build(keras3, keras3.layers), build(keras, layers)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def assert_same_predictions(ours, theirs, x) -> None:
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_a_convnet_on_images_of_any_size_matches_keras3(keras3, rng):
    ours, theirs = twins(keras3, any_size_convnet)
    assert text(ours) == text(theirs)  # (None, None, None, 6) ... (None, 3)
    for height, width in [(16, 16), (23, 19), (9, 12)]:
        assert_same_predictions(ours, theirs, rng.standard_normal((5, height, width, 3)).astype("float32"))


def test_fit_on_one_size_then_predict_on_others_as_keras3(keras3, rng):
    ours, theirs = twins(keras3, any_size_convnet)
    x, y = rng.standard_normal((12, 14, 14, 3)).astype("float32"), rng.integers(0, 3, 12)
    losses = []
    for model, K in ((ours, keras), (theirs, keras3)):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        losses.append(model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):  # moving statistics included
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert_same_predictions(ours, theirs, rng.standard_normal((3, 21, 17, 3)).astype("float32"))


def test_steps_of_known_features_match_keras3(keras3, rng):
    ours, theirs = twins(keras3, sequences)
    assert text(ours) == text(theirs)  # (None, None, 16) -> (None, None, 8) -> (None, None, 2)
    for steps in (1, 4, 9):
        assert_same_predictions(ours, theirs, rng.standard_normal((3, steps, 16)).astype("float32"))


def test_token_ids_of_any_length_match_keras3(keras3, rng):
    ours, theirs = twins(keras3, tokens)
    assert text(ours) == text(theirs)
    for length in (2, 7):
        assert_same_predictions(ours, theirs, rng.integers(0, 20, (4, length)))


def test_predict_on_no_samples_gives_an_empty_array():
    assert sequences(keras, layers).predict(np.zeros((0, 4, 16), "float32")).shape == (0, 0, 2)


def test_flatten_then_dense_over_an_unknown_size_is_refused_in_keras_words(keras3):
    def build(K, L):
        return L.Dense(2, name="fc")(L.Flatten(name="flat")(K.Input(shape=(None, None, 3))))

    with pytest.raises(ValueError) as theirs:
        build(keras3, keras3.layers)
    with pytest.raises(ValueError) as ours:
        build(keras, layers)
    assert str(ours.value).startswith(str(theirs.value))  # ...variable path='fc/kernel'
    assert 'Layer "fc" (Dense) received input shape (None, None)' in str(ours.value)
    assert 'The input comes from layer "flat"' in str(ours.value)


def test_a_layer_that_needs_every_size_names_itself():
    with pytest.raises(ValueError, match=r'Layer "grid" \(Reshape\) needs every input size known.*\(None, None, 3\)'):
        keras.Sequential([keras.Input(shape=(None, 3)), layers.Reshape((4, 3), name="grid")])


def test_data_of_another_rank_or_channel_count_is_still_refused():
    model = any_size_convnet(keras, layers)
    with pytest.raises(ValueError, match=r"expected shape=\(None, None, None, 3\), found shape=\(2, 8, 8, 4\)"):
        model.predict(np.zeros((2, 8, 8, 4), "float32"))
