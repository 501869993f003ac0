"""ops/loss.py: mse_loss, sum_squared_error, cross_entropy (labels, one-hot, smoothing), binary cross-entropy."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, random_array, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad.nn.functional as F
from scratchgrad import Tensor

# The notes' example: the correct class is 2; the first guess puts 0.6 on it, the second 0.6 on class 7.
NOTES_T = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64)
NOTES_Y_RIGHT = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
NOTES_Y_WRONG = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])

batch_and_classes = st.tuples(st.integers(1, 5), st.integers(2, 5))


def softmax_rows(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def labels_and_onehot(seed: int, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.random.default_rng(seed).integers(0, c, size=n)
    return labels, np.eye(c)[labels]


def probabilities(seed: int, shape) -> np.ndarray:
    return softmax_rows(random_array(seed, shape, -2.0, 2.0))


# ---- squared errors ----------------------------------------------------------------------------------------
def test_sum_squared_error_gives_the_notes_values():
    assert F.sum_squared_error(Tensor(NOTES_Y_RIGHT), Tensor(NOTES_T)).item() == pytest.approx(0.0975, rel=1e-12)
    assert F.sum_squared_error(Tensor(NOTES_Y_WRONG), Tensor(NOTES_T)).item() == pytest.approx(0.5975, rel=1e-12)


def test_sum_squared_error_gradient_is_y_minus_t():
    y = Tensor(NOTES_Y_RIGHT.copy(), requires_grad=True)
    F.sum_squared_error(y, Tensor(NOTES_T)).backward()
    np.testing.assert_allclose(y.grad, NOTES_Y_RIGHT - NOTES_T, rtol=1e-15)


@settings(max_examples=25, deadline=None)
@given(n_c=batch_and_classes, seed=seeds)
def test_mse_loss_is_the_mean_over_every_element_and_differentiable_in_both(n_c, seed):
    y, t = random_array(seed, n_c), random_array(seed + 1, n_c)
    assert F.mse_loss(Tensor(y), Tensor(t)).item() == pytest.approx(np.mean((y - t) ** 2), rel=1e-13)
    assert F.mse_loss(Tensor(y), Tensor(t), reduction="sum").item() == pytest.approx(np.sum((y - t) ** 2), rel=1e-13)
    assert_gradients_match_numerical(F.mse_loss, y, t)
    assert_gradients_match_numerical(F.sum_squared_error, y, t)
    assert_gradients_match_numerical(lambda a, b: F.mse_loss(a, b, reduction="none"), y, t)


# ---- cross-entropy -----------------------------------------------------------------------------------------
def test_cross_entropy_error_gives_the_notes_values():
    assert F.cross_entropy_error(Tensor(NOTES_Y_RIGHT), Tensor(NOTES_T)).item() == pytest.approx(
        -np.log(0.6 + 1e-7), rel=1e-12
    )
    assert F.cross_entropy_error(Tensor(NOTES_Y_WRONG), Tensor(NOTES_T)).item() == pytest.approx(
        -np.log(0.1 + 1e-7), rel=1e-12
    )
    assert F.cross_entropy_error(Tensor(NOTES_Y_RIGHT), np.array(2)).item() == pytest.approx(-np.log(0.6 + 1e-7))


@settings(max_examples=25, deadline=None)
@given(n_c=batch_and_classes, seed=seeds)
def test_cross_entropy_on_labels_and_on_one_hot_is_minus_mean_log_softmax_of_the_label(n_c, seed):
    n, c = n_c
    x = random_array(seed, (n, c), -3.0, 3.0)
    labels, onehot = labels_and_onehot(seed, n, c)
    expected = -np.mean(np.log(softmax_rows(x))[np.arange(n), labels])
    assert F.cross_entropy(Tensor(x), labels).item() == pytest.approx(expected, rel=1e-12)
    assert F.cross_entropy(Tensor(x), Tensor(onehot)).item() == pytest.approx(expected, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(n_c=batch_and_classes, seed=seeds, smoothing=st.sampled_from([0.0, 0.1]))
def test_cross_entropy_backward_is_softmax_minus_target_over_n(n_c, seed, smoothing):
    n, c = n_c
    x = random_array(seed, (n, c), -3.0, 3.0)
    labels, onehot = labels_and_onehot(seed, n, c)
    target = onehot * (1 - smoothing) + smoothing / c
    for t in (labels, onehot):
        logits = Tensor(x, requires_grad=True)
        F.cross_entropy(logits, t, label_smoothing=smoothing).backward()
        np.testing.assert_allclose(logits.grad, (softmax_rows(x) - target) / n, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@settings(max_examples=10, deadline=None)
@given(n_c=batch_and_classes, seed=seeds)
def test_cross_entropy_gradients_match_numerical_for_labels_and_probability_targets(reduction, smoothing, n_c, seed):
    n, c = n_c
    x = random_array(seed, (n, c), -3.0, 3.0)
    labels, _ = labels_and_onehot(seed, n, c)
    loss = lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing)  # noqa: E731
    assert_gradients_match_numerical(loss, x, labels)
    assert_gradients_match_numerical(loss, x, probabilities(seed + 1, (n, c)))  # also d/d(target)


def test_cross_entropy_of_one_sample_without_a_batch_axis():
    x = random_array(0, (4,))
    expected = -np.log(softmax_rows(x[None])[0, 1])
    assert F.cross_entropy(Tensor(x), np.array(1)).item() == pytest.approx(expected, rel=1e-12)
    assert_gradients_match_numerical(F.cross_entropy, x, np.eye(4)[1])


def test_cross_entropy_is_finite_for_huge_logits():
    x = Tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    loss = F.cross_entropy(x, np.array([2]))
    assert loss.item() == pytest.approx(2000.0)
    loss.backward()
    np.testing.assert_allclose(x.grad, [[1.0, 0.0, -1.0]])


def test_cross_entropy_refuses_labels_out_of_range_and_mismatched_targets():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\[0, 2\].*3"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        F.cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        F.cross_entropy(x, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, np.array([0, 1]), reduction="avg")


# ---- binary cross-entropy ----------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(n_c=batch_and_classes, seed=seeds)
def test_binary_cross_entropy_matches_its_formula_and_numerical_gradients(n_c, seed):
    p = random_array(seed, n_c, 0.05, 0.95)
    t = random_array(seed + 1, n_c, 0.0, 1.0)
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert F.binary_cross_entropy(Tensor(p), Tensor(t)).item() == pytest.approx(expected, rel=1e-12)
    assert_gradients_match_numerical(F.binary_cross_entropy, p, t)


@settings(max_examples=25, deadline=None)
@given(n_c=batch_and_classes, seed=seeds)
def test_bce_with_logits_equals_bce_of_sigmoid_and_matches_numerical_gradients(n_c, seed):
    x = random_array(seed, n_c, -4.0, 4.0)
    t = random_array(seed + 1, n_c, 0.0, 1.0)
    fused = F.binary_cross_entropy_with_logits(Tensor(x), Tensor(t)).item()
    assert fused == pytest.approx(F.binary_cross_entropy(F.sigmoid(Tensor(x)), Tensor(t)).item(), rel=1e-12)
    assert_gradients_match_numerical(F.binary_cross_entropy_with_logits, x, t)


def test_binary_cross_entropy_clamps_the_log_at_minus_100_for_certain_wrong_answers():
    p = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, Tensor(np.array([1.0, 0.0])))
    assert loss.item() == pytest.approx(100.0)
    loss.backward()
    assert np.isfinite(p.grad.data).all()
    assert F.binary_cross_entropy_with_logits(Tensor(np.array([-1000.0])), Tensor(np.array([1.0]))).item() == 1000.0


def test_binary_cross_entropy_refuses_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match="sigmoid"):
        F.binary_cross_entropy(Tensor(np.array([1.5])), Tensor(np.array([1.0])))
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        F.mse_loss(Tensor(np.zeros(2)), Tensor(np.zeros(3)))


@pytest.mark.parametrize("fn", [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_integer_0_1_targets_take_the_predictions_float32_dtype(fn):
    p = Tensor(np.array([0.2, 0.7], dtype=np.float32), requires_grad=True)
    loss = fn(p, np.array([0, 1]))
    assert loss.dtype == np.float32
    assert loss.item() == pytest.approx(fn(p, np.array([0.0, 1.0], dtype=np.float32)).item())


def test_cross_entropy_takes_labels_as_a_python_list_or_int():
    x = random_array(0, (2, 3))
    assert F.cross_entropy(Tensor(x), [2, 0]).item() == F.cross_entropy(Tensor(x), np.array([2, 0])).item()
    assert F.cross_entropy(Tensor(x[0]), 2).item() == F.cross_entropy(Tensor(x[:1]), np.array([2])).item()


LOSSES = {
    "mse_loss": (F.mse_loss, lambda: (random_array(0, (3, 4)), random_array(1, (3, 4)))),
    "sum_squared_error": (F.sum_squared_error, lambda: (random_array(0, (3, 4)), random_array(1, (3, 4)))),
    "cross_entropy_labels": (F.cross_entropy, lambda: (random_array(0, (3, 4)), np.array([0, 3, 1]))),
    "cross_entropy_probs": (F.cross_entropy, lambda: (random_array(0, (3, 4)), probabilities(1, (3, 4)))),
    "binary_cross_entropy": (F.binary_cross_entropy, lambda: (random_array(0, (3, 4), 0.1, 0.9), np.ones((3, 4)))),
    "bce_with_logits": (F.binary_cross_entropy_with_logits, lambda: (random_array(0, (3, 4)), np.ones((3, 4)))),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_keeps_float32(name):
    fn, make = LOSSES[name]
    assert_keeps_float32(fn, *make())
