"""Gradient descent with and without momentum: PyTorch's SGD, and the notes' Momentum and Nesterov.

Plain SGD steps straight down the gradient, W <- W - lr * g, and zig-zags across narrow valleys such as
f(x, y) = x^2 / 20 + y^2. Momentum keeps a velocity that averages the zig-zag out; Nesterov looks ahead along that
velocity before it corrects. PyTorch and the notes write momentum differently but, at a constant learning rate,
take the same steps (see ``Momentum``).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_fraction, check_non_negative, in_parts, with_weight_decay


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and Nesterov momentum, in PyTorch's form.

    With g = grad + weight_decay * W and, when momentum is on, a buffer b (set to g at the first step)::

        b <- momentum * b + (1 - dampening) * g
        d  = g + momentum * b   if nesterov   else   b      (d = g when momentum == 0)
        W <- W - lr * d

    Args:
        params: Parameters, or parameter groups (dicts) with their own hyperparameters.
        lr: learning rate (PyTorch's default, 0.001).
        momentum: factor of the buffer, 0 for plain SGD (0.9 is usual).
        dampening: scales the new gradient's share of the buffer; must be 0 for Nesterov.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        weight_decay: L2 penalty factor added to the gradient.
        maximize: climb the objective instead (the rule sees -grad).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_non_negative(self, "momentum", group["momentum"])
        check_fraction(self, "dampening", group["dampening"], include_one=True)
        check_non_negative(self, "weight_decay", group["weight_decay"])
        if group["nesterov"] and not (group["momentum"] > 0 and group["dampening"] == 0):
            raise ValueError(
                "SGD: with nesterov=True, momentum must be > 0 and dampening 0; "
                f"received momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        lr, momentum, dampening, nesterov = group["lr"], group["momentum"], group["dampening"], group["nesterov"]
        weight_decay, first = group["weight_decay"], momentum != 0 and "momentum_buffer" not in state
        if first:
            # PyTorch starts the buffer at the first gradient (not at zero), so the first step is a plain one.
            # A copy in the parameter's dtype: the gradient may be shared, or float64 for a float32 weight.
            state["momentum_buffer"] = with_weight_decay(grad, param, weight_decay).astype(param.dtype, copy=True)

        def update(param: Any, grad: Any, *buffer: Any) -> None:
            grad = with_weight_decay(grad, param, weight_decay)
            if buffer:
                buf = buffer[0]
                if not first:
                    buf *= momentum
                    buf += (1 - dampening) * grad
                grad = grad + momentum * buf if nesterov else buf
            param -= lr * grad

        in_parts(update, param, grad, *([state["momentum_buffer"]] if momentum != 0 else []))


class Momentum(Optimizer):
    """The notes' momentum SGD: a velocity v (zero at first) that the gradient accelerates.

    With g = grad + weight_decay * W::

        v <- momentum * v - lr * g
        W <- W + v

    At a constant lr this takes the same steps as ``SGD(lr, momentum)``: PyTorch's buffer is b = -v / lr. The two
    part when lr changes between steps (a scheduler): here the old velocity keeps the old lr's scale.
    """

    def __init__(self, params: Iterable[Any], lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_non_negative(self, "momentum", group["momentum"])
        check_non_negative(self, "weight_decay", group["weight_decay"])

    def _init_state(self, param: Any, group: dict[str, Any]) -> dict[str, Any]:
        return {"v": get_array_module(param).zeros_like(param)}

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]

        def update(param: Any, grad: Any, v: Any) -> None:
            grad = with_weight_decay(grad, param, weight_decay)
            v *= momentum
            v -= lr * grad
            self._move(param, grad, v, lr, momentum)

        in_parts(update, param, grad, state["v"])

    @staticmethod
    def _move(param: Any, grad: Any, v: Any, lr: float, momentum: float) -> None:
        """W <- W + v, once the velocity is updated."""
        param += v


class Nesterov(Momentum):
    """The notes' Nesterov accelerated gradient, written so only the current gradient is needed.

    With g = grad + weight_decay * W and v zero at first, the notes' four lines::

        v <- momentum * v
        v <- v - lr * g
        W <- W + momentum * momentum * v
        W <- W - (1 + momentum) * lr * g

    This is Nesterov's look-ahead step re-parametrised so that W is the looked-ahead point. PyTorch's
    ``SGD(nesterov=True)`` amounts to the same lines with the velocity from *before* this step in the third line
    (W + momentum^2 * v_old), so the two take different steps.
    """

    # Same arguments, checks, state (the velocity v) and velocity update as Momentum; only the move differs.

    @staticmethod
    def _move(param: Any, grad: Any, v: Any, lr: float, momentum: float) -> None:
        """The notes' last two lines: W <- W + momentum^2 * v - (1 + momentum) * lr * g."""
        param += momentum * momentum * v
        param -= (1 + momentum) * lr * grad
