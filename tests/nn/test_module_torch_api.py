"""The Module API PyTorch code leans on, checked against torch.nn where the answer is PyTorch's: traversal order,
apply's order, buffers (persistent or not), requires_grad_, train(mode), load_state_dict(strict=False) returning
missing and unexpected keys, zero_grad(set_to_none), forward pre-hooks, ModuleDict and ParameterList."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad.nn as nn
from scratchgrad import Tensor


def _pair(torch):
    """The same tree in both frameworks: a head dict, a parameter list and a plain stack."""
    ours = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    ours.add_module("heads", nn.ModuleDict({"cls": nn.Linear(3, 2), "box": nn.Sequential(nn.Linear(3, 4))}))
    ours.add_module("scales", nn.ParameterList([nn.Parameter(np.ones(2)), np.zeros(3)]))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    theirs.add_module("heads", torch.nn.ModuleDict({"cls": torch.nn.Linear(3, 2),
                                                    "box": torch.nn.Sequential(torch.nn.Linear(3, 4))}))
    theirs.add_module("scales", torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)),
                                                        torch.nn.Parameter(torch.zeros(3))]))
    return ours, theirs


def test_traversal_and_state_dict_keys_are_torchs(torch):
    ours, theirs = _pair(torch)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.modules())) == len(list(theirs.modules()))


def test_apply_visits_children_before_their_parent_as_torch(torch):
    ours, theirs = _pair(torch)
    seen_ours, seen_theirs = [], []
    ours.apply(lambda m: seen_ours.append(type(m).__name__))
    theirs.apply(lambda m: seen_theirs.append(type(m).__name__))
    assert seen_ours == seen_theirs and seen_ours[-1] == "Sequential"


def test_module_dict_behaves_as_a_dict():
    heads = nn.ModuleDict([("a", nn.Linear(2, 2))])
    heads["b"] = nn.ReLU()
    assert list(heads) == ["a", "b"] and list(heads.keys()) == ["a", "b"] and "b" in heads and len(heads) == 2
    assert isinstance(heads.pop("b"), nn.ReLU) and list(heads) == ["a"]
    with pytest.raises(KeyError, match="keys must be non-empty strings without '.'"):
        heads["x.y"] = nn.ReLU()
    with pytest.raises(TypeError, match="expected a Module for entry c; received int"):
        heads["c"] = 3


def test_parameter_list_registers_and_wraps_its_entries():
    scales = nn.ParameterList([np.ones(2)])
    scales.append(Tensor(np.zeros(3)))
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in scales)
    assert [n for n, _ in scales.named_parameters()] == ["0", "1"] and scales[1].shape == (3,)
    with pytest.raises(TypeError, match="entry 2 must be a Parameter or Tensor; received str"):
        scales.append("w")


def test_register_buffer_persistent_or_not(torch):
    ours, theirs = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    for module, ones in ((ours, np.ones(2)), (theirs, torch.ones(2))):
        module.register_buffer("kept", ones)
        module.register_buffer("scratch", ones * 2, persistent=False)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias", "kept"]
    np.testing.assert_array_equal(ours.scratch, [2.0, 2.0])
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    with pytest.raises(KeyError, match="already has an attribute 'weight'"):
        ours.register_buffer("weight", np.ones(2))
    with pytest.raises(KeyError, match="without '.'"):
        ours.register_buffer("a.b", np.ones(2))


def test_requires_grad_freezes_and_unfreezes_every_parameter():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net[1].requires_grad_()
    assert [p.requires_grad for p in net.parameters()] == [False, False, True, True]
    net(Tensor(np.ones((1, 3), dtype=np.float32))).sum().backward()
    assert net[0].weight.grad is None and net[1].weight.grad is not None


def test_train_takes_a_mode_and_refuses_a_non_bool():
    net = nn.Sequential(nn.Dropout(0.5))
    assert net.train(False) is net and not net[0].training
    assert net.train(True) is net and net[0].training
    with pytest.raises(ValueError, match="mode must be True or False; received 'eval'"):
        net.train("eval")


def test_load_state_dict_returns_missing_and_unexpected_keys_as_torch(torch):
    ours, theirs = _pair(torch)
    state = {k: v for k, v in ours.state_dict().items() if not k.startswith("heads.cls")}
    state["extra.weight"] = np.zeros(1)
    result = ours.load_state_dict(state, strict=False)
    torch_state = {k: torch.tensor(np.asarray(v)) for k, v in state.items()}
    expected = theirs.load_state_dict(torch_state, strict=False)
    assert sorted(result.missing_keys) == sorted(expected.missing_keys) == ["heads.cls.bias", "heads.cls.weight"]
    assert result.unexpected_keys == expected.unexpected_keys == ["extra.weight"]
    missing, unexpected = ours.load_state_dict(ours.state_dict())
    assert missing == [] and unexpected == []


def test_zero_grad_set_to_none_or_zeros():
    net = nn.Linear(3, 2)
    net(Tensor(np.ones((1, 3), dtype=np.float32))).sum().backward()
    net.zero_grad(set_to_none=False)
    assert net.weight.grad is not None and not net.weight.grad.any()
    net.zero_grad()
    assert net.weight.grad is None


def test_forward_pre_hook_sees_and_may_replace_the_inputs(torch):
    for framework, module, x in ((nn, nn.Identity(), Tensor(np.ones(2))), (torch.nn, torch.nn.Identity(),
                                                                          torch.ones(2))):
        seen = []
        remove = module.register_forward_pre_hook(lambda m, args, seen=seen: seen.append(len(args)))
        doubler = module.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        np.testing.assert_array_equal(np.asarray(module(x).tolist()), [2.0, 2.0])
        remove.remove()
        doubler.remove()
        np.testing.assert_array_equal(np.asarray(module(x).tolist()), [1.0, 1.0])
        assert seen == [1], framework.__name__
