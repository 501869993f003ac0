"""Tensor, Function and backward(): the graph, the chain rule, accumulation, freeing, no_grad, seeding."""

from __future__ import annotations

import random

import numpy as np
import pytest
from core_helpers import random_array, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad as sg
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Tensor
from scratchgrad.gradcheck import numerical_gradient


def f64(value) -> Tensor:
    return Tensor(np.array(value, dtype=np.float64), requires_grad=True)


def test_apple_orange_graph_gives_price_715_and_the_notes_gradients():
    apple, apple_num = f64(100.0), f64(2.0)
    orange, orange_num = f64(150.0), f64(3.0)
    tax = f64(1.1)

    price = (apple * apple_num + orange * orange_num) * tax
    price.backward()

    assert price.item() == pytest.approx(715.0, rel=1e-12)
    assert apple_num.grad == pytest.approx(110.0, rel=1e-12)
    assert apple.grad == pytest.approx(2.2, rel=1e-12)
    assert orange.grad == pytest.approx(3.3, rel=1e-12)
    assert orange_num.grad == pytest.approx(165.0, rel=1e-12)
    assert tax.grad == pytest.approx(650.0, rel=1e-12)


def test_backward_through_a_5000_op_chain_does_not_recurse():
    x = f64(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


def test_a_tensor_used_twice_receives_both_gradients():
    x = f64([3.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -4.0])


def test_a_diamond_b_is_a_plus_a_then_c_is_b_plus_b_gives_4():
    a = f64(5.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_a_shared_intermediate_feeds_both_branches():
    x = f64(2.0)
    h = x * x  # used by two consumers: y = h*3 + exp(h)
    y = h * 3 + h.exp()
    y.backward()
    assert x.grad == pytest.approx((3 + np.exp(4.0)) * 2 * 2.0, rel=1e-12)


GRAPH_OPS = [lambda p, q: p + q, lambda p, q: (p * q).tanh(), lambda p, q: p - 0.5 * q]


@st.composite
def random_graphs(draw):
    """A program over two leaves: each step applies an op to any two earlier nodes, so nodes are reused freely."""
    return [
        (draw(st.integers(0, len(GRAPH_OPS) - 1)), draw(st.integers(0, i + 1)), draw(st.integers(0, i + 1)))
        for i in range(draw(st.integers(1, 8)))
    ]


def run_graph(program, a, b):
    nodes = [a, b]
    for op, i, j in program:
        nodes.append(GRAPH_OPS[op](nodes[i], nodes[j]))
    out = nodes[2]
    for node in nodes[3:]:  # every intermediate reaches the output, most of them along several paths
        out = out + node
    return out


def graph_total(program, a, b) -> float:
    return float(run_graph(program, Tensor(a), Tensor(b)).data.sum())


@settings(max_examples=40, deadline=None)
@given(program=random_graphs(), seed=seeds)
def test_gradients_through_random_graphs_with_shared_nodes_match_numerical(program, seed):
    a, b = random_array(seed, (3,)), random_array(seed + 1, (2, 1))
    ta, tb = Tensor(a.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True)
    run_graph(program, ta, tb).sum().backward()
    numeric_a = numerical_gradient(lambda v: graph_total(program, v, b), a.copy(), h=1e-6)
    numeric_b = numerical_gradient(lambda v: graph_total(program, a, v), b.copy(), h=1e-6)
    # An absolute tolerance too: a program may cancel a leaf exactly (0.5a + (b - 0.5a)), and an exact zero
    # against the central difference's rounding noise has relative error 1.
    for leaf, numeric in ((ta, numeric_a), (tb, numeric_b)):
        analytic = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad  # None: the program never used it
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_broadcast_gradients_are_summed_back_to_each_input_shape():
    a = Tensor(np.ones((3, 1)), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    (a + b).sum().backward()  # (3, 4): each a[i] feeds 4 elements, each b[j] feeds 3
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad, np.full(4, 3.0))


def test_backward_on_a_0d_output_needs_no_argument():
    x = Tensor(np.array(3.0), requires_grad=True)
    y = x * x
    assert y.shape == ()
    y.backward()
    assert isinstance(x.grad, Tensor) and x.grad.data.shape == () and x.grad.item() == 6.0


def test_backward_on_a_non_scalar_without_grad_is_an_error_that_says_reduce_first():
    y = f64([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="one-element"):
        y.backward()


def test_backward_with_an_explicit_grad_weights_the_outputs():
    x = f64([1.0, 2.0])
    (x * x).backward(np.array([10.0, 100.0]))
    np.testing.assert_array_equal(x.grad, [20.0, 400.0])


def test_backward_frees_the_graph_so_a_second_pass_is_an_error_naming_retain_graph():
    x = f64([1.0, 2.0])
    h = x * x
    y = h.sum()
    y.backward()
    assert h.creator.saved == () and h.creator.inputs is None
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_keeps_the_graph_and_a_second_backward_accumulates():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_two_backward_passes_without_zero_grad_accumulate_like_pytorch():
    x = f64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    x.zero_grad()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_leaf_gradients_are_independent_arrays():
    # Add hands the same gradient array to both inputs; changing one leaf's .grad in place (gradient clipping,
    # weight decay) must not change another's, nor the caller's array.
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    g = np.array([1.0, 1.0])
    (a + b).backward(g)
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])
    x = f64([1.0, 2.0])
    x.reshape(2).backward(g)
    x.grad += 1
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_a_leaf_gradient_is_laid_out_in_memory_like_its_data():
    # PyTorch's layout contract. A convolution's weight gradient comes out transposed and its input gradient
    # batch last; copied as they came, the optimizer's passes mixed layouts (Adam on a (64, 64, 3, 3) weight
    # 0.056 -> 0.127 ms), and a batch-last input copied row-major made accumulation 5x slower.
    batch_last = np.ascontiguousarray(np.ones((2, 3, 4, 5), np.float32).transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    g = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    g_batch_last = np.ascontiguousarray(g.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    for data in (np.ones((2, 3, 4, 5), np.float32), batch_last):
        for grad in (g, g_batch_last):
            x = Tensor(data, requires_grad=True)
            x.backward(grad)
            assert x.grad.data.strides == data.strides and not np.shares_memory(x.grad.data, grad)
            np.testing.assert_array_equal(x.grad, g)
            x.backward(g_batch_last)
            assert x.grad.data.strides == data.strides
            np.testing.assert_array_equal(x.grad, 2 * g)
    weight = Tensor(np.ones((4, 3, 3, 3), np.float32), requires_grad=True)
    F.conv2d(Tensor(np.ones((2, 3, 5, 5), np.float32)), weight).sum().backward()
    assert weight.grad.data.flags.c_contiguous
    # A broadcast view (zero strides) still becomes a real row-major array.
    y = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    y.backward(np.broadcast_to(np.float32(1.0), (4, 3)))
    assert y.grad.data.flags.c_contiguous


def test_retain_grad_keeps_the_gradient_of_an_intermediate():
    x = f64([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, [6.0, 12.0])
    np.testing.assert_array_equal(x.grad, [18.0, 36.0])


def test_an_input_without_requires_grad_gets_no_gradient():
    x, c = f64([1.0, 2.0]), Tensor(np.array([5.0, 6.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])


def test_requires_grad_switches_a_tensor_on_in_place_and_refuses_integers():
    x, c = Tensor(np.array([1.0, 2.0])), Tensor(np.array([5.0, 6.0]))
    assert x.requires_grad_() is x and x.requires_grad
    (x * c).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])
    x.grad = None
    x.requires_grad_(False)
    y = x * c
    assert not y.requires_grad and y.is_leaf  # nothing to differentiate: no graph is recorded
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients; this one has dtype int64"):
        Tensor(np.array([1, 2], dtype=np.int64)).requires_grad_()


def test_is_leaf_for_created_tensors_not_for_results_of_ops_and_again_after_detach():
    x = f64([1.0, 2.0])
    y = x * 3
    assert x.is_leaf and not y.is_leaf and y.detach().is_leaf
    z = y.sum()
    z.backward()
    assert x.grad is not None and y.grad is None  # only leaves keep .grad


def test_float32_leaves_get_float32_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.dtype == np.float32 and x.grad.dtype == np.float32


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        Tensor(np.array([1, 2]), requires_grad=True)


def test_no_grad_builds_no_graph():
    x = f64([1.0, 2.0])
    with sg.no_grad():
        y = (x * x).sum()
    assert y.creator is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    assert sg.is_grad_enabled()


def test_no_grad_restores_graph_building_after_an_exception():
    with pytest.raises(ZeroDivisionError), sg.no_grad():
        1 / 0
    assert sg.is_grad_enabled()
    assert (f64(1.0) * 2).creator is not None


def test_no_grad_nests_even_when_the_same_object_is_entered_twice():
    no_grad = sg.no_grad()
    with no_grad:
        with no_grad:
            pass
        assert not sg.is_grad_enabled()
    assert sg.is_grad_enabled()


def test_no_grad_as_a_decorator_survives_recursion():
    seen = []

    @sg.no_grad()
    def depth(n: int) -> None:
        if n:
            depth(n - 1)
        seen.append(sg.is_grad_enabled())

    depth(3)
    assert seen == [False] * 4
    assert sg.is_grad_enabled()


def test_enable_grad_builds_a_graph_inside_no_grad():
    with sg.no_grad():
        with sg.enable_grad():
            y = f64(2.0) * 3
        assert not sg.is_grad_enabled()
    assert y.creator is not None


def _draw_everything() -> list[np.ndarray]:
    layer = nn.Linear(5, 4)
    dropped = F.dropout(Tensor(np.ones((3, 6), dtype=np.float32)), 0.5)
    return [layer.weight.data.copy(), dropped.data, np.random.randn(3), np.array([random.random()])]


def test_manual_seed_makes_every_random_source_repeat():
    sg.manual_seed(123)
    first = _draw_everything()
    sg.manual_seed(123)
    second = _draw_everything()
    sg.manual_seed(124)
    other = _draw_everything()
    for a, b, c in zip(first, second, other):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
