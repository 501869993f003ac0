"""Learning-rate schedules: change each parameter group's ``lr`` once per epoch, as PyTorch's schedulers do.

Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch::

    optimizer = sg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = sg.optim.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(90):
        train_one_epoch(model, optimizer)
        scheduler.step()

The lr is updated from the group's current lr (not recomputed from scratch), exactly as PyTorch does, so the
sequences agree to the last bit and a scheduler composes with anything else that changed the lr.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from .optimizer import Optimizer, require


class LRScheduler:
    """Base class: remembers each group's starting lr (``base_lrs``) and counts epochs (``last_epoch``).

    Creating a scheduler takes its first step (epoch 0), which leaves the lr at its starting value. Subclasses
    define ``get_lr()``, the lrs for epoch ``last_epoch`` computed from the groups' current lrs.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer; received {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            # Kept in the group, as PyTorch does, so a second scheduler or a restored optimizer knows the start.
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self) -> None:
        """Move to the next epoch and write its lr into every parameter group."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lr of each group as this scheduler last set it."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (plain numbers and lists), as in PyTorch."""
        return {key: copy.deepcopy(value) for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()`` of the same kind of scheduler."""
        expected, received = set(self.state_dict()), set(state_dict)
        require(self, "state_dict keys", sorted(received), expected == received, f"{sorted(expected)}")
        self.__dict__.update(copy.deepcopy(state_dict))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: lr = base_lr * gamma ** (epoch // step_size).

    Example: lr 0.1, step_size 30, gamma 0.1 gives 0.1 for epochs 0-29, 0.01 for 30-59, 0.001 for 60-89.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        ok = isinstance(step_size, int) and not isinstance(step_size, bool) and step_size >= 1
        require(self, "step_size", step_size, ok, "an int >= 1")
        require(self, "gamma", gamma, isinstance(gamma, (int, float)) and gamma >= 0, "a number >= 0")
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
        ok = isinstance(T_max, int) and not isinstance(T_max, bool) and T_max >= 1
        require(self, "T_max", T_max, ok, "an int >= 1")
        require(self, "eta_min", eta_min, isinstance(eta_min, (int, float)) and eta_min >= 0, "a number >= 0")
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
