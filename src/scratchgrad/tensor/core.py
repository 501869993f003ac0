"""The Tensor's state: its array, its gradient, the Function that made it; construction, repr and backward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import autograd, backend
from ..autograd import _no_scalar
from . import dtypes
from .printing import tensor_repr

if TYPE_CHECKING:
    from . import Tensor


def sizes(shape: tuple[Any, ...]) -> Any:
    """``(2, 3)`` from both ``f(2, 3)`` and ``f((2, 3))``: PyTorch takes a size either way."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def _is_python_data(value: Any) -> bool:
    return isinstance(value, (int, float, bool, list, tuple))


class TensorCore:
    """The slots every Tensor has and the methods that read them; the mixins beside it add the named ops."""

    __slots__ = ("data", "grad", "requires_grad", "creator", "name", "_retain_grad", "__weakref__")
    # Make ndarray <op> Tensor call our reflected operator instead of NumPy broadcasting over the Tensor.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        if isinstance(data, TensorCore):
            data = data.data
        from_python = _is_python_data(data)
        array = backend.as_array(data, dtype=dtype)
        if from_python and dtype is None and (array.dtype.kind == "f" or (requires_grad and array.dtype.kind in "iub")):
            # Python floats are float64 in NumPy; like PyTorch we give them the default dtype instead.
            array = array.astype(backend.get_default_dtype())
        if requires_grad and array.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients; received dtype {array.dtype}. "
                "Convert first, e.g. Tensor(x.astype('float32'), requires_grad=True)."
            )
        self.data = array
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self.creator: autograd.Function | None = None
        self.name = name
        self._retain_grad = False

    @classmethod
    def _make(cls, data: Any, requires_grad: bool = False, creator: autograd.Function | None = None) -> Tensor:
        """Fast constructor for op outputs: no conversion or checks (called once per op)."""
        t = object.__new__(cls)
        t.data = _no_scalar(data)
        t.grad = None
        t.requires_grad = requires_grad
        t.creator = creator
        t.name = None
        t._retain_grad = False
        return t  # type: ignore[return-value]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

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
        return self._make(self.data)

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

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self); may be omitted when ``self`` holds one element (a scalar loss).
            retain_graph: keep the graph's saved arrays so ``backward`` can run through it again.
        """
        autograd.backward(self, gradient, retain_graph)

    def __repr__(self) -> str:
        return tensor_repr(self)
