"""IDX files, the format of MNIST and Fashion-MNIST, gzip-compressed or raw.

An IDX file is a 4-byte magic number, one big-endian uint32 size per dimension, then the values in C order:

    magic 0x00000803 = 2051: uint8, 3 dimensions (N, rows, cols)  -> images
    magic 0x00000801 = 2049: uint8, 1 dimension  (N,)             -> labels

The third byte of the magic names the value type and the fourth the number of dimensions, so the parser reads
any IDX file; ``read_idx_images`` and ``read_idx_labels`` add the check that the file is the kind asked for.
Sizes are checked against the data actually present, never trusted: a plain file's length is compared with
its header before anything is allocated; a ``.gz`` is decompressed in 1 MiB pieces into a buffer that grows only
as data arrives and stops at the size the header claims, so neither a header claiming terabytes nor a gzip bomb
can allocate more than the data present, and never more than ``max_bytes``.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import DatasetError, file_error, os_error

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_KIND = {IMAGES_MAGIC: "an IDX image file", LABELS_MAGIC: "an IDX label file"}

# Type byte of the magic number -> dtype of the values (big-endian on disk).
_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
MAX_BYTES = 1 << 30
MAX_DIMS = 8
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
"""What reading a damaged or cut-short ``.gz`` raises; ``gzip_damaged`` turns it into a ``DatasetError``."""


def gzip_damaged(path: str | os.PathLike, exc: BaseException) -> DatasetError:
    return file_error(path, f"the gzip stream is damaged or cut short ({exc}); delete the file and fetch it again")


def open_maybe_gzip(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for reading, through gzip when its first bytes say it is compressed (whatever its name)."""
    with open(path, "rb") as f:
        compressed = f.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")  # the caller closes it


def _read_claimed(f: BinaryIO, claimed: int) -> bytearray:
    """Up to ``claimed`` bytes from ``f``, in 1 MiB pieces: memory grows with what arrives, not with the claim."""
    data = bytearray()
    while len(data) < claimed:
        chunk = f.read(min(claimed - len(data), 1 << 20))
        if not chunk:
            break
        data += chunk
    return data


def _describe_magic(magic: int) -> str:
    kind = _KIND.get(magic)
    return f"{magic} ({kind})" if kind else f"{magic} (0x{magic:08x})"


def read_idx(path: str | os.PathLike, expected_magic: int | None = None, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or raw), in native byte order.

    Args:
        path: the file.
        expected_magic: 2051 for images, 2049 for labels; any other magic is then an error.
        max_bytes: the largest array accepted (1 GiB by default; MNIST's training images are 47 MB).

    Returns: an array whose shape is the sizes in the header, e.g. (60000, 28, 28) uint8.

    Raises: ``DatasetError`` naming the file when it is empty, unreadable, not gzip though it starts like one,
    of the wrong kind, claims more than ``max_bytes`` or more dimensions than ``MAX_DIMS``, is truncated, or is
    longer than its header says.

    Example::

        images = read_idx("train-images-idx3-ubyte.gz", 2051)   # (60000, 28, 28) uint8
    """
    path = Path(path)
    try:
        with open_maybe_gzip(path) as f:
            return _parse(f, path, expected_magic, max_bytes)
    except GZIP_ERRORS as exc:
        raise gzip_damaged(path, exc) from exc
    except OSError as exc:  # permissions, a folder, an I/O error: one line naming the file
        raise os_error(path, exc) from None


def _parse(f: BinaryIO, path: Path, expected_magic: int | None, max_bytes: int) -> np.ndarray:
    header = f.read(4)
    if not header:
        raise file_error(path, "is empty (0 bytes); expected an IDX file (magic 2051 for images, 2049 for labels)")
    if len(header) < 4:
        raise file_error(path, f"is truncated: {len(header)} bytes, shorter than the 4-byte IDX magic number")
    magic = int.from_bytes(header, "big")
    type_code, ndim = header[2], header[3]
    if expected_magic is not None and magic != expected_magic:
        raise file_error(path, f"magic number is {_describe_magic(magic)}; expected {_describe_magic(expected_magic)}")
    if header[:2] != b"\0\0" or type_code not in _TYPES or ndim == 0:
        raise file_error(path, f"is not an IDX file: magic number {_describe_magic(magic)} (bytes {header.hex()})")
    if ndim > MAX_DIMS:
        raise file_error(path, f"declares {ndim} dimensions; IDX files here have 1 to {MAX_DIMS}")
    size_bytes = f.read(4 * ndim)
    if len(size_bytes) < 4 * ndim:
        raise file_error(path, f"is truncated inside its header: {ndim} sizes need {4 * ndim} bytes after the magic")
    shape = tuple(int(n) for n in np.frombuffer(size_bytes, dtype=">u4"))
    dtype = np.dtype(_TYPES[type_code])
    expected = math.prod(shape) * dtype.itemsize
    claim = f"the header declares {' x '.join(map(str, shape))} values of {dtype.itemsize} byte(s) = {expected:,} bytes"
    if expected > max_bytes:
        raise file_error(path, f"{claim}, more than the {max_bytes:,} bytes accepted; is it an IDX file?")
    if not isinstance(f, gzip.GzipFile):  # a plain file: its length says what is there before anything is read
        _check_length(path, claim, expected, os.fstat(f.fileno()).st_size - 4 - 4 * ndim)
    data = _read_claimed(f, expected)
    _check_length(path, claim, expected, len(data) + len(f.read(1)))  # one byte past the claim tells "longer"
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _check_length(path: Path, claim: str, expected: int, present: int) -> None:
    if present < expected:
        raise file_error(path, f"is truncated: {claim} of data, but only {present:,} follow; delete the file and "
                               "fetch it again")
    if present > expected:
        raise file_error(path, f"has bytes after the {expected:,} bytes of data its header declares; is it IDX?")


def read_idx_images(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Images from an IDX file with magic 2051: uint8 (N, rows, cols), e.g. (60000, 28, 28)."""
    images = read_idx(path, IMAGES_MAGIC, max_bytes)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise file_error(path, f"holds {images.dtype} of shape {images.shape}; expected uint8 (N, rows, cols)")
    return images


def read_idx_labels(path: str | os.PathLike) -> np.ndarray:
    """Labels from an IDX file with magic 2049: uint8 (N,)."""
    labels = read_idx(path, LABELS_MAGIC)
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise file_error(path, f"holds {labels.dtype} of shape {labels.shape}; expected uint8 (N,)")
    return labels


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed when ``compress`` or, by default, when the name ends .gz).

    The inverse of ``read_idx``: handy for making small datasets in the MNIST layout, and for tests.

    Example::

        write_idx("tiny-labels-idx1-ubyte.gz", np.array([3, 1, 4], dtype=np.uint8))   # magic 2049
    """
    path = Path(path)
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes or array.ndim == 0:
        raise DatasetError(f"write_idx: cannot store {array.dtype} of shape {array.shape}; IDX holds 1-D or larger "
                           f"arrays of uint8, int8, int16, int32, float32 or float64")
    header = bytes([0, 0, codes[native], array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    body = np.ascontiguousarray(array, dtype=native.newbyteorder(">")).tobytes()
    compress = path.suffix == ".gz" if compress is None else compress
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(header + body)
    return path
