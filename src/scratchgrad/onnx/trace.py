"""One forward pass recorded as the autograd graph, with each function's module and output tensor.

The exporter, ``viz.graph``, ``SummaryWriter.add_graph`` and ``keras.utils.plot_model`` read the same record:
the ``Function`` nodes that ``Function.__call__`` links while gradients are on, in the order they ran (inputs
before the functions that use them). The inputs are traced as tensors that require grad, so that ops on the
input alone (a Flatten before the first layer) are recorded too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .. import autograd
from ..autograd import Function, enable_grad
from ..tensor import Tensor


@dataclass
class Trace:
    """A recorded graph. ``functions``: in the order they ran; ``made[id(fn)]``: the tensor ``fn`` made;
    ``module_of[id(fn)]``: the qualified name and class of the innermost module that ran ``fn``."""

    inputs: list[Tensor]
    outputs: list[Tensor]
    functions: list[Function]
    made: dict[int, Tensor] = field(default_factory=dict)
    module_of: dict[int, str] = field(default_factory=dict)


def functions_behind(outputs: Sequence[Tensor]) -> list[Function]:
    """Every function that ``outputs`` depend on, each after the functions that made its inputs, in the order
    the program ran them where the graph allows (autograd's own walk)."""
    return autograd.functions_behind(
        [t.creator for t in outputs if t.creator is not None],
        "backward() has freed the graph behind this tensor (its functions let go of their inputs); use the graph "
        "before backward, or backward(retain_graph=True)")


def outputs_of(functions: Sequence[Function], outputs: Sequence[Tensor]) -> dict[int, Tensor]:
    """id(fn) -> the tensor it made: each one is either an output or an input of a later function."""
    made = {id(t.creator): t for t in outputs if t.creator is not None}
    for fn in functions:
        for x in fn.inputs:
            if isinstance(x, Tensor) and x.creator is not None:
                made[id(x.creator)] = x
    return made


def _attribute(module_of: dict[int, str], label: str, args: tuple, out: Any) -> None:
    """Give ``label`` to the functions behind ``out`` that no inner module claimed, up to the module's inputs."""
    stops = {id(a.creator) for a in args if isinstance(a, Tensor) and a.creator is not None}
    stack = [t.creator for t in _as_list(out) if isinstance(t, Tensor) and t.creator is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in stops or fn.inputs is None:
            continue
        if id(fn) not in module_of:
            module_of[id(fn)] = label
        stack.extend(x.creator for x in fn.inputs if isinstance(x, Tensor) and x.creator is not None
                     and id(x.creator) not in module_of)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def traced_inputs(args: Any) -> list[Tensor]:
    """Fresh tensors that require grad, holding ``args`` (a tensor, an array, or a tuple of them)."""
    values = list(args) if isinstance(args, (tuple, list)) else [args]
    return [Tensor(np.asarray(v.data if isinstance(v, Tensor) else v), requires_grad=True) for v in values]


def trace(model: Any, args: Any) -> Trace:
    """Run ``model(*args)`` once in eval mode with the graph recorded, then restore each module's mode.

    Args:
        model: an ``nn.Module`` (a Keras model is one) or any callable of tensors.
        args: its input: a Tensor or array of shape (N, ...), or a tuple of them.
    """
    inputs = traced_inputs(args)
    module_of: dict[int, str] = {}
    removers = []
    modes = []
    if hasattr(model, "named_modules"):
        for name, module in model.named_modules():
            modes.append((module, module.training))
            label = f"{name or 'the model'} ({type(module).__name__})"
            removers.append(module.register_forward_hook(
                lambda m, a, o, label=label: _attribute(module_of, label, a, o)))
        model.eval()
    try:
        with enable_grad():
            outputs = _as_list(model(*inputs))
    finally:
        for remove in removers:
            remove()
        for module, mode in modes:  # each module as it was: a model may hold a layer frozen in eval mode
            object.__setattr__(module, "training", mode)
    bad = [type(o).__name__ for o in outputs if not isinstance(o, Tensor)]
    if bad:
        raise TypeError(f"trace: the model must return a Tensor or a tuple of Tensors; it returned {', '.join(bad)}")
    functions = functions_behind(outputs)
    return Trace(inputs, outputs, functions, outputs_of(functions, outputs), module_of)
