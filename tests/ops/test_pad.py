"""ops/pad.py: constant padding of NCHW input, each side its own width (Keras's asymmetric "same" padding), and
F.pad's four modes against PyTorch."""

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, assert_matches_torch

from scratchgrad import Tensor
from scratchgrad.autograd import grad_array
from scratchgrad.ops.pad import pad as pad2d
from scratchgrad.ops.pad import torch_pad

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
    assert xt.grad.data.strides == stored.strides
    np.testing.assert_array_equal(xt.grad, np.ones_like(x))


# ---- F.pad's copying modes (reflect, replicate, circular) and negative widths, PyTorch as the oracle ------------
MODE_CASES = [
    ((2, 5), (1, 2)),  # unbatched (C, W)
    ((2, 3, 5), (4, 0)),  # the widest reflect allows on an axis of 5
    ((2, 3, 5), (2, -1)),  # a negative width crops that side
    ((2, 3, 4, 5), (1, 2, 3, 0)),
    ((3, 4, 5), (-1, 2, 2, -1)),  # unbatched (C, H, W), a crop on each padded axis
    ((2, 2, 3, 4, 5), (1, 1, 2, 0, 2, 1)),
    ((2, 3, 4, 5, 3), (0, 2, 1, 1, 0, 0)),  # unbatched (C, D, H, W)
]
COPYING = ["reflect", "replicate", "circular"]


def _ours_and_torchs(torch, x, pad, mode, dtype):
    """Output and input gradient of sum(pad(x) * c) on both sides, for the same x and c."""
    mine, theirs = Tensor(x.astype(dtype), requires_grad=True), torch.tensor(x.astype(dtype), requires_grad=True)
    y, t = torch_pad(mine, pad, mode=mode), torch.nn.functional.pad(theirs, pad, mode=mode)
    c = np.random.default_rng(1).standard_normal(tuple(t.shape)).astype(dtype)
    (y * c).sum().backward()
    (t * torch.tensor(c)).sum().backward()
    return (y.data, grad_array(mine)), (t.detach().numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("mode", [*COPYING, "constant"])
@pytest.mark.parametrize(("shape", "pad"), MODE_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_pad_modes_match_torch(torch, rng, mode, shape, pad, dtype):
    x = rng.standard_normal(shape)
    (y, gx), (t, gt) = _ours_and_torchs(torch, x, pad, mode, dtype)
    assert y.dtype == dtype and gx.dtype == dtype
    np.testing.assert_array_equal(y, t)  # a copy of input elements: exact
    # Border gradients are sums of a few terms whose order may differ from PyTorch's.
    np.testing.assert_allclose(gx, gt, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("mode", [*COPYING, "constant"])
@pytest.mark.parametrize(("shape", "pad"), MODE_CASES[:5])
def test_torch_pad_modes_gradient_matches_numerical(rng, mode, shape, pad):
    x = rng.standard_normal(shape)
    assert_gradients_match_numerical(lambda t: torch_pad(t, pad, mode=mode), x, tol=1e-7)


@pytest.mark.parametrize(
    ("mode", "pad", "expected"),
    [
        ("reflect", (2, 1), [2, 1, 0, 1, 2, 3, 4, 3]),
        ("replicate", (2, 1), [0, 0, 0, 1, 2, 3, 4, 4]),
        ("circular", (2, 1), [3, 4, 0, 1, 2, 3, 4, 0]),
        ("circular", (3, -1), [1, 2, 3, 0, 1, 2, 3]),  # crops first, then wraps what is left
        ("reflect", (-5, 1), [3]),
        ("constant", (-1, 2), [1, 2, 3, 4, 0, 0]),
    ],
)
def test_torch_pad_modes_by_hand(mode, pad, expected):
    y = torch_pad(Tensor(np.arange(5.0).reshape(1, 1, 5)), pad, mode=mode)
    np.testing.assert_array_equal(y.data.ravel(), expected)


def test_torch_pad_reflect_border_gradient_lands_on_the_mirrored_elements():
    x = Tensor(np.zeros((1, 1, 4)), requires_grad=True)
    torch_pad(x, (2, 1), mode="reflect").sum().backward()  # 2 1 | 0 1 2 3 | 2
    np.testing.assert_array_equal(grad_array(x).ravel(), [1, 2, 3, 1])


BAD = [
    ((1, 1, 5), (5, 0), "reflect", ValueError, r'"reflect" needs each width smaller than its axis.*\(5, 0\).*size 5'),
    ((1, 1, 5), (6, 0), "circular", ValueError, r"wraps around at most once.*\(6, 0\).*size 5 \(5 kept\)"),
    ((1, 1, 5), (-3, -3), "replicate", ValueError, r"widths \(-3, -3\) on axis 2 of size 5 leaves -1 elements"),
    ((1, 1, 5), (-2, -3), "reflect", ValueError, r"leaves 0 elements; at least 1 expected"),
    ((2, 3, 4, 5), (1, 1), "reflect", NotImplementedError, r"received 2 widths for input of shape \(2, 3, 4, 5\)"),
    ((5,), (1, 1), "replicate", NotImplementedError, r"received 2 widths for input of shape \(5,\)"),
    ((1, 1, 5), (1, 1), "wrap", NotImplementedError, r"mode must be one of 'constant', .*; received 'wrap'"),
    ((1, 0, 5), (1, 1), "reflect", ValueError, r"every axis but the batch axis non-empty; received shape \(1, 0, 5\)"),
    ((1, 1, 5), (1, 1, 1), "reflect", ValueError, r"even-length tuple of ints.*received \(1, 1, 1\) \(3 values\)"),
    ((1, 1, 5), (1.0, 1), "reflect", TypeError, r"pad must be a tuple of ints.*received \(1.0, 1\)"),
    ((1, 1, 5), 1, "reflect", TypeError, r"pad must be a tuple of ints.*received 1"),
    ((2, 3), (-2, -2), "constant", ValueError, r"widths \(-2, -2\) on axis 1 of size 3 leaves -1 elements"),
]


@pytest.mark.parametrize(("shape", "pad", "mode", "error", "message"), BAD)
def test_torch_pad_refuses_what_torch_refuses_naming_it(torch, shape, pad, mode, error, message):
    with pytest.raises(error, match=message):
        torch_pad(Tensor(np.zeros(shape)), pad, mode=mode)
    with pytest.raises((RuntimeError, NotImplementedError, TypeError)):
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)


def test_torch_pad_circular_refuses_to_wrap_a_crop_more_than_once():
    # PyTorch 2.13 returns memory it never wrote here (one element left by the crop, two to wrap); we refuse.
    with pytest.raises(ValueError, match=r"wraps around at most once.*\(2, -3\) for axis 1 of size 4 \(1 kept\)"):
        torch_pad(Tensor(np.zeros((1, 4, 5))), (0, 0, 2, -3), mode="circular")


@pytest.mark.parametrize("mode", COPYING)
def test_torch_pad_of_zero_widths_is_a_new_tensor_with_its_own_memory(mode):
    x = Tensor(np.arange(5.0).reshape(1, 1, 5))
    y = torch_pad(x, (0, 0), mode=mode)
    assert y is not x and not np.shares_memory(y.data, x.data)
    np.testing.assert_array_equal(y.data, x.data)


def test_torch_pad_copying_modes_take_no_value():
    x = Tensor(np.zeros((1, 1, 5)))
    with pytest.raises(ValueError, match=r'mode="replicate" copies the input into the border.*received 1.5'):
        torch_pad(x, (1, 1), mode="replicate", value=1.5)
    assert torch_pad(x, (1, 1), mode="replicate", value=0).shape == (1, 1, 7)  # PyTorch accepts 0 too
