"""Tensor, Function and backpropagation over the computational graph.

A ``Tensor`` wraps an array (``.data``) and, once a ``Function`` has produced it while gradients are enabled,
remembers that function (``.creator``). ``Tensor.backward()`` walks those functions in reverse topological order
and calls each one's ``backward``: the chain rule, one node at a time, exactly as the notes' computational graphs
do by hand (the apple/orange example is a test).

Only ``Function.__call__`` knows about Tensors; ``forward`` and ``backward`` take and return plain arrays.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from . import backend

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class no_grad(contextlib.ContextDecorator):
    """Build no graph inside this block (or decorated function): for inference and for optimizer updates.

    Example::

        with sg.no_grad():
            logits = model(x)      # logits.creator is None, nothing is kept for backward
    """

    mode = False

    def __init__(self) -> None:
        # A stack, not one saved value: a decorated function enters the same object again when it recurses.
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous.append(_grad_enabled)
        _grad_enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()


class enable_grad(no_grad):
    """Turn graph building back on inside a ``no_grad`` block."""

    mode = True


def _is_python_data(value: Any) -> bool:
    return isinstance(value, (int, float, bool, list, tuple))


class Tensor:
    """An array that remembers how it was computed, so gradients can flow back through it.

    Args:
        data: an array, a Python number or a (nested) list. Python floats become the default dtype (float32);
            arrays keep their dtype (a float64 array stays float64).
        requires_grad: accumulate ``d(output)/d(self)`` into ``.grad`` when ``backward()`` is called.
        dtype: convert ``data`` to this dtype first.

    Example::

        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        x.grad          # array([2., 4., 6.], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "creator", "name", "_retain_grad", "__weakref__")
    # Make ndarray <op> Tensor call our reflected operator instead of NumPy broadcasting over the Tensor.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        if isinstance(data, Tensor):
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
        self.creator: Function | None = None
        self.name = name
        self._retain_grad = False

    @classmethod
    def _make(cls, data: Any, requires_grad: bool = False, creator: Function | None = None) -> Tensor:
        """Fast constructor for op outputs: no conversion or checks (called once per op)."""
        t = object.__new__(cls)
        t.data = _no_scalar(data)
        t.grad = None
        t.requires_grad = requires_grad
        t.creator = creator
        t.name = None
        t._retain_grad = False
        return t

    # ---- array-like attributes -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def T(self) -> Tensor:
        return _shape.transpose(self)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied, on the NumPy backend)."""
        return backend.to_numpy(self.data)

    def item(self) -> Any:
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = backend.to_numpy(self.data)
        return array if dtype is None else array.astype(dtype)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no creator, no gradient)."""
        return Tensor._make(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients; this one has dtype {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        self._retain_grad = True

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(backend.to_numpy(self.data), separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != backend.get_default_dtype():
            extras.append(f"dtype={self.data.dtype}")
        if self.creator is not None:
            extras.append(f"creator={type(self.creator).__name__}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # ---- backpropagation -------------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Args:
            grad: d(loss)/d(self); may be omitted when ``self`` holds one element (a scalar loss).
            retain_graph: keep the graph's saved arrays so ``backward`` can run through it again.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: no input of the computation had "
                "requires_grad=True, or it was computed under no_grad()."
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element output; this one has shape {self.shape}. "
                    "Reduce it first (loss.sum() or loss.mean()) or pass grad= of the same shape."
                )
            grad = backend.get_array_module(self.data).ones_like(self.data)
            handed_out: set[int] = set()
        else:
            grad = grad.data if isinstance(grad, Tensor) else backend.as_array(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {grad.shape}, expected the tensor's shape {self.shape}")
            handed_out = {id(grad)}  # the caller's array: no leaf may keep it as its own .grad
        if self.creator is None:
            _accumulate_leaf(self, grad, handed_out)
            return
        _run_backward(self, grad, retain_graph, handed_out)

    # ---- operators (the functions live in ops/math.py) --------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, index: Any) -> Tensor:
        return _shape.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and _grad_enabled:
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "do it under sg.no_grad() (e.g. to initialise a parameter) or build a new tensor instead"
            )
        self.data[index] = value.data if isinstance(value, Tensor) else value

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> Any:
        return self.data < _data(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= _data(other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.data == _data(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.data != _data(other)

    __hash__ = object.__hash__

    # ---- methods ---------------------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.min(self, axis, keepdims)

    def argmax(self, axis: Any = None) -> Any:
        return self.data.argmax(axis=axis)

    def reshape(self, *shape: Any) -> Tensor:
        return _shape.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0) -> Tensor:
        return _shape.flatten(self, start_dim)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):  # x.transpose((1, 0)) as well as x.transpose(1, 0)
            axes = tuple(axes[0])
        return _shape.transpose(self, axes or None)

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return _ops.clip(self, min, max)

    def astype(self, dtype: Any) -> Tensor:
        return _ops.cast(self, dtype)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def relu(self) -> Tensor:
        from .ops import activation

        return activation.relu(self)

    def sigmoid(self) -> Tensor:
        from .ops import activation

        return activation.sigmoid(self)

    def tanh(self) -> Tensor:
        from .ops import activation

        return activation.tanh(self)

    def softmax(self, axis: int = -1) -> Tensor:
        from .ops import activation

        return activation.softmax(self, axis)


def _no_scalar(value: Any) -> Any:
    """A 0-d array for a NumPy scalar: reductions and arithmetic on 0-d arrays return scalars, which have no
    in-place operators; ``.data`` and ``.grad`` are always arrays."""
    return np.asarray(value) if isinstance(value, np.generic) else value


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def as_tensor(value: Any) -> Tensor:
    """``value`` itself if it is a Tensor, else a new constant Tensor around it."""
    return value if isinstance(value, Tensor) else Tensor(value)


class Function:
    """One node of the graph: ``forward`` computes arrays, ``backward`` maps d(out) to d(each input).

    Subclasses implement ``forward(*arrays) -> array`` and ``backward(gy) -> grad or tuple of grads`` (one per
    input, ``None`` where an input needs none; ``self.needs_input_grad[i]`` says which do). Keep what backward
    needs with ``save_for_backward`` and read it back from ``self.saved``.
    """

    inputs: tuple[Any, ...] = ()
    saved: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()

    def __call__(self, *inputs: Any) -> Tensor:
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        if _grad_enabled:
            needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
            if any(needs):
                self.needs_input_grad = needs
                y = self.forward(*arrays)
                self.inputs = inputs
                return Tensor._make(y, True, self)
        self.needs_input_grad = (False,) * len(inputs)
        return Tensor._make(self.forward(*arrays))

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    def forward(self, *xs: Any) -> Any:
        raise NotImplementedError

    def backward(self, gy: Any) -> Any:
        raise NotImplementedError

    def release(self) -> None:
        """Drop the saved arrays and inputs once backward has used them (frees activation memory)."""
        self.saved = ()
        self.inputs = None  # type: ignore[assignment]


def _accumulate_leaf(tensor: Tensor, grad: Any, handed_out: set[int]) -> None:
    """Add ``grad`` into ``tensor.grad``. ``handed_out``: ids of arrays already held elsewhere (updated here).

    ``.grad`` is the tensor's own array, in its dtype (as PyTorch keeps it) and laid out in memory like its data
    (PyTorch's layout contract): Add hands one array to both inputs, Reshape a view of its gradient,
    backward(grad) the caller's array, and an optimizer may change .grad in place (clipping, weight decay) and
    runs fastest on arrays laid out alike (a convolution's weight gradient comes out transposed, its input
    gradient batch last). Broadcast views (zero strides) become real arrays. A sum is a new array, not added in
    place: code outside may still hold the old .grad.
    """
    grad = _no_scalar(grad)
    data = tensor.data
    fresh = grad.dtype == data.dtype and grad.strides == data.strides and grad.base is None
    if tensor.grad is None and fresh and id(grad) not in handed_out:  # already an array of its own, as wanted
        handed_out.add(id(grad))
        tensor.grad = grad
        return
    own = backend.get_array_module(data).empty_like(data, order="C" if 0 in data.strides else "K")
    if tensor.grad is None:
        own[...] = grad
        handed_out.add(id(own))
    else:
        backend.get_array_module(data).add(tensor.grad, grad, out=own)
    tensor.grad = own


def _topological_order(root: Function) -> list[Function]:
    """Functions reachable from ``root``, each after every function that consumes its output.

    Iterative depth-first search: a 5,000-op chain must not hit Python's recursion limit.
    """
    order: list[Function] = []
    visited: set[int] = set()
    stack: list[tuple[Function, bool]] = [(root, False)]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in visited:
            continue
        if fn.inputs is None:
            raise RuntimeError(
                "backward() through a graph a second time: its saved arrays were freed by the first backward. "
                "Pass retain_graph=True to the first call if you need to backward twice."
            )
        visited.add(id(fn))
        stack.append((fn, True))
        for x in fn.inputs:
            if isinstance(x, Tensor) and x.creator is not None and id(x.creator) not in visited:
                stack.append((x.creator, False))
    order.reverse()
    return order


def _run_backward(output: Tensor, grad: Any, retain_graph: bool, handed_out: set[int]) -> None:
    # Each function has one output, so gradients waiting to flow are keyed by the function that made them.
    pending: dict[int, Any] = {id(output.creator): grad}
    if output._retain_grad:
        _accumulate_leaf(output, grad, handed_out)
    for fn in _topological_order(output.creator):  # type: ignore[arg-type]
        gy = pending.pop(id(fn), None)
        if gy is None:  # nothing flowed into this branch (e.g. it only feeds a non-differentiable output)
            if not retain_graph:
                fn.release()
            continue
        grads = fn.backward(gy)
        if not isinstance(grads, tuple):
            grads = (grads,)
        for x, g, needed in zip(fn.inputs, grads, fn.needs_input_grad):
            if not needed or g is None:
                continue
            if g.shape != x.data.shape:
                raise RuntimeError(
                    f"{type(fn).__name__}.backward returned a gradient of shape {g.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            if x.creator is None:
                _accumulate_leaf(x, g, handed_out)
                continue
            if x._retain_grad:
                _accumulate_leaf(x, g, handed_out)
            key = id(x.creator)
            pending[key] = g if key not in pending else pending[key] + g
        if not retain_graph:
            fn.release()


from .ops import math as _ops  # noqa: E402  (ops build on Tensor and Function defined above)
from .ops import shape as _shape  # noqa: E402
