"""ops/math.py: arithmetic with broadcasting, matmul, elementwise functions and reductions."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import (
    assert_gradients_match_numerical,
    assert_keeps_float32,
    broadcast_pairs,
    nonscalar_shapes,
    random_array,
    seeds,
    shapes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad import Tensor
from scratchgrad.ops import math as ops

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}
UNARY = {
    "neg": lambda x: -x,
    "exp": ops.exp,
    "log": ops.log,
    "sqrt": ops.sqrt,
    "abs": ops.abs,
    "clip": lambda x: ops.clip(x, -1.0, 1.5),
}


def _operands(name, seed, shape_a, shape_b):
    a = random_array(seed, shape_a, 0.5, 2.0) if name == "pow" else random_array(seed, shape_a)
    b = random_array(seed + 1, shape_b, 0.5, 2.0) if name in ("div", "pow") else random_array(seed + 1, shape_b)
    return a, b


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=30, deadline=None)
@given(pair=broadcast_pairs, seed=seeds)
def test_binary_op_under_broadcasting_matches_numpy_and_numerical_gradients_of_each_input_shape(name, pair, seed):
    (shape_a, shape_b), out_shape = pair
    a, b = _operands(name, seed, shape_a, shape_b)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    y = BINARY[name](ta, tb)
    np.testing.assert_allclose(y.data, BINARY[name](a, b), rtol=1e-15)
    assert y.shape == out_shape
    y.sum().backward()
    assert ta.grad.shape == shape_a and tb.grad.shape == shape_b
    assert_gradients_match_numerical(BINARY[name], a, b)


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_keeps_float32(name):
    a, b = _operands(name, 0, (2, 3), (3,))
    assert_keeps_float32(BINARY[name], a, b)


def test_python_numbers_on_either_side_are_constants():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (2 * x + 1 - x / 4) * 3 + 1 / x + 2**x - (5 - x)
    y.sum().backward()
    expected = (2 - 0.25) * 3 - 1 / np.array([1.0, 4.0]) + np.log(2) * 2 ** np.array([1.0, 2.0]) + 1
    np.testing.assert_allclose(x.grad, expected, rtol=1e-14)


def test_python_numbers_keep_float32_tensors_in_float32():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    for y in (x * 0.1, x + 1.5, 1.5 - x, x / 3.0, 2.0 / x, x**2.5, 2.0**x, -x):
        assert y.dtype == np.float32


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds)
def test_unary_op_gradients_match_numerical(name, shape, seed):
    if name in ("log", "sqrt"):
        x = random_array(seed, shape, 0.2, 3.0)
    else:  # away from abs's kink at 0 and clip's corners at -1 and 1.5
        x = random_array(seed, shape, -3.0, 3.0, gap=0.05)
        x = np.where(np.abs(x + 1) < 0.05, x + 0.1, x)
        x = np.where(np.abs(x - 1.5) < 0.05, x + 0.1, x)
    assert_gradients_match_numerical(UNARY[name], x)


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_keeps_float32(name):
    assert_keeps_float32(UNARY[name], random_array(0, (2, 3), 0.2, 3.0))


def test_clip_passes_gradient_only_inside_the_range():
    x = Tensor(np.array([-3.0, 0.5, 4.0]), requires_grad=True)
    ops.clip(x, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


# ---- matmul ------------------------------------------------------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 2)),
    ((5, 2, 3), (3,)),
    ((2, 1, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize(("shape_a", "shape_b"), MATMUL_SHAPES, ids=str)
def test_matmul_gradients_match_numerical_for_vectors_matrices_and_batches(shape_a, shape_b):
    a, b = random_array(0, shape_a), random_array(1, shape_b)
    y = Tensor(a) @ Tensor(b)
    np.testing.assert_allclose(y.data, a @ b, rtol=1e-14)
    assert_gradients_match_numerical(lambda p, q: p @ q, a, b)


def test_matmul_keeps_float32():
    assert_keeps_float32(lambda p, q: p @ q, random_array(0, (2, 3)), random_array(1, (3, 4)))


@pytest.mark.parametrize(("shape_a", "shape_b"), [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,))], ids=str)
def test_matmul_of_mismatched_shapes_is_a_value_error_naming_both(shape_a, shape_b):
    with pytest.raises(ValueError) as info:
        Tensor(np.ones(shape_a)) @ Tensor(np.ones(shape_b))
    assert str(shape_a) in str(info.value) and str(shape_b) in str(info.value)


def test_matmul_of_uint8_images_with_float32_weights_is_computed_in_float32_not_wrapped():
    images = Tensor(np.full((1, 3), 200, dtype=np.uint8))
    y = images @ Tensor(np.full((3, 1), 2.0, dtype=np.float32))
    assert y.dtype == np.float32 and y.item() == 1200.0


# ---- reductions --------------------------------------------------------------------------------------------
@st.composite
def shape_and_axis(draw):
    shape = draw(nonscalar_shapes)
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1) | st.just(tuple(range(0, len(shape), 2))))
    return shape, axis, draw(st.booleans())


REDUCTIONS = {"sum": (ops.sum, np.sum), "mean": (ops.mean, np.mean), "max": (ops.max, np.max), "min": (ops.min, np.min)}


@pytest.mark.parametrize("name", REDUCTIONS)
@settings(max_examples=30, deadline=None)
@given(case=shape_and_axis(), seed=seeds)
def test_reduction_matches_numpy_and_its_gradient_matches_numerical(name, case, seed):
    shape, axis, keepdims = case
    ours, theirs = REDUCTIONS[name]
    x = random_array(seed, shape)  # continuous values: no ties, so max and min are differentiable
    y = ours(Tensor(x), axis, keepdims)
    np.testing.assert_allclose(y.data, theirs(x, axis=axis, keepdims=keepdims), rtol=1e-14)
    assert_gradients_match_numerical(lambda t: ours(t, axis, keepdims), x)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_keeps_float32(name):
    assert_keeps_float32(lambda t: REDUCTIONS[name][0](t, 1), random_array(0, (2, 3)))


def test_max_shares_the_gradient_equally_among_tied_maxima():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]), requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


def test_reduction_over_an_axis_out_of_range_is_a_value_error():
    with pytest.raises(ValueError, match="out of range"):
        ops.sum(Tensor(np.ones((2, 3))), axis=2)
