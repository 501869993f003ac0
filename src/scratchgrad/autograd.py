"""Function and the backward walk over the computational graph (grad mode is in ``grad_mode.py``).

A Tensor (``tensor/``) that a ``Function`` produced while gradients were enabled remembers that function
(``.creator``). ``backward(tensor)`` walks those functions in reverse topological order and calls each one's
``backward``: the chain rule, one node at a time, exactly as the notes' computational graphs do by hand (the
apple/orange example is a test).

Only ``Function.__call__`` knows about Tensors; ``forward`` and ``backward`` take and return plain arrays. This
module sits below ``tensor/`` and never imports it: ``tensor/`` registers its class here (``register_tensor_class``)
so that ``Function.__call__`` can wrap its outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend, grad_mode
from .device import check_same
from .grad_hooks import PostAccumulate, has_hooks
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401

_Tensor: Any = None
"""The Tensor class, registered by ``tensor/`` when it is imported (autograd sits below it)."""


_refresh_view: Any = None
"""``tensor/``'s function that gives a view whose memory changed in place the history of its base as it is now."""


def register_view_refresher(function: Any) -> None:
    """Set the function ``Function.__call__`` calls for a view whose base changed in place (``tensor/``'s)."""
    global _refresh_view
    _refresh_view = function


def _refreshed(view: Any) -> bool:
    _refresh_view(view)
    return view.requires_grad


def register_tensor_class(cls: type) -> None:
    """Make ``cls`` the class that ``Function.__call__`` wraps outputs in and that backward recognises."""
    global _Tensor
    _Tensor = cls


def __getattr__(name: str) -> Any:
    """``from scratchgrad.autograd import Tensor`` (or ``as_tensor``) works: both live in ``tensor/``, above."""
    if name in ("Tensor", "as_tensor"):
        from .tensor import creation

        return getattr(creation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _no_scalar(value: Any) -> Any:
    """A 0-d array for a NumPy scalar: reductions and arithmetic on 0-d arrays return scalars, which have no
    in-place operators; ``.data`` is always an array."""
    return np.asarray(value) if isinstance(value, np.generic) else value


def wrap(array: Any) -> Any:
    """A Tensor (never a subclass such as Parameter) around ``array``, outside any graph."""
    return _Tensor._make(array)


def grad_array(tensor: Any) -> Any:
    """The array of ``tensor.grad``, or None when it has no gradient (the engine's view of ``.grad``)."""
    g = tensor._grad
    return None if g is None else g.data


def array_of(value: Any) -> Any:
    """A Tensor's array, or ``value`` itself (an array, a number)."""
    return value.data if isinstance(value, _Tensor) else value


class Function:
    """One node of the graph: ``forward`` computes arrays, ``backward`` maps d(out) to d(each input).

    Subclasses implement ``forward(*arrays) -> array`` and ``backward(gy) -> grad or tuple of grads`` (one per
    input, ``None`` where an input needs none; ``self.needs_input_grad[i]`` says which do). Keep what backward
    needs with ``save_for_backward`` and read it back from ``self.saved``.
    """

    inputs: tuple[Any, ...] = ()
    creators: tuple[Any, ...] = ()
    """Each input's creator when this function used it: an in-place op may give the tensor a new one later."""
    saved: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    versions: tuple[int, ...] = ()
    """Each input's version when forward saved arrays: backward refuses to run if one was changed in place."""
    out_version = 0
    """The output's version when this function made it (0, or later when an in-place op rebinds a tensor)."""

    def __call__(self, *inputs: Any) -> Any:
        arrays = [x.data if isinstance(x, _Tensor) else x for x in inputs]
        if backend._cupy is not None and len(arrays) > 1:  # arrays may live on different devices only then
            check_same(self.name(), arrays)
        if grad_mode.enabled:
            # (a view whose base changed in place since it took its history takes the base's new one first)
            needs = tuple([isinstance(x, _Tensor) and (x.requires_grad if x._base is None or x._version[0] ==
                                                       x._view_version else _refreshed(x)) for x in inputs])
            if True in needs:
                self.needs_input_grad = needs
                y = self.forward(*arrays)
                self.inputs = inputs
                self.creators = tuple([x.creator if isinstance(x, _Tensor) else None for x in inputs])
                if self.saved:
                    self.versions = tuple([x._version[0] if isinstance(x, _Tensor) else 0 for x in inputs])
                return _Tensor._make(y, True, self)
        self.needs_input_grad = (False,) * len(inputs)
        return _Tensor._make(self.forward(*arrays))

    def name(self) -> str:
        """PyTorch's name for this node, as ``grad_fn`` shows it: ``MulBackward0`` for ``Mul``."""
        return f"{type(self).__name__}Backward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Per input, ``(node, 0)``: the function that made it, an ``AccumulateGrad`` for a leaf that requires
        grad, or None for a constant (PyTorch's graph walk from ``grad_fn``)."""
        return tuple((_node_of(x, c), 0) for x, c in zip(self.inputs or (), self.creators))

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

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
        self.creators = ()


class AccumulateGrad:
    """The graph node of a leaf that requires grad: backward adds into ``variable.grad`` there."""

    def __init__(self, variable: Any):
        self.variable = variable
        self.next_functions: tuple[Any, ...] = ()

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def _node_of(x: Any, creator: Any) -> Any:
    if not isinstance(x, _Tensor) or not x.requires_grad:
        return None
    return creator if creator is not None else AccumulateGrad(x)


def _saved(fn: Function, array: Any) -> bool:
    """Whether ``fn`` saved ``array``'s memory (the array itself or a view of the same owner)."""
    owner = array if getattr(array, "base", None) is None else array.base
    return any(a is array or getattr(a, "base", None) is owner or a is owner for a in fn.saved)


def _check_unchanged(fn: Function, output: Any) -> None:
    """Refuse to differentiate through arrays that an in-place op changed after ``fn`` saved them."""
    # Only memory that the function saved matters (exp saves its output, not its input); a tensor that an
    # in-place op gave new memory left the saved array as it was.
    changed = [(x, v) for x, v in zip(fn.inputs, fn.versions)
               if isinstance(x, _Tensor) and x._version[0] != v and _saved(fn, x.data)]
    if output is not None and output._version[0] != fn.out_version and _saved(fn, output.data):
        changed.append((output, fn.out_version))
    if changed:
        x, v = changed[0]
        raise RuntimeError(
            f"one of the tensors that {fn.name()} saved for backward (shape {tuple(x.shape)}) was changed by an "
            f"in-place operation: it is at version {x._version[0]}, backward needs version {v}. Change a copy "
            "(t.clone()) instead, or make the in-place change after backward."
        )


def _accumulate_leaf(tensor: Any, grad: Any, handed_out: set[int]) -> None:
    """Add ``grad`` into ``tensor.grad``. ``handed_out``: ids of arrays already held elsewhere (updated here).

    ``.grad`` holds the tensor's own array, in its dtype (as PyTorch keeps it) and laid out in memory like its data
    (PyTorch's layout contract): Add hands one array to both inputs, Reshape a view of its gradient,
    backward(grad) the caller's array, and an optimizer may change .grad in place (clipping, weight decay) and
    runs fastest on arrays laid out alike (a convolution's weight gradient comes out transposed, its input
    gradient batch last). Broadcast views (zero strides) become real arrays. A sum is a new array in the same
    ``.grad`` Tensor: code that took the old array keeps its values, code that holds the Tensor sees the sum.
    """
    grad = _no_scalar(grad)
    data = tensor.data
    held = grad_array(tensor)
    fresh = grad.dtype == data.dtype and grad.strides == data.strides and grad.base is None
    if held is None and fresh and id(grad) not in handed_out:  # already an array of its own, as wanted
        handed_out.add(id(grad))
        tensor._grad = _Tensor._make(grad)  # (the shape is the tensor's: no need for the setter's checks)
        return
    own = backend.get_array_module(data).empty_like(data, order="C" if 0 in data.strides else "K")
    if held is None:
        own[...] = grad
        handed_out.add(id(own))
        tensor._grad = _Tensor._make(own)
    else:
        backend.get_array_module(data).add(held, grad, out=own)
        tensor.grad.data = own  # the same Tensor, as PyTorch adds into .grad: whoever holds it sees the sum


_FREED = ("backward() through a graph a second time: its saved arrays were freed by the first backward. "
          "Pass retain_graph=True to the first call if you need to backward twice.")


def functions_behind(roots: Any, freed: str = _FREED) -> list[Function]:
    """Every function the ``roots`` depend on, each after those that made its inputs, first input's branch first
    (iterative depth-first post-order: no recursion limit); ``freed``: the error for a graph backward freed."""
    order: list[Function] = []
    visited: set[int] = set()
    for root in roots:
        stack: list[tuple[Function, bool]] = [(root, False)]
        while stack:
            fn, expanded = stack.pop()
            if expanded:
                order.append(fn)
                continue
            if id(fn) in visited:
                continue
            if fn.inputs is None:
                raise RuntimeError(freed)
            visited.add(id(fn))
            stack.append((fn, True))
            stack.extend((c, False) for c in reversed(fn.creators) if c is not None and id(c) not in visited)
    return order


def _topological_order(root: Function) -> list[Function]:
    """Functions reachable from ``root``, each after every function that consumes its output (backward's order)."""
    return functions_behind([root])[::-1]


def _run_backward(output: Any, grad: Any, retain_graph: bool, deliver: Any) -> None:
    """Send ``grad`` back from ``output`` through its graph, calling ``deliver(tensor, g)`` for each gradient
    ``g`` that reaches a tensor (once per path: the receiver adds them up)."""
    # Each function has one output, so gradients waiting to flow are keyed by the function that made them.
    pending: dict[int, Any] = {id(output.creator): grad}
    made_by = {id(output.creator): output}  # the tensor each function made, to check it was not changed in place
    deliver(output, grad)
    for fn in _topological_order(output.creator):  # type: ignore[arg-type]
        gy = pending.pop(id(fn), None)
        if gy is None:  # nothing flowed into this branch (e.g. it only feeds a non-differentiable output)
            if not retain_graph:
                fn.release()
            continue
        if fn.saved:
            _check_unchanged(fn, made_by.get(id(fn)))
        grads = fn.backward(gy)
        if not isinstance(grads, tuple):
            grads = (grads,)
        for x, creator, g, needed in zip(fn.inputs, fn.creators, grads, fn.needs_input_grad):
            if not needed or g is None:
                continue
            if g.shape != x.data.shape:
                raise RuntimeError(
                    f"{type(fn).__name__}.backward returned a gradient of shape {g.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            if creator is None or creator is x.creator:  # not the old value of a tensor changed in place since
                deliver(x, g)
            if creator is not None:
                key = id(creator)
                made_by[key] = x
                pending[key] = g if key not in pending else pending[key] + g
        if not retain_graph:
            fn.release()


def _gradient_for(tensor: Any, gradient: Any) -> Any:
    """The array to start backward from: ones for a one-element output, else the caller's, checked."""
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a one-element output; this one has shape {tensor.shape}. "
                "Reduce it first (loss.sum() or loss.mean()) or pass gradient= of the same shape."
            )
        return backend.get_array_module(tensor.data).ones_like(tensor.data)
    gradient = gradient.data if isinstance(gradient, _Tensor) else backend.as_array(gradient, dtype=tensor.dtype)
    if gradient.shape != tensor.shape:
        raise ValueError(f"backward(): gradient has shape {gradient.shape}, expected the tensor's shape {tensor.shape}")
    return gradient


def _check_requires_grad(tensor: Any) -> None:
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no input of the computation had "
            "requires_grad=True, or it was computed under no_grad()."
        )


def _refuse_create_graph(caller: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            f"{caller}(create_graph=True): higher-order gradients are not supported; each Function's backward "
            "computes on arrays, outside the graph. Use a numerical gradient (scratchgrad.gradcheck) instead."
        )


def backward(tensor: Any, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    Args:
        tensor: the output to differentiate (usually a scalar loss).
        gradient: d(loss)/d(tensor), of tensor's shape; may be omitted when ``tensor`` holds one element.
        retain_graph: keep the graph's saved arrays so ``backward`` can run through it again.
        create_graph: must be False (no gradients of gradients).
    """
    _refuse_create_graph("backward", create_graph)
    _check_requires_grad(tensor)
    given = gradient is not None
    gradient = _gradient_for(tensor, gradient)
    handed_out: set[int] = {id(gradient)} if given else set()  # the caller's array: no leaf may keep it as .grad

    # Hooked leaves are counted first: a hook runs after the last gradient a leaf will get, not after the first.
    hooked = PostAccumulate(_topological_order(tensor.creator)) if has_hooks() and tensor.creator else None

    def deliver(x: Any, g: Any) -> None:
        if x.creator is None or x._retain_grad:  # leaves, and tensors that asked with retain_grad()
            _accumulate_leaf(x, g, handed_out)
            if hooked is not None:
                hooked.delivered(x)

    if tensor.creator is None:
        deliver(tensor, gradient)
        return
    _run_backward(tensor, gradient, retain_graph, deliver)
    if hooked is not None:
        hooked.finish()


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool = False,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(each input), returned as Tensors instead of accumulated into ``.grad`` (no ``.grad`` changes).

    Args:
        outputs: a tensor or a sequence of tensors (their gradients add up).
        inputs: a tensor or a sequence of tensors that ``outputs`` depend on (leaves or not).
        grad_outputs: d(loss)/d(each output); may be omitted for one-element outputs.
        retain_graph: keep the graph for another backward.
        create_graph: must be False: backward computes on arrays, so gradients of gradients are not recorded.
        allow_unused: give None for an input that ``outputs`` do not depend on, instead of raising.
    """
    _refuse_create_graph("grad", create_graph)
    outputs = [outputs] if isinstance(outputs, _Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, _Tensor) else list(inputs)
    grad_outputs = [None] * len(outputs) if grad_outputs is None else list(grad_outputs)
    wanted = {id(x): i for i, x in enumerate(inputs)}
    found: list[Any] = [None] * len(inputs)

    def deliver(x: Any, g: Any) -> None:
        i = wanted.get(id(x))
        if i is not None:
            found[i] = g if found[i] is None else found[i] + g

    for out, g in zip(outputs, grad_outputs):
        _check_requires_grad(out)
        g = _gradient_for(out, g)
        if out.creator is None:
            deliver(out, g)
        else:
            _run_backward(out, g, retain_graph, deliver)
    for i, g in enumerate(found):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad(): input {i} (shape {tuple(inputs[i].shape)}) was not used to compute the outputs; pass "
                "allow_unused=True to get None for it"
            )
    return tuple(None if g is None else _Tensor._make(_no_scalar(g)) for g in found)
