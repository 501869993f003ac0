"""Hooks on leaves: PyTorch's ``Tensor.register_post_accumulate_grad_hook``, run by autograd's backward walk."""

from __future__ import annotations

import weakref
from typing import Any, Callable

_post_accumulate_hooks: dict[int, dict[object, Callable[[Any], None]]] = {}
"""Per leaf (by id, dropped with the leaf): what ``Tensor.register_post_accumulate_grad_hook`` registered."""


class RemovableHandle:
    """Registers ``hook`` in ``table`` (run in registration order); ``remove()`` (PyTorch's spelling) or calling
    the handle takes it out, and calls ``on_empty`` when that leaves the table empty."""

    def __init__(self, table: dict, hook: Callable[..., Any], on_empty: Callable[[], Any] | None = None):
        self.table, self.key, self.on_empty = table, object(), on_empty
        table[self.key] = hook

    def remove(self) -> None:
        self.table.pop(self.key, None)
        if not self.table and self.on_empty is not None:
            self.on_empty()

    __call__ = remove

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:  # ``with module.register_forward_hook(f):`` removes it after the block
        self.remove()


def has_hooks() -> bool:
    """True when some live leaf has a hook (backward counts gradients only then)."""
    return bool(_post_accumulate_hooks)


def register_post_accumulate_grad_hook(leaf: Any, hook: Callable[[Any], None]) -> RemovableHandle:
    """Call ``hook(leaf)`` in each backward once ``leaf.grad`` holds every gradient that backward brings it.

    PyTorch's ``Tensor.register_post_accumulate_grad_hook``: data-parallel training starts averaging a
    gradient there while backward goes on with the layers below. Leaves only.
    """
    if leaf.creator is not None or not leaf.requires_grad:
        raise RuntimeError(
            "register_post_accumulate_grad_hook: only a leaf tensor that requires grad accumulates a .grad; "
            f"this tensor has requires_grad={leaf.requires_grad} and grad_fn={leaf.creator}"
        )
    key = id(leaf)
    if key not in _post_accumulate_hooks:
        _post_accumulate_hooks[key] = {}
        weakref.finalize(leaf, _post_accumulate_hooks.pop, key, None)
    table = _post_accumulate_hooks[key]

    def forget() -> None:  # backward counts gradients only while some leaf has a hook
        if _post_accumulate_hooks.get(key) is table:
            del _post_accumulate_hooks[key]

    return RemovableHandle(table, hook, forget)


class PostAccumulate:
    """Counts the gradients each hooked leaf will get in one backward and runs its hooks after the last one."""

    def __init__(self, order: list[Any]):
        """``order``: the functions this backward will run."""
        self.waiting: dict[int, int] = {}
        for fn in order:
            for x, needed in zip(fn.inputs, fn.needs_input_grad):
                if needed and x.creator is None and _post_accumulate_hooks.get(id(x)):
                    self.waiting[id(x)] = self.waiting.get(id(x), 0) + 1
        self.started: dict[int, Any] = {}

    def delivered(self, leaf: Any) -> None:
        if id(leaf) in self.waiting:
            self.started[id(leaf)] = leaf
            self.waiting[id(leaf)] -= 1
            if not self.waiting[id(leaf)]:
                self._run(leaf)

    def finish(self) -> None:
        """Run the hooks of leaves whose last expected gradient was None (a branch that brought nothing)."""
        for key, leaf in list(self.started.items()):
            if self.waiting.get(key):
                self._run(leaf)

    def _run(self, leaf: Any) -> None:
        self.waiting.pop(id(leaf), None)
        for hook in list(_post_accumulate_hooks.get(id(leaf), {}).values()):
            hook(leaf)
