"""Padding layers under PyTorch's names: each is F.pad with its mode and widths fixed when built.

Widths are PyTorch's: an int pads every side of the last 1, 2 or 3 axes by it; a tuple lists (left, right) of the
last axis first, then (top, bottom), then (front, back). Negative widths crop, as in F.pad.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..ops.pad import torch_pad
from .checks import real
from .module import Module


class _PadNd(Module):
    """F.pad(x, padding, mode) over the last ``dims`` axes; subclasses set ``mode`` and ``dims``."""

    mode = "constant"
    dims = 2

    def __init__(self, padding: int | tuple[int, ...]):
        super().__init__()
        self.padding = self._widths(padding)

    def _widths(self, padding: Any) -> tuple[int, ...]:
        count = 2 * self.dims
        if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
            return (int(padding),) * count
        if isinstance(padding, (tuple, list)) and len(padding) == count and all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in padding
        ):
            return tuple(int(p) for p in padding)
        raise ValueError(
            f"{type(self).__name__}: padding must be an int or {count} ints (left, right"
            f"{', top, bottom' if self.dims > 1 else ''}{', front, back' if self.dims > 2 else ''}); "
            f"received {padding!r}"
        )

    def forward(self, x: Any) -> Tensor:
        return torch_pad(x, self.padding, mode=self.mode, value=getattr(self, "value", None))

    def extra_repr(self) -> str:
        return str(self.padding)


_AXES = {
    1: ("W", "left, right"),
    2: ("H, W", "left, right, top, bottom"),
    3: ("D, H, W", "left, right, top, bottom, front, back"),
}


def _documented(cls: type[_PadNd]) -> type[_PadNd]:
    """Append the Args, Shape and Example sections every nn layer documents, worked out from ``dims``."""
    axes, sides = _AXES[cls.dims]
    value = "\n        value: the number the border is filled with." if cls.__name__.startswith("Constant") else ""
    args = "(2, 1.5)" if value else "(2)"
    shape = (3, 5, 6, 7)[: cls.dims + 1]
    before, after = ", ".join(map(str, shape)), ", ".join(str(n + 4 if i else n) for i, n in enumerate(shape))
    cls.__doc__ = f"""{cls.__doc__.strip()}

    Args:
        padding: an int for every side, or {2 * cls.dims} ints ({sides}); negative widths crop.{value}

    Shape: (N, C, {axes}) or (C, {axes}) -> the same with each padded axis longer by its two widths.
    Example: {cls.__name__}{args}(x) with x of shape (8, {before}) has shape (8, {after}).
    """
    return cls


@_documented
class ConstantPad2d(_PadNd):
    """Pad the last two axes with ``value``."""

    def __init__(self, padding: int | tuple[int, ...], value: float):
        super().__init__(padding)
        self.value = real(type(self).__name__, "value", value, lambda v: True, "")

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


@_documented
class ConstantPad1d(ConstantPad2d):
    """Pad the last axis with ``value``."""

    dims = 1


@_documented
class ConstantPad3d(ConstantPad2d):
    """Pad the last three axes with ``value``."""

    dims = 3


@_documented
class ZeroPad2d(_PadNd):
    """Pad the last two axes with zeros."""


@_documented
class ZeroPad1d(ZeroPad2d):
    """Pad the last axis with zeros."""

    dims = 1


@_documented
class ZeroPad3d(ZeroPad2d):
    """Pad the last three axes with zeros."""

    dims = 3


@_documented
class ReflectionPad2d(_PadNd):
    """Mirror the last two axes about their edges (2 1 | 0 1 2 3 | 2 1); each width must be < its axis."""

    mode = "reflect"


@_documented
class ReflectionPad1d(ReflectionPad2d):
    """Mirror the last axis about its edges."""

    dims = 1


@_documented
class ReflectionPad3d(ReflectionPad2d):
    """Mirror the last three axes about their edges."""

    dims = 3


@_documented
class ReplicationPad2d(_PadNd):
    """Repeat the edge of the last two axes (0 0 | 0 1 2 3 | 3 3)."""

    mode = "replicate"


@_documented
class ReplicationPad1d(ReplicationPad2d):
    """Repeat the edge of the last axis."""

    dims = 1


@_documented
class ReplicationPad3d(ReplicationPad2d):
    """Repeat the edge of the last three axes."""

    dims = 3


@_documented
class CircularPad2d(_PadNd):
    """Wrap the last two axes around (2 3 | 0 1 2 3 | 0 1); each width must be <= its axis."""

    mode = "circular"


@_documented
class CircularPad1d(CircularPad2d):
    """Wrap the last axis around."""

    dims = 1


@_documented
class CircularPad3d(CircularPad2d):
    """Wrap the last three axes around."""

    dims = 3
