"""The autograd surface as PyTorch spells it: grad_fn (name, next_functions), backward(gradient, retain_graph),
no_grad, enable_grad, set_grad_enabled (a call and a block), inference_mode, autograd.grad."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


def test_grad_fn_names_and_next_functions(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y.exp().sum()
        assert y.grad_fn.name() == "MulBackward0" and z.grad_fn.name() == "SumBackward0"
        assert x.grad_fn is None and x.is_leaf and not y.is_leaf
        (node, _), (constant, _) = y.grad_fn.next_functions
        assert node.name().endswith("AccumulateGrad") and node.variable is x and constant is None
        assert z.grad_fn.next_functions[0][0].name() == "ExpBackward0"
        assert z.grad_fn.next_functions[0][0].next_functions[0][0] is y.grad_fn


def test_backward_with_gradient_and_retain_graph(torch):
    grads = []
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.backward(gradient=lib.tensor([1.0, 0.5, 0.0]), retain_graph=True)
        y.backward(lib.tensor([1.0, 1.0, 1.0]))
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[0], grads[1].numpy() if hasattr(grads[1], "numpy") else grads[1])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        x = sg.tensor([1.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()


def test_set_grad_enabled_as_a_call_and_as_a_block():
    try:
        sg.set_grad_enabled(False)
        assert not sg.is_grad_enabled()
        assert not (sg.tensor([1.0], requires_grad=True) * 2).requires_grad
    finally:
        sg.set_grad_enabled(True)
    with sg.set_grad_enabled(False):
        assert not sg.is_grad_enabled()
        with sg.enable_grad():
            assert sg.is_grad_enabled()
    assert sg.is_grad_enabled()
    with sg.no_grad():
        with sg.set_grad_enabled(True):
            assert sg.is_grad_enabled()
        assert not sg.is_grad_enabled()


def test_inference_mode_block_and_decorator():
    x = sg.tensor([1.0], requires_grad=True)
    with sg.inference_mode():
        assert (x * 2).grad_fn is None
    with sg.inference_mode(False):
        assert (x * 2).grad_fn is not None

    @sg.inference_mode()
    def predict(t):
        return t * 3

    assert not predict(x).requires_grad and sg.is_grad_enabled()


def test_autograd_grad_matches_torch_and_leaves_grad_alone(torch):
    results = []
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        h = w @ x
        loss = (h * h).sum() + x.sum()
        gx, gh = lib.autograd.grad(loss, [x, h], retain_graph=True)
        gw = lib.autograd.grad(loss, w)[0]
        assert x.grad is None and w.grad is None
        results.append([np.asarray(g.detach()) for g in (gx, gh, gw)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_autograd_grad_of_an_unused_input():
    x, unused = sg.tensor([1.0], requires_grad=True), sg.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 .* was not used"):
        sg.autograd.grad((x * 2).sum(), [x, unused], retain_graph=True)
    assert sg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None
