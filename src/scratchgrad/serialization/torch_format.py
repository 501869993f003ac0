"""``save`` and ``load`` in PyTorch's own file format: the zip archive ``torch.save`` writes.

Layout (what ``torch.save`` writes, and what ``torch.load`` looks for)::

    archive/data.pkl            the object, pickled at protocol 2; each tensor is
                                torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
                                and each storage a persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel)
    archive/data/<key>          the storage's elements, little-endian, uncompressed, aligned to 64 bytes
    archive/byteorder           "little"
    archive/version             "3", plus .format_version and .storage_alignment

``load`` reads the pickle with the restricted machine in ``safe_pickle`` and an allow-list of PyTorch's
``weights_only`` rule: tensors and parameters rebuilt from storages, ordered dicts, and plain values. Nothing a
file names is imported or called; each storage's size is checked against the archive before it is read, and each
tensor's extent against its storage before it is built. Anything else is refused with the name it asked for.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..device import check, move
from .locations import Restorer, restorer
from .safe_pickle import Buildable, Global, PickleRefused, latin1_encode, safe_loads

PathOrFile = str | os.PathLike | BinaryIO
ALIGNMENT = 64
_STORAGES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16,  # NumPy has no bfloat16: the bits are widened to float32 after reading
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_, "ComplexFloatStorage": np.complex64,
    "ComplexDoubleStorage": np.complex128,
}
_STORAGE_OF = {np.dtype(t): name for name, t in _STORAGES.items() if name != "BFloat16Storage"}
WHAT = "PyTorch weight files"


class TorchFileError(ValueError):
    """The file is not PyTorch's zip format, or it is damaged or truncated."""


# ---- writing ------------------------------------------------------------------------------------------------
class _Name:
    """A module-level name written as GLOBAL without importing it (torch need not be installed to write)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class _TensorRecord:
    """A tensor as the pickle describes it; its bytes go to ``data/<key>``."""

    def __init__(self, array: np.ndarray, key: str, requires_grad: bool, parameter: bool):
        self.array, self.key, self.requires_grad, self.parameter = array, key, requires_grad, parameter


class _Pickler(pickle._Pickler):  # the Python pickler: its dispatch table can be extended, the C one's cannot
    dispatch = dict(pickle._Pickler.dispatch)

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            return ("storage", _Name("torch", obj.kind), obj.key, "cpu", obj.numel)
        return None

    def save_name(self, obj: _Name) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())

    def save_tensor(self, record: _TensorRecord) -> None:
        array = record.array
        kind = _STORAGE_OF[array.dtype]
        strides = tuple(s // array.itemsize for s in array.strides) if array.size else (1,) * array.ndim
        tensor = (_Storage(kind, record.key, array.size), 0, tuple(array.shape), strides)
        if record.parameter:
            self.save(_Name("torch._utils", "_rebuild_parameter"))
            inner = _TensorRecord(array, record.key, False, False)
            self.save((inner, record.requires_grad, OrderedDict()))
        else:
            self.save(_Name("torch._utils", "_rebuild_tensor_v2"))
            self.save((*tensor, record.requires_grad, OrderedDict()))
        self.write(pickle.REDUCE)

    dispatch[_Name] = save_name
    dispatch[_TensorRecord] = save_tensor


def save(obj: Any, f: PathOrFile) -> None:
    """Write ``obj`` to ``f`` (a path, written atomically, or a binary file) as ``torch.save`` would.

    ``obj`` is a state dict or any nesting of dicts (str or int keys), lists and tuples holding Tensors,
    Parameters, NumPy arrays, numbers, strings, bytes and None: what ``torch.load(f, weights_only=True)`` reads.
    Example: ``scratchgrad.save(model.state_dict(), "model.pt")``; in PyTorch,
    ``model.load_state_dict(torch.load("model.pt"))``.
    """
    records: dict[int, _TensorRecord] = {}
    tree = _prepare(obj, "obj", records)
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(tree)
    entries = [("data.pkl", buffer.getvalue()), ("byteorder", b"little")]
    entries += [(f"data/{r.key}", r.array.astype(r.array.dtype.newbyteorder("<"), copy=False).tobytes())
                for r in records.values()]
    entries += [("version", b"3\n"), (".format_version", b"1"), (".storage_alignment", str(ALIGNMENT).encode())]
    blob = _zip(entries)
    if hasattr(f, "write"):
        f.write(blob)
    else:
        from ..io import atomic_write_bytes  # io sits above serialization

        atomic_write_bytes(f, blob)


def _prepare(value: Any, where: str, records: dict[int, _TensorRecord]) -> Any:
    """``value`` with every tensor and array replaced by its record (one per array, so shared ones stay shared)."""
    if isinstance(value, Tensor) or isinstance(value, np.ndarray) or type(value).__module__.startswith("cupy"):
        array = np.asarray(backend.to_numpy(value), order="C")  # not ascontiguousarray: it makes 0-d arrays 1-d
        if array.dtype not in _STORAGE_OF:
            raise TypeError(f"save: {where} has dtype {array.dtype}, which PyTorch's format has no storage for")
        key = id(value.data) if isinstance(value, Tensor) else id(value)
        if key not in records:
            from ..nn.module import Parameter  # nn sits above serialization

            grad = bool(getattr(value, "requires_grad", False))
            records[key] = _TensorRecord(array, str(len(records)), grad, isinstance(value, Parameter))
        return records[key]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)):
                raise TypeError(f"save: {where} has a key of type {type(key).__name__}; keys must be str or int")
        pairs = ((k, _prepare(v, f"{where}[{k!r}]", records)) for k, v in value.items())
        return OrderedDict(pairs) if isinstance(value, OrderedDict) else dict(pairs)
    if isinstance(value, (list, tuple)):
        items = [_prepare(v, f"{where}[{i}]", records) for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    raise TypeError(
        f"save: {where} is a {type(value).__name__}; PyTorch's weights format holds tensors, arrays, dicts, lists, "
        "tuples, numbers, strings, bytes and None"
    )


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    """An uncompressed zip of ``archive/<name>`` entries, each file's data starting at a multiple of ALIGNMENT."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(f"archive/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            start = out.tell() + 30 + len(info.filename.encode()) + 4  # local header, name, padding field header
            pad = -start % ALIGNMENT
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad  # PyTorch pads in an "FB" field too
            archive.writestr(info, data)
    return out.getvalue()


# ---- reading ------------------------------------------------------------------------------------------------
class _Storage:
    """A storage: while writing, what a persistent id names; while reading, its elements as a flat array (in
    memory on the CPU) and the device its tensors go to, which ``map_location`` may change (``to``, ``cuda``)."""

    def __init__(self, kind: str, key: str, numel: int, array: np.ndarray | None = None, device: str = "cpu"):
        self.kind, self.key, self.numel, self.array, self.device = kind, key, numel, array, device

    def to(self, device: Any) -> _Storage:
        """This storage with its tensors bound for ``device`` (refused where that device is missing)."""
        return _Storage(self.kind, self.key, self.numel, self.array, str(check(device)))

    def cpu(self) -> _Storage:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> _Storage:
        """Bound for GPU ``device``: an index (0 when None), "cuda:N" or a device."""
        return self.to(f"cuda:{device or 0}" if device is None or isinstance(device, int) else device)

    def nbytes(self) -> int:
        return self.numel * np.dtype(_STORAGES[self.kind]).itemsize


def load(f: PathOrFile, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read a file ``torch.save`` (or ``save``) wrote: state dicts, optimizer states, nests of plain values.

    Tensors come back as scratchgrad Tensors (Parameters where the file has them), each on the device its storage
    was saved on unless ``map_location`` (None, a device, a dict of location tags or a callable, as torch.load takes
    them; see ``locations``) sends it elsewhere. ``weights_only=False`` is refused: it would run the file's code.

    Raises: ``PickleRefused`` when the pickle asks for anything but tensors, storages, ordered dicts and plain
    values; ``TorchFileError`` when the file is not PyTorch's zip format, or is damaged or truncated.
    """
    where = str(getattr(f, "name", "the file")) if hasattr(f, "read") else str(f)
    if weights_only is not True:
        raise PickleRefused(f"load({where}): weights_only={weights_only!r} would let the file run code; scratchgrad "
                            "reads weights only (tensors, storages, ordered dicts and plain values)")
    data = f.read() if hasattr(f, "read") else Path(f).read_bytes()
    archive, prefix = _open(data, where)
    storages: dict[str, _Storage] = {}
    place = restorer(map_location, where)
    pickled = _read(archive, prefix + "data.pkl", len(data), where)
    try:
        return safe_loads(pickled, _allowed(), what=WHAT, persistent_load=lambda pid: _storage(
            archive, prefix, pid, storages, place, (len(data), where)))
    except PickleRefused as exc:
        raise PickleRefused(f"load({where}): {exc}. Only tensors, storages, ordered dicts and plain values are "
                            "read (PyTorch's weights_only rule)") from None
    except pickle.UnpicklingError as exc:
        raise TorchFileError(f"load({where}): damaged data.pkl ({exc})") from None


def _open(data: bytes, where: str) -> tuple[zipfile.ZipFile, str]:
    """The archive and its folder prefix ("archive/", or the name torch.save gave it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        hint = (" It starts like a pickle: a file from torch.save before PyTorch 1.6 (_use_new_zipfile_"
                "serialization=False) or a plain pickle; save it again with a current torch.save."
                if data[:1] == b"\x80" else "")
        raise TorchFileError(f"load({where}): not PyTorch's file format, the zip archive torch.save writes, or a "
                             f"truncated one ({exc}; {len(data):,} bytes).{hint}") from None
    pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise TorchFileError(f"load({where}): a zip archive but not PyTorch's: expected one <folder>/data.pkl, "
                             f"found {len(pickles)} among {len(names)} entries")
    prefix = pickles[0][: -len("data.pkl")]
    if prefix + "byteorder" in names and archive.read(prefix + "byteorder").strip() not in (b"little", b""):
        raise TorchFileError(f"load({where}): a big-endian file; only little-endian files are read")
    return archive, prefix


def _read(archive: zipfile.ZipFile, name: str, size: int, where: str) -> bytes:
    """An entry's bytes, after checking it is stored uncompressed and lies within the file."""
    info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED or info.header_offset + info.compress_size > size:
        raise TorchFileError(f"load({where}): entry {name} is compressed or extends past the end of the file "
                             f"({info.compress_size:,} bytes at {info.header_offset:,} in a file of {size:,})")
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise TorchFileError(f"load({where}): entry {name} is damaged or truncated ({exc})") from None


def _storage(archive: zipfile.ZipFile, prefix: str, pid: Any, storages: dict[str, _Storage], place: Restorer,
             file: tuple[int, str]) -> _Storage:
    """What a persistent id stands for: the storage's elements, once per key, sizes checked before reading, bound
    for the device ``place`` (map_location) chooses for its location tag."""
    size, where = file
    ok = isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], Global)
    if not ok or pid[1].module != "torch" or pid[1].name not in _STORAGES:
        raise PickleRefused(f"a persistent id other than ('storage', torch.<Type>Storage, key, location, numel): "
                            f"{pid!r}"[:300])
    _, kind, key, location, numel = pid
    if not isinstance(key, str) or isinstance(numel, bool) or not isinstance(numel, int) or numel < 0:
        raise PickleRefused(f"storage key {key!r} with element count {numel!r}")
    if not isinstance(location, str):
        raise PickleRefused(f"storage {key!r} with location {location!r}, not a location tag such as 'cpu'"[:300])
    if key in storages:
        if storages[key].kind != kind.name:
            raise PickleRefused(f"storage {key!r} named as {storages[key].kind} and as {kind.name}")
        return storages[key]
    dtype = np.dtype(_STORAGES[kind.name]).newbyteorder("<")
    name = f"{prefix}data/{key}"
    if name not in archive.NameToInfo:
        raise PickleRefused(f"storage {key!r}, which the archive does not hold")
    held = archive.getinfo(name).file_size
    if held != numel * dtype.itemsize:
        raise PickleRefused(f"storage {key!r} claims {numel:,} elements of {kind.name} ({numel * dtype.itemsize:,} "
                            f"bytes); the archive holds {held:,} bytes")
    array = np.frombuffer(_read(archive, name, size, where), dtype=dtype)
    storages[key] = place(_Storage(kind.name, key, numel, array), location)
    return storages[key]


def _allowed() -> dict[tuple[str, str], Any]:
    """PyTorch's weights_only names, each mapped to a constructor written here."""

    def rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, hooks: Any,
                       metadata: Any = None) -> Tensor:
        _no_hooks(hooks, metadata)
        array = _strided(storage, offset, size, stride)
        grad = requires_grad is True and array.dtype.kind in "fc"
        return Tensor(array if storage.device == "cpu" else move(array, storage.device), requires_grad=grad)

    def rebuild_parameter(data: Any, requires_grad: Any, hooks: Any) -> Any:
        from ..nn.module import Parameter  # nn sits above serialization

        _no_hooks(hooks, None)
        if not isinstance(data, Tensor):
            raise PickleRefused(f"_rebuild_parameter of a {type(data).__name__}, not a tensor")
        return Parameter(data, requires_grad=requires_grad is True and data.dtype.kind in "fc")

    return {
        ("collections", "OrderedDict"): _ordered_dict,
        ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
        ("_codecs", "encode"): latin1_encode,
        **{("torch", name): None for name in _STORAGES},  # storage types: only named in persistent ids
    }


class _StateDict(OrderedDict, Buildable):
    """An OrderedDict a file may BUILD with one attribute: ``_metadata``, the versions torch's state dicts carry."""

    def build(self, state: Any) -> None:
        if not isinstance(state, dict) or set(state) - {"_metadata"}:
            raise PickleRefused(f"BUILD of an OrderedDict with state other than {{'_metadata': ...}}: {state!r}"[:300])
        if "_metadata" in state:
            self._metadata = state["_metadata"]


def _ordered_dict(*args: Any) -> OrderedDict:
    if args:
        raise PickleRefused("collections.OrderedDict called with arguments; its items come by SETITEMS")
    return _StateDict()


def _no_hooks(hooks: Any, metadata: Any) -> None:
    if not isinstance(hooks, dict) or hooks or (metadata is not None and metadata != {}):
        raise PickleRefused(f"a tensor with backward hooks or metadata ({hooks!r}, {metadata!r})"[:300])


def _strided(storage: Any, offset: Any, size: Any, stride: Any) -> np.ndarray:
    """A contiguous copy of the view (offset, size, stride) of ``storage``, after checking it lies inside."""
    ints = (isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, *size, *stride))
    if not isinstance(storage, _Storage) or not isinstance(size, tuple) or not isinstance(stride, tuple):
        raise PickleRefused("_rebuild_tensor_v2 needs a storage, a size tuple and a stride tuple")
    if len(size) != len(stride) or not all(ints):
        raise PickleRefused(f"a tensor of size {size!r}, stride {stride!r} and offset {offset!r}"[:300])
    array = storage.array
    if math.prod(size) == 0:
        view = np.zeros(size, dtype=array.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.numel:
            raise PickleRefused(f"a tensor of size {size}, stride {stride} and offset {offset} reaches element "
                                f"{last:,} of storage {storage.key!r}, which has {storage.numel:,}")
        view = np.lib.stride_tricks.as_strided(array[offset:], size, [s * array.itemsize for s in stride])
    view = np.array(view, dtype=array.dtype.newbyteorder("="), order="C")  # a copy the caller may write to
    if storage.kind == "BFloat16Storage":
        view = (view.astype(np.uint32) << 16).view(np.float32)
    return view

