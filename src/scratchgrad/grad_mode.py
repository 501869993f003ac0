"""Grad mode: whether ops record the graph (``no_grad``, ``enable_grad``, ``inference_mode``, ``set_grad_enabled``).

``Function.__call__`` reads ``enabled`` once per op; the context managers and decorators here set it.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable

enabled = True
"""Whether ops record the graph now."""


def is_grad_enabled() -> bool:
    return enabled


class no_grad(contextlib.ContextDecorator):
    """Build no graph inside this block (or decorated function): for inference and for optimizer updates.

    Example::

        with sg.no_grad():
            logits = model(x)      # logits.creator is None, nothing is kept for backward
    """

    mode = False

    def __init__(self) -> None:
        # A stack, not one saved value: a decorated function enters the same object again when it recurses.
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        global enabled
        self._previous.append(enabled)
        enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        global enabled
        enabled = self._previous.pop()


class enable_grad(no_grad):
    """Turn graph building back on inside a ``no_grad`` block."""

    mode = True


class inference_mode(no_grad):
    """``no_grad`` for inference (PyTorch's faster variant; here the same thing). ``inference_mode(False)`` is
    a block that changes nothing."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = not mode


class set_grad_enabled:
    """Turn graph building on or off: at once when called (``set_grad_enabled(False)``), back to what it was when
    used as a context manager (``with set_grad_enabled(is_training): ...``) and the block ends, and only inside the
    function when used as a decorator (``@set_grad_enabled(False)``), as PyTorch's."""

    def __init__(self, mode: bool) -> None:
        global enabled
        self.previous = enabled
        self.mode = bool(mode)
        enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        global enabled
        enabled = self.previous

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        global enabled
        enabled = self.previous  # decorating changes nothing outside the function
        mode = self.mode

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return run
