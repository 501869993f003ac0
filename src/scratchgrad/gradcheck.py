"""Numerical differentiation and gradient checking: the slow, obviously correct gradients backprop is checked by.

The notes use the central difference (f(x + h) - f(x - h)) / 2h with h = 1e-4: it is exact for quadratics and
its error shrinks with h^2, while a much smaller h loses everything to rounding in float32 (and float64 too).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from . import backend
from .autograd import Tensor, no_grad


def numerical_diff(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """df/dx at ``x`` by the central difference."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f: Callable[[Any], Any], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Gradient of the scalar ``f(x)`` with respect to every element of the array ``x`` (changed and restored).

    One element at a time, two evaluations each: the notes' method. Only for small arrays and for checking.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing an element of flat writes x
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array it can modify in place")
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        f_plus = float(f(x))
        flat[i] = saved - h
        f_minus = float(f(x))
        flat[i] = saved
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(analytic: Any, numeric: Any) -> float:
    """max |a - n| relative to the largest magnitude in either: 0 for a perfect match, ~1 for an unrelated one."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(analytic - numeric).max() / scale)


class GradientErrors(tuple):
    """One relative error per checked input; compared with a number, it compares its worst entry.

    So ``gradient_check(f, x) < 1e-7`` reads naturally, and ``errors[1]`` still names the second input.
    """

    def worst(self) -> float:
        return max(self, default=0.0)

    def __lt__(self, other: Any) -> bool:
        return self.worst() < other if isinstance(other, (int, float)) else tuple.__lt__(self, other)

    def __le__(self, other: Any) -> bool:
        return self.worst() <= other if isinstance(other, (int, float)) else tuple.__le__(self, other)

    def __gt__(self, other: Any) -> bool:
        return self.worst() > other if isinstance(other, (int, float)) else tuple.__gt__(self, other)


def gradient_check(fn: Callable[..., Tensor], *inputs: Any, h: float = 1e-6, seed: int = 0) -> GradientErrors:
    """Compare backprop with numerical gradients of ``sum(fn(*inputs) * c)`` for a random ``c``, in float64.

    Floating inputs are checked (integer inputs such as labels are passed through as constants). The random
    weights ``c`` make every output element matter with a different weight, so a wrong gradient cannot hide in a
    sum. Returns the relative error for each floating input (see ``relative_error``).
    """
    arrays = [np.array(backend.to_numpy(x.data if isinstance(x, Tensor) else x)) for x in inputs]
    checked = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    for i in checked:
        arrays[i] = arrays[i].astype(np.float64)
    tensors = [Tensor(backend.as_array(a), requires_grad=i in checked) for i, a in enumerate(arrays)]
    out = fn(*tensors)
    c = np.random.default_rng(seed).standard_normal(out.shape)
    (out * backend.as_array(c)).sum().backward()

    def weighted_sum(_: Any) -> float:
        with no_grad():
            y = fn(*[Tensor(backend.as_array(a)) for a in arrays])
        return float((backend.to_numpy(y.data) * c).sum())

    errors = []
    for i in checked:
        analytic = tensors[i].grad.data if tensors[i].grad is not None else np.zeros_like(arrays[i])
        errors.append(relative_error(backend.to_numpy(analytic), numerical_gradient(weighted_sum, arrays[i], h)))
    return GradientErrors(errors)


def check_module_gradients(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    x: Any,
    t: Any,
    h: float = 1e-5,
    entries_per_param: int | None = None,
    seed: int = 0,
    bias_std: float | None = None,
) -> dict[str, float]:
    """The notes' check for a whole network: mean |backprop - numerical| per parameter, in float64.

    ``model`` is copied and cast to float64 (the original is untouched) and put in eval mode so dropout and
    batch statistics do not change between evaluations. ``entries_per_param`` checks a random subset of each
    parameter's entries, which keeps the check affordable for a conv net with hundreds of thousands of weights.

    ``bias_std`` redraws the copy's biases from N(0, bias_std^2) first. With zero biases, blank image patches
    give ReLU inputs of exactly 0, its kink, where the central difference sees a slope between 0 and 1 and
    backprop sees 0: a false alarm about the check, not the gradient. Use it with a small ``h`` (1e-6).
    """
    model = copy.deepcopy(model).double().eval()
    rng = np.random.default_rng(seed)
    if bias_std:
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.data = backend.as_array(rng.normal(0.0, bias_std, param.shape))
    x = Tensor(backend.as_array(np.asarray(backend.to_numpy(x), dtype=np.float64)))
    model.zero_grad()
    loss_fn(model(x), t).backward()
    report = {}
    for name, param in model.named_parameters():
        data = param.data
        flat = data.reshape(-1)
        count = flat.size if entries_per_param is None else min(entries_per_param, flat.size)
        picks = np.arange(flat.size) if count == flat.size else rng.choice(flat.size, count, replace=False)
        numeric = np.empty(count)
        with no_grad():
            for k, i in enumerate(picks):
                saved = float(flat[i])
                flat[i] = saved + h
                f_plus = float(loss_fn(model(x), t).item())
                flat[i] = saved - h
                f_minus = float(loss_fn(model(x), t).item())
                flat[i] = saved
                numeric[k] = (f_plus - f_minus) / (2 * h)
        analytic = backend.to_numpy(param.grad.data).reshape(-1)[picks]
        report[name] = float(np.abs(analytic - numeric).mean())
    return report
