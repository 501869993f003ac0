"""Optimizer: the base every update rule shares (parameter groups, per-parameter state, checkpoints).

An optimizer holds ``param_groups``, a list of dicts that each hold some parameters (``"params"``) and the
hyperparameters used for them (``"lr"``, ``"momentum"``, ...), so a scheduler can change ``group["lr"]`` between
steps, and ``state``, a dict from each parameter to the arrays its rule keeps between steps (a momentum buffer,
Adam's moments). ``step()`` walks every parameter that has a gradient and hands its arrays to the subclass's
``_update``; the update writes into ``param.data`` in place, with plain array ops (no graph is built).

Example::

    optimizer = sg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = F.cross_entropy(model(x), t)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Iterable

import numpy as np

from .. import backend, parallel
from ..autograd import Tensor, enable_grad


class Optimizer:
    """Base class: subclasses pass their hyperparameters as ``defaults`` and define the three hooks below.

    Args:
        params: an iterable of Parameters, or of dicts ``{"params": [...], "lr": ..., ...}`` (parameter groups);
            a group's own hyperparameters override the defaults for its parameters.
        defaults: the hyperparameters every group gets unless it sets its own.

    Hooks:
        ``_validate(group)``: raise ValueError for a bad hyperparameter (called for each group when it is added).
        ``_init_state(param, group)``: the state of a parameter before its first update (a dict).
        ``_update(param, grad, state, group)``: update the array ``param`` in place from the array ``grad``.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Parameters or of dicts; received a single "
                "Tensor. Wrap it in a list: [param]."
            )
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._step_count = 0  # a scheduler stepped before any optimizer step warns, as PyTorch's does
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: received an empty parameter list; pass model.parameters()")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters (e.g. a new layer to fine-tune) with its own hyperparameters."""
        if not isinstance(group, dict):
            raise TypeError(f"{type(self).__name__}: a parameter group must be a dict; received {type(group).__name__}")
        group = dict(group)
        params = group.get("params")
        group["params"] = [params] if isinstance(params, Tensor) else list(params or [])
        for param in group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Parameters; received {type(param).__name__}")
        # Identity, not ==: Tensor.__eq__ compares elementwise.
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]) or len({id(p) for p in group["params"]}) < len(group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one place of the parameter list")
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        self._validate(group)
        self.param_groups.append(group)

    # ---- the training loop's calls ---------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient: ``None`` by default (backward then assigns instead of adding to zeros).

        ``set_to_none=False`` zeroes each ``.grad`` Tensor (the same Tensor, as PyTorch's) with a fresh array, so
        an array handed out earlier (``.grad.data``) keeps its values.
        """
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad.data = backend.get_array_module(param.data).zeros_like(param.grad.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose ``.grad`` is None are left alone.

        ``closure`` (optional) re-evaluates the model and returns the loss, as in PyTorch; its loss is returned.
        A group with ``maximize=True`` climbs: its rule sees the negated gradient, as in PyTorch.
        """
        self._step_count += 1
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = self._init_state(param.data, group)
                grad = -param.grad.data if group.get("maximize") else param.grad.data
                self._update(param.data, grad, state, group)
        return loss

    # ---- hooks -----------------------------------------------------------------------------------------
    def _validate(self, group: dict[str, Any]) -> None:
        check_non_negative(self, "lr", group["lr"])

    def _init_state(self, param: Any, group: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _update()")

    # ---- checkpoints -----------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data, in PyTorch's layout.

        ``{"state": {index: {"step": int, "exp_avg": ndarray, ...}}, "param_groups": [{"lr": ..., "params":
        [index, ...]}, ...]}``, where ``index`` numbers the parameters across the groups in order. Arrays are
        NumPy copies and tuples become lists, so the result can be written to a checkpoint and is not changed by
        later steps.
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = [
            {**{k: _export(v) for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        state = {index[id(p)]: {k: _export(v) for k, v in s.items()} for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict()`` (state keys may be ints or strings).

        The groups must hold as many parameters as when the state was saved; arrays must have the shapes of the
        parameters they belong to. Everything is checked before anything changes.
        """
        owner = type(self).__name__
        saved_groups = state_dict["param_groups"]
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in saved_groups]
        if sizes != saved_sizes:
            raise ValueError(
                f"{owner}.load_state_dict: the saved state has parameter groups of sizes {saved_sizes}; "
                f"this optimizer's groups have sizes {sizes}"
            )
        # The saved groups list each parameter's index; pair them with ours position by position, as PyTorch does.
        by_index = dict(zip((int(i) for g in saved_groups for i in g["params"]), self._all_params()))
        state = {}
        for key, saved in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(f"{owner}.load_state_dict: state for parameter {key}, which no saved group lists")
            param = by_index[int(key)]
            where = f"{owner}.load_state_dict: state[{key}]"
            state[param] = {name: _import(value, param, f"{where}[{name!r}]") for name, value in saved.items()}
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            restored = {k: _restore_like(v, group.get(k)) for k, v in saved.items() if k != "params"}
            groups.append({**restored, "params": group["params"]})
        self.param_groups = groups
        self.state = state

    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {settings}")
        return "\n".join(lines + [")"])


# ---- shared pieces of the update rules -------------------------------------------------------------------
def in_parts(update: Callable[..., None], param: Any, grad: Any, *state: Any) -> None:
    """Run ``update(param, grad, *state)`` on matching flat parts of the arrays, on several threads for big ones.

    ``update`` must act elementwise, in place on the parameter and state parts (those are contiguous arrays the
    optimizer owns, so their flat parts are views). An update is a dozen passes over the weights and bound by
    memory traffic, yet one core does not reach the machine's bandwidth, so big ones are split across threads.
    Small parameters run at once (a thread hand-off costs more).
    """
    xp = backend.get_array_module(param)
    owned = (param, *state)
    if param.size < 2**16 or not all(a.flags.c_contiguous for a in owned):
        update(param, grad, *state)
        return
    flats = [a.reshape(-1) for a in (param, xp.ascontiguousarray(grad), *state)]
    parallel.split_work(lambda part: update(*(flat[part] for flat in flats)), param.size, param)


def with_weight_decay(grad: Any, param: Any, weight_decay: float) -> Any:
    """g + weight_decay * W: the L2 penalty (weight_decay / 2) * ||W||^2 folded into the gradient.

    Returns a new array rather than adding into ``grad``: the gradient array may be shared with other tensors.
    """
    if weight_decay == 0:
        return grad
    return grad + weight_decay * param


# ---- validation ------------------------------------------------------------------------------------------
def require(owner: Any, name: str, value: Any, ok: bool, expected: str) -> None:
    """Raise ``ValueError("<Optimizer>: <name> must be <expected>; received <value>")`` unless ``ok``."""
    if not ok:
        owner = owner if isinstance(owner, str) else type(owner).__name__
        raise ValueError(f"{owner}: {name} must be {expected}; received {value!r}")


def _check_number(owner: Any, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        owner = owner if isinstance(owner, str) else type(owner).__name__
        raise TypeError(f"{owner}: {name} must be a real number; received {value!r} ({type(value).__name__})")


def check_non_negative(owner: Any, name: str, value: Any) -> None:
    """``value >= 0`` (NaN fails too)."""
    _check_number(owner, name, value)
    require(owner, name, value, value >= 0, "a number >= 0")


def check_fraction(owner: Any, name: str, value: Any, include_one: bool = False) -> None:
    """``0 <= value < 1`` (or ``<= 1`` when ``include_one``): decay rates of running averages."""
    _check_number(owner, name, value)
    ok = 0 <= value <= 1 if include_one else 0 <= value < 1
    require(owner, name, value, ok, "in [0, 1]" if include_one else "in [0, 1)")


# ---- plain data in and out of checkpoints ----------------------------------------------------------------
def _export(value: Any) -> Any:
    """A checkpoint-safe copy: arrays -> NumPy copies, tuples -> lists, NumPy scalars -> Python numbers."""
    if isinstance(value, (tuple, list)):
        return [_export(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "shape"):
        return np.array(backend.to_numpy(value), copy=True)
    return value


def _import(value: Any, param: Tensor, where: str) -> Any:
    """A saved state entry back on the backend: arrays (or lists, after JSON) get the parameter's dtype."""
    if isinstance(value, numbers.Number) or value is None:
        return value.item() if isinstance(value, np.generic) else value
    array = backend.as_array(backend.to_numpy(value) if hasattr(value, "shape") else value)
    if array.ndim == 0:
        return array.item()
    if tuple(array.shape) != tuple(param.shape):
        raise ValueError(f"{where} has shape {tuple(array.shape)}; the parameter has shape {tuple(param.shape)}")
    return array.astype(param.dtype, copy=True)


def _restore_like(saved: Any, current: Any) -> Any:
    """A saved hyperparameter in the type the optimizer uses (lists back to tuples, e.g. Adam's betas)."""
    if isinstance(saved, np.generic):
        saved = saved.item()
    if isinstance(current, tuple) and isinstance(saved, (list, tuple)):
        return tuple(saved)
    return saved
