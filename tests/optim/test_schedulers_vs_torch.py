"""Every lr schedule against PyTorch's over 20 steps (lrs, and the momentum OneCycleLR cycles), the order warning,
checkpoints of the schedules that keep extra state, and argument checks."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from scratchgrad import optim
from scratchgrad.nn import Parameter
from scratchgrad.optim import lr_scheduler

STEPS = 20
BASE_LRS = [0.1, 0.02]


def _warm_up(epoch):
    return min(1.0, (epoch + 1) / 5) * 0.9**epoch


# (name shared by both lr_scheduler modules, optimizer name, keyword arguments)
CASES = [
    ("StepLR", "SGD", {"step_size": 4, "gamma": 0.5}),
    ("MultiStepLR", "SGD", {"milestones": [3, 7, 7, 15], "gamma": 0.5}),
    ("ExponentialLR", "SGD", {"gamma": 0.85}),
    ("CosineAnnealingLR", "SGD", {"T_max": 6, "eta_min": 0.001}),
    ("LambdaLR", "SGD", {"lr_lambda": _warm_up}),
    ("LambdaLR", "SGD", {"lr_lambda": [_warm_up, lambda epoch: 1 / (1 + epoch)]}),
    ("OneCycleLR", "SGD", {"max_lr": 0.5, "total_steps": STEPS}),
    ("OneCycleLR", "Adam", {"max_lr": [0.5, 0.2], "epochs": 4, "steps_per_epoch": 5, "anneal_strategy": "linear"}),
    ("OneCycleLR", "SGD", {"max_lr": 0.3, "total_steps": STEPS, "three_phase": True, "pct_start": 0.25}),
    ("OneCycleLR", "Adam", {"max_lr": 0.3, "total_steps": STEPS, "cycle_momentum": False, "div_factor": 10.0}),
]
# A loss that improves, stalls, wobbles within the threshold, improves again: cuts, cooldown and floors happen.
METRICS = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.6]
PLATEAU_CASES = [
    {},
    {"patience": 1},
    {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"patience": 0, "min_lr": [0.03, 0.001], "threshold_mode": "abs", "threshold": 0.05},
    {"mode": "max", "patience": 1, "factor": 0.3},
]


def _groups(make_param):
    return [{"params": [make_param()], "lr": lr} for lr in BASE_LRS]


def _ours(optimizer_name, **kwargs):
    kwargs.setdefault("momentum", 0.9) if optimizer_name == "SGD" else None
    return getattr(optim, optimizer_name)(_groups(lambda: Parameter(np.zeros(2))), **kwargs)


def _theirs(torch, optimizer_name, **kwargs):
    kwargs.setdefault("momentum", 0.9) if optimizer_name == "SGD" else None
    return getattr(torch.optim, optimizer_name)(_groups(lambda: torch.zeros(2, requires_grad=True)), **kwargs)


def _trace(optimizer, scheduler, metrics=None):
    """Per step: each group's lr and momentum (or beta1), after construction and after each scheduler step."""
    def snapshot():
        return [[g["lr"], g.get("momentum", g.get("betas", (0.0,))[0])] for g in optimizer.param_groups]

    rows = [snapshot()]
    for step in range(STEPS):
        optimizer.step()
        scheduler.step(*([metrics[step]] if metrics else []))
        rows.append(snapshot())
        assert scheduler.get_last_lr() == [g["lr"] for g in optimizer.param_groups]
    return np.array(rows)


@pytest.mark.parametrize(("name", "optimizer_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_schedule_matches_torch_over_20_steps(torch, name, optimizer_name, kwargs):
    ours = _ours(optimizer_name)
    theirs = _theirs(torch, optimizer_name)
    mine = _trace(ours, getattr(lr_scheduler, name)(ours, **kwargs))
    reference = _trace(theirs, getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs))
    assert len(np.unique(reference[:, 0, 0])) > 2, "the oracle's lr barely moved: this case tests nothing"
    np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) or "defaults" for k in PLATEAU_CASES])
def test_reduce_on_plateau_matches_torch_over_20_epochs(torch, kwargs):
    metrics = [1 - m for m in METRICS] if kwargs.get("mode") == "max" else METRICS
    ours, theirs = _ours("SGD"), _theirs(torch, "SGD")
    mine = _trace(ours, lr_scheduler.ReduceLROnPlateau(ours, **kwargs), metrics)
    reference = _trace(theirs, torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs), metrics)
    np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-15)
    if kwargs:  # the defaults' patience of 10 outlasts every stall above: that case checks nothing is cut
        assert reference[-1, 0, 0] < BASE_LRS[0], "the oracle never cut the lr: this case tests nothing"


def test_reduce_on_plateau_takes_a_one_element_tensor():
    import scratchgrad as sg

    optimizer = _ours("SGD")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
    scheduler.step(sg.Tensor(np.array(1.0)))
    scheduler.step(sg.Tensor(np.array(2.0)))
    assert scheduler.get_last_lr() == pytest.approx([0.01, 0.002])


# ---- the order of the two steps -----------------------------------------------------------------------------
def test_stepping_the_scheduler_before_the_optimizer_warns_as_torch_does(torch):
    ours, theirs = _ours("SGD"), _theirs(torch, "SGD")
    mine, reference = lr_scheduler.StepLR(ours, step_size=1), torch.optim.lr_scheduler.StepLR(theirs, step_size=1)
    with pytest.warns(UserWarning, match=re.escape("Detected call of `lr_scheduler.step()` before `optimizer.step()`")):
        reference.step()
    with pytest.warns(UserWarning, match=re.escape("Detected call of `lr_scheduler.step()` before `optimizer.step()`")):
        mine.step()


def test_the_right_order_and_later_steps_do_not_warn():
    optimizer = _ours("SGD")
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.step()
        scheduler.step()
        scheduler.step()  # only the first step is checked, as in PyTorch


def test_an_optimizer_step_before_the_scheduler_existed_does_not_count():
    optimizer = _ours("SGD")
    optimizer.step()
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()


# ---- checkpoints --------------------------------------------------------------------------------------------
class _Warmup:
    """A callable object: LambdaLR's state_dict keeps its attributes (a plain function is kept as None)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


RESUMABLE = [
    ("MultiStepLR", {"milestones": [2, 5], "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.8}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": STEPS}),
]


@pytest.mark.parametrize(("name", "kwargs"), RESUMABLE, ids=[n for n, _ in RESUMABLE])
def test_restored_schedule_continues_identically(name, kwargs):
    optimizer = _ours("SGD")
    scheduler = getattr(lr_scheduler, name)(optimizer, **kwargs)
    for _ in range(7):
        optimizer.step()
        scheduler.step()
    saved_optimizer, saved = optimizer.state_dict(), scheduler.state_dict()
    restored_optimizer = _ours("SGD")
    restored_optimizer.load_state_dict(saved_optimizer)
    restored = getattr(lr_scheduler, name)(restored_optimizer, **kwargs)
    restored.load_state_dict(saved)
    for _ in range(STEPS - 7):
        for opt, sched in ((optimizer, scheduler), (restored_optimizer, restored)):
            opt.step()
            sched.step()
        assert restored.get_last_lr() == scheduler.get_last_lr()
        assert restored_optimizer.param_groups[0]["momentum"] == optimizer.param_groups[0]["momentum"]


def test_lambda_state_keeps_a_callable_objects_attributes_and_not_a_function():
    optimizer = _ours("SGD")
    scheduler = lr_scheduler.LambdaLR(optimizer, [_Warmup(4), _warm_up])
    saved = scheduler.state_dict()
    assert saved["lr_lambdas"] == [{"epochs": 4}, None]
    restored = lr_scheduler.LambdaLR(_ours("SGD"), [_Warmup(9), _warm_up])
    restored.load_state_dict(saved)
    assert restored.lr_lambdas[0].epochs == 4 and restored.lr_lambdas[1] is _warm_up


def test_a_checkpoint_from_before_the_order_check_still_loads():
    optimizer = _ours("SGD")
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2)
    optimizer.step()
    scheduler.step()
    saved = {k: v for k, v in scheduler.state_dict().items() if k not in ("_step_count", "_optimizer_steps_at_start")}
    restored = lr_scheduler.StepLR(_ours("SGD"), step_size=2)
    restored.load_state_dict(saved)
    assert restored.last_epoch == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored.step()  # a resumed run is past its first step: no order warning


def test_plateau_state_round_trips():
    optimizer = _ours("SGD")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)
    for metric in METRICS[:5]:
        scheduler.step(metric)
    restored = lr_scheduler.ReduceLROnPlateau(_ours("SGD"), patience=1)
    restored.load_state_dict(scheduler.state_dict())
    assert (restored.best, restored.num_bad_epochs, restored.last_epoch) == (0.9, 1, 5)
    assert restored.get_last_lr() == pytest.approx([0.01, 0.002])


# ---- errors -------------------------------------------------------------------------------------------------
BAD = [
    ("MultiStepLR", {"milestones": [2, -1]}, "each milestone", -1),
    ("ExponentialLR", {"gamma": -0.5}, "gamma", -0.5),
    ("LambdaLR", {"lr_lambda": [_warm_up]}, "lr_lambda", [_warm_up]),
    ("LambdaLR", {"lr_lambda": 0.5}, "lr_lambda", 0.5),
    ("ReduceLROnPlateau", {"mode": "lowest"}, "mode", "lowest"),
    ("ReduceLROnPlateau", {"factor": 1.0}, "factor", 1.0),
    ("ReduceLROnPlateau", {"threshold_mode": "ratio"}, "threshold_mode", "ratio"),
    ("ReduceLROnPlateau", {"min_lr": [0.1]}, "min_lr", [0.1]),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, "total_steps", 0),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}, "pct_start", 1.5),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "cosine"}, "anneal_strategy", "cosine"),
]


@pytest.mark.parametrize(("name", "kwargs", "argument", "value"), BAD, ids=[f"{n}-{a}" for n, _, a, _ in BAD])
def test_bad_arguments_raise_naming_them(name, kwargs, argument, value):
    pattern = rf"{name}: {re.escape(argument)} must be .*; received {re.escape(repr(value))}"
    with pytest.raises(ValueError, match=pattern):
        getattr(lr_scheduler, name)(_ours("SGD"), **kwargs)


def test_one_cycle_needs_a_length_and_refuses_to_run_past_it():
    with pytest.raises(ValueError, match="total_steps, or both epochs and steps_per_epoch"):
        lr_scheduler.OneCycleLR(_ours("SGD"), max_lr=0.1, epochs=3)
    optimizer = _ours("SGD")
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=2)
    optimizer.step()
    scheduler.step()
    scheduler.step()
    with pytest.raises(ValueError, match="stepped 3 times; the schedule has total_steps=2"):
        scheduler.step()


def test_one_cycle_momentum_needs_an_optimizer_with_momentum():
    optimizer = optim.Adagrad([Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match="cycle_momentum must be False for an optimizer without momentum"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=5)
    lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=5, cycle_momentum=False)
