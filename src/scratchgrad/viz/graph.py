"""The computational graph behind a tensor as Graphviz DOT: tensors as ovals, functions as boxes.

It is the graph the notes draw by hand: ``graph(price, show_values=True)`` after ``price.backward()`` puts each
forward value above its edge and, where the tensor kept one, its gradient below in red. The walk is autograd's
own (``Function.inputs`` back from the tensor's creator), the one ONNX export and ``SummaryWriter.add_graph`` read.

Example::

    g = sg.viz.graph(loss, show_values=True)
    g.save("loss.dot")          # the DOT text
    g.render("loss.svg")        # needs Graphviz's ``dot`` (Debian/Ubuntu: apt-get install graphviz)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..io import atomic_write_bytes, atomic_write_text
from ..onnx.trace import functions_behind, outputs_of, trace
from ..tensor import Tensor

INSTALL_HINT = ("Graphviz's dot is not installed: apt-get install graphviz (Debian, Ubuntu), brew install graphviz "
                "(macOS), conda install graphviz, or see graphviz.org/download; the DOT text is in .source, and "
                ".save('graph.dot') writes it")


class Graph:
    """DOT text (``.source``) with ``save`` (the .dot file) and ``render`` (an image through Graphviz's dot)."""

    def __init__(self, source: str):
        self.source = source

    def __str__(self) -> str:
        return self.source

    def save(self, path: str | Path) -> Path:
        """Write the DOT text to ``path`` (atomically)."""
        atomic_write_text(path, self.source)
        return Path(path)

    def render(self, path: str | Path) -> Path:
        """Draw the graph to ``path``; its suffix picks the format (.svg, .png, .pdf). Needs Graphviz's ``dot``."""
        path = Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in ("svg", "png", "pdf"):
            raise ValueError(f"render: the file's suffix picks the format: .svg, .png or .pdf; received {path.name!r}")
        dot = shutil.which("dot")
        if dot is None:
            raise FileNotFoundError(INSTALL_HINT)
        done = subprocess.run([dot, f"-T{fmt}"], input=self.source.encode(), capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"dot -T{fmt} failed (status {done.returncode}): {done.stderr.decode()[-500:]}")
        atomic_write_bytes(path, done.stdout)
        return path


def _number(v: Any) -> str:
    return f"{float(v):.6g}"


def _values(array: Any) -> str:
    """A short text of an array's values: the number itself for one element, else the first few."""
    a = np.asarray(array)
    if a.size == 1:
        return _number(a.reshape(()))
    return np.array2string(a.ravel()[:6], precision=4, separator=", ") + (" ..." if a.size > 6 else "")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Builder:
    def __init__(self, names: Mapping[int, str], show_values: bool, scopes: Mapping[int, str]):
        self.names, self.show_values, self.scopes = names, show_values, scopes
        self.ids: dict[int, str] = {}
        self.lines: list[str] = []
        self.functions = 0

    def tensor(self, x: Any, made_by: Any = None) -> str:
        key = id(made_by) if made_by is not None else id(x)
        if key in self.ids:
            return self.ids[key]
        node = self.ids[key] = f"t{len(self.ids)}"
        if not isinstance(x, Tensor):  # a Python number or array fed to an op: a constant
            self.lines.append(f"  {node} [shape=plaintext, label={_quote(_values(x))}];")
            return node
        name = self.names.get(id(x)) or x.name or ("output" if made_by is not None else "tensor")
        label = f"{name}\n{tuple(x.shape)} {x.data.dtype}"
        if self.show_values:
            label += f"\n{_values(x.data)}"
        self.lines.append(f"  {node} [shape=oval, label={_quote(label)}];")
        return node

    def function(self, fn: Any, made: Any) -> None:
        node, self.functions = f"f{self.functions}", self.functions + 1
        scope = self.scopes.get(id(fn))
        label = type(fn).__name__ + (f"\n{scope}" if scope else "")
        self.lines.append(f"  {node} [shape=box, style=filled, fillcolor=lightgrey, label={_quote(label)}];")
        for x in fn.inputs:
            source = self.tensor(x, x.creator if isinstance(x, Tensor) else None)
            self.lines.append(f"  {source} -> {node}{self._edge_label(x)};")
        self.lines.append(f"  {node} -> {self.tensor(made, fn)};")

    def _edge_label(self, x: Any) -> str:
        """The forward value above the edge and, when the tensor kept one, its gradient below in red."""
        if not self.show_values or not isinstance(x, Tensor):
            return ""
        text = _html(_values(x.data))
        if x.grad is not None:
            text += f'<br/><font color="red">{_html(_values(x.grad.data))}</font>'
        return f" [label=<{text}>]"


def _dot(outputs: Sequence[Tensor], functions: Sequence[Any], made: Mapping[int, Tensor], names: Mapping[int, str],
         show_values: bool, scopes: Mapping[int, str]) -> Graph:
    b = _Builder(names, show_values, scopes)
    for fn in functions:
        b.function(fn, made[id(fn)])
    for y in outputs:
        node = b.tensor(y, y.creator)
        if show_values and y.grad is not None:  # the gradient the backward pass started from, after the output
            b.lines.append(f'  {node}_grad [shape=plaintext, fontcolor=red, label={_quote(_values(y.grad.data))}];')
            b.lines.append(f"  {node} -> {node}_grad [style=dashed, color=red, dir=back];")
    header = ["digraph {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];',
              '  edge [fontname="Helvetica", fontsize=10];']
    return Graph("\n".join(header + b.lines + ["}"]) + "\n")


def graph(tensor: Tensor, show_values: bool = False, names: Mapping[str, Tensor] | None = None) -> Graph:
    """The autograd graph behind ``tensor`` as DOT: tensors as ovals (name, shape, dtype, and values with
    ``show_values``), functions as boxes, data flowing left to right.

    Args:
        tensor: a tensor computed with gradients enabled (its ``creator`` is the graph's last node).
        show_values: print each tensor's values in its oval and on its edges, and its gradient (``.grad``: leaves
            after ``backward``, or tensors that called ``retain_grad()``) below in red.
        names: labels for tensors, e.g. ``dict(model.named_parameters())``; otherwise each tensor's ``name``.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph: expected a Tensor; received {type(tensor).__name__}")
    functions = functions_behind([tensor])
    by_id = {id(t): name for name, t in (names or {}).items()}
    return _dot([tensor], functions, outputs_of(functions, [tensor]), by_id, show_values, {})


def model_graph(model: Any, example: Any) -> Graph:
    """The graph of one forward pass of ``model`` on ``example`` (eval mode), each op labelled with its module
    and each parameter with its name. Example: ``model_graph(models.get("simple_convnet"), x[:1])``."""
    traced = trace(model, example)
    names = {id(p): n for n, p in model.named_parameters()} if hasattr(model, "named_parameters") else {}
    for i, x in enumerate(traced.inputs):
        names[id(x)] = "input" if len(traced.inputs) == 1 else f"input_{i}"
    return _dot(traced.outputs, traced.functions, traced.made, names, False, traced.module_of)
