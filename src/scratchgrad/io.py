"""Saving and loading: weights as safetensors with PyTorch's names and layouts, checkpoints, atomic files.

No pickle anywhere: a weights file holds named arrays only; a checkpoint adds JSON metadata (optimizer
hyperparameters, epoch, RNG state, the run's config) in the safetensors header. Every file is written to a
temporary name in the same folder and renamed, so a crash leaves either the old file or the new one, never half.

A weights file from ``save_weights(model, "m.safetensors")`` loads into the equivalent ``torch.nn`` model with
``model.load_state_dict(safetensors.torch.load_file("m.safetensors"))``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import backend


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old content or the new, never a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _safetensors() -> Any:
    try:
        from safetensors import numpy as st
    except ImportError as exc:
        raise ImportError("saving and loading weights needs safetensors: pip install 'scratchgrad[cli]'") from exc
    return st


def _host(array: Any) -> np.ndarray:
    # asarray(order="C"), not ascontiguousarray: the latter turns a 0-d array (num_batches_tracked) into shape (1,)
    return np.asarray(backend.to_numpy(array), order="C")


def save_weights(model_or_state: Any, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Save a Module's state dict (or a dict of arrays) to a ``.safetensors`` file, atomically."""
    state = model_or_state.state_dict() if hasattr(model_or_state, "state_dict") else model_or_state
    arrays = {name: _host(value) for name, value in state.items()}
    atomic_write_bytes(path, _safetensors().save(arrays, metadata=metadata))


def load_weights(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a ``.safetensors`` file into a dict of arrays (names as saved)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    try:
        return _safetensors().load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types for a damaged header
        raise ValueError(f"{path} is not a readable safetensors file: {exc}") from exc


def load_into(model: Any, path: str | os.PathLike, strict: bool = True) -> Any:
    """Load weights from ``path`` into ``model`` with the state dict's key and shape checks; returns the model."""
    model.load_state_dict(load_weights(path), strict=strict)
    return model


# ---- checkpoints --------------------------------------------------------------------------------------------
_TENSOR = "__tensor__"
_INT_KEYS = "__int_keys__"


def _split(tree: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Replace every array in a nested structure by a reference, collecting the arrays (JSON holds the rest)."""
    if isinstance(tree, dict):
        if tree and all(isinstance(k, int) for k in tree):
            return {_INT_KEYS: {str(k): _split(v, f"{prefix}.{k}", arrays) for k, v in tree.items()}}
        return {str(k): _split(v, f"{prefix}.{k}", arrays) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_split(v, f"{prefix}.{i}", arrays) for i, v in enumerate(tree)]
    if isinstance(tree, np.generic):
        return tree.item()
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):  # NumPy or CuPy arrays, Tensors
        arrays[prefix] = _host(tree)
        return {_TENSOR: prefix}
    return tree


def _join(tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(tree, dict):
        if set(tree) == {_TENSOR}:
            return arrays[tree[_TENSOR]]
        if set(tree) == {_INT_KEYS}:
            return {int(k): _join(v, arrays) for k, v in tree[_INT_KEYS].items()}
        return {k: _join(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join(v, arrays) for v in tree]
    return tree


@dataclass
class Checkpoint:
    """What a training run needs to continue exactly where it stopped."""

    model: dict[str, np.ndarray]
    optimizer: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None, **extra: Any) -> None:
    """Save model weights, optimizer state and anything JSON-able (epoch, RNG state, config) in one file."""
    arrays: dict[str, np.ndarray] = {}
    model_state = model.state_dict() if hasattr(model, "state_dict") else model
    tree = {
        "model": _split(dict(model_state), "model", arrays),
        "optimizer": None if optimizer is None else _split(optimizer.state_dict(), "optimizer", arrays),
        "extra": _split(extra, "extra", arrays),
    }
    metadata = {"format": "scratchgrad-checkpoint-1", "tree": json.dumps(tree)}
    atomic_write_bytes(path, _safetensors().save(arrays, metadata=metadata))


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a file written by ``save_checkpoint``."""
    from safetensors import safe_open

    path = Path(path)
    arrays = load_weights(path)
    with safe_open(str(path), "np") as f:
        metadata = f.metadata() or {}
    if metadata.get("format") != "scratchgrad-checkpoint-1":
        raise ValueError(f"{path} is not a scratchgrad checkpoint (it may be a plain weights file)")
    tree = _join(json.loads(metadata["tree"]), arrays)
    return Checkpoint(model=tree["model"], optimizer=tree["optimizer"], extra=tree["extra"])
