"""An epoch with no batches is refused, naming the sizes, instead of "training" on nothing and exiting 0."""

from __future__ import annotations

import struct

import numpy as np
import pytest

import scratchgrad.nn as nn
from scratchgrad import keras, optim
from scratchgrad.data import DataLoader
from scratchgrad.keras import layers
from scratchgrad.train import Trainer


def test_cli_val_split_that_takes_every_image_is_refused(tmp_path, refused):
    err = refused("train", "--model", "two_layer_net", "--limit", "200", "--val-split", "0.999",
                  "--out", tmp_path / "run", "--no-progress")
    assert "the training data gives no batches per epoch (0 samples in batches of 100)" in err
    assert not (tmp_path / "run" / "config.json").exists()  # refused before the run was recorded


def test_cli_val_split_too_small_for_one_validation_image_is_refused(tmp_path, refused):
    err = refused("train", "--model", "two_layer_net", "--limit", "200", "--val-split", "0.001",
                  "--out", tmp_path / "run", "--no-progress")
    assert "the 'val' evaluation data gives no batches per epoch (0 samples in batches of 1000)" in err


def _idx(path, array: np.ndarray) -> None:
    code = 0x0800 + array.ndim  # ubyte data and the number of dimensions, as the IDX format spells its magic
    path.write_bytes(struct.pack(">I", code) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes())


def _no_images(tmp_path):
    """An MNIST data root whose four IDX files are well formed and hold no images."""
    root = tmp_path / "mnist"
    root.mkdir()
    for prefix in ("train", "t10k"):
        _idx(root / f"{prefix}-images-idx3-ubyte", np.zeros((0, 28, 28), np.uint8))
        _idx(root / f"{prefix}-labels-idx1-ubyte", np.zeros((0,), np.uint8))
    return root


def test_cli_dataset_of_no_images_is_refused(tmp_path, refused):
    root = _no_images(tmp_path)
    err = refused("train", "--model", "two_layer_net", "--data-root", str(root),
                  "--out", tmp_path / "run", "--no-progress")
    # Refused by the trainer, naming the sizes (or earlier by the data reader, naming the folder).
    assert "no batches per epoch (0 samples in batches of 100)" in err or str(root) in err


def test_cli_evaluate_on_a_test_set_of_no_images_is_refused(tmp_path, refused, trained_run):
    root = _no_images(tmp_path)
    err = refused("evaluate", trained_run, "--data-root", root)
    # Refused before predicting, naming the sizes (or earlier by the data reader, naming the folder).
    assert "the data to predict gives no batches per epoch (0 samples in batches of 1000)" in err or str(root) in err


def _trainer(loader) -> Trainer:
    model = nn.Linear(4, 3)
    return Trainer(model, optim.SGD(model.parameters(), lr=0.1), loader, progress=False, log=None)


def test_drop_last_with_fewer_samples_than_one_batch_is_refused(rng):
    x, t = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    with pytest.raises(ValueError, match=r"no batches per epoch \(50 samples in batches of 100, drop_last=True\)"):
        _trainer(DataLoader((x, t), 100, drop_last=True)).fit(1)


def test_an_empty_evaluation_loader_is_refused_before_training(rng):
    x, t = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    trainer = _trainer(DataLoader((x, t), 10))
    trainer.eval_loaders = {"test": DataLoader((x[:0], t[:0]), 10)}
    with pytest.raises(ValueError, match=r"the 'test' evaluation data gives no batches per epoch \(0 samples"):
        trainer.fit(1)
    assert trainer.global_step == 0


def test_a_loader_with_batches_still_trains(rng):
    x, t = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    history = _trainer(DataLoader((x, t), 20, drop_last=True)).fit(1)
    assert len(history) == 1


def _keras_model() -> keras.Sequential:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def test_evaluating_no_samples_is_refused_instead_of_a_loss_of_zero(rng):
    x, t = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    message = r"evaluate: the data gives no batches per epoch \(0 samples in batches of {}\)"
    with pytest.raises(ValueError, match=message.format(10)):
        _trainer(DataLoader((x, t), 10)).evaluate(DataLoader((x[:0], t[:0]), 10))
    with pytest.raises(ValueError, match=message.format(32)):
        _keras_model().evaluate(x[:0], t[:0], verbose=0)


def test_keras_fit_on_no_samples_is_refused(rng):
    x, y = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    with pytest.raises(ValueError, match=r"no batches per epoch \(0 samples in batches of 32\)"):
        _keras_model().fit(x[:0], y[:0], verbose=0)


@pytest.mark.parametrize("split", [0.99, 0.999])
def test_keras_validation_split_that_leaves_no_training_sample_is_refused(rng, split):
    x, y = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    with pytest.raises(ValueError, match=rf"validation_split={split} leaves 0 of the 50 samples for training"):
        _keras_model().fit(x, y, validation_split=split, verbose=0)


def test_keras_validation_split_that_leaves_no_validation_sample_is_refused(rng):
    x, y = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    # Keras's split floors the training part, so only a split below double precision empties validation.
    with pytest.raises(ValueError, match=r"validation_split=1e-17 leaves 0 of the 50 samples for validation"):
        _keras_model().fit(x, y, validation_split=1e-17, verbose=0)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_keras_fit_refuses_a_batch_size_that_is_not_a_positive_int(rng, batch_size):
    x, y = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    message = rf"fit: argument `batch_size` must be a positive integer; received batch_size={batch_size}"
    with pytest.raises(ValueError, match=message):
        _keras_model().fit(x, y, batch_size=batch_size, verbose=0)


@pytest.mark.parametrize("action", ["evaluate", "predict"])
def test_keras_evaluate_and_predict_refuse_a_zero_batch_size(rng, action):
    x, y = rng.random((50, 4), dtype=np.float32), rng.integers(0, 3, 50)
    args = (x, y) if action == "evaluate" else (x,)
    with pytest.raises(ValueError, match=rf"{action}: argument `batch_size` must be a positive integer"):
        getattr(_keras_model(), action)(*args, batch_size=0, verbose=0)
