"""What ``Module.load_state_dict`` reports and checks: the keys it could not match, non-finite loaded values."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` did not match: keys the module has and the file lacks, and the reverse."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _array(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _warn_non_finite(owner: str, state: dict[str, Any]) -> None:
    """Warn, naming the keys, when loaded floats hold NaN or inf: such a model outputs NaN, but a file may hold
    them on purpose (a diverged run kept for study), so this is a warning, not a refusal."""
    bad = []
    for key, value in state.items():
        array = backend.to_numpy(_array(value))
        if np.asarray(array).dtype.kind in "fc" and not np.isfinite(array).all():
            bad.append(key)
    if bad:
        warnings.warn(f"load_state_dict for {owner}: non-finite values (NaN or inf) in {bad}; the model will "
                      "compute NaN from them", RuntimeWarning, stacklevel=3)
