"""Keras guides written as Keras programs (``programs/``), run on Keras 3 and, with only their import lines changed,
on scratchgrad: both must run to the end and agree on what does not depend on the random initial weights.

Keras 3 downloads MNIST; offline, its ``load_data`` is given the same arrays scratchgrad's gives (the copy of
MNIST embedded in the package), so both runs see the same samples.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

PROGRAMS = Path(__file__).parent / "programs"
_IMPORT = re.compile(r"^(\s*)(import|from) keras\b(.*)$")


def on_scratchgrad(source: str) -> str:
    """The program with ``import keras`` / ``from keras ...`` pointed at scratchgrad.keras, nothing else."""
    lines = []
    for line in source.splitlines():
        m = _IMPORT.match(line)
        if m:
            indent, keyword, rest = m.groups()
            line = f"{indent}from scratchgrad import keras" if keyword == "import" and not rest else \
                f"{indent}{keyword} scratchgrad.keras{rest}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def run(source: str, name: str) -> dict[str, str]:
    """Run a program; its printed ``Key: value`` lines as a dict."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, name, "exec"), {"__name__": "__main__"})
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)


def test_only_import_lines_change():
    source = "import keras\nfrom keras import layers\nfrom keras.models import load_model\nx = keras.Input((2,))\n"
    assert on_scratchgrad(source) == ("from scratchgrad import keras\nfrom scratchgrad.keras import layers\n"
                                      "from scratchgrad.keras.models import load_model\nx = keras.Input((2,))\n")


@pytest.fixture
def short_run(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_PROGRAM_SAMPLES", "3000")
    monkeypatch.setenv("KERAS_PROGRAM_EPOCHS", "1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_functional_mnist_mlp_runs_on_both(keras3, short_run, monkeypatch):
    from scratchgrad import keras as ours

    monkeypatch.setattr(keras3.datasets.mnist, "load_data", ours.datasets.mnist.load_data)
    import scratchgrad as sg

    keras3.utils.set_random_seed(0)  # initial weights (and so accuracies) fixed run to run on each side
    sg.manual_seed(0)
    path = PROGRAMS / "functional_mnist_mlp.py"
    theirs = run(path.read_text(), str(path))
    (short_run / "my_model.keras").rename(short_run / "theirs.keras")
    mine = run(on_scratchgrad(path.read_text()), str(path))
    for key in ("Parameters", "Layers", "History keys"):
        assert mine[key] == theirs[key]
    assert mine["Parameters"] == "55050"
    assert float(mine["Reloaded max difference"]) == 0.0 and float(theirs["Reloaded max difference"]) == 0.0
    # Different initial weights: the accuracies agree only roughly, both well above chance.
    assert float(mine["Test accuracy"]) > 0.6 and float(theirs["Test accuracy"]) > 0.6
    assert abs(float(mine["Test accuracy"]) - float(theirs["Test accuracy"])) < 0.15
    # Each framework's file loads in the other and predicts the same.
    (x_train, _), _ = ours.datasets.mnist.load_data()
    x = x_train[:50].reshape(-1, 784).astype("float32") / 255
    for saved_by, loader in (("theirs.keras", ours.models.load_model), ("my_model.keras", keras3.models.load_model)):
        other = keras3.models.load_model if loader is ours.models.load_model else ours.models.load_model
        a, b = loader(short_run / saved_by), other(short_run / saved_by)
        np.testing.assert_allclose(np.asarray(a.predict(x, verbose=0)), np.asarray(b.predict(x, verbose=0)),
                                   rtol=1e-5, atol=1e-5)


def test_the_functional_toy_resnet_runs_on_both(keras3, short_run, monkeypatch):
    from scratchgrad import keras as ours

    monkeypatch.setenv("KERAS_PROGRAM_SAMPLES", "80")
    path = PROGRAMS / "functional_toy_resnet.py"
    theirs = run(path.read_text(), str(path))
    (short_run / "toy_resnet.keras").rename(short_run / "theirs.keras")
    mine = run(on_scratchgrad(path.read_text()), str(path))
    for key in ("Parameters", "Layers", "History keys", "Finite loss"):
        assert mine[key] == theirs[key], key
    assert mine["Parameters"] == "223242" and mine["Finite loss"] == "True"
    assert float(mine["Reloaded max difference"]) == 0.0
    x = np.random.default_rng(1).random((4, 32, 32, 3)).astype("float32")
    for saved_by in ("theirs.keras", "toy_resnet.keras"):
        a, b = ours.models.load_model(short_run / saved_by), keras3.models.load_model(short_run / saved_by)
        np.testing.assert_allclose(a.predict(x), np.asarray(b.predict(x, verbose=0)), rtol=1e-4, atol=1e-5)


def test_the_callbacks_guide_decides_the_same_on_both(keras3, short_run, monkeypatch):
    from scratchgrad import keras as ours

    monkeypatch.setattr(keras3.datasets.mnist, "load_data", ours.datasets.mnist.load_data)
    monkeypatch.setenv("KERAS_PROGRAM_SAMPLES", "2000")
    path = PROGRAMS / "training_callbacks.py"
    runs = []
    for source in (path.read_text(), on_scratchgrad(path.read_text())):
        for old in short_run.glob("mymodel_*.keras"):
            old.unlink()
        runs.append(run(source, str(path)))
    theirs, mine = runs
    assert mine["Epochs run"] == theirs["Epochs run"] and mine["Checkpoints"] == theirs["Checkpoints"]
    assert mine["Batches recorded"] == theirs["Batches recorded"]
    np.testing.assert_allclose(eval(mine["Val losses"]), eval(theirs["Val losses"]), atol=2e-4)
    assert int(mine["Epochs run"]) < 20  # EarlyStopping acted
