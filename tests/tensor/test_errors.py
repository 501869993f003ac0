"""Bad input is refused in words that name what was wrong, what was expected and what was received."""

from __future__ import annotations

import pytest

import scratchgrad as sg


def test_unknown_dtype_and_device_strings():
    with pytest.raises(TypeError, match="unknown dtype 'float128x'"):
        sg.tensor([1.0], dtype="float128x")
    with pytest.raises(RuntimeError, match="unknown device 'gpu0'"):
        sg.ones(2, device="gpu0")
    with pytest.raises(RuntimeError, match="unknown device 'tpu'"):
        sg.ones(2).to("tpu")


@pytest.mark.parametrize("method", ["view", "reshape"])
def test_view_and_reshape_name_both_shapes(method):
    expected = rf"{method}: cannot reshape a tensor of shape \(2, 3\) .* into shape \(4, 2\)"
    with pytest.raises(ValueError, match=expected):
        getattr(sg.zeros(2, 3), method)(4, 2)


def test_cat_names_the_shapes():
    with pytest.raises(ValueError, match=r"shapes \(2, 3\), \(2, 4\) must agree on every axis but axis 0"):
        sg.cat([sg.zeros(2, 3), sg.zeros(2, 4)])


def test_matmul_of_two_dtypes_is_refused_as_torch_does(torch):
    for lib in (sg, torch):
        with pytest.raises(RuntimeError, match="same dtype"):
            lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64)
    with pytest.raises(RuntimeError, match="received float64 and float32"):
        sg.ones(2, 2, dtype=sg.float64).mm(sg.ones(2, 2))


def test_matmul_and_mm_name_the_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not match"):
        sg.zeros(2, 3) @ sg.zeros(4, 5)
    with pytest.raises(ValueError, match=r"mm: expected 2-D tensors; received one of shape \(3,\)"):
        sg.mm(sg.zeros(2, 3), sg.zeros(3))


@pytest.mark.parametrize(
    "call",
    [lambda t: t.sum(dim=2), lambda t: t.unsqueeze(3), lambda t: t.softmax(dim=-3), lambda t: t.max(dim=5),
     lambda t: t.argmax(dim=2), lambda t: t.size(2), lambda t: t.squeeze(-3), lambda t: t.flatten(0, 4)],
)  # fmt: skip
def test_dim_out_of_range_names_dim_and_ndim(call):
    with pytest.raises(IndexError, match=r"dim -?\d is out of range for a tensor with ndim=2"):
        call(sg.zeros(2, 3))


def test_numpy_on_a_tensor_that_requires_grad_gives_torchs_advice(torch):
    for lib in (sg, torch):
        with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
            lib.ones(2, requires_grad=True).numpy()
    assert sg.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


def test_truth_value_of_many_elements_is_ambiguous():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(sg.tensor([1, 2]) > 0)
    assert bool(sg.tensor([3]) > 0) and int(sg.tensor([[7]])) == 7
