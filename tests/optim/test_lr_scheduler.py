"""StepLR and CosineAnnealingLR: PyTorch's lr sequences, their closed forms, driving an optimizer, checkpoints."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from scratchgrad import optim
from scratchgrad.nn import Parameter
from scratchgrad.optim import CosineAnnealingLR, StepLR

# These tests step schedules alone; the order warning has its own tests in test_schedulers_vs_torch.py.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step:UserWarning")

BASE_LRS = [0.1, 0.02]  # two parameter groups, so every lr list has two entries
SCHEDULES = [
    pytest.param(StepLR, {"step_size": 3}, id="StepLR"),
    pytest.param(StepLR, {"step_size": 1, "gamma": 0.5}, id="StepLR-every-epoch"),
    pytest.param(CosineAnnealingLR, {"T_max": 5}, id="Cosine"),
    pytest.param(CosineAnnealingLR, {"T_max": 7, "eta_min": 0.001}, id="Cosine-eta_min"),
]


def _optimizer(lrs=BASE_LRS):
    return optim.SGD([{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in lrs], lr=lrs[0])


def _epochs(kwargs):
    # Two full cosine cycles (2 * T_max down and up, twice) or several StepLR decays.
    return 4 * kwargs.get("T_max", 4)


def _lr_sequence(scheduler, epochs):
    """get_last_lr() after construction and after each of ``epochs`` steps."""
    sequence = [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.optimizer.step()  # no gradients, so nothing moves; steps in PyTorch's order
        scheduler.step()
        sequence.append(scheduler.get_last_lr())
    return np.array(sequence)


def _closed_form(cls, kwargs, epochs):
    """The formulas in PyTorch's documentation, lr as a function of the epoch t, one row per epoch."""
    t = np.arange(epochs + 1)[:, None]
    base = np.array(BASE_LRS)[None, :]
    if cls is StepLR:
        return base * kwargs.get("gamma", 0.1) ** (t // kwargs["step_size"])
    eta_min = kwargs.get("eta_min", 0.0)
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * t / kwargs["T_max"])) / 2


@pytest.mark.parametrize(("cls", "kwargs"), SCHEDULES)
def test_lr_sequence_matches_torch(torch, cls, kwargs):
    epochs = _epochs(kwargs)
    ours = _lr_sequence(cls(_optimizer(), **kwargs), epochs)
    torch_optimizer = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in BASE_LRS])
    torch_scheduler = getattr(torch.optim.lr_scheduler, cls.__name__)(torch_optimizer, **kwargs)
    theirs = [torch_scheduler.get_last_lr()]
    for _ in range(epochs):
        torch_optimizer.step()  # torch warns when the scheduler steps before the optimizer ever has
        torch_scheduler.step()
        theirs.append(torch_scheduler.get_last_lr())
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("cls", "kwargs"), SCHEDULES)
def test_lr_sequence_follows_the_closed_form(cls, kwargs):
    epochs = _epochs(kwargs)
    ours = _lr_sequence(cls(_optimizer(), **kwargs), epochs)
    np.testing.assert_allclose(ours, _closed_form(cls, kwargs, epochs), rtol=1e-12, atol=1e-15)


def test_cosine_reaches_eta_min_at_t_max_and_base_lr_at_twice_t_max():
    scheduler = CosineAnnealingLR(_optimizer(), T_max=4, eta_min=0.001)
    sequence = _lr_sequence(scheduler, 8)
    np.testing.assert_allclose(sequence[4], [0.001, 0.001], rtol=1e-12)
    np.testing.assert_allclose(sequence[8], BASE_LRS, rtol=1e-12)


@pytest.mark.parametrize(("cls", "kwargs"), SCHEDULES)
def test_scheduler_writes_the_lr_the_optimizer_uses(cls, kwargs):
    optimizer = _optimizer()
    scheduler = cls(optimizer, **kwargs)
    for _ in range(3):
        scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == scheduler.get_last_lr()
    param = optimizer.param_groups[0]["params"][0]
    grad = np.arange(1.0, 3.0)
    start = param.data.copy()
    param.grad = grad
    optimizer.step()
    np.testing.assert_allclose(param.data, start - scheduler.get_last_lr()[0] * grad)


def test_get_last_lr_is_a_copy():
    scheduler = StepLR(_optimizer(), step_size=2)
    scheduler.get_last_lr()[0] = 123.0
    assert scheduler.get_last_lr() == BASE_LRS


@pytest.mark.parametrize(("cls", "kwargs"), SCHEDULES)
def test_restored_scheduler_and_optimizer_continue_identically(cls, kwargs):
    optimizer = _optimizer()
    scheduler = cls(optimizer, **kwargs)
    for _ in range(kwargs.get("T_max", 3) + 1):  # past the bottom of the cosine, into its rising half
        scheduler.step()
    saved_optimizer, saved_scheduler = optimizer.state_dict(), scheduler.state_dict()

    restored_optimizer = _optimizer([1.0, 1.0])  # different lrs: everything must come from the checkpoint
    restored_optimizer.load_state_dict(saved_optimizer)
    restored = cls(restored_optimizer, **kwargs)
    restored.load_state_dict(saved_scheduler)
    epochs = _epochs(kwargs)
    np.testing.assert_array_equal(_lr_sequence(restored, epochs), _lr_sequence(scheduler, epochs))


def test_scheduler_state_dict_is_plain_and_a_snapshot():
    scheduler = CosineAnnealingLR(_optimizer(), T_max=5)
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 0 and saved["base_lrs"] == BASE_LRS
    scheduler.step()
    assert saved["last_epoch"] == 0 and saved["_last_lr"] == BASE_LRS


def test_load_state_dict_of_another_kind_of_scheduler_raises():
    saved = StepLR(_optimizer(), step_size=2).state_dict()
    with pytest.raises(ValueError, match="state_dict keys"):
        CosineAnnealingLR(_optimizer(), T_max=5).load_state_dict(saved)


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (StepLR, {"step_size": 0}, "step_size"),
        (StepLR, {"step_size": 2.5}, "step_size"),
        (StepLR, {"step_size": 2, "gamma": -0.1}, "gamma"),
        (CosineAnnealingLR, {"T_max": 0}, "T_max"),
        (CosineAnnealingLR, {"T_max": 5, "eta_min": -1.0}, "eta_min"),
    ],
)
def test_bad_arguments_raise_naming_them(cls, kwargs, name):
    value = kwargs[name]
    with pytest.raises(ValueError, match=rf"{cls.__name__}: {name} must be .*; received {re.escape(repr(value))}"):
        cls(_optimizer(), **kwargs)


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="expected an Optimizer"):
        StepLR([Parameter(np.zeros(1))], step_size=1)


def test_the_initial_lr_is_remembered_in_the_groups():
    optimizer = _optimizer()
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    scheduler.step()
    assert [g["initial_lr"] for g in optimizer.param_groups] == BASE_LRS
    assert scheduler.get_last_lr() == [lr * 0.5 for lr in BASE_LRS]
    assert math.isclose(optimizer.param_groups[1]["lr"], 0.01)
