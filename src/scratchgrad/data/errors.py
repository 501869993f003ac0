"""The one error type for dataset files that are missing, malformed or fail their checksum."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator


class DatasetError(ValueError):
    """A dataset file is missing, malformed, or does not match its published checksum.

    The message always names the file (or the URLs tried) and says what was wrong and what was expected, e.g.::

        DatasetError: /data/mnist/train-labels-idx1-ubyte.gz: magic number is 2051 (an IDX image file);
        expected 2049 (an IDX label file).
    """


def file_error(path: str | os.PathLike, problem: str) -> DatasetError:
    """``DatasetError("<path>: <problem>")``, so every message starts with the file it is about."""
    return DatasetError(f"{os.fspath(path)}: {problem}")


def os_error(path: str | os.PathLike, exc: OSError) -> DatasetError:
    """A ``DatasetError`` naming ``path`` for an operating-system error met while reading it."""
    if isinstance(exc, PermissionError):
        return file_error(path, "cannot be read: permission denied (check the permissions of the file and its folders)")
    if isinstance(exc, IsADirectoryError):
        return file_error(path, "is a folder; expected a file")
    return file_error(path, f"could not be read: {exc.strerror or exc} (errno {exc.errno})")


@contextmanager
def reading(path: str | os.PathLike) -> Iterator[None]:
    """Turn any ``OSError`` raised inside the block into ``os_error(path, ...)``: one line naming the file."""
    try:
        yield
    except OSError as exc:
        raise os_error(path, exc) from None


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of ``path``; an unreadable file is a ``DatasetError`` naming it."""
    with reading(path), open(path, "rb") as f:
        return f.read()
