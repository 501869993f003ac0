"""Extract a downloaded tar archive into a data folder without ever writing outside it.

What is refused, before anything reaches the destination (each a ``DatasetError`` naming the archive):

- a member that is absolute, contains ``..``, lies outside the expected top folder, or whose name holds a
  backslash, a colon or a drive letter (``..\\..\\evil``, ``C:\\Windows\\evil``, ``\\\\server\\share``: paths
  on Windows, refused on every platform so an archive means the same thing everywhere);
- links, devices and other special members;
- more members, or more bytes in all (sparse members counted at their full size), than the caps allow;
- a destination that is, or holds, a symbolic link (extraction would write through it).

Members are copied as plain files into a fresh staging folder beside the destination, which is then renamed
into place. A destination left by an earlier, interrupted extraction is replaced as a whole; files of its own
that the archive lacks are moved over first, so nothing of the user's is lost.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from .errors import file_error, reading
from .idx import GZIP_ERRORS

_WINDOWS_PATH = re.compile(r"[\\:]|^[A-Za-z]:")
DEFAULT_MAX_BYTES = 1 << 30
DEFAULT_MAX_MEMBERS = 10_000


def _member_parts(member: tarfile.TarInfo, top: str, archive: Path) -> tuple[str, ...]:
    """The path parts of a member that may be extracted, or an error for one that could write elsewhere."""
    if _WINDOWS_PATH.search(member.name) or "\0" in member.name:
        raise file_error(archive, f"refusing to extract {member.name!r}: backslashes, colons and drive letters are "
                                  "not allowed in member names")
    parts = PurePosixPath(member.name).parts
    if member.name.startswith("/") or ".." in parts or not parts or parts[0] != top:
        raise file_error(archive, f"refusing to extract {member.name!r}: every member must lie inside {top}/")
    if not (member.isfile() or member.isdir()):
        raise file_error(archive, f"refusing to extract {member.name!r}: links and special files are not allowed")
    return parts


def refuse_links(destination: Path) -> None:
    """Raise ``DatasetError`` when ``destination`` is, or holds anywhere below it, a symbolic link."""
    if destination.is_symlink():
        raise file_error(destination, "is a symbolic link; refusing to extract through it (remove the link or "
                                      "pass another folder)")
    for folder, dirs, files in os.walk(destination):  # os.walk does not follow links
        for name in dirs + files:
            if (Path(folder) / name).is_symlink():
                raise file_error(Path(folder) / name, f"is a symbolic link inside {destination}; refusing to "
                                                      "extract through it (remove the link first)")


def _copy_members(archive: Path, staging: Path, top: str, max_bytes: int, max_members: int) -> None:
    total = count = 0
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            count += 1
            total += member.size if member.isfile() else 0
            if count > max_members or total > max_bytes:
                raise file_error(archive, f"holds more than {max_members:,} members or {max_bytes:,} bytes "
                                          f"(at member {count:,}, {member.name!r}, {total:,} bytes in all); "
                                          "refusing to extract it")
            path = staging.joinpath(*_member_parts(member, top, archive))
            if member.isdir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(path, "xb") as dst:  # type: ignore[union-attr]
                shutil.copyfileobj(src, dst)


def _move_missing(old: Path, new: Path) -> None:
    """Move the files of ``old`` that ``new`` lacks into ``new`` (``old`` holds no links: checked before)."""
    for path in sorted(old.rglob("*")):
        target = new / path.relative_to(old)
        if path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def extract_tar(archive: str | os.PathLike, folder: str | os.PathLike, top: str, *,
                max_bytes: int = DEFAULT_MAX_BYTES, max_members: int = DEFAULT_MAX_MEMBERS) -> Path:
    """Extract ``archive`` (a ``.tar`` or ``.tar.gz`` whose members all lie under ``top/``) into ``folder/top``.

    Args:
        archive, folder, top: the archive, the folder to extract into, the one top folder every member lies in.
        max_bytes, max_members: caps on the bytes of all members together and on their number.

    Returns: ``folder/top``. Raises: ``DatasetError`` for any member or destination listed in the module
    docstring, before the destination is touched.
    """
    archive, folder = Path(archive), Path(folder)
    final = folder / top
    refuse_links(final)
    with reading(folder):
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=f".{top}.", suffix=".part"))
    try:
        try:
            _copy_members(archive, staging, top, max_bytes, max_members)
        except (tarfile.TarError, *GZIP_ERRORS) as exc:
            raise file_error(archive, f"is not a readable tar archive ({exc})") from exc
        (staging / top).mkdir(exist_ok=True)
        refuse_links(final)  # again: the folder may have changed while the archive was read
        if final.exists():
            _move_missing(final, staging / top)
            os.replace(final, staging / "previous")  # removed with the staging folder below
        os.replace(staging / top, final)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)
