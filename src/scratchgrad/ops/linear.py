"""The Affine layer of the notes: y = x W^T + b, with its backward beside it."""

from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor
from ..parallel import matmul


def check_float_input(name: str, x: Any, weight: Any, bias: Any = None) -> None:
    """Refuse integer inputs and dtype mismatches with a message, instead of truncating or upcasting silently."""
    if x.dtype.kind not in "fc":
        raise TypeError(
            f"{name}: input has dtype {x.dtype}; expected a floating dtype ({weight.dtype}). Convert integer "
            "images first, e.g. x.astype('float32') / 255."
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{name}: input dtype {x.dtype} does not match weight dtype {weight.dtype}. Convert one of them "
            f"(x.astype('{weight.dtype}') or model.to('{x.dtype}'))."
        )
    if bias is not None and bias.dtype != weight.dtype:
        raise TypeError(
            f"{name}: bias dtype {bias.dtype} does not match weight dtype {weight.dtype}. Convert it "
            f"(bias.astype('{weight.dtype}')) or the whole model (model.to('{weight.dtype}'))."
        )


class Linear(Function):
    """y = x W^T + b for x of shape (N, in_features), W (out_features, in_features), b (out_features,).

    Backward: dx = gy W, dW = gy^T x, db = sum of gy over the batch. Leading axes beyond N are allowed.
    """

    def forward(self, x, weight, bias=None):
        if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(
                f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}: the input's last "
                f"axis must be in_features = {weight.shape[1]}"
            )
        check_float_input("linear", x, weight, bias)
        self.save_for_backward(x, weight)
        y = matmul(x, weight.T)
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        x, weight = self.saved
        needs = self.needs_input_grad
        gx = matmul(gy, weight) if needs[0] else None
        gw = gb = None
        if needs[1] or (len(needs) > 2 and needs[2]):
            gy2 = gy.reshape(-1, gy.shape[-1])
            gw = matmul(gy2.T, x.reshape(-1, x.shape[-1])) if needs[1] else None
            gb = gy2.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """F.linear: x (N, in_features) -> (N, out_features) with weight (out_features, in_features)."""
    if bias is None:
        return Linear()(x, weight)
    return Linear()(x, weight, bias)
