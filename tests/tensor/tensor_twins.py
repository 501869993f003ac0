"""Run one piece of tensor code on scratchgrad and on PyTorch with the same inputs and compare everything.

``fn(lib, *tensors)`` is written once against the module it is given (``torch`` or ``scratchgrad``), the way a
program written for PyTorch runs on scratchgrad with its import changed.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import scratchgrad as sg

TOLERANCE = {"float32": 1e-5, "float64": 1e-10, "float16": 1e-3}


def flat(out: Any) -> list[Any]:
    return [t for item in out for t in flat(item)] if isinstance(out, (tuple, list)) else [out]


def _dtype_name(dtype: Any) -> str:
    return str(dtype).split(".")[-1]


def assert_same(ours: Any, theirs: Any) -> None:
    """Same dtype, shape and values (to the dtype's tolerance); Python numbers compared as numbers."""
    if not hasattr(theirs, "dtype"):
        assert not hasattr(ours, "dtype") and np.allclose(ours, theirs), (ours, theirs)
        return
    name = _dtype_name(theirs.dtype)
    assert _dtype_name(ours.dtype) == name, f"dtype {ours.dtype} != {theirs.dtype}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    tol = TOLERANCE.get(name, 0)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


def twin(torch: Any, fn: Callable[..., Any], *arrays: np.ndarray, seed: int = 0) -> None:
    """Compare ``fn``'s outputs and the gradients of a random weighting of them with respect to every float input."""
    ours_in = [sg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ours, theirs = flat(fn(sg, *ours_in)), flat(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same(o, t)
    rng = np.random.default_rng(seed)
    pairs = [(o, t) for o, t in zip(ours, theirs) if getattr(t, "requires_grad", False)]
    if not pairs:
        return
    weights = [rng.standard_normal(tuple(t.shape)).astype(_dtype_name(t.dtype)) for _, t in pairs]
    sum((o * sg.tensor(w)).sum() for (o, _), w in zip(pairs, weights)).backward()
    sum((t * torch.tensor(w)).sum() for (_, t), w in zip(pairs, weights)).backward()
    for o, t in zip(ours_in, theirs_in):
        if t.grad is not None or o.grad is not None:
            expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            actual = np.zeros(o.shape) if o.grad is None else np.asarray(o.grad)
            tol = TOLERANCE[_dtype_name(t.dtype)]
            np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol, err_msg="gradient")
