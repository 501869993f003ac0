"""``KerasRule``: a Keras optimizer's update rule run as a core optimizer, so the Trainer steps it like any other.

One step, in Keras 3's order: the gradients are clipped (``clipnorm`` per variable, ``global_clipnorm`` over all,
or ``clipvalue``), the learning rate is read (a schedule's value at ``iterations``), weight decay shrinks each
weight (w -= lr * weight_decay * w), then each weight takes the optimizer's ``update`` and ``iterations`` grows.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .. import backend, optim


class KerasRule(optim.Optimizer):
    """The core optimizer behind a ``keras.optimizers`` object ``spec`` (which holds the rule and its settings)."""

    def __init__(self, params: Iterable[Any], spec: Any):
        super().__init__(params, {"lr": spec._learning_rate if spec.schedule is None else 0.0})
        self.spec = spec
        self.iterations = 0
        self.extra: dict[str, float] = {}  # per-step values shared by all weights (Nadam's momentum product)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = closure() if closure is not None else None
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        grads = self._clipped([p.grad.data for p in params])
        lr = self.spec.current_learning_rate()
        if self.spec.weight_decay:
            for p in params:
                p.data -= p.data * (self.spec.weight_decay * lr)
        self.spec.before_step(self)
        for p, g in zip(params, grads):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = self.spec.init_state(p.data)
            self.spec.update(p.data, g.astype(p.data.dtype, copy=False), state, lr, self.iterations + 1)
        self.iterations += 1
        self._step_count += 1
        return loss

    def _clipped(self, grads: list[Any]) -> list[Any]:
        clip = self.spec.clip
        if not clip:
            return grads
        xp = backend.get_array_module(grads[0]) if grads else backend.xp
        if "clipvalue" in clip:
            return [xp.clip(g, -clip["clipvalue"], clip["clipvalue"]) for g in grads]
        if "clipnorm" in clip:
            limit = clip["clipnorm"]
            return [g * (limit / max(float(xp.sqrt((g * g).sum())), limit)) for g in grads]
        limit = clip["global_clipnorm"]
        norm = float(xp.sqrt(sum(float((g * g).sum()) for g in grads)))
        return [g * (limit * min(1.0 / norm if norm else float("inf"), 1.0 / limit)) for g in grads]

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "keras": {"iterations": self.iterations, **self.extra}}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        keras = dict(state_dict.pop("keras", {}))
        super().load_state_dict(state_dict)
        self.iterations = int(keras.pop("iterations", 0))
        self.extra = {k: float(v) for k, v in keras.items()}
