"""ops/norm.py: batch normalisation (training and eval), inverted dropout, local response normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, random_array, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import Tensor

# (N, C) and (N, C, H, W): statistics over N, and over N, H and W. At least 3 values per channel: with 2, xhat is
# +-1 whatever x is, the gradient is ~eps and the central difference measures only its own rounding.
bn_shapes = st.sampled_from([(4, 3), (3, 2), (3, 2, 2, 3), (2, 1, 3, 2), (5, 2, 3)])


def batch_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-channel mean, biased variance (normalises) and unbiased variance (goes into the running average)."""
    axes = (0,) + tuple(range(2, x.ndim))
    return x.mean(axis=axes), x.var(axis=axes), x.var(axis=axes, ddof=1)


def per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, -1) + (1,) * (ndim - 2))


@settings(max_examples=25, deadline=None)
@given(shape=bn_shapes, seed=seeds)
def test_batch_norm_training_normalises_with_batch_statistics_and_has_numerical_gradients(shape, seed):
    x = random_array(seed, shape, -3.0, 3.0)
    w, b = random_array(seed + 1, shape[1:2]), random_array(seed + 2, shape[1:2])
    mean, var, _ = batch_stats(x)
    y = F.batch_norm(Tensor(x), None, None, Tensor(w), Tensor(b), training=True)
    xhat = (x - per_channel(mean, x.ndim)) / np.sqrt(per_channel(var, x.ndim) + 1e-5)
    np.testing.assert_allclose(y.data, xhat * per_channel(w, x.ndim) + per_channel(b, x.ndim), rtol=1e-12, atol=1e-12)
    assert_gradients_match_numerical(lambda *a: F.batch_norm(a[0], None, None, *a[1:], training=True), x, w, b)
    assert_gradients_match_numerical(lambda t: F.batch_norm(t, None, None, training=True), x)


@settings(max_examples=25, deadline=None)
@given(shape=bn_shapes, seed=seeds)
def test_batch_norm_eval_uses_the_running_statistics_and_has_numerical_gradients(shape, seed):
    x = random_array(seed, shape)
    w, b = random_array(seed + 1, shape[1:2]), random_array(seed + 2, shape[1:2])
    rm, rv = random_array(seed + 3, shape[1:2]), random_array(seed + 4, shape[1:2], 0.5, 2.0)
    y = F.batch_norm(Tensor(x), rm, rv, Tensor(w), Tensor(b), training=False)
    expected = (x - per_channel(rm, x.ndim)) / np.sqrt(per_channel(rv, x.ndim) + 1e-5) * per_channel(w, x.ndim)
    np.testing.assert_allclose(y.data, expected + per_channel(b, x.ndim), rtol=1e-12, atol=1e-12)
    assert_gradients_match_numerical(lambda *a: F.batch_norm(a[0], rm, rv, *a[1:]), x, w, b)


@pytest.mark.parametrize("unbiased", [True, False])
def test_batch_norm_running_statistics_follow_pytorchs_update_or_keras_biased_one(unbiased):
    """PyTorch averages in the unbiased batch variance; unbiased_running_var=False the biased one, as Keras."""
    running_mean, running_var = np.zeros(3), np.ones(3)
    expected_mean, expected_var = np.zeros(3), np.ones(3)
    for step in range(4):
        x = random_array(step, (5, 3, 2, 2), -1.0, 3.0)
        y = F.batch_norm(Tensor(x), running_mean, running_var, training=True, momentum=0.2,
                         unbiased_running_var=unbiased)
        mean, biased, unbiased_var = batch_stats(x)
        np.testing.assert_allclose(y.data, (x - per_channel(mean, 4)) / np.sqrt(per_channel(biased, 4) + 1e-5),
                                   rtol=1e-12, atol=1e-12)  # the batch itself is normalised by its biased variance
        expected_mean = 0.8 * expected_mean + 0.2 * mean
        expected_var = 0.8 * expected_var + 0.2 * (unbiased_var if unbiased else biased)
    np.testing.assert_allclose(running_mean, expected_mean, rtol=1e-14)
    np.testing.assert_allclose(running_var, expected_var, rtol=1e-14)


def test_batch_norm_eval_leaves_the_running_statistics_alone():
    running_mean, running_var = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    F.batch_norm(Tensor(random_array(0, (4, 2))), running_mean, running_var, training=False)
    np.testing.assert_array_equal(running_mean, [1.0, 2.0])
    np.testing.assert_array_equal(running_var, [3.0, 4.0])


def test_batch_norm_training_on_one_value_per_channel_is_an_error_that_suggests_eval():
    with pytest.raises(ValueError, match=r"eval"):
        F.batch_norm(Tensor(np.ones((1, 3))), np.zeros(3), np.ones(3), training=True)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_keeps_float32(training):
    running = (np.zeros(2, dtype=np.float32), np.ones(2, dtype=np.float32))
    assert_keeps_float32(
        lambda *a: F.batch_norm(a[0], *running, *a[1:], training=training),
        random_array(0, (4, 2, 3, 3)), random_array(1, (2,)), random_array(2, (2,)),
    )


# ---- dropout -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest_by_one_over_one_minus_p(p):
    x = Tensor(np.full(100_000, 2.0, dtype=np.float32), requires_grad=True)
    y = F.dropout(x, p)
    dropped = y.data == 0
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(y.data[~dropped], 2.0 / (1 - p), rtol=1e-6)
    assert abs(y.data.mean() - 2.0) < 0.05  # inverted dropout keeps the expected activation
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data / 2.0, rtol=1e-6)  # the gradient passes through the same mask


def test_dropout_is_the_identity_in_eval_and_at_p_0_and_zero_at_p_1():
    x = Tensor(random_array(0, (3, 4)))
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="probability"):
        F.dropout(x, 1.5)


def test_dropout_masks_repeat_under_the_same_seed():
    x = Tensor(np.ones((4, 5), dtype=np.float32))
    sg.manual_seed(7)
    first = F.dropout(x, 0.5).data
    sg.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, first)


def test_dropout_gradient_matches_numerical_when_every_evaluation_draws_the_same_mask():
    def seeded_dropout(t):
        sg.manual_seed(11)
        return F.dropout(t, 0.4)

    assert_gradients_match_numerical(seeded_dropout, random_array(0, (4, 5)))


def test_dropout_keeps_float32():
    assert_keeps_float32(lambda t: F.dropout(t, 0.3), random_array(0, (3, 4)))


# ---- local response normalisation --------------------------------------------------------------------------
def reference_lrn(x, size, alpha, beta, k):
    """AlexNet's formula channel by channel: the window of channel c is [c - size//2, c + (size-1)//2]."""
    y = np.empty_like(x)
    channels = x.shape[1]
    for c in range(channels):
        lo, hi = max(c - size // 2, 0), min(c + (size - 1) // 2, channels - 1)
        square_sum = (x[:, lo : hi + 1] ** 2).sum(axis=1)
        y[:, c] = x[:, c] / (k + alpha / size * square_sum) ** beta
    return y


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 5), channels=st.integers(1, 6), spatial=st.sampled_from([(), (2,), (2, 3)]), seed=seeds)
def test_local_response_norm_matches_alexnets_formula_and_numerical_gradients(size, channels, spatial, seed):
    x = random_array(seed, (2, channels) + spatial, -3.0, 3.0)
    args = (size, 0.5, 0.75, 2.0)  # a large alpha, so the normalisation visibly matters
    np.testing.assert_allclose(F.local_response_norm(Tensor(x), *args).data, reference_lrn(x, *args), rtol=1e-13)
    assert_gradients_match_numerical(lambda t: F.local_response_norm(t, *args), x)


def test_local_response_norm_keeps_float32():
    assert_keeps_float32(lambda t: F.local_response_norm(t, 3, 0.1), random_array(0, (2, 4, 3, 3)))


def test_batch_norm_refuses_float64_input_for_float32_weights():
    w = Tensor(np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match=r"float64.*float32"):
        F.batch_norm(Tensor(np.ones((4, 2))), np.zeros(2, np.float32), np.ones(2, np.float32), w, training=True)
