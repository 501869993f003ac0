"""ops/linear.py: y = x W^T + b, its gradients, and the errors for inputs that do not fit."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, random_array, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad.nn.functional as F
from scratchgrad import Tensor

leading_axes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


@settings(max_examples=30, deadline=None)
@given(lead=leading_axes, n_in=st.integers(1, 4), n_out=st.integers(1, 4), bias=st.booleans(), seed=seeds)
def test_linear_is_x_times_w_transposed_plus_b_with_numerical_gradients(lead, n_in, n_out, bias, seed):
    x = random_array(seed, lead + (n_in,))
    w = random_array(seed + 1, (n_out, n_in))
    b = random_array(seed + 2, (n_out,))
    args = (x, w, b) if bias else (x, w)
    y = F.linear(*[Tensor(a) for a in args])
    np.testing.assert_allclose(y.data, x @ w.T + (b if bias else 0), rtol=1e-13, atol=1e-15)
    assert_gradients_match_numerical(F.linear, *args)


def test_linear_keeps_float32():
    assert_keeps_float32(F.linear, random_array(0, (4, 3)), random_array(1, (2, 3)), random_array(2, (2,)))


def test_linear_of_a_mismatched_input_is_a_value_error_naming_both_shapes():
    with pytest.raises(ValueError) as info:
        F.linear(Tensor(np.ones((5, 3))), Tensor(np.ones((2, 4))))
    assert "(5, 3)" in str(info.value) and "(2, 4)" in str(info.value)


def test_linear_refuses_integer_images_instead_of_truncating():
    with pytest.raises(TypeError, match=r"uint8.*astype"):
        F.linear(Tensor(np.full((2, 3), 255, dtype=np.uint8)), Tensor(np.ones((2, 3), dtype=np.float32)))


def test_linear_refuses_float64_input_for_float32_weights():
    with pytest.raises(TypeError, match=r"float64.*float32"):
        F.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3), dtype=np.float32)))


def test_linear_refuses_a_float64_bias_for_float32_weights_as_pytorch_does():
    x, w = Tensor(np.ones((2, 3), dtype=np.float32)), Tensor(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match=r"bias dtype float64 does not match weight dtype float32"):
        F.linear(x, w, Tensor(np.ones(2)))
