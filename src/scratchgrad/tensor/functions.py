"""PyTorch's module-level tensor functions: ``torch.cat``, ``torch.where``, ``torch.sum(t, dim=1)``, ...

Those that join several tensors are calls into ``ops/``; the rest are the Tensor method of the same name, so
``torch.f(t, *args)`` and ``t.f(*args)`` are one implementation.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..ops import pointwise as _pw
from ..ops import shape as _shape
from . import Tensor
from .creation import tensor


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Tensors joined along an existing ``dim``; every other dim must agree.

    As in PyTorch, an empty 1-D tensor (shape (0,)) is left out whatever the others' shapes, so a loop may start
    from ``torch.tensor([])`` and ``cat`` batches onto it.
    """
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    kept = [t for t in tensors if not (isinstance(t, Tensor) and tuple(t.shape) == (0,))]
    if not kept or len(kept) == len(tensors):
        return _shape.concat(tensors, dim)
    return _shape.concat(kept, dim)


concat = concatenate = cat


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Same-shaped tensors joined along a new ``dim``."""
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    return _shape.stack(tensors, dim)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002  (PyTorch's argument name)
    """``input`` where ``condition`` holds, else ``other`` (broadcast together)."""
    return _pw.where(condition.data if isinstance(condition, Tensor) else condition, input, other)


def _method(name: str) -> Callable[..., Any]:
    """``torch.name(input, *args, **kwargs)`` as ``input.name(*args, **kwargs)`` (a number becomes a tensor)."""

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return getattr(input if isinstance(input, Tensor) else tensor(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(t, ...)`` is ``t.{name}(...)``: see ``Tensor.{name}``."
    return function


_METHODS = (
    "abs add all any argmax argmin chunk clamp clip clone cumsum div dot eq exp expand_as flatten floor floor_divide "
    "ge gt le "
    "log log_softmax logical_and logical_not logical_or logical_xor lt matmul max maximum mean min minimum mm bmm "
    "mul narrow ne neg norm numel outer permute pow prod relu reshape round rsqrt sigmoid sign softmax split sqrt "
    "squeeze std sub sum t tanh transpose unbind unsqueeze var"
).split()
globals().update({name: _method(name) for name in _METHODS})

__all__ = ["cat", "concat", "concatenate", "stack", "where", *_METHODS]
