"""The Trainer: iteration counts, history, eval mode, callbacks, NaN stop, exact clipping, atomic files, bit-for-bit
resume."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
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


def raw_gradients(trainer, x, t) -> list[np.ndarray]:
    """The loss gradients of every parameter, unclipped, as copies (the model must be in eval mode: no dropout)."""
    trainer.optimizer.zero_grad()
    F.cross_entropy(trainer.model(x), t).backward()
    return [p.grad.data.astype(np.float64) for p in trainer.model.parameters()]


def global_norm(arrays) -> float:
    return math.sqrt(sum(float((a.astype(np.float64) ** 2).sum()) for a in arrays))


@pytest.mark.parametrize("fraction", [0.25, 0.9])
def test_gradient_clipping_scales_to_max_norm_and_keeps_the_direction(fraction):
    trainer = make()
    trainer.model.eval()  # the same forward twice: dropout off
    x, t = next(iter(trainer.train_loader))
    raw = raw_gradients(trainer, x, t)
    max_norm = fraction * global_norm(raw)
    trainer.grad_clip = max_norm
    trainer.train_step(x, t)
    clipped = [p.grad for p in trainer.model.parameters()]
    assert global_norm(clipped) == pytest.approx(max_norm, rel=1e-5)
    for g, r in zip(clipped, raw):
        np.testing.assert_allclose(g, r * (max_norm / global_norm(raw)), rtol=1e-5, atol=1e-9)


def test_gradients_below_max_norm_are_left_as_they_are():
    trainer = make()
    trainer.model.eval()
    x, t = next(iter(trainer.train_loader))
    raw = raw_gradients(trainer, x, t)
    trainer.grad_clip = 2 * global_norm(raw)
    trainer.train_step(x, t)
    for p, r in zip(trainer.model.parameters(), raw):
        np.testing.assert_array_equal(p.grad.data.astype(np.float64), r)


def test_evaluate_computes_in_eval_mode_dropout_off_and_batch_norm_on_running_statistics():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
    x, t = blobs(60, seed=2)
    with sg.no_grad():
        model(sg.Tensor(x * 2 + 1))  # running statistics away from (0, 1), so eval mode differs from train mode
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), [], progress=False, log=None)
    result = trainer.evaluate(DataLoader((x, t), batch_size=7))

    w = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    h = x.astype(np.float64) @ w["0.weight"].T + w["0.bias"]
    h = (h - w["1.running_mean"]) / np.sqrt(w["1.running_var"] + model[1].eps) * w["1.weight"] + w["1.bias"]
    scores = np.maximum(h, 0) @ w["4.weight"].T + w["4.bias"]
    log_p = scores - scores.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    assert result["loss"] == pytest.approx(-log_p[np.arange(60), t].mean(), rel=1e-5)
    assert result["accuracy"] == (scores.argmax(axis=1) == t).mean()


@pytest.mark.parametrize("name", ["config.json", "history.json", "history.csv"])
def test_a_crash_while_writing_history_or_config_keeps_the_previous_file(name, tmp_path, monkeypatch):
    trainer = make(out_dir=tmp_path, config={"lr": 0.1})
    trainer.fit(epochs=1)
    before = (tmp_path / name).read_bytes()
    real_replace = os.replace

    def replace(src, dst):  # the disk fills up just as this one file is put in place
        if os.path.basename(dst) == name:
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    trainer.config = {"lr": 0.2}
    with pytest.raises(OSError, match="disk full"):
        trainer.fit(epochs=2)
    assert (tmp_path / name).read_bytes() == before
    assert not [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")]  # no half-written file left behind
