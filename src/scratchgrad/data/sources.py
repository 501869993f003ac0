"""Where dataset files are looked for, in order, and what to say when they are nowhere.

The search order, the same for every dataset:

1. ``root``, when one is passed to the dataset: then it is searched alone;
2. ``$SCRATCHGRAD_DATA``;
3. the user cache, ``~/.cache/scratchgrad`` (``$XDG_CACHE_HOME/scratchgrad`` when that is set);
4. the dataset's own fallbacks: the MNIST copy embedded in this package; Debian's ``dataset-fashion-mnist``
   package under ``/usr/share/datasets/fashion-mnist``;
5. with ``download=True``, the network, into the first of ``root``, ``$SCRATCHGRAD_DATA`` or the cache.

In each of 1-3 the files may sit in the dataset's folder (``<dir>/mnist/``, ``<dir>/fashion-mnist/``,
``<dir>/cifar-10-batches-py/``, ...), in torchvision's (``<dir>/MNIST/raw/``) or directly in ``<dir>``.

A location the user names (``root``, ``$SCRATCHGRAD_DATA``) is used or refused, never silently replaced: one
that does not exist is an error, and so is any folder holding some of a split's files but not all (or one
that is a folder where a file should be): a partial copy is never mixed with another. Files found there are
the user's own and are used as given; files found in the cache or the fallbacks are checked against their
published checksums (``datasets.py``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Sequence

from .errors import DatasetError, file_error, os_error

ENV_VAR = "SCRATCHGRAD_DATA"
EMBEDDED = Path(__file__).resolve().parent / "embedded"
"""The copies that ship inside the package (MNIST), read-only."""


def cache_dir() -> Path:
    """The user cache for datasets: ``$XDG_CACHE_HOME/scratchgrad``, by default ``~/.cache/scratchgrad``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "scratchgrad"


def named_locations(root: str | os.PathLike | None) -> dict[Path, str]:
    """The locations the user named, each with how it was named: ``root`` alone, else ``$SCRATCHGRAD_DATA``."""
    if root is not None:
        return {Path(root).expanduser(): "root= (--data-root)"}
    env = os.environ.get(ENV_VAR)
    return {Path(env).expanduser(): f"${ENV_VAR}"} if env else {}


def user_locations(root: str | os.PathLike | None) -> list[Path]:
    """Steps 1-3 of the search: ``root`` alone when given, else ``$SCRATCHGRAD_DATA`` (when set) and the cache."""
    places = list(named_locations(root))
    return places if root is not None else places + [cache_dir()]


def check_named(root: str | os.PathLike | None) -> None:
    """Raise ``DatasetError`` when a location the user named does not exist or is not a folder."""
    for place, how in named_locations(root).items():
        kind = _kind(place)
        if kind != "folder":
            problem = "does not exist" if kind is None else "is a file, not a folder"
            raise file_error(place, f"{problem}; it is the data folder named by {how}, which is used or refused, "
                                    "never replaced by another copy")


def named_by_user(path: Path, root: str | os.PathLike | None) -> bool:
    """Whether ``path`` lies in a location the user named (its files are then used as given)."""
    return any(place == path.parent or place in path.parents for place in named_locations(root))


def candidate_folders(
    root: str | os.PathLike | None, subfolders: Sequence[str], fallbacks: Sequence[Path] = ()
) -> list[Path]:
    """Every folder that may hold a dataset's files, in search order (see the module docstring)."""
    folders = [place / sub if sub else place for place in user_locations(root) for sub in (*subfolders, "")]
    return folders if root is not None else folders + list(fallbacks)


def download_folder(root: str | os.PathLike | None, subfolder: str = "") -> Path:
    """Where ``download=True`` writes: the first of ``root``, ``$SCRATCHGRAD_DATA`` and the cache."""
    place = user_locations(root)[0]
    return place / subfolder if subfolder else place


def find_files(folders: Sequence[Path], files: Sequence[Sequence[str]]) -> list[Path] | None:
    """The first folder that holds every file, as paths; ``files[i]`` lists names accepted for file i.

    Example: ``find_files(folders, [("train-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte")])`` accepts the
    labels compressed or raw.

    Raises: ``DatasetError`` for a folder holding some of the files but not all, one where a folder stands in
    for a file, or a folder or file that cannot be read (permissions): each names the path.
    """
    for folder in folders:
        found = [next((folder / name for name in names if _kind(folder / name)), None) for names in files]
        present = [path for path in found if path is not None]
        if not present:
            continue
        folders_for_files = [path.name for path in present if _kind(path) != "file"]
        if folders_for_files:
            raise file_error(folder, f"{', '.join(folders_for_files)} is a folder (or a special file); expected a "
                                     "regular file")
        if len(present) < len(found):
            missing = [names[0] for names, path in zip(files, found) if path is None]
            raise file_error(folder, f"holds {', '.join(p.name for p in present)} but not {', '.join(missing)}; "
                                     "a partial copy is refused rather than mixed with another (add the missing "
                                     "files, or remove these)")
        return found  # type: ignore[return-value]
    return None


def _kind(path: Path) -> str | None:
    """"file", "folder", "other", or None where nothing is; a path that cannot be examined is a DatasetError."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise os_error(path, exc) from None
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def locate(dataset: str, files: Sequence[Sequence[str]], folders: Sequence[Path],
           fetch: Callable[[], list[Path] | None] | None, how: str, alone: bool = False) -> list[Path]:
    """``find_files``, then ``fetch()`` (a download) when given; the ``not_found`` error when both come up empty."""
    paths = find_files(folders, files)
    if paths is None and fetch is not None:
        paths = fetch()
    if paths is None:
        raise not_found(dataset, files, folders, how, alone)
    return paths


def not_found(dataset: str, files: Sequence[Sequence[str]], folders: Sequence[Path], how: str,
              alone: bool = False) -> DatasetError:
    """The error for a dataset whose files are in none of ``folders``: what was needed, where, and how to get it."""
    needed = ", ".join(names[0] for names in files)
    searched = "\n".join(f"  {folder}" for folder in folders)
    alone = f"root= is searched alone (without it: ${ENV_VAR}, then {cache_dir()}).\n" if alone else ""
    return DatasetError(
        f"{dataset}: files not found ({needed}). Looked in:\n{searched}\n{alone}{how}\n"
        f"Or copy the files into one of those folders, or point ${ENV_VAR} or root= at a folder that holds them."
    )
