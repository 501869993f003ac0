"""ops/pad.py: constant padding of NCHW input, each side its own width (Keras's asymmetric "same" padding)."""

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, assert_matches_torch

from scratchgrad import Tensor
from scratchgrad.ops.pad import pad as pad2d

WIDTHS = [(0, 1, 0, 1), (1, 2, 0, 3), (2, 2, 1, 1), (0, 0, 0, 0)]


@pytest.mark.parametrize("widths", WIDTHS)
def test_pad_gradient_matches_numerical(rng, widths):
    x = rng.standard_normal((2, 3, 4, 5))
    assert_gradients_match_numerical(lambda t: pad2d(t, widths), x)


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("value", [0.0, -2.5])
def test_pad_matches_torch(torch, rng, widths, value):
    x = rng.standard_normal((2, 3, 4, 5))
    top, bottom, left, right = widths
    # torch's pad lists the last axis first: (left, right, top, bottom).
    assert_matches_torch(
        torch,
        lambda t: pad2d(t, widths, value),
        lambda t: torch.nn.functional.pad(t, (left, right, top, bottom), value=value),
        x,
    )


def test_pad_places_input_and_fill(rng):
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    y = pad2d(Tensor(x), (0, 1, 2, 0), value=-np.inf).data
    assert y.shape == (1, 2, 4, 5)
    np.testing.assert_array_equal(y[:, :, :3, 2:], x)
    assert np.isneginf(y[:, :, 3, :]).all() and np.isneginf(y[:, :, :, :2]).all()


def test_pad_short_forms_mean_symmetric_padding(rng):
    x = Tensor(rng.standard_normal((1, 1, 2, 3)))
    assert pad2d(x, 1).shape == (1, 1, 4, 5)
    assert pad2d(x, (2, 0)).shape == (1, 1, 6, 3)


def test_pad_keeps_float32(rng):
    assert_keeps_float32(lambda t: pad2d(t, (1, 0, 0, 1)), rng.standard_normal((2, 2, 3, 3)))


@pytest.mark.parametrize("bad", [-1, (1, 2, 3), (0, 0, -1, 0), 1.5])
def test_pad_rejects_bad_widths(bad):
    with pytest.raises(ValueError, match="padding must be"):
        pad2d(Tensor(np.zeros((1, 1, 2, 2))), bad)


def test_pad_rejects_non_nchw_input():
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\); received shape \(2, 2\)"):
        pad2d(Tensor(np.zeros((2, 2))), 1)


def test_pad_keeps_a_batch_last_input_batch_last_forward_and_backward():
    # A convolution's output is (C, H, W, N) in memory; a row-major padded copy made every later pass mix
    # layouts. Values must not depend on the layout.
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    stored = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    xt = Tensor(stored, requires_grad=True)
    y = pad2d(xt, (0, 1, 2, 0), value=-1.0)
    assert y.data.transpose(1, 2, 3, 0).flags.c_contiguous
    np.testing.assert_array_equal(y.data, pad2d(Tensor(x), (0, 1, 2, 0), value=-1.0).data)
    y.backward(np.ascontiguousarray(np.ones(y.shape, np.float32).transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2))
    assert xt.grad.strides == stored.strides
    np.testing.assert_array_equal(xt.grad, np.ones_like(x))
