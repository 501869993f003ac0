"""Adaptive learning rates: AdaGrad, RMSProp, Adadelta, Adam and AdamW, with PyTorch's formulas and defaults.

Each divides the step by a running measure of the gradient's size, per weight, so weights with large gradients
take smaller steps (the notes' cure for the zig-zag of f(x, y) = x^2 / 20 + y^2). The notes' versions differ from
PyTorch's only in small constants and where eps sits; each docstring says how.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_fraction, check_non_negative, in_parts, with_weight_decay


class AdaGrad(Optimizer):
    """AdaGrad: divide by the root of the sum of all squared gradients so far (PyTorch's ``Adagrad``).

    With g = grad + weight_decay * W, t the step (1, 2, ...) and h starting at initial_accumulator_value::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        h   <- h + g * g
        W   <- W - lr_t * g / (sqrt(h) + eps)

    The notes' AdaGrad is the case lr_decay = 0, h starting at 0, with 1e-7 in place of eps (1e-10 here).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, initial_accumulator_value=initial_accumulator_value,
            eps=eps, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_non_negative(self, name, group[name])

    def _init_state(self, param: Any, group: dict[str, Any]) -> dict[str, Any]:
        xp = get_array_module(param)
        return {"step": 0, "sum": xp.full_like(param, group["initial_accumulator_value"])}

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] += 1
        weight_decay, eps = group["weight_decay"], group["eps"]
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])

        def update(param: Any, grad: Any, total: Any) -> None:
            xp = get_array_module(param)
            grad = with_weight_decay(grad, param, weight_decay)
            total += xp.square(grad)
            std = xp.sqrt(total)
            std += eps
            _subtract_scaled_ratio(param, lr_t, grad, std)

        in_parts(update, param, grad, state["sum"])


Adagrad = AdaGrad


class RMSProp(Optimizer):
    """RMSProp: divide by the root of a running average of squared gradients (PyTorch's ``RMSprop``).

    With g = grad + weight_decay * W and s (and, when centered, a) starting at zero::

        s <- alpha * s + (1 - alpha) * g * g
        a <- alpha * a + (1 - alpha) * g                      (centered only)
        r  = sqrt(s - a * a) + eps   if centered   else   sqrt(s) + eps
        b <- momentum * b + g / r;   W <- W - lr * b          (momentum > 0)
        W <- W - lr * g / r                                   (momentum == 0)

    The notes' RMSprop is the plain case with their decay rate 0.99 as alpha, lr 0.01, and 1e-7 as eps (1e-8 here).
    Centering divides by an estimate of the gradient's variance instead of its second moment.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_fraction(self, "alpha", group["alpha"], include_one=True)
        for name in ("eps", "weight_decay", "momentum"):
            check_non_negative(self, name, group[name])

    def _init_state(self, param: Any, group: dict[str, Any]) -> dict[str, Any]:
        xp = get_array_module(param)
        state = {"step": 0, "square_avg": xp.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(param)
        return state

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] += 1
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        weight_decay, centered = group["weight_decay"], group["centered"]

        def update(param: Any, grad: Any, square_avg: Any, *extra: Any) -> None:
            xp = get_array_module(param)
            grad = with_weight_decay(grad, param, weight_decay)
            _running_average(square_avg, alpha, xp.square(grad))
            if centered:
                grad_avg = _running_average(extra[-1], alpha, grad)
                avg = square_avg - xp.square(grad_avg)
                xp.sqrt(avg, out=avg)
            else:
                avg = xp.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buf = extra[0]
                buf *= momentum
                buf += grad / avg
                param -= lr * buf
            else:
                _subtract_scaled_ratio(param, lr, grad, avg)

        extra = [state[k] for k in ("momentum_buffer", "grad_avg") if k in state]
        in_parts(update, param, grad, state["square_avg"], *extra)


RMSprop = RMSProp


class Adam(Optimizer):
    """Adam: momentum on the gradient, RMSProp on its square, both corrected for starting at zero.

    With g = grad + weight_decay * W (L2; see ``AdamW`` for the decoupled kind), t the step (1, 2, ...) and m, v
    starting at zero::

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g * g
        v_max <- max(v_max, v);  use v_max for v below             (amsgrad only)
        W <- W - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    The notes' Adam folds both corrections into lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t) and divides by
    sqrt(v) + 1e-7, so its eps acts before the correction of v rather than after; the steps are otherwise equal.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2); received {betas!r}")
        check_fraction(self, "betas[0]", betas[0])
        check_fraction(self, "betas[1]", betas[1])
        check_non_negative(self, "eps", group["eps"])
        check_non_negative(self, "weight_decay", group["weight_decay"])

    def _init_state(self, param: Any, group: dict[str, Any]) -> dict[str, Any]:
        xp = get_array_module(param)
        state = {"step": 0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        return state

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        lr, (beta1, beta2), weight_decay, eps = group["lr"], group["betas"], group["weight_decay"], group["eps"]
        state["step"] += 1
        step = state["step"]
        decay = lr * weight_decay if self.decoupled_weight_decay else 0.0
        l2 = 0.0 if self.decoupled_weight_decay else weight_decay
        correction2 = (1 - beta2**step) ** 0.5
        scale = lr / (1 - beta1**step)

        def update(param: Any, grad: Any, exp_avg: Any, exp_avg_sq: Any, *max_sq: Any) -> None:
            xp = get_array_module(param)
            if decay != 0:
                param *= 1 - decay
            grad = with_weight_decay(grad, param, l2)
            _running_average(exp_avg, beta1, grad)
            second = _running_average(exp_avg_sq, beta2, xp.square(grad))
            if max_sq:
                # The largest second moment so far: steps never grow because v shrank (AMSGrad's convergence fix).
                second = xp.maximum(max_sq[0], second, out=max_sq[0])
            denom = xp.sqrt(second)
            denom /= correction2
            denom += eps
            _subtract_scaled_ratio(param, scale, exp_avg, denom)

        extra = (state["max_exp_avg_sq"],) if group["amsgrad"] else ()
        in_parts(update, param, grad, state["exp_avg"], state["exp_avg_sq"], *extra)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): shrink W directly instead of adding to g.

    Before the Adam step (taken with g = grad)::

        W <- W * (1 - lr * weight_decay)

    Unlike L2 in ``Adam``, the decay is not divided by sqrt(v), so every weight decays at the same rate.
    PyTorch's default weight_decay here is 0.01.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize
        )


class Adadelta(Optimizer):
    """Adadelta: a step whose unit is a running root of past steps, so lr 1.0 needs no tuning (PyTorch's form).

    With g = grad + weight_decay * W and s, d starting at zero::

        s     <- rho * s + (1 - rho) * g * g
        delta  = sqrt(d + eps) / sqrt(s + eps) * g
        d     <- rho * d + (1 - rho) * delta * delta
        W     <- W - lr * delta

    Args:
        params: Parameters, or parameter groups (dicts) with their own hyperparameters.
        lr: scales delta (PyTorch's default 1.0 is Zeiler's rule unscaled).
        rho: decay rate of both running averages.
        eps: keeps the roots away from zero; also sets the size of the first steps (sqrt(eps) units).
        weight_decay: L2 penalty factor added to the gradient.
        maximize: climb the objective instead (the rule sees -grad).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        check_fraction(self, "rho", group["rho"], include_one=True)
        check_non_negative(self, "eps", group["eps"])
        check_non_negative(self, "weight_decay", group["weight_decay"])

    def _init_state(self, param: Any, group: dict[str, Any]) -> dict[str, Any]:
        xp = get_array_module(param)
        return {"step": 0, "square_avg": xp.zeros_like(param), "acc_delta": xp.zeros_like(param)}

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] += 1
        lr, rho, eps, weight_decay = group["lr"], group["rho"], group["eps"], group["weight_decay"]

        def update(param: Any, grad: Any, square_avg: Any, acc_delta: Any) -> None:
            xp = get_array_module(param)
            grad = with_weight_decay(grad, param, weight_decay)
            _running_average(square_avg, rho, xp.square(grad))
            delta = xp.sqrt(acc_delta + eps)
            delta /= xp.sqrt(square_avg + eps)
            delta *= grad
            _running_average(acc_delta, rho, xp.square(delta))
            delta *= lr
            param -= delta

        in_parts(update, param, grad, state["square_avg"], state["acc_delta"])


# ---- in-place pieces shared by the rules -----------------------------------------------------------------
def _running_average(average: Any, decay: float, value: Any) -> Any:
    """average <- decay * average + (1 - decay) * value, in place; returns ``average``."""
    average *= decay
    average += (1 - decay) * value
    return average


def _subtract_scaled_ratio(param: Any, scale: float, numerator: Any, denominator: Any) -> None:
    """param <- param - scale * numerator / denominator, reusing ``denominator`` (a temporary) as scratch."""
    xp = get_array_module(param)
    xp.divide(numerator, denominator, out=denominator)
    denominator *= scale
    param -= denominator
