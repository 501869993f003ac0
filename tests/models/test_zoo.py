"""The model zoo: parameter counts (given by the notes or worked out by hand), shapes for MNIST and CIFAR, the notes'
methods. Logits against PyTorch's twin of every model are in tests/oracle/test_models_vs_torch.py."""

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


def test_mlp_and_alexnet_parameter_counts_by_hand():
    # MLP 784-100-100-10: weights plus biases of three Affine layers.
    assert count(models.get("mlp")) == (784 * 100 + 100) + (100 * 100 + 100) + (100 * 10 + 10)
    # AlexNet on 28x28: five 3x3 convs 1-48-128-192-192-128, then 128 x 3 x 3 (three 2x2 pools: 28-14-7-3) -> 512
    # -> 512 -> 10, as in its docstring.
    convs = sum(cin * cout * 9 + cout for cin, cout in [(1, 48), (48, 128), (128, 192), (192, 192), (192, 128)])
    assert count(models.get("alexnet")) == convs + (1152 * 512 + 512) + (512 * 512 + 512) + (512 * 10 + 10) == 1_688_682


def test_resnet20_parameter_count_on_cifar_by_hand():
    def block(cin, cout):  # two 3x3 convs without bias, two BatchNorms (weight and bias), 1x1 projection if needed
        projection = cin * cout + 2 * cout if cin != cout else 0
        return cin * cout * 9 + cout * cout * 9 + 4 * cout + projection

    stem = 3 * 16 * 9 + 2 * 16
    stages = sum(block(cin, cout) + 2 * block(cout, cout) for cin, cout in [(16, 16), (16, 32), (32, 64)])
    head = 64 * 10 + 10
    assert count(models.get("resnet20", input_shape=(3, 32, 32))) == stem + stages + head == 272_474


@pytest.mark.parametrize("name", sorted(models.available()))
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_every_model_maps_a_batch_to_class_scores_and_back(name, shape):
    model = models.get(name, input_shape=shape, num_classes=7)
    x = sg.Tensor(np.random.default_rng(0).random((2, *shape), dtype=np.float32))
    y = model(x)
    assert y.shape == (2, 7) and y.dtype == np.float32
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


@pytest.mark.parametrize(
    ("class_name", "key"),
    [("TwoLayerNet", "two_layer_net"), ("SimpleConvNet", "simple_convnet"), ("DeepConvNet", "deep_convnet"),
     ("LeNet", "lenet"), ("AlexNet", "alexnet"), ("MLP", "mlp"), ("ResNet", "resnet20"),
     ("deepconvnet", "deep_convnet"), ("Two-Layer-Net", "two_layer_net")],
)
def test_class_names_in_any_case_build_the_registered_model(class_name, key):
    model, registered = models.get(class_name, input_shape=(3, 32, 32)), models.get(key, input_shape=(3, 32, 32))
    assert type(model) is type(registered) and count(model) == count(registered)


def test_resnet_by_class_name_is_the_class_default_depth():
    assert count(models.get("ResNet", input_shape=(3, 32, 32))) == count(models.ResNet()) == 272_474


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
    expected = (net(sg.Tensor(x)).data.argmax(axis=1) == labels).mean()
    assert 0 < expected < 1  # some right, some wrong: a count that ignored the scores could not match
    assert net.accuracy(x, labels) == net.accuracy(x, np.eye(2)[labels], batch_size=3) == expected


def test_models_are_reproducible_from_the_seed():
    sg.manual_seed(3)
    a = models.get("deep_convnet").state_dict()
    sg.manual_seed(3)
    b = models.get("deep_convnet").state_dict()
    sg.manual_seed(4)
    c = models.get("deep_convnet").state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["features.0.weight"], c["features.0.weight"])
