"""Fetch a dataset file safely: mirrors in order, a timeout, a progress bar, verify, then an atomic rename.

Nothing half-written ever carries the final name: each attempt writes ``.<name>.<random>.part`` in the target
folder, checks the byte count against ``Content-Length`` and the checksum against the published one, and only
then renames the file into place (``os.replace`` is atomic within a folder). A failed attempt deletes its part
file and the next mirror is tried; when every mirror fails, the error lists each URL with its reason and says
where to put the file by hand. Only ``urllib`` is used; tqdm draws the bar when it is installed.

Bounds: a download brings at most the file's published size (``RemoteFile.size``), whatever the server
announces or sends; the whole call has a deadline besides the per-read timeout; the part file is deleted on
any error and on SIGTERM (then the handler that was installed before acts as it would have).

Checksums: the bytes served are checked against the published md5 / sha256 of the archive. Where a ``.gz`` was
re-compressed (as the MNIST copies embedded here and in ``shared/data`` were), the archive hash cannot match,
so ``content_sha256`` - the sha256 of the decompressed bytes - is checked instead.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Sequence

from .errors import DatasetError, file_error, reading
from .idx import GZIP_ERRORS, gzip_damaged, open_maybe_gzip

DEFAULT_TIMEOUT = 30.0
DEFAULT_DEADLINE = 3600.0
DEFAULT_MAX_BYTES = 2 << 30
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """A file as the mirrors serve it, and what it must hash to.

    Attributes:
        name: the file name, appended to each mirror's base URL.
        md5, sha256: the published checksum of the bytes served (the ``.gz`` or ``.tar.gz`` itself).
        content_sha256: sha256 of the decompressed bytes, which survives re-compression of the ``.gz``.
        copies: sha256 of known re-compressed copies (the one embedded here), recognised without decompressing.
        size: the published size in bytes, the most a download of it may bring (None: ``DEFAULT_MAX_BYTES``).
    """

    name: str
    md5: str | None = None
    sha256: str | None = None
    content_sha256: str | None = None
    copies: tuple[str, ...] = ()
    size: int | None = None


def _hash_stream(f: BinaryIO, *algorithms: str) -> dict[str, str]:
    hashers = {name: hashlib.new(name) for name in algorithms}
    while chunk := f.read(_CHUNK):
        for h in hashers.values():
            h.update(chunk)
    return {name: h.hexdigest() for name, h in hashers.items()}


def hash_file(path: str | os.PathLike, *algorithms: str) -> dict[str, str]:
    """Hex digests of the bytes of ``path`` as stored, in one pass: ``{"md5": ..., "sha256": ...}``."""
    with reading(path), open(path, "rb") as f:
        return _hash_stream(f, *algorithms)



def content_sha256(path: str | os.PathLike) -> str:
    """sha256 of the decompressed bytes of a ``.gz`` file (of the bytes themselves when it is not gzip).

    Example: ``content_sha256("train-labels-idx1-ubyte.gz")`` is ``"65a50cbb...01c5"`` for MNIST, however the
    file was compressed.
    """
    try:
        with open_maybe_gzip(path) as f:
            return _hash_stream(f, "sha256")["sha256"]
    except GZIP_ERRORS as exc:
        raise gzip_damaged(path, exc) from exc


def checksum_problem(path: str | os.PathLike, remote: RemoteFile, served: dict[str, str] | None = None) -> str | None:
    """What is wrong with ``path``'s checksum, naming the expected and the received hash; None when it matches.

    ``served`` holds digests already computed while downloading (``{"md5": ..., "sha256": ...}``), so the bytes
    are not read twice. The stored bytes are tried first (the published archive, a known copy, or the file
    uncompressed); only then is a ``.gz`` decompressed for ``content_sha256``. A file with no published
    checksum passes (its parser still checks its structure).
    """
    served = dict(served) if served is not None else hash_file(path, "sha256")
    if served["sha256"] in (remote.sha256, remote.content_sha256, *remote.copies):
        return None
    if remote.md5 is not None:
        served["md5"] = served.get("md5") or hash_file(path, "md5")["md5"]  # a second pass only on this path
        if served["md5"] == remote.md5:
            return None
    if remote.content_sha256 is not None:
        what, expected = "sha256 of the decompressed content", remote.content_sha256
        try:
            actual = content_sha256(path)
        except DatasetError:
            return (f"checksum mismatch: {what} expected {expected}, but the file is not valid gzip "
                    f"(sha256 of the bytes received {served['sha256']})")
        if actual == expected:
            return None
    elif remote.sha256 is not None or remote.md5 is not None:
        what = "sha256" if remote.sha256 is not None else "md5"
        expected, actual = getattr(remote, what), served[what]
    else:
        return None
    return f"checksum mismatch: {what} expected {expected}, received {actual}"


_VERDICTS: dict[tuple[str, int, int, RemoteFile], str | None] = {}


def verify(path: str | os.PathLike, remote: RemoteFile) -> None:
    """Raise ``DatasetError`` naming the file and both hashes unless it matches a published checksum.

    The verdict is kept for the process, keyed by the file's path, size and modification time, so a file is
    hashed when it is first used (22 ms for MNIST's training images) and never again unless it changes.
    """
    with reading(path):
        stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns, remote)
    if key not in _VERDICTS:
        _VERDICTS[key] = checksum_problem(path, remote)
    if _VERDICTS[key] is not None:
        raise file_error(path, f"{_VERDICTS[key]}. It is not the published file: delete it (download=True fetches "
                               "it again), or pass its folder as root= to use it as your own data")


class _Progress:
    """tqdm's bar when tqdm is installed; otherwise one line on stderr, rewritten at most twice a second."""

    def __init__(self, total: int | None, label: str):
        self.total, self.label, self.done, self._last = total, label, 0, 0.0
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self._bar: Any = None
        else:
            self._bar = tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif time.monotonic() - self._last > 0.5:
            self._last = time.monotonic()
            self._line()

    def _line(self, end: str = "") -> None:
        of = f" of {self.total / 1e6:.1f} MB" if self.total else ""
        print(f"\rdownloading {self.label}: {self.done / 1e6:.1f} MB{of}", end=end, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            self._line(end="\n")


class _DeadlinePassed(TimeoutError):
    """The whole download took longer than its deadline (as opposed to one read timing out)."""


def _fetch(url: str, out: BinaryIO, timeout: float, progress: bool, max_bytes: int,
           deadline: tuple[float, float]) -> dict[str, str]:
    """Stream ``url`` into ``out``; returns the md5 and sha256 of what arrived.

    Raises on a short read, on more than ``max_bytes`` announced or sent, and once ``deadline`` (seconds allowed,
    monotonic time by which to finish) has passed: ``read1`` returns whatever one receive brings, so a server
    that sends a byte at a time is caught between two of them.
    """
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"only http:// and https:// mirrors are supported, not {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": "scratchgrad"})
    hashers = {"md5": hashlib.md5(), "sha256": hashlib.sha256()}
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length is not None and length.isdigit() else None
        if total is not None and total > max_bytes:
            raise ValueError(f"the server announces {total:,} bytes; this file has at most {max_bytes:,}")
        bar = _Progress(total, url.rsplit("/", 1)[-1]) if progress else None
        received = 0
        try:
            while chunk := response.read1(_CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise ValueError(f"the server sent more than the {max_bytes:,} bytes this file has")
                if time.monotonic() > deadline[1]:
                    raise _DeadlinePassed(f"not finished within the {deadline[0]:g} s deadline "
                                          f"({received:,} bytes received)")
                out.write(chunk)
                for h in hashers.values():
                    h.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    # http.client returns a short body without complaint when the server closes early; count it ourselves.
    if total is not None and received != total:
        raise ConnectionError(f"the connection closed after {received:,} of {total:,} bytes (truncated download)")
    if received == 0:
        raise ConnectionError("the server sent an empty body")
    return {name: h.hexdigest() for name, h in hashers.items()}


@contextmanager
def _removed_on_sigterm(path: str) -> Iterator[None]:
    """Delete ``path`` if SIGTERM arrives inside the block, then let the handler that was there act as before.

    Only the main thread may set handlers, and an ignored SIGTERM stays ignored: there the block runs as is.
    """
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or previous == signal.SIG_IGN:
        yield
        return

    def on_sigterm(signum: int, frame: Any) -> None:
        Path(path).unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, previous)
        if callable(previous):
            previous(signum, frame)
        else:  # the default action: die of the signal, as without us
            os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, previous)


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, _DeadlinePassed):
        return str(exc)
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return f"no answer within the {timeout:g} s timeout"
    if isinstance(exc, urllib.error.URLError):
        return f"could not connect ({exc.reason})"
    return str(exc) or type(exc).__name__


def download(
    remote: RemoteFile,
    mirrors: Sequence[str],
    folder: str | os.PathLike,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
    progress: bool = True,
) -> Path:
    """Download ``remote`` into ``folder`` from the first mirror that serves it intact; returns its path.

    Args:
        remote: the file name and its published checksums.
        mirrors: base URLs tried in order; the URL of the file is ``mirror + remote.name``.
        folder: where the file ends up (created if needed).
        timeout: seconds to wait for a connection or for each read before trying the next mirror.
        deadline: seconds the whole call may take, every mirror included.
        progress: draw a progress bar on stderr.

    A download brings at most ``remote.size`` bytes (``DEFAULT_MAX_BYTES`` when unknown); its part file is
    deleted on any error and on SIGTERM.

    Raises: ``DatasetError`` listing every URL tried and why it failed, and how to place the file by hand.

    Example::

        download(RemoteFile("t10k-labels-idx1-ubyte.gz", content_sha256="ff7bcfd4..."), MNIST.mirrors, "~/data")
    """
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.name
    failures = []
    limits = (remote.size or DEFAULT_MAX_BYTES, (deadline, time.monotonic() + deadline))
    for mirror in mirrors:
        url = mirror + remote.name
        fd, part = tempfile.mkstemp(dir=folder, prefix=f".{remote.name}.", suffix=".part")
        try:
            with _removed_on_sigterm(part):
                with os.fdopen(fd, "wb") as out:
                    served = _fetch(url, out, timeout, progress, *limits)
                problem = checksum_problem(part, remote, served)
                if problem is None:
                    os.replace(part, target)
                    return target
            failures.append(f"  {url}: {problem}; the downloaded file was deleted")
        except (OSError, ValueError, http.client.HTTPException) as exc:  # HTTP errors, timeouts, short reads
            failures.append(f"  {url}: {_reason(exc, timeout)}")
        finally:
            Path(part).unlink(missing_ok=True)  # a no-op after the rename; on any failure, no half file remains
    tried = "\n".join(failures) if failures else "  (no mirrors were given)"
    raise DatasetError(
        f"could not download {remote.name}; tried:\n{tried}\n"
        f"To place it by hand, fetch {remote.name} from any of those URLs (or copy it from another machine) and "
        f"save it as {target}"
    )
