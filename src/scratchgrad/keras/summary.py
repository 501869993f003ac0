"""Keras 2's plain-text ``model.summary()`` table: layer (type), output shape, param #, then the totals."""

from __future__ import annotations

from typing import Any, Sequence


def summary_lines(model: Any, line_length: int, positions: Sequence[float]) -> list[str]:
    """Keras 2's plain-text summary; a field too long for its column is cut, as Keras cuts it."""
    stops = [int(line_length * p) for p in positions] if positions[-1] <= 1 else [int(p) for p in positions]

    def row(fields: Sequence[Any]) -> str:
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line = (line + str(field))[: stops[i]]
            line += " " * (stops[i] - len(line))
        return line.rstrip()

    lines = [f'Model: "{model.name}"', "_" * line_length, row(["Layer (type)", "Output Shape", "Param #"])]
    lines.append("=" * line_length)
    trainable = frozen = 0
    for i, layer in enumerate(model.layers):
        counts = layer._counts()
        trainable, frozen = trainable + counts[0], frozen + counts[1]
        lines.append(row([f"{layer.name} ({type(layer).__name__})", str(layer.output_shape), sum(counts)]))
        lines.append(("=" if i == len(model.layers) - 1 else "_") * line_length)
    lines += [
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {frozen:,}",
        "_" * line_length,
    ]
    return lines
