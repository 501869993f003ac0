"""Symbolic tensors and the graph they record: what ``keras.Input`` returns and what layers called on it return.

A ``KerasTensor`` has a shape (batch axis first, usually ``None``) and no values. Calling a layer on KerasTensors
builds the layer for their shapes and records a ``Node`` (the layer, the tensors it took, the tensors it gave);
``keras.Model(inputs, outputs)`` then walks the nodes back from its outputs to find the layers and their order.
The structures a layer takes (one tensor, a list of them, a dict) are kept as given: ``nest`` maps over them.
Lists and dicts are structures; a tuple is a leaf (a shape), so user structures go through ``as_lists`` first.
"""

from __future__ import annotations

from typing import Any, Callable


class KerasTensor:
    """A placeholder for a batch of data: its shape ((None, 28, 28, 1)) and dtype, and the layer that made it.

    ``_keras_history`` is (layer, node_index, tensor_index): the node of ``layer`` whose output this is, and which
    of that node's outputs; summary's "Connected to" column prints it as ``dense[0][0]``.
    """

    def __init__(self, shape: tuple, dtype: str = "float32", history: tuple | None = None, name: str | None = None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self._keras_history = history
        self._name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        return self._name or (self._keras_history[0].name if self._keras_history else "keras_tensor")

    def __repr__(self) -> str:
        from .base import show

        return f"<KerasTensor shape={show(self.shape)}, dtype={self.dtype}, sparse=False, name={self.name}>"

    # Arithmetic on symbolic tensors adds the merge layer that does it, as Keras's operators do.
    def __add__(self, other: Any) -> KerasTensor:
        from .merging import add

        return add([self, other])

    def __sub__(self, other: Any) -> KerasTensor:
        from .merging import subtract

        return subtract([self, other])

    def __mul__(self, other: Any) -> KerasTensor:
        from .merging import multiply

        return multiply([self, other])


class Node:
    """One call of a layer on symbolic tensors: ``args`` as given (a tensor, a list, a dict), ``outputs`` flat."""

    def __init__(self, layer: Any, args: Any, outputs: list[KerasTensor]):
        self.layer = layer
        self.args = args
        self.outputs = outputs
        self.inputs = flatten(args)


def flatten(structure: Any) -> list:
    """The leaves of a tensor, a list/tuple of them or a dict of them (dict values in key order), in order."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, list):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def nest(structure: Any, fn: Callable[[Any], Any]) -> Any:
    """``structure`` with ``fn`` applied to each leaf; lists stay lists, dicts keep their keys."""
    if isinstance(structure, dict):
        return {key: nest(value, fn) for key, value in structure.items()}
    if isinstance(structure, list):
        return [nest(item, fn) for item in structure]
    return fn(structure)


def as_lists(structure: Any) -> Any:
    """A user's structure with its tuples made lists (``Model(inputs=(a, b))`` means a list of two inputs)."""
    if isinstance(structure, dict):
        return {key: as_lists(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [as_lists(item) for item in structure]
    return structure


def pack(structure: Any, leaves: list) -> Any:
    """``leaves`` (in ``flatten``'s order) put back into the shape of ``structure``."""
    it = iter(leaves)
    if isinstance(structure, dict):
        order = sorted(structure)
        values = {key: pack(structure[key], [next(it) for _ in flatten(structure[key])]) for key in order}
        return {key: values[key] for key in structure}
    return nest(structure, lambda _: next(it))


def default_name(class_name: str) -> str:
    """A model's default name, as Keras gives it: "functional" for keras.Model(inputs, outputs), else the class's
    name in snake case (MyModel -> my_model)."""
    from .base import snake_case

    return "functional" if class_name == "Functional" else snake_case(class_name)


def is_symbolic(structure: Any) -> bool:
    leaves = flatten(structure)
    return any(isinstance(leaf, KerasTensor) for leaf in leaves)


def call(layer: Any, args: Any) -> Any:
    """``layer(args)`` on KerasTensors: build the layer for their shapes, record the node, return the outputs."""
    args = as_lists(args)
    leaves = flatten(args)
    for leaf in leaves:
        if not isinstance(leaf, KerasTensor):
            raise ValueError(
                f'Layer "{layer.name}" was called on a mix of symbolic tensors (from keras.Input) and data: '
                f"received {type(leaf).__name__} {leaf!r}. Every input of a functional model must come from "
                "keras.Input or from a layer called on one."
            )
    shapes = nest(args, lambda t: tuple(t.shape[1:]))
    try:
        out_shapes = layer._build_for(shapes)
    except ValueError as error:
        sources = ", ".join(f'"{t._keras_history[0].name}"' for t in leaves if t._keras_history)
        raise ValueError(f"{error}. The input comes from layer {sources}.") from None
    batch = leaves[0].shape[0]
    node_index = len(layer._inbound_nodes)
    outputs: list[KerasTensor] = []

    def make(shape: tuple) -> KerasTensor:
        tensor = KerasTensor((batch, *shape), history=(layer, node_index, len(outputs)))
        outputs.append(tensor)
        return tensor

    result = nest(out_shapes, make) if isinstance(out_shapes, (list, dict)) else make(out_shapes)
    layer._inbound_nodes.append(Node(layer, args, outputs))
    return result
