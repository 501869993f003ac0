"""Every Tensor method and torch-level function against PyTorch: values, dtypes, shapes and gradients
(float32 to 1e-5, float64 to 1e-10), and the differentiable ones against numerical gradients."""

from __future__ import annotations

import numpy as np
import pytest
from tensor_twins import flat, twin

import scratchgrad as sg
from scratchgrad.gradcheck import gradient_check

F, P, B, I = "normal", "positive", "bool", "int"  # noqa: E741  (what each input holds)

# name: (code written once for both libraries, the inputs as (shape, kind))
CASES = {
    # element-wise, with broadcasting
    "add_alpha": (lambda L, a, b: a.add(b, alpha=2), [((3, 4), F), ((4,), F)]),
    "sub_alpha": (lambda L, a, b: a.sub(b, alpha=0.5), [((3, 4), F), ((3, 1), F)]),
    "mul": (lambda L, a, b: a.mul(b), [((2, 3), F), ((2, 3), F)]),
    "div": (lambda L, a, b: a.div(b), [((2, 3), F), ((3,), P)]),
    "pow_scalar": (lambda L, a: a.pow(3), [((5,), F)]),
    "pow_tensor": (lambda L, a, b: a**b, [((4,), P), ((4,), F)]),
    "operators": (lambda L, a, b: (a + b) * a - b / (a * a + 1) - (-a), [((2, 3), F), ((2, 3), F)]),
    "reflected": (lambda L, a: 2 - a + 1 / (a * a + 1) + 2**a, [((4,), F)]),
    "neg": (lambda L, a: a.neg(), [((3,), F)]),
    "abs": (lambda L, a: a.abs(), [((6,), F)]),
    "sqrt": (lambda L, a: a.sqrt(), [((6,), P)]),
    "rsqrt": (lambda L, a: a.rsqrt(), [((6,), P)]),
    "exp": (lambda L, a: a.exp(), [((2, 2), F)]),
    "log": (lambda L, a: a.log(), [((2, 2), P)]),
    "sigmoid": (lambda L, a: a.sigmoid(), [((5,), F)]),
    "tanh": (lambda L, a: a.tanh(), [((5,), F)]),
    "relu": (lambda L, a: a.relu(), [((5,), F)]),
    "clamp": (lambda L, a: a.clamp(min=-0.5, max=0.5), [((8,), F)]),
    "clamp_min": (lambda L, a: L.clamp(a, min=0.1), [((8,), F)]),
    "sign": (lambda L, a: a.sign(), [((5,), F)]),
    "floor": (lambda L, a: (a * 3).floor(), [((5,), F)]),
    "round": (lambda L, a: (a * 3).round(), [((5,), F)]),
    "maximum": (lambda L, a, b: L.maximum(a, b), [((3, 4), F), ((4,), F)]),
    "minimum": (lambda L, a, b: a.minimum(b), [((3, 4), F), ((3, 4), F)]),
    "where": (lambda L, a, b: L.where(a > 0, a, b), [((3, 4), F), ((4,), F)]),
    "int_true_division": (lambda L, a: L.tensor([1, 2, 3]) / 2 + a, [((3,), F)]),
    "int_times_float": (lambda L: L.tensor([1, 2, 3]) * 1.5, []),
    # comparisons and logic give bool tensors
    "compare_methods": (lambda L, a, b: (a.eq(b), a.ne(b), a.gt(b), a.ge(0), a.lt(b), a.le(0)), [((6,), F), ((6,), F)]),
    "compare_operators": (lambda L, a, b: (a == b, a != b, a > b, a >= 0, a < b, a <= 0), [((6,), F), ((6,), F)]),
    "logical": (
        lambda L, a, b: (L.logical_and(a, b), a.logical_or(b), L.logical_xor(a, b), a.logical_not(), a & b, ~a),
        [((6,), B), ((6,), B)],
    ),
    # reductions: dim as an int or a tuple, keepdim
    "sum": (lambda L, a: a.sum(), [((3, 4), F)]),
    "sum_dim": (lambda L, a: a.sum(dim=1), [((3, 4), F)]),
    "sum_dims_keepdim": (lambda L, a: a.sum(dim=(0, 2), keepdim=True), [((2, 3, 4), F)]),
    "sum_int": (lambda L, a: a.sum(dim=0), [((3, 4), I)]),
    "sum_bool": (lambda L, a: a.sum(), [((5,), B)]),
    "mean_keepdim": (lambda L, a: a.mean(dim=-1, keepdim=True), [((3, 4), F)]),
    "mean_positional": (lambda L, a: L.mean(a, 0), [((3, 4), F)]),
    "std": (lambda L, a: a.std(), [((3, 4), F)]),
    "std_dim": (lambda L, a: a.std(dim=0), [((3, 4), F)]),
    "var_biased": (lambda L, a: a.var(dim=1, unbiased=False), [((3, 4), F)]),
    "var_correction": (lambda L, a: a.var(dim=(0, 1), correction=0, keepdim=True), [((3, 4, 2), F)]),
    "prod": (lambda L, a: a.prod(), [((2, 3), F)]),
    "prod_dim": (lambda L, a: a.prod(dim=1, keepdim=True), [((3, 4), F)]),
    "prod_with_zero": (lambda L, a: (a * L.tensor([1.0, 0.0, 1.0], dtype=a.dtype)).prod(dim=0), [((3,), F)]),
    "max_all": (lambda L, a: a.max(), [((3, 4), F)]),
    "max_dim": (lambda L, a: a.max(dim=1), [((3, 4), F)]),
    "min_dim_keepdim": (lambda L, a: L.min(a, dim=0, keepdim=True), [((3, 4), F)]),
    "max_values_indices": (lambda L, a: (a.max(1).values * 2, a.max(1).indices), [((3, 4), F)]),
    "argmax": (lambda L, a: (a.argmax(), a.argmax(dim=1), L.argmax(a, dim=0, keepdim=True)), [((3, 4), F)]),
    "argmin": (lambda L, a: (a.argmin(), a.argmin(dim=1)), [((3, 4), F)]),
    "all_any": (lambda L, a: (a.all(), a.any(), a.all(dim=1), a.any(dim=0)), [((3, 2), B)]),
    "norm": (lambda L, a: a.norm(), [((3, 4), F)]),
    "norm_dim": (lambda L, a: a.norm(dim=1), [((3, 4), F)]),
    "norm_p1": (lambda L, a: a.norm(p=1), [((3, 4), F)]),
    "norm_p3": (lambda L, a: a.norm(p=3, dim=0, keepdim=True), [((3, 4), F)]),
    "cumsum": (lambda L, a: a.cumsum(dim=1), [((3, 4), F)]),
    "softmax": (lambda L, a: a.softmax(dim=1), [((3, 4), F)]),
    "log_softmax": (lambda L, a: a.log_softmax(dim=0), [((3, 4), F)]),
    # products
    "matmul": (lambda L, a, b: a @ b, [((2, 3), F), ((3, 4), F)]),
    "matmul_batched": (lambda L, a, b: L.matmul(a, b), [((5, 2, 3), F), ((3, 4), F)]),
    "matmul_vector": (lambda L, a, b: a.matmul(b), [((2, 3), F), ((3,), F)]),
    "mm": (lambda L, a, b: L.mm(a, b), [((2, 3), F), ((3, 4), F)]),
    "bmm": (lambda L, a, b: a.bmm(b), [((2, 2, 3), F), ((2, 3, 4), F)]),
    "dot": (lambda L, a, b: L.dot(a, b), [((5,), F), ((5,), F)]),
    "outer": (lambda L, a, b: a.outer(b), [((3,), F), ((4,), F)]),
    # shapes
    "reshape": (lambda L, a: a.reshape(2, -1), [((3, 4), F)]),
    "reshape_tuple": (lambda L, a: L.reshape(a, (4, 3)), [((3, 4), F)]),
    "view": (lambda L, a: a.view(-1), [((3, 4), F)]),
    "view_as": (lambda L, a, b: a.view_as(b), [((3, 4), F), ((2, 6), F)]),
    "flatten": (lambda L, a: (a.flatten(), a.flatten(1), L.flatten(a, 0, 1), a.flatten(start_dim=-2)),
                [((2, 3, 4), F)]),
    "squeeze": (lambda L, a: (a.squeeze(), a.squeeze(1), a.squeeze(0), L.squeeze(a, -1)), [((2, 1, 3, 1), F)]),
    "unsqueeze": (lambda L, a: (a.unsqueeze(0), a.unsqueeze(-1), L.unsqueeze(a, 1)), [((2, 3), F)]),
    "permute": (lambda L, a: (a.permute(2, 0, 1), L.permute(a, (1, 2, 0))), [((2, 3, 4), F)]),
    "transpose": (lambda L, a: (a.transpose(0, 2), L.transpose(a, -1, 1), a.transpose(0, 1)), [((2, 3, 4), F)]),
    "t_and_T": (lambda L, a: (a.t(), a.T, L.t(a), a.transpose(0, 1), a.transpose(-1, 0)), [((2, 3), F)]),
    "expand": (lambda L, a: (a.expand(3, -1, 4), a.expand_as(L.zeros(2, 3, 4, dtype=a.dtype))), [((3, 1), F)]),
    "repeat": (lambda L, a: (a.repeat(2, 1), a.repeat(2, 1, 3)), [((2, 3), F)]),
    "contiguous": (lambda L, a: a.t().contiguous() * 1, [((2, 3), F)]),
    "cat": (lambda L, a, b: (L.cat([a, b], dim=1), L.cat((a, b))), [((2, 3), F), ((2, 3), F)]),
    "stack": (lambda L, a, b: (L.stack([a, b]), L.stack([a, b], dim=2), L.stack((a, b), dim=-1)),
              [((2, 3), F), ((2, 3), F)]),
    "split": (lambda L, a: (a.split(2, dim=1), L.split(a, [1, 3], dim=1), a.split(2)), [((3, 4), F)]),
    "chunk": (lambda L, a: (a.chunk(3), L.chunk(a, 2, dim=1)), [((5, 4), F)]),
    "unbind": (lambda L, a: (a.unbind(), L.unbind(a, 1)), [((2, 3), F)]),
    "narrow": (lambda L, a: (a.narrow(1, 1, 2), L.narrow(a, 0, 0, 1)), [((3, 4), F)]),
    # indexing with gradients
    "index_int_slice_none_ellipsis": (lambda L, a: (a[1], a[:, 1:3], a[None, 0], a[..., -1], a[1, ::2]), [((3, 4), F)]),
    "index_bool_mask": (lambda L, a: a[a > 0], [((3, 4), F)]),
    "index_int_tensor": (lambda L, a: (a[L.tensor([0, 2, 0])], a[:, L.tensor([3, 1])]), [((3, 4), F)]),
    # conversions
    "casts": (lambda L, a: (a.float(), a.double(), a.long(), a.int(), a.bool(), a.type(L.float64)), [((4,), F)]),
    "half": (lambda L, a: a.half(), [((4,), F)]),
    "clone_detach": (lambda L, a: (a.clone() * 2, a.detach()), [((4,), F)]),
    "to_dtype": (lambda L, a, b: (a.to(L.float64), a.to(b), a.to(dtype=L.int64)), [((3,), F), ((3,), I)]),
}


def _inputs(spec: list, dtype: str, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    made = []
    for shape, kind in spec:
        if kind == B:
            made.append(rng.random(shape) > 0.5)
        elif kind == I:
            made.append(rng.integers(-5, 5, shape).astype(np.int64))
        else:
            x = rng.standard_normal(shape)
            made.append((np.abs(x) + 0.5 if kind == P else x).astype(dtype))
    return made


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(torch, name, dtype):
    fn, spec = CASES[name]
    twin(torch, fn, *_inputs(spec, dtype))


DIFFERENTIABLE = [n for n, (_, spec) in CASES.items() if spec and all(k in (F, P) for _, k in spec)]
# Piecewise constant, or without a float output: nothing for a numerical gradient to see.
NOT_SMOOTH = {"sign", "floor", "round", "compare_methods", "compare_operators", "casts", "half", "to_dtype", "argmax",
              "argmin", "clone_detach"}  # fmt: skip


def _scalar_or_joined(out):
    """One tensor from a method's outputs (a tuple is summed piece by piece), for the numerical check."""
    if isinstance(out, (tuple, list)):
        return sum(p.sum() for p in flat(out) if p.dtype.is_floating_point)
    return out


@pytest.mark.parametrize("name", sorted(set(DIFFERENTIABLE) - NOT_SMOOTH))
def test_gradient_matches_numerical(name):
    fn, spec = CASES[name]
    arrays = _inputs(spec, "float64", seed=1)
    assert gradient_check(lambda *ts: _scalar_or_joined(fn(sg, *ts)), *arrays) < 1e-6


def test_piecewise_constant_functions_have_zero_gradient():
    x = sg.tensor([-1.5, 0.3, 2.5], requires_grad=True)
    (x.sign() + x.floor() + x.round()).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
