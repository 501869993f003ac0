"""The random generators scratchgrad draws from, one per kind of device, all reset by ``manual_seed``.

Initialisation, dropout and shuffling draw from ``rng()``, the generator of the default device (NumPy's on the
CPU, CuPy's under ``SCRATCHGRAD_BACKEND=cupy``). ``manual_seed`` also seeds Python's ``random`` and NumPy's legacy
global generator, so code written in the notes' style (``np.random.randn``) repeats with the same call.
"""

from __future__ import annotations

import random as _py_random
from types import ModuleType
from typing import Any

import numpy as np

_generators: dict[str, Any] = {"cpu": np.random.default_rng()}
_seed: int | None = None


def generator(kind: str, xp: ModuleType = np) -> Any:
    """The generator for device kind ``"cpu"`` or ``"cuda"`` (made from ``xp`` on first use, with the last seed)."""
    if kind not in _generators:
        _generators[kind] = xp.random.default_rng(_seed)
    return _generators[kind]


def manual_seed(seed: int, cuda: ModuleType | None = None) -> None:
    """Seed every generator (the GPU's too when ``cuda``, CuPy, is loaded), Python's and NumPy's global ones."""
    global _seed
    _seed = seed
    _generators.clear()
    _generators["cpu"] = np.random.default_rng(seed)
    if cuda is not None:
        _generators["cuda"] = cuda.random.default_rng(seed)
    np.random.seed(seed % 2**32)
    _py_random.seed(seed)
