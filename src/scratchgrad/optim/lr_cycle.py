"""OneCycleLR: Smith's one-cycle policy, the lr up to ``max_lr`` and down far below its start, once per batch."""

from __future__ import annotations

import math
from typing import Any

from .lr_base import LRScheduler, check_int, check_number, check_optimizer, per_group
from .optimizer import Optimizer, require


class OneCycleLR(LRScheduler):
    """Warm the lr up from max_lr / div_factor to max_lr, then anneal it to max_lr / div_factor / final_div_factor.

    Step it after every batch, ``total_steps`` times (or ``epochs * steps_per_epoch``). The warm-up takes the first
    ``pct_start`` of the steps; ``anneal_strategy`` is "cos" or "linear". With ``cycle_momentum`` the momentum (or
    Adam's beta1) moves the opposite way, between ``max_momentum`` and ``base_momentum``. ``three_phase`` comes back
    down to the start symmetrically before the final anneal. Phase ends and interpolation follow PyTorch's.

    Example: ``OneCycleLR(optimizer, max_lr=0.1, total_steps=100)`` starts at 0.004, peaks at 0.1 at step 29 and
    ends at 4e-7 at step 100.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ):
        check_optimizer(self, optimizer)
        self.total_steps = _total_steps(self, total_steps, epochs, steps_per_epoch)
        check_number(self, "pct_start", pct_start, lambda v: 0 <= v <= 1, "in [0, 1]")
        require(self, "anneal_strategy", anneal_strategy, anneal_strategy in ("cos", "linear"), '"cos" or "linear"')
        self.anneal_strategy = anneal_strategy
        self._phases = _phases(float(pct_start) * self.total_steps, self.total_steps, three_phase)
        for group, peak in zip(optimizer.param_groups, per_group(self, "max_lr", max_lr, optimizer)):
            group["initial_lr"] = peak / div_factor
            group["max_lr"] = peak
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._start_momentum(optimizer, base_momentum, max_momentum)
        super().__init__(optimizer)

    def _start_momentum(self, optimizer: Optimizer, base: Any, peak: Any) -> None:
        has = "betas" in optimizer.defaults or "momentum" in optimizer.defaults
        require(self, "cycle_momentum", True, has, "False for an optimizer without momentum or betas")
        self.use_beta1 = "betas" in optimizer.defaults
        groups = optimizer.param_groups
        for group, low, high in zip(groups, per_group(self, "base_momentum", base, optimizer),
                                    per_group(self, "max_momentum", peak, optimizer)):
            group["max_momentum"], group["base_momentum"] = high, low
            self._set_momentum(group, high)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {step} times; the schedule has total_steps={self.total_steps}. Make "
                "total_steps (or epochs * steps_per_epoch) cover every batch of every epoch."
            )
        lrs = []
        for group in self.optimizer.param_groups:
            phase, pct = self._phase_at(step)
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                self._set_momentum(group, momentum)
        return lrs

    def _phase_at(self, step: int) -> tuple[dict[str, Any], float]:
        """The phase that holds ``step`` and how far through it the step is (0 to 1)."""
        start = 0.0
        for i, phase in enumerate(self._phases):
            end = phase["end_step"]
            if step <= end or i == len(self._phases) - 1:
                return phase, (step - start) / (end - start)
            start = end
        raise AssertionError("unreachable: the last phase takes every step")

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start


def _total_steps(owner: Any, total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        check_int(owner, "total_steps", total_steps, 1)
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch; received neither")
    check_int(owner, "epochs", epochs, 1)
    check_int(owner, "steps_per_epoch", steps_per_epoch, 1)
    return epochs * steps_per_epoch


def _phases(warm: float, total: int, three_phase: bool) -> list[dict[str, Any]]:
    """The schedule's phases as PyTorch lays them out: where each ends and which group keys it moves between."""
    def phase(end: float, lr: tuple[str, str], momentum: tuple[str, str]) -> dict[str, Any]:
        return {"end_step": end, "start_lr": lr[0], "end_lr": lr[1],
                "start_momentum": momentum[0], "end_momentum": momentum[1]}

    up = phase(warm - 1, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum"))
    if not three_phase:
        return [up, phase(total - 1, ("max_lr", "min_lr"), ("base_momentum", "max_momentum"))]
    down = phase(2 * warm - 2, ("max_lr", "initial_lr"), ("base_momentum", "max_momentum"))
    return [up, down, phase(total - 1, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum"))]
