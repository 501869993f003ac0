"""Files and a server for the data tests: synthetic IDX and CIFAR-10 files in the published layouts, and a
local HTTP server bound to 127.0.0.1 (no test touches the network)."""

from __future__ import annotations

import http.server
import io
import tarfile
import threading
from pathlib import Path

import numpy as np


# ---- synthetic IDX and CIFAR files ---------------------------------------------------------------------------
def tiny_images(n: int, seed: int = 0, shape=(28, 28)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


class _Global:
    def __init__(self, module: str, name: str):
        self.line = f"{module}\n{name}\n".encode()


class _Reduce:
    def __init__(self, func: _Global, args: tuple, state: tuple | None = None):
        self.func, self.args, self.state = func, args, state


def py2_pickle(obj) -> bytes:
    """``obj`` pickled as Python 2's cPickle wrote the CIFAR-10 python batches: protocol 2, strings as BINSTRING,
    arrays through numpy.core.multiarray._reconstruct. Python 3 cannot write this layout itself."""
    out = bytearray(b"\x80\x02")

    def emit(o) -> None:
        if isinstance(o, np.ndarray):
            dtype = _Reduce(_Global("numpy", "dtype"), (b"u1", 0, 1), (3, b"|", None, None, None, -1, -1, 0))
            array_state = (1, o.shape, dtype, False, o.tobytes())
            emit(_Reduce(_Global("numpy.core.multiarray", "_reconstruct"), (_Global("numpy", "ndarray"), (0,), b"b"),
                         array_state))
        elif isinstance(o, _Reduce):
            emit(o.func), emit(o.args)
            out.extend(b"R")
            if o.state is not None:
                emit(o.state)
                out.extend(b"b")
        elif isinstance(o, _Global):
            out.extend(b"c" + o.line)
        elif isinstance(o, dict):
            out.extend(b"}(")
            for key, value in o.items():
                emit(key), emit(value)
            out.extend(b"u")
        elif isinstance(o, list):
            out.extend(b"](")
            for value in o:
                emit(value)
            out.extend(b"e")
        elif isinstance(o, tuple):
            out.extend(b"(")
            for value in o:
                emit(value)
            out.extend(b"t")
        elif o is None:
            out.extend(b"N")
        elif o is False:
            out.extend(b"\x89")
        elif isinstance(o, int):
            out.extend(b"K" + bytes([o]) if 0 <= o < 256 else b"J" + o.to_bytes(4, "little", signed=True))
        elif isinstance(o, bytes):
            out.extend((b"U" + bytes([len(o)]) if len(o) < 256 else b"T" + len(o).to_bytes(4, "little")) + o)
        else:
            raise TypeError(type(o))

    emit(obj)
    return bytes(out + b".")


def cifar_rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), rng.integers(0, 10, size=n)


def write_cifar(root: Path, form: str, n: int = 7) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """All six CIFAR-10 batch files in the published layout of ``form`` ("python" or "binary"), ``n`` records
    each (10,000 in the real files), under root/cifar-10-batches-{py,bin}/. Returns name -> (rows, labels)."""
    folder = root / ("cifar-10-batches-py" if form == "python" else "cifar-10-batches-bin")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for i, stem in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        rows, labels = cifar_rows(n, seed=i)
        if form == "python":
            batch = {b"batch_label": f"{stem} of 6".encode(), b"labels": labels.tolist(), b"data": rows,
                     b"filenames": [f"img_{j}.png".encode() for j in range(n)]}
            (folder / stem).write_bytes(py2_pickle(batch))
        else:
            records = np.concatenate([labels.astype(np.uint8)[:, None], rows], axis=1)
            (folder / f"{stem}.bin").write_bytes(records.tobytes())
        written[stem] = (rows, labels)
    return written


def tar_gz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A .tar.gz in memory holding ``members`` (name -> bytes) and symlinks ``links`` (name -> target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buffer.getvalue()


# ---- a local HTTP server -----------------------------------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        server = self.server
        server.requests.append(self.path)
        body, mode = server.routes.get(self.path, (None, "ok"))
        if body is None:
            self.send_error(404, "Not Found")
            return
        if mode == "slow":  # answer only after the client has given up (bounded: released at teardown)
            server.release.wait(5)
        try:
            self.send_response(200)
            if mode != "no-length":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if mode == "drip":  # one byte every 50 ms, never slow enough for a per-read timeout
                for i in range(len(body)):
                    if server.release.wait(0.05):
                        break
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                return
            self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)
        except OSError:  # the client timed out and hung up
            pass

    def log_message(self, *args):
        pass


class LocalServer:
    """``serve(path, body, mode)`` with mode "ok", "truncated" (half the body, full Content-Length), "slow",
    "no-length" (no Content-Length header) or "drip" (a byte every 50 ms)."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.routes, self.httpd.requests, self.httpd.release = {}, [], threading.Event()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def serve(self, path: str, body: bytes, mode: str = "ok") -> str:
        self.httpd.routes[path] = (body, mode)
        return self.url + path

    @property
    def requests(self) -> list[str]:
        return self.httpd.requests

    def close(self) -> None:
        self.httpd.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
