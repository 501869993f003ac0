"""ops/pool.py: max and average pooling with kernel, stride and padding, overlapping windows included."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, random_array, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad.nn.functional as F
from scratchgrad import Tensor

POOLS = {"max": (F.max_pool2d, np.max, -np.inf), "avg": (F.avg_pool2d, np.mean, 0.0)}


@st.composite
def pool_geometry(draw):
    """Kernel, stride, padding (pairs; padding at most half the kernel, as PyTorch requires) and an input size."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    size = (draw(st.integers(k[0], 7)), draw(st.integers(k[1], 7)))
    return k, s, p, size


def reference_pool(x, reduce, pad_value, k, s, p):
    """Each output pixel reduces its window, by loops; the output size drops a remainder (floor), as PyTorch."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=pad_value)
    oh, ow = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = reduce(xp[:, :, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1]], axis=(2, 3))
    return y


@pytest.mark.parametrize("kind", POOLS)
@settings(max_examples=30, deadline=None)
@given(geometry=pool_geometry(), n=st.integers(1, 2), c=st.integers(1, 2), seed=seeds)
def test_pool_matches_a_loop_reference_and_numerical_gradients(kind, geometry, n, c, seed):
    pool, reduce, pad_value = POOLS[kind]
    k, s, p, size = geometry
    x = random_array(seed, (n, c) + size)  # distinct values: each max window has one winner
    y = pool(Tensor(x), k, s, p)
    np.testing.assert_allclose(y.data, reference_pool(x, reduce, pad_value, k, s, p), rtol=1e-14)
    assert_gradients_match_numerical(lambda t: pool(t, k, s, p), x)


@pytest.mark.parametrize("kind", POOLS)
def test_overlapping_windows_kernel_3_stride_2_padding_1_add_up_their_gradients(kind):
    pool = POOLS[kind][0]
    x = random_array(0, (2, 3, 7, 6))
    assert pool(Tensor(x), 3, 2, 1).shape == (2, 3, 4, 3)
    assert_gradients_match_numerical(lambda t: pool(t, 3, 2, 1), x)


def test_max_pool_sends_each_window_gradient_to_one_maximum():
    x = Tensor(np.array([[[[1.0, 5.0], [5.0, 2.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).backward(np.array([[[[7.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[0.0, 7.0], [0.0, 0.0]]]])  # the first of the tied maxima


def test_max_pool_with_overlap_credits_a_shared_maximum_once_per_window():
    x = Tensor(np.array([[[[0.0, 9.0, 0.0, 1.0]]]]), requires_grad=True)
    y = F.max_pool2d(x, (1, 2), stride=1)  # windows [0,9] [9,0] [0,1]
    np.testing.assert_array_equal(y.data, [[[[9.0, 9.0, 1.0]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[0.0, 2.0, 0.0, 1.0]]]])


def test_avg_pool_counts_padding_as_zeros_as_pytorch_does_by_default():
    y = F.avg_pool2d(Tensor(np.ones((1, 1, 2, 2))), 2, stride=1, padding=1)
    np.testing.assert_array_equal(y.data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


def test_pool_shape_of_the_notes_example_and_default_stride():
    x = Tensor(np.zeros((2, 30, 24, 24), dtype=np.float32))
    assert F.max_pool2d(x, 2).shape == (2, 30, 12, 12)
    assert F.avg_pool2d(x, 3).shape == (2, 30, 8, 8)


def test_pool_padding_over_half_the_kernel_is_a_value_error():
    with pytest.raises(ValueError, match="half"):
        F.max_pool2d(Tensor(np.zeros((1, 1, 4, 4))), 2, padding=2)


@pytest.mark.parametrize("kind", POOLS)
def test_pool_keeps_float32(kind):
    pool = POOLS[kind][0]
    assert_keeps_float32(lambda t: pool(t, 3, 2, 1), random_array(0, (2, 2, 5, 5)))


@pytest.mark.parametrize("kind", POOLS)
def test_pool_refuses_integer_images_instead_of_wrapping_them(kind):
    pool = POOLS[kind][0]
    with pytest.raises(TypeError, match=r"uint8.*astype"):
        pool(Tensor(np.full((1, 1, 4, 4), 200, dtype=np.uint8)), 2)
