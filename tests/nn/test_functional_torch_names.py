"""nn.functional under PyTorch's spellings: softmax/log_softmax(x, dim), one_hot, dropout and dropout2d, general
adaptive_avg_pool2d, PyTorch-ordered pad, elu and gelu, each against torch and, where differentiable, numerical
gradients in float64."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_matches_torch

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import Tensor


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_dim_as_torch(torch, rng, name, dim):
    x = rng.standard_normal((3, 4, 2))
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    assert_matches_torch(torch, lambda a: ours(a, dim=dim), lambda a: theirs(a, dim=dim), x)
    assert_matches_torch(torch, lambda a: ours(a, dim), lambda a: theirs(a, dim), x, dtypes=(np.float64,))


def test_softmax_refuses_two_different_axes():
    with pytest.raises(TypeError, match="give dim or axis, not both; received dim=0, axis=1"):
        F.softmax(Tensor(np.zeros((2, 2))), dim=0, axis=1)


def test_one_hot_matches_torch(torch):
    labels = np.array([[0, 2], [1, 4]])
    for classes in (-1, 6):
        ours = F.one_hot(Tensor(labels), classes)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), classes)
        assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\] for num_classes=3; received values from 0 to 4"):
        F.one_hot(Tensor(labels), 3)
    with pytest.raises(TypeError, match="expected integer class labels"):
        F.one_hot(Tensor(np.zeros(2)))


# ---- dropout ------------------------------------------------------------------------------------------------
def test_dropout_follows_training_and_scales_survivors():
    sg.manual_seed(0)
    x = Tensor(np.ones((200, 50)))
    assert F.dropout(x, 0.3, training=False) is x
    y = F.dropout(x, p=0.3, training=True).data
    assert set(np.unique(y)) == {0.0, 1 / 0.7}
    assert abs((y == 0).mean() - 0.3) < 0.02


def test_dropout2d_zeroes_whole_channels():
    sg.manual_seed(1)
    x = Tensor(np.ones((40, 30, 4, 5)), requires_grad=True)
    y = F.dropout2d(x, p=0.5)
    per_channel = y.data.reshape(40, 30, -1)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2)), "a channel was partly dropped"
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.5) < 0.05
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the gradient passes through the same mask
    assert F.dropout2d(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match=r"dropout2d: expected input of shape \(N, C, H, W\)"):
        F.dropout2d(Tensor(np.ones((2, 3))))


# ---- adaptive pooling and padding ---------------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "out"), [((2, 3, 8, 9), (5, 7)), ((1, 2, 7, 7), 3), ((2, 1, 6, 10), (None, 4)),
                                            ((1, 2, 4, 4), (2, 2)), ((1, 1, 5, 3), (7, 4))])
def test_adaptive_avg_pool2d_matches_torch_for_any_size(torch, rng, shape, out):
    x = rng.standard_normal(shape)
    assert_matches_torch(torch, lambda a: F.adaptive_avg_pool2d(a, out),
                         lambda a: torch.nn.functional.adaptive_avg_pool2d(a, out), x)
    assert_gradients_match_numerical(lambda a: F.adaptive_avg_pool2d(a, out), x)


@pytest.mark.parametrize(("shape", "pad"), [((2, 5), (1, 2)), ((2, 3, 4), (0, 1, 2, 0)), ((1, 2, 3, 4), (1, 0)),
                                            ((1, 2, 3, 4), (1, 2, 0, 3)), ((1, 2, 3, 4), (1, 1, 1, 1, 2, 0)),
                                            ((3,), (2, 2))])
def test_pad_takes_torchs_order(torch, rng, shape, pad):
    x = rng.standard_normal(shape)
    assert_matches_torch(torch, lambda a: F.pad(a, pad, value=-1.5),
                         lambda a: torch.nn.functional.pad(a, pad, value=-1.5), x)
    assert_gradients_match_numerical(lambda a: F.pad(a, pad), x)


def test_pad_refuses_what_it_cannot_do():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"pad must be an even-length tuple of ints.*received \(1, 2, 3\)"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"at most 2 axes for input of shape \(2, 3\)"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(NotImplementedError, match=r"mode must be one of .*received 'symmetric'"):
        F.pad(x, (1, 1), mode="symmetric")


# ---- elu and gelu -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda a: F.elu(a), lambda t, a: t.nn.functional.elu(a)),
        (lambda a: F.elu(a, alpha=0.3), lambda t, a: t.nn.functional.elu(a, alpha=0.3)),
        (lambda a: F.gelu(a), lambda t, a: t.nn.functional.gelu(a)),
        (lambda a: F.gelu(a, approximate="tanh"), lambda t, a: t.nn.functional.gelu(a, approximate="tanh")),
    ],
    ids=["elu", "elu-alpha", "gelu", "gelu-tanh"],
)
def test_smooth_activations_match_torch_and_numerical(torch, rng, ours, theirs):
    x = rng.uniform(-4, 4, (4, 5))
    x[np.abs(x) < 0.05] = 0.3  # away from ELU's kink at 0
    assert_matches_torch(torch, ours, lambda a: theirs(torch, a), x)
    assert_gradients_match_numerical(ours, x)


def test_elu_is_finite_for_large_inputs():
    y = F.elu(Tensor(np.array([-1000.0, 1000.0])))
    np.testing.assert_allclose(y.data, [-1.0, 1000.0])
