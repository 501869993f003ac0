"""Keras's reshaping layers: ZeroPadding2D, Cropping2D, UpSampling2D, Permute, RepeatVector, Identity.

Each is one engine op or a short composition of them (pad, slicing, broadcast_to, transpose, reshape), so their
gradients are the ops' own. Image layers take (batch, H, W, C) and work on the internal (N, C, H, W).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Tensor
from ..ops.pad import pad
from ..ops.shape import broadcast_to
from .base import Layer, Shape, show, to_internal, to_user
from .geometry import check_channels_last


def _sides(layer: Layer, argument: str, value: Any) -> tuple[int, int, int, int]:
    """Keras's 2-D padding / cropping argument as (top, bottom, left, right): an int, a pair, or two pairs."""
    if isinstance(value, int):
        value = ((value, value), (value, value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        value = ((value[0], value[0]), (value[1], value[1]))
    try:
        (top, bottom), (left, right) = value
        sides = tuple(int(v) for v in (top, bottom, left, right))
    except (TypeError, ValueError):
        sides = ()
    if len(sides) != 4 or min(sides) < 0:
        raise ValueError(
            f'Layer "{layer.name}": `{argument}` must be an int, a pair (rows, cols) or ((top, bottom), (left, '
            f"right)) of non-negative ints; received {argument}={value!r}"
        )
    return sides  # type: ignore[return-value]


class _Image(Layer):
    ndim = 4
    rank_hint = "it takes images (batch, height, width, channels)"

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        check_channels_last(self, data_format)


class ZeroPadding2D(_Image):
    """Zeros around each image: ``padding`` rows above and below, columns left and right.

    Example: ZeroPadding2D(((1, 2), (3, 4))) turns (None, 5, 5, 3) into (None, 8, 12, 3).
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format, **kwargs)
        self.padding = _sides(self, "padding", padding)

    def _output_shape(self, shape: Shape) -> Shape:
        top, bottom, left, right = self.padding
        return shape[0] + top + bottom, shape[1] + left + right, shape[2]

    def _call(self, x: Tensor) -> Tensor:
        return pad(x, self.padding)


class Cropping2D(_Image):
    """Cut ``cropping`` rows off the top and bottom and columns off the left and right of each image.

    Example: Cropping2D(((1, 1), (2, 0))) turns (None, 6, 6, 3) into (None, 4, 4, 3).
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format, **kwargs)
        self.cropping = _sides(self, "cropping", cropping)

    def _output_shape(self, shape: Shape) -> Shape:
        top, bottom, left, right = self.cropping
        h, w = shape[0] - top - bottom, shape[1] - left - right
        if h <= 0 or w <= 0:
            raise ValueError(
                f'Layer "{self.name}": cropping={self.cropping} (top, bottom, left, right) leaves nothing of an '
                f"input of shape {show((None, *shape))}"
            )
        return h, w, shape[2]

    def _call(self, x: Tensor) -> Tensor:
        top, bottom, left, right = self.cropping
        return x[:, :, top : x.shape[2] - bottom, left : x.shape[3] - right]


class UpSampling2D(_Image):
    """Repeat each row ``size[0]`` times and each column ``size[1]`` times (nearest-neighbour upsampling).

    Example: UpSampling2D(2) turns (None, 4, 4, 3) into (None, 8, 8, 3).
    """

    def __init__(self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any):
        super().__init__(data_format, **kwargs)
        from .geometry import pair

        self.size = pair(self, "size", size)
        if interpolation != "nearest":
            raise ValueError(f'Layer "{self.name}": only interpolation="nearest" is supported; received '
                             f"{interpolation!r}")
        self.interpolation = interpolation

    def _output_shape(self, shape: Shape) -> Shape:
        return shape[0] * self.size[0], shape[1] * self.size[1], shape[2]

    def _call(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        (sh, sw) = self.size
        # Each pixel broadcast over an (sh, sw) block: the gradient of broadcast_to sums the block back.
        blocks = broadcast_to(x.reshape(n, c, h, 1, w, 1), (n, c, h, sh, w, sw))
        return blocks.reshape(n, c, h * sh, w * sw)


class Permute(Layer):
    """Reorder the axes of each sample: ``dims`` is a permutation of 1..rank (the batch axis stays first).

    Example: Permute((2, 1)) turns (None, 10, 64) into (None, 64, 10).
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f'Layer "{self.name}": `dims` must be a permutation of 1..{len(self.dims)} (the '
                             f"batch axis 0 excluded); received dims={dims!r}")

    def _output_shape(self, shape: Shape) -> Shape:
        if len(shape) != len(self.dims):
            raise ValueError(f'Layer "{self.name}": dims={self.dims} needs inputs of rank {len(self.dims) + 1}; '
                             f"received shape {show((None, *shape))}")
        return tuple(shape[d - 1] for d in self.dims)

    def _call(self, x: Tensor) -> Tensor:
        return to_internal(to_user(x).transpose(0, *self.dims))


class RepeatVector(Layer):
    """Repeat a (batch, features) input ``n`` times: (batch, n, features). Example: RepeatVector(3)."""

    ndim = 2

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.n = int(n)

    def _output_shape(self, shape: Shape) -> Shape:
        return self.n, shape[0]

    def _call(self, x: Tensor) -> Tensor:
        return broadcast_to(x.reshape(x.shape[0], 1, x.shape[1]), (x.shape[0], self.n, x.shape[1]))


class Identity(Layer):
    """Its input, unchanged: a placeholder in a model."""

    open_sizes = True


class Lambda(Layer):
    """A function of the input made a layer: ``Lambda(lambda x: x * 2)``, in code only.

    The function receives and returns channels-last Tensors. A model with a Lambda layer saves to a ``.keras``
    file only as far as its config: the function is code, and ``load_model`` never runs code from a file.
    """

    def __init__(self, function: Any, output_shape: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f'Layer "{self.name}": `function` must be callable; received {function!r}')
        self.function = function
        self._given_output_shape = None if output_shape is None else tuple(output_shape)

    def _output_shape(self, shape: Shape) -> Shape:
        if self._given_output_shape is not None:
            return self._given_output_shape
        import numpy as np

        from .. import backend
        from ..autograd import no_grad

        with no_grad():
            return tuple(self.function(Tensor(np.zeros((1, *shape), dtype=backend.get_default_dtype()))).shape[1:])

    def _call(self, x: Tensor) -> Tensor:
        return to_internal(self.function(to_user(x)))
