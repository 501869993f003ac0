"""tensor/dtypes.py: PyTorch's dtype objects and aliases, equal to NumPy's dtypes where code compares them."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


@pytest.mark.parametrize(
    "alias, name",
    [("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"), ("int", "int32"),
     ("short", "int16")],
)  # fmt: skip
def test_aliases_are_the_same_objects_as_in_torch(torch, alias, name):
    assert getattr(sg, alias) is getattr(sg, name)
    assert getattr(torch, alias) is getattr(torch, name)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_each_dtype_makes_tensors_of_torchs_type(torch, name):
    ours = sg.zeros(2, dtype=getattr(sg, name))
    theirs = torch.zeros(2, dtype=getattr(torch, name))
    assert repr(ours.dtype) == repr(theirs.dtype).replace("torch.", "scratchgrad.")
    assert ours.dtype.itemsize == theirs.dtype.itemsize
    assert ours.dtype.is_floating_point == theirs.dtype.is_floating_point


def test_dtype_object_speaks_numpy():
    d = sg.tensor([1.0]).dtype
    assert d == np.float32 and d == "float32" and d != np.float64 and d != None  # noqa: E711
    assert np.zeros(2, dtype=d).dtype == np.float32 and d.kind == "f"
    assert {np.dtype(np.float32): 1}[d] == 1


def test_unknown_dtype_name_is_refused_listing_the_known_ones():
    with pytest.raises(TypeError, match=r"unknown dtype 'flaot32'; expected one of .*float32"):
        sg.zeros(2, dtype="flaot32")


def test_default_dtype_round_trip(torch):
    assert sg.get_default_dtype() is sg.float32 and torch.get_default_dtype() is torch.float32
    sg.set_default_dtype(sg.float64)
    try:
        assert sg.tensor([1.5]).dtype is sg.float64 and sg.zeros(1).dtype is sg.float64
        assert sg.tensor([1]).dtype is sg.int64
    finally:
        sg.set_default_dtype(sg.float32)
    with pytest.raises(TypeError, match="floating"):
        sg.set_default_dtype(sg.int64)
