"""Which Keras layer ran which part of a forward pass: a record of each layer call's input and output tensors.

Models run their layers through ``run``. While a ``recording()`` block is open it notes every call as
(layer, input tensors, output tensors); otherwise it costs one test of an empty list. ``keras.utils.plot_model``
traces one forward pass with the record open and gives each autograd function to the layer call that sits
between its inputs and outputs (``layer_graph.py``). A layer that hands its input on unchanged (Dropout in eval
mode, Identity, an InputLayer) makes no function; the record still shows it, as a call whose output is its input.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from .symbolic import flatten

RECORDS: list[list[LayerCall]] = []  # the open records, innermost last


@dataclass(frozen=True)
class LayerCall:
    """One call of ``layer``: its input and output tensors, flat (a list or dict of them in ``flatten``'s order),
    in the model's internal layout ((N, C, H, W) for images) unless ``internal`` is False (channels-last)."""

    layer: Any
    inputs: list[Any]
    outputs: list[Any]
    internal: bool = True


@contextmanager
def recording() -> Iterator[list[LayerCall]]:
    """Note every layer call made inside the block, in the order the calls end (a nested model after its layers).

    Example::

        with recording() as calls:
            model(x)
        [call.layer.name for call in calls]   # ['conv2d', 'max_pooling2d', 'flatten', 'dense']
    """
    calls: list[LayerCall] = []
    RECORDS.append(calls)
    try:
        yield calls
    finally:
        RECORDS.pop()


def note(layer: Any, inputs: Any, outputs: Any) -> None:
    """Add a call of ``layer`` to the open record, if any (a tensor, or a list or dict of them, on each side)."""
    if RECORDS:
        RECORDS[-1].append(LayerCall(layer, flatten(inputs), flatten(outputs)))


def run(layer: Any, x: Any, logits: bool = False) -> Any:
    """``layer._forward(x, logits)`` on the internal layout, noted while a record is open."""
    y = layer._forward(x, logits=logits)
    if RECORDS:
        note(layer, x, y)
    return y
