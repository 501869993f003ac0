"""nn/module.py: registration by attribute, dotted names, state dicts, train/eval, zero_grad, repr."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Tensor


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU())
        self.fc = nn.Linear(8, 3)
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.not_a_parameter = Tensor(np.ones(2))  # a plain tensor attribute is not registered

    def forward(self, x):
        return self.fc(self.features(x).reshape(len(x), -1)) * self.scale


EXPECTED_PARAMETERS = {
    "features.0.weight": (2, 1, 3, 3),
    "features.0.bias": (2,),
    "features.1.weight": (2,),
    "features.1.bias": (2,),
    "fc.weight": (3, 8),
    "fc.bias": (3,),
    "scale": (1,),
}
EXPECTED_BUFFERS = {
    "features.1.running_mean": (2,),
    "features.1.running_var": (2,),
    "features.1.num_batches_tracked": (),
}


def test_parameters_and_submodules_register_by_attribute_with_dotted_names():
    net = Net()
    named = dict(net.named_parameters())
    assert {k: v.shape for k, v in named.items()} == EXPECTED_PARAMETERS
    assert [id(p) for p in net.parameters()] == [id(p) for p in named.values()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [name for name, _ in net.named_children()] == ["features", "fc"]


def test_a_parameter_shared_by_two_modules_is_listed_once():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    assert len(list(nn.Sequential(a, b).parameters())) == 3


def test_reassigning_or_deleting_an_attribute_updates_the_registry():
    net = Net()
    net.fc = nn.Linear(8, 5)
    assert dict(net.named_parameters())["fc.weight"].shape == (5, 8)
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError):
        net.scale


def test_state_dict_holds_parameters_and_batchnorm_buffers_under_pytorch_names():
    state = Net().state_dict()
    assert {k: tuple(np.shape(v)) for k, v in state.items()} == {**EXPECTED_PARAMETERS, **EXPECTED_BUFFERS}
    assert state["features.1.num_batches_tracked"].dtype == np.int64


def test_load_state_dict_copies_every_value_and_the_copy_does_not_alias_the_source():
    source, target = Net(), Net()
    source.features[1].running_mean[:] = 3.0
    state = source.state_dict()
    target.load_state_dict(state)
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    state["fc.weight"][:] = 0.0  # the loaded model has its own arrays
    assert np.abs(target.fc.weight.data).sum() > 0


def test_load_state_dict_refuses_missing_and_unexpected_keys_listing_them():
    state = Net().state_dict()
    del state["fc.bias"]
    state["fc.extra"] = np.zeros(3)
    with pytest.raises(KeyError) as info:
        Net().load_state_dict(state)
    assert "fc.bias" in str(info.value) and "fc.extra" in str(info.value)


def test_load_state_dict_refuses_mis_shaped_values_listing_each_and_changes_nothing():
    net = Net()
    before = {k: np.copy(v) for k, v in net.state_dict().items()}
    state = Net().state_dict()
    state["fc.weight"] = np.zeros((3, 9), dtype=np.float32)
    state["features.0.bias"] = np.zeros(4, dtype=np.float32)
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    assert "fc.weight" in str(info.value) and "(3, 9)" in str(info.value) and "features.0.bias" in str(info.value)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_not_strict_accepts_a_partial_state():
    net = Net()
    net.load_state_dict({"scale": np.full(1, 2.0)}, strict=False)
    assert net.scale.data[0] == 2.0 and net.scale.dtype == np.float32


def test_train_and_eval_switch_every_submodule_and_return_the_module():
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())


def test_zero_grad_clears_every_parameter_gradient():
    net = Net()
    net(Tensor(np.ones((2, 1, 4, 4), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_repr_shows_the_tree_like_pytorch():
    text = repr(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1, bias=False)))
    assert text == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=False)\n"
        ")"
    )
    assert "(features): Sequential(\n    (0): Conv2d(1, 2, kernel_size=(3, 3)" in repr(Net())


def test_sequential_names_children_by_position_and_refuses_non_modules():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert len(seq) == 2 and isinstance(seq[1], nn.ReLU)
    assert list(seq.state_dict()) == ["0.weight", "0.bias"]
    with pytest.raises(TypeError, match="Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_a_module_that_skips_super_init_gets_a_message_saying_so():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def _relu_pool_input(seed: int) -> np.ndarray:
    # Integers in [-2, 2]: many windows whose maximum is tied, zero or negative, the cases where the order of
    # ReLU and max pooling could change which element gets the gradient.
    return np.random.default_rng(seed).integers(-2, 3, size=(3, 2, 6, 6)).astype(np.float64)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pool", [nn.MaxPool2d(2), nn.MaxPool2d(3, 2, 1)], ids=["2x2", "3x3-s2-p1"])
def test_sequential_pools_before_relu_with_the_same_outputs_and_gradients(seed, pool):
    data = _relu_pool_input(seed)
    x, ref = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
    y = nn.Sequential(nn.ReLU(), pool)(x)
    expected = F.max_pool2d(F.relu(ref), pool.kernel_size, pool.stride, pool.padding)
    assert y.creator.__class__.__name__ == "ReLU"  # the shortcut was taken: ReLU ran last, on pooled values
    weights = np.random.default_rng(seed + 10).standard_normal(y.shape)
    (y * Tensor(weights)).sum().backward()
    (expected * Tensor(weights)).sum().backward()
    np.testing.assert_array_equal(y.data, expected.data)
    np.testing.assert_array_equal(x.grad, ref.grad)


def test_a_forward_hook_sees_the_relu_output_before_pooling():
    seen = []
    relu = nn.ReLU()
    relu.register_forward_hook(lambda module, inputs, out: seen.append(out.shape))
    y = nn.Sequential(relu, nn.MaxPool2d(2))(Tensor(_relu_pool_input(0), requires_grad=True))
    assert seen == [(3, 2, 6, 6)] and y.shape == (3, 2, 3, 3)
    assert y.creator.__class__.__name__ == "MaxPool2d"  # hooked: the modules ran in their written order


def test_named_modules_walks_depth_first_from_the_root_listing_a_shared_module_once():
    net = Net()
    assert [(name, type(m).__name__) for name, m in net.named_modules()] == [
        ("", "Net"), ("features", "Sequential"), ("features.0", "Conv2d"), ("features.1", "BatchNorm2d"),
        ("features.2", "ReLU"), ("fc", "Linear"),
    ]
    assert [name for name, _ in net.features.named_modules("body")] == ["body", "body.0", "body.1", "body.2"]
    shared = nn.ReLU()
    assert [name for name, _ in nn.Sequential(shared, nn.Tanh(), shared).named_modules()] == ["", "0", "1"]


def test_apply_calls_the_function_once_on_every_module_and_returns_the_root():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert sorted(seen) == sorted(["Net", "Sequential", "Conv2d", "BatchNorm2d", "ReLU", "Linear"])

    def set_linear_biases_to_7(module):
        if isinstance(module, nn.Linear):
            module.bias.data[...] = 7.0

    net.apply(set_linear_biases_to_7)
    np.testing.assert_array_equal(net.fc.bias.data, np.full(3, 7.0, dtype=np.float32))
    assert not (net.features[0].bias.data == 7.0).any()  # a Conv2d is not a Linear


def test_module_list_registers_its_modules_as_children_0_1_2():
    layers = nn.ModuleList([nn.Linear(4, 3), nn.ReLU()])
    assert layers.append(nn.Linear(3, 2)) is layers
    assert len(layers) == 3 and isinstance(layers[2], nn.Linear) and layers[-1] is layers[2]
    assert [type(m).__name__ for m in layers] == ["Linear", "ReLU", "Linear"]
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = layers

    assert list(Holder().state_dict()) == ["blocks.0.weight", "blocks.0.bias", "blocks.2.weight", "blocks.2.bias"]
    with pytest.raises(TypeError, match="expected a Module for entry 3; received int"):
        layers.append(3)
