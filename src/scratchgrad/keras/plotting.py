"""``keras.utils.plot_model``: a Keras model's layers as a Graphviz drawing, read off one traced forward pass.

The drawing comes from the autograd walk that ``SummaryWriter.add_graph`` and ``viz.graph`` draw and ONNX export
converts (``layer_graph.py``): one box per Keras layer, holding the functions that layer ran, and one arrow per
tensor that flows from one layer to another. A box shows "name (Class)" (the class alone without
``show_layer_names``) and, when asked, the input and output shapes (channels-last, batch axis ``None``), the output
dtype, the activation and whether the layer trains; hovering over it in an SVG lists its autograd functions.
``to_file`` ending in ``.dot`` gets the DOT text itself; images need Graphviz's ``dot``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Sequence

from ..viz.graph import Graph
from .base import show
from .layer_graph import Box, layer_graph


def _shape(tensor: Any, internal: bool) -> str:
    """A traced tensor's shape as Keras shows it: batch axis None, images channels-last."""
    shape = tuple(tensor.shape)
    if internal and len(shape) == 4:  # the model runs images as (N, C, H, W) inside
        shape = (shape[0], shape[2], shape[3], shape[1])
    return show((None, *shape[1:]))


def _shapes(tensors: Sequence[Any], internal: bool) -> str:
    shapes = [_shape(t, internal) for t in tensors]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _cell(text: str, bold: str = "") -> str:
    return f"<td>{html.escape(text)}{f'<b>{html.escape(bold)}</b>' if bold else ''}</td>"


def _label(box: Box, options: dict[str, bool]) -> str:
    """The box's HTML-like label: a title row, then a row of the details asked for."""
    layer, call = box.layer, box.calls[0] if box.calls else None
    title = f"{layer.name} ({type(layer).__name__})" if options["show_layer_names"] else type(layer).__name__
    cells = []
    if options["show_shapes"]:
        if type(layer).__name__ != "InputLayer":  # an input has only what it gives
            cells.append(_cell("Input shape: ", _shapes(call.inputs, call.internal) if call else "?"))
        cells.append(_cell("Output shape: ", _shapes(call.outputs, call.internal) if call else "?"))
    if options["show_dtype"]:
        dtypes = sorted({str(t.data.dtype) for t in call.outputs}) if call else ["?"]
        cells.append(_cell("Output dtype: ", ", ".join(dtypes)))
    if options["show_trainable"] and hasattr(layer, "get_weights") and layer.get_weights():
        cells.append(_cell("Trainable" if layer.trainable else "Non-trainable"))
    rows = [f'<tr><td colspan="{max(1, len(cells))}" bgcolor="black"><font color="white"><b>{html.escape(title)}'
            "</b></font></td></tr>"]
    activation = _activation(layer) if options["show_layer_activations"] else None
    if activation is not None:
        rows.append(f'<tr><td colspan="{max(1, len(cells))}">Activation: <b>{html.escape(activation)}</b></td></tr>')
    if cells:
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<<table border="0" cellborder="1" cellspacing="0" cellpadding="6">' + "".join(rows) + "</table>>"


def _activation(layer: Any) -> str | None:
    """The activation of a layer that takes one (Dense, Conv2D, Activation, ...), else None."""
    try:
        config = layer.get_config()
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        return None
    activation = config.get("activation") if isinstance(config, dict) else None
    return activation if isinstance(activation, str) else None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(i: int, box: Box, options: dict[str, bool]) -> str:
    ran = ", ".join(type(fn).__name__ for fn in box.functions) or "no function: its input passes through"
    return f"layer{i} [label={_label(box, options)}, tooltip={_quote(ran)}];"


def _body(boxes: list[tuple[int, Box]], options: dict[str, bool], depth: int = 0) -> list[str]:
    """Node lines for the numbered ``boxes``, those inside a nested model grouped in a dashed cluster named after it."""
    lines: list[str] = []
    i = 0
    while i < len(boxes):
        i_box, box = boxes[i]
        if len(box.clusters) <= depth:
            lines.append(_node(i_box, box, options))
            i += 1
            continue
        nested = box.clusters[depth]
        group = []
        while i < len(boxes) and len(boxes[i][1].clusters) > depth and boxes[i][1].clusters[depth] is nested:
            group.append(boxes[i])
            i += 1
        lines += [f"subgraph cluster_{group[0][0]} {{", f"  label={_quote(nested.name)};", "  style=dashed;",
                  "  labeljust=l;"]
        lines += ["  " + line for line in _body(group, options, depth + 1)]
        lines.append("}")
    return lines


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Graph:
    """The DOT drawing of a built Keras ``model`` (a ``viz.graph.Graph``: ``.source``, ``.save``, ``.render``).

    Args:
        model: a built ``keras.Sequential``, functional ``keras.Model`` or subclassed model (one box).
        show_shapes: each box's input and output shapes, e.g. "Output shape: (None, 30, 30, 32)".
        show_dtype: each box's output dtype.
        show_layer_names: "conv2d (Conv2D)" in each box's title; the class alone when False.
        rankdir: Graphviz's direction: "TB" (top to bottom) or "LR" (left to right), also "BT", "RL".
        expand_nested: nested Sequential and functional models as dashed clusters of their layers.
        dpi: the image resolution, in dots per inch.
        show_layer_activations: the activation of layers that take one ("Activation: relu").
        show_trainable: "Trainable" or "Non-trainable" on layers that have weights.
        splines: how Graphviz draws the arrows: "ortho" (right angles), "spline", "polyline", "curved", "line".
    """
    options = _options(rankdir, dpi, kwargs, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    graph = layer_graph(model, expand_nested=expand_nested)
    lines = [f"digraph {_quote(model.name)} {{", f"  rankdir={rankdir};", f"  dpi={dpi:g};",
             f"  splines={_quote(splines)};", '  node [shape=plaintext, fontname="Helvetica", margin=0];']
    lines += ["  " + line for line in _body(list(enumerate(graph.boxes)), options)]
    lines += [f"  layer{a} -> layer{b} [penwidth=2];" for a, b in sorted(graph.edges)]
    return Graph("\n".join(lines + ["}"]) + "\n")


def _options(rankdir: str, dpi: Any, unknown: dict[str, Any], **flags: bool) -> dict[str, bool]:
    """The drawing's switches, after refusing what Keras would refuse."""
    if unknown:
        raise ValueError(f"plot_model: unrecognized keyword arguments {sorted(unknown)}; expected show_shapes, "
                         "show_dtype, show_layer_names, rankdir, expand_nested, dpi, show_layer_activations, "
                         "show_trainable or splines")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"plot_model: rankdir must be 'TB', 'LR', 'BT' or 'RL'; received rankdir={rankdir!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not dpi > 0:
        raise ValueError(f"plot_model: dpi must be a positive number; received dpi={dpi!r}")
    return {name: bool(value) for name, value in flags.items()}


def plot_model(model: Any, to_file: str | Path = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = True, rankdir: str = "TB", **options: Any) -> Graph:
    """Draw ``model`` to ``to_file``: .png, .svg or .pdf through Graphviz's ``dot``, or .dot for the text alone.

    The arguments are ``model_to_dot``'s, which takes the others Keras 3 has (``expand_nested``, ``dpi``,
    ``show_layer_activations``, ``show_trainable``, ``splines``) and refuses any it does not know. Returns the
    ``Graph``. Without Graphviz an image raises FileNotFoundError saying how to install it (the .dot text needs
    nothing). Example: ``keras.utils.plot_model(model, "model.png", show_shapes=True, expand_nested=True)``.
    """
    graph = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                         rankdir=rankdir, **options)
    if str(to_file).endswith(".dot"):
        graph.save(to_file)
    else:
        graph.render(to_file)
    return graph
