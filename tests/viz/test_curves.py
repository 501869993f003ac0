"""curves.png draws every iteration with the epochs marked, and a run's last line leads with held-out accuracy."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from scratchgrad.cli import main
from scratchgrad.cli.train import final_line
from scratchgrad.viz import curves, describe


def figure_of(monkeypatch, history, steps):
    """The figure plot_history builds, caught before it is saved."""
    caught = {}
    monkeypatch.setattr(curves, "save_figure", lambda fig, path: caught.setdefault("fig", fig))
    curves.plot_history(history, "unused.png", steps)
    return caught["fig"]


def one_epoch(n_steps=600):
    steps = [{"step": i + 1, "epoch": 1, "loss": 2.3 * 0.99**i, "accuracy": 1 - 0.9 * 0.99**i, "lr": 1e-3}
             for i in range(n_steps)]
    history = [{"epoch": 1, "loss": 0.4, "accuracy": 0.9, "lr": 1e-3, "train_loss": 0.1, "train_accuracy": 0.97,
                "test_loss": 0.12, "test_accuracy": 0.96}]
    return history, steps


def test_one_epoch_draws_every_iteration(monkeypatch):
    history, steps = one_epoch()
    loss_ax, acc_ax = figure_of(monkeypatch, history, steps).axes
    for ax, metric in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        lines = {line.get_label(): line for line in ax.lines}
        raw = lines[f"training {metric} of each batch (train mode)"]
        assert len(raw.get_xdata()) == 600
        assert np.array_equal(raw.get_ydata(), [row[metric] for row in steps])
        assert f"test {metric} (held out, eval mode)" in lines and f"train {metric} (training images, eval mode)" \
            in lines
        assert lines[f"test {metric} (held out, eval mode)"].get_xdata()[0] == 600  # at the epoch's last iteration
        assert ax.get_xlabel() == "iteration (600 in 1 epoch)"
        assert any(t.get_text() == "epoch 1" for t in ax.texts)


def test_epochs_are_marked_where_they_end(monkeypatch):
    steps = [{"step": i + 1, "epoch": 1 + i // 10, "loss": 1.0, "accuracy": 0.5} for i in range(30)]
    history = [{"epoch": e, "loss": 1.0, "accuracy": 0.5, "test_accuracy": 0.5 + e / 10} for e in (1, 2, 3)]
    loss_ax, acc_ax = figure_of(monkeypatch, history, steps).axes
    marks = [line.get_xdata()[0] for line in acc_ax.lines if line.get_linestyle() == ":"]
    assert marks == [10, 20, 30]
    test = next(line for line in acc_ax.lines if line.get_label().startswith("test accuracy"))
    assert list(test.get_xdata()) == [10, 20, 30] and list(test.get_ydata()) == [0.6, 0.7, 0.8]


def test_smoothing_is_an_unbiased_moving_average():
    assert curves.smooth([2.0, 2.0, 2.0]) == pytest.approx([2.0, 2.0, 2.0])  # no pull toward 0 at the start
    assert curves.smooth([0.0, 1.0], weight=0.5) == pytest.approx([0.0, 0.5 / 0.75])


def test_each_number_is_named_for_what_it_is():
    assert describe("accuracy") == "running training accuracy (train mode: dropout on, mean over the epoch's batches)"
    assert describe("test_accuracy") == "test accuracy (held out, eval mode)"
    assert describe("val_loss") == "validation loss (held out, eval mode)"


def test_final_line_leads_with_held_out_accuracy():
    last = {"epoch": 20, "loss": 0.9, "accuracy": 0.5956, "train_accuracy": 0.9987, "test_accuracy": 0.9940}
    line = final_line(last)
    assert line.startswith("after epoch 20: test accuracy 0.9940 (held out, eval mode); train accuracy 0.9987")
    assert line.endswith("running training accuracy 0.5956 (train mode: dropout on, mean over the epoch's batches)")
    assert "final accuracy" not in line


def test_train_run_folder_has_steps_and_ends_on_test_accuracy(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "two_layer_net", "--limit", "300", "--batch-size", "50", "--epochs", "2",
                 "--out", str(out), "--no-progress"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("after epoch 2: test accuracy ")
    with open(out / "steps.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["step", "epoch", "loss", "accuracy", "lr"]
    assert [int(r["step"]) for r in rows] == list(range(1, 13))
    assert [int(r["epoch"]) for r in rows] == [1] * 6 + [2] * 6
    assert (out / "history.csv").is_file() and (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
