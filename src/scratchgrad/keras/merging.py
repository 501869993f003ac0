"""Keras's merge layers: several tensors of one shape in, one out (``layers.Add()([a, b])``, ``layers.add``).

Each is a thin face over one engine op: ``+``, ``-``, ``*``, ``maximum``/``minimum`` and ``ops.concat``. Inside a
model 4-D tensors are channels-first, so Concatenate's Keras axis is mapped to the internal one here.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from .. import ops
from ..autograd import Tensor
from ..ops.pointwise import maximum as _maximum
from ..ops.pointwise import minimum as _minimum
from .base import Layer, Shape, show


class _Merge(Layer):
    """Base of the merge layers: checks that it gets a list of tensors of one shape; output has that shape."""

    min_inputs = 2
    max_inputs: int | None = None

    def _build_for(self, shapes: Any) -> Any:
        if not isinstance(shapes, list):
            raise ValueError(
                f'A merge layer ("{self.name}", {type(self).__name__}) should be called on a list of inputs. '
                f"Received: one input of shape {show((None, *shapes))}"
            )
        count = f"exactly {self.max_inputs}" if self.max_inputs else f"at least {self.min_inputs}"
        if len(shapes) < self.min_inputs or (self.max_inputs and len(shapes) > self.max_inputs):
            raise ValueError(
                f'A merge layer ("{self.name}", {type(self).__name__}) should be called on a list of {count} '
                f"inputs. Received {len(shapes)} inputs."
            )
        shapes = [tuple(s) for s in shapes]
        out = self._merged_shape(shapes)
        if self.built and shapes != self._in:
            raise ValueError(
                f'Layer "{self.name}" was built for inputs {[show((None, *s)) for s in self._in]}; received '
                f"{[show((None, *s)) for s in shapes]}"
            )
        self._in, self._out = shapes, out  # type: ignore[assignment]
        return out

    def _merged_shape(self, shapes: list[Shape]) -> Shape:
        if any(s != shapes[0] for s in shapes):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): inputs must have the same shape. Received shapes '
                f"{', '.join(show((None, *s)) for s in shapes)}"
            )
        return shapes[0]

    @property
    def input_shape(self) -> Any:
        return [(None, *s) for s in self._in] if self._in is not None else super().input_shape  # type: ignore

    def _forward(self, xs: Any, logits: bool = False) -> Tensor:
        return self._merge(list(xs))

    def _merge(self, xs: list[Tensor]) -> Tensor:
        raise NotImplementedError


class Add(_Merge):
    """Elementwise sum of a list of tensors of one shape. Example: Add()([x, shortcut]) -> x + shortcut."""

    def _merge(self, xs: list[Tensor]) -> Tensor:
        return reduce(lambda a, b: a + b, xs)


class Subtract(_Merge):
    """The first of two tensors minus the second. Example: Subtract()([a, b]) -> a - b."""

    max_inputs = 2

    def _merge(self, xs: list[Tensor]) -> Tensor:
        return xs[0] - xs[1]


class Multiply(_Merge):
    """Elementwise product of a list of tensors of one shape."""

    def _merge(self, xs: list[Tensor]) -> Tensor:
        return reduce(lambda a, b: a * b, xs)


class Average(_Merge):
    """Elementwise mean of a list of tensors of one shape: (x1 + ... + xn) / n."""

    def _merge(self, xs: list[Tensor]) -> Tensor:
        return reduce(lambda a, b: a + b, xs) * (1.0 / len(xs))


class Maximum(_Merge):
    """Elementwise maximum of a list of tensors of one shape."""

    def _merge(self, xs: list[Tensor]) -> Tensor:
        return reduce(_maximum, xs)


class Minimum(_Merge):
    """Elementwise minimum of a list of tensors of one shape."""

    def _merge(self, xs: list[Tensor]) -> Tensor:
        return reduce(_minimum, xs)


class Concatenate(_Merge):
    """Join a list of tensors along ``axis`` (Keras's axis, channels-last; -1 by default).

    Shapes: every input has the same shape except along ``axis``; the output's ``axis`` is the sum.
    Example: Concatenate()([(None, 8, 8, 3), (None, 8, 8, 5)]) -> (None, 8, 8, 8).
    """

    min_inputs = 1

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis

    def _sample_axis(self, rank: int) -> int:
        """``axis`` as an index into one sample's shape (batch axis excluded)."""
        axis = self.axis + rank + 1 if self.axis < 0 else self.axis
        if not 1 <= axis <= rank:
            raise ValueError(
                f'Layer "{self.name}" (Concatenate): axis={self.axis} is out of range for inputs of rank {rank + 1}'
            )
        return axis - 1

    def _merged_shape(self, shapes: list[Shape]) -> Shape:
        axis = self._sample_axis(len(shapes[0]))
        rest = [s[:axis] + s[axis + 1 :] for s in shapes]
        if any(len(s) != len(shapes[0]) for s in shapes) or any(r != rest[0] for r in rest):
            raise ValueError(
                f'A `Concatenate` layer ("{self.name}") requires inputs with matching shapes except for the concat '
                f"axis. Received: input_shape={[show((None, *s)) for s in shapes]}"
            )
        out = list(shapes[0])
        sizes = [s[axis] for s in shapes]
        out[axis] = None if None in sizes else sum(sizes)  # one unknown size makes the sum unknown
        return tuple(out)

    def _merge(self, xs: list[Tensor]) -> Tensor:
        axis = self._sample_axis(xs[0].ndim - 1) + 1
        if xs[0].ndim == 4:  # the internal layout is (N, C, H, W): Keras's axes 1, 2, 3 are 2, 3, 1 here
            axis = {1: 2, 2: 3, 3: 1}[axis]
        return ops.shape.concat(xs, axis) if len(xs) > 1 else xs[0]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def _functional(cls: type) -> Any:
    def merge(inputs: list[Any], **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"``{cls.__name__}(**kwargs)(inputs)``: the functional form of ``layers.{cls.__name__}``."
    return merge


add, subtract, multiply = _functional(Add), _functional(Subtract), _functional(Multiply)
average, maximum, minimum = _functional(Average), _functional(Maximum), _functional(Minimum)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis=axis, **kwargs)(inputs)``: the functional form of ``layers.Concatenate``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
