"""gradcheck.py: numerical differentiation as the notes do it, and the checks that catch a wrong backward."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Function, Tensor
from scratchgrad.gradcheck import (
    check_module_gradients,
    gradient_check,
    numerical_diff,
    numerical_gradient,
    relative_error,
)


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def test_numerical_diff_of_the_notes_function_1_is_0_2_at_5_and_0_3_at_10():
    assert numerical_diff(function_1, 5.0) == pytest.approx(0.2, abs=1e-9)
    assert numerical_diff(function_1, 10.0) == pytest.approx(0.3, abs=1e-9)


def test_numerical_diff_is_the_central_difference_with_h_1e_minus_4():
    # ((x + h)^3 - (x - h)^3) / 2h = 3x^2 + h^2: off by exactly h^2 = 1e-8, which pins down both the form and h.
    assert numerical_diff(lambda x: x**3, 2.0) == pytest.approx(12.0 + 1e-8, abs=1e-10)


@pytest.mark.parametrize(
    ("point", "expected"), [([3.0, 4.0], [6.0, 8.0]), ([0.0, 2.0], [0.0, 4.0]), ([3.0, 0.0], [6.0, 0.0])]
)
def test_numerical_gradient_of_the_notes_function_2(point, expected):
    x = np.array(point)
    np.testing.assert_allclose(numerical_gradient(function_2, x), expected, atol=1e-7)
    np.testing.assert_array_equal(x, point)  # every element is restored


def test_numerical_gradient_of_a_matrix_has_its_shape():
    w = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(numerical_gradient(lambda a: (a**2).sum(), w), 2 * w, atol=1e-6)


class WrongSquare(Function):
    """y = x^2 with the backward off by a factor: what gradient_check exists to catch."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, gy):
        (x,) = self.saved
        return gy * 2.1 * x


def test_gradient_check_passes_a_right_backward_and_catches_a_wrong_one():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert gradient_check(lambda t: t * t, x) < 1e-8
    assert gradient_check(lambda t: WrongSquare()(t), x) > 0.04


def test_gradient_check_reports_one_error_per_floating_input_and_skips_labels():
    errors = gradient_check(F.cross_entropy, np.random.default_rng(0).standard_normal((3, 4)), np.array([0, 1, 3]))
    assert len(errors) == 1 and errors < 1e-7


def test_gradient_check_catches_a_gradient_that_never_arrives():
    class Detached(Function):  # says "no gradient" for an input that has one
        def forward(self, x):
            return 3 * x

        def backward(self, gy):
            return None

    assert gradient_check(lambda t: Detached()(t), np.ones(3)) > 0.99


def test_relative_error_is_zero_for_equal_arrays_and_scale_free():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(relative_error([1e-8, 2e-8], [1e-8, 2.2e-8]))


def test_check_module_gradients_of_a_small_convnet_is_tiny_for_every_parameter():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3)
    )
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    report = check_module_gradients(model, F.cross_entropy, x, np.array([0, 2]))
    assert set(report) == {name for name, _ in model.named_parameters()}
    assert max(report.values()) < 1e-7, report
    assert model[0].weight.dtype == np.float32 and model.training  # the check works on a copy


def test_check_module_gradients_notices_a_broken_layer():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(np.ones(3))

        def forward(self, x):
            return WrongSquare()(x * self.w)

    report = check_module_gradients(Broken(), lambda y, t: y.sum(), Tensor(np.array([1.0, 2.0, 3.0])), None)
    assert report["w"] > 0.1
