"""CIFAR-10 batch files in both published forms, parsed without ever running code from the file.

Binary form (``cifar-10-batches-bin/data_batch_1.bin``, ...): records of 1 label byte + 3,072 pixel bytes.
Python form (``cifar-10-batches-py/data_batch_1``, ...): a pickled dict ``{b"data": uint8 (N, 3072),
b"labels": [int] * N, b"batch_label": bytes, b"filenames": [bytes] * N}``.

Either way a row of 3,072 bytes is channel-first: 1,024 red, then 1,024 green, then 1,024 blue values, each a
32 x 32 image in row order. So ``rows.reshape(N, 3, 32, 32)`` is (N, C, H, W) and ``.transpose(0, 2, 3, 1)``
makes it channels-last (N, H, W, C).

A pickle can call any importable function while it loads (``os.system`` included), so the python batches are
read with ``RestrictedUnpickler``, which resolves only the handful of names a CIFAR batch refers to: NumPy's
array and dtype reconstruction, and ``_codecs.encode`` for latin-1 (how Python 3 writes bytes at protocol 2).
"""

from __future__ import annotations

import codecs
import importlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from .errors import file_error

PIXELS = 3 * 32 * 32
RECORD_BYTES = 1 + PIXELS
NUM_CLASSES = 10


def _numpy_attr(name: str, *modules: str) -> Any:
    """``modules[i].name`` from the first of ``modules`` that imports (NumPy 2 moved numpy.core to numpy._core)."""
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"none of {modules} provides {name}")


class _Refused(pickle.UnpicklingError):
    """A pickle asked for something outside the allowed names (as opposed to being merely damaged)."""


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    # Python 3 pickles bytes at protocol <= 2 as _codecs.encode(str, "latin1"); nothing else is let through.
    if encoding not in ("latin1", "latin-1"):
        raise _Refused(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return codecs.encode(text, "latin1")


def _allowed_globals() -> dict[tuple[str, str], Any]:
    reconstruct = _numpy_attr("_reconstruct", "numpy._core.multiarray", "numpy.core.multiarray")
    frombuffer = _numpy_attr("_frombuffer", "numpy._core.numeric", "numpy.core.numeric")
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype, ("_codecs", "encode"): _latin1_encode}
    for package in ("numpy.core", "numpy._core"):  # files name whichever NumPy wrote them
        allowed[(f"{package}.multiarray", "_reconstruct")] = reconstruct
        allowed[(f"{package}.numeric", "_frombuffer")] = frombuffer
    return allowed


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts, lists, bytes, str, ints and NumPy arrays, and refuses every other global.

    Example::

        with open("data_batch_1", "rb") as f:
            batch = RestrictedUnpickler(f, encoding="bytes").load()
    """

    _allowed: dict[tuple[str, str], Any] | None = None

    def find_class(self, module: str, name: str) -> Any:
        if RestrictedUnpickler._allowed is None:
            RestrictedUnpickler._allowed = _allowed_globals()
        try:
            return RestrictedUnpickler._allowed[(module, name)]
        except KeyError:
            raise _Refused(
                f"refusing to load {module}.{name}: a CIFAR batch only needs dicts, lists, bytes, ints and NumPy "
                "arrays, and loading anything else could run code"
            ) from None


def restricted_loads(data: bytes) -> Any:
    """``pickle.loads`` through ``RestrictedUnpickler``, with Python 2 strings read as bytes (as CIFAR needs)."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


def _get(batch: dict, key: str) -> Any:
    # Batches written by Python 2 have bytes keys; ones re-pickled by Python 3 may have str keys.
    return batch[key.encode()] if key.encode() in batch else batch.get(key)


def read_python_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels of a CIFAR-10 python batch (``data_batch_1`` ... ``test_batch``).

    Returns: ``(rows, labels)``: uint8 (N, 3072) channel-first rows and int64 (N,) labels.
    Raises: ``DatasetError`` naming the file when it is not a CIFAR batch, or refers to anything but the
    NumPy and builtin types a batch holds (a pickle that would call ``os.system`` is refused unrun).
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw:
        raise file_error(path, "is empty (0 bytes); expected a pickled CIFAR-10 batch")
    try:
        batch = restricted_loads(raw)
    except _Refused as exc:
        raise file_error(path, f"is not a safe CIFAR-10 batch: {exc}") from exc
    except Exception as exc:  # a damaged pickle can fail in many ways; all mean the same thing here
        raise file_error(path, f"is not a readable pickle ({type(exc).__name__}: {exc}); is it truncated?") from exc
    if not isinstance(batch, dict) or _get(batch, "data") is None or _get(batch, "labels") is None:
        found = sorted(map(str, batch)) if isinstance(batch, dict) else type(batch).__name__
        raise file_error(path, f"holds {found}; expected a dict with b'data' and b'labels'")
    rows, labels = _get(batch, "data"), np.asarray(_get(batch, "labels"))
    if not isinstance(rows, np.ndarray) or rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != PIXELS:
        described = f"{rows.dtype} {rows.shape}" if isinstance(rows, np.ndarray) else type(rows).__name__
        raise file_error(path, f"b'data' is {described}; expected uint8 (N, {PIXELS})")
    return rows, _check_labels(path, labels, len(rows))


def read_binary_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels of a CIFAR-10 binary batch (``data_batch_1.bin`` ... ``test_batch.bin``).

    Returns: ``(rows, labels)``: uint8 (N, 3072) channel-first rows and int64 (N,) labels.
    Raises: ``DatasetError`` naming the file when it is empty or its size is not a whole number of
    3,073-byte records.
    """
    path = Path(path)
    records = np.fromfile(path, dtype=np.uint8)
    if records.size == 0:
        raise file_error(path, f"is empty (0 bytes); expected records of {RECORD_BYTES} bytes (1 label + {PIXELS})")
    if records.size % RECORD_BYTES:
        raise file_error(
            path,
            f"is {records.size:,} bytes, not a whole number of {RECORD_BYTES}-byte records "
            f"({records.size // RECORD_BYTES:,} records and {records.size % RECORD_BYTES} bytes over): truncated?",
        )
    records = records.reshape(-1, RECORD_BYTES)
    return records[:, 1:], _check_labels(path, records[:, 0], len(records))


def _check_labels(path: Path, labels: np.ndarray, n: int) -> np.ndarray:
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise file_error(path, f"labels are {labels.dtype} {labels.shape}; expected {n} integers, one per image")
    if n and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise file_error(path, f"labels range over {labels.min()}..{labels.max()}; expected 0..{NUM_CLASSES - 1}")
    return labels.astype(np.int64)


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Either form, told apart by name: ``*.bin`` is the binary form, anything else the python form."""
    return read_binary_batch(path) if str(path).endswith(".bin") else read_python_batch(path)


def rows_to_images(rows: np.ndarray, channels_last: bool = False) -> np.ndarray:
    """(N, 3072) channel-first rows -> (N, 3, 32, 32), or (N, 32, 32, 3) with ``channels_last`` (a view).

    Example: pixel (row 0, col 1) of the green channel is ``rows[i, 1024 + 1]``, which lands at
    ``images[i, 1, 0, 1]`` channel-first and ``images[i, 0, 1, 1]`` channels-last.
    """
    images = rows.reshape(len(rows), 3, 32, 32)
    return images.transpose(0, 2, 3, 1) if channels_last else images
