"""Every optimizer against PyTorch: the same parameters, the same 20 random gradients, the same result.

The notes' own rules have no PyTorch twin: Momentum is checked against the torch SGD it equals, Nesterov against
a line-by-line NumPy transcription of the notes' four lines.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import optim
from scratchgrad.nn import Parameter

SHAPES = [(4, 3), (5,)]
STEPS = 20
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}

# (class name, shared by scratchgrad.optim and torch.optim; keyword arguments). An empty dict checks the defaults.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("SGD", {}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.05, "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.02, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.05}),
    ("RMSprop", {"momentum": 0.9, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05}),
    ("Adadelta", {"maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "amsgrad": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.05, "maximize": True}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True}),
]


def _problem(dtype):
    """Starting parameters and STEPS lists of gradients whose size changes from step to step.

    The changing size makes a shrinking second moment happen, which is what AMSGrad's maximum is for.
    """
    rng = np.random.default_rng(42)
    init = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    scales = 2.0 ** rng.integers(-3, 3, size=STEPS)
    grads = [[(scale * rng.standard_normal(shape)).astype(dtype) for shape in SHAPES] for scale in scales]
    return init, grads


def _descend(params, optimizer, grads, set_grad):
    """One optimizer.step() per list of gradients; each parameter gets a fresh copy of its gradient."""
    for step_grads in grads:
        for param, grad in zip(params, step_grads):
            set_grad(param, grad.copy())
        optimizer.step()


def _set_our_grad(param, grad):
    param.grad = grad


def _set_torch_grad(param, grad):
    param.grad = param.new_tensor(grad)


def _run_ours(cls, kwargs, init, grads):
    params = [Parameter(array.copy()) for array in init]
    _descend(params, cls(params, **kwargs), grads, _set_our_grad)
    return [p.data for p in params]


def _run_torch(torch, cls, kwargs, init, grads):
    params = [torch.tensor(array, requires_grad=True) for array in init]
    _descend(params, cls(params, **kwargs), grads, _set_torch_grad)
    return [p.detach().numpy() for p in params]


def _assert_same(ours, theirs, init, dtype):
    tol = TOLERANCE[dtype]
    for mine, reference, start in zip(ours, theirs, init):
        assert mine.dtype == dtype
        assert not np.allclose(reference, start), "the oracle did not move: this case tests nothing"
        np.testing.assert_allclose(mine, reference, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}({k or 'defaults'})" for n, k in CASES])
def test_optimizer_matches_torch(torch, name, kwargs, dtype):
    init, grads = _problem(dtype)
    ours = _run_ours(getattr(optim, name), kwargs, init, grads)
    theirs = _run_torch(torch, getattr(torch.optim, name), kwargs, init, grads)
    _assert_same(ours, theirs, init, dtype)


GROUPED = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, [{"lr": 0.01, "nesterov": True}, {"momentum": 0.5, "dampening": 0.2}]),
    ("Adam", {"lr": 0.05}, [{"betas": (0.8, 0.9), "weight_decay": 0.1}, {"amsgrad": True, "maximize": True}]),
    ("RMSprop", {"lr": 0.01}, [{"centered": True}, {"momentum": 0.9, "alpha": 0.9}]),
    ("Adadelta", {}, [{"rho": 0.5}, {"lr": 0.3, "weight_decay": 0.2}]),
]


@pytest.mark.parametrize(("name", "defaults", "groups"), GROUPED, ids=[g[0] for g in GROUPED])
def test_param_groups_with_their_own_options_match_torch(torch, name, defaults, groups):
    # One parameter per group, each group overriding different defaults; a third group added later.
    init, grads = _problem(np.float64)
    ours = [Parameter(a.copy()) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    mine = getattr(optim, name)([{"params": [p], **g} for p, g in zip(ours, groups)], **defaults)
    reference = getattr(torch.optim, name)([{"params": [p], **g} for p, g in zip(theirs, groups)], **defaults)
    extra_ours, extra_theirs = Parameter(init[1].copy() * 2), torch.tensor(init[1] * 2, requires_grad=True)
    _descend(ours, mine, [g[:2] for g in grads[:10]], _set_our_grad)
    _descend(theirs, reference, [g[:2] for g in grads[:10]], _set_torch_grad)
    mine.add_param_group({"params": [extra_ours], "lr": 0.02})
    reference.add_param_group({"params": [extra_theirs], "lr": 0.02})
    rest = [[*g, g[1]] for g in grads[10:]]
    _descend([*ours, extra_ours], mine, rest, _set_our_grad)
    _descend([*theirs, extra_theirs], reference, rest, _set_torch_grad)
    _assert_same([p.data for p in (*ours, extra_ours)], [t.detach().numpy() for t in (*theirs, extra_theirs)],
                 [*init, init[1] * 2], np.float64)
    assert [g["lr"] for g in mine.param_groups] == [g["lr"] for g in reference.param_groups]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}])
def test_notes_momentum_equals_torch_sgd_with_momentum(torch, kwargs, dtype):
    # v = -lr * buf: the notes' velocity is PyTorch's buffer scaled by -lr, so the steps agree.
    init, grads = _problem(dtype)
    ours = _run_ours(optim.Momentum, kwargs, init, grads)
    theirs = _run_torch(torch, torch.optim.SGD, kwargs, init, grads)
    _assert_same(ours, theirs, init, dtype)


def _numpy_tree(torch, value):
    """A torch state_dict with every tensor turned into a NumPy array, as a checkpoint file would hold it."""
    if isinstance(value, dict):
        return {k: _numpy_tree(torch, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_numpy_tree(torch, v) for v in value)
    return value.detach().numpy().copy() if isinstance(value, torch.Tensor) else value


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
        ("RMSprop", {"momentum": 0.9, "centered": True}),
        ("Adam", {"lr": 0.05, "amsgrad": True}),
        ("AdamW", {"lr": 0.05}),
        ("Adadelta", {"rho": 0.8}),
    ],
)
def test_torch_optimizer_state_dict_loads_and_continues_like_torch(torch, name, kwargs):
    # Same layout and state names as PyTorch: a torch checkpoint resumes here and takes torch's next steps.
    init, grads = _problem(np.float64)
    theirs = [torch.tensor(array, requires_grad=True) for array in init]
    torch_optimizer = getattr(torch.optim, name)(theirs, **kwargs)
    _descend(theirs, torch_optimizer, grads[:5], _set_torch_grad)
    ours = [Parameter(t.detach().numpy().copy()) for t in theirs]
    optimizer = getattr(optim, name)(ours, **kwargs)
    optimizer.load_state_dict(_numpy_tree(torch, torch_optimizer.state_dict()))
    _descend(theirs, torch_optimizer, grads[5:], _set_torch_grad)
    _descend(ours, optimizer, grads[5:], _set_our_grad)
    _assert_same([p.data for p in ours], [t.detach().numpy() for t in theirs], init, np.float64)


def _notes_nesterov(init, grads, lr, momentum, weight_decay):
    """The notes' Nesterov.update, transcribed with NumPy (weight decay added to the gradient first)."""
    params = [array.copy() for array in init]
    velocities = [np.zeros_like(array) for array in init]
    for step_grads in grads:
        for W, v, grad in zip(params, velocities, step_grads):
            grad = grad + weight_decay * W
            v *= momentum
            v -= lr * grad
            W += momentum * momentum * v
            W -= (1 + momentum) * lr * grad
    return params


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}])
def test_notes_nesterov_matches_its_four_lines(kwargs, dtype):
    init, grads = _problem(dtype)
    ours = _run_ours(optim.Nesterov, kwargs, init, grads)
    reference = _notes_nesterov(init, grads, kwargs["lr"], kwargs["momentum"], kwargs.get("weight_decay", 0.0))
    _assert_same(ours, reference, init, dtype)
