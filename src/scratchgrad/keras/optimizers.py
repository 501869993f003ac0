"""Keras optimizers: names and classes with Keras's arguments and defaults, built on our core optimizers.

``compile(optimizer="adam")`` or ``compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3))``: each class here
is a light description that ``compile`` turns into the core optimizer (``sg.optim.Adam`` ...) over the model's
parameters, with Keras's defaults:

    adam      learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7
    sgd       learning_rate 0.01, momentum 0, nesterov False
    rmsprop   learning_rate 1e-3, rho 0.9, momentum 0, epsilon 1e-7
    adagrad   learning_rate 1e-3, initial_accumulator_value 0.1, epsilon 1e-7

The update rules are PyTorch's, equal to Keras's step for step, except that Keras's Adam adds epsilon to
sqrt(v) before the bias correction of v and PyTorch's after it (a difference of order epsilon). A core optimizer
object (``sg.optim.SGD(model.parameters(), lr=0.1)``) is accepted as it is.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .. import optim
from .base import check_number


class Optimizer:
    """A Keras optimizer: its hyperparameters now, the core optimizer once ``compile`` knows the parameters."""

    core: type[optim.Optimizer]

    # What each hyperparameter may be: a momentum or a decay of 1 or more never forgets, and diverges.
    ranges: dict[str, tuple[Callable[[float], bool], str]] = {
        "learning_rate": (lambda v: v >= 0, ">= 0"),
        "momentum": (lambda v: 0 <= v <= 1, "in [0, 1]"),
        "beta_1": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "beta_2": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "rho": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "epsilon": (lambda v: v >= 0, ">= 0"),
        "initial_accumulator_value": (lambda v: v >= 0, ">= 0"),
    }

    def __init__(self, learning_rate: float, hyper: dict[str, Any], lr: float | None = None):
        # ``lr``: Keras 2's older spelling of learning_rate, still common in published code.
        self._learning_rate = self._checked("learning_rate", learning_rate if lr is None else lr)
        self.hyper = {k: self._checked(k, v) if k in self.ranges else v for k, v in hyper.items()}
        self.optimizer: optim.Optimizer | None = None

    def _checked(self, argument: str, value: Any) -> Any:
        accept, expected = self.ranges[argument]
        check_number(type(self).__name__, argument, value, accept, expected)
        return value  # as given (an int stays an int), as Keras's get_config shows it

    # Keras's argument names -> the core optimizer's (those absent keep their name).
    core_names: dict[str, str] = {"epsilon": "eps"}

    def _core_args(self) -> dict[str, Any]:
        return {self.core_names.get(k, k): v for k, v in self.hyper.items()}

    def build(self, params: Iterable[Any]) -> optim.Optimizer:
        """The core optimizer over ``params`` (a fresh one: compiling again starts from a clean state)."""
        self.optimizer = self.core(params, lr=self._learning_rate, **self._core_args())
        return self.optimizer

    @property
    def learning_rate(self) -> float:
        return self.optimizer.param_groups[0]["lr"] if self.optimizer is not None else self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = value = self._checked("learning_rate", value)
        if self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = value

    lr = learning_rate

    def get_config(self) -> dict[str, Any]:
        return {"name": type(self).__name__, "learning_rate": self.learning_rate, **self.hyper}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent, with momentum and Nesterov's variant. Example: SGD(learning_rate=0.1, momentum=0.9)."""

    core = optim.SGD

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False, lr: float | None = None
    ):
        super().__init__(learning_rate, dict(momentum=momentum, nesterov=nesterov), lr)


class Adam(Optimizer):
    """Adam with Keras's defaults. Example: Adam(learning_rate=1e-3)."""

    core = optim.Adam

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        lr: float | None = None,
    ):
        super().__init__(learning_rate, dict(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad), lr)

    def _core_args(self) -> dict[str, Any]:
        args = super()._core_args()
        args["betas"] = (args.pop("beta_1"), args.pop("beta_2"))
        return args


class RMSprop(Optimizer):
    """RMSprop: ``rho`` is the decay of the mean square (PyTorch's ``alpha``). Example: RMSprop(1e-3)."""

    core = optim.RMSprop
    core_names = {"rho": "alpha", "epsilon": "eps"}

    def __init__(
        self,
        learning_rate: float = 1e-3,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        lr: float | None = None,
    ):
        super().__init__(learning_rate, dict(rho=rho, momentum=momentum, epsilon=epsilon, centered=centered), lr)


class Adagrad(Optimizer):
    """AdaGrad with Keras's defaults (the accumulator starts at 0.1). Example: Adagrad(learning_rate=0.01)."""

    core = optim.Adagrad

    def __init__(
        self,
        learning_rate: float = 1e-3,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        lr: float | None = None,
    ):
        hyper = dict(initial_accumulator_value=initial_accumulator_value, epsilon=epsilon)
        super().__init__(learning_rate, hyper, lr)


OPTIMIZERS: dict[str, type[Optimizer]] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad}


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
