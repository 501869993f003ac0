"""Tensor.register_post_accumulate_grad_hook: runs once per backward, after the leaf's last gradient, as torch's."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


def _seen_grads(x, loss_of):
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda leaf: seen.append(np.array(leaf.grad)))
    loss_of(x).backward()
    return seen, handle


def test_a_leaf_used_on_two_paths_is_hooked_once_with_its_whole_gradient(torch):
    values = np.array([1.0, -2.0, 3.0])
    x = sg.tensor(values, requires_grad=True)
    seen, _ = _seen_grads(x, lambda x: (x * 2).sum() + (x * x).sum() + x.exp().mean())
    tx = torch.tensor(values, requires_grad=True)
    theirs = []
    tx.register_post_accumulate_grad_hook(lambda leaf: theirs.append(leaf.grad.numpy().copy()))
    ((tx * 2).sum() + (tx * tx).sum() + tx.exp().mean()).backward()
    assert len(seen) == len(theirs) == 1
    np.testing.assert_allclose(seen[0], theirs[0], rtol=1e-12)


def test_hooks_see_accumulated_grads_and_run_in_order_of_readiness():
    w1, w2 = sg.ones(2, requires_grad=True), sg.ones(2, requires_grad=True)
    order = []
    for name, w in (("w1", w1), ("w2", w2)):
        w.register_post_accumulate_grad_hook(lambda leaf, name=name: order.append((name, leaf.grad.tolist())))
    ((w1 * 3).sum() * (w2 * 1).sum()).backward()
    ((w1 * 3).sum() * (w2 * 1).sum()).backward()
    assert sorted(order[:2]) == [("w1", [6.0, 6.0]), ("w2", [6.0, 6.0])]
    assert sorted(order[2:]) == [("w1", [12.0, 12.0]), ("w2", [12.0, 12.0])]


def test_a_removed_hook_no_longer_runs():
    x = sg.ones(3, requires_grad=True)
    seen, handle = _seen_grads(x, lambda x: x.sum())
    handle.remove()
    x.sum().backward()
    assert len(seen) == 1


def test_only_leaves_take_the_hook():
    y = sg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only a leaf tensor"):
        y.register_post_accumulate_grad_hook(print)


def test_removing_the_last_hook_leaves_backward_nothing_to_count():
    from scratchgrad import grad_hooks

    x = sg.tensor([1.0], requires_grad=True)
    first = x.register_post_accumulate_grad_hook(lambda leaf: None)
    second = x.register_post_accumulate_grad_hook(lambda leaf: None)
    first.remove()
    assert grad_hooks.has_hooks()
    second()  # a handle is also callable, as a module hook's is
    assert not grad_hooks.has_hooks()


def test_a_handle_used_as_a_context_removes_its_hook_after_the_block():
    seen = []
    x = sg.tensor([1.0], requires_grad=True)
    with x.register_post_accumulate_grad_hook(lambda leaf: seen.append(1)):
        (x * 2).sum().backward()
    (x * 2).sum().backward()
    assert seen == [1]
