"""Keras's callbacks against Keras 3: the same model, weights, data and plain SGD (whose steps match exactly) run
with each callback on both, and what the callback decides (learning rates, files, the stopping epoch, the
restored weights) must be the same."""

from __future__ import annotations

import contextlib
import csv
import io
import re

import numpy as np
import pytest

from scratchgrad import keras


def lr_of(model) -> float:
    return float(np.asarray(model.optimizer.learning_rate))


def pair(keras3, lr=0.5, seed=0):
    """The same small classifier on Keras 3 and here, with equal weights, compiled alike."""
    models = []
    for K in (keras3, keras):
        model = K.Sequential([K.Input(shape=(4,)), K.layers.Dense(8, activation="relu"),
                              K.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=K.optimizers.SGD(learning_rate=lr), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        models.append(model)
    rng = np.random.default_rng(seed)
    # Small weights: no probability reaches Keras's 1e-7 clip, where its loss and ours (on the logits) part.
    models[1].set_weights([0.3 * rng.standard_normal(w.shape).astype("float32") for w in models[1].get_weights()])
    models[0].set_weights(models[1].get_weights())
    return models


def data(seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    return x[:48], y[:48], (x[48:], y[48:])


def fit_both(keras3, make_callbacks, epochs=6, lr=0.5):
    """Fit both models with the callbacks ``make_callbacks(K, model)`` gives; returns both models and histories."""
    x, y, val = data()
    out = []
    for K, model in zip((keras3, keras), pair(keras3, lr)):
        history = model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, validation_data=val, verbose=0,
                            callbacks=make_callbacks(K, model))
        out.append((model, history.history))
    return out


def assert_same_run(runs) -> None:
    (theirs, h_theirs), (ours, h_ours) = runs
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-4)
    np.testing.assert_allclose(h_ours["val_loss"], h_theirs["val_loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_reduce_lr_on_plateau_and_lambda_callback(keras3):
    traces: dict[str, list[float]] = {}

    def make(K, model):
        trace = traces.setdefault(K.__name__, [])
        return [K.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_delta=0.02, cooldown=1),
                K.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: trace.append(lr_of(model)))]

    runs = fit_both(keras3, make, epochs=8)
    assert_same_run(runs)
    np.testing.assert_allclose(traces["scratchgrad.keras"], traces["keras"], rtol=1e-6)
    assert min(traces["keras"]) < 0.5  # the plateau was reached: the test saw a reduction


def test_learning_rate_scheduler(keras3):
    runs = fit_both(keras3, lambda K, m: [K.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5 if e >= 2 else lr)])
    assert_same_run(runs)
    assert lr_of(runs[1][0]) == pytest.approx(lr_of(runs[0][0])) == pytest.approx(0.5 * 0.5 ** 4)


def test_csv_logger(keras3, tmp_path):
    runs = fit_both(keras3, lambda K, m: [K.callbacks.CSVLogger(tmp_path / f"{K.__name__}.csv")], epochs=3)
    assert_same_run(runs)
    rows = {name: list(csv.DictReader(open(tmp_path / f"{name}.csv"))) for name in ("keras", "scratchgrad.keras")}
    assert len(rows["keras"]) == len(rows["scratchgrad.keras"]) == 3
    for theirs, ours in zip(rows["keras"], rows["scratchgrad.keras"]):
        assert set(ours) <= set(theirs) and {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"} <= set(ours)
        for key in ours:
            assert float(ours[key]) == pytest.approx(float(theirs[key]), rel=1e-4)


def test_model_checkpoint_best_only_saves_the_same_epochs(keras3, tmp_path):
    def make(K, model):
        folder = tmp_path / K.__name__
        folder.mkdir()
        return [K.callbacks.ModelCheckpoint(str(folder / "m-{epoch:02d}.keras"), monitor="val_loss",
                                            save_best_only=True),
                K.callbacks.ModelCheckpoint(str(folder / "last.weights.h5"), save_weights_only=True)]

    runs = fit_both(keras3, make, epochs=10, lr=0.8)
    assert_same_run(runs)
    saved = {name: sorted(p.name for p in (tmp_path / name).iterdir()) for name in ("keras", "scratchgrad.keras")}
    assert saved["scratchgrad.keras"] == saved["keras"] and "last.weights.h5" in saved["keras"]
    assert saved["keras"][1:] == ["m-01.keras", "m-02.keras"]  # val_loss rose after epoch 2: no more saves
    best = keras.models.load_model(tmp_path / "scratchgrad.keras" / saved["keras"][-1])
    x = data()[0]
    np.testing.assert_allclose(best.predict(x), keras3.models.load_model(
        tmp_path / "keras" / saved["keras"][-1]).predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_checkpoint_and_plateau_messages_are_what_keras3_prints(keras3, tmp_path, capsys):
    def make(K, model):
        folder = tmp_path / K.__name__
        folder.mkdir()
        return [K.callbacks.ModelCheckpoint(str(folder / "m.keras"), monitor="val_loss", save_best_only=True,
                                            verbose=1),
                K.callbacks.ModelCheckpoint(str(folder / "w-{epoch}.weights.h5"), save_weights_only=True, verbose=1),
                K.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, min_delta=0.2, verbose=1)]

    x, y, val = data()
    printed = []
    for K, model in zip((keras3, keras), pair(keras3, lr=0.8)):
        model.fit(x, y, batch_size=8, epochs=4, shuffle=False, validation_data=val, verbose=0,
                  callbacks=make(K, model))
        printed.append(capsys.readouterr().out.replace(str(tmp_path), "").replace("scratchgrad.keras", "keras"))
    assert printed[1] == printed[0]
    assert "val_loss improved from None to" in printed[0] and "did not improve" in printed[0]
    assert "ReduceLROnPlateau reducing learning rate" in printed[0]


def test_early_stopping_restores_the_best_weights(keras3):
    runs = fit_both(keras3, lambda K, m: [K.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=0.01,
                                                                     restore_best_weights=True)], epochs=20, lr=1.5)
    (theirs, h_theirs), (ours, h_ours) = runs
    assert len(h_ours["loss"]) == len(h_theirs["loss"]) < 20
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_terminate_on_nan_prints_the_batch_and_stops(keras3):
    x, y, _ = data()
    x[20] = np.nan
    printed = {}
    for K, model in zip((keras3, keras), pair(keras3)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[K.callbacks.TerminateOnNaN()])
        printed[K.__name__] = out.getvalue().strip()
    assert printed["scratchgrad.keras"] == printed["keras"] == "Batch 2: Invalid loss, terminating training"


class Interrupt(Exception):
    pass


def test_backup_and_restore_continues_an_interrupted_fit(keras3, tmp_path):
    x, y, val = data()
    finals = {}
    for K, model in zip((keras3, keras), pair(keras3)):
        backup = tmp_path / K.__name__

        def stop(epoch, logs):
            if epoch == 2:
                raise Interrupt

        with pytest.raises(Interrupt):
            model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0, callbacks=[
                K.callbacks.BackupAndRestore(backup), K.callbacks.LambdaCallback(on_epoch_end=stop)])
        history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                            callbacks=[K.callbacks.BackupAndRestore(backup)])
        assert len(history.history["loss"]) == 2 and not backup.exists()
        finals[K.__name__] = model.get_weights()
    uninterrupted = pair(keras3)[1]
    uninterrupted.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)
    for a, b, c in zip(finals["scratchgrad.keras"], finals["keras"], uninterrupted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def test_progbar_logger_prints_keras_epoch_lines(capsys):
    x, y, val = data()
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_data=val,
              callbacks=[keras.callbacks.ProgbarLogger()])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"3/3 - \d+s - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+",
                        lines[3])
