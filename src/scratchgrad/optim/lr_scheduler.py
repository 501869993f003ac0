"""Learning-rate schedules under PyTorch's names: ``optim.lr_scheduler.StepLR(optimizer, step_size=30)``.

Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (OneCycleLR: once per batch;
ReduceLROnPlateau: with the epoch's validation loss)::

    optimizer = sg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = sg.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(90):
        train_one_epoch(model, optimizer)
        scheduler.step()

This module holds the schedules that are a function of the epoch; the base class is in ``lr_base``, the
metric-driven ``ReduceLROnPlateau`` and the per-batch ``OneCycleLR`` in their own modules.
"""

from __future__ import annotations

import math
import types
from collections import Counter
from typing import Any, Callable, Iterable

from .lr_base import LRScheduler, check_int, check_number, per_group
from .lr_cycle import OneCycleLR
from .lr_plateau import ReduceLROnPlateau
from .optimizer import Optimizer, require


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: lr = base_lr * gamma ** (epoch // step_size).

    Example: lr 0.1, step_size 30, gamma 0.1 gives 0.1 for epochs 0-29, 0.01 for 30-59, 0.001 for 60-89.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        check_int(self, "step_size", step_size, 1)
        check_number(self, "gamma", gamma, lambda v: v >= 0, "a number >= 0")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from base_lr down to ``eta_min`` over ``T_max`` epochs, then back up, and so on.

    lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2, computed step by step from the current
    lr as PyTorch does (the recursive form, so an lr changed by something else is followed, not overwritten)::

        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi * t / T_max)) / (1 + cos(pi * (t - 1) / T_max))

    except at the start of each rising half, where that ratio is 0/0 and the closed-form increment is added.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        check_int(self, "T_max", T_max, 1)
        check_number(self, "eta_min", eta_min, lambda v: v >= 0, "a number >= 0")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        groups, t, T, eta_min = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return [group["lr"] for group in groups]
        if (t - 1 - T) % (2 * T) == 0:
            # The lr sat at eta_min last epoch: the ratio below would be 0/0.
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base_lr, group in zip(self.base_lrs, groups)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch in ``milestones`` (by gamma^k where a milestone repeats k times).

    Example: lr 0.05, milestones [30, 80], gamma 0.1 gives 0.05 for epochs 0-29, 0.005 for 30-79, 0.0005 after.
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1):
        milestones = list(milestones)
        for milestone in milestones:
            check_int(self, "each milestone", milestone, 0)
        check_number(self, "gamma", gamma, lambda v: v >= 0, "a number >= 0")
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch not in self.milestones:
            return lrs
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: lr = base_lr * gamma ** epoch.

    Example: lr 0.1, gamma 0.9 gives 0.1, 0.09, 0.081, ...
    """

    def __init__(self, optimizer: Optimizer, gamma: float):
        check_number(self, "gamma", gamma, lambda v: v >= 0, "a number >= 0")
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        return lrs if self.last_epoch == 0 else [lr * self.gamma for lr in lrs]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), with one function for every group or a list of one per group.

    Example: ``LambdaLR(optimizer, lambda epoch: 0.95 ** epoch)``. As in PyTorch, ``state_dict()`` keeps a
    callable object's attributes but not a plain function (None in its place): pass the function again.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]]):
        self.lr_lambdas = per_group(self, "lr_lambda", lr_lambda, optimizer)
        for fn in self.lr_lambdas:
            require(self, "lr_lambda", fn, callable(fn), "a function of the epoch (or one per group)")
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        lambdas, self.lr_lambdas = self.lr_lambdas, []
        try:
            state = super().state_dict()
        finally:
            self.lr_lambdas = lambdas
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(vars(fn)) for fn in lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [])
        lambdas = self.lr_lambdas
        super().load_state_dict({**state, "lr_lambdas": []})
        self.lr_lambdas = lambdas
        for fn, attributes in zip(lambdas, saved):
            if attributes is not None:
                vars(fn).update(attributes)


__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "StepLR",
]
