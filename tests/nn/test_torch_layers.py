"""The layers PyTorch programs use beside the core ones: Softmax(dim), LogSoftmax, AdaptiveAvgPool2d, Dropout2d,
LeakyReLU, ELU, GELU, Unflatten, each against its torch.nn twin; their argument checks; and the documentation
every such module carries (Args, Shape, Example)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from core_helpers import assert_matches_torch

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import Tensor

TWINS = [
    ("Softmax", {"dim": 1}),
    ("Softmax", {"dim": 0}),
    ("LogSoftmax", {"dim": -1}),
    ("AdaptiveAvgPool2d", {"output_size": (3, 2)}),
    ("AdaptiveAvgPool2d", {"output_size": 1}),
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("ELU", {"alpha": 0.5}),
    ("GELU", {}),
    ("GELU", {"approximate": "tanh"}),
    ("Unflatten", {"dim": 1, "unflattened_size": (2, 3)}),
]


@pytest.mark.parametrize(("name", "kwargs"), TWINS, ids=[f"{n}{k}" for n, k in TWINS])
def test_layer_matches_its_torch_twin(torch, rng, name, kwargs):
    shape = (2, 6) if name == "Unflatten" else (2, 3, 5, 4)
    x = rng.standard_normal(shape)
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert_matches_torch(torch, ours, theirs, x)


def test_dropout2d_is_the_identity_in_eval_and_drops_channels_in_training():
    layer = nn.Dropout2d(0.5)
    x = Tensor(np.ones((4, 8, 3, 3), dtype=np.float32))
    sg.manual_seed(0)
    y = layer(x).data
    assert {float(v) for v in np.unique(y)} == {0.0, 2.0}
    assert np.all(y.reshape(4, 8, -1).std(axis=2) == 0)
    assert layer.eval()(x) is x


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.Softmax(dim=1.0), "Softmax: dim must be an int, but got dim=1.0"),
        (lambda: nn.AdaptiveAvgPool2d((0, 2)), "AdaptiveAvgPool2d: output_size must be greater than zero"),
        (lambda: nn.AdaptiveAvgPool2d((1, 2, 3)), "output_size must be an int or a pair, but got (1, 2, 3)"),
        (lambda: nn.Dropout2d(1.5), "Dropout2d: p must be a finite number in [0, 1], but got p=1.5"),
        (lambda: nn.ELU(alpha=-1.0), "ELU: alpha must be a finite number >= 0, but got alpha=-1.0"),
        (lambda: nn.GELU("erf"), 'GELU: approximate must be "none" or "tanh", but got approximate=\'erf\''),
        (lambda: nn.LeakyReLU("x"), "LeakyReLU: negative_slope must be a number"),
        (lambda: nn.Unflatten(1, (2, -1, -1)), "Unflatten: unflattened_size must be a tuple of ints >= 0"),
        (lambda: nn.Unflatten("1", (2, 3)), "Unflatten: dim must be an int, but got dim='1'"),
    ],
)
def test_constructors_name_the_bad_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        make()


def test_unflatten_names_shapes_it_cannot_split():
    with pytest.raises(ValueError, match=r"cannot split dim 1 of input of shape \(2, 7\) into \(2, 3\)"):
        nn.Unflatten(1, (2, 3))(Tensor(np.zeros((2, 7))))
    assert nn.Unflatten(-1, (2, -1))(Tensor(np.zeros((5, 8)))).shape == (5, 2, 4)


DOCUMENTED = [name for name in nn.__all__ if isinstance(getattr(nn, name), type)
              and issubclass(getattr(nn, name), nn.Module) and name != "Module"]  # the base class has no shape


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_module_documents_args_shape_and_an_example(name):
    doc = getattr(nn, name).__doc__ or ""
    for section in ("Args:", "Shape", "Example:"):
        assert section in doc, f"nn.{name}'s docstring has no {section!r} section"


def test_torchs_inplace_and_identity_arguments_are_accepted():
    assert isinstance(nn.ReLU(inplace=True), nn.ReLU) and isinstance(nn.Dropout(0.1, inplace=True), nn.Dropout)
    assert nn.Identity(54, unused_argument="x")(Tensor(np.ones(2))).shape == (2,)
