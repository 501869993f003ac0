"""nn/init.py: each initialiser's empirical std on a big tensor against its formula.

Named test_nn_init.py so it cannot clash with another folder's test_init.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad.nn import init

LINEAR_SHAPE = (300, 500)  # fan_in 500, fan_out 300
CONV_SHAPE = (64, 32, 3, 3)  # fan_in 32*9 = 288, fan_out 64*9 = 576
REL = 0.02  # 18,432+ samples: the std estimate's own relative std is 1/sqrt(2n) < 0.6%, so this is 4 sigma


def empty(shape, dtype=np.float32) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


STD_FORMULAS = {
    "normal_": (init.normal_, lambda fi, fo: 0.01),
    "xavier_normal_": (init.xavier_normal_, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    "xavier_uniform_": (init.xavier_uniform_, lambda fi, fo: math.sqrt(6 / (fi + fo)) / math.sqrt(3)),
    "he_normal_": (init.he_normal_, lambda fi, fo: math.sqrt(2 / fi)),
    "he_uniform_": (init.he_uniform_, lambda fi, fo: math.sqrt(2 / fi)),
    "kaiming_normal_": (init.kaiming_normal_, lambda fi, fo: math.sqrt(2 / fi)),
}


@pytest.mark.parametrize("shape", [LINEAR_SHAPE, CONV_SHAPE], ids=["linear", "conv"])
@pytest.mark.parametrize("name", STD_FORMULAS)
def test_initialiser_has_the_std_of_its_formula_and_zero_mean(name, shape):
    fill, formula = STD_FORMULAS[name]
    w = empty(shape)
    assert fill(w) is w
    expected = formula(*fans(shape))
    assert w.data.std() == pytest.approx(expected, rel=REL)
    assert abs(w.data.mean()) < 5 * expected / math.sqrt(w.numel())  # 5 standard errors of the mean
    assert w.dtype == np.float32 and w.shape == shape


def test_xavier_uniform_stays_inside_its_bound():
    w = init.xavier_uniform_(empty(LINEAR_SHAPE))
    bound = math.sqrt(6 / (500 + 300))
    assert np.abs(w.data).max() <= bound
    assert np.abs(w.data).max() > 0.99 * bound


@pytest.mark.parametrize(("mode", "fan"), [("fan_in", 288), ("fan_out", 576)])
def test_he_uniform_stays_inside_sqrt_6_over_fan(mode, fan):
    w = init.he_uniform_(empty(CONV_SHAPE), mode=mode)
    bound = math.sqrt(6 / fan)  # sqrt(3) * the ReLU gain sqrt(2) / sqrt(fan)
    assert bound * 0.99 < np.abs(w.data).max() <= bound


def test_uniform_fills_a_to_b_with_the_mean_and_std_of_that_interval():
    w = init.uniform_(empty(LINEAR_SHAPE, np.float64), a=-1.0, b=3.0)
    assert -1.0 <= w.data.min() < -0.99 and 2.99 < w.data.max() < 3.0
    assert w.data.mean() == pytest.approx(1.0, abs=5 * 4 / math.sqrt(12 * w.numel()))  # 5 standard errors
    assert w.data.std() == pytest.approx(4 / math.sqrt(12), rel=REL)
    assert w.dtype == np.float64


def test_ones_and_constant_fill_every_entry_keeping_the_dtype():
    assert init.ones_(empty((3, 4))).data.tolist() == [[1.0] * 4] * 3
    w = init.constant_(empty((2, 5)), 0.25)
    np.testing.assert_array_equal(w.data, np.full((2, 5), 0.25))
    assert w.dtype == np.float32


def test_zeros_empties_a_parameter_keeping_its_dtype():
    w = init.zeros_(nn.Parameter(np.ones((3, 4))))
    np.testing.assert_array_equal(w.data, np.zeros((3, 4)))
    assert w.dtype == np.float64


def test_normal_takes_a_mean_and_std_and_float64_stays_float64():
    w = init.normal_(empty(LINEAR_SHAPE, np.float64), mean=2.0, std=0.5)
    assert w.data.mean() == pytest.approx(2.0, abs=0.01)
    assert w.data.std() == pytest.approx(0.5, rel=REL)
    assert w.dtype == np.float64


def test_initialisation_repeats_under_the_same_seed():
    sg.manual_seed(3)
    first = init.he_normal_(empty((20, 10))).data.copy()
    sg.manual_seed(3)
    np.testing.assert_array_equal(init.he_normal_(empty((20, 10))).data, first)


def test_fans_need_a_weight_with_two_axes():
    with pytest.raises(ValueError, match="2 axes"):
        init.xavier_normal_(empty((5,)))
