"""In-place ops on views while gradients flow: the base's memory and history change as in PyTorch, and an edge
recorded before an in-place change keeps the history it saw (``Function.creators``)."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.ops.shape import positions


def _both(torch, code):
    return code(sg), code(torch)


CASES = {
    "slice of a non-leaf, later read through the base": lambda L: _slice_of_a_non_leaf(L),
    "rows of a constant, one in place, one assigned": lambda L: _rows_of_a_constant(L),
    "a row of a transposed view": lambda L: _row_of_a_transpose(L),
    "a chain of views (reshape of a slice)": lambda L: _chain_of_views(L),
    "an edge recorded before the change keeps the old history": lambda L: _old_edge(L),
}


def _slice_of_a_non_leaf(L):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1.0
    alias = x.view(3)
    x[1:].mul_(w[:2])
    (x * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return x, alias, w.grad


def _rows_of_a_constant(L):
    a = L.zeros(2, 3)
    b = L.ones(3, requires_grad=True)
    a[0].add_(b * 2)
    a[1] = b * 3
    (a.sum(0) * L.tensor([1.0, 2.0, 3.0])).sum().backward()
    return a, b.grad


def _row_of_a_transpose(L):
    c = L.ones(2, 3, requires_grad=True)
    d = c * 2
    d.t()[0].mul_(L.tensor([5.0, 7.0]))
    (d * L.arange(6.0).reshape(2, 3)).sum().backward()
    return d, c.grad


def _chain_of_views(L):
    w = L.tensor([0.5, -1.0], requires_grad=True)
    x = L.arange(8.0).reshape(2, 4) * 1.0
    x[1:].reshape(2, 2)[:, 1].mul_(w)
    (x * x).sum().backward()
    return x, w.grad


def _old_edge(L):
    w = L.tensor([1.0, 2.0], requires_grad=True)
    x = w * 3
    y = x + 1  # Add saves nothing: its edge to x must still lead to x's old history
    x.mul_(w)
    (y.sum() + 10 * x.sum()).backward()
    return y, x, w.grad


def test_a_view_of_a_leaf_that_requires_grad_is_refused_as_in_torch(torch):
    for lib in (sg, torch):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf"):
            leaf[0:2].mul_(2)


def test_an_output_saved_for_backward_changed_through_a_view_makes_backward_raise(torch):
    for lib in (sg, torch):
        p = lib.ones(3, requires_grad=True)
        q = p.exp()  # Exp saved its output
        q[0:2].add_(lib.ones(2, requires_grad=True))
        with pytest.raises(RuntimeError, match="in-?place"):
            q.sum().backward()


def test_an_expanded_view_cannot_be_changed_in_place_while_recording():
    x = sg.ones(1, 3) * 1.0
    w = sg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="repeats elements"):
        x.expand(2, 3).add_(w)


def test_positions_index_a_view_in_its_base_for_any_layout():
    base = np.arange(24.0).reshape(2, 3, 4)
    batch_last = np.ascontiguousarray(base.transpose(1, 2, 0)).transpose(2, 0, 1)
    for b in (base, batch_last):
        for view in (b[1], b[:, 1:3, ::2], b.transpose(2, 0, 1)[1:], b[0].T[::2]):
            assert np.shares_memory(b, view)
            np.testing.assert_array_equal(b[positions(b, view)], view)
    assert positions(base, np.broadcast_to(base[0, 0, :1], (3,))) is None


def _other_view_of_the_changed_base(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = L.tensor([5.0], requires_grad=True)
    a = x * 1
    first, second = a[0:2], a[1:3]
    first.mul_(y)  # second shares the changed element: it takes the base's new history when next used
    (second * L.tensor([1.0, 10.0])).sum().backward()
    return second, x.grad, y.grad


def _base_changed_under_its_view(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1
    view = a[0:2]
    a.mul_(2)  # the view sees the new values and the new history
    view.sum().backward()
    return view, x.grad


def _one_element_is_a_view(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1
    a[0].mul_(x[2])
    a.sum().backward()
    plain = L.zeros(3)
    plain[1].fill_(5)
    return a, x.grad, plain


def _input_changed_after_an_op_that_saved_only_its_output(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = a.exp()  # exp saves its output, not its input: changing the input is fine
    a.add_(1)
    y.sum().backward()
    return y, x.grad


CASES.update({
    "another view of the changed base": _other_view_of_the_changed_base,
    "a base changed under its view": _base_changed_under_its_view,
    "one element indexed is a view": _one_element_is_a_view,
    "an input changed after an op that saved only its output": _input_changed_after_an_op_that_saved_only_its_output,
})


@pytest.mark.parametrize("name", list(CASES))
def test_in_place_through_a_view_gives_torch_values_and_gradients(torch, name):
    ours, theirs = _both(torch, CASES[name])
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(o.tolist()), np.asarray(t.tolist()), rtol=1e-6)
