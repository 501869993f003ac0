"""The Trainer: iteration counts, history, evaluation, callbacks, NaN stop, and bit-for-bit resume."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import optim
from scratchgrad.data import DataLoader
from scratchgrad.train import EarlyStopping, LRScheduler, StopAtTarget, Trainer, TrainingDiverged


def blobs(n: int = 200, seed: int = 0):
    """Two well separated Gaussian blobs in 4-D: any working loop learns them."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    x = (rng.standard_normal((n, 4)) + 3 * t[:, None]).astype(np.float32)
    return x, t


def make(seed: int = 0, batch_size: int = 32, **kwargs):
    sg.manual_seed(seed)
    x, t = blobs()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    loader = DataLoader((x, t), batch_size=batch_size, shuffle=True, seed=seed)
    evals = {"val": DataLoader(blobs(60, seed=1), batch_size=50)}
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return Trainer(model, opt, loader, eval_loaders=evals, progress=False, log=None, **kwargs)


def test_one_epoch_runs_ceil_n_over_b_iterations_and_learns():
    trainer = make(batch_size=32)
    history = trainer.fit(epochs=3)
    assert trainer.global_step == 3 * math.ceil(200 / 32)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"} <= history[0].keys()
    assert history[-1]["val_accuracy"] > 0.95 and history[-1]["loss"] < history[0]["loss"]


def test_evaluate_leaves_the_mode_and_builds_no_graph():
    trainer = make()
    trainer.model.train()
    result = trainer.evaluate(DataLoader(blobs(10), batch_size=4))
    assert trainer.model.training and set(result) == {"loss", "accuracy"}
    assert all(p.grad is None for p in trainer.model.parameters())


def test_out_dir_gets_history_config_checkpoint_and_weights(tmp_path):
    trainer = make(out_dir=tmp_path, config={"lr": 0.1})
    trainer.fit(epochs=2)
    assert json.loads((tmp_path / "config.json").read_text()) == {"lr": 0.1}
    assert [row["epoch"] for row in json.loads((tmp_path / "history.json").read_text())] == [1, 2]
    assert (tmp_path / "history.csv").read_text().splitlines()[0].startswith("epoch,loss,accuracy")
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "checkpoint.safetensors").is_file()


def test_resumed_run_ends_with_the_same_weights_bit_for_bit(tmp_path):
    straight = make(seed=7)
    straight.fit(epochs=4)
    first = make(seed=7, out_dir=tmp_path)
    first.fit(epochs=2)  # "interrupted" after epoch 2
    sg.manual_seed(12345)  # a fresh process would not share any random state with the first one
    resumed = make(seed=99, out_dir=tmp_path).resume(tmp_path / "checkpoint.safetensors")
    resumed.fit(epochs=4)
    for key, value in straight.model.state_dict().items():
        assert np.array_equal(resumed.model.state_dict()[key], value), key
    assert [r["loss"] for r in resumed.history] == [r["loss"] for r in straight.history]


def test_a_nan_loss_stops_the_run_naming_the_iteration_and_checkpoint(tmp_path):
    trainer = make(out_dir=tmp_path)
    trainer.fit(epochs=1)
    with sg.no_grad():
        trainer.model[0].weight.data[...] = np.nan
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 2, iteration 8; the last good checkpoint"):
        trainer.fit(epochs=2)


def test_early_stopping_waits_patience_epochs_without_improvement():
    class Flat(EarlyStopping):
        def on_epoch_end(self, trainer, epoch, logs):
            super().on_epoch_end(trainer, epoch, {**logs, "val_loss": 1.0})  # never improves after epoch 1

    stopper = Flat("val_loss", patience=2)
    trainer = make(callbacks=[stopper])
    trainer.fit(epochs=10)
    assert trainer.epoch == 3 and stopper.stopped_epoch == 3


def test_stop_at_target_loss():
    trainer = make(callbacks=[StopAtTarget("loss", 10.0)])
    trainer.fit(epochs=5)
    assert trainer.epoch == 1


def test_unknown_monitor_is_a_clear_error():
    with pytest.raises(KeyError, match="metric 'val_acc' is not in the epoch's logs"):
        make(callbacks=[EarlyStopping("val_acc")]).fit(epochs=1)


def test_lr_scheduler_callback_steps_once_per_epoch():
    trainer = make()
    trainer.callbacks.append(LRScheduler(optim.StepLR(trainer.optimizer, step_size=1, gamma=0.5)))
    history = trainer.fit(epochs=3)
    assert [row["lr"] for row in history] == [0.1, 0.05, 0.025]


def test_gradient_clipping_bounds_the_update():
    trainer = make(grad_clip=1e-3)
    before = [p.data.copy() for p in trainer.model.parameters()]
    x, t = next(iter(trainer.train_loader))
    trainer.optimizer = optim.SGD(trainer.model.parameters(), lr=1.0)
    trainer.train_step(x, t)
    moved = math.sqrt(sum(float(((p.data - b) ** 2).sum()) for p, b in zip(trainer.model.parameters(), before)))
    assert moved <= 1e-3 * 1.001
