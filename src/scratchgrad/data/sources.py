"""Where dataset files are looked for, in order, and what to say when they are nowhere.

The search order, the same for every dataset:

1. ``root``, when one is passed to the dataset;
2. ``$SCRATCHGRAD_DATA``;
3. the user cache, ``~/.cache/scratchgrad`` (``$XDG_CACHE_HOME/scratchgrad`` when that is set);
4. the dataset's own fallbacks: the MNIST copy embedded in this package; Debian's ``dataset-fashion-mnist``
   package under ``/usr/share/datasets/fashion-mnist``;
5. with ``download=True``, the network, into the first of ``root``, ``$SCRATCHGRAD_DATA`` or the cache.

In each of 1-3 the files may sit in the dataset's folder (``<dir>/mnist/``, ``<dir>/fashion-mnist/``,
``<dir>/cifar-10-batches-py/``, ...), in torchvision's (``<dir>/MNIST/raw/``) or directly in ``<dir>``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from .errors import DatasetError

ENV_VAR = "SCRATCHGRAD_DATA"
EMBEDDED = Path(__file__).resolve().parent / "embedded"
"""The copies that ship inside the package (MNIST), read-only."""


def cache_dir() -> Path:
    """The user cache for datasets: ``$XDG_CACHE_HOME/scratchgrad``, by default ``~/.cache/scratchgrad``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "scratchgrad"


def user_locations(root: str | os.PathLike | None) -> list[Path]:
    """Steps 1-3 of the search: ``root``, ``$SCRATCHGRAD_DATA``, the cache (those that are set)."""
    env = os.environ.get(ENV_VAR)
    places = [Path(root).expanduser()] if root is not None else []
    places += [Path(env).expanduser()] if env else []
    return places + [cache_dir()]


def candidate_folders(
    root: str | os.PathLike | None, subfolders: Sequence[str], fallbacks: Sequence[Path] = ()
) -> list[Path]:
    """Every folder that may hold a dataset's files, in search order (see the module docstring)."""
    folders = [place / sub if sub else place for place in user_locations(root) for sub in (*subfolders, "")]
    return folders + list(fallbacks)


def download_folder(root: str | os.PathLike | None, subfolder: str = "") -> Path:
    """Where ``download=True`` writes: the first of ``root``, ``$SCRATCHGRAD_DATA`` and the cache."""
    place = user_locations(root)[0]
    return place / subfolder if subfolder else place


def find_files(folders: Sequence[Path], files: Sequence[Sequence[str]]) -> list[Path] | None:
    """The first folder that holds every file, as paths; ``files[i]`` lists names accepted for file i.

    Example: ``find_files(folders, [("train-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte")])`` accepts the
    labels compressed or raw.
    """
    for folder in folders:
        found = [next((folder / name for name in names if (folder / name).is_file()), None) for names in files]
        if all(path is not None for path in found):
            return found  # type: ignore[return-value]
    return None


def locate(dataset: str, files: Sequence[Sequence[str]], folders: Sequence[Path],
           fetch: Callable[[], list[Path] | None] | None, how: str) -> list[Path]:
    """``find_files``, then ``fetch()`` (a download) when given; the ``not_found`` error when both come up empty."""
    paths = find_files(folders, files)
    if paths is None and fetch is not None:
        paths = fetch()
    if paths is None:
        raise not_found(dataset, files, folders, how)
    return paths


def not_found(dataset: str, files: Sequence[Sequence[str]], folders: Sequence[Path], how: str) -> DatasetError:
    """The error for a dataset whose files are in none of ``folders``: what was needed, where, and how to get it."""
    needed = ", ".join(names[0] for names in files)
    searched = "\n".join(f"  {folder}" for folder in folders)
    return DatasetError(
        f"{dataset}: files not found ({needed}). Looked in:\n{searched}\n{how}\n"
        f"Or copy the files into one of those folders, or point ${ENV_VAR} or root= at a folder that holds them."
    )
