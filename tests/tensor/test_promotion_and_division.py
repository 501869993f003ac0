"""PyTorch's promotion where NumPy's differs (0-d tensors, ``Tensor(data)``), ``div``'s rounding modes and ``//``,
``set_grad_enabled`` as a decorator, and NumPy arrays meeting tensors."""

from __future__ import annotations

import numpy as np
import pytest
from tensor_twins import assert_same

import scratchgrad as sg


@pytest.mark.parametrize(
    "code",
    [
        lambda L: L.tensor([1.0, 2.0]) * L.tensor(2.0, dtype=L.float64),  # float32: the dimensioned dtype wins
        lambda L: L.tensor([1, 2]) * L.tensor(2.5, dtype=L.float64),  # float64: the 0-d one is a higher kind
        lambda L: L.tensor([1.0, 2.0], dtype=L.float16) + L.tensor(2.0, dtype=L.float64),
        lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(2),
        lambda L: L.tensor([1, 2], dtype=L.uint8) + L.tensor(300),  # wraps in uint8, as PyTorch
        lambda L: L.tensor([1, 2], dtype=L.int32) - 2.5,
        lambda L: L.tensor(3.0) / L.tensor([2.0, 4.0], dtype=L.float64),
        lambda L: L.Tensor([1, 2]),
        lambda L: L.Tensor([[True, False]]),
        lambda L: L.tensor([1, 2]) / 2,
        lambda L: L.tensor([1.0, 2.0], dtype=L.float16) + L.tensor([1, 2]),  # the higher kind's dtype, any dims
        lambda L: L.tensor([1, 2]) * L.tensor(2.0, dtype=L.float16),
        lambda L: L.tensor([True, False]) + L.tensor([1, 2], dtype=L.int16),
        lambda L: L.tensor([1.0, 2.0]) ** L.tensor(2.0, dtype=L.float64),
        lambda L: L.tensor([1, 2], dtype=L.int8) ** L.tensor(2),
        lambda L: L.tensor([1, 2]) * np.float64(2.5),  # a NumPy number is a Python number
        lambda L: np.float64(2) * L.tensor([1.0, 2.0]),
        lambda L: np.float32(3) / L.tensor([1.0, 2.0]) - np.int64(1),
        lambda L: L.tensor([7.0, -7.0]) // L.tensor([2, 3]),
        lambda L: L.tensor([7, -7]) // 2.5,
        lambda L: 7.5 // L.tensor([2, -3]),
        lambda L: L.tensor([7, -7], dtype=L.int32) // L.tensor(2),
        lambda L: L.tensor([7, -7]).div(2.5, rounding_mode="trunc"),
        lambda L: L.tensor([7.0, -7.0, 0.0]) // 0,
    ],
)
def test_promotion_matches_torch(torch, code):
    assert_same(code(sg), code(torch))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize(
    "a, b",
    [
        ([-7.0, 7.0, 5.5, 1.0, -0.5], [2.0, -2.0, 2.0, 0.1, 3.0]),
        ([-7, 7, -9, 2**40 + 3, 0], [2, 2, -4, 3, 5]),
    ],
)
def test_div_rounding_modes_match_torch_values_and_zero_gradients(torch, mode, a, b):
    def code(L):
        x, y = L.tensor(a), L.tensor(b)
        if x.is_floating_point():
            x.requires_grad_()
        out = L.div(x, y, rounding_mode=mode)
        if x.requires_grad:
            out.sum().backward()
            return out, x.grad
        return out, x.div(y, rounding_mode=mode)

    for ours, theirs in zip(code(sg), code(torch)):
        assert_same(ours, theirs)


def test_floor_division_operators_match_torch(torch):
    def code(L):
        i = L.tensor([-7, 7, 9])
        return i // -4, 9 // L.tensor([2, -2]), L.tensor([-7.0, 7.0]) // 2, L.floor_divide(i, 2)

    for ours, theirs in zip(code(sg), code(torch)):
        assert_same(ours, theirs)


def test_an_unknown_rounding_mode_is_named():
    with pytest.raises(ValueError, match="rounding_mode to be one of None, 'trunc', or 'floor'; received 'round'"):
        sg.tensor([1.0]).div(2, rounding_mode="round")


def test_set_grad_enabled_decorates_without_changing_the_mode_outside(torch):
    for lib in (sg, torch):

        @lib.set_grad_enabled(False)
        def frozen(x):
            return x * 2

        x = lib.ones(2, requires_grad=True)
        assert lib.is_grad_enabled()
        assert not frozen(x).requires_grad and (x * 2).requires_grad


def test_numpy_arrays_meet_tensors_as_in_torch():
    t = sg.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0], np.float32)
    y = a * t  # the tensor's op, in the graph
    assert isinstance(y, sg.Tensor) and y.grad_fn is not None
    assert (a == sg.tensor([3.0, 5.0])).tolist() == [True, False]
    assert np.isfinite(t).tolist() == [True, True]  # any other ufunc runs on the arrays
    y.sum().backward()
    data = t.data.copy()
    data -= 0.5 * t.grad  # the notes' update, written into the array
    assert isinstance(data, np.ndarray) and data.tolist() == [-0.5, 0.0]


def test_comparing_with_something_that_is_not_a_tensor_asks_the_other_side():
    assert sg.tensor(2.2, dtype=sg.float64) == pytest.approx(2.2)
    assert (sg.tensor([1.0]) == "a") is False


def test_create_graph_is_refused_with_the_reason():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(NotImplementedError, match=r"grad\(create_graph=True\): higher-order gradients"):
        sg.autograd.grad(y, x, create_graph=True)
    with pytest.raises(NotImplementedError, match=r"backward\(create_graph=True\)"):
        y.backward(create_graph=True)
    (g,) = sg.autograd.grad(y, x)
    assert g.tolist() == [2.0, 4.0]


def test_integer_division_by_zero_is_an_error_as_in_torch(torch):
    for lib, error in ((sg, ZeroDivisionError), (torch, RuntimeError)):
        with pytest.raises(error):
            lib.tensor([7, -7]) // 0
        with pytest.raises(error):
            lib.tensor([7, -7]).div(lib.tensor([1, 0]), rounding_mode="trunc")


@pytest.mark.parametrize(
    "code",
    [
        lambda L: L.Tensor(2, 3),
        lambda L: L.Tensor(3),
        lambda L: L.Tensor(),
        lambda L: L.Tensor(L.Size([2, 2])),
        lambda L: L.Tensor(2, 3).fill_(1.5),
    ],
)
def test_the_tensor_constructors_sizes_forms_give_torchs_shape_and_dtype(torch, code):
    ours, theirs = code(sg), code(torch)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[-7:] == str(theirs.dtype)[-7:]
    if theirs.numel() and theirs[0].sum().item() == 1.5 * theirs.shape[-1]:
        assert_same(ours, theirs)


def test_the_tensor_constructor_names_what_it_refused():
    with pytest.raises(TypeError, match=r"Tensor\(\): expected data .* or sizes .*received \(2, -1\)"):
        sg.Tensor(2, -1)
