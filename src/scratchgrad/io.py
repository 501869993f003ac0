"""Saving and loading: weights as safetensors with PyTorch's names and layouts, checkpoints, atomic files.

No pickle anywhere: a weights file holds named arrays only; a checkpoint adds JSON metadata (optimizer
hyperparameters, epoch, RNG state, the run's config) in the safetensors header. Every file is written to a
temporary name in the same folder and renamed, so a crash leaves either the old file or the new one, never half;
new files get the permissions the umask allows, as ``open`` would give them. Every weights file and checkpoint
records the SHA-256 of its tensor data in its metadata (``sha256``), checked on every load; files written before
the digest existed load without the check.

A weights file from ``save_weights(model, "m.safetensors")`` loads into the equivalent ``torch.nn`` model with
``model.load_state_dict(safetensors.torch.load_file("m.safetensors"))``.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import backend

TMP_SUFFIX = ".tmp"  # of the temporary files atomic writes rename into place


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old content or the new, never a partial file.

    An ``OSError`` (a full disk, a read-only folder) names ``path``, not the temporary file.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600 whatever the umask
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def _umask() -> int:
    # Reading the umask means setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the ``.NAME.XXXX.tmp`` files that writes interrupted by a crash left in ``folder``; returns them.

    Call it only while no other process writes to ``folder`` (a run folder's lock held).
    """
    stale = [p for p in Path(folder).glob(f".*{TMP_SUFFIX}") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


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


def _serialize(arrays: dict[str, np.ndarray], metadata: dict[str, str] | None) -> bytes:
    """The safetensors bytes of ``arrays`` with the SHA-256 of their data section added to the metadata."""
    st = _safetensors()
    # The data section does not depend on the metadata, so a first pass gives its digest.
    digest = _data_digest(st.save(arrays, metadata=metadata))
    return st.save(arrays, metadata={**(metadata or {}), DIGEST_KEY: digest})


DIGEST_KEY = "sha256"
_MAX_HEADER = 100 * 2**20  # safetensors' own limit on the JSON header


def _data_digest(blob: bytes | memoryview) -> str:
    (header_size,) = struct.unpack("<Q", blob[:8])
    return hashlib.sha256(blob[8 + header_size :]).hexdigest()


def read_header(path: str | os.PathLike) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """The tensor shapes and the metadata of a ``.safetensors`` file, reading only its header.

    Lets a caller check shapes before allocating anything for them.
    """
    path = Path(path)
    with open(path, "rb") as f:
        return _parse_header(f.read(8), f.read, path.stat().st_size, path)


def _parse_header(
    first8: bytes, read: Callable[[int], bytes], file_size: int, path: Path
) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """Shapes and metadata from the 8-byte header length, then ``read(length)`` bytes of JSON."""
    try:
        size = struct.unpack("<Q", first8)[0] if len(first8) == 8 else -1
        if not 0 < size <= min(_MAX_HEADER, file_size - 8):
            raise ValueError(f"header size {size} does not fit a file of {file_size} bytes")
        header = json.loads(read(size))
        metadata = header.pop("__metadata__", None) or {}
        shapes = {name: tuple(int(n) for n in entry["shape"]) for name, entry in header.items()}
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ValueError(f"{path} is not a readable safetensors file: {exc}") from exc
    return shapes, metadata


def save_weights(model_or_state: Any, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Save a Module's state dict (or a dict of arrays) to a ``.safetensors`` file, atomically."""
    state = model_or_state.state_dict() if hasattr(model_or_state, "state_dict") else model_or_state
    arrays = {name: _host(value) for name, value in state.items()}
    atomic_write_bytes(path, _serialize(arrays, metadata))


def _read_verified(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Arrays and metadata of ``path``, after checking the recorded digest of its data (when there is one)."""
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    blob = path.read_bytes()
    _, metadata = _parse_header(blob[:8], lambda n: blob[8 : 8 + n], len(blob), path)  # the bytes checked below
    expected = metadata.get(DIGEST_KEY)
    if expected is not None and _data_digest(blob) != expected:
        raise ValueError(
            f"{path} is damaged: the SHA-256 of its tensor data is {_data_digest(blob)}, its header records "
            f"{expected}. Restore the file from a copy or train again."
        )
    try:
        return _safetensors().load(blob), metadata
    except Exception as exc:  # safetensors raises its own error types for a damaged file
        raise ValueError(f"{path} is not a readable safetensors file: {exc}") from exc


def load_weights(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a ``.safetensors`` file into a dict of arrays (names as saved), checking its digest."""
    return _read_verified(Path(path))[0]


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
    metadata = {"format": CHECKPOINT_FORMAT, "tree": json.dumps(tree)}
    atomic_write_bytes(path, _serialize(arrays, metadata))


CHECKPOINT_FORMAT = "scratchgrad-checkpoint-1"


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a file written by ``save_checkpoint``; a damaged or foreign file raises one ``ValueError`` naming it."""
    path = Path(path)
    arrays, metadata = _read_verified(path)
    if metadata.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a scratchgrad checkpoint (it may be a plain weights file)")
    if "tree" not in metadata:
        raise ValueError(f"{path} is a damaged checkpoint: its metadata has no 'tree' (the layout of its contents)")
    try:
        tree = _join(json.loads(metadata["tree"]), arrays)
        return Checkpoint(model=tree["model"], optimizer=tree["optimizer"], extra=tree["extra"])
    except RecursionError:
        raise ValueError(f"{path} is a damaged checkpoint: its 'tree' metadata is nested too deeply") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{path} is a damaged checkpoint: its 'tree' does not fit its tensors ({exc!r})") from exc
