"""Functional models: ``keras.Model(inputs, outputs)`` over the graph that layers called on ``keras.Input`` record.

The model walks the recorded nodes back from its outputs to its inputs once, at construction, and keeps them in
an order where every node comes after the nodes it takes from; running the model is running those nodes in that
order on real tensors (internal layout inside, channels-last at the edges). Shared layers are called once per
node, nested models are layers like the others.
"""

from __future__ import annotations

from typing import Any

from . import layer_calls
from .base import Layer, check_shape, fits, show, to_internal, to_user, unique_name
from .inputs import InputLayer
from .model import ListedLayers, Model
from .symbolic import KerasTensor, Node, as_lists, flatten, nest, pack


class Functional(ListedLayers, Model):
    """A model of several inputs and outputs wired by calling layers on symbolic tensors.

    Args:
        inputs: ``keras.Input(...)`` tensors: one, a list, or a dict keyed by name.
        outputs: tensors computed from them by calling layers: one, a list, or a dict.
        name: the model's name ("functional" by default).

    Example::

        inputs = keras.Input(shape=(784,))
        x = layers.Dense(64, activation="relu")(inputs)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        self._inputs_struct, self._outputs_struct = as_lists(inputs), as_lists(outputs)
        flat_in, flat_out = flatten(self._inputs_struct), flatten(self._outputs_struct)
        for role, tensors in (("inputs", flat_in), ("outputs", flat_out)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise ValueError(
                        f"All `{role}` of a Functional model must be KerasTensors (from keras.Input or a layer "
                        f"called on one); received {t!r} of type {type(t).__name__}"
                    )
        for t in flat_in:
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    f"`inputs` of a Functional model must come straight from keras.Input; received the output of "
                    f'layer "{t._keras_history[0].name}"'
                )
        self._nodes = _ordered_nodes(flat_in, flat_out)
        self._layers = _by_depth([t._keras_history[0] for t in flat_in], self._nodes)
        _name_layers(self._layers)
        self._input = nest(self._inputs_struct, lambda t: tuple(t.shape[1:]))
        self._output = nest(self._outputs_struct, lambda t: tuple(t.shape[1:]))

    # ---- structure -------------------------------------------------------------------------------------
    @property
    def inputs(self) -> list[KerasTensor]:
        return flatten(self._inputs_struct)

    @property
    def outputs(self) -> list[KerasTensor]:
        return flatten(self._outputs_struct)

    @property
    def input(self) -> Any:
        return self._inputs_struct

    @property
    def output(self) -> Any:
        return self._outputs_struct

    def _output_node(self) -> Node | None:
        """The node making the model's one output, when nothing else in the graph reads that output."""
        outs = self.outputs
        if len(outs) != 1 or outs[0]._keras_history[0] is self.inputs[0]._keras_history[0]:
            return None
        readers = [node for node in self._nodes if any(t is outs[0] for t in node.inputs)]
        return None if readers else outs[0]._keras_history[0]._inbound_nodes[outs[0]._keras_history[1]]

    def _last_activation(self) -> str:
        node = self._output_node()
        return getattr(node.layer, "activation_name", "linear") if node is not None else "linear"

    def connections(self, layer: Any) -> list[str]:
        """Summary's "Connected to" for ``layer``: its input tensors in this model as ``name[node][tensor]``."""
        links = []
        for node in self._nodes:
            if node.layer is layer:
                for t in node.inputs:
                    source, node_index, tensor_index = t._keras_history
                    links.append(f"{source.name}[{node_index}][{tensor_index}]")
        return links

    @property
    def is_chain(self) -> bool:
        """Whether the graph is one line, as Keras's summary judges it (then it leaves out "Connected to"): one
        node at each depth, the inputs' included, none taking several tensors, no layer called twice."""
        input_nodes = [t._keras_history[0]._inbound_nodes[0] for t in self.inputs]
        depths = _node_depths(self._nodes)
        levels = [depths.get(id(node), 0) for node in input_nodes + self._nodes]
        layers = {id(node.layer) for node in self._nodes}
        return (len(set(levels)) == len(levels) and len(layers) == len(self._nodes)
                and all(len(node.inputs) == 1 for node in self._nodes))

    # ---- running ---------------------------------------------------------------------------------------
    def _arranged(self, x: Any) -> Any:
        """``x`` in the structure of the model's inputs: one array for one input, a dict by input name."""
        if isinstance(x, dict) and not isinstance(self._inputs_struct, dict):
            names = [t.name for t in self.inputs]
            missing = [n for n in names if n not in x]
            if missing:
                raise ValueError(f'Model "{self.name}": the input dict lacks {missing}; it has keys {sorted(x)}')
            x = [x[n] for n in names] if isinstance(self._inputs_struct, list) else x[names[0]]
        if isinstance(self._inputs_struct, list) and len(self._inputs_struct) == 1 and not isinstance(x, list):
            x = [x]
        if isinstance(x, list) and not isinstance(self._inputs_struct, list) and len(x) == 1:
            x = x[0]
        return x

    def _as_arrays(self, x: Any) -> Any:
        return super()._as_arrays(self._arranged(as_lists(x)))

    def _check_input(self, shapes: Any) -> None:
        shapes = self._arranged(shapes)
        expected, received = flatten(self._input), flatten(shapes)
        if len(expected) != len(received) or type(shapes) is not type(self._input):
            raise ValueError(
                f'Layer "{self.name}" expects {len(expected)} input(s), but it received {len(received)} input '
                f"tensors. Inputs received: {[show(s) for s in received]}"
            )
        for i, (want, got) in enumerate(zip(expected, received)):
            if not fits(tuple(got[1:]), tuple(want)):
                raise ValueError(
                    f'Input {i} of layer "{self.name}" is incompatible with the layer: expected shape='
                    f"{show((None, *want))}, found shape={show(tuple(got))}"
                )
            check_shape("input data shape", tuple(got[1:]))

    def _build_for(self, shapes: Any) -> Any:
        self._check_input(nest(shapes, lambda s: (None, *s)))
        return self._output

    def forward(self, x: Any, training: bool = False) -> Any:
        return super().forward(self._arranged(as_lists(x)), training)

    def _run(self, x: Any, logits: bool = False) -> Any:
        """Channels-last in and out; ``logits`` skips the activation of the layer making the one output."""
        values = {id(t): to_internal(v) for t, v in zip(self.inputs, flatten(self._arranged(x)))}
        for t in self.inputs:  # an InputLayer hands its tensor on: a call whose output is its input
            layer_calls.note(t._keras_history[0], values[id(t)], values[id(t)])
        skip = self._output_node() if logits else None
        for node in self._nodes:
            out = layer_calls.run(node.layer, nest(node.args, lambda t: values[id(t)]), logits=node is skip)
            for t, v in zip(node.outputs, flatten(out) if isinstance(out, (list, dict)) else [out]):
                values[id(t)] = v
        return pack(self._outputs_struct, [to_user(values[id(t)]) for t in self.outputs])


def _ordered_nodes(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Node]:
    """The nodes between ``inputs`` and ``outputs``, each after the nodes it reads from (depth-first)."""
    given = {id(t) for t in inputs}
    order: list[Node] = []
    done: set[int] = set()
    stack: list[tuple[KerasTensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:  # iterative, so a deep network does not reach Python's recursion limit
        tensor, expanded = stack.pop()
        if id(tensor) in given:
            continue
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in done:
            continue
        if isinstance(layer, InputLayer):
            raise ValueError(
                f'Graph disconnected: cannot find parent for tensor {tensor!r} at layer "{layer.name}": the '
                f"model's outputs depend on an input that is not among its `inputs` "
                f"({[t.name for t in inputs]}). Pass every keras.Input the outputs are computed from."
            )
        if expanded:
            done.add(id(node))
            order.append(node)
        else:
            stack.append((tensor, True))
            stack.extend((t, False) for t in reversed(node.inputs))
    return order


def _node_depths(nodes: list[Node]) -> dict[int, int]:
    """Each node's depth by id, the inputs' nodes included: its longest path to an output (an output's is 0)."""
    depth: dict[int, int] = {}
    for node in reversed(nodes):
        d = depth.setdefault(id(node), 0)
        for t in node.inputs:
            source, index, _ = t._keras_history
            parent = source._inbound_nodes[index]
            depth[id(parent)] = max(depth.get(id(parent), 0), d + 1)
    return depth


def _by_depth(input_layers: list[Any], nodes: list[Node]) -> list[Any]:
    """The layers in Keras's order: deepest first (the inputs), a layer's depth being its longest path to an
    output over its nodes; ties keep the order in which the walk from the outputs met them."""
    depth = _node_depths(nodes)
    layer_depth: dict[int, int] = {}
    met: list[Any] = []
    for layer, node in [(layer, layer._inbound_nodes[0]) for layer in input_layers] + [(n.layer, n) for n in nodes]:
        if id(layer) not in layer_depth:
            met.append(layer)
        layer_depth[id(layer)] = max(layer_depth.get(id(layer), 0), depth.get(id(node), 0))
    return sorted(met, key=lambda layer: -layer_depth[id(layer)])  # sorted() keeps ties in meeting order


def _name_layers(layers: list[Any]) -> None:
    """Keras's default names for layers not named yet (dense, dense_1, ...); two layers of one name are refused."""
    taken = {layer.name for layer in layers if not isinstance(layer, Layer) or layer._name is not None}
    for layer in layers:
        unique_name(layer, taken)
    names = [layer.name for layer in layers]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(
            f"The name {duplicates[0]!r} is used {names.count(duplicates[0])} times in the model. All layer names "
            "should be unique."
        )

