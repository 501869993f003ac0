""".keras files both ways with Keras 3: a model saved by Keras 3 loads here and predicts the same, one saved here
loads in Keras 3 and predicts the same (Sequential, functional, an Add shortcut); .weights.h5 files; bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers

pytest.importorskip("h5py")  # .keras and .weights.h5 files hold their weights in HDF5


def sequential(K, L):
    return K.Sequential([
        K.Input(shape=(8, 8, 2)),
        L.Conv2D(4, 3, activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dropout(0.5),
        L.Dense(3, activation="softmax"),
    ], name="seq")


def functional(K, L):
    a, b = K.Input(shape=(5,), name="a"), K.Input(shape=(3,), name="b")
    x = L.Dense(4, activation="tanh")(a)
    y = L.concatenate([x, b])
    return K.Model([a, b], [L.Dense(2)(y), L.Dense(1, activation="sigmoid")(y)], name="fun")


def shortcut(K, L):
    inputs = K.Input(shape=(6, 6, 3))
    x = L.Conv2D(3, 3, padding="same", activation="relu")(inputs)
    x = L.Conv2D(3, 3, padding="same")(x)
    x = L.Activation("relu")(L.Add()([x, inputs]))
    x = L.GlobalAveragePooling2D()(L.AveragePooling2D(2)(x))
    return K.Model(inputs, L.Dense(4, activation="softmax")(x), name="res")


def data(model, rng):
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    arrays = [rng.standard_normal((4, *s)).astype("float32") for s in shapes]
    return arrays if len(arrays) > 1 else arrays[0]


def outputs(y):
    return [np.asarray(v) for v in (y if isinstance(y, list) else [y])]


def randomised(model, rng):
    """Weights far from their initial values (positive, so moving variances stay valid)."""
    model.set_weights([np.abs(rng.standard_normal(w.shape)).astype("float32") * 0.5 for w in model.get_weights()])
    return model


@pytest.mark.parametrize("build", [sequential, functional, shortcut])
def test_a_file_saved_by_keras3_loads_and_predicts_the_same(keras3, rng, tmp_path, build):
    theirs = randomised(build(keras3, keras3.layers), rng)
    theirs.save(tmp_path / "m.keras")
    ours = keras.models.load_model(tmp_path / "m.keras")
    x = data(theirs, rng)
    for e, g in zip(outputs(theirs.predict(x, verbose=0)), outputs(ours.predict(x))):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params() and ours.name == theirs.name


@pytest.mark.parametrize("build", [sequential, functional, shortcut])
def test_a_file_saved_here_loads_in_keras3_and_predicts_the_same(keras3, rng, tmp_path, build):
    ours = randomised(build(keras, layers), rng)
    ours.save(tmp_path / "m.keras")
    assert set(zipfile.ZipFile(tmp_path / "m.keras").namelist()) == {"config.json", "metadata.json",
                                                                      "model.weights.h5"}
    theirs = keras3.models.load_model(tmp_path / "m.keras")
    x = data(theirs, rng)
    for e, g in zip(outputs(ours.predict(x)), outputs(theirs.predict(x, verbose=0))):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    again = keras.models.load_model(tmp_path / "m.keras")
    for e, g in zip(outputs(ours.predict(x)), outputs(again.predict(x))):
        np.testing.assert_array_equal(g, e)


def test_weights_files_go_both_ways(keras3, rng, tmp_path):
    theirs, ours = randomised(shortcut(keras3, keras3.layers), rng), shortcut(keras, layers)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.load_weights(tmp_path / "k.weights.h5")
    x = data(theirs, rng)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    randomised(ours, rng).save_weights(tmp_path / "s.weights.h5")
    theirs.load_weights(tmp_path / "s.weights.h5")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x), rtol=1e-5, atol=1e-6)


def rewrite(path, edit) -> None:
    """``path``'s config.json changed by ``edit(config)``, the rest of the zip as it was."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    edit(config)
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, blob in files.items():
            archive.writestr(name, blob)


def test_an_unknown_layer_or_a_lambda_is_refused_by_name(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, name="d")])
    model.save(tmp_path / "m.keras")
    rewrite(tmp_path / "m.keras", lambda c: c["config"]["layers"][1].update(class_name="Frobnicate"))
    with pytest.raises(ValueError, match="Could not locate class 'Frobnicate' \\(layer 'd'\\)"):
        keras.models.load_model(tmp_path / "m.keras")
    rewrite(tmp_path / "m.keras", lambda c: c["config"]["layers"][1].update(
        class_name="Lambda", config={"name": "d", "function": {"class_name": "__lambda__", "config": {"code": "x"}}}))
    with pytest.raises(ValueError, match='"d" is a Lambda layer.*never loaded'):
        keras.models.load_model(tmp_path / "m.keras")


def test_unsupported_arguments_are_refused_not_ignored(tmp_path):
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, name="c")])
    model.save(tmp_path / "m.keras")
    rewrite(tmp_path / "m.keras", lambda c: c["config"]["layers"][1]["config"].update(dilation_rate=[2, 2]))
    with pytest.raises(ValueError, match=r'"c" \(Conv2D\) sets dilation_rate=\[2, 2\]'):
        keras.models.load_model(tmp_path / "m.keras")


def test_bad_files_are_one_clear_error(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    blob = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="cut.keras is not a .keras file.*truncated"):
        keras.models.load_model(tmp_path / "cut.keras")
    (tmp_path / "text.keras").write_text("not a zip")
    with pytest.raises(ValueError, match="text.keras is not a .keras file"):
        keras.models.load_model(tmp_path / "text.keras")
    with pytest.raises(ValueError, match="must end in .keras"):
        model.save(tmp_path / "m.h5")


def test_a_subclassed_model_saves_and_loads_its_weights_alone(tmp_path, rng):
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(np.zeros((1, 3)))
    model.save_weights(tmp_path / "t.weights.h5")
    other = Tiny()
    other(np.zeros((1, 3)))
    other.load_weights(tmp_path / "t.weights.h5")
    x = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_fit_refuses_x_and_y_of_different_lengths():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="x sizes: 4, y sizes: 3"):
        model.fit(np.zeros((4, 3)), np.zeros((3, 2)), verbose=0)


def many_layers(K, L):
    inputs = K.Input(shape=(6, 6, 2))
    x = L.Rescaling(0.5, offset=0.1)(inputs)
    x = L.ZeroPadding2D(1)(x)
    x = L.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = L.SeparableConv2D(3, 3, padding="same")(x)
    x = L.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
    x = L.Cropping2D(((1, 1), (2, 0)))(x)
    x = L.UpSampling2D(2)(x)
    x = L.LayerNormalization()(x)
    x = L.PReLU()(L.LeakyReLU()(x))
    x = L.GlobalMaxPooling2D()(x)
    x = L.Softmax()(L.Dense(3)(L.Identity()(x)))
    return K.Model(inputs, x, name="many")


@pytest.mark.parametrize("direction", ["keras3_to_ours", "ours_to_keras3"])
def test_the_other_layers_go_through_files_both_ways(keras3, rng, tmp_path, direction):
    source = (keras3, keras3.layers) if direction == "keras3_to_ours" else (keras, layers)
    model = randomised(many_layers(*source), rng)
    model.save(tmp_path / "m.keras")
    loaded = (keras if source[0] is keras3 else keras3).models.load_model(tmp_path / "m.keras")
    x = data(model, rng)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0) if loaded.__module__.startswith("keras")
                                          else loaded.predict(x)),
                               np.asarray(model.predict(x, verbose=0) if source[0] is keras3 else model.predict(x)),
                               rtol=1e-4, atol=1e-5)


def test_a_model_keras3_saved_compiled_comes_back_compiled(keras3, rng, tmp_path):
    theirs = sequential(keras3, keras3.layers)
    theirs.compile(optimizer=keras3.optimizers.SGD(learning_rate=0.05, momentum=0.5),
                   loss=keras3.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    theirs.save(tmp_path / "m.keras")
    ours = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(ours.optimizer, keras.optimizers.SGD) and ours.optimizer.learning_rate == pytest.approx(0.05)
    assert ours.optimizer.hyper["momentum"] == 0.5 and isinstance(ours.loss, keras.losses.SparseCategoricalCrossentropy)
    x, y = rng.standard_normal((16, 8, 8, 2)).astype("float32"), rng.integers(0, 3, 16)
    assert set(ours.fit(x, y, epochs=1, verbose=0).history) == {"loss", "accuracy"}
    assert keras.models.load_model(tmp_path / "m.keras", compile=False).loss is None
