"""tensor/printing.py: a Tensor's repr is PyTorch's, character for character, but for the module's name."""

from __future__ import annotations

import math

import pytest

import scratchgrad as sg

CASES = [
    "tensor([[1., 2.]], requires_grad=True)",
    "tensor([1, 2])",
    "tensor([True, False])",
    "tensor(3.)",
    "tensor(-7)",
    "tensor([1e-5, 1.])",
    "tensor([1e10, 1.])",
    "tensor([-1.5, 2.25])",
    "tensor([nan, inf, -1.])",
    "tensor([])",
    "zeros(0, 3)",
    "tensor([1., 2.], dtype=float64)",
    "tensor([1, 2], dtype=int32)",
    "tensor([0.5], dtype=float16)",
    "arange(24.).reshape(2, 3, 4)",
    "arange(2000.)",
    "arange(3000).reshape(30, 100)",
    "arange(5000.).reshape(10, 5, 100) / 7",
    "arange(90.).reshape(3, 30) * 1.37",
    "tensor([1., 2.], requires_grad=True) * 2",
    "tensor([[123456.5, 1.5], [3.25, 4.]], dtype=float64, requires_grad=True).sum()",
]


@pytest.mark.parametrize("expr", CASES)
def test_repr_matches_torch(torch, expr):
    numbers = {"nan": math.nan, "inf": math.inf}
    theirs = repr(eval(expr.replace("dtype=", "dtype=torch."), {"torch": torch, **numbers}, vars(torch)))
    ours = repr(eval(expr.replace("dtype=", "dtype=sg."), {"sg": sg, **numbers}, vars(sg)))
    assert ours == theirs.replace("torch.", "scratchgrad.")


def test_set_printoptions_precision_and_sci_mode(torch):
    try:
        for lib in (sg, torch):
            lib.set_printoptions(precision=2)
        assert repr(sg.tensor([1.2345, 2.5])) == repr(torch.tensor([1.2345, 2.5]))
        for lib in (sg, torch):
            lib.set_printoptions(sci_mode=True)
        assert repr(sg.tensor([1.5, 2.5])) == repr(torch.tensor([1.5, 2.5]))
    finally:
        for lib in (sg, torch):
            lib.set_printoptions(profile="default")
    assert repr(sg.tensor([1.5])) == "tensor([1.5000])"
