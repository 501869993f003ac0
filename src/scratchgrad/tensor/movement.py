"""Shape and indexing on Tensor: reshape, view, flatten, transpose, ``.T``, ``t[index]``; one line into ``ops/``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import autograd
from ..autograd import array_of
from ..ops import shape as _shape
from .core import sizes

if TYPE_CHECKING:
    from . import Tensor


class MovementMixin:
    """Ops that move elements without arithmetic."""

    __slots__ = ()
    data: Any
    requires_grad: bool

    @property
    def T(self) -> Tensor:
        return _shape.transpose(self)

    def reshape(self, *shape: Any) -> Tensor:
        return _shape.reshape(self, sizes(shape))

    def view(self, *shape: Any) -> Tensor:
        return _shape.reshape(self, sizes(shape))

    def flatten(self, start_dim: int = 0) -> Tensor:
        return _shape.flatten(self, start_dim)

    def transpose(self, *axes: Any) -> Tensor:
        return _shape.transpose(self, tuple(sizes(axes)) or None)

    def __getitem__(self, index: Any) -> Tensor:
        return _shape.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "do it under sg.no_grad() (e.g. to initialise a parameter) or build a new tensor instead"
            )
        self.data[index] = array_of(value)
