"""Every crafted pickle of tests/security/pickle_attacks.py, placed as data.pkl in an otherwise well-formed
PyTorch archive, is refused by scratchgrad.load before it builds anything it asks for."""

from __future__ import annotations

import io

import pytest
from pickle_attacks import ATTACKS
from torch_files import archive

import scratchgrad as sg
from scratchgrad.serialization import PickleRefused
from scratchgrad.serialization.torch_format import TorchFileError


@pytest.mark.parametrize("name", list(ATTACKS))
def test_every_crafted_pickle_is_refused(name):
    data, _ = ATTACKS[name]
    with pytest.raises((PickleRefused, TorchFileError)) as refused:
        sg.load(io.BytesIO(archive(data)))
    assert "load(" in str(refused.value)  # names the file


@pytest.mark.parametrize(
    "name", ["builtins.eval", "os.system", "functools.partial", "copyreg", "numpy.load", "ndarray called directly"]
)
def test_names_outside_torchs_weights_only_rule_are_refused_by_name(name):
    data, _ = ATTACKS[name]
    with pytest.raises(PickleRefused, match="refusing to load .*PyTorch's weights_only rule"):
        sg.load(io.BytesIO(archive(data)))
