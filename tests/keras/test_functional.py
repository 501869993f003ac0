"""keras.Model(inputs, outputs): graphs of several inputs and outputs, shared layers, nested models and the merge
layers, each built by one function on Keras 3 and on scratchgrad and compared with the same weights."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers


def residual(K, L):
    """A toy residual block: conv, conv, Add shortcut, Concatenate on channels, pooling, two outputs."""
    inputs = K.Input(shape=(6, 6, 3), name="img")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inputs)
    y = L.Conv2D(4, 3, padding="same", name="c2")(x)
    z = L.add([x, y])
    w = L.concatenate([z, inputs])
    pooled = L.GlobalAveragePooling2D()(w)
    scores = L.Dense(3, activation="softmax", name="head")(pooled)
    flat = L.Flatten()(L.MaxPooling2D(2)(w))
    return K.Model(inputs, [scores, flat], name="res")


def two_inputs(K, L):
    """Two inputs (a dict), a shared Dense, Subtract / Multiply / Average / Maximum, a nested model."""
    a, b = K.Input(shape=(5,), name="a"), K.Input(shape=(5,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    sa, sb = shared(a), shared(b)
    inner_in = K.Input(shape=(4,))
    inner = K.Model(inner_in, L.Dense(2, name="inner_dense")(inner_in), name="inner")
    merged = [L.Subtract()([sa, sb]), L.Multiply()([sa, sb]), L.Average()([sa, sb]), L.Maximum()([sa, sb])]
    out = L.Concatenate()([inner(m) for m in merged])
    return K.Model({"a": a, "b": b}, out, name="pair")


def copy_weights(source, target) -> None:
    """Every Keras 3 layer's weights into the scratchgrad layer of the same name (nested models included)."""
    for layer in source.layers:
        if hasattr(layer, "layers"):
            copy_weights(layer, target.get_layer(layer.name))
        elif layer.get_weights():
            target.get_layer(layer.name).set_weights(layer.get_weights())


@pytest.mark.parametrize("build, data", [
    (residual, lambda rng: rng.standard_normal((5, 6, 6, 3)).astype("float32")),
    (two_inputs, lambda rng: {k: rng.standard_normal((5, 5)).astype("float32") for k in "ab"}),
])
def test_functional_models_predict_as_keras3_does(keras3, rng, build, data):
    theirs, ours = build(keras3, keras3.layers), build(keras, layers)
    copy_weights(theirs, ours)
    x = data(rng)
    expected, got = theirs.predict(x, verbose=0), ours.predict(x)
    for e, g in zip(expected if isinstance(expected, list) else [expected], got if isinstance(got, list) else [got]):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()


def test_structure_inputs_outputs_and_get_layer():
    model = residual(keras, layers)
    assert [t.shape for t in model.outputs] == [(None, 3), (None, 63)]
    assert model.inputs[0].shape == (None, 6, 6, 3) and model.output_shape == [(None, 3), (None, 63)]
    assert model.get_layer("c2").output_shape == (None, 6, 6, 4)
    assert isinstance(model.layers[0], layers.InputLayer) and model.layers[0].name == "img"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")


def test_the_guides_first_model_trains_and_its_summary_connects_layers(rng):
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    assert model.count_params() == 55050 and model.is_chain
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="rmsprop",
                  metrics=["accuracy"])
    x_train, y_train = rng.random((64, 784)).astype("float32"), rng.integers(0, 10, 64)
    history = model.fit(x_train, y_train, batch_size=16, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    lines: list[str] = []
    residual(keras, layers).summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "c1[0][0]" in text and "img[0][0]" in text


def test_fit_of_a_functional_model_matches_a_sequential_one(rng):
    seq = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dense(3, "softmax")])
    inputs = keras.Input(shape=(4,))
    fun = keras.Model(inputs, layers.Dense(3, "softmax")(layers.Dense(8, activation="relu")(inputs)))
    fun.set_weights(seq.get_weights())
    x, y = rng.random((32, 4)).astype("float32"), rng.integers(0, 3, 32)
    histories = []
    for model in (seq, fun):
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        histories.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-6)


def test_sequential_is_a_model_and_nests_in_a_functional_one(rng):
    block = keras.Sequential([layers.Dense(3, activation="relu", input_shape=(2,))], name="block")
    assert isinstance(block, keras.Model)
    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, layers.Dense(1)(block(inputs)))
    x = rng.random((4, 2)).astype("float32")
    expected = block.predict(x) @ model.layers[-1].get_weights()[0] + model.layers[-1].get_weights()[1]
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-6)
    assert len(list(model.parameters())) == 4


def test_errors_name_the_layer_and_what_it_received():
    inputs = keras.Input(shape=(8,))
    dense = layers.Dense(4, name="fc")(inputs)
    with pytest.raises(ValueError, match=r'layer "conv".*expected ndim=4, found ndim=2.*from layer "fc"'):
        layers.Conv2D(2, 3, name="conv")(dense)
    with pytest.raises(ValueError, match=r'Layer "fc2" expects its input to be a tensor.*received: \'abc\''):
        layers.Dense(2, name="fc2")("abc")
    with pytest.raises(ValueError, match=r"same shape.*\(None, 4\), \(None, 8\)"):
        layers.add([dense, inputs])
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layers.Add()(dense)
    with pytest.raises(ValueError, match="expects 1 input, but it received 2"):
        layers.Dense(2)([dense, dense])


def test_outputs_that_do_not_depend_on_the_inputs_are_refused():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(3,), name="b")
    out = layers.Dense(2)(b)
    with pytest.raises(ValueError, match='Graph disconnected.*layer "b"'):
        keras.Model(a, out)
    with pytest.raises(ValueError, match="must be KerasTensors"):
        keras.Model(a, np.zeros(3))


def test_wrong_input_data_is_refused_in_keras_words():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    model = keras.Model([a, b], layers.concatenate([a, b]))
    with pytest.raises(ValueError, match="expects 2 input"):
        model.predict(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"Input 1 of layer .* expected shape=\(None, 2\), found shape=\(1, 5\)"):
        model.predict([np.zeros((1, 3)), np.zeros((1, 5))])
    np.testing.assert_array_equal(model.predict({"a": np.ones((1, 3)), "b": np.zeros((1, 2))}), [[1, 1, 1, 0, 0]])


def test_plot_model_draws_every_connection(tmp_path):
    model = residual(keras, layers)
    graph = keras.utils.plot_model(model, to_file=tmp_path / "model.dot", show_shapes=True)
    text = (tmp_path / "model.dot").read_text()
    assert text == graph.source and text.count("->") == 10 and "c1 (Conv2D)" in text and "(None, 6, 6, 4)" in text
    if shutil.which("dot"):
        keras.utils.plot_model(model, to_file=tmp_path / "model.svg")
        assert (tmp_path / "model.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
