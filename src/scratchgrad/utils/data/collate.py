"""``default_collate``: a list of samples -> one batch, with PyTorch's rules for each kind of element.

Tensors and NumPy arrays are stacked along a new first dimension; Python ints become an int64 tensor, floats a
float64 tensor (as in PyTorch), strings stay a list; dicts, tuples and lists are collated field by field, so a
batch of ``(image, label)`` pairs becomes ``[images (B, ...), labels (B,)]``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ... import backend
from ...tensor import Tensor


def _wrap(array: np.ndarray) -> Tensor:
    return Tensor(backend.as_array(array))


def _stack(batch: list, arrays: list) -> Tensor:
    """Stack same-shaped arrays; a mismatch names the first sample's shape and the first one that differs."""
    first = np.shape(arrays[0])
    for i, a in enumerate(arrays):
        if np.shape(a) != first:
            raise RuntimeError(
                f"default_collate: every {type(batch[0]).__name__} in a batch must have the same shape to be "
                f"stacked; sample 0 has shape {tuple(first)} but sample {i} has shape {tuple(np.shape(a))}. "
                "Resize the samples to one shape (a transform) or pass a collate_fn that pads them"
            )
    return _wrap(np.stack(arrays))


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch.

    Args:
        batch: B samples of the same structure (e.g. B ``(image, label)`` tuples).

    Returns: the same structure with each leaf batched: Tensors/arrays (B, ...) stacked, numbers as a (B,)
    tensor (int64 or float64), strings as a list; tuples come back as lists, as in PyTorch.

    Example: ``default_collate([(np.zeros(3), 1), (np.ones(3), 2)])`` is ``[tensor (2, 3), tensor([1, 2])]``.
    """
    if not batch:
        raise ValueError("default_collate: received an empty batch; expected at least one sample")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch, [backend.to_numpy(s.data) if isinstance(s, Tensor) else np.asarray(s) for s in batch])
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "OSUV":
        return _stack(batch, [np.asarray(s) for s in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return _wrap(np.asarray(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return _wrap(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return _wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        sizes = {len(sample) for sample in batch}
        if len(sizes) != 1:
            raise RuntimeError(f"default_collate: each sample in a batch must have the same number of fields; "
                               f"received samples of {sorted(sizes)} fields")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(
        "default_collate: a batch must contain tensors, numpy arrays, numbers, dicts or lists; found "
        f"{type(elem).__module__}.{type(elem).__name__} (a PIL image needs a transform such as ToTensor first)"
    )
