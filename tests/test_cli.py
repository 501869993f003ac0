"""The scratchgrad command: every subcommand on a small real run, --help examples, and one-line errors.

What the commands print is checked against NumPy computed here from the weights file (the forward pass of
TwoLayerNet, softmax, the confusion counts), never against the library's own functions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

import scratchgrad as sg
from scratchgrad.cli import EXAMPLES, main
from scratchgrad.data import MNIST
from scratchgrad.data.idx import write_idx

TIMING = ("seconds", "images_per_second")


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


def two_layer_net_scores(folder: Path, images: np.ndarray) -> np.ndarray:
    """TwoLayerNet's scores (N, 10) in float64 NumPy from the run's weights: relu(x W1^T + b1) W2^T + b2."""
    w = {k: v.astype(np.float64) for k, v in load_file(folder / "model.safetensors").items()}
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0.0) @ w["fc2.weight"].T + w["fc2.bias"]


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


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


@pytest.fixture(scope="module")
def conv_runs(tmp_path_factory):
    """DeepConvNet trained 2 epochs in one go, and 1 epoch then ``--resume`` to 2: {"straight": dir, "resumed": dir}.

    Its dropout draws from the global generator, Adam keeps moments and the loader shuffles with its own generator,
    so a resume that restored any one of the three states too few would end on other weights.
    """
    root = tmp_path_factory.mktemp("conv-runs")
    options = ["--model", "deep_convnet", "--limit", "200", "--val-split", "0.25", "--batch-size", "50",
               "--no-progress"]
    assert main(["train", *options, "--epochs", "2", "--out", str(root / "straight")]) == 0
    assert main(["train", *options, "--epochs", "1", "--out", str(root / "resumed")]) == 0
    sg.manual_seed(12345)  # a fresh process would share no random state with the interrupted one
    assert main(["train", "--out", str(root / "resumed"), "--resume", "--epochs", "2", "--no-progress"]) == 0
    return {"straight": root / "straight", "resumed": root / "resumed"}


def test_resume_through_the_cli_ends_on_the_same_weights_bit_for_bit(conv_runs):
    straight, resumed = (load_file(conv_runs[k] / "model.safetensors") for k in ("straight", "resumed"))
    assert straight.keys() == resumed.keys()
    for key, value in straight.items():
        assert resumed[key].dtype == value.dtype and np.array_equal(resumed[key], value), key
    histories = [json.loads((conv_runs[k] / "history.json").read_text()) for k in ("straight", "resumed")]
    assert [[{k: v for k, v in row.items() if k not in TIMING} for row in h] for h in histories] == \
        [[{k: v for k, v in row.items() if k not in TIMING} for row in histories[0]]] * 2
    assert [row["epoch"] for row in histories[1]] == [1, 2]


def test_resume_says_where_it_continues(tmp_path, capsys):
    options = ["--model", "two_layer_net", "--limit", "100", "--val-split", "0.5", "--no-progress",
               "--out", str(tmp_path)]
    assert main(["train", *options, "--epochs", "1"]) == 0
    code, out, _ = run(capsys, "train", "--out", str(tmp_path), "--resume", "--epochs", "2", "--no-progress")
    assert code == 0 and f"resuming {tmp_path} after epoch 1" in out


def test_a_conv_run_draws_the_first_layers_filters(conv_runs):
    for folder in conv_runs.values():
        assert (folder / "filters.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_prints_the_confusion_matrix_rows_true_columns_predicted(trained_run, tmp_path, capsys):
    test = MNIST(train=False)
    images, labels = test.data[:300], np.asarray(test.targets[:300]).astype(np.uint8)
    (tmp_path / "mnist").mkdir()
    write_idx(tmp_path / "mnist" / "t10k-images-idx3-ubyte", images)
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", labels)
    code, out, _ = run(capsys, "evaluate", str(trained_run), "--data-root", str(tmp_path))
    assert code == 0 and (trained_run / "confusion.png").is_file()

    predicted = two_layer_net_scores(trained_run, images).argmax(axis=1)
    expected = np.zeros((10, 10), dtype=np.int64)
    for true, guess in zip(labels, predicted):
        expected[true, guess] += 1
    printed = out.split("(rows: true class, columns: predicted):\n")[1].split("\nwrote")[0]
    matrix = np.array(re.findall(r"\d+", printed), dtype=np.int64).reshape(10, 10)
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(labels, minlength=10))  # a row per true class
    correct = int((predicted == labels).sum())
    assert f"test accuracy on mnist: {correct / 300:.4f} ({correct}/300)" in out
    per_class = [float(v) for v in re.findall(r"\d:(\d\.\d+)", out.split("per-class accuracy: ")[1].splitlines()[0])]
    np.testing.assert_allclose(per_class, [expected[c, c] / expected[c].sum() for c in range(10)], atol=5e-4)


def test_predict_prints_the_softmax_probabilities_of_the_top_three(trained_run, tmp_path, capsys):
    images = MNIST(train=False).data[:5]
    np.save(tmp_path / "digits.npy", images)
    code, out, _ = run(capsys, "predict", str(trained_run), str(tmp_path / "digits.npy"))
    assert code == 0 and len(out.splitlines()) == 5
    probabilities = softmax_rows(two_layer_net_scores(trained_run, images))
    for i, (line, row) in enumerate(zip(out.splitlines(), probabilities)):
        assert line.startswith(f"{tmp_path / 'digits.npy'}[{i}]: ")
        ranked = [(int(k), float(p)) for k, p in re.findall(r"(\d) \(([\d.]+)%\)", line)]
        assert [k for k, _ in ranked] == list(np.argsort(row)[::-1][:3]), line
        np.testing.assert_allclose([p for _, p in ranked], [100 * row[k] for k, _ in ranked], atol=0.05 + 1e-6)


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
