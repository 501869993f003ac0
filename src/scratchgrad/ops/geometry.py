"""Window geometry shared by convolution and pooling: sizes as (height, width) pairs and the output-size formula.

OH = (H + 2P - FH) / S + 1, as in the notes; a size that does not come out whole is an error unless the caller
asks to floor it (PyTorch's rule, which pooling and ResNet's strided convolutions use).
"""

from __future__ import annotations

from typing import Any


def pair(value: Any, name: str = "value") -> tuple[int, int]:
    """An int or a pair of ints as (height, width)."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints (height, width); received {value!r}")


def output_size(name: str, size: int, kernel: int, stride: int, pad: int, axis: str, floor: bool = False) -> int:
    """OH = (H + 2P - FH) / S + 1, refusing sizes that do not divide exactly unless ``floor``."""
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(
            f"{name}: the kernel ({kernel}) is larger than the padded input {axis} ({size} + 2*{pad} = "
            f"{size + 2 * pad}). Use a smaller kernel or more padding."
        )
    if span % stride and not floor:
        sym = "H" if axis == "height" else "W"
        raise ValueError(
            f"{name}: output {axis} ({sym} + 2*padding - kernel) / stride + 1 = ({size} + {2 * pad} - {kernel}) / "
            f"{stride} + 1 = {span / stride + 1:g} is not a whole number. Received input {axis} {sym}={size}, "
            f"kernel={kernel}, padding={pad}, stride={stride}. Change padding or stride so that "
            f"({sym} + 2*padding - kernel) is divisible by stride, or pass floor_mode=True to drop the remainder "
            "as PyTorch does."
        )
    return span // stride + 1
