"""The model zoo: the parameter counts the notes and the issue give, shapes for MNIST and CIFAR, the notes' methods."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import models
from scratchgrad.models import TwoLayerNet


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("name", "expected"),
    [("simple_convnet", 433_890), ("deep_convnet", 123_552), ("two_layer_net", 39_760), ("lenet", 61_706)],
)
def test_parameter_counts_on_mnist(name, expected):
    assert count(models.get(name)) == expected


def test_resnet20_has_about_0_27_million_parameters_on_cifar():
    assert 0.26e6 < count(models.get("resnet20", input_shape=(3, 32, 32))) < 0.28e6


@pytest.mark.parametrize("name", sorted(models.available()))
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_every_model_maps_a_batch_to_class_scores_and_back(name, shape):
    model = models.get(name, input_shape=shape, num_classes=7)
    x = sg.Tensor(np.random.default_rng(0).random((2, *shape), dtype=np.float32))
    y = model(x)
    assert y.shape == (2, 7) and y.dtype == np.float32
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_unknown_model_name_lists_the_available_ones():
    with pytest.raises(ValueError, match="unknown model 'vgg99'; available: two_layer_net"):
        models.get("vgg99")


def test_two_layer_net_backprop_matches_the_notes_numerical_gradient():
    sg.set_default_dtype(np.float64)
    try:
        net = TwoLayerNet(input_size=6, hidden_size=5, output_size=3, weight_init_std=0.5)
    finally:
        sg.set_default_dtype(np.float32)
    rng = np.random.default_rng(0)
    x, t = rng.random((4, 6)), np.array([0, 2, 1, 2])
    backprop, numerical = net.gradient(x, t), net.numerical_gradient(x, t)
    assert backprop.keys() == numerical.keys() == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    for key in backprop:
        assert np.abs(backprop[key] - numerical[key]).mean() < 1e-8, key


def test_accuracy_counts_one_hot_and_label_targets_the_same():
    net = TwoLayerNet(input_size=4, hidden_size=3, output_size=2)
    x = np.random.default_rng(0).random((10, 4), dtype=np.float32)
    labels = np.array([0, 1] * 5)
    assert net.accuracy(x, labels) == net.accuracy(x, np.eye(2)[labels], batch_size=3)


def test_models_are_reproducible_from_the_seed():
    sg.manual_seed(3)
    a = models.get("deep_convnet").state_dict()
    sg.manual_seed(3)
    b = models.get("deep_convnet").state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
