"""tensor/creation.py: PyTorch's constructors give PyTorch's dtypes, shapes and values."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


def _same(ours: sg.Tensor, theirs) -> None:
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "data",
    [[1, 2, 3], [1.0, 2.5], [True, False], 3, 2.5, [[1, 2], [3, 4]], [1, 2.0], [], np.arange(3.0), np.int32(4)],
    ids=repr,
)
def test_tensor_infers_dtype_like_torch(torch, data):
    _same(sg.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("name", ["zeros", "ones"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), (4,), ((),)])
def test_zeros_ones_take_varargs_or_a_tuple(torch, name, size):
    _same(getattr(sg, name)(*size), getattr(torch, name)(*size))


@pytest.mark.parametrize("value", [7, 2.5, True])
def test_full_dtype_follows_the_fill_value(torch, value):
    _same(sg.full((2, 2), value), torch.full((2, 2), value))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
@pytest.mark.parametrize("data", [[1, 2], [[1.5, 2.0]]])
def test_like_keeps_shape_and_dtype(torch, name, data):
    _same(getattr(sg, name)(sg.tensor(data)), getattr(torch, name)(torch.tensor(data)))
    ours = getattr(sg, name)(sg.tensor(data), dtype=sg.float64)
    _same(ours, getattr(torch, name)(torch.tensor(data), dtype=torch.float64))


def test_full_like_and_empty_shapes(torch):
    t = sg.tensor([[1, 2, 3]])
    _same(sg.full_like(t, 5), torch.full_like(torch.tensor([[1, 2, 3]]), 5))
    assert sg.empty(2, 3).shape == (2, 3) and sg.empty_like(t).dtype == sg.int64


@pytest.mark.parametrize("args", [(5,), (2, 9), (1, 2, 0.25), (0.0, 1.0, 0.1), (-3, 4, 2), (10, 0, -3)])
def test_arange_matches_torch(torch, args):
    ours, theirs = sg.arange(*args), torch.arange(*args)
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("args", [(0, 1, 5), (-2.0, 3.0, 7), (1, 1, 1)])
def test_linspace_matches_torch(torch, args):
    ours, theirs = sg.linspace(*args), torch.linspace(*args)
    assert ours.dtype == sg.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_eye_square_and_rectangular(torch):
    _same(sg.eye(3), torch.eye(3))
    _same(sg.eye(2, 4, dtype=sg.float64), torch.eye(2, 4, dtype=torch.float64))


def test_from_numpy_shares_memory_and_as_tensor_too():
    a = np.zeros(3)
    t = sg.from_numpy(a)
    a[0] = 5.0
    t.data[1] = 7.0
    assert t.dtype == sg.float64 and t.tolist() == [5.0, 7.0, 0.0] and a[1] == 7.0
    assert np.shares_memory(sg.as_tensor(a).data, a)
    assert sg.as_tensor(t) is t


def test_tensor_copies_its_input():
    a = np.zeros(2)
    t = sg.tensor(a)
    a[0] = 1.0
    assert t.tolist() == [0.0, 0.0]


def test_from_numpy_refuses_a_list():
    with pytest.raises(TypeError, match="expected a numpy.ndarray; received list"):
        sg.from_numpy([1.0, 2.0])


def test_random_draws_repeat_after_manual_seed_and_have_torch_dtypes():
    draws = []
    for _ in range(2):
        sg.manual_seed(3)
        draws.append(
            [sg.rand(2, 3), sg.randn((4,)), sg.randint(0, 10, (5,)), sg.randperm(6), sg.normal(1.0, 2.0, (3,))]
        )
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    rand, randn, randint, perm, normal = draws[0]
    assert (rand.dtype, randn.dtype, randint.dtype, perm.dtype, normal.dtype) == (
        sg.float32, sg.float32, sg.int64, sg.int64, sg.float32,
    )  # fmt: skip
    assert rand.shape == (2, 3) and 0 <= rand.numpy().min() and rand.numpy().max() < 1
    assert sorted(perm.tolist()) == list(range(6)) and 0 <= randint.numpy().min() and randint.numpy().max() < 10


def test_random_distributions_have_their_moments():
    sg.manual_seed(0)
    n = sg.randn(200_000, dtype=sg.float64).numpy()
    u = sg.rand(200_000).numpy()
    shifted = sg.normal(sg.full((200_000,), 3.0), sg.full((200_000,), 0.5)).numpy()
    assert abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01 and abs(u.mean() - 0.5) < 0.01
    assert abs(shifted.mean() - 3) < 0.01 and abs(shifted.std() - 0.5) < 0.01


def test_randint_with_high_only(torch):
    t = sg.randint(3, (100,))
    assert t.shape == (100,) and set(t.tolist()) <= {0, 1, 2}


def test_requires_grad_on_creation():
    w = sg.zeros(2, 2, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    with pytest.raises(TypeError, match="floating-point"):
        sg.tensor([1, 2], requires_grad=True)


def test_unknown_device_is_refused():
    with pytest.raises(RuntimeError, match="'tpu'"):
        sg.zeros(2, device="tpu")


def test_is_tensor_and_numel(torch):
    assert sg.is_tensor(sg.tensor(1.0)) and not sg.is_tensor(np.zeros(1))
    assert sg.numel(sg.zeros(2, 3, 4)) == torch.numel(torch.zeros(2, 3, 4)) == 24
