"""The one error type for dataset files that are missing, malformed or fail their checksum."""

from __future__ import annotations

import os


class DatasetError(ValueError):
    """A dataset file is missing, malformed, or does not match its published checksum.

    The message always names the file (or the URLs tried) and says what was wrong and what was expected, e.g.::

        DatasetError: /data/mnist/train-labels-idx1-ubyte.gz: magic number is 2051 (an IDX image file);
        expected 2049 (an IDX label file).
    """


def file_error(path: str | os.PathLike, problem: str) -> DatasetError:
    """``DatasetError("<path>: <problem>")``, so every message starts with the file it is about."""
    return DatasetError(f"{os.fspath(path)}: {problem}")
