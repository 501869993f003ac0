"""Keras 3's ``model.summary()``: a table drawn with box characters, then the parameter totals with their sizes.

Keras 3 lays the table out with the ``rich`` library; this module draws the same text without it. The columns
take Keras's share of ``line_length`` (``positions``); each cell is that width plus one space either side, and
when the borders and spaces do not fit in ``line_length`` the excess is taken from the columns evenly. A field
too long for its cell wraps at spaces, and a word longer than the cell is cut with "…". Lines wider than the
console are cut at its width, as a terminal would.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import Any, Callable, Sequence

import numpy as np

from .. import backend
from .base import show

HEADER = ["Layer (type)", "Output Shape", "Param #"]
ALIGN = ["left", "left", "right"]
UNITS = ["B", "KB", "MB", "GB", "TB", "PB"]


# ---- the table ---------------------------------------------------------------------------------------------------
def column_widths(line_length: int, positions: Sequence[float], columns: int) -> list[int]:
    """The width of each cell, borders not counted: Keras's split of ``line_length`` at ``positions`` (fractions
    of it) plus two spaces of padding, less an even share of whatever does not fit with the ``columns + 1``
    borders."""
    cuts = [int(p * line_length) for p in positions]
    widths = [b - a for a, b in zip([0, *cuts], cuts)]
    if any(w < 4 for w in widths):
        raise ValueError(
            f"summary: Insufficient console width to print summary: line_length={line_length} with positions="
            f"{list(positions)} gives columns {widths} wide, and each needs at least 4. Pass a larger line_length "
            "or other positions."
        )
    cells = [w + 2 for w in widths]
    excess = sum(cells) - (line_length - columns - 1)
    for i in range(len(cells)):
        if excess <= 0:
            break
        share = min(cells[i], round(excess / (len(cells) - i)))  # round() halves to even, as the layout does
        cells[i] -= share
        excess -= share
    return cells


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width``: broken before a word that does not fit; a word longer than a whole
    line gets a line of its own, cut to ``width - 1`` characters and "…"."""
    lines: list[str] = []
    for word in re.findall(r"\s*\S+\s*", text) or [""]:
        if lines and len(lines[-1]) + len(word.rstrip()) > width:
            lines.append("")
        lines[-1:] = [(lines[-1] if lines else "") + word]
    return [line.rstrip() if len(line.rstrip()) <= width else line.rstrip()[: width - 1] + "…" for line in lines]


def justify(text: str, width: int, align: str) -> str:
    space = width - len(text)
    if align == "right":
        return " " * space + text
    if align == "center":
        return " " * (space // 2) + text + " " * (space - space // 2)
    return text + " " * space


def draw_table(header: list[str], rows: list[list[str]], cells: list[int], align: list[str]) -> list[str]:
    """The boxed table: a heavy-ruled header, then the rows, each separated from the next by a light rule."""

    def rule(left: str, line: str, joint: str, right: str) -> str:
        return left + joint.join(line * w for w in cells) + right

    def row(fields: list[str], bar: str, bottom: bool = False) -> list[str]:
        wrapped = [wrap(f, w - 2) for f, w in zip(fields, cells)]
        height = max(len(lines) for lines in wrapped)
        if bottom:  # the header's short cells sit at the bottom of its row, the others' at the top
            wrapped = [[""] * (height - len(lines)) + lines for lines in wrapped]
        return [
            bar + bar.join(" " + justify(lines[i] if i < len(lines) else "", w - 2, a) + " "
                           for lines, w, a in zip(wrapped, cells, align)) + bar
            for i in range(height)
        ]

    out = [rule("┏", "━", "┳", "┓"), *row(header, "┃", bottom=True), rule("┡", "━", "╇", "┩")]
    for i, fields in enumerate(rows):
        if i:
            out.append(rule("├", "─", "┼", "┤"))
        out += row(fields, "│")
    return out + [rule("└", "─", "┴", "┘")]


def console_width() -> int:
    """The width the summary is printed into: $COLUMNS, else the terminal on stdin, stdout or stderr, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
    return 80


# ---- the fields --------------------------------------------------------------------------------------------------
def shape_field(layer: Any, eager: bool) -> str:
    """A layer's output shape(s) as Keras shows them: from its last call on symbolic tensors, else with the batch
    it was first called on in a subclassed model's ``call`` (``eager``; None when unknown), "?" before it is
    built; several outputs as a list."""
    nodes = getattr(layer, "_inbound_nodes", None)
    if nodes:
        shapes: Any = [t.shape for t in nodes[-1].outputs]
    elif not layer.built:
        return "?"
    else:
        batch = getattr(layer, "_first_batch", None) if eager else None
        shapes = layer.output_shape
        shapes = [(batch, *s[1:]) for s in (shapes if isinstance(shapes, list) else [shapes])]
    return show(shapes[0]) if len(shapes) == 1 else "[" + ", ".join(show(s) for s in shapes) + "]"


def has_weights(layer: Any) -> bool:
    return bool(layer.built and sum(layer._counts()))


def layer_rows(
    model: Any, owner: Any, connected: bool, expand_nested: bool, show_trainable: bool, level: int = 0,
    layers: list[Any] | None = None,
) -> list[list[str]]:
    """One row per layer of ``owner`` (or of ``layers``, some of them), and with ``expand_nested`` per layer of a
    nested model, marked "└"; ``model`` is the model summarised (whose graph gives "Connected to")."""
    rows = []
    eager = not hasattr(owner, "_layers")  # a subclassed model: its layers ran on data, not on keras.Input
    for layer in owner.layers if layers is None else layers:
        prefix = "   " * level + "└ " if level else ""
        params = f"{sum(layer._counts()):,}" if layer.built else "0 (unbuilt)"
        fields = [f"{prefix}{layer.name} ({type(layer).__name__})", shape_field(layer, eager), params]
        if connected:
            fields.append(", ".join(model.connections(layer)) or "-")
        if show_trainable:
            fields.append(("Y" if layer.trainable else "N") if has_weights(layer) else "-")
        rows.append(fields)
        if expand_nested and getattr(layer, "layers", None):
            rows += layer_rows(model, layer, connected, expand_nested, show_trainable, level + 1)
    return rows


def readable(size: float) -> str:
    """Bytes as Keras prints them: 136.04 KB, 0.00 B (powers of 1024, two decimals)."""
    for unit in UNITS:
        if size < 1024 or unit == UNITS[-1]:
            return f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def totals(model: Any) -> list[str]:
    """The lines under the table: total, trainable and non-trainable counts with their sizes, and after training
    with a Keras optimizer the optimizer's own variables (its step count, learning rate and moments)."""
    counts = [layer._counts() for layer in model.layers if layer.built]  # an unbuilt layer has no weights yet
    trainable, frozen = sum(c[0] for c in counts), sum(c[1] for c in counts)
    itemsize = next((np.dtype(p.dtype).itemsize for p in model.parameters()),
                    np.dtype(backend.get_default_dtype()).itemsize)
    spec = getattr(model, "optimizer", None)
    trained = getattr(getattr(spec, "optimizer", None), "iterations", 0) > 0 and hasattr(spec, "variable_count")
    extra = spec.variable_count(trainable, itemsize) if trained else (0, 0)
    lines = [
        ("Total params", trainable + frozen + extra[0], (trainable + frozen) * itemsize + extra[1]),
        ("Trainable params", trainable, trainable * itemsize),
        ("Non-trainable params", frozen, frozen * itemsize),
    ] + ([("Optimizer params", *extra)] if trained else [])
    return [f" {label}: {count:,} ({readable(size)})" for label, count, size in lines]


# ---- the whole ---------------------------------------------------------------------------------------------------
def layer_span(layers: list[Any], layer_range: Sequence[str] | None) -> slice:
    """The layers from the first whose name matches ``layer_range[0]`` to the last matching ``layer_range[1]``."""
    if layer_range is None:
        return slice(0, len(layers))
    if len(layer_range) != 2 or not all(isinstance(name, str) for name in layer_range):
        raise ValueError(f"summary: layer_range must be two layer names (or patterns); received {layer_range!r}")
    first = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    last = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not first or not last:
        raise ValueError(f"summary: layer_range {list(layer_range)} matches no layer names; the model has "
                         f"{[layer.name for layer in layers]}")
    if min(first) > max(last):
        return slice(min(last), max(first) + 1)
    return slice(min(first), max(last) + 1)


def summary_text(
    model: Any,
    line_length: int | None = None,
    positions: Sequence[float] | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Sequence[str] | None = None,
) -> str:
    """Keras 3's summary of ``model`` as one string, ending in a newline.

    A functional model that is not a chain adds "Connected to" (each input as ``name[node][tensor]``), and
    ``show_trainable`` a "Trainable" column (Y, N, or - for a layer without weights). ``line_length`` defaults to
    88 (108 with "Connected to", 12 more with "Trainable"), at most the terminal's width less 4; ``positions``
    to (0.45, 0.80, 1.0), or (0.3, 0.56, 0.74, 1.0) with "Connected to".
    """
    connected = not getattr(model, "is_chain", True)
    header, align = HEADER + ["Connected to"] * connected, ALIGN + ["left"] * connected
    default = 108 if connected else 88
    positions = list(positions or ([0.3, 0.56, 0.74, 1.0] if connected else [0.45, 0.80, 1.0]))
    if show_trainable:
        default += 12
        positions = [p * 0.9 for p in positions] + [1.0]
        header, align = header + ["Trainable"], align + ["center"]
    line_length = line_length or min(default, shutil.get_terminal_size().columns - 4)
    cells = column_widths(line_length, positions, len(header))
    layers = model.layers[layer_span(model.layers, layer_range)]
    rows = layer_rows(model, model, connected, expand_nested, show_trainable, layers=layers)
    table = draw_table(header, rows, cells, align)
    width = console_width()
    return "\n".join([f'Model: "{model.name}"', *(line[:width] for line in table), *totals(model)]) + "\n"


def print_summary(model: Any, print_fn: Callable[..., Any] | None = None, **options: Any) -> None:
    """Hand the whole summary to ``print_fn`` in one call, as Keras 3 does, or print it."""
    text = summary_text(model, **options)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)
