"""``train --resume``: a flag that contradicts the run is refused, lr and epochs are applied aloud and recorded."""

from __future__ import annotations

import json

import pytest
from runs_helpers import TINY, cli, one_line_error


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--model", "mlp"], "--model mlp (recorded: two_layer_net)"),
        (["--batch-size", "7"], "--batch-size 7 (recorded: 100)"),
        (["--optimizer", "sgd"], "--optimizer sgd (recorded: adam)"),
        (["--dataset", "fashion_mnist"], "--dataset fashion_mnist (recorded: mnist)"),
        (["--limit", "200"], "--limit 200 (recorded: 300)"),
        (["--seed", "3"], "--seed 3 (recorded: 0)"),
    ],
)
def test_a_flag_that_contradicts_the_run_is_refused_naming_it_and_the_recorded_value(run_dir, capsys, flags, named):
    before = (run_dir / "checkpoint.safetensors").read_bytes()
    line = one_line_error(*cli(capsys, "train", "--out", run_dir, "--resume", "--epochs", "3", *flags)[::2])
    assert named in line and "--resume continues" in line
    assert (run_dir / "checkpoint.safetensors").read_bytes() == before


def test_flags_equal_to_the_recorded_ones_are_accepted(run_dir, capsys):
    code, out, _ = cli(capsys, "train", *TINY, "--out", run_dir, "--resume", "--epochs", "3")
    assert code == 0 and "resuming" in out


def test_a_new_lr_is_applied_recorded_and_announced(run_dir, capsys):
    code, out, _ = cli(capsys, "train", "--out", run_dir, "--resume", "--epochs", "3", "--lr", "0.02", "--no-progress")
    assert code == 0 and "the learning rate changes from 0.001 (recorded) to 0.02" in out
    history = json.loads((run_dir / "history.json").read_text())
    assert [row["lr"] for row in history] == [0.001, 0.001, 0.02]  # the optimizer really used it
    assert json.loads((run_dir / "config.json").read_text())["lr"] == 0.02


def test_fewer_epochs_than_finished_is_refused_saying_why(run_dir, capsys):
    line = one_line_error(*cli(capsys, "train", "--out", run_dir, "--resume", "--epochs", "1")[::2])
    assert "has finished 2; pass --epochs 3 or more" in line


def test_resume_without_epochs_of_a_finished_run_says_there_is_nothing_to_do(run_dir, capsys):
    line = one_line_error(*cli(capsys, "train", "--out", run_dir, "--resume")[::2])
    assert "has finished all 2 of its recorded epochs; pass --epochs N" in line


def test_resume_without_epochs_continues_to_the_recorded_total_and_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli(capsys, "train", *TINY, "--epochs", "3", "--out", out)[0] == 0
    history = json.loads((out / "history.json").read_text())[:1]
    # Roll the run back to its first epoch, as a run killed during its second would be.
    config = json.loads((out / "config.json").read_text())
    assert cli(capsys, "train", *TINY, "--epochs", "1", "--out", out, "--overwrite")[0] == 0
    (out / "config.json").write_text(json.dumps(config))
    code, text, _ = cli(capsys, "train", "--out", out, "--resume", "--no-progress")
    assert code == 0 and "training epochs 2 to 3, as the recorded --epochs" in text
    assert [row["epoch"] for row in json.loads((out / "history.json").read_text())] == [1, 2, 3]
    assert history[0]["loss"] == json.loads((out / "history.json").read_text())[0]["loss"]


def test_a_bad_value_reads_the_same_from_a_flag_and_from_config_json(run_dir, capsys):
    flag = one_line_error(*cli(capsys, "train", *TINY, "--momentum", "5", "--out", run_dir / "x")[::2])
    config = json.loads((run_dir / "config.json").read_text())
    (run_dir / "config.json").write_text(json.dumps({**config, "momentum": 5}))
    recorded = one_line_error(*cli(capsys, "evaluate", run_dir)[::2])
    assert flag.endswith("--momentum: must be >= 0 and < 1, received 5 (see --help)")
    assert recorded.endswith("config.json: momentum must be >= 0 and < 1, received 5")
