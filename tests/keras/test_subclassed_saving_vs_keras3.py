"""A subclassed model (``class M(keras.Model)`` registered with ``register_keras_serializable``), and a layer of
the user's class in a functional model, in a ``.keras`` file, both ways with Keras 3: the same config.json entry
and HDF5 layout, the same predictions; classes found only among registered and custom objects, and nothing from a
file run."""

from __future__ import annotations

import io
import json
import sys
import zipfile

import numpy as np
import pytest

from scratchgrad import keras

h5py = pytest.importorskip("h5py")  # .keras files hold their weights in HDF5


def define(K):
    """The same classes, for Keras 3 (K = keras) or for us, registered under the package "sg_test": a model whose
    layers sit in attributes, a list and a nested model, and a custom layer with weights of its own (a frozen one
    made first) and a layer of its own."""

    @K.saving.register_keras_serializable(package="sg_test")
    class Mix(K.layers.Layer):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.inner = K.layers.Dense(units)

        def build(self, input_shape):
            self.shift = self.add_weight(shape=(self.units,), initializer="zeros", trainable=False, name="shift")
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="w")

        def call(self, x):
            return x @ self.w + self.inner(x) + self.shift

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @K.saving.register_keras_serializable(package="sg_test")
    class Head(K.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.norm = K.layers.BatchNormalization()
            self.dense = K.layers.Dense(units, activation="softmax")

        def call(self, x, training=None):
            return self.dense(self.norm(x, training=training))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @K.saving.register_keras_serializable(package="sg_test")
    class Net(K.Model):
        def __init__(self, hidden=8, classes=3, **kwargs):
            super().__init__(**kwargs)
            self.hidden, self.classes = hidden, classes
            self.dense1 = K.layers.Dense(hidden, activation="relu")
            self.drop = K.layers.Dropout(0.3)
            self.blocks = [K.layers.Dense(4), K.layers.Dense(4, activation="tanh")]
            self.out = K.layers.Dense(5)  # first reached through `layers`, as Keras walks attributes in order
            self.mix = Mix(5)
            self.head = Head(classes)

        def call(self, x, training=None):
            h = self.drop(self.dense1(x), training=training)
            for block in self.blocks:
                h = block(h)
            return self.head(self.mix(self.out(h)), training=training)

        def get_config(self):
            return {**super().get_config(), "hidden": self.hidden, "classes": self.classes}

    return Net


X = np.random.default_rng(0).standard_normal((6, 7)).astype("float32")


def made(K, seed=1):
    model = define(K)(hidden=8, classes=3, name="net")
    model(X[:2])
    rng = np.random.default_rng(seed)  # positive, so moving variances stay valid
    model.set_weights([np.abs(rng.standard_normal(w.shape)).astype("float32") * 0.5 for w in model.get_weights()])
    return model


def contents(path):
    """config.json's entry and {HDF5 dataset path: shape} of a .keras file."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    shapes = {}
    h5.visititems(lambda name, obj: shapes.update({name: obj.shape}) if isinstance(obj, h5py.Dataset) else None)
    return config, shapes


def test_a_subclassed_model_saved_here_is_keras3s_file_and_loads_there(keras3, tmp_path):
    ours, theirs = made(keras), made(keras3)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    config, shapes = contents(tmp_path / "ours.keras")
    expected, expected_shapes = contents(tmp_path / "theirs.keras")
    assert shapes == expected_shapes  # blocks/dense, head/layers/batch_normalization, layers/mix/inner, ...
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    for key in ("class_name", "registered_name", "config"):
        assert config[key] == expected[key], key
    assert config["registered_name"] == "sg_test>Net"
    loaded = keras3.models.load_model(tmp_path / "ours.keras")
    assert type(loaded).__name__ == "Net"
    np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)), ours.predict(X), rtol=1e-5, atol=1e-5)


def test_a_subclassed_model_saved_by_keras3_loads_here(keras3, tmp_path):
    theirs = made(keras3, seed=2)
    theirs.save(tmp_path / "theirs.keras")
    loaded = keras.models.load_model(tmp_path / "theirs.keras")
    assert type(loaded).__name__ == "Net" and isinstance(loaded, keras.Model)
    assert (loaded.hidden, loaded.classes, loaded.name) == (8, 3, "net")
    np.testing.assert_allclose(loaded.predict(X), np.asarray(theirs.predict(X, verbose=0)), rtol=1e-5, atol=1e-5)


def test_here_and_back_keeps_the_predictions_and_trains_the_listed_layers(tmp_path):
    model = made(keras, seed=3)
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1", "dense_2", "dense_3", "mix",
                                                      "head"]
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    before = [w.copy() for w in model.blocks[0].get_weights()]
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(X, np.arange(6) % 3, epochs=1, verbose=0)
    assert not np.allclose(model.blocks[0].get_weights()[0], before[0])  # a list's layers are the model's


class Plain(keras.Model):
    """Not registered; no get_config: its plain __init__ arguments are its config, as in Keras."""

    def __init__(self, units=2, scale=1.5, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x) * self.scale


def test_an_unregistered_class_loads_only_from_custom_objects_or_a_scope(tmp_path):
    model = Plain(units=3, scale=2.0, name="plain")
    model(X[:1])
    model.save(tmp_path / "p.keras")
    config, _ = contents(tmp_path / "p.keras")
    assert config["registered_name"] == "Plain" and config["config"]["units"] == 3
    assert config["config"]["scale"] == 2.0 and config["module"] == __name__
    with pytest.raises(TypeError, match="Could not locate class 'Plain'"):
        keras.models.load_model(tmp_path / "p.keras")
    loaded = keras.models.load_model(tmp_path / "p.keras", custom_objects={"Plain": Plain})
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with keras.saving.custom_object_scope({"Plain": Plain}):
        assert keras.saving.get_registered_object("Plain") is Plain
        assert isinstance(keras.models.load_model(tmp_path / "p.keras"), Plain)
    assert keras.saving.get_registered_object("Plain") is None and "Plain" not in keras.saving.get_custom_objects()
    keras.saving.get_custom_objects()["Plain"] = Plain  # adding to the registry registers
    try:
        assert keras.models.load_model(tmp_path / "p.keras").scale == 2.0
    finally:
        del keras.saving.get_custom_objects()["Plain"]


def test_registration_names_the_class_by_package(keras3):
    Net = define(keras)
    assert keras.saving.get_registered_name(Net) == "sg_test>Net" == keras3.saving.get_registered_name(define(keras3))
    assert keras.saving.get_custom_objects()["sg_test>Net"] is Net
    assert keras.saving.get_registered_name(Plain) == "Plain"
    with pytest.raises(ValueError, match="class Thing has no get_config"):
        keras.saving.register_keras_serializable()(type("Thing", (), {}))


def test_a_file_naming_a_module_runs_nothing_from_it(tmp_path, monkeypatch):
    """The module a file names is never imported: a class is found only among registered and custom objects."""
    (tmp_path / "sg_payload.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\nclass Evil: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = {"module": "sg_payload", "class_name": "Evil", "registered_name": "sg_payload>Evil",
             "config": {"name": "evil"}, "build_config": {"input_shape": [None, 3]}}
    with zipfile.ZipFile(tmp_path / "evil.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(entry))
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(TypeError, match="Could not locate class 'Evil'"):
        keras.models.load_model(tmp_path / "evil.keras")
    assert not (tmp_path / "ran").exists() and "sg_payload" not in sys.modules


def test_a_registered_class_that_is_not_a_model_is_refused(tmp_path):
    model = Plain(name="p")
    model(X[:1])
    model.save(tmp_path / "p.keras")
    with pytest.raises(TypeError, match="is not a keras.Model or keras.layers.Layer class"):
        keras.models.load_model(tmp_path / "p.keras", custom_objects={"Plain": dict})


def test_a_registered_layer_in_a_functional_model_goes_both_ways(keras3, tmp_path):
    """A layer of the user's class (found through the registry) in a functional model's config.json."""
    files = {}
    for K, side in ((keras, "ours"), (keras3, "theirs")):
        define(K)
        inputs = K.Input((7,))
        mix = K.saving.get_registered_object("sg_test>Mix")(5, name="mix")
        model = K.Model(inputs, K.layers.Dense(2)(mix(inputs)), name="fun")
        rng = np.random.default_rng(4)
        model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
        model.save(tmp_path / f"{side}.keras")
        files[side] = model
    config, shapes = contents(tmp_path / "ours.keras")
    expected, expected_shapes = contents(tmp_path / "theirs.keras")
    assert shapes == expected_shapes  # layers/mix/vars, layers/mix/inner/vars, layers/dense/vars
    mine, theirs = config["config"]["layers"][1], expected["config"]["layers"][1]
    assert (mine["class_name"], mine["registered_name"], mine["config"]["units"]) == ("Mix", "sg_test>Mix", 5)
    assert (mine["class_name"], mine["registered_name"]) == (theirs["class_name"], theirs["registered_name"])
    for loader, other, side in ((keras3, files["ours"], "ours"), (keras, files["theirs"], "theirs")):
        loaded = loader.models.load_model(tmp_path / f"{side}.keras")
        np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)), np.asarray(other.predict(X, verbose=0)),
                                   rtol=1e-5, atol=1e-5)


def test_get_config_and_from_config_make_each_kind_of_model_again():
    inputs = keras.Input((7,))
    models = [keras.Sequential([keras.Input((7,)), keras.layers.Dense(2)], name="seq"),
              keras.Model(inputs, keras.layers.Dense(2)(inputs), name="fun"), Plain(units=4, scale=3.0, name="p")]
    for model in models:
        model(X[:1])
        again = type(model).from_config(model.get_config())
        assert type(again) is type(model) and again.name == model.name
        again(X[:1])
        assert [w.shape for w in again.get_weights()] == [w.shape for w in model.get_weights()]
    assert models[2].get_config()["scale"] == 3.0
    with pytest.raises(ValueError, match="dtype must be 'float32'"):
        Plain(dtype="float64")
    with pytest.raises(TypeError, match=r"Plain.from_config: Plain\(\*\*config\) failed"):
        Plain.from_config({"units": 2, "colour": "red"})
