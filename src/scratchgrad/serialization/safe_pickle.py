"""A pickle reader that runs no code: a small pickle machine interpreting only plain-data opcodes.

``pickle.Unpickler`` with a restricted ``find_class`` still hands the file real callables (``numpy.ndarray``,
``numpy.dtype``) and lets BUILD restore any object's state, which is enough to make NumPy read memory at an
address the file chooses. This machine never calls anything the caller did not write for the purpose:

- The values it builds itself are None, bools, ints (at most 16 bytes long), floats, str, bytes, tuples, lists
  and dicts whose keys are str, bytes or ints (so no container is ever hashed).
- GLOBAL / STACK_GLOBAL push a ``Global`` token, never the named object. ``allowed`` maps ``(module, name)`` to a
  constructor the caller wrote, or to None for a name that may only appear as an argument (``numpy.ndarray``
  handed to ``_reconstruct``). Any other name is refused before anything is built.
- REDUCE calls the constructor mapped to a token, with the arguments as plain values.
- BUILD is allowed only on a ``Buildable`` (an object one of those constructors returned), whose ``build``
  checks the state it is given; BUILD on anything else is refused.
- Caps: memo entries and indices, items created, stack height and nesting depth, so a small file cannot make
  a large or deep structure. Every length in the file is checked against the bytes actually present first.
- BINPERSID (a reference to data outside the pickle, as PyTorch's storages) is read only when the caller passes
  ``persistent_load``: it receives the plain value the file gave as the id and returns what stands in for it.
  Without one, BINPERSID is refused like any opcode not listed.

Opcodes not listed in ``_OPCODES`` (protocol 0's PERSID, EXT*, INST, OBJ, NEWOBJ*, sets, out-of-band buffers,
protocol 0's quoted STRING) are refused. ``PickleRefused`` means the file asked for something not allowed;
``pickle.UnpicklingError`` means it is damaged.

Example::

    value = safe_loads(data, {("_codecs", "encode"): latin1_encode}, what="CIFAR-10 batches")
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass
from typing import Any, Callable, Mapping

Constructor = Callable[..., Any] | None


class PickleRefused(pickle.UnpicklingError):
    """The pickle asked for a name, opcode or size this reader does not allow (as opposed to being damaged)."""


@dataclass(frozen=True)
class Global:
    """What GLOBAL pushes: the name only. Constructors receive it as an argument (e.g. ``numpy.ndarray``)."""

    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


class Buildable:
    """Base of the objects a constructor returns when the file may then BUILD them (restore their state)."""

    def build(self, state: Any) -> None:
        raise PickleRefused(f"BUILD on {type(self).__name__} is not allowed")


@dataclass(frozen=True)
class Limits:
    """Caps on what one file may make; the defaults fit a 10,000-image CIFAR-10 batch many times over."""

    max_memo: int = 1 << 20      # memo entries, and the largest memo index
    max_items: int = 1 << 21     # values pushed in all
    max_stack: int = 1 << 20     # values on the stack at once
    max_depth: int = 32          # containers inside containers
    max_long_bytes: int = 16     # LONG1/LONG4 payload (a 128-bit int)
    max_line: int = 1024         # text arguments of protocol 0 opcodes


class _Mark:
    pass


_MARK = _Mark()
_KEY_TYPES = (str, bytes, int)


class _Machine:
    def __init__(self, data: bytes, allowed: Mapping[tuple[str, str], Constructor], what: str, limits: Limits,
                 persistent_load: Callable[[Any], Any] | None = None):
        self.raw, self.data, self.pos = data, memoryview(data), 0
        self.allowed, self.what, self.limits = allowed, what, limits
        self.persistent_load = persistent_load
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.items = 0

    # ---- reading the file -------------------------------------------------------------------------------------
    def read(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise pickle.UnpicklingError(
                f"truncated: {n:,} bytes claimed at byte {self.pos:,}, {len(self.data) - self.pos:,} present")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def uint(self, n: int) -> int:
        return int.from_bytes(self.read(n), "little")

    def line(self, limit: int | None = None) -> bytes:
        limit = self.limits.max_line if limit is None else limit
        end = self.raw.find(b"\n", self.pos, self.pos + limit + 1) - self.pos  # searched in place, no copy
        if end < 0:
            raise pickle.UnpicklingError(f"no end of line within {limit:,} bytes at byte {self.pos:,}")
        return bytes(self.read(end + 1)[:-1])

    # ---- the stack ----------------------------------------------------------------------------------------
    def push(self, value: Any) -> None:
        self.items += 1
        if self.items > self.limits.max_items or len(self.stack) >= self.limits.max_stack:
            raise PickleRefused(f"more than {min(self.limits.max_items, self.limits.max_stack):,} values")
        self.stack.append(value)

    def pop(self) -> Any:
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise pickle.UnpicklingError(f"stack underflow at byte {self.pos:,}")
        return self.stack.pop()

    def pop_mark(self) -> list[Any]:
        if not self.marks:
            raise pickle.UnpicklingError(f"no MARK before byte {self.pos:,}")
        start = self.marks.pop()
        values, self.stack[start:] = self.stack[start:], []
        return values

    def top(self) -> Any:
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise pickle.UnpicklingError(f"stack underflow at byte {self.pos:,}")
        return self.stack[-1]

    # ---- the memo ---------------------------------------------------------------------------------------------
    def put(self, index: int) -> None:
        if index >= self.limits.max_memo or len(self.memo) >= self.limits.max_memo:
            raise PickleRefused(f"memo index {index:,} is beyond the {self.limits.max_memo:,} entries allowed")
        self.memo[index] = self.top()

    def get(self, index: int) -> None:
        if index not in self.memo:
            raise pickle.UnpicklingError(f"memo entry {index:,} was never stored")
        self.push(self.memo[index])

    # ---- names, calls and state -------------------------------------------------------------------------------
    def global_(self, module: str, name: str) -> None:
        if (module, name) not in self.allowed:
            raise PickleRefused(f"refusing to load {module}.{name}: {self.what} need none of it, and loading it "
                                "could run code")
        self.push(Global(module, name))

    def reduce(self) -> None:
        args, func = self.pop(), self.pop()
        constructor = self.allowed.get((func.module, func.name)) if isinstance(func, Global) else None
        if constructor is None:
            raise PickleRefused(f"calling {func if isinstance(func, Global) else type(func).__name__} is not allowed")
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError(f"REDUCE arguments are {type(args).__name__}, not a tuple")
        try:
            self.push(constructor(*args))
        except TypeError as exc:
            raise PickleRefused(f"{func} called with unexpected arguments ({exc})") from None

    def build(self) -> None:
        state, obj = self.pop(), self.top()
        if not isinstance(obj, Buildable):
            raise PickleRefused(f"BUILD on {type(obj).__name__} is not allowed")
        obj.build(state)

    def persid(self) -> None:
        if self.persistent_load is None:
            raise PickleRefused(f"opcode {pickle.BINPERSID!r} at byte {self.pos - 1:,} is not allowed")
        self.push(self.persistent_load(self.pop()))

    def setitems(self, target: Any, values: list[Any]) -> None:
        if not isinstance(target, dict) or len(values) % 2:
            raise pickle.UnpicklingError(f"SETITEMS on {type(target).__name__} with {len(values)} values")
        for key, value in zip(values[::2], values[1::2]):
            if not isinstance(key, _KEY_TYPES):
                raise PickleRefused(f"a dict key of type {type(key).__name__}; only str, bytes and int keys are read")
            target[key] = value

    def appends(self, target: Any, values: list[Any]) -> None:
        if not isinstance(target, list):
            raise pickle.UnpicklingError(f"APPENDS on {type(target).__name__}")
        target.extend(values)

    def run(self) -> Any:
        while True:
            op = self.read(1)[0]
            if op == pickle.STOP[0]:
                result = self.pop()
                check_depth(result, self.limits.max_depth)
                return result
            handler = _OPCODES.get(op)
            if handler is None:
                raise PickleRefused(f"opcode {bytes([op])!r} at byte {self.pos - 1:,} is not allowed")
            handler(self)


def _long(m: _Machine, size: int) -> None:
    if size > m.limits.max_long_bytes:
        raise PickleRefused(f"an integer of {size:,} bytes; at most {m.limits.max_long_bytes} are read")
    m.push(int.from_bytes(m.read(size), "little", signed=True))


def _text_int(m: _Machine) -> None:
    text = m.line().rstrip(b"L")
    if len(text) > 40:
        raise PickleRefused(f"an integer of {len(text)} digits; at most 40 are read")
    value = int(text)
    m.push(bool(value) if text in (b"00", b"01") else value)


def _unicode(m: _Machine, size: int) -> None:
    m.push(str(m.read(size), "utf-8", "surrogatepass"))


def _tuple(m: _Machine, values: list[Any]) -> None:
    m.push(tuple(values))


def _proto(m: _Machine) -> None:
    version = m.uint(1)
    if version > 5:
        raise PickleRefused(f"pickle protocol {version}; this reader knows 0 to 5")


def _stack_global(m: _Machine) -> None:
    name, module = m.pop(), m.pop()
    if not isinstance(module, str) or not isinstance(name, str):
        raise pickle.UnpicklingError("STACK_GLOBAL needs two str")
    m.global_(module, name)


def _text_global(m: _Machine) -> None:
    module, name = m.line().decode("utf-8"), m.line().decode("utf-8")
    m.global_(module, name)


def _mark(m: _Machine) -> None:
    m.marks.append(len(m.stack))


def _into(m: _Machine, add: Callable[[Any, list[Any]], None], values: list[Any]) -> None:
    # The values are popped first (the caller's arguments), then added to the container now on top.
    add(m.top(), values)


def _dict(m: _Machine) -> None:
    values = m.pop_mark()
    m.push({})
    m.setitems(m.top(), values)


def _frame(m: _Machine) -> None:
    size = m.uint(8)
    if m.pos + size > len(m.data):
        raise pickle.UnpicklingError(f"truncated: a frame of {size:,} bytes at byte {m.pos:,}")


_O = pickle
_OPCODES: dict[int, Callable[[_Machine], None]] = {
    _O.PROTO[0]: _proto,
    _O.FRAME[0]: _frame,
    _O.MARK[0]: _mark,
    _O.POP[0]: lambda m: m.pop(),
    _O.POP_MARK[0]: lambda m: m.pop_mark(),
    _O.DUP[0]: lambda m: m.push(m.top()),
    _O.NONE[0]: lambda m: m.push(None),
    _O.NEWTRUE[0]: lambda m: m.push(True),
    _O.NEWFALSE[0]: lambda m: m.push(False),
    _O.INT[0]: _text_int,
    _O.LONG[0]: _text_int,
    _O.BININT[0]: lambda m: m.push(struct.unpack("<i", m.read(4))[0]),
    _O.BININT1[0]: lambda m: m.push(m.uint(1)),
    _O.BININT2[0]: lambda m: m.push(m.uint(2)),
    _O.LONG1[0]: lambda m: _long(m, m.uint(1)),
    _O.LONG4[0]: lambda m: _long(m, m.uint(4)),
    _O.BINFLOAT[0]: lambda m: m.push(struct.unpack(">d", m.read(8))[0]),
    _O.FLOAT[0]: lambda m: m.push(float(m.line()[:64])),
    # Python 2's str is read as bytes, as pickle.load(..., encoding="bytes") does.
    _O.SHORT_BINSTRING[0]: lambda m: m.push(bytes(m.read(m.uint(1)))),
    _O.BINSTRING[0]: lambda m: m.push(bytes(m.read(m.uint(4)))),
    _O.SHORT_BINBYTES[0]: lambda m: m.push(bytes(m.read(m.uint(1)))),
    _O.BINBYTES[0]: lambda m: m.push(bytes(m.read(m.uint(4)))),
    _O.BINBYTES8[0]: lambda m: m.push(bytes(m.read(m.uint(8)))),
    _O.BYTEARRAY8[0]: lambda m: m.push(bytearray(m.read(m.uint(8)))),
    _O.SHORT_BINUNICODE[0]: lambda m: _unicode(m, m.uint(1)),
    _O.BINUNICODE[0]: lambda m: _unicode(m, m.uint(4)),
    _O.BINUNICODE8[0]: lambda m: _unicode(m, m.uint(8)),
    _O.UNICODE[0]: lambda m: m.push(m.line(len(m.data)).decode("raw-unicode-escape")),  # protocol 0's text
    _O.EMPTY_TUPLE[0]: lambda m: m.push(()),
    _O.TUPLE[0]: lambda m: _tuple(m, m.pop_mark()),
    _O.TUPLE1[0]: lambda m: _tuple(m, [m.pop()]),
    _O.TUPLE2[0]: lambda m: _tuple(m, [m.pop(), m.pop()][::-1]),
    _O.TUPLE3[0]: lambda m: _tuple(m, [m.pop(), m.pop(), m.pop()][::-1]),
    _O.EMPTY_LIST[0]: lambda m: m.push([]),
    _O.LIST[0]: lambda m: m.push(m.pop_mark()),
    _O.APPEND[0]: lambda m: _into(m, m.appends, [m.pop()]),
    _O.APPENDS[0]: lambda m: _into(m, m.appends, m.pop_mark()),
    _O.EMPTY_DICT[0]: lambda m: m.push({}),
    _O.DICT[0]: _dict,
    _O.SETITEM[0]: lambda m: _into(m, m.setitems, [m.pop(), m.pop()][::-1]),
    _O.SETITEMS[0]: lambda m: _into(m, m.setitems, m.pop_mark()),
    _O.PUT[0]: lambda m: m.put(int(m.line()[:20])),
    _O.BINPUT[0]: lambda m: m.put(m.uint(1)),
    _O.LONG_BINPUT[0]: lambda m: m.put(m.uint(4)),
    _O.MEMOIZE[0]: lambda m: m.put(len(m.memo)),
    _O.GET[0]: lambda m: m.get(int(m.line()[:20])),
    _O.BINGET[0]: lambda m: m.get(m.uint(1)),
    _O.LONG_BINGET[0]: lambda m: m.get(m.uint(4)),
    _O.GLOBAL[0]: _text_global,
    _O.STACK_GLOBAL[0]: _stack_global,
    _O.REDUCE[0]: lambda m: m.reduce(),
    _O.BUILD[0]: lambda m: m.build(),
    _O.BINPERSID[0]: lambda m: m.persid(),
}


def latin1_encode(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode`` as protocol <= 2 pickles use it for bytes (a latin-1 str); any other use is refused."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise PickleRefused(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return text.encode("latin1")


def check_depth(value: Any, max_depth: int) -> None:
    """Refuse ``value`` when lists, tuples and dicts nest more than ``max_depth`` deep (walked without recursion)."""
    seen: set[int] = set()
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, (list, tuple, dict)) or id(item) in seen:
            continue
        if depth > max_depth:
            raise PickleRefused(f"containers nested more than {max_depth} deep")
        seen.add(id(item))
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)


def safe_loads(data: bytes, allowed: Mapping[tuple[str, str], Constructor], *, what: str,
               limits: Limits = Limits(), persistent_load: Callable[[Any], Any] | None = None) -> Any:
    """The value pickled in ``data``, built by the machine described in the module docstring.

    Args:
        data: the whole pickle (read from a file first: every length in it is checked against ``len(data)``).
        allowed: ``(module, name)`` -> a constructor called by REDUCE with plain values, or None for a name that
            may only be passed as an argument.
        what: what the file should hold, for messages ("CIFAR-10 batches").
        limits: the caps on memo, values, stack and depth.
        persistent_load: what BINPERSID's id (a plain value) stands for; None refuses BINPERSID.

    Raises: ``PickleRefused`` for anything not allowed; ``pickle.UnpicklingError`` for a damaged pickle.
    """
    machine = _Machine(data, allowed, what, limits, persistent_load)
    try:
        return machine.run()
    except (ValueError, UnicodeDecodeError, struct.error) as exc:  # a malformed number or text argument
        raise pickle.UnpicklingError(f"malformed value before byte {machine.pos:,} ({exc})") from None
    except RecursionError:
        raise PickleRefused("a structure too deep to compare") from None
