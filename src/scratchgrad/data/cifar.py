"""CIFAR-10 batch files in both published forms, parsed without ever running code from the file.

Binary form (``cifar-10-batches-bin/data_batch_1.bin``, ...): records of 1 label byte + 3,072 pixel bytes.
Python form (``cifar-10-batches-py/data_batch_1``, ...): a pickled dict ``{b"data": uint8 (N, 3072),
b"labels": [int] * N, b"batch_label": bytes, b"filenames": [bytes] * N}``.

Either way a row of 3,072 bytes is channel-first: 1,024 red, then 1,024 green, then 1,024 blue values, each a
32 x 32 image in row order. So ``rows.reshape(N, 3, 32, 32)`` is (N, C, H, W) and ``.transpose(0, 2, 3, 1)``
makes it channels-last (N, H, W, C).

A pickle can call any importable function while it loads (``os.system`` included), and even NumPy's own
constructors let a file pick the memory an array reads. So python batches are read by ``serialization.safe_loads``,
which builds plain data only, with constructors of our own for the three names a batch refers to: NumPy's
``_reconstruct`` (or ``_frombuffer``) and ``dtype``, accepting only a uint8 array made from a bytes buffer of
exactly its size, and ``_codecs.encode`` for latin-1 (how Python 3 writes bytes at protocol 2). The result must
then have exactly a batch's structure.
"""

from __future__ import annotations

import math
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ..serialization import Buildable, Global, PickleRefused, latin1_encode, safe_loads
from .errors import file_error, read_bytes, reading

PIXELS = 3 * 32 * 32
RECORD_BYTES = 1 + PIXELS
NUM_CLASSES = 10
MAX_RECORDS = 60_000


class _Uint8Dtype(Buildable):
    """``numpy.dtype("u1")`` as a batch pickles it; BUILD must restore exactly uint8's state."""

    built = False

    def build(self, state: Any) -> None:
        if self.built or not (isinstance(state, tuple) and len(state) == 8 and state[0] == 3
                              and state[1] in ("|", b"|") and state[2:] == (None, None, None, -1, -1, 0)):
            raise PickleRefused("a dtype state other than plain uint8's")
        self.built = True


def _dtype(name: Any, align: Any = False, copy: Any = True) -> _Uint8Dtype:
    if name not in ("u1", b"u1") or align not in (False, 0) or copy not in (True, 1):
        raise PickleRefused("a dtype other than uint8 ('u1'); a CIFAR batch holds uint8 pixels only")
    return _Uint8Dtype()


class _Uint8Array(Buildable):
    """An array as ``_reconstruct`` + BUILD or ``_frombuffer`` describe it; only uint8 from a bytes buffer."""

    array: np.ndarray | None = None

    def build(self, state: Any) -> None:
        if self.array is not None or not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1):
            raise PickleRefused("an array state other than (1, shape, dtype, fortran, bytes)")
        _, shape, dtype, fortran, raw = state
        if fortran not in (False, 0):
            raise PickleRefused("a Fortran-ordered array")
        self.array = _uint8_from_buffer(raw, dtype, shape)


def _uint8_from_buffer(raw: Any, dtype: Any, shape: Any) -> np.ndarray:
    if not (isinstance(dtype, _Uint8Dtype) and dtype.built):
        raise PickleRefused("an array whose dtype is not uint8")
    if not (isinstance(shape, tuple) and 1 <= len(shape) <= 2 and all(type(n) is int and n >= 0 for n in shape)):
        raise PickleRefused("an array shape that is not one or two non-negative ints")
    if not isinstance(raw, (bytes, bytearray)):
        raise PickleRefused(f"array data given as {type(raw).__name__}; only a bytes buffer is read")
    if math.prod(shape) != len(raw):
        raise PickleRefused(f"an array of shape {shape} needs {math.prod(shape):,} bytes; the file holds {len(raw):,}")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape).copy()


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> _Uint8Array:
    if cls != Global("numpy", "ndarray") or shape != (0,) or typecode not in (b"b", "b"):
        raise PickleRefused("_reconstruct of anything but an empty numpy.ndarray")
    return _Uint8Array()


def _frombuffer(raw: Any, dtype: Any, shape: Any, order: Any) -> _Uint8Array:
    if order != "C":
        raise PickleRefused("an array in other than C order")
    array = _Uint8Array()
    array.array = _uint8_from_buffer(raw, dtype, shape)
    return array


_ALLOWED = {("numpy", "ndarray"): None, ("numpy", "dtype"): _dtype, ("_codecs", "encode"): latin1_encode}
for _package in ("numpy.core", "numpy._core"):  # files name whichever NumPy wrote them
    _ALLOWED[(f"{_package}.multiarray", "_reconstruct")] = _reconstruct
    _ALLOWED[(f"{_package}.numeric", "_frombuffer")] = _frombuffer
_KEYS = {"data", "labels", "batch_label", "filenames"}


def loads_batch(data: bytes) -> dict[str, Any]:
    """A python batch's dict from its bytes, keys as str: ``{"data": uint8 (N, 3072), "labels": [int] * N, ...}``.

    Raises: ``PickleRefused`` for anything outside a batch's structure, ``pickle.UnpicklingError`` when damaged.
    """
    batch = safe_loads(data, _ALLOWED, what="CIFAR-10 batches")
    if not isinstance(batch, dict):
        raise PickleRefused(f"holds {type(batch).__name__}; expected a dict with b'data' and b'labels'")
    named = {key.decode("latin1") if isinstance(key, bytes) else str(key): value for key, value in batch.items()}
    if not {"data", "labels"} <= named.keys() or named.keys() - _KEYS:
        raise PickleRefused(f"holds keys {sorted(named)}; expected a dict with b'data' and b'labels' "
                            f"(and optionally b'batch_label', b'filenames')")
    rows = named["data"].array if isinstance(named["data"], _Uint8Array) else None
    if rows is None or rows.ndim != 2 or rows.shape[1] != PIXELS:
        described = f"uint8 {rows.shape}" if rows is not None else type(named["data"]).__name__
        raise PickleRefused(f"b'data' is {described}; expected uint8 (N, {PIXELS})")
    named["data"], n = rows, len(rows)
    labels = named["labels"]
    if not isinstance(labels, list) or len(labels) != n or not all(type(v) is int for v in labels):
        raise PickleRefused(f"labels are {type(labels).__name__} of {_length(labels)}; expected {n} integers, "
                            "one per image")
    names = named.get("filenames", [b""] * n)
    if not isinstance(names, list) or len(names) != n or not all(isinstance(v, (bytes, str)) for v in names):
        raise PickleRefused(f"filenames are {type(names).__name__} of {_length(names)}; expected {n} names")
    if not isinstance(named.get("batch_label", b""), (bytes, str)):
        raise PickleRefused("batch_label is not a string")
    return named


def _length(value: Any) -> str:
    return f"{len(value):,} items" if isinstance(value, (list, tuple)) else "no items"


def read_python_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels of a CIFAR-10 python batch (``data_batch_1`` ... ``test_batch``).

    Returns: ``(rows, labels)``: uint8 (N, 3072) channel-first rows and int64 (N,) labels.
    Raises: ``DatasetError`` naming the file when it is not a CIFAR batch, or refers to anything but the
    NumPy and builtin types a batch holds (a pickle that would call ``os.system`` is refused unrun).
    """
    path = Path(path)
    _check_size(path, MAX_RECORDS * (PIXELS + 64))  # pixels plus a label and a file name per image
    raw = read_bytes(path)
    if not raw:
        raise file_error(path, "is empty (0 bytes); expected a pickled CIFAR-10 batch")
    try:
        batch = loads_batch(raw)
    except PickleRefused as exc:
        raise file_error(path, f"is not a safe CIFAR-10 batch: {exc}") from None
    except pickle.UnpicklingError as exc:
        raise file_error(path, f"is not a readable pickle ({exc}); is it truncated?") from None
    labels = batch["labels"]
    if labels and not all(0 <= v < NUM_CLASSES for v in labels):
        raise file_error(path, f"labels range over {min(labels)}..{max(labels)}; expected 0..{NUM_CLASSES - 1}")
    return batch["data"], np.array(labels, dtype=np.int64)


def read_binary_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels of a CIFAR-10 binary batch (``data_batch_1.bin`` ... ``test_batch.bin``).

    Returns: ``(rows, labels)``: uint8 (N, 3072) channel-first rows and int64 (N,) labels.
    Raises: ``DatasetError`` naming the file when it is empty or its size is not a whole number of
    3,073-byte records.
    """
    path = Path(path)
    _check_size(path, MAX_RECORDS * RECORD_BYTES)
    with reading(path):
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


def _check_size(path: Path, limit: int) -> None:
    """Refuse, before reading it, a file larger than a batch of ``MAX_RECORDS`` images can be (sparse ones too)."""
    with reading(path):
        size = os.stat(path).st_size
    if size > limit:
        raise file_error(path, f"is {size:,} bytes; a batch of at most {MAX_RECORDS:,} images (all of CIFAR-10) "
                               f"takes at most {limit:,}")


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
