"""ReduceLROnPlateau: cut the lr when a watched metric (usually the validation loss) stops improving."""

from __future__ import annotations

import math
from typing import Any

from .lr_base import ScheduleState, check_int, check_number, check_optimizer, per_group
from .optimizer import Optimizer, require


class ReduceLROnPlateau(ScheduleState):
    """Multiply every group's lr by ``factor`` once the metric has not improved for more than ``patience`` epochs.

    Call ``scheduler.step(val_loss)`` once per epoch. "Improved" means better than the best so far by more than
    ``threshold``: relatively (``best * (1 - threshold)`` in min mode, ``best * (1 + threshold)`` in max mode) or
    absolutely (``best -/+ threshold``). After a cut, ``cooldown`` epochs pass before bad epochs count again.

    Args:
        optimizer: the optimizer whose groups' lrs are cut.
        mode: "min" (a loss) or "max" (an accuracy).
        factor: the cut, new_lr = max(lr * factor, min_lr); must be < 1.
        patience: bad epochs tolerated before a cut.
        threshold, threshold_mode: how much better counts as better ("rel" or "abs").
        cooldown: epochs after a cut during which bad epochs are not counted.
        min_lr: the floor (one value, or one per group).
        eps: a cut smaller than this is skipped.

    Example: ``ReduceLROnPlateau(optimizer, patience=2)`` with losses 1.0, 0.9, 0.95, 0.95, 0.95 cuts the lr by 10
    after the fifth epoch (three epochs without beating 0.9).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ):
        check_optimizer(self, optimizer)
        require(self, "mode", mode, mode in ("min", "max"), '"min" or "max"')
        require(self, "threshold_mode", threshold_mode, threshold_mode in ("rel", "abs"), '"rel" or "abs"')
        check_number(self, "factor", factor, lambda v: 0 <= v < 1, "in [0, 1)")
        check_int(self, "patience", patience, 0)
        check_int(self, "cooldown", cooldown, 0)
        check_number(self, "threshold", threshold, lambda v: v >= 0, "a number >= 0")
        check_number(self, "eps", eps, lambda v: v >= 0, "a number >= 0")
        self.optimizer = optimizer
        self.min_lrs = per_group(self, "min_lr", min_lr, optimizer)
        self.mode, self.factor, self.patience, self.cooldown = mode, factor, patience, cooldown
        self.threshold, self.threshold_mode, self.eps = threshold, threshold_mode, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self, metrics: Any) -> None:
        """Record this epoch's metric (a number or a one-element tensor) and cut the lr if it has plateaued."""
        current = float(getattr(metrics, "data", metrics))
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _is_better(self, current: float) -> bool:
        if self.threshold_mode == "rel":
            scale = 1 - self.threshold if self.mode == "min" else 1 + self.threshold
            target = self.best * scale
        else:
            target = self.best - self.threshold if self.mode == "min" else self.best + self.threshold
        return current < target if self.mode == "min" else current > target

    def _reduce_lr(self) -> None:
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new
