"""``repr`` of a Tensor as PyTorch writes it: ``tensor([[1., 2.]], requires_grad=True)``.

One width for every element; floats whose values are all whole print as ``1.``, others with ``precision``
decimals, and in scientific notation when the magnitudes span more than 1000x (or pass 1e8, or fall under 1e-4).
Tensors over ``threshold`` elements show ``edgeitems`` at each end of every axis around ``...``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {
    "default": _DEFAULTS,
    "short": {**_DEFAULTS, "precision": 2, "edgeitems": 2},
    "full": {**_DEFAULTS, "threshold": math.inf},
}
_options = dict(_DEFAULTS)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print (PyTorch's options): decimals, the element count that triggers ``...``, the
    elements shown at each end, the line width, a profile (``default``, ``short``, ``full``), forced
    scientific notation (True/False; None decides from the values)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}; received {profile!r}")
        _options.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    _options.update({k: v for k, v in given.items() if v is not None})
    _options["sci_mode"] = sci_mode


class _Formatter:
    """Decides, from every element that will be shown, one notation and one width."""

    def __init__(self, shown: np.ndarray):
        self.floating = shown.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max((len(str(v)) for v in shown.ravel().tolist()), default=1)
            return
        finite = shown[np.isfinite(shown) & (shown != 0)].astype(np.float64)
        if finite.size:
            big, small = np.abs(finite).max(), np.abs(finite).min()
            self.int_mode = bool((finite == np.ceil(finite)).all())
            self.sci_mode = big / small > 1000.0 or big > 1.0e8 or (not self.int_mode and small < 1.0e-4)
            self.width = max(len(self._plain(v)) for v in finite.tolist())
        if _options["sci_mode"] is not None:
            self.sci_mode = _options["sci_mode"]

    def _plain(self, value: float) -> str:
        if self.sci_mode:
            return f"{value:.{_options['precision']}e}"
        if self.int_mode:
            return f"{value:.0f}."
        return f"{value:.{_options['precision']}f}"

    def format(self, value: Any) -> str:
        text = str(value) if not self.floating else self._plain(value)
        if self.floating and self.int_mode and not self.sci_mode and not math.isfinite(value):
            text = text[:-1]  # nan and inf get no trailing point
        return text.rjust(self.width)


def _summarized(array: np.ndarray, edge: int) -> np.ndarray:
    """The elements that will be shown: ``edge`` at each end of every axis longer than 2 * edge."""
    for axis, n in enumerate(array.shape):
        if n > 2 * edge:
            keep = np.r_[0:edge, n - edge : n]
            array = np.take(array, keep, axis=axis)
    return array


def _rows(array: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    edge = _options["edgeitems"]
    cut = summarize and array.shape[0] > 2 * edge
    if array.ndim == 1:
        items = array.tolist()
        cells = [fmt.format(v) for v in items[:edge]] + [" ..."] + [fmt.format(v) for v in items[-edge:]] if cut else [
            fmt.format(v) for v in items
        ]
        per_line = max(1, (_options["linewidth"] - indent) // (fmt.width + 2))
        lines = [", ".join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    index = [*range(edge), None, *range(len(array) - edge, len(array))] if cut else range(len(array))
    parts = ["..." if i is None else _rows(array[i], indent + 1, summarize, fmt) for i in index]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body(array: np.ndarray, indent: int) -> str:
    if array.dtype == np.float16:
        array = array.astype(np.float32)
    summarize = array.size > _options["threshold"]
    fmt = _Formatter(_summarized(array, _options["edgeitems"]) if summarize else array)
    if array.ndim == 0:
        return fmt.format(array.item())
    return _rows(array, indent, summarize, fmt)


def tensor_repr(t: Any, prefix: str = "tensor(") -> str:
    """PyTorch's repr of ``t``: the values, then dtype (when not implied), ``grad_fn`` or ``requires_grad``."""
    array = backend.to_numpy(t.data)
    indent = len(prefix)
    implied = array.dtype in (backend.get_default_dtype(), np.int64, np.bool_)
    suffixes = [] if t.device.type == "cpu" else [f"device='{t.device}'"]
    if array.size == 0:
        body = "[]"
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype != backend.get_default_dtype():
            suffixes.append(f"dtype={t.dtype!r}")
    else:
        body = _body(array, indent)
        if not implied:
            suffixes.append(f"dtype={t.dtype!r}")
    if t.creator is not None:
        suffixes.append(f"grad_fn=<{t.creator.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + _suffixes(prefix + body, suffixes, indent)


def _suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``, suffix`` on the last line while it fits the line width, else on a new line."""
    out, last = [], len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _options["linewidth"]:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out) + ")"
