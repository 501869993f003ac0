"""Export a model to ONNX, for ONNX Runtime and other inference engines: ``scratchgrad.onnx.export``.

The graph is one forward pass traced through autograd (``trace.py``); each ``Function`` becomes ONNX nodes
(``convert.py``) and every parameter and buffer an initializer. Needs the ``onnx`` package (the ``onnx`` extra:
``pip install 'scratchgrad[onnx]'``, which also brings ONNX Runtime to run the file).
"""

from __future__ import annotations

import io as _io
import os
from typing import Any, Sequence

import numpy as np

from ..io import atomic_write_bytes
from ..tensor import Tensor
from .convert import CONVERTERS, PASS_THROUGH, constant_input
from .trace import Trace, trace

__all__ = ["ExportError", "dynamic_batch", "export", "trace"]


class ExportError(ValueError):
    """An op of the model has no ONNX form; the message names the op and the module that ran it."""


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as e:  # an optional extra
        raise ImportError("scratchgrad.onnx needs the onnx package: pip install 'scratchgrad[onnx]'") from e
    return onnx


class _Graph:
    """The names, nodes and initializers of the ONNX graph being built from a ``Trace``."""

    def __init__(self, traced: Trace, params: dict[int, str], opset: int):
        self.trace, self.params, self.opset = traced, params, opset
        self.names: dict[int, str] = {}
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._taken: set[str] = set()

    def fresh(self, hint: str) -> str:
        name, i = hint, 1
        while name in self._taken:
            name, i = f"{hint}_{i}", i + 1
        self._taken.add(name)
        return name

    def constant(self, array: np.ndarray, hint: str) -> str:
        from onnx import numpy_helper

        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def rank(self, x: Any) -> int:
        return np.ndim(x.data if isinstance(x, Tensor) else x)

    def made(self, fn: Any) -> Tensor:
        return self.trace.made[id(fn)]

    def refuse(self, fn: Any, why: str) -> ExportError:
        where = self.trace.module_of.get(id(fn), "the model's forward")
        return ExportError(f"onnx.export: op {type(fn).__name__} in module {where}: {why}")

    def input_name(self, x: Any, fn: Any) -> str:
        """The ONNX name of one input of ``fn``: an earlier output, a graph input, a parameter or a constant."""
        if x is None:
            return ""
        if isinstance(x, Tensor) and x.creator is not None:
            return self.names[id(x.creator)]
        if id(x) in self.names:
            return self.names[id(x)]
        if isinstance(x, Tensor) and id(x) in self.params:
            self.names[id(x)] = self.constant(np.asarray(x.data), self.params[id(x)])
            return self.names[id(x)]
        return self.constant(constant_input(x, self.made(fn).data), "const")

    def add(self, fn: Any) -> None:
        kind = type(fn).__name__
        ins = [self.input_name(x, fn) for x in fn.inputs]
        wanted = self.names.get(id(fn))  # an output name given by the caller
        if kind in PASS_THROUGH:
            if wanted is None:
                self.names[id(fn)] = ins[0]
                return
            self.nodes.append(_onnx().helper.make_node("Identity", ins[:1], [wanted]))
            return
        if kind not in CONVERTERS:
            raise self.refuse(fn, f"no ONNX conversion; exportable ops: {', '.join(sorted(CONVERTERS))}, "
                              f"{', '.join(sorted(PASS_THROUGH))} (removed)")
        out = wanted or self.fresh(kind.lower())
        self.names[id(fn)] = out
        self.nodes.extend(CONVERTERS[kind](fn, ins, out, self))


def _value_info(name: str, tensor: Tensor, dynamic: Any) -> Any:
    from onnx import helper

    axes = dynamic.get(name, {}) if dynamic else {}
    if not isinstance(axes, dict):  # a list of axes: PyTorch names them itself
        axes = {int(a): f"{name}_dynamic_axes_{int(a) + 1}" for a in axes}
    shape = [axes.get(i, s) for i, s in enumerate(tensor.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(tensor.data.dtype)), shape)


def _names(given: Sequence[str] | None, count: int, default: str) -> list[str]:
    names = list(given or [])
    if len(names) > count:
        raise ValueError(f"onnx.export: {len(names)} names given for {count} {default}s: {names}")
    return names + [default if count == 1 else f"{default}_{i}" for i in range(len(names), count)]


def dynamic_batch(inputs: int = 1, outputs: int = 1) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` that leave axis 0 of every input and output open, under export's default names."""
    names = _names(None, inputs, "input") + _names(None, outputs, "output")
    return {name: {0: "batch"} for name in names}


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike | _io.IOBase,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: dict[str, Any] | None = None,
    opset_version: int = 17,
) -> Any:
    """Write ``model`` as an ONNX file (PyTorch's ``torch.onnx.export`` signature), checked by ``onnx.checker``.

    Args:
        model: an ``nn.Module`` or Keras model; exported in eval mode (dropout removed, batch norm's running
            statistics), its mode restored afterwards.
        args: an example input: a Tensor or array, e.g. of shape (1, 1, 28, 28), or a tuple of them.
        f: a path (written atomically) or a binary file object.
        input_names, output_names: graph names; "input" and "output" by default.
        dynamic_axes: ``{"input": {0: "batch"}, "output": {0: "batch"}}`` keeps those axes symbolic, so one
            file runs any batch size; a list of axes instead of a dict names them automatically.
        opset_version: the ONNX operator set (17 by default; 13 or later).

    Returns the ``onnx.ModelProto``. Raises ``ExportError`` naming the op and module an unexportable op is in.
    """
    onnx = _onnx()
    if opset_version < 13:
        raise ValueError(f"onnx.export: opset_version must be 13 or later; received {opset_version}")
    traced = trace(model, args)
    params = {id(p): name for name, p in model.named_parameters()} if hasattr(model, "named_parameters") else {}
    g = _Graph(traced, params, opset_version)
    ins, outs = _names(input_names, len(traced.inputs), "input"), _names(output_names, len(traced.outputs), "output")
    for name, x in zip(ins, traced.inputs):
        g.names[id(x)] = g.fresh(name)
    for name, y in zip(outs, traced.outputs):
        g.names[id(y.creator)] = g.fresh(name)
    for fn in traced.functions:
        g.add(fn)
    graph = onnx.helper.make_graph(
        g.nodes, type(model).__name__, [_value_info(n, x, dynamic_axes) for n, x in zip(ins, traced.inputs)],
        [_value_info(n, y, dynamic_axes) for n, y in zip(outs, traced.outputs)], g.initializers)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset_version)],
                                   producer_name="scratchgrad")
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        atomic_write_bytes(f, data)
    else:
        f.write(data)
    return proto
