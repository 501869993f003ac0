"""Every optimizer against PyTorch: the same parameters, the same 10 random gradients, the same result.

The notes' own rules have no PyTorch twin: Momentum is checked against the torch SGD it equals, Nesterov against
a line-by-line NumPy transcription of the notes' four lines.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import optim
from scratchgrad.nn import Parameter

SHAPES = [(4, 3), (5,)]
STEPS = 10
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}

# (class name, shared by scratchgrad.optim and torch.optim; keyword arguments). An empty dict checks the defaults.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.05, "initial_accumulator_value": 0.3}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.02, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.05}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "amsgrad": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
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


def _run_ours(cls, kwargs, init, grads):
    params = [Parameter(array.copy()) for array in init]
    _descend(params, cls(params, **kwargs), grads, lambda p, g: setattr(p, "grad", g))
    return [p.data for p in params]


def _run_torch(torch, cls, kwargs, init, grads):
    params = [torch.tensor(array, requires_grad=True) for array in init]
    _descend(params, cls(params, **kwargs), grads, lambda p, g: setattr(p, "grad", torch.from_numpy(g)))
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}])
def test_notes_momentum_equals_torch_sgd_with_momentum(torch, kwargs, dtype):
    # v = -lr * buf: the notes' velocity is PyTorch's buffer scaled by -lr, so the steps agree.
    init, grads = _problem(dtype)
    ours = _run_ours(optim.Momentum, kwargs, init, grads)
    theirs = _run_torch(torch, torch.optim.SGD, kwargs, init, grads)
    _assert_same(ours, theirs, init, dtype)


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
