"""The Tensor's state: its array, its gradient, the Function that made it; construction, repr and backward."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import autograd, backend, grad_hooks
from ..autograd import _no_scalar
from ..device import device, of_array
from ..ops.math import check_dim
from . import dtypes
from .printing import tensor_repr

if TYPE_CHECKING:
    from . import Tensor


def sizes(shape: tuple[Any, ...]) -> Any:
    """``(2, 3)`` from both ``f(2, 3)`` and ``f((2, 3))``: PyTorch takes a size either way."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's ``Size([2, 3])``.

    Inside an f-string it reads as the plain tuple ``(2, 3)``, so error messages name shapes as they always have.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"scratchgrad.Size({list(self)})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(tuple.__repr__(self), spec)

    def numel(self) -> int:
        count = 1
        for n in self:
            count *= n
        return count


_OPERATORS = {
    np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul, np.true_divide: operator.truediv,
    np.floor_divide: operator.floordiv, np.power: operator.pow, np.matmul: operator.matmul, np.less: operator.lt,
    np.less_equal: operator.le, np.greater: operator.gt, np.greater_equal: operator.ge, np.equal: operator.eq,
    np.not_equal: operator.ne,
}
"""The ufuncs that NumPy calls for ``array <op> tensor``: the tensor's operator answers instead."""


def _operand(x: Any) -> Any:
    """A tensor stays; a NumPy number is a Python number, as PyTorch takes it (and its own operator would call
    NumPy again); an array becomes a tensor."""
    if isinstance(x, TensorCore):
        return x
    return x.item() if isinstance(x, np.generic) else autograd.wrap(x)


def _data_or_sizes(args: tuple[Any, ...], dtype: Any) -> Any:
    """``Tensor(data)``, or PyTorch's sizes forms: ``Tensor(2, 3)``, ``Tensor(3)``, ``Tensor(Size)`` and
    ``Tensor()`` make a tensor of that shape (zeros; PyTorch leaves it uninitialised)."""
    if len(args) == 1 and not isinstance(args[0], Size) and not _is_int(args[0]):
        return args[0]
    shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args or (0,)
    if not all(_is_int(n) and n >= 0 for n in shape):
        raise TypeError(f"Tensor(): expected data (a number, a list, an array or a tensor) or sizes (non-negative "
                        f"ints); received {args!r}")  # fmt: skip
    return np.zeros(shape, dtype=dtypes.to_numpy_dtype(dtype) or backend.get_default_dtype())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_python_data(value: Any) -> bool:
    return isinstance(value, (int, float, bool, list, tuple))


class TensorCore:
    """The slots every Tensor has and the methods that read them; the mixins beside it add the named ops."""

    __slots__ = ("data", "_grad", "requires_grad", "creator", "name", "_retain_grad", "_version", "_base",
                 "_view_version", "__weakref__")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy meeting a Tensor. ``array <op> tensor`` is the tensor op (a Tensor, in the graph); with ``out=``
        (``p.data -= lr * p.grad``) the arrays are combined into ``out``; any other ufunc (``np.isfinite(t)``)
        runs on the arrays and gives an array."""
        out = kwargs.get("out")
        if method == "__call__" and out is None and ufunc in _OPERATORS and not kwargs:
            return _OPERATORS[ufunc](*[_operand(x) for x in inputs])
        if out is not None:
            kwargs["out"] = tuple(o.data if isinstance(o, TensorCore) else o for o in out)
        arrays = [x.data if isinstance(x, TensorCore) else x for x in inputs]
        result = getattr(ufunc, method)(*arrays, **kwargs)
        return out[0] if out is not None and len(out) == 1 else result

    def __init__(self, *data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        data = _data_or_sizes(data, dtype)
        if isinstance(data, TensorCore):
            data = data.data
        from_python = _is_python_data(data)
        array = backend.as_array(data, dtype=dtype)
        if from_python and dtype is None and array.dtype.kind in "fiub":
            # PyTorch's Tensor(data) is always of the default dtype (tensor(data) infers one instead).
            array = array.astype(backend.get_default_dtype())
        if requires_grad and array.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients; received dtype {array.dtype}. "
                "Convert first, e.g. Tensor(x.astype('float32'), requires_grad=True)."
            )
        self.data = array
        self._grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.creator: autograd.Function | None = None
        self.name = name
        self._retain_grad = False
        self._version = [0]  # one cell, shared with the views of this tensor's memory
        self._base: Tensor | None = None  # the tensor whose memory this one views (movement.py sets it)

    @classmethod
    def _make(cls, data: Any, requires_grad: bool = False, creator: autograd.Function | None = None) -> Tensor:
        """Fast constructor for op outputs: no conversion or checks (called once per op)."""
        t = object.__new__(cls)
        t.data = _no_scalar(data)
        t._grad = None
        t.requires_grad = requires_grad
        t.creator = creator
        t.name = None
        t._retain_grad = False
        t._version = [0]
        t._base = None
        return t  # type: ignore[return-value]

    @property
    def grad(self) -> Tensor | None:
        """d(output)/d(self) after ``backward()``: a Tensor of this tensor's shape, dtype and device, or None.

        Backward adds into it; ``optimizer.zero_grad()`` sets it back to None. ``.grad.data`` is its array.
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        array = value.data if isinstance(value, TensorCore) else _no_scalar(value)
        if tuple(array.shape) != tuple(self.data.shape):
            raise RuntimeError(
                f"assigned grad has shape {tuple(array.shape)}, but the tensor has shape {tuple(self.data.shape)}: "
                "a gradient must have the shape of its tensor"
            )
        if array.dtype != self.data.dtype:
            raise RuntimeError(f"assigned grad has dtype {array.dtype}, but the tensor has dtype {self.data.dtype}: "
                               "a gradient must have the dtype of its tensor")  # fmt: skip
        self._grad = value if isinstance(value, TensorCore) and value.creator is None else autograd.wrap(array)

    @property
    def shape(self) -> Size:
        return Size(self.data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape (a ``Size``), or the length of one dim."""
        return Size(self.data.shape) if dim is None else self.data.shape[check_dim(dim, self.data.ndim)]

    def dim(self) -> int:
        """The number of dims (the rank)."""
        return self.data.ndim

    @property
    def device(self) -> device:
        """Where the data lives: ``device(type='cpu')`` for a NumPy array, ``cuda:N`` for a CuPy one."""
        return of_array(self.data)

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The function that made this tensor (None for a leaf); ``grad_fn.name()``, ``grad_fn.next_functions``."""
        return self.creator

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.of_numpy(self.data.dtype)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        return len(self.data)

    __hash__ = object.__hash__

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no creator, no gradient)."""
        out = autograd.wrap(self.data)
        out._version = self._version  # the same memory: an in-place change to either is a change to both
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients; this one has dtype {self.data.dtype}")
        self.requires_grad = requires_grad
        return self  # type: ignore[return-value]

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        self._retain_grad = True

    def zero_grad(self) -> None:
        self.grad = None

    def register_post_accumulate_grad_hook(self, hook: Any) -> grad_hooks.RemovableHandle:
        """Call ``hook(self)`` after each backward has added all of its gradient into this leaf's ``.grad``."""
        return grad_hooks.register_post_accumulate_grad_hook(self, hook)

    def backward(self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self); may be omitted when ``self`` holds one element (a scalar loss).
            retain_graph: keep the graph's saved arrays so ``backward`` can run through it again.
            create_graph: must be False (no gradients of gradients; the error says so).
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    def __repr__(self) -> str:
        return tensor_repr(self)
