"""``keras.utils.plot_model``: the model's layers as a Graphviz drawing (``dot`` must be installed for images).

One box per layer ("name" or "name (Class)", with its input and output shapes when ``show_shapes``), one arrow
per connection; a Sequential model is a column. ``to_file`` ending in ``.dot`` gets the DOT text itself.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..viz.graph import Graph


def _label(layer: Any, show_shapes: bool, show_layer_names: bool, show_dtype: bool) -> str:
    title = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    rows = [f"<b>{html.escape(title)}</b>"]
    if show_shapes:
        for side in ("input_shape", "output_shape"):
            try:
                rows.append(f"{side.split('_')[0]}: {html.escape(str(getattr(layer, side)))}")
            except (AttributeError, ValueError):
                continue
    if show_dtype:
        rows.append("dtype: float32")
    return "<" + "<br/>".join(rows) + ">"


def model_to_dot(model: Any, show_shapes: bool = False, show_layer_names: bool = True, rankdir: str = "TB",
                 show_dtype: bool = False, **kwargs: Any) -> Graph:
    """The DOT drawing of ``model``'s layers and their connections (a ``viz.graph.Graph``)."""
    layers = list(model.layers)
    ids = {id(layer): f"layer{i}" for i, layer in enumerate(layers)}
    lines = [f"digraph {model.name!r} {{".replace("'", '"'), f"  rankdir={rankdir};",
             '  node [shape=box, style="rounded", fontname="Helvetica"];']
    lines += [f"  {ids[id(layer)]} [label={_label(layer, show_shapes, show_layer_names, show_dtype)}];"
              for layer in layers]
    if hasattr(model, "_nodes"):  # a functional model: an arrow for each input of each node
        edges = {(ids[id(t._keras_history[0])], ids[id(node.layer)]) for node in model._nodes for t in node.inputs
                 if id(t._keras_history[0]) in ids}
    else:
        edges = {(ids[id(a)], ids[id(b)]) for a, b in zip(layers, layers[1:])}
    lines += [f"  {a} -> {b};" for a, b in sorted(edges)]
    return Graph("\n".join(lines + ["}"]) + "\n")


def plot_model(model: Any, to_file: str | Path = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = True, rankdir: str = "TB", **kwargs: Any) -> Graph:
    """Draw ``model`` to ``to_file`` (.png, .svg, .pdf through Graphviz's ``dot``; .dot for the text alone)."""
    graph = model_to_dot(model, show_shapes=show_shapes, show_layer_names=show_layer_names, rankdir=rankdir,
                         show_dtype=show_dtype)
    if str(to_file).endswith(".dot"):
        graph.save(to_file)
    else:
        graph.render(to_file)
    return graph
