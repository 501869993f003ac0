"""Keras 2's plain-text ``model.summary()`` table: layer (type), output shape, param #, then the totals."""

from __future__ import annotations

from typing import Any, Callable, Sequence


def summary_lines(
    model: Any, line_length: int, positions: Sequence[float], connections: Callable[[Any], list[str]] | None = None
) -> list[str]:
    """Keras 2's plain-text summary; a field too long for its column is cut, as Keras cuts it.

    ``connections`` (a functional model that is not a chain) adds the "Connected to" column: the inputs of each
    layer as ``name[node][tensor]``, one per line.
    """
    stops = [int(line_length * p) for p in positions] if positions[-1] <= 1 else [int(p) for p in positions]

    def row(fields: Sequence[Any]) -> str:
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line = (line + str(field))[: stops[i]]
            line += " " * (stops[i] - len(line))
        return line.rstrip()

    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connections else [])
    lines = [f'Model: "{model.name}"', "_" * line_length, row(header)]
    lines.append("=" * line_length)
    trainable = frozen = 0
    for i, layer in enumerate(model.layers):
        counts = layer._counts()
        trainable, frozen = trainable + counts[0], frozen + counts[1]
        links = connections(layer) if connections else []
        fields = [f"{layer.name} ({type(layer).__name__})", str(layer.output_shape), sum(counts)]
        lines.append(row(fields + ([links[0] if links else ""] if connections else [])))
        lines += [row(["", "", "", link]) for link in links[1:]]
        lines.append(("=" if i == len(model.layers) - 1 else "_") * line_length)
    lines += [
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {frozen:,}",
        "_" * line_length,
    ]
    return lines
