"""Hand-assembled pickles that attack an unpickler, as small byte strings (no object is pickled to make them).

Each builder returns the whole file. They target CIFAR-10's python batches here; a reader of another pickled
format (PyTorch's ``.pt``) can run the same files against its own allow-list.
"""

from __future__ import annotations

import struct

MULTIARRAY = "numpy.core.multiarray"


def glob(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def bts(value: bytes) -> bytes:
    return b"C" + bytes([len(value)]) + value if len(value) < 256 else b"B" + struct.pack("<I", len(value)) + value


def text(value: str) -> bytes:
    raw = value.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def num(value: int) -> bytes:
    return b"J" + struct.pack("<i", value) if -(2**31) <= value < 2**31 else b"\x8a\x08" + value.to_bytes(8, "little")


def tup(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def call(func: bytes, *args: bytes) -> bytes:
    return func + tup(*args) + b"R"


def dtype(name: str) -> bytes:
    return call(glob("numpy", "dtype"), text(name), b"\x89", b"\x88")


def uint8_dtype() -> bytes:
    return dtype("u1") + tup(num(3), text("|"), b"N", b"N", b"N", num(-1), num(-1), num(0)) + b"b"


def batch(data: bytes, labels: bytes = b"]") -> bytes:
    """``{b"data": <data>, b"labels": <labels>}`` at protocol 3 (for BINBYTES)."""
    return b"\x80\x03}(" + bts(b"data") + data + bts(b"labels") + labels + b"u."


def reconstruct(state: bytes) -> bytes:
    """numpy's array pickling: ``_reconstruct(ndarray, (0,), b"b")`` then BUILD with ``state``."""
    return call(glob(MULTIARRAY, "_reconstruct"), glob("numpy", "ndarray"), tup(num(0)), bts(b"b")) + state + b"b"


def array_state(shape: tuple[int, ...], raw: bytes, dtype_bytes: bytes | None = None) -> bytes:
    return tup(num(1), tup(*map(num, shape)), dtype_bytes or uint8_dtype(), b"\x89", bts(raw))


def ndarray_call(*args: bytes) -> bytes:
    return call(glob("numpy", "ndarray"), *args)


ATTACKS: dict[str, tuple[bytes, str]] = {
    # name: (file, what the refusal says)
    "object array over bytes from the file": (
        batch(call(glob(MULTIARRAY, "_reconstruct"), glob("numpy", "ndarray"),
                   ndarray_call(tup(num(2)), dtype("O"), bts(b"A" * 16)), bts(b"b"))),
        "dtype other than uint8"),
    "ndarray called directly": (batch(ndarray_call(tup(num(4), num(3072)), dtype("u1"))), "numpy.ndarray"),
    "object view of uninitialised memory": (batch(ndarray_call(tup(num(4)), dtype("O"))), "dtype other than uint8"),
    "void dtype with a field at 10**9": (
        batch(reconstruct(array_state((1, 3072), bytes(3072), dtype("V8") + tup(
            num(3), text("|"), b"N", tup(text("f")), b"}" + text("f") + tup(uint8_dtype(), num(10**9)) + b"s",
            num(8), num(1), num(16)) + b"b"))),
        "dtype other than uint8"),
    "uint8 dtype rebuilt with fields": (
        batch(reconstruct(array_state((1, 3072), bytes(3072), dtype("u1") + tup(
            num(3), text("|"), b"N", tup(text("f")), b"}", num(1), num(1), num(16)) + b"b"))),
        "dtype state other than plain uint8"),
    "uint64 view of an object array": (
        batch(ndarray_call(tup(num(3)), dtype("u8"), ndarray_call(tup(num(3)), dtype("O")))), "dtype other than uint8"),
    "rows claimed beyond the buffer (N = 10**7)": (
        batch(reconstruct(array_state((10**7, 3072), bytes(3072)))), "needs 30,720,000,000 bytes"),
    "array data as a list of objects": (
        batch(reconstruct(tup(num(1), tup(num(1), num(3072)), uint8_dtype(), b"\x89", b"]"))), "only a bytes buffer"),
    "frombuffer with an object dtype": (
        batch(call(glob("numpy.core.numeric", "_frombuffer"), bts(bytes(16)), dtype("O"), tup(num(2)), text("C"))),
        "dtype other than uint8"),
    "BUILD on a list": (batch(b"]" + b"}" + b"b"), "BUILD on list"),
    "200,000-deep tuple as a dict key": (b"\x80\x02})" + b"\x85" * 200_000 + b"K\x01s.", "dict key of type tuple"),
    "200,000-deep tuple as a value": (batch(b"]" + b"\x85" * 200_000), "nested more than"),
    "memo index 2**28": (b"\x80\x02]r" + struct.pack("<I", 2**28) + b".", "memo index 268,435,456"),
    "a 2**40-byte string claimed": (b"\x80\x04\x8e" + struct.pack("<Q", 2**40) + b"xx.", "truncated"),
    "a 100,000-byte integer": (b"\x80\x02\x8b" + struct.pack("<I", 100_000) + bytes(100_000) + b".", "integer of"),
    "builtins.eval": (batch(call(glob("builtins", "eval"), text("1"))), "refusing to load builtins.eval"),
    "os.system": (batch(call(glob("os", "system"), text("true"))), "refusing to load os.system"),
    "functools.partial": (batch(call(glob("functools", "partial"), glob("os", "system"))), "functools.partial"),
    "copyreg": (batch(call(glob("copyreg", "_reconstructor"), b"N")), "refusing to load copyreg._reconstructor"),
    "numpy.load": (batch(call(glob("numpy", "load"), text("x.npy"))), "refusing to load numpy.load"),
    "a dotted name": (batch(glob("numpy", "core.multiarray._reconstruct")), "refusing to load numpy.core.multiarray"),
    "EXT1": (b"\x80\x02\x82\x01.", "opcode"),
    "PERSID": (b"\x80\x02P1\n.", "opcode"),
    "NEWOBJ": (batch(glob("numpy", "ndarray") + b")\x81"), "opcode"),
}
