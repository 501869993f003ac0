"""LRScheduler: the base every learning-rate schedule shares (epoch count, starting lrs, checkpoints, the order check).

A schedule changes each parameter group's ``lr`` once per ``step()``; call it after ``optimizer.step()``, as in
PyTorch. Each schedule computes the new lr from the group's current one (not from scratch), exactly as PyTorch
does, so the sequences agree to the last bit and a schedule composes with anything else that changed the lr.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from .optimizer import Optimizer, require

ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them in the opposite order: "
    "`optimizer.step()` before `lr_scheduler.step()`; otherwise the first value of the learning rate schedule "
    "is skipped."
)


class ScheduleState:
    """What every schedule shares: ``get_last_lr()`` and checkpoints of everything but the optimizer."""

    optimizer: Optimizer
    _last_lr: list[float]

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


class LRScheduler(ScheduleState):
    """Base class: remembers each group's starting lr (``base_lrs``) and counts epochs (``last_epoch``).

    Creating a scheduler takes its first step (epoch 0), which leaves the lr at its starting value. Subclasses
    define ``get_lr()``, the lrs for epoch ``last_epoch`` computed from the groups' current lrs. The first
    ``step()`` warns (UserWarning, PyTorch's message) when the optimizer has not stepped since the scheduler
    was made.
    """

    def __init__(self, optimizer: Optimizer):
        check_optimizer(self, optimizer)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            # Kept in the group, as PyTorch does, so a second scheduler or a restored optimizer knows the start.
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._step_count = 0
        self._optimizer_steps_at_start = optimizer._step_count
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        # Checkpoints written before the order check lack its counters; their runs had stepped already.
        super().load_state_dict({"_step_count": 2, "_optimizer_steps_at_start": 0, **state_dict})

    def step(self) -> None:
        """Move to the next epoch and write its lr into every parameter group."""
        if self._step_count == 1 and self.optimizer._step_count == self._optimizer_steps_at_start:
            warnings.warn(ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def check_optimizer(owner: Any, optimizer: Any) -> None:
    """TypeError unless ``optimizer`` is one of ours."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(owner).__name__}: expected an Optimizer; received {type(optimizer).__name__}")


def per_group(owner: Any, name: str, value: Any, optimizer: Optimizer) -> list[Any]:
    """``value`` for every parameter group: a list/tuple must have one entry per group; a single value repeats."""
    count = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        require(owner, name, value, len(value) == count, f"one value per parameter group ({count})")
        return list(value)
    return [value] * count


def check_int(owner: Any, name: str, value: Any, minimum: int) -> None:
    """``value`` is an int (not a bool) >= ``minimum``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    require(owner, name, value, ok, f"an int >= {minimum}")


def check_number(owner: Any, name: str, value: Any, ok: Any, expected: str) -> None:
    """``value`` is a real number (not a bool) for which ``ok(value)`` holds."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    require(owner, name, value, is_number and ok(value), expected)
