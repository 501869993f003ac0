"""Our layers and torch.nn's, built by the same code: a state dict moves either way (strict), and outputs, every
parameter's gradient and BatchNorm's buffers agree over training steps and in eval."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import TORCH_TOL, assert_close, random_array

import scratchgrad.nn as sg_nn
from scratchgrad import Tensor


def build(nn):
    """The same network from either library: the names and arguments of every layer coincide.

    No bias right before a batch norm: its gradient is zero up to rounding, where a relative error means nothing.
    """
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, 1),
        nn.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 0)),
        nn.LocalResponseNorm(3, 0.1),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(6, 5, bias=False),
        nn.BatchNorm1d(5),
        nn.Sigmoid(),
        nn.Linear(5, 3),
        nn.LogSoftmax(1),
    )


def pair(torch, dtype):
    ours = build(sg_nn).to(dtype)
    theirs = build(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    return ours, theirs


def to_torch(torch, state):
    return {k: torch.from_numpy(np.array(v)) for k, v in state.items()}


def assert_same_state(ours, theirs, tol):
    theirs_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(theirs_state)
    for key, value in ours.state_dict().items():
        assert_close(value, theirs_state[key].numpy(), tol, key)


def step(torch, ours, theirs, x, tol, seed):
    """One forward and backward on both; outputs and every parameter's gradient must agree."""
    for p in ours.parameters():
        p.grad = None
    theirs.zero_grad()
    y, t = ours(Tensor(x)), theirs(torch.from_numpy(x))
    assert_close(y.data, t.detach().numpy(), tol, "output")
    c = np.random.default_rng(seed).standard_normal(y.shape).astype(x.dtype)
    (y * c).sum().backward()
    (t * torch.from_numpy(c)).sum().backward()
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, theirs_params[name].grad.numpy(), tol, f"gradient of {name}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_our_state_dict_loads_strictly_into_torch_and_training_then_eval_agree(torch, dtype):
    ours, theirs = pair(torch, dtype)
    theirs.load_state_dict(to_torch(torch, ours.state_dict()), strict=True)
    tol = TORCH_TOL[np.dtype(dtype)]
    for i in range(3):
        step(torch, ours, theirs, random_array(i, (4, 2, 9, 7), -1.0, 2.0).astype(dtype), tol, seed=i)
        assert_same_state(ours, theirs, tol)  # running statistics and num_batches_tracked
    ours.eval()
    theirs.eval()
    step(torch, ours, theirs, random_array(9, (3, 2, 9, 7)).astype(dtype), tol, seed=9)
    assert_same_state(ours, theirs, tol)


def test_a_torch_state_dict_loads_strictly_into_ours_and_gives_the_same_outputs(torch):
    ours, theirs = pair(torch, np.float64)
    theirs.train()
    theirs(torch.from_numpy(random_array(0, (4, 2, 9, 7))))  # move the running statistics off their defaults
    theirs.eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    assert_same_state(ours, theirs, TORCH_TOL[np.dtype(np.float64)])
    x = random_array(1, (3, 2, 9, 7))
    assert_close(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), 1e-10, "output")
