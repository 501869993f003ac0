"""keras.utils.plot_model draws one box per Keras layer from one traced forward pass: the autograd walk that
SummaryWriter.add_graph, viz.graph and ONNX export read, its functions grouped by the layer that ran them."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import scratchgrad.autograd
from scratchgrad import generators, keras
from scratchgrad.keras import layers
from scratchgrad.keras.layer_graph import layer_graph
from scratchgrad.onnx.trace import functions_behind
from scratchgrad.viz.graph import graph as autograd_graph

NODE = re.compile(r"^\s*(layer\d+) \[label=<.*?<b>(.*?)</b>(.*)$", re.M)


def drawing(model, **options):
    """(boxes by name: (class, input shape, output shape), edges as name pairs, DOT text) of plot_model's DOT."""
    source = keras.utils.model_to_dot(model, show_shapes=True, **options).source
    names, boxes = {}, {}
    for node, title, rest in NODE.findall(source):
        name, cls = re.fullmatch(r"(.*) \((.*)\)", title).groups()
        shapes = dict(re.findall(r"(Input|Output) shape: <b>(.*?)</b>", rest))
        names[node], boxes[name] = name, (cls, shapes.get("Input"), shapes.get("Output"))
    edges = {(names[a], names[b]) for a, b in re.findall(r"(layer\d+) -> (layer\d+)", source)}
    return boxes, edges, source


def convnet():
    return keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        layers.Conv2D(4, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Conv2D(6, 3, name="conv2"),
        layers.Dropout(0.5, name="drop"),
        layers.Flatten(name="flat"),
        layers.Dense(10, activation="softmax", name="out"),
    ], name="convnet")


def shortcut_two_inputs(K=keras, L=layers):
    """Two inputs, an Add shortcut, and two layers that make no function in eval mode (Dropout, Identity)."""
    image, extra = K.Input(shape=(6, 6, 3), name="image"), K.Input(shape=(6, 6, 4), name="extra")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="conv")(image)
    y = L.Conv2D(4, 3, padding="same", name="conv_b")(x)
    s = L.Add(name="sum")([x, y, extra])
    d = L.Identity(name="same")(L.Dropout(0.3, name="drop")(s))
    return K.Model([image, extra], L.Dense(2, name="head")(L.Flatten(name="flat")(d)), name="two")


def nested(K=keras, L=layers):
    """A functional model holding a Sequential convnet block and a functional head, on channels-last images."""
    block = K.Sequential([K.Input(shape=(8, 8, 3)), L.Conv2D(5, 3, name="inner_conv"),
                          L.Dropout(0.2, name="inner_drop")], name="block")
    head_in = K.Input(shape=(6, 6, 5), name="head_in")
    head = K.Model(head_in, L.Dense(2, name="head_dense")(L.Flatten(name="head_flat")(head_in)), name="head")
    image = K.Input(shape=(8, 8, 3), name="image")
    return K.Model(image, head(block(L.BatchNormalization(name="norm")(image))), name="outer")


def test_sequential_convnet_is_a_box_per_layer_in_a_chain():
    boxes, edges, _ = drawing(convnet())
    assert boxes == {
        "conv1": ("Conv2D", "(None, 12, 12, 1)", "(None, 10, 10, 4)"),
        "pool": ("MaxPooling2D", "(None, 10, 10, 4)", "(None, 5, 5, 4)"),
        "conv2": ("Conv2D", "(None, 5, 5, 4)", "(None, 3, 3, 6)"),
        "drop": ("Dropout", "(None, 3, 3, 6)", "(None, 3, 3, 6)"),
        "flat": ("Flatten", "(None, 3, 3, 6)", "(None, 54)"),
        "out": ("Dense", "(None, 54)", "(None, 10)"),
    }
    assert edges == {("conv1", "pool"), ("pool", "conv2"), ("conv2", "drop"), ("drop", "flat"), ("flat", "out")}


def test_functional_shortcut_and_two_inputs_join_the_layers_that_make_no_function():
    boxes, edges, _ = drawing(shortcut_two_inputs())
    assert boxes["image"] == ("InputLayer", None, "(None, 6, 6, 3)")
    assert boxes["sum"] == ("Add", "[(None, 6, 6, 4), (None, 6, 6, 4), (None, 6, 6, 4)]", "(None, 6, 6, 4)")
    assert boxes["same"] == ("Identity", "(None, 6, 6, 4)", "(None, 6, 6, 4)")
    assert boxes["head"] == ("Dense", "(None, 144)", "(None, 2)")
    assert len(boxes) == 9
    assert edges == {("image", "conv"), ("conv", "conv_b"), ("conv", "sum"), ("conv_b", "sum"), ("extra", "sum"),
                     ("sum", "drop"), ("drop", "same"), ("same", "flat"), ("flat", "head")}


def test_nested_models_are_one_box_each_or_clusters_with_expand_nested():
    model = nested()
    boxes, edges, _ = drawing(model)
    assert boxes["block"] == ("Sequential", "(None, 8, 8, 3)", "(None, 6, 6, 5)")
    assert boxes["head"] == ("Functional", "(None, 6, 6, 5)", "(None, 2)")
    assert edges == {("image", "norm"), ("norm", "block"), ("block", "head")}

    boxes, edges, source = drawing(model, expand_nested=True)
    assert set(boxes) == {"image", "norm", "inner_conv", "inner_drop", "head_in", "head_flat", "head_dense"}
    assert boxes["inner_conv"] == ("Conv2D", "(None, 8, 8, 3)", "(None, 6, 6, 5)")
    # Into the Sequential's first layer and the functional model's InputLayer, through the layout changes at
    # each model's edges (glue no layer owns).
    assert edges == {("image", "norm"), ("norm", "inner_conv"), ("inner_conv", "inner_drop"),
                     ("inner_drop", "head_in"), ("head_in", "head_flat"), ("head_flat", "head_dense")}
    assert 'label="block"' in source and 'label="head"' in source and source.count("subgraph cluster_") == 2


def keras3_drawing(model):
    """(layer name -> output shape, edges as name pairs) as Keras 3 records them: shapes from each layer's output,
    edges from the ``keras_history`` of every tensor in each layer's inbound nodes (its saved config)."""

    def sources(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"][0]]
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
        return [s for v in items for s in sources(v)]

    edges = {(source, entry["name"]) for entry in model.get_config()["layers"]
             for source in sources(entry["inbound_nodes"])}
    return {layer.name: str(tuple(layer.output.shape)) for layer in model.layers}, edges


@pytest.mark.parametrize("build", [shortcut_two_inputs, nested])
def test_boxes_edges_and_shapes_match_keras3(keras3, build):
    boxes, edges, _ = drawing(build(keras, layers))
    shapes, keras_edges = keras3_drawing(build(keras3, keras3.layers))
    assert {name: output for name, (_, _, output) in boxes.items()} == shapes
    assert edges == keras_edges


def test_subclassed_model_is_one_box_as_in_keras():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.hidden = layers.Dense(3, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Tiny()
    model(np.zeros((1, 4), dtype=np.float32))
    boxes, edges, _ = drawing(model)
    assert boxes == {"tiny": ("Tiny", "(None, 4)", "(None, 2)")} and edges == set()
    assert [type(fn).__name__ for fn in layer_graph(model).boxes[0].functions] == ["Linear", "ReLU", "Linear"]


def test_plot_model_groups_the_walk_add_graph_and_viz_graph_read(monkeypatch):
    walked = []

    def spy(roots, *args):
        walked.append(len(roots))
        return shared(roots, *args)

    shared = scratchgrad.autograd.functions_behind
    monkeypatch.setattr(scratchgrad.autograd, "functions_behind", spy)
    model = shortcut_two_inputs()
    keras.utils.model_to_dot(model)
    assert walked, "plot_model did not walk the graph with autograd.functions_behind"

    lg = layer_graph(model)
    grouped = [fn for box in lg.boxes for fn in box.functions]
    everything = functions_behind(lg.trace.outputs)
    assert len(grouped) == len({id(f) for f in grouped})  # each function in one box
    assert {id(f) for f in grouped} | {id(f) for f in lg.glue} == {id(f) for f in everything}
    by_name = {box.layer.name: [type(fn).__name__ for fn in box.functions] for box in lg.boxes}
    assert by_name["conv"] == ["Conv2d", "ReLU"] and by_name["conv_b"] == ["Conv2d"] and by_name["head"] == ["Linear"]
    assert by_name["sum"] == ["Add", "Add"] and by_name["drop"] == by_name["same"] == by_name["image"] == []
    assert {type(fn).__name__ for fn in lg.glue} == {"Transpose"}  # the layout change at the model's edges
    # viz.graph of the same forward pass draws exactly those functions, one grey box each.
    source = autograd_graph(lg.trace.outputs[0]).source
    assert source.count("fillcolor=lightgrey") == len(everything)


def test_the_traced_pass_leaves_no_trace_behind():
    model = nested()
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype(np.float32)
    before = model.predict(x)
    model.eval()
    model.get_layer("norm").module.train(True)  # one layer left training: each module's own mode comes back
    modes = [(m, m.training) for m in model.modules()]
    state = generators.generator("cpu").bit_generator.state
    keras.utils.model_to_dot(model, show_shapes=True)
    assert [m.training for m, _ in modes] == [mode for _, mode in modes]
    assert all(p.grad is None for p in model.parameters())  # no backward ran
    assert generators.generator("cpu").bit_generator.state == state  # zeros, not random draws
    np.testing.assert_array_equal(model.predict(x), before)  # batch norm's running statistics untouched


def test_refuses_what_it_cannot_draw():
    unbuilt = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="has not been built yet.*model.build"):
        keras.utils.plot_model(unbuilt, to_file="never.dot")
    with pytest.raises(ValueError, match=r"unrecognized keyword arguments \['layer_range'\]"):
        keras.utils.model_to_dot(convnet(), layer_range=("a", "b"))
    with pytest.raises(ValueError, match="rankdir must be 'TB', 'LR', 'BT' or 'RL'; received rankdir='XY'"):
        keras.utils.model_to_dot(convnet(), rankdir="XY")


def test_options_shape_the_boxes():
    model = convnet()
    plain = keras.utils.model_to_dot(model, show_layer_names=False).source
    assert "<b>Conv2D</b>" in plain and "conv1" not in plain and "Output shape" not in plain
    full = keras.utils.model_to_dot(model, show_dtype=True, show_layer_activations=True, show_trainable=True,
                                    rankdir="LR", dpi=96).source
    assert "rankdir=LR;" in full and "dpi=96;" in full and "Output dtype: <b>float32</b>" in full
    assert full.count("Activation: <b>") == 3 and full.count(">Trainable<") == 3  # the convs and the Dense


def test_without_dot_the_error_says_how_to_install_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="apt-get install graphviz"):
        keras.utils.plot_model(convnet(), to_file=tmp_path / "model.png")
    assert not (tmp_path / "model.png").exists()
    keras.utils.plot_model(convnet(), to_file=tmp_path / "model.dot")  # the text needs no Graphviz
    assert (tmp_path / "model.dot").read_text().startswith('digraph "convnet"')


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("suffix, start", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_renders_images_through_dot(tmp_path, suffix, start):
    path = tmp_path / f"model{suffix}"
    keras.utils.plot_model(nested(), to_file=path, show_shapes=True, expand_nested=True)
    assert path.read_bytes().startswith(start)
