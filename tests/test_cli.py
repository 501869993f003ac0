"""The scratchgrad command: every subcommand on a small real run, --help examples, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchgrad.cli import EXAMPLES, main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    code = main(["train", "--model", "two_layer_net", "--epochs", "2", "--limit", "3000", "--batch-size", "50",
                 "--lr", "0.01", "--out", str(folder), "--no-progress"])
    assert code == 0
    return folder


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_every_command_help_shows_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"example:\n  {EXAMPLES[command]}" in capsys.readouterr().out


def test_train_writes_the_run_folder(trained_run):
    names = {p.name for p in trained_run.iterdir()}
    assert {"model.safetensors", "checkpoint.safetensors", "config.json", "history.json", "history.csv",
            "curves.png"} <= names
    assert "filters.png" not in names  # a fully connected model has no filters to draw
    history = json.loads((trained_run / "history.json").read_text())
    assert len(history) == 2 and history[-1]["test_accuracy"] > 0.85
    assert (trained_run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_continues_from_the_checkpoint(trained_run, capsys):
    code, out, _ = run(capsys, "train", "--out", str(trained_run), "--resume", "--epochs", "3", "--no-progress")
    assert code == 0 and "resuming" in out and "after epoch 2" in out
    assert [r["epoch"] for r in json.loads((trained_run / "history.json").read_text())] == [1, 2, 3]


def test_evaluate_prints_accuracy_per_class_and_the_confusion_matrix(trained_run, capsys):
    code, out, _ = run(capsys, "evaluate", str(trained_run))
    assert code == 0
    accuracy = float(out.split("test accuracy on mnist: ")[1].split()[0])
    assert accuracy > 0.85 and "per-class accuracy: 0:" in out and "confusion matrix" in out
    assert (trained_run / "confusion.png").is_file()


def test_predict_ranks_the_top_three_for_npy_images(trained_run, tmp_path, capsys):
    from scratchgrad.data import MNIST

    test = MNIST(train=False)
    np.save(tmp_path / "digits.npy", test.data[:5])
    code, out, _ = run(capsys, "predict", str(trained_run), str(tmp_path / "digits.npy"))
    assert code == 0 and len(out.splitlines()) == 5
    guesses = [int(line.split(": ")[1].split(" ")[0]) for line in out.splitlines()]
    assert sum(g == t for g, t in zip(guesses, test.targets[:5])) >= 4


def test_predict_reads_a_png(trained_run, tmp_path, capsys):
    from PIL import Image

    from scratchgrad.data import MNIST

    Image.fromarray(MNIST(train=False).data[0]).save(tmp_path / "seven.png")
    code, out, _ = run(capsys, "predict", str(trained_run), str(tmp_path / "seven.png"))
    assert code == 0 and out.split(": ")[1].startswith("7 (")


def test_summary_counts_simple_convnet(capsys):
    code, out, _ = run(capsys, "summary", "--model", "simple_convnet", "--input-shape", "1,28,28")
    assert code == 0 and "Total params: 433,890" in out


@pytest.mark.parametrize(("model", "params"), [("two_layer_net", 4), ("simple_convnet", 6)])
def test_gradcheck_reports_tiny_differences(model, params, capsys):
    code, out, _ = run(capsys, "gradcheck", "--model", model, "--entries", "10")
    assert code == 0
    diffs = [float(line.split()[-1]) for line in out.splitlines()[1:]]
    assert len(diffs) == params and max(diffs) < 1e-8


def test_models_and_datasets_list(capsys):
    assert "deep_convnet" in run(capsys, "models")[1]
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "embedded copy" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--model", "vgg99"], "unknown model 'vgg99'"),
        (["train", "--lr", "-1"], "argument --lr: must be > 0, received -1"),
        (["train", "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["train", "--epochs", "0"], "argument --epochs: must be >= 1"),
        (["summary", "--model", "simple_convnet", "--input-shape", "28,28"], "expected C,H,W"),
        (["summary", "--model", "simple_convnet", "--input-shape", "1,3,3"], "kernel (5) is larger than the padded"),
        (["evaluate", "/nonexistent/run"], "has no config.json"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
