"""nn/layers.py: each layer's shapes, defaults, modes and input checks (the ops underneath are tested in tests/ops).

Named test_nn_layers.py, not test_layers.py, so it cannot clash with a Keras layers test of the same basename.
"""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import random_array

import scratchgrad.nn as nn
from scratchgrad import Tensor


def f32(shape, seed=0) -> Tensor:
    return Tensor(random_array(seed, shape).astype(np.float32))


def _uniform_within(values: np.ndarray, bound: float) -> None:
    """Drawn from U(-bound, bound): inside it and spread over it (std bound / sqrt(3); 128 draws or more)."""
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    assert values.std() == pytest.approx(bound / np.sqrt(3), rel=0.15)
    assert abs(values.mean()) < 0.2 * bound


def test_linear_maps_n_in_features_to_n_out_features_from_pytorchs_uniform():
    layer = nn.Linear(1000, 400)
    assert layer(f32((7, 1000))).shape == (7, 400)
    assert layer.weight.shape == (400, 1000) and layer.weight.dtype == np.float32
    _uniform_within(layer.weight.data, 1 / np.sqrt(1000))  # kaiming_uniform_(a=sqrt(5)), as torch.nn.Linear
    _uniform_within(layer.bias.data, 1 / np.sqrt(1000))


def test_conv2d_starts_from_pytorchs_uniform_over_its_fan_in():
    layer = nn.Conv2d(1, 30, 5)
    assert layer(f32((3, 1, 28, 28))).shape == (3, 30, 24, 24)
    big = nn.Conv2d(64, 128, 3)
    assert big.weight.shape == (128, 64, 3, 3)
    _uniform_within(big.weight.data, 1 / np.sqrt(64 * 9))
    _uniform_within(big.bias.data, 1 / np.sqrt(64 * 9))


def test_reset_parameters_draws_again_and_the_zoo_keeps_the_notes_he_initialisation():
    from scratchgrad import models

    layer = nn.Linear(300, 200)
    before = layer.weight.data.copy()
    layer.reset_parameters()
    assert not np.array_equal(layer.weight.data, before)
    net = models.get("deep_convnet")
    conv = net.features[2]  # 16 -> 16 channels, 3x3: He normal std sqrt(2 / 144), zero bias
    assert conv.weight.data.std() == pytest.approx(np.sqrt(2 / 144), rel=0.1)
    np.testing.assert_array_equal(conv.bias.data, 0)


def test_conv2d_with_stride_padding_and_no_bias():
    layer = nn.Conv2d(3, 4, (3, 5), stride=2, padding=(1, 2), bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(f32((2, 3, 9, 7))).shape == (2, 4, 5, 4)


def test_conv2d_layer_names_the_expected_input_when_channels_differ():
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\).*\(2, 1, 8, 8\)"):
        nn.Conv2d(3, 4, 3)(f32((2, 1, 8, 8)))


@pytest.mark.parametrize("layer", [nn.Linear(4, 2), nn.Conv2d(1, 2, 3)], ids=["Linear", "Conv2d"])
def test_layers_refuse_uint8_images_and_float64_input_with_a_type_error(layer):
    shape = (2, 4) if isinstance(layer, nn.Linear) else (2, 1, 5, 5)
    with pytest.raises(TypeError, match="uint8"):
        layer(Tensor(np.full(shape, 255, dtype=np.uint8)))
    with pytest.raises(TypeError, match=r"float64.*float32"):
        layer(Tensor(np.ones(shape)))
    assert layer.double()(Tensor(np.ones(shape))).dtype == np.float64  # after .double() it fits


@pytest.mark.parametrize(("cls", "shape"), [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm2d, (4, 3, 5, 5))])
def test_batchnorm_layer_uses_batch_statistics_in_training_and_running_ones_in_eval(cls, shape):
    layer = cls(3)
    x = Tensor((random_array(0, shape) * 4 + 7).astype(np.float32))
    axes = (0,) + tuple(range(2, len(shape)))
    y = layer(x).data
    np.testing.assert_allclose(y.mean(axis=axes), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=axes), 1.0, rtol=1e-3)
    assert int(layer.num_batches_tracked) == 1
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.data.mean(axis=axes), rtol=1e-5)
    running = layer.running_mean.copy()

    layer.eval()
    y_eval = layer(x).data
    expected = (x.data - running.reshape((1, 3) + (1,) * (len(shape) - 2))) / np.sqrt(
        layer.running_var.reshape((1, 3) + (1,) * (len(shape) - 2)) + 1e-5
    )
    np.testing.assert_allclose(y_eval, expected, rtol=1e-5)
    np.testing.assert_array_equal(layer.running_mean, running)
    assert int(layer.num_batches_tracked) == 1


def test_batchnorm_layers_check_the_number_of_axes_and_channels():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\).*\(4, 3\)"):
        nn.BatchNorm2d(3)(f32((4, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\).*\(4, 2\)"):
        nn.BatchNorm1d(3)(f32((4, 2)))


def test_dropout_layer_drops_in_training_and_is_the_identity_in_eval():
    layer = nn.Dropout(0.5)
    x = Tensor(np.ones((50, 40), dtype=np.float32))
    assert 0.4 < (layer(x).data == 0).mean() < 0.6
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x.data)
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)


# Each parameterless layer and the torch.nn layer it stands for, built from the same arguments.
TORCH_TWINS = {
    "ReLU": (nn.ReLU, "ReLU", ()),
    "Sigmoid": (nn.Sigmoid, "Sigmoid", ()),
    "Tanh": (nn.Tanh, "Tanh", ()),
    "LeakyReLU": (nn.LeakyReLU, "LeakyReLU", (0.2,)),
    "Softmax": (nn.Softmax, "Softmax", (1,)),
    "LogSoftmax": (nn.LogSoftmax, "LogSoftmax", (1,)),
    "Identity": (nn.Identity, "Identity", ()),
    "MaxPool2d": (nn.MaxPool2d, "MaxPool2d", (3, 2, 1)),
    "AvgPool2d": (nn.AvgPool2d, "AvgPool2d", (2,)),
    "AdaptiveAvgPool2d": (nn.AdaptiveAvgPool2d, "AdaptiveAvgPool2d", (1,)),
    "LocalResponseNorm": (nn.LocalResponseNorm, "LocalResponseNorm", (3, 0.1)),
    "Flatten": (nn.Flatten, "Flatten", ()),
}


@pytest.mark.parametrize("name", TORCH_TWINS)
def test_parameterless_layer_matches_its_torch_layer_forward_and_backward(name, torch):
    ours_cls, torch_name, args = TORCH_TWINS[name]
    module, twin = ours_cls(*args), getattr(torch.nn, torch_name)(*args)
    data = random_array(0, (2, 3, 4, 4))
    x, xt = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, yt = module(x), twin(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    weights = random_array(1, y.shape)  # a loss sum(w * y) that weighs every output differently
    (y * Tensor(weights)).sum().backward()
    (yt * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    assert list(module.parameters()) == []


def test_pool_layers_of_the_notes_example():
    assert nn.MaxPool2d(2)(f32((2, 30, 24, 24))).shape == (2, 30, 12, 12)


def test_residual_block_keeps_or_projects_the_shortcut():
    same = nn.ResidualBlock(4, 4)
    assert same.downsample is None and same(f32((2, 4, 6, 6))).shape == (2, 4, 6, 6)
    down = nn.ResidualBlock(4, 8, stride=2)
    assert down(f32((2, 4, 7, 7))).shape == (2, 8, 4, 4)
    assert "downsample.0.weight" in down.state_dict() and "downsample.1.running_var" in down.state_dict()
