"""nn/padding.py's layers and Conv2d's padding_mode, against torch.nn's."""

import numpy as np
import pytest

import scratchgrad.nn as nn
from scratchgrad import Tensor
from scratchgrad.autograd import grad_array

LAYERS = [
    ("ZeroPad2d", (1, 2, 0, 3), (2, 3, 4, 5)),
    ("ConstantPad2d", 2, (2, 3, 4, 5)),
    ("ReflectionPad2d", (3, 1, 2, 0), (2, 3, 4, 5)),
    ("ReplicationPad2d", 3, (3, 4, 5)),
    ("CircularPad2d", (1, 2, 3, -1), (2, 3, 4, 5)),
    ("ReflectionPad1d", (2, 1), (2, 3, 5)),
    ("ReplicationPad3d", (1, 0, 2, 1, 0, 1), (1, 2, 3, 4, 5)),
    ("ZeroPad1d", 1, (2, 5)),
    ("ConstantPad3d", (1, 0, 0, 1, 1, 1), (1, 2, 3, 4, 5)),
    ("CircularPad1d", 2, (2, 3, 5)),
]


@pytest.mark.parametrize(("name", "padding", "shape"), LAYERS)
def test_padding_layers_match_torch(torch, rng, name, padding, shape):
    args = (padding, -0.5) if name.startswith("Constant") else (padding,)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    x = rng.standard_normal(shape)
    mine, other = Tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
    y, t = ours(mine), theirs(other)
    np.testing.assert_array_equal(y.data, t.detach().numpy())
    c = rng.standard_normal(tuple(t.shape))
    (y * c).sum().backward()
    (t * torch.tensor(c)).sum().backward()
    np.testing.assert_allclose(grad_array(mine), other.grad.numpy(), rtol=0, atol=1e-12)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("bad", [(1, 2), 1.5, (1, 2, 3, 4.0), True])
def test_padding_layers_refuse_bad_widths_naming_them(bad):
    with pytest.raises(ValueError, match=r"ReflectionPad2d: padding must be an int or 4 ints \(left, right, top, "
                                         r"bottom\); received " + repr(bad).replace("(", r"\(").replace(")", r"\)")):
        nn.ReflectionPad2d(bad)


def test_reflection_pad_refuses_widths_as_wide_as_the_input_when_called():
    with pytest.raises(ValueError, match=r'"reflect" needs each width smaller than its axis.*size 4'):
        nn.ReflectionPad2d(4)(Tensor(np.zeros((1, 1, 4, 4))))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_padding_mode_matches_torch(torch, rng, mode):
    ours = nn.Conv2d(2, 3, (3, 2), stride=(1, 2), padding=(2, 1), padding_mode=mode).double()
    theirs = torch.nn.Conv2d(2, 3, (3, 2), stride=(1, 2), padding=(2, 1), padding_mode=mode).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    x = rng.standard_normal((2, 2, 5, 6))
    mine, other = Tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
    y, t = ours(mine), theirs(other)
    np.testing.assert_allclose(y.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    t.sum().backward()
    np.testing.assert_allclose(grad_array(mine), other.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad_array(ours.weight), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert repr(ours).replace("(3, 2)", "").split("stride")[1] == repr(theirs).replace("(3, 2)", "").split("stride")[1]


def test_conv2d_refuses_an_unknown_padding_mode():
    with pytest.raises(ValueError, match=r"Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', "
                                         r"'circular'; received 'mirror'"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
