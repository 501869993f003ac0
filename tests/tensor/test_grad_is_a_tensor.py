"""``.grad`` is a Tensor, as in PyTorch: it prints, zeroes and updates in place like one, and backward adds into
the same Tensor; the engine reads its array."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


def _manual_sgd(L):
    """A PyTorch lesson's hand-written loop: update under no_grad, then zero the gradient in place."""
    L.manual_seed(0)
    x = L.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = L.tensor([[1.0], [2.0], [3.0]])
    w = L.tensor([[0.1], [-0.2]], requires_grad=True)
    b = L.zeros(1, requires_grad=True)
    printed = []
    for _ in range(5):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        printed.append(repr(w.grad))
        with L.no_grad():
            w -= 0.01 * w.grad
            b.sub_(0.01 * b.grad)
            w.grad.zero_()
            b.grad.zero_()
    printed.append(repr(w.grad))
    return printed, w.detach().numpy().copy(), b.detach().numpy().copy()


def test_a_hand_written_training_loop_prints_and_ends_as_torch(torch):
    (ours, w, b), (theirs, tw, tb) = _manual_sgd(sg), _manual_sgd(torch)
    assert ours == theirs
    np.testing.assert_allclose(w, tw, rtol=1e-6)
    np.testing.assert_allclose(b, tb, rtol=1e-6)


def test_grad_is_a_tensor_of_the_leaf_dtype_with_its_array_in_data():
    x = sg.tensor([1.0, 2.0], dtype=sg.float64, requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, sg.Tensor) and x.grad.dtype == sg.float64 and not x.grad.requires_grad
    assert isinstance(x.grad.data, np.ndarray) and x.grad.tolist() == [2.0, 4.0]
    assert repr(x.grad) == "tensor([2., 4.], dtype=scratchgrad.float64)"


def test_backward_adds_into_the_same_tensor_whoever_holds_it(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        held = x.grad
        (x * x).sum().backward()
        assert x.grad is held and held.tolist() == [5.0, 7.0]


def test_assigning_grad_takes_a_tensor_or_an_array_of_the_right_shape():
    x = sg.zeros(2, 3, requires_grad=True)
    g = sg.ones(2, 3)
    x.grad = g
    assert x.grad is g
    x.grad = np.full((2, 3), 2.0, np.float32)
    assert isinstance(x.grad, sg.Tensor) and x.grad.sum().item() == 12.0
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(3,\), but the tensor has shape \(2, 3\)"):
        x.grad = np.ones(3, np.float32)


def test_optimizers_and_zero_grad_work_on_the_tensor():
    model = sg.nn.Linear(3, 2)
    opt = sg.optim.SGD(model.parameters(), lr=0.1)
    model(sg.ones(4, 3)).sum().backward()
    before = model.weight.detach().numpy().copy()
    expected = before - 0.1 * model.weight.grad.numpy()
    opt.step()
    np.testing.assert_allclose(model.weight.detach().numpy(), expected, rtol=1e-6)
    opt.zero_grad(set_to_none=False)
    assert isinstance(model.weight.grad, sg.Tensor) and not model.weight.grad.numpy().any()
    opt.zero_grad()
    assert model.weight.grad is None


def test_zeroing_and_clipping_keep_the_same_grad_tensor(torch):
    for lib in (sg, torch):
        model = lib.nn.Linear(3, 2)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        (model(lib.ones(4, 3)) * 10).sum().backward()
        held = model.weight.grad
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        assert model.weight.grad is held and float(held.norm()) <= 1.0
        opt.zero_grad(set_to_none=False)
        assert model.weight.grad is held and not held.any()
        model.zero_grad(set_to_none=False)
        assert model.weight.grad is held


def test_a_grad_of_another_dtype_is_refused():
    x = sg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="assigned grad has dtype float64, but the tensor has dtype float32"):
        x.grad = np.zeros(2)


def test_clipping_by_norm_order_and_by_value_matches_torch(torch):
    def run(lib):
        w = lib.tensor([[3.0, 4.0], [0.0, 12.0]], requires_grad=True)
        out = []
        for clip in (lambda: lib.nn.utils.clip_grad_norm_([w], 5.0),
                     lambda: lib.nn.utils.clip_grad_norm_(w, 1.0, norm_type=float("inf")),
                     lambda: lib.nn.utils.clip_grad_value_([w], 7)):
            w.grad = None
            (w * w).sum().backward()
            norm = clip()
            out.append((None if norm is None else norm.item(), w.grad.tolist()))
        return out

    for (n, g), (tn, tg) in zip(run(sg), run(torch)):
        assert n == pytest.approx(tn) and np.allclose(g, tg)
