"""fit and evaluate on generators and PyDatasets, and train_on_batch / test_on_batch / predict_on_batch,
against Keras 3 with the same weights and plain SGD."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import keras


def pair(keras3):
    models = []
    for K in (keras3, keras):
        model = K.Sequential([K.Input(shape=(4,)), K.layers.Dense(6, activation="relu"),
                              K.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=K.optimizers.SGD(0.2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        models.append(model)
    rng = np.random.default_rng(5)
    models[1].set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in models[1].get_weights()])
    models[0].set_weights(models[1].get_weights())
    return models


def data():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((48, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 2] > 0.5).astype("int64")


def generator(x, y, size=8):
    while True:  # endless, as Keras's examples write them: steps_per_epoch says where an epoch ends
        for i in range(0, len(x), size):
            yield x[i : i + size], y[i : i + size]


def dataset(K, x, y):
    class Batches(K.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs = 0

        def __len__(self):
            return len(x) // 12

        def __getitem__(self, i):
            return x[i * 12 : (i + 1) * 12], y[i * 12 : (i + 1) * 12]

        def on_epoch_end(self):
            self.epochs += 1

    return Batches()


def test_fit_on_a_generator_with_steps_per_epoch(keras3):
    x, y = data()
    histories = [m.fit(generator(x, y), steps_per_epoch=6, epochs=3, verbose=0,
                       validation_data=generator(x[:16], y[:16]), validation_steps=2).history for m in pair(keras3)]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-5, err_msg=key)


def test_fit_and_evaluate_on_a_pydataset(keras3):
    x, y = data()
    results = []
    for K, model in zip((keras3, keras), pair(keras3)):
        batches = dataset(K, x, y)
        history = model.fit(batches, epochs=2, shuffle=False, verbose=0).history
        results.append((history["loss"], model.evaluate(dataset(K, x, y), verbose=0), batches.epochs))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-5)
    assert results[1][2] >= 2  # on_epoch_end ran after each epoch


def test_the_one_batch_methods(keras3):
    x, y = data()
    theirs, ours = pair(keras3)
    for i in range(3):
        batch = slice(i * 16, (i + 1) * 16)
        np.testing.assert_allclose(ours.train_on_batch(x[batch], y[batch]),
                                   theirs.train_on_batch(x[batch], y[batch]), rtol=1e-5)
    np.testing.assert_allclose(ours.test_on_batch(x, y), theirs.test_on_batch(x, y), rtol=1e-5)
    np.testing.assert_allclose(ours.predict_on_batch(x[:5]), np.asarray(theirs.predict_on_batch(x[:5])), rtol=1e-5,
                               atol=1e-6)


def test_a_generator_without_steps_or_running_dry_is_one_clear_error():
    x, y = data()
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="a generator has no length; pass steps_per_epoch"):
        model.fit(generator(x, y), epochs=1, verbose=0)
    finite = ((x[i : i + 8], y[i : i + 8]) for i in range(0, 16, 8))
    with pytest.raises(ValueError, match="the generator ran out of batches"):
        model.fit(finite, steps_per_epoch=2, epochs=2, verbose=0)


@pytest.mark.parametrize("weights", ["sample_weight", "class_weight"])
def test_sample_and_class_weights_weigh_the_loss_as_keras3(keras3, weights):
    x, y = data()
    kwargs = {"sample_weight": np.linspace(0.2, 2.0, len(x)).astype("float32")} if weights == "sample_weight" \
        else {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}
    histories = [m.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, validation_split=0.25,
                       **kwargs).history for m in pair(keras3)]
    for key in ("loss", "val_loss", "accuracy"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-5, err_msg=key)


def test_sample_and_class_weights_together_are_refused_as_keras3_does(keras3):
    x, y = data()
    for model in pair(keras3):
        with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight` at the same time"):
            model.fit(x, y, sample_weight=np.ones(len(x)), class_weight={0: 1, 1: 1, 2: 1}, verbose=0)


def test_a_loss_object_takes_sample_weights(keras3):
    y_true, y_pred = np.array([0, 2, 1]), np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4]], "float32")
    w = np.array([1.0, 0.0, 2.0], "float32")
    theirs = keras3.losses.SparseCategoricalCrossentropy()(y_true, y_pred, sample_weight=w)
    ours = keras.losses.SparseCategoricalCrossentropy()(y_true, y_pred, sample_weight=w)
    assert float(ours.item()) == pytest.approx(float(np.asarray(theirs)), rel=1e-6)
