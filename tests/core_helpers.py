"""Helpers shared by the core tests (autograd, ops, nn): drawn shapes and arrays, gradient checks, the PyTorch
oracle, a few real MNIST images.

A plain module, not a test file: pytest puts tests/ (where conftest.py lives) on sys.path, so test files in any
folder below import it as ``from core_helpers import ...``.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratchgrad import Tensor, autograd
from scratchgrad.gradcheck import gradient_check, relative_error

SMOOTH_TOL = 1e-6
"""Largest relative error between backprop and the float64 central difference for a smooth op."""

TORCH_TOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-5}
"""Largest relative error against PyTorch, by dtype."""

MNIST_DIR = Path(__file__).resolve().parents[1] / "src" / "scratchgrad" / "data" / "embedded" / "mnist"

# Small shapes keep the numerical gradient (two forward passes per element) cheap.
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
broadcast_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)
seeds = st.integers(0, 2**32 - 1)


def random_array(seed: int, shape: Sequence[int], low: float = -2.0, high: float = 2.0, gap: float = 0.0) -> np.ndarray:
    """float64 values uniform in [low, high], kept at least ``gap`` away from 0 (for kinks such as relu and abs)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    if gap:
        x = np.where(x >= 0, x + gap, x - gap)
    return x


def assert_gradients_match_numerical(fn: Callable[..., Tensor], *inputs: Any, tol: float = SMOOTH_TOL) -> None:
    """Backprop agrees with the float64 central difference of sum(fn(*inputs) * c) for every floating input."""
    errors = gradient_check(fn, *inputs)
    assert errors < tol, f"relative error of each input's gradient: {tuple(errors)}"


def assert_keeps_float32(fn: Callable[..., Tensor], *inputs: Any) -> None:
    """float32 inputs give a float32 output and float32 gradients, with no float64 anywhere on the way back.

    Leaves cast an incoming gradient to their own dtype, which would hide an upcast inside some backward; so we
    record the dtype of each gradient as it arrives at a leaf, before that cast.
    """
    tensors = [
        Tensor(np.asarray(a, dtype=np.float32), requires_grad=True) if np.asarray(a).dtype.kind == "f" else a
        for a in inputs
    ]
    y = fn(*tensors)
    assert y.dtype == np.float32, f"output dtype {y.dtype}"
    arrived: list[np.dtype] = []
    original = autograd._accumulate_leaf

    def recording(tensor: Tensor, grad: Any, *rest: Any) -> None:
        arrived.append(np.asarray(grad).dtype)
        original(tensor, grad, *rest)

    autograd._accumulate_leaf = recording
    try:
        (y * np.float32(1.5)).sum().backward()
    finally:
        autograd._accumulate_leaf = original
    assert arrived and all(d == np.float32 for d in arrived), f"gradients arrived as {arrived}"


def assert_close(ours: Any, theirs: Any, tol: float, what: str = "") -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}"
    err = relative_error(ours, theirs)
    assert err < tol, f"{what}: relative error {err:.3g} >= {tol:g}"


def assert_matches_torch(
    torch: Any,
    ours: Callable[..., Tensor],
    theirs: Callable[..., Any],
    *inputs: Any,
    dtypes: Sequence[Any] = (np.float64, np.float32),
    seed: int = 0,
) -> None:
    """Our op and PyTorch's agree on the output and on the gradient of every floating input, in each dtype.

    Floating inputs are cast to the dtype and require grad on both sides; other inputs (int labels) are passed
    as they are. The output is weighted by a random ``c`` before summing, so each element's gradient counts.
    """
    for dtype in map(np.dtype, dtypes):
        tol = TORCH_TOL[dtype]
        arrays = [np.asarray(a) for a in inputs]
        arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
        mine = [Tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
        other = [torch.tensor(a.copy(), requires_grad=bool(a.dtype.kind == "f")) for a in arrays]
        y, t = ours(*mine), theirs(*other)
        assert y.dtype == dtype, f"{dtype} in, {y.dtype} out"
        assert_close(y.data, t.detach().numpy(), tol, f"{dtype} forward")
        c = np.random.default_rng(seed).standard_normal(y.shape).astype(dtype)
        (y * c).sum().backward()
        (t * torch.tensor(c)).sum().backward()
        for i, (m, o) in enumerate(zip(mine, other)):
            if o.requires_grad:
                assert m.grad is not None, f"{dtype}: input {i} got no gradient"
                assert_close(m.grad, o.grad.numpy(), tol, f"{dtype} gradient of input {i}")


def mnist_train_subset(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` real MNIST training images (N, 1, 28, 28) as float32 in [0, 1], and their int64 labels."""
    with gzip.open(MNIST_DIR / "train-images-idx3-ubyte.gz") as f:
        header = np.frombuffer(f.read(16), dtype=">i4")
        assert header[0] == 2051 and tuple(header[2:]) == (28, 28), header
        images = np.frombuffer(f.read(n * 28 * 28), dtype=np.uint8).reshape(n, 1, 28, 28)
    with gzip.open(MNIST_DIR / "train-labels-idx1-ubyte.gz") as f:
        assert np.frombuffer(f.read(8), dtype=">i4")[0] == 2049
        labels = np.frombuffer(f.read(n), dtype=np.uint8)
    return images.astype(np.float32) / 255, labels.astype(np.int64)
