"""Layers, losses and state dicts refuse nonsense at once, naming the argument and the value received."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Tensor


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Linear(0, 3), "Linear: in_features must be greater than zero, but got in_features=0"),
        (lambda: nn.Linear(-1, 5), "Linear: in_features must be greater than zero, but got in_features=-1"),
        (lambda: nn.Linear(4, 0), "Linear: out_features must be greater than zero, but got out_features=0"),
        (lambda: nn.Conv2d(1, 3, 0), "Conv2d: kernel_size must be greater than zero, but got kernel_size=0$"),
        (lambda: nn.Conv2d(1, 3, (3, 0)), r"kernel_size must be greater than zero, but got kernel_size=\(3, 0\)"),
        (lambda: nn.Conv2d(1, 3, 3, stride=0), "Conv2d: stride must be greater than zero, but got stride=0"),
        (lambda: nn.Conv2d(1, 3, 3, padding=-1), "Conv2d: padding must be at least 0, but got padding=-1"),
        (lambda: nn.Conv2d(0, 3, 3), "Conv2d: in_channels must be greater than zero, but got in_channels=0"),
        (lambda: nn.MaxPool2d(0), "MaxPool2d: kernel_size must be greater than zero, but got kernel_size=0"),
        (lambda: nn.MaxPool2d(2, stride=0), "MaxPool2d: stride must be greater than zero, but got stride=0"),
        (lambda: nn.AvgPool2d(2, padding=2), "AvgPool2d: padding must be at most half of kernel_size"),
        (lambda: nn.AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size must be greater than zero"),
        (lambda: nn.BatchNorm2d(0), "BatchNorm2d: num_features must be greater than zero, but got num_features=0"),
        (lambda: nn.BatchNorm1d(4, eps=0), "BatchNorm1d: eps must be a finite number > 0, but got eps=0"),
        (lambda: nn.BatchNorm1d(4, momentum=1.5), r"BatchNorm1d: momentum must be a finite number in \[0, 1\]"),
        (lambda: nn.Dropout(-0.1), r"Dropout: p must be a finite number in \[0, 1\], but got p=-0.1"),
        (lambda: nn.Dropout(float("nan")), r"Dropout: p must be a finite number in \[0, 1\], but got p=nan"),
        (lambda: nn.LocalResponseNorm(0), "LocalResponseNorm: size must be greater than zero, but got size=0"),
        (lambda: nn.Flatten(-1), "Flatten: start_dim must be at least 0, but got start_dim=-1"),
        (lambda: nn.LeakyReLU(float("inf")), "LeakyReLU: negative_slope must be a finite number, but got"),
    ],
)
def test_constructors_refuse_sizes_and_rates_that_cannot_work(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Linear(2.5, 3), "Linear: in_features must be an int; got in_features=2.5 of type float"),
        (lambda: nn.Linear(True, 3), "Linear: in_features must be an int; got in_features=True of type bool"),
        (lambda: nn.Conv2d(1, 3, "3"), "kernel_size must be an int or a pair of ints"),
        (lambda: nn.Dropout("0.5"), "Dropout: p must be a number; got p='0.5' of type str"),
    ],
)
def test_constructors_refuse_arguments_of_the_wrong_type(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_numpy_integers_are_sizes_too():
    assert nn.Linear(np.int64(4), np.int32(2)).weight.shape == (2, 4)


@pytest.mark.parametrize(
    "layer", [nn.Linear(2, 3), nn.Conv2d(1, 2, 1), nn.MaxPool2d(1), nn.Flatten(), nn.BatchNorm1d(2)]
)
def test_a_python_list_is_refused_naming_its_type_as_pytorch_does(layer):
    with pytest.raises(TypeError, match=rf"{type(layer).__name__}: input must be a Tensor \(or an array\), not list"):
        layer([[1.0, 2.0]])


def test_a_numpy_array_is_still_taken_as_input():
    assert nn.Linear(2, 3)(np.ones((4, 2), np.float32)).shape == (4, 3)


def test_flatten_of_an_empty_batch_keeps_the_feature_size_as_pytorch_does():
    assert nn.Flatten()(Tensor(np.zeros((0, 3, 2, 2), np.float32))).shape == (0, 12)
    assert nn.Flatten(2)(Tensor(np.zeros((0, 3, 2, 2), np.float32))).shape == (0, 3, 4)


def test_flatten_of_a_batch_is_unchanged():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(nn.Flatten()(Tensor(x)).data, x.reshape(2, 12))


@pytest.mark.parametrize(
    "loss",
    [
        lambda: F.cross_entropy(Tensor(np.zeros((0, 10), np.float32)), Tensor(np.zeros(0, np.int64))),
        lambda: F.mse_loss(Tensor(np.zeros((0, 3), np.float32)), Tensor(np.zeros((0, 3), np.float32))),
        lambda: F.binary_cross_entropy(Tensor(np.zeros((0,), np.float32)), Tensor(np.zeros((0,), np.float32))),
    ],
)
def test_the_mean_loss_over_no_samples_is_refused_instead_of_nan(loss):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: NaN with "Mean of empty slice" and a division warning
        with pytest.raises(ValueError, match=r"the mean over an empty batch is undefined; received 0 samples"):
            loss()


def test_the_summed_loss_over_no_samples_is_zero():
    x, t = Tensor(np.zeros((0, 10), np.float32)), Tensor(np.zeros(0, np.int64))
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0


def test_loading_nan_weights_warns_naming_the_keys():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    state = {k: np.array(v) for k, v in model.state_dict().items()}
    state["0.weight"][0, 0] = np.nan
    state["2.bias"][:] = np.inf
    with pytest.warns(RuntimeWarning, match=r"non-finite values \(NaN or inf\) in \['0.weight', '2.bias'\]"):
        model.load_state_dict(state)
    assert np.isnan(model.state_dict()["0.weight"][0, 0])  # loaded all the same: a warning, not a refusal


def test_loading_finite_weights_is_silent():
    model = nn.Linear(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.load_state_dict(model.state_dict())
