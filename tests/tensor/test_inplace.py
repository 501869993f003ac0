"""tensor/inplace.py: in-place ops give PyTorch's values and gradients, and the version counter refuses to
differentiate through an array that was changed after it was saved."""

from __future__ import annotations

import numpy as np
import pytest
from tensor_twins import assert_same

import scratchgrad as sg


def _both(torch, code):
    """Run ``code(lib)`` on both libraries; it returns what to compare."""
    return code(sg), code(torch)


@pytest.mark.parametrize(
    "code",
    [
        lambda L: L.tensor([1.0, 2.0]).add_(L.tensor([3.0, 4.0]), alpha=2),
        lambda L: L.tensor([1.0, 2.0]).sub_(1.5),
        lambda L: L.tensor([[1.0, 2.0]]).mul_(L.tensor([[3.0], [4.0]])[0]),
        lambda L: L.tensor([1, 2]).mul_(3),
        lambda L: L.tensor([1.0, 2.0]).div_(4),
        lambda L: L.tensor([-1.0, 0.5, 2.0]).clamp_(min=0, max=1),
        lambda L: L.ones(2, 3).zero_(),
        lambda L: L.zeros(2, dtype=L.int64).fill_(7),
        lambda L: L.zeros(2, 3).copy_(L.tensor([1.0, 2.0, 3.0])),
    ],
)
def test_in_place_values_match_torch(torch, code):
    ours, theirs = _both(torch, code)
    assert_same(ours, theirs)


def test_in_place_returns_the_same_tensor_and_changes_shared_memory():
    a = np.zeros(3, dtype=np.float32)
    t = sg.from_numpy(a)
    assert t.add_(1) is t and a.tolist() == [1.0, 1.0, 1.0]


def test_setitem_matches_torch(torch):
    def code(L):
        t = L.zeros(3, 4)
        t[0] = 1.0
        t[:, 2] = L.tensor([5.0, 6.0, 7.0])
        t[t > 5] = -1.0
        return t

    assert_same(*_both(torch, code))


def test_in_place_on_a_non_leaf_is_differentiated_as_torch(torch):
    def code(L):
        x = L.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = x * 2
        y.add_(x, alpha=3)
        y.mul_(x)
        y[1] = x[0] * 10
        y.sum().backward()
        return y, x.grad

    (y, g), (ty, tg) = _both(torch, code)
    assert_same(y, ty)
    np.testing.assert_allclose(g, tg.numpy())
    assert y.grad_fn is not None and not y.is_leaf


def test_in_place_on_a_constant_with_a_gradient_operand_joins_the_graph(torch):
    def code(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        z = L.zeros(2)
        z.add_(x * x)
        z.sum().backward()
        return x.grad

    ours, theirs = _both(torch, code)
    np.testing.assert_allclose(ours, theirs.numpy())


def test_in_place_on_a_leaf_that_requires_grad_is_refused_but_allowed_under_no_grad():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad cannot be changed in place"):
        w.add_(1)
    with sg.no_grad():
        w.sub_(0.5)
    assert w.tolist() == [0.5, 1.5] and w.is_leaf


def test_changing_a_saved_input_in_place_makes_backward_raise(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        s = lib.tensor([3.0, 4.0])
        y = (x * s).sum()  # Mul saved s
        s.mul_(2)
        with pytest.raises(RuntimeError, match="in-?place"):
            y.backward()


def test_changing_a_saved_output_in_place_makes_backward_raise(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # Exp saved its output
        with lib.no_grad():
            y.add_(1)
        with pytest.raises(RuntimeError, match="in-?place"):
            y.sum().backward()


def test_changing_an_input_that_backward_does_not_need_is_fine(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        y = (x + c).sum()  # Add saves nothing
        c.add_(1)
        y.backward()
        np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 1.0])


def test_setitem_bumps_the_version_too():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    s = sg.tensor([3.0, 4.0])
    y = (x * s).sum()
    s[0] = 0.0
    with pytest.raises(RuntimeError, match="version 1, backward needs version 0"):
        y.backward()


def test_in_place_dtype_that_cannot_hold_the_result_is_refused():
    with pytest.raises(TypeError, match="dtype float.* cannot be stored in a tensor of dtype int64"):
        sg.tensor([1, 2]).add_(0.5)


def test_an_in_place_change_through_a_view_reaches_the_saved_base(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        s = lib.tensor([3.0, 4.0])
        y = (x * s).sum()  # Mul saved s
        s[0:1].mul_(2)  # changes s through a view
        with pytest.raises(RuntimeError, match="in-?place"):
            y.backward()


def test_an_in_place_change_of_the_base_reaches_a_saved_view(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        s = lib.tensor([[3.0, 4.0]])
        y = (x * s.view(2)).sum()  # Mul saved the view
        s.add_(1)
        with pytest.raises(RuntimeError, match="in-?place"):
            y.backward()


def test_a_copy_made_by_advanced_indexing_is_its_own(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        s = lib.tensor([3.0, 4.0])
        y = (x * s).sum()
        s[lib.tensor([0, 1])].add_(1)  # a copy: s is unchanged
        y.backward()
        np.testing.assert_array_equal(np.asarray(x.grad), [3.0, 4.0])


def test_in_place_while_recording_keeps_the_tensors_dtype_and_shape(torch):
    for lib in (sg, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 1
        a.add_(lib.ones(3, dtype=lib.float64, requires_grad=True))
        half = lib.zeros(3, dtype=lib.float16)
        half.mul_(x)
        assert str(a.dtype).endswith("float32") and str(half.dtype).endswith("float16")
        a.sum().backward()
        assert x.grad.tolist() == [1.0, 1.0, 1.0]
        with pytest.raises(RuntimeError):
            (lib.tensor([1.0, 2.0], requires_grad=True) * 1).add_(lib.ones(3, 2, requires_grad=True))
    with pytest.raises(TypeError, match="cannot be stored in a tensor of dtype int64"):
        sg.zeros(3, dtype=sg.int64).add_(sg.ones(3, requires_grad=True))


def test_power_and_floor_division_assignments_are_in_place(torch):
    for lib in (sg, torch):
        t = lib.tensor([3.0, -7.0])
        alias = t
        t **= 2
        t //= 4
        assert t is alias and t.tolist() == [2.0, 12.0]
        assert lib.tensor([2.0]).pow_(3).tolist() == [8.0] and lib.tensor([7]).floor_divide_(2).tolist() == [3]
