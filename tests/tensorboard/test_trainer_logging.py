"""`scratchgrad train --tensorboard`: loss, accuracy and lr per step and per epoch, read back by TensorBoard."""

from __future__ import annotations

import csv
import json

import pytest

from scratchgrad.cli import main

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

TINY = ["--model", "two_layer_net", "--limit", "300", "--batch-size", "50", "--no-progress"]  # 6 steps an epoch


def scalars(folder) -> EventAccumulator:
    return EventAccumulator(str(folder), size_guidance={"scalars": 0}).Reload()


def test_train_logs_steps_and_epochs(tmp_path):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "2", "--out", str(out), "--tensorboard"]) == 0
    reader = scalars(out)
    assert [e.step for e in reader.Scalars("step/loss")] == list(range(1, 13))
    assert len(reader.Scalars("step/accuracy")) == len(reader.Scalars("step/lr")) == 12
    history = json.loads((out / "history.json").read_text())
    assert {t for t in reader.Tags()["scalars"] if t.startswith("epoch/")} == {
        "epoch/loss", "epoch/accuracy", "epoch/lr", "epoch/train_loss", "epoch/train_accuracy", "epoch/test_loss",
        "epoch/test_accuracy"}
    for name in ("loss", "accuracy", "lr", "test_accuracy", "train_accuracy"):
        logged = reader.Scalars(f"epoch/{name}")
        assert [e.step for e in logged] == [1, 2]
        assert [e.value for e in logged] == pytest.approx([row[name] for row in history], rel=1e-6)
    with open(out / "steps.csv", newline="") as f:
        steps = list(csv.DictReader(f))
    assert [float(e.value) for e in reader.Scalars("step/loss")] == pytest.approx([float(r["loss"]) for r in steps])


def test_tensorboard_in_a_folder_of_its_own_and_resume_appends(tmp_path):
    out, logs = tmp_path / "run", tmp_path / "tb"
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out), "--tensorboard", str(logs)]) == 0
    assert main(["train", *TINY, "--epochs", "2", "--out", str(out), "--resume", "--tensorboard", str(logs)]) == 0
    reader = scalars(logs)
    assert [e.step for e in reader.Scalars("epoch/test_accuracy")] == [1, 2]
    assert [e.step for e in reader.Scalars("step/loss")] == list(range(1, 13))
    with open(out / "steps.csv", newline="") as f:
        assert [int(r["step"]) for r in csv.DictReader(f)] == list(range(1, 13))  # resumed rows kept
