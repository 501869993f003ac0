"""Devices, decided per array: a tensor is on the CPU when its array is NumPy's, on a GPU when it is CuPy's.

``device("cpu" | "cuda" | "cuda:1")`` names one, ``move`` copies an array to one, and ``check_same`` is the
rule that the tensors of one operation share a device, which ``Function.__call__`` applies before any work
(only once CuPy is loaded: before that every array is NumPy's and there is nothing to check).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend

_TYPES = ("cpu", "cuda")


class device:  # noqa: N801  (PyTorch's name for it)
    """Where a tensor's memory is: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``,
    ``device("cuda", 1)``. Compares equal to its string (``"cuda:1"``)."""

    __slots__ = ("type", "index")

    def __init__(self, name: Any, index: int | None = None):
        if isinstance(name, device):
            name, index = name.type, name.index if index is None else index
        text = str(name)
        kind, _, number = text.partition(":")
        if kind not in _TYPES or (number and not number.isdigit()) or (number and index is not None):
            raise RuntimeError(f"unknown device {text!r}; expected 'cpu', 'cuda' or 'cuda:N' (N a GPU's number)")
        self.type = kind
        self.index = int(number) if number else index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def of_array(array: Any) -> device:
    """The device an array lives on."""
    if backend._cupy is not None and isinstance(array, backend._cupy.ndarray):
        return device("cuda", array.device.id)
    return CPU


def default() -> device:
    """Where new tensors go when no device is named: cuda under ``SCRATCHGRAD_BACKEND=cupy``, else the CPU."""
    return CPU if backend.xp is np else device("cuda", 0)


def cuda_module() -> Any:
    """CuPy with a visible GPU, or a RuntimeError saying which of the two is missing and what to do."""
    cupy = backend.load_cupy()
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CuPy without a driver raises its own CUDA error type
        count = 0
    if count == 0:
        raise RuntimeError(
            "CuPy is installed but sees no GPU: run on a machine with an NVIDIA GPU and its driver "
            "(nvidia-smi lists it), or keep the tensors on 'cpu'"
        )
    return cupy


def move(array: Any, to: Any) -> Any:
    """``array`` on device ``to`` (itself when it is there already)."""
    to = device(to) if to is not None else default()
    here = of_array(array)
    if here == to or (to.type == "cuda" and to.index is None and here.type == "cuda"):
        return array
    if to.type == "cpu":
        return array.get()
    cupy = cuda_module()
    with cupy.cuda.Device(to.index or 0):
        return cupy.asarray(array)


def check(name: Any) -> device:
    """``name`` as a device, refusing unknown names and CUDA where CuPy or a GPU is missing."""
    d = device(name) if name is not None else default()
    if d.type == "cuda":
        cuda_module()
    return d


def check_same(fn_name: str, arrays: Any) -> None:
    """Refuse an operation whose tensors are on different devices, naming both and the fix."""
    kinds = (np.ndarray, backend._cupy.ndarray) if backend._cupy is not None else np.ndarray
    found = {of_array(a) for a in arrays if isinstance(a, kinds)}
    if len(found) > 1:
        first, second = sorted(found, key=str)[:2]
        raise RuntimeError(
            f"{fn_name}: expected all tensors on the same device, but found at least two devices, {first} and "
            f"{second}. Move them to one first, e.g. x.to('{first}')."
        )
