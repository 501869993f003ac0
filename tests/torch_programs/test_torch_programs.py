"""PyTorch training programs (examples/pytorch/) run on PyTorch and, with their imports changed, on scratchgrad.

Each program is loaded twice: as written, on PyTorch (torchvision through ``torchvision_standin``), and through
``on_scratchgrad``. Both start from PyTorch's initialisation but from different random numbers, so the numbers
are compared from the same starting weights (PyTorch's, copied over) and the same batches; a whole short run of
each program is compared by the lines it prints.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from test_lessons import on_scratchgrad
from torchvision_standin import modules

import scratchgrad as sg

PROGRAMS = Path(__file__).resolve().parents[2] / "examples" / "pytorch"


@pytest.fixture
def load(torch, monkeypatch):
    """``load(name, on_torch)``: the program's namespace, its functions and classes ready to call."""
    for name, module in modules(torch).items():
        monkeypatch.setitem(sys.modules, name, module)

    def _load(name: str, on_torch: bool) -> dict:
        source = (PROGRAMS / f"{name}.py").read_text()
        namespace = {"__name__": f"program_{name}"}
        exec(compile(source if on_torch else on_scratchgrad(source), name, "exec"), namespace)
        return namespace

    return _load


def _copy_weights(theirs, ours) -> None:
    ours.load_state_dict({k: sg.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def _printed(main, argv) -> tuple[str, object]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = main(argv)
    return out.getvalue(), result


def _shape_of(text: str) -> list[str]:
    """The printed lines with their numbers and class names blanked: what must match between two runs."""
    return [re.sub(r"\d+(\.\d+)?", "#", line.split(":")[0] if "Predicted" in line else line)
            for line in text.splitlines()]


def _pair(load, name):
    return load(name, on_torch=True), load(name, on_torch=False)


def _loaders(t, s, make_dataset, batch_size):
    return (t["torch"].utils.data.DataLoader(make_dataset(t), batch_size=batch_size),
            s["torch"].utils.data.DataLoader(make_dataset(s), batch_size=batch_size))


# ---- the course's Fashion-MNIST network --------------------------------------------------------------------
def test_the_course_loop_trains_as_on_torch_from_the_same_weights(load, shared_data):
    t, s = _pair(load, "fashion_mnist_course")

    def first_600(ns):
        tv = ns["torchvision"]
        train_set = tv.datasets.FashionMNIST(root=shared_data, train=True, transform=tv.transforms.ToTensor())
        return ns["torch"].utils.data.Subset(train_set, range(600))

    loader_t, loader_s = _loaders(t, s, first_600, 100)
    net_t, net_s = t["Network"](), s["Network"]()
    _copy_weights(net_t, net_s)
    opt_t, opt_s = t["optim"].Adam(net_t.parameters(), lr=0.01), s["optim"].Adam(net_s.parameters(), lr=0.01)
    loss_t, correct_t = t["train_epoch"](net_t, loader_t, opt_t, max_batches=3)
    loss_s, correct_s = s["train_epoch"](net_s, loader_s, opt_s, max_batches=3)
    assert loss_s == pytest.approx(loss_t, rel=1e-4) and correct_s == correct_t
    preds_t, preds_s = t["get_all_preds"](net_t, loader_t), s["get_all_preds"](net_s, loader_s)
    np.testing.assert_allclose(preds_s.numpy(), preds_t.numpy(), rtol=1e-3, atol=1e-3)
    targets_t = t["torch"].tensor([int(y) for _, y in first_600(t)])
    cmt_t = t["confusion_matrix"](targets_t, preds_t)
    cmt_s = s["confusion_matrix"](sg.tensor(targets_t.numpy()), preds_s)
    assert cmt_s.numpy().tolist() == cmt_t.numpy().tolist() and cmt_s.sum().item() == 600


def test_the_course_program_runs_on_both(load, shared_data):
    argv = ["--data-root", str(shared_data), "--max-batches", "3"]
    (theirs, _), (ours, (_, cmt)) = (_printed(ns["main"], argv) for ns in _pair(load, "fashion_mnist_course"))
    assert _shape_of(ours) == _shape_of(theirs) and len(ours.splitlines()) == 3
    assert cmt.shape == (10, 10) and cmt.sum().item() == 300


# ---- PyTorch's basic MNIST example -------------------------------------------------------------------------
def test_the_mnist_example_tests_as_on_torch_from_the_same_weights(load):
    t, s = _pair(load, "mnist_basic")

    def first_300(ns):
        tf = ns["transforms"]
        transform = tf.Compose([tf.ToTensor(), tf.Normalize((0.1307,), (0.3081,))])
        return ns["torch"].utils.data.Subset(ns["datasets"].MNIST("../data", train=False, transform=transform),
                                              range(300))

    loader_t, loader_s = _loaders(t, s, first_300, 100)
    net_t, net_s = t["Net"](), s["Net"]()
    _copy_weights(net_t, net_s)
    _, (loss_t, correct_t) = _printed(lambda _: t["test"](net_t, "cpu", loader_t), None)
    text_s, (loss_s, correct_s) = _printed(lambda _: s["test"](net_s, "cpu", loader_s), None)
    assert loss_s == pytest.approx(loss_t, rel=1e-4) and correct_s == correct_t and "Test set:" in text_s


def test_the_mnist_example_runs_on_both_with_adadelta_and_steplr(load):
    argv = ["--epochs", "2", "--max-batches", "2", "--log-interval", "1", "--test-samples", "100"]
    (theirs, (_, sched_t)), (ours, (_, sched_s)) = (_printed(ns["main"], argv) for ns in _pair(load, "mnist_basic"))
    assert _shape_of(ours) == _shape_of(theirs) and ours.count("Train Epoch") == 4
    assert sched_s.get_last_lr() == pytest.approx(sched_t.get_last_lr()) == [0.49]


# ---- the 60-minute blitz's CIFAR-10 classifier -------------------------------------------------------------
def test_the_blitz_trains_as_on_torch_from_the_same_weights(load):
    t, s = _pair(load, "cifar10_blitz")

    def synthetic(ns, n=80, seed=1):
        tf = ns["transforms"]
        transform = tf.Compose([tf.ToTensor(), tf.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
        return ns["SyntheticCIFAR10"](n, seed=seed, transform=transform)

    loader_t, loader_s = _loaders(t, s, synthetic, 4)
    net_t, net_s = t["Net"](), s["Net"]()
    _copy_weights(net_t, net_s)
    with contextlib.redirect_stdout(io.StringIO()):
        losses_t, losses_s = t["train"](net_t, loader_t, 1, 10), s["train"](net_s, loader_s, 1, 10)
        tests_t, tests_s = _loaders(t, s, lambda ns: synthetic(ns, 40, 2), 4)
        assert s["evaluate"](net_s, tests_s) == t["evaluate"](net_t, tests_t)
    np.testing.assert_allclose(losses_s, losses_t, rtol=1e-4)


def test_the_blitz_program_runs_on_both_and_saves_what_torch_loads(load, tmp_path, torch):
    t, s = _pair(load, "cifar10_blitz")
    argv = ["--epochs", "1", "--train-size", "40", "--test-size", "8", "--log-every", "5"]
    theirs, _ = _printed(t["main"], [*argv, "--path", str(tmp_path / "theirs.pth")])
    ours, (_, total) = _printed(s["main"], [*argv, "--path", str(tmp_path / "ours.pth")])
    assert _shape_of(ours) == _shape_of(theirs) and total == 8 and "GroundTruth" in ours
    t["Net"]().load_state_dict(torch.load(tmp_path / "ours.pth", weights_only=True))


def test_cat_onto_an_empty_start_as_the_course_does(torch):
    ours = sg.cat((sg.tensor([]), sg.ones(2, 3)), dim=0)
    theirs = torch.cat((torch.tensor([]), torch.ones(2, 3)), dim=0)
    assert tuple(ours.shape) == tuple(theirs.shape) == (2, 3)
    with pytest.raises(ValueError, match="must agree"):
        sg.cat((sg.zeros(0, 2), sg.ones(2, 3)))  # only a 1-D empty tensor is left out, as in PyTorch
