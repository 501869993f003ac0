"""Keras optimizers with Keras's own update rules: ``compile(optimizer="adam")`` or ``Adam(learning_rate=1e-3)``.

Keras's rules are not PyTorch's in the details that show over a few steps: Keras's Adam adds epsilon to sqrt(v)
before v's bias correction, RMSprop and Adagrad add it inside the square root, Adamax adds it to u, Nadam follows
Dozat's momentum schedule (0.96 decay), SGD's momentum holds the learning rate, and ``weight_decay`` is decoupled
(w -= lr * weight_decay * w before the step) for every optimizer. So each class here gives the rule that Keras 3
runs (see ``optimizer_rules.KerasRule``, which applies it as a core optimizer the Trainer can step); defaults:

    sgd       0.01,  momentum 0, nesterov False          adam/adamw  1e-3, beta_1 0.9, beta_2 0.999, eps 1e-7
    rmsprop   1e-3,  rho 0.9, momentum 0, eps 1e-7       adamw       weight_decay 0.004
    adagrad   1e-3,  initial_accumulator_value 0.1       adadelta    1e-3, rho 0.95, eps 1e-7
    adamax    1e-3,  beta_1 0.9, beta_2 0.999            nadam       1e-3, beta_1 0.9, beta_2 0.999

Every optimizer takes ``clipnorm``, ``clipvalue``, ``global_clipnorm`` and ``weight_decay``, and a
``learning_rate`` that may be a schedule (``keras.optimizers.schedules``) of the step count. A core optimizer
object (``sg.optim.SGD(model.parameters(), lr=0.1)``) is accepted by ``compile`` as it is.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .. import backend, optim
from . import schedules
from .base import check_number
from .optimizer_rules import KerasRule

Array = Any
RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "learning_rate": (lambda v: v >= 0, ">= 0"),
    "momentum": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "beta_1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "beta_2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "rho": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "epsilon": (lambda v: v >= 0, ">= 0"),
    "initial_accumulator_value": (lambda v: v >= 0, ">= 0"),
    "weight_decay": (lambda v: v >= 0, ">= 0"),
    "clipnorm": (lambda v: v > 0, "> 0"),
    "clipvalue": (lambda v: v > 0, "> 0"),
    "global_clipnorm": (lambda v: v > 0, "> 0"),
}


class Optimizer:
    """A Keras optimizer: hyperparameters (``self.hyper``), and the core optimizer once ``compile`` knows the
    parameters (``self.optimizer``). Subclasses define ``init_state`` and ``update`` (Keras's update_step)."""

    scalar_variables = 0  # Keras's one-number variables besides the step count and learning rate

    def __init__(self, learning_rate: Any, hyper: dict[str, Any], lr: float | None = None, weight_decay: Any = None,
                 clipnorm: Any = None, clipvalue: Any = None, global_clipnorm: Any = None, **kwargs: Any):
        # ``lr``: Keras 2's older spelling of learning_rate, still common in published code.
        learning_rate = learning_rate if lr is None else lr
        self.schedule = learning_rate if isinstance(learning_rate, schedules.LearningRateSchedule) else None
        self._learning_rate = None if self.schedule else self._checked("learning_rate", learning_rate)
        self.hyper = {k: self._checked(k, v) if k in RANGES and not isinstance(v, bool) else v
                      for k, v in hyper.items()}
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        given = {k: self._checked(k, v) for k, v in clips.items() if v is not None}
        if len(given) > 1:
            raise ValueError(f"{type(self).__name__}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set; received {given}")
        self.clip = given
        self.weight_decay = None if weight_decay is None else self._checked("weight_decay", weight_decay)
        self.optimizer: KerasRule | None = None

    def _checked(self, argument: str, value: Any) -> Any:
        accept, expected = RANGES[argument]
        check_number(type(self).__name__, argument, value, accept, expected)
        return value  # as given (an int stays an int), as Keras's get_config shows it

    def build(self, params: Iterable[Any]) -> KerasRule:
        """The core optimizer over ``params`` (a fresh one: compiling again starts from a clean state)."""
        self.optimizer = KerasRule(params, self)
        return self.optimizer

    @property
    def iterations(self) -> int:
        """Steps taken so far (Keras's ``optimizer.iterations``)."""
        return self.optimizer.iterations if self.optimizer is not None else 0

    def current_learning_rate(self) -> float:
        """The learning rate of the next step: the schedule's value at ``iterations``, or the set rate."""
        if self.schedule is not None:
            return float(self.schedule(self.iterations))
        return self.optimizer.param_groups[0]["lr"] if self.optimizer is not None else self._learning_rate

    @property
    def learning_rate(self) -> float:
        return self.current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if self.schedule is not None:
            raise TypeError(f"{type(self).__name__}: the learning rate follows a schedule and cannot be set")
        self._learning_rate = value = self._checked("learning_rate", value)
        if self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = value

    lr = learning_rate

    def variable_count(self, weights: int, itemsize: int) -> tuple[int, int]:
        """(numbers, bytes) that Keras's optimizer holds for ``weights`` trained numbers of ``itemsize`` bytes:
        its step count and learning rate (unless a schedule gives it), 4 bytes each, and its per-weight arrays
        (momentum, velocity, ...), as many as ``init_state`` makes."""
        scalars = 1 + (self.schedule is None) + self.scalar_variables
        slots = len(self.init_state(backend.xp.zeros(1)))
        return scalars + slots * weights, 4 * scalars + slots * weights * itemsize

    def before_step(self, rule: KerasRule) -> None:
        """Work done once per step before the variables' updates (Nadam's momentum product)."""

    def init_state(self, param: Array) -> dict[str, Array]:
        raise NotImplementedError

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        """Keras's update_step: change ``param`` in place; ``step`` counts from 1."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        rate = self.schedule.get_config() if self.schedule else self.learning_rate
        return {"name": type(self).__name__, "learning_rate": rate, **self.hyper, "weight_decay": self.weight_decay,
                **self.clip}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name" and v is not None)
        return f"{type(self).__name__}({args})"


def _powers(param: Array, step: int, *bases: float) -> list[Any]:
    """base ** step for each base, in the weights' dtype: Keras computes its bias corrections in float32, and
    1 - 0.999 ** t loses digits there that matter to 1e-5 over a few steps."""
    dt = param.dtype.type
    return [dt(base) ** dt(step) for base in bases]


def _zeros(param: Array, value: float = 0.0) -> Array:
    return backend.get_array_module(param).full_like(param, value)


class SGD(Optimizer):
    """Gradient descent: v = momentum * v - lr * g; w += v (Nesterov: w += momentum * v - lr * g)."""

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs: Any):
        super().__init__(learning_rate, dict(momentum=momentum, nesterov=nesterov), **kwargs)

    def init_state(self, param: Array) -> dict[str, Array]:
        return {"m": _zeros(param)} if self.hyper["momentum"] else {}

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        if not state:
            param -= lr * grad
            return
        m, momentum = state["m"], self.hyper["momentum"]
        m *= momentum
        m -= lr * grad
        param += momentum * m - lr * grad if self.hyper["nesterov"] else m


class Adam(Optimizer):
    """Adam as Keras runs it: w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)."""

    def __init__(self, learning_rate: Any = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs: Any):
        super().__init__(learning_rate, dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad), **kwargs)

    def init_state(self, param: Array) -> dict[str, Array]:
        state = {"m": _zeros(param), "v": _zeros(param)}
        return {**state, "v_hat": _zeros(param)} if self.hyper["amsgrad"] else state

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        xp = backend.get_array_module(param)
        b1, b2 = self.hyper["beta_1"], self.hyper["beta_2"]
        b1_power, b2_power = _powers(param, step, b1, b2)
        one = param.dtype.type(1)
        alpha = param.dtype.type(lr) * xp.sqrt(one - b2_power) / (one - b1_power)
        state["m"] += (grad - state["m"]) * (1 - b1)
        state["v"] += (grad * grad - state["v"]) * (1 - b2)
        v = state["v"]
        if self.hyper["amsgrad"]:
            v = xp.maximum(state["v_hat"], v, out=state["v_hat"])
        param -= state["m"] * alpha / (xp.sqrt(v) + self.hyper["epsilon"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras's default 0.004): w -= lr * weight_decay * w before each step."""

    def __init__(self, learning_rate: Any = 1e-3, weight_decay: float = 0.004, **kwargs: Any):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    """Adam with Nesterov momentum, Keras's form (Dozat's schedule u_t = beta_1 * (1 - 0.5 * 0.96^t))."""

    scalar_variables = 1  # the momentum schedule's running product

    def __init__(self, learning_rate: Any = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs: Any):
        super().__init__(learning_rate, dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon), **kwargs)

    def _u(self, step: int) -> Any:
        f32 = backend.xp.float32  # Keras keeps the momentum schedule and its product in float32
        return f32(self.hyper["beta_1"]) * (f32(1.0) - f32(0.5) * f32(0.96) ** f32(step))

    def before_step(self, rule: KerasRule) -> None:
        product = backend.xp.float32(rule.extra.get("u_product", 1.0))
        rule.extra["u_product"] = product * self._u(rule.iterations + 1)

    def init_state(self, param: Array) -> dict[str, Array]:
        return {"m": _zeros(param), "v": _zeros(param)}

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        xp = backend.get_array_module(param)
        b1, b2 = self.hyper["beta_1"], self.hyper["beta_2"]
        u_t, u_next = self._u(step), self._u(step + 1)
        product = self.optimizer.extra["u_product"]  # type: ignore[union-attr]
        one = param.dtype.type(1)
        state["m"] += (grad - state["m"]) * (1 - b1)
        state["v"] += (grad * grad - state["v"]) * (1 - b2)
        m_hat = u_next * state["m"] / (one - product * u_next) + (one - u_t) * grad / (one - product)
        v_hat = state["v"] / (one - _powers(param, step, b2)[0])
        param -= m_hat * lr / (xp.sqrt(v_hat) + self.hyper["epsilon"])


class RMSprop(Optimizer):
    """v = rho * v + (1 - rho) g^2; w -= lr * g / sqrt(v + epsilon) (centered: v - mean(g)^2; with momentum)."""

    def __init__(self, learning_rate: Any = 1e-3, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, **kwargs: Any):
        super().__init__(learning_rate, dict(rho=rho, momentum=momentum, epsilon=epsilon, centered=centered),
                         **kwargs)

    def init_state(self, param: Array) -> dict[str, Array]:
        state = {"v": _zeros(param)}  # momentum and the mean gradient only when used, as Keras makes them
        if self.hyper["momentum"] > 0:
            state["m"] = _zeros(param)
        if self.hyper["centered"]:
            state["g"] = _zeros(param)
        return state

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        xp = backend.get_array_module(param)
        rho = self.hyper["rho"]
        state["v"] *= rho
        state["v"] += (1 - rho) * grad * grad
        denominator = state["v"] + self.hyper["epsilon"]
        if self.hyper["centered"]:
            state["g"] *= rho
            state["g"] += (1 - rho) * grad
            denominator = denominator - state["g"] * state["g"]
        increment = lr * grad / xp.sqrt(denominator)
        if self.hyper["momentum"] > 0:
            state["m"] *= self.hyper["momentum"]
            state["m"] += increment
            increment = state["m"]
        param -= increment


class Adagrad(Optimizer):
    """acc += g^2; w -= lr * g / sqrt(acc + epsilon), the accumulator starting at 0.1."""

    def __init__(self, learning_rate: Any = 1e-3, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 **kwargs: Any):
        super().__init__(learning_rate, dict(initial_accumulator_value=initial_accumulator_value, epsilon=epsilon),
                         **kwargs)

    def init_state(self, param: Array) -> dict[str, Array]:
        return {"acc": _zeros(param, self.hyper["initial_accumulator_value"])}

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        state["acc"] += grad * grad
        param -= lr * grad / backend.get_array_module(param).sqrt(state["acc"] + self.hyper["epsilon"])


class Adadelta(Optimizer):
    """Zeiler's rule: the step's size is the RMS of past steps over the RMS of gradients (times lr)."""

    def __init__(self, learning_rate: Any = 1e-3, rho: float = 0.95, epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate, dict(rho=rho, epsilon=epsilon), **kwargs)

    def init_state(self, param: Array) -> dict[str, Array]:
        return {"g2": _zeros(param), "d2": _zeros(param)}

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        xp = backend.get_array_module(param)
        rho, eps = self.hyper["rho"], self.hyper["epsilon"]
        state["g2"] *= rho
        state["g2"] += (1 - rho) * grad * grad
        delta = -xp.sqrt(state["d2"] + eps) * grad / xp.sqrt(state["g2"] + eps)
        state["d2"] *= rho
        state["d2"] += (1 - rho) * delta * delta
        param += lr * delta


class Adamax(Optimizer):
    """Adam with the infinity norm: u = max(beta_2 * u, |g|); w -= lr * m / ((1 - b1^t) * (u + epsilon))."""

    def __init__(self, learning_rate: Any = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs: Any):
        super().__init__(learning_rate, dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon), **kwargs)

    def init_state(self, param: Array) -> dict[str, Array]:
        return {"m": _zeros(param), "u": _zeros(param)}

    def update(self, param: Array, grad: Array, state: dict[str, Array], lr: float, step: int) -> None:
        xp = backend.get_array_module(param)
        b1 = self.hyper["beta_1"]
        state["m"] += (grad - state["m"]) * (1 - b1)
        xp.maximum(self.hyper["beta_2"] * state["u"], xp.abs(grad), out=state["u"])
        param -= lr * state["m"] / ((param.dtype.type(1) - _powers(param, step, b1)[0]) * (state["u"] +
                                                                                           self.hyper["epsilon"]))


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD, "adam": Adam, "adamw": AdamW, "nadam": Nadam, "rmsprop": RMSprop, "adagrad": Adagrad,
    "adadelta": Adadelta, "adamax": Adamax,
}


def get(identifier: str | Optimizer | optim.Optimizer) -> Optimizer | optim.Optimizer:
    """The optimizer for a ``compile(optimizer=...)`` argument: a name (any case), a Keras or a core optimizer."""
    if isinstance(identifier, (Optimizer, optim.Optimizer)):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in OPTIMIZERS:
        return OPTIMIZERS[identifier.lower()]()
    names = ", ".join(f'"{n}"' for n in OPTIMIZERS)
    raise ValueError(
        f"Unknown optimizer: {identifier!r} (argument `optimizer` of compile). Expected one of {names}, a "
        "keras.optimizers.Optimizer, or a scratchgrad.optim optimizer."
    )
