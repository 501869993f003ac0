"""ops/activation.py: step, sigmoid, tanh, relu, leaky_relu, identity, softmax, log_softmax."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import (
    assert_gradients_match_numerical,
    assert_keeps_float32,
    nonscalar_shapes,
    random_array,
    seeds,
    shapes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad.nn.functional as F
from scratchgrad import Tensor

ELEMENTWISE = {
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (F.tanh, np.tanh),
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "identity": (F.identity, lambda x: x),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds)
def test_elementwise_activation_matches_its_formula_and_numerical_gradient(name, shape, seed):
    ours, formula = ELEMENTWISE[name]
    x = random_array(seed, shape, -4.0, 4.0, gap=0.01)  # away from relu's kink at 0
    np.testing.assert_allclose(ours(Tensor(x)).data, formula(x), rtol=1e-14, atol=1e-300)
    assert_gradients_match_numerical(ours, x)


@st.composite
def shape_and_axis(draw):
    shape = draw(nonscalar_shapes)
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
@settings(max_examples=25, deadline=None)
@given(case=shape_and_axis(), seed=seeds)
def test_softmax_gradients_match_numerical_along_any_axis(fn, case, seed):
    shape, axis = case
    assert_gradients_match_numerical(lambda t: fn(t, axis), random_array(seed, shape, -3.0, 3.0))


@settings(max_examples=25, deadline=None)
@given(case=shape_and_axis(), seed=seeds)
def test_softmax_rows_are_probabilities_and_log_softmax_is_their_log(case, seed):
    shape, axis = case
    x = random_array(seed, shape, -5.0, 5.0)
    p = F.softmax(Tensor(x), axis).data
    expected = np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-13)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-14)
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis).data, np.log(expected), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "fn", [F.sigmoid, F.tanh, F.relu, F.leaky_relu, F.identity, F.softmax, F.log_softmax, F.step],
    ids=lambda f: f.__name__,
)
def test_activation_keeps_float32(fn):
    assert_keeps_float32(fn, random_array(0, (2, 3), gap=0.01))


def test_step_is_the_perceptron_activation_and_passes_zero_gradient():
    x = Tensor(np.array([-1.0, 0.0, 0.5, 3.0]), requires_grad=True)
    y = F.step(x)
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(4))


def test_sigmoid_is_finite_and_saturates_at_plus_minus_1000():
    x = Tensor(np.array([-1000.0, 1000.0]), requires_grad=True)
    y = F.sigmoid(x)
    np.testing.assert_array_equal(y.data, [0.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_sigmoid_keeps_relative_precision_of_tiny_outputs():
    assert F.sigmoid(Tensor(np.array(-50.0))).item() == pytest.approx(np.exp(-50.0), rel=1e-14)


def test_relu_gradient_at_zero_is_zero_as_in_pytorch():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_of_1000_1001_1002_is_finite_and_equals_softmax_of_0_1_2(fn):
    big = Tensor(np.array([1000.0, 1001.0, 1002.0]), requires_grad=True)
    y = fn(big)
    assert np.isfinite(y.data).all()
    np.testing.assert_allclose(y.data, fn(Tensor(np.array([0.0, 1.0, 2.0]))).data, rtol=1e-14)
    (y * Tensor(np.array([1.0, -2.0, 0.5]))).sum().backward()
    assert np.isfinite(big.grad.data).all()


def test_log_softmax_is_finite_where_softmax_underflows_to_zero():
    y = F.log_softmax(Tensor(np.array([0.0, 1000.0])))
    np.testing.assert_allclose(y.data, [-1000.0, 0.0])
