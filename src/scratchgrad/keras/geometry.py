"""Window arguments of the image layers (Conv2D, the pooling layers): pairs, padding modes, output sizes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Layer, Shape, show


def pair(layer: Layer, argument: str, value: Any) -> tuple[int, int]:
    """An int or a pair of positive ints as (height, width), refused in Keras's terms otherwise."""
    if isinstance(value, (int, np.integer)):
        value = (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and v > 0 for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(
        f'Layer "{layer.name}": the `{argument}` argument must be a positive int or a tuple of 2 positive ints; '
        f"received {argument}={value!r}"
    )


def padding_mode(layer: Layer, value: Any) -> str:
    if isinstance(value, str) and value.lower() in ("valid", "same"):
        return value.lower()
    raise ValueError(
        f'Layer "{layer.name}": the `padding` argument must be "valid" or "same"; received padding={value!r}'
    )


def check_channels_last(layer: Layer, data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f'Layer "{layer.name}": only data_format="channels_last" (N, H, W, C) is supported; received '
            f"data_format={data_format!r}. Transpose channels-first images with x.transpose(0, 2, 3, 1)."
        )


def window_geometry(
    layer: Layer, argument: str, shape: Shape, kernel: tuple[int, int], strides: tuple[int, int], padding: str
) -> tuple[tuple[int, int], tuple[int, int, int, int]]:
    """Output (height, width) of a sliding window, and the padding (top, bottom, left, right) it needs.

    "valid": out = floor((size - k) / stride) + 1, no padding, and a window larger than the input is an error.
    "same" (Keras's and TensorFlow's rule): out = ceil(size / stride); total padding = max((out - 1) * stride + k
    - size, 0), split with the odd one at the bottom / right.
    """
    outs: list[int] = []
    pads: list[int] = []
    for size, k, s, axis in zip(shape[:2], kernel, strides, ("height", "width")):
        if padding == "same":
            out = -(-size // s)
            total = max((out - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        else:
            if k > size:
                raise ValueError(
                    f'Layer "{layer.name}": {argument}={kernel} is larger than its input (input shape '
                    f'{show((None, *shape))}, {axis} {size}) with padding="valid". Expected {argument} <= '
                    f'{shape[:2]}; use a smaller {argument} or padding="same".'
                )
            out = (size - k) // s + 1
            pads += [0, 0]
        outs.append(out)
    return (outs[0], outs[1]), (pads[0], pads[1], pads[2], pads[3])
