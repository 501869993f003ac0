"""A Keras model's layers as a graph read off one traced forward pass: what ``keras.utils.plot_model`` draws.

The pass is ``onnx.trace.trace``, the record that ``SummaryWriter.add_graph``, ``viz.graph`` and ONNX export read:
a batch of zeros of the model's input shapes, run once in eval mode with the graph recorded, no backward, each
module's mode restored. While it runs, ``layer_calls`` notes each layer call's input and output tensors. A call
owns the autograd functions behind its outputs that are not behind its inputs (autograd's walk, asked twice);
functions no drawn layer owns are the model's own glue (the layout change at its edges). Arrows follow the data:
a call's input comes from the last drawn call that gave that tensor before it, looking through glue, so a layer
that hands its input on unchanged (InputLayer, Dropout in eval mode, Identity) sits in the flow like any other.

A Sequential or functional model is a box per layer (``model.layers``); with ``expand_nested`` a nested Sequential
or functional model is a cluster of its own layers instead of one box. A subclassed model is one box, as in Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function
from ..nn import Module
from ..onnx.trace import Trace, functions_behind, trace
from ..tensor import Tensor
from . import layer_calls, symbolic
from .functional import Functional
from .layer_calls import LayerCall
from .sequential import Sequential


@dataclass
class Box:
    """One drawn layer: the nested models it sits in (outermost first; empty unless ``expand_nested``), its calls
    in the traced pass and the autograd functions those calls ran, in the order they ran."""

    layer: Any
    clusters: tuple[Any, ...] = ()
    calls: list[LayerCall] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)


@dataclass
class LayerGraph:
    """``boxes`` in ``model.layers`` order, ``edges`` as (source, destination) indexes into ``boxes``, ``glue``
    the traced functions no box owns, and the ``trace`` itself (its ``functions`` are autograd's walk)."""

    model: Any
    boxes: list[Box]
    edges: list[tuple[int, int]]
    glue: list[Function]
    trace: Trace


class _FlatCall(Module):
    """The model as a function of flat tensors giving a tuple, the form ``trace`` takes for any input structure
    (one tensor, a list, a dict of them)."""

    def __init__(self, model: Any):
        super().__init__()
        self.model = model
        object.__setattr__(self, "training", model.training)

    def forward(self, *xs: Tensor) -> tuple[Tensor, ...]:
        return tuple(symbolic.flatten(self.model(symbolic.pack(self.model._input, list(xs)))))


def layer_graph(model: Any, expand_nested: bool = False) -> LayerGraph:
    """Trace one forward pass of a built Keras ``model`` and group its autograd functions by the layer that ran
    them.

    Args:
        model: a built ``keras.Sequential``, functional ``keras.Model`` or subclassed model.
        expand_nested: draw the layers of nested Sequential and functional models (a cluster each) instead of one
            box per nested model.

    Example: for ``Sequential([Input((8, 8, 1)), Conv2D(2, 3), Flatten(), Dense(3)])`` the boxes are conv2d,
    flatten and dense, the edges (0, 1) and (1, 2), and conv2d's functions include the convolution.
    """
    if not getattr(model, "built", False):
        raise ValueError(
            f'plot_model: the model "{getattr(model, "name", model)}" has not been built yet, so its shapes are '
            "unknown; build it first: give the first layer an `input_shape`, call `model.build((None, ...))` or call "
            "the model on a batch of data"
        )
    boxes = _boxes(model, (), expand_nested) if isinstance(model, (Sequential, Functional)) else [Box(model)]
    with layer_calls.recording() as calls:
        traced = trace(_FlatCall(model), tuple(symbolic.flatten(_zeros(model))))
    if len(boxes) == 1 and boxes[0].layer is model:  # a subclassed model: its call is the whole pass
        calls = [LayerCall(model, traced.inputs, traced.outputs, internal=False)]
    index = {id(box.layer): i for i, box in enumerate(boxes)}
    drawn = [call for call in calls if id(call.layer) in index]
    owner = _owners(drawn, index)
    for call in drawn:
        boxes[index[id(call.layer)]].calls.append(call)
    for fn in traced.functions:
        if id(fn) in owner:
            boxes[owner[id(fn)]].functions.append(fn)
    glue = [fn for fn in traced.functions if id(fn) not in owner]
    return LayerGraph(model, boxes, _edges(drawn, index, _glue_sources(traced, glue, drawn)), glue, traced)


def _zeros(model: Any) -> Any:
    """A batch of one sample of zeros for each input, in the model's input structure (zeros: no generator moves)."""
    dtype = backend.get_default_dtype()
    return symbolic.nest(model._input, lambda shape: np.zeros((1, *shape), dtype=dtype))


def _boxes(model: Any, clusters: tuple[Any, ...], expand_nested: bool) -> list[Box]:
    boxes = []
    for layer in model.layers:
        if expand_nested and isinstance(layer, (Sequential, Functional)):
            boxes += _boxes(layer, (*clusters, layer), expand_nested)
        else:
            boxes.append(Box(layer, clusters))
    return boxes


def _owners(calls: list[LayerCall], index: dict[int, int]) -> dict[int, int]:
    """id(function) -> the box whose call ran it: behind the call's outputs and not behind its inputs. A function
    two calls could claim stays with the first (a layer that reads a tensor an earlier layer made)."""
    owner: dict[int, int] = {}
    for call in calls:
        before = {id(fn) for fn in functions_behind(call.inputs)}
        for fn in functions_behind(call.outputs):
            if id(fn) not in before:
                owner.setdefault(id(fn), index[id(call.layer)])
    return owner


def _glue_sources(traced: Trace, glue: list[Function], calls: list[LayerCall]) -> dict[int, list[Any]]:
    """id(tensor made by glue) -> the tensors it was computed from that a drawn call gave or that no function
    made, found in one pass over the trace's order (inputs before the functions that read them)."""
    given = {id(t) for call in calls for t in call.outputs}
    sources: dict[int, list[Any]] = {}
    for fn in glue:
        found = [s for x in fn.inputs if isinstance(x, Tensor)
                 for s in ([x] if id(x) in given else sources.get(id(x), [x]))]
        sources[id(traced.made[id(fn)])] = list({id(s): s for s in found}.values())
    return sources


def _edges(calls: list[LayerCall], index: dict[int, int], glue_sources: dict[int, list[Any]]) -> list[tuple[int, int]]:
    """(source box, destination box) for each tensor a call read, in the order the calls ran; the source is the
    box whose call last gave that tensor (or, for a tensor glue made, the tensors the glue read)."""
    gave: dict[int, int] = {}  # id(tensor) -> the box whose call gave it last, so far
    edges: dict[tuple[int, int], None] = {}
    for call in calls:
        here = index[id(call.layer)]
        for x in call.inputs:
            for source in [x] if id(x) in gave else glue_sources.get(id(x), []):
                if id(source) in gave:
                    edges[(gave[id(source)], here)] = None
        for y in call.outputs:
            gave[id(y)] = here
    return list(edges)
