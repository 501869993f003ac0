"""Every op against PyTorch 2.13.0: forward and every input's gradient, in float64 (to 1e-10) and float32 (to 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import TORCH_TOL, assert_close, assert_matches_torch, random_array

import scratchgrad.nn.functional as F


def probabilities(seed: int, shape) -> np.ndarray:
    e = np.exp(random_array(seed, shape))
    return e / e.sum(axis=-1, keepdims=True)


# ---- conv2d ------------------------------------------------------------------------------------------------
CONV_CASES = [
    # (N, C, H, W), out_channels, kernel, stride, padding, bias
    ((2, 1, 5, 5), 3, 3, 1, 0, True),
    ((2, 3, 7, 6), 4, (3, 2), 1, 1, True),  # non-square input and kernel
    ((1, 2, 9, 7), 2, 3, 2, 1, True),  # stride 2 with padding
    ((2, 2, 8, 8), 3, 1, 1, 0, True),  # 1x1
    ((1, 3, 10, 6), 2, 5, 1, 2, False),  # "same" padding, no bias
    ((2, 2, 7, 9), 3, 3, (2, 2), (0, 1), True),  # padding only along the width
    ((1, 1, 12, 8), 2, (5, 3), (1, 1), (2, 1), True),
    ((3, 4, 6, 6), 5, 2, 2, 0, True),  # stride equal to the kernel: no overlap
    ((2, 2, 6, 5), 3, 3, 1, 2, True),  # padding 2 on a 3x3 kernel (DeepConvNet's fourth layer): output > input
    ((1, 2, 5, 6), 2, (3, 2), 1, (2, 1), True),  # padding = kernel - 1: the "full" convolution
    ((2, 2, 1, 3), 2, 3, 2, 2, True),  # stride 2, padding 2: some kernel rows land only in padding
    ((2, 3, 7, 7), 2, 1, 3, 0, True),  # stride larger than the kernel: input positions no window reads
]


@pytest.mark.parametrize(("x_shape", "oc", "k", "s", "p", "bias"), CONV_CASES, ids=str)
def test_conv2d_matches_torch(torch, x_shape, oc, k, s, p, bias):
    kernel = (k, k) if isinstance(k, int) else k
    inputs = [random_array(0, x_shape), random_array(1, (oc, x_shape[1]) + kernel)]
    if bias:
        inputs.append(random_array(2, (oc,)))
    assert_matches_torch(
        torch,
        lambda *a: F.conv2d(*a, stride=s, padding=p),
        lambda *a: torch.nn.functional.conv2d(*a, stride=s, padding=p),
        *inputs,
    )


def test_conv2d_floor_mode_matches_torch_which_always_drops_the_remainder(torch):
    # (8 + 2 - 3) / 2 + 1 = 4.5 rows and (7 + 2 - 3) / 2 + 1 = 4 columns: the last input row feeds no window.
    inputs = [random_array(0, (2, 2, 8, 7)), random_array(1, (3, 2, 3, 3)), random_array(2, (3,))]
    assert_matches_torch(
        torch,
        lambda *a: F.conv2d(*a, stride=2, padding=1, floor_mode=True),
        lambda *a: torch.nn.functional.conv2d(*a, stride=2, padding=1),
        *inputs,
    )


# ---- pooling -----------------------------------------------------------------------------------------------
POOL_CASES = [
    # (N, C, H, W), kernel, stride, padding
    ((2, 3, 6, 6), 2, None, 0),
    ((2, 2, 7, 7), 3, 2, 0),  # overlapping windows
    ((1, 2, 7, 6), 3, 2, 1),  # overlapping, with padding
    ((2, 1, 8, 5), 3, 1, 1),
    ((1, 2, 9, 8), (2, 3), (1, 2), (1, 1)),  # non-square everything
    ((2, 2, 7, 7), 2, 2, 0),  # 7 is not divisible by 2: the last row and column are dropped
]


@pytest.mark.parametrize("kind", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize(("x_shape", "k", "s", "p"), POOL_CASES, ids=str)
def test_pool_matches_torch(torch, kind, x_shape, k, s, p):
    ours, theirs = getattr(F, kind), getattr(torch.nn.functional, kind)
    assert_matches_torch(torch, lambda x: ours(x, k, s, p), lambda x: theirs(x, k, s, p), random_array(0, x_shape))


@pytest.mark.parametrize(
    ("k", "s", "p"), [(2, 2, 0), (3, 2, 1), (3, 1, 1), ((2, 3), (1, 2), (1, 0)), ((3, 2), (2, 1), 0)], ids=str
)
@pytest.mark.parametrize("size", [(7, 7), (8, 6)], ids=str)
def test_max_pool_breaks_ties_as_torch_does(torch, k, s, p, size):
    # Many tied maxima, also across rows and columns: the first in row-major order must win, whatever the
    # order in which the maximum is computed.
    x = np.random.default_rng(0).integers(0, 3, size=(2, 2, *size)).astype(np.float64)
    assert_matches_torch(
        torch, lambda t: F.max_pool2d(t, k, s, p), lambda t: torch.nn.functional.max_pool2d(t, k, s, p), x
    )


# ---- batch norm --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape", [(6, 3), (4, 3, 5, 4)], ids=str)
def test_batch_norm_train_steps_then_eval_match_torch(torch, dtype, x_shape):
    c = x_shape[1]
    ours_stats = [np.zeros(c, dtype=dtype), np.ones(c, dtype=dtype)]
    torch_stats = [torch.from_numpy(s.copy()) for s in ours_stats]
    w, b = random_array(10, (c,), 0.5, 1.5), random_array(11, (c,))
    for step in range(3):
        x = random_array(step, x_shape, -1.0, 3.0)
        assert_matches_torch(
            torch,
            lambda *a: F.batch_norm(a[0], *ours_stats, *a[1:], training=True, momentum=0.3),
            lambda *a: torch.nn.functional.batch_norm(a[0], *torch_stats, *a[1:], training=True, momentum=0.3),
            x, w, b, dtypes=[dtype],
        )
        for ours, theirs in zip(ours_stats, torch_stats):
            assert ours.dtype == dtype
            assert_close(ours, theirs.numpy(), TORCH_TOL[np.dtype(dtype)], f"running stats after step {step}")
    assert_matches_torch(
        torch,
        lambda *a: F.batch_norm(a[0], *ours_stats, *a[1:], training=False),
        lambda *a: torch.nn.functional.batch_norm(a[0], *torch_stats, *a[1:], training=False),
        random_array(5, x_shape), w, b, dtypes=[dtype],
    )


# ---- linear, activations, softmax --------------------------------------------------------------------------
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(torch, x_shape, bias):
    inputs = [random_array(0, x_shape), random_array(1, (6, 3))] + ([random_array(2, (6,))] if bias else [])
    assert_matches_torch(torch, F.linear, torch.nn.functional.linear, *inputs)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_matches_torch(torch, name):
    x = random_array(0, (3, 4, 2), -6.0, 6.0, gap=1e-3)
    assert_matches_torch(torch, getattr(F, name), getattr(torch, name), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_matches_torch(torch, name, axis):
    x = random_array(0, (3, 4, 2), -5.0, 5.0)
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    assert_matches_torch(torch, lambda t: ours(t, axis), lambda t: theirs(t, dim=axis), x)


# ---- losses ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("target", ["labels", "one_hot", "probabilities"])
def test_cross_entropy_matches_torch(torch, reduction, smoothing, target):
    x = random_array(0, (5, 4), -3.0, 3.0)
    labels = np.array([0, 3, 1, 1, 2])
    t = {"labels": labels, "one_hot": np.eye(4)[labels], "probabilities": probabilities(1, (5, 4))}[target]
    assert_matches_torch(
        torch,
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
        lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
        x, t,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_elementwise_loss_matches_torch(torch, reduction, name):
    y = random_array(0, (4, 3), 0.05, 0.95) if name == "binary_cross_entropy" else random_array(0, (4, 3))
    t = random_array(1, (4, 3), 0.0, 1.0)
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    assert_matches_torch(
        torch, lambda a, b: ours(a, b, reduction=reduction), lambda a, b: theirs(a, b, reduction=reduction), y, t
    )


# ---- local response normalisation --------------------------------------------------------------------------
LRN_CASES = [(5, 1e-4, 0.75, 2.0), (3, 0.5, 0.75, 1.0), (2, 0.3, 1.2, 1.5)]  # AlexNet's, then visible effects


@pytest.mark.parametrize(("size", "alpha", "beta", "k"), LRN_CASES)
@pytest.mark.parametrize("x_shape", [(2, 6, 3, 3), (2, 4, 5)], ids=str)
def test_local_response_norm_matches_torch(torch, size, alpha, beta, k, x_shape):
    assert_matches_torch(
        torch,
        lambda t: F.local_response_norm(t, size, alpha, beta, k),
        lambda t: torch.nn.functional.local_response_norm(t, size, alpha, beta, k),
        random_array(0, x_shape, -3.0, 3.0),
    )


def test_max_reduction_shares_tied_gradients_like_torch_amax(torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    assert_matches_torch(torch, lambda t: t.max(axis=1), lambda t: torch.amax(t, dim=1), x)
