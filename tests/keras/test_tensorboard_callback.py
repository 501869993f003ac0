"""keras.callbacks.TensorBoard: event files that TensorBoard's own reader reads back as Keras lays them out."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def read(folder) -> EventAccumulator:
    return EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0}).Reload()


def test_fit_writes_train_and_validation_runs_with_keras_tags(tmp_path, rng):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="relu", name="hidden"),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = rng.standard_normal((40, 3)).astype("float32"), rng.integers(0, 2, 40)
    history = model.fit(x, y, batch_size=10, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, update_freq=2)])
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"} <= set(train.Tags()["scalars"])
    assert set(validation.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy"}
    for run, prefix in ((train, ""), (validation, "val_")):
        events = run.Scalars("epoch_loss")
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose([e.value for e in events], history.history[prefix + "loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("batch_loss")] == [2, 4, 6, 8]  # 3 batches of 10 a epoch, 3 epochs
    assert len(train.Histograms("hidden/0")) == 3


def test_a_bad_update_freq_is_refused():
    with pytest.raises(ValueError, match='update_freq must be "epoch", "batch" or a positive int'):
        keras.callbacks.TensorBoard(update_freq="sometimes")
