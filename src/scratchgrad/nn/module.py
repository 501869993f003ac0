"""Module, Parameter and the containers: the PyTorch-style way to hold weights and compose layers.

Assigning a Parameter or a Module to an attribute registers it, so ``parameters()``, ``state_dict()`` and
``train()`` / ``eval()`` find everything without the layer listing it by hand. State-dict keys are PyTorch's
dotted names (``0.weight``, ``conv1.bias``), so the weights load into the equivalent ``torch.nn`` model.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..device import move
from ..grad_hooks import RemovableHandle
from ..tensor.convert import to_arguments
from .state import IncompatibleKeys, _array, _warn_non_finite


class Parameter(Tensor):
    """A Tensor that a Module learns: requires grad by default and is listed by ``parameters()``."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True):
        super().__init__(data.data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model: subclasses set attributes in ``__init__`` and define ``forward``.

    Example::

        class TwoLayerNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 50)
                self.fc2 = nn.Linear(50, 10)

            def forward(self, x):
                return self.fc2(F.relu(self.fc1(x)))
    """

    training: bool
    # Read by ``chain``: an elementwise activation that max pooling may run before (ReLU), and max pooling.
    commutes_with_max_pool = False
    is_max_pool = False

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_non_persistent", set())

    # ---- registration ----------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"call super().__init__() in {type(self).__name__}.__init__ before assigning {name!r}")
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            self._buffers[name] = value  # assigning to a buffer's name replaces the buffer, as in PyTorch
            return
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, (Parameter, Module)):
            self.__dict__.pop(name, None)  # a plain attribute of that name would hide the registered one
            (self._parameters if isinstance(value, Parameter) else self._modules)[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: look in the registries.
        for registry in ("_parameters", "_buffers", "_modules"):
            table = self.__dict__.get(registry)
            if table is not None and name in table:
                return table[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: Any, persistent: bool = True) -> None:
        """State that is not learned but moves with the module (BatchNorm's running statistics).

        ``persistent=False`` keeps it out of ``state_dict()``. The name must be new to the module.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_buffer: the name must be a non-empty string without '.'; received {name!r}")
        if name not in self._buffers and (name in self.__dict__ or name in self._parameters or name in self._modules):
            raise KeyError(f"register_buffer: {type(self).__name__} already has an attribute {name!r}")
        self._buffers[name] = None if array is None else backend.as_array(_array(array))
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)

    def add_module(self, name: str, module: Module | None) -> None:
        self._modules[name] = module

    # ---- running ---------------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                changed = hook(self, args)
                if changed is not None:  # a pre-hook may replace the inputs, as in PyTorch
                    args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
        return out

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], None]) -> Callable[[], None]:
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle: ``handle.remove()`` (or
        ``handle()``) removes it."""
        return RemovableHandle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any]) -> Callable[[], None]:
        """Call ``hook(module, inputs)`` before every forward; a return value other than None replaces the inputs
        (a tuple, or one value). Returns a handle whose ``remove()`` removes the hook."""
        return RemovableHandle(self._forward_pre_hooks, hook)

    def train(self, mode: bool = True) -> Module:
        """Training mode (``mode=False``: evaluation): dropout drops, batch norm uses batch statistics. Returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be True or False; received {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics. Returns self."""
        return self.train(False)

    # ---- traversal -------------------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        stack = [(prefix, self)]
        seen: set[int] = set()
        while stack:
            name, module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            stack[0:0] = [(f"{name}.{child}" if name else child, m) for child, m in module.named_children()]

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter, each once, in registration order."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, param in module._parameters.items():
                if param is not None and id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self) -> Iterator[Parameter]:
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self) -> Iterator[tuple[str, Any]]:
        for module_name, module in self.named_modules():
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buf

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: None by default, fresh zeros with ``set_to_none=False``."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.data = backend.get_array_module(param.data).zeros_like(param.grad.data)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter, e.g. a pretrained backbone; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule, children before their parent and self last (PyTorch's order)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- weights in and out ----------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Any]:
        """Parameters and buffers by PyTorch's dotted names; values are the arrays themselves (not copies)."""
        state: OrderedDict[str, Any] = OrderedDict()
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[prefix + name] = param.data
            for name, buf in module._buffers.items():
                if buf is not None and name not in module._non_persistent:
                    state[prefix + name] = buf
        return state

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays (or Tensors) into the parameters and buffers of the same names.

        Returns ``(missing_keys, unexpected_keys)``, as PyTorch does; with ``strict`` either one non-empty is a
        ``KeyError`` listing both. A key whose shape differs is a ``ValueError`` listing every such key. Both
        are raised before anything is changed.
        """
        targets = self._state_targets()
        missing = sorted(k for k in targets if k not in state)
        unexpected = sorted(k for k in state if k not in targets)
        mismatched = [
            f"{k}: expected {targets[k][2]}, received {tuple(np.shape(_array(state[k])))}"
            for k in targets
            if k in state and tuple(np.shape(_array(state[k]))) != targets[k][2]
        ]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict for {type(self).__name__}: missing keys {missing}, unexpected keys {unexpected}"
            )
        if mismatched:
            raise ValueError(f"load_state_dict for {type(self).__name__}: shape mismatch: " + "; ".join(mismatched))
        _warn_non_finite(type(self).__name__, {k: state[k] for k in targets if k in state})
        for key, (module, name, _, kind) in targets.items():
            if key not in state:
                continue
            value = backend.as_array(_array(state[key]))
            if kind == "param":
                param = module._parameters[name]
                param.data = value.astype(param.data.dtype, copy=True)
            else:
                old = module._buffers[name]
                module._buffers[name] = value.astype(old.dtype, copy=True)
        return IncompatibleKeys(missing, unexpected)

    def _state_targets(self) -> dict[str, tuple[Module, str, tuple[int, ...], str]]:
        targets = {}
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    targets[prefix + name] = (module, name, param.shape, "param")
            for name, buf in module._buffers.items():
                if buf is not None and name not in module._non_persistent:
                    targets[prefix + name] = (module, name, tuple(buf.shape), "buffer")
        return targets

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move parameters and buffers to a device and/or cast the floating ones to a dtype, in place:
        ``to("cuda")``, ``to(sg.float64)``, ``to("cpu", sg.float32)``. Build the optimizer afterwards (as in
        PyTorch): it keeps its state beside the parameters it was given."""
        where, dtype = to_arguments(args, kwargs)

        def convert(array: Any) -> Any:
            array = array if where is None else move(array, where)
            return array.astype(dtype) if dtype is not None and array.dtype.kind == "f" else array

        for module in self.modules():
            for param in module._parameters.values():
                if param is not None:
                    param.data = convert(param.data)
                    param.grad = None if param.grad is None or dtype is not None else convert(param.grad.data)
            for name, buf in module._buffers.items():
                if buf is not None:
                    module._buffers[name] = convert(buf)
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, index: int | None = None) -> Module:
        """Parameters and buffers on a GPU (needs CuPy and a GPU)."""
        return self.to("cuda" if index is None else f"cuda:{index}")

    # ---- display ---------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ") for name, module in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after another; children are named 0, 1, 2, ... (or by an OrderedDict's keys).

    Args:
        modules: the modules in order, or one OrderedDict of name -> module.

    Shape: the first module's input -> the last module's output.
    Example: ``nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))`` has state-dict keys
    ``0.weight``, ``0.bias``, ``2.weight``, ``2.bias``, as in PyTorch.
    """

    def __init__(self, *modules: Module | OrderedDict):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            for name, module in modules[0].items():
                self.add_module(name, _check_module(module, name))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), _check_module(module, str(i)))

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), _check_module(module, str(len(self._modules))))
        return self

    def forward(self, x: Any) -> Any:
        return chain(self._modules.values(), x)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*items[index])
        return items[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


def chain(modules: Iterable[Module], x: Any) -> Any:
    """Apply ``modules`` one after another (what Sequential does), with one exact shortcut.

    A ReLU directly followed by max pooling runs as pooling first: relu(max(a, b)) == max(relu(a), relu(b))
    for all a, b, and the gradient reaches the same element (where the window's maximum is <= 0, ReLU's
    gradient is zero in both orders). The ReLU, forward and backward, then touches a quarter of the elements
    for 2x2 pooling. Skipped when either module has a forward hook, so that hooks (and summary()) see each
    module's own output.
    """
    modules = list(modules)
    i = 0
    while i < len(modules):
        first, second = modules[i], modules[i + 1] if i + 1 < len(modules) else None
        if second is not None and _commutes(first, second):
            x = first(second(x))
            i += 2
        else:
            x = first(x)
            i += 1
    return x


def _commutes(activation: Module, pool: Module) -> bool:
    return (
        activation.commutes_with_max_pool
        and pool.is_max_pool
        and not activation._forward_hooks
        and not pool._forward_hooks
    )


def _check_module(module: Any, name: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"expected a Module for entry {name}; received {type(module).__name__}")
    return module
