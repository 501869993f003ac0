"""Builders of PyTorch-format archives around a given data.pkl, for the tests that feed ``load`` bad files."""

from __future__ import annotations

import io
import zipfile


def archive(pickled: bytes, storages: dict[str, bytes] | None = None, folder: str = "archive",
            compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip laid out as torch.save lays it out, holding ``pickled`` as data.pkl and ``storages`` as data/<key>."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        z.writestr(f"{folder}/data.pkl", pickled)
        z.writestr(f"{folder}/byteorder", b"little")
        for key, raw in (storages or {}).items():
            z.writestr(f"{folder}/data/{key}", raw)
        z.writestr(f"{folder}/version", b"3\n")
    return out.getvalue()


def tensor_pickle(storage_numel: int, size: tuple[int, ...], stride: tuple[int, ...], offset: int = 0,
                  kind: str = "FloatStorage", key: str = "0") -> bytes:
    """data.pkl of one tensor, _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()), by hand."""
    def ints(values: tuple[int, ...]) -> bytes:
        return b"(" + b"".join(b"\x8a\x08" + v.to_bytes(8, "little", signed=True) for v in values) + b"t"

    def text(value: str) -> bytes:
        return b"X" + len(value).to_bytes(4, "little") + value.encode()

    pid = b"(" + text("storage") + f"ctorch\n{kind}\n".encode() + text(key) + text("cpu") + ints((storage_numel,))[1:]
    hooks = b"ccollections\nOrderedDict\n)R"
    args = b"(" + pid + b"Q" + ints((offset,))[1:-1] + ints(size) + ints(stride) + b"\x89" + hooks + b"t"
    return b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R."
