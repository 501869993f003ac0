"""Optimizers and learning-rate schedules: ``import scratchgrad as sg; sg.optim.Adam(model.parameters())``.

PyTorch's rules under PyTorch's names and defaults (``SGD``, ``Adagrad``, ``RMSprop``, ``Adadelta``, ``Adam``,
``AdamW``; schedules in ``optim.lr_scheduler``), the notes' names for the same ideas (``AdaGrad``, ``RMSProp``),
and the notes' own ``Momentum`` and ``Nesterov``.
``get("adam", params, lr=0.01)`` builds one from its name (for configuration files and the command line).
"""

from typing import Any, Iterable

from . import lr_scheduler
from .adaptive import Adadelta, AdaGrad, Adagrad, Adam, AdamW, RMSProp, RMSprop
from .lr_scheduler import CosineAnnealingLR, StepLR
from .optimizer import Optimizer
from .sgd import SGD, Momentum, Nesterov

_BY_NAME: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "adadelta": Adadelta,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def get(name: str, params: Iterable[Any], **kwargs: Any) -> Optimizer:
    """The optimizer called ``name`` (any case: "sgd", "Adam", "RMSprop", ...) over ``params``.

    Example: ``get("momentum", model.parameters(), lr=0.1)`` is ``Momentum(model.parameters(), lr=0.1)``.
    """
    cls = _BY_NAME.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; valid names (any case): {', '.join(_BY_NAME)}")
    return cls(params, **kwargs)


__all__ = [
    "SGD",
    "AdaGrad",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSProp",
    "RMSprop",
    "StepLR",
    "get",
    "lr_scheduler",
]
