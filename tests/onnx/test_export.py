"""scratchgrad.onnx.export: every zoo model and Keras models checked by onnx.checker and run by ONNX Runtime on
real MNIST images, batch 1 and 64 from one file, against scratchgrad's own outputs."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import models, nn, no_grad
from scratchgrad import onnx as sg_onnx
from scratchgrad.data import load_mnist
from scratchgrad.tensor import Tensor

onnx = pytest.importorskip("onnx")  # the onnx extra, part of dev
ort = pytest.importorskip("onnxruntime")

DYNAMIC = {"input": {0: "batch"}, "output": {0: "batch"}}


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    (_, _), (x_test, _) = load_mnist(flatten=False)
    return x_test[:64]


def _session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def assert_runtime_matches(model, x: np.ndarray, path) -> None:
    """Export once with a symbolic batch, then compare ONNX Runtime with scratchgrad at batch 1 and 64."""
    sg_onnx.export(model, x[:1], path, dynamic_axes=DYNAMIC)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = _session(proto)
    model.eval()
    for n in (1, 64):
        with no_grad():
            ours = model(Tensor(x[:n])).data
        (theirs,) = session.run(None, {"input": x[:n]})
        assert theirs.shape == ours.shape
        # 1e-5 of the outputs' scale: float32 sums in another order differ by rounding only
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-5 * max(1.0, float(np.abs(ours).max())))


@pytest.mark.parametrize("name", list(models.available()))
def test_zoo_model_runs_in_onnx_runtime(name, images, tmp_path):
    model = models.get(name)
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        for m in model.modules():  # running statistics other than 0 and 1, so that eval-mode BN is exercised
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean[...] = np.random.default_rng(0).normal(0, 0.1, m.running_mean.shape)
                m.running_var[...] = np.random.default_rng(1).uniform(0.5, 2.0, m.running_var.shape)
    assert_runtime_matches(model, images, tmp_path / f"{name}.onnx")


def _keras_example():
    """examples/keras_mnist_convnet.py's architecture, as the keras tests build it."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "keras"))
    from keras_helpers import mnist_convnet

    return mnist_convnet()


def _keras_other_layers():
    """"same" padding with an odd total (an asymmetric pad), strides, batch norm, both poolings "same",
    LeakyReLU, Reshape and global pooling: the Keras layers the example leaves out."""
    from scratchgrad import keras
    from scratchgrad.keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(8, 4, strides=2, padding="same"),
        layers.BatchNormalization(),
        layers.ReLU(negative_slope=0.1),
        layers.AveragePooling2D(3, strides=2, padding="same"),
        layers.Conv2D(8, 3, padding="same", activation="tanh"),
        layers.MaxPooling2D(3, strides=2, padding="same"),
        layers.Flatten(),
        layers.Reshape((4, 4, 8)),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="sigmoid"),
    ])


@pytest.mark.parametrize("build", [_keras_example, _keras_other_layers])
def test_keras_model_runs_in_onnx_runtime(build, images, tmp_path):
    model = build()
    assert_runtime_matches(model, images.transpose(0, 2, 3, 1), tmp_path / "keras.onnx")


def test_dropout_is_removed_and_batch_norm_uses_running_statistics(images):
    model = models.get("resnet8")
    buf = io.BytesIO()
    proto = sg_onnx.export(model, images[:1], buf)
    ops = {node.op_type for node in proto.graph.node}
    assert {"Conv", "BatchNormalization", "Add", "Relu", "AveragePool", "Gemm"} <= ops
    assert model.training  # the model's own mode comes back after the export
    dropout_ops = {n.op_type for n in sg_onnx.export(models.get("alexnet"), images[:1], io.BytesIO()).graph.node}
    assert "Dropout" not in dropout_ops and "LRN" in dropout_ops


def test_fixed_batch_without_dynamic_axes(images):
    proto = sg_onnx.export(models.get("two_layer_net"), images[:2], io.BytesIO())
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 1, 28, 28]


def test_parameters_become_named_initializers(images):
    proto = sg_onnx.export(models.get("simple_convnet"), images[:1], io.BytesIO(), input_names=["pixels"],
                           output_names=["scores"])
    assert {"conv1.weight", "conv1.bias", "fc1.weight", "fc2.bias"} <= {i.name for i in proto.graph.initializer}
    assert proto.graph.input[0].name == "pixels" and proto.graph.output[0].name == "scores"


def test_concat_exports(images, tmp_path):
    from scratchgrad.ops.shape import concat

    class TwoBranches(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(1, 2, 3, padding=1), nn.Conv2d(1, 3, 3, padding=1)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(5 * 28 * 28, 10), nn.LogSoftmax(dim=1))

        def forward(self, x):
            return self.head(concat([self.a(x), self.b(x)], axis=1))

    assert_runtime_matches(TwoBranches(), images, tmp_path / "concat.onnx")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_copying_padding_modes_export_as_gathers(images, tmp_path, mode):
    pad = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d, "circular": nn.CircularPad2d}[mode]
    model = nn.Sequential(pad((1, 2, 3, 0)), nn.Conv2d(1, 2, 3, padding=2, padding_mode=mode), nn.Flatten(),
                          nn.Linear(2 * 33 * 33, 10))
    assert_runtime_matches(model, images, tmp_path / f"{mode}.onnx")


def test_other_indexing_is_refused_naming_what_exports(images):
    class Crop(nn.Module):
        def forward(self, x):
            return x[:, :, 1:]

    with pytest.raises(sg_onnx.ExportError, match=r"op GetItem in module 0 \(Crop\): only x\[\.\.\., indices"):
        sg_onnx.export(nn.Sequential(Crop()), images[:1], io.BytesIO())


def test_unexportable_op_names_the_op_and_module(images):
    from scratchgrad.ops.reduce import cumsum

    class Odd(nn.Module):
        def forward(self, x):
            return cumsum(x.reshape(x.shape[0], -1), axis=1)

    model = nn.Sequential(nn.Conv2d(1, 2, 3), Odd())
    with pytest.raises(sg_onnx.ExportError, match=r"op CumSum in module 1 \(Odd\)"):
        sg_onnx.export(model, images[:1], io.BytesIO())


def test_even_lrn_window_is_refused_with_its_module(images):
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.LocalResponseNorm(4))
    with pytest.raises(sg_onnx.ExportError, match=r"LocalResponseNorm in module 1 \(LocalResponseNorm\).*even"):
        sg_onnx.export(model, images[:1], io.BytesIO())


def test_keras_model_export_method(images, tmp_path):
    model = _keras_example()
    model.export(str(tmp_path / "m.onnx"), format="onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = images.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="format must be 'onnx'.*received format='tf_saved_model'"):
        model.export(str(tmp_path / "m"), format="tf_saved_model")


def _keras_functional_shortcut():
    """A Functional model with a residual Add and a Concatenate of two branches."""
    from scratchgrad import keras
    from scratchgrad.keras import layers

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    y = layers.Conv2D(8, 3, padding="same")(x)
    x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.Concatenate()([x, layers.Conv2D(4, 1)(inputs)])
    x = layers.MaxPooling2D(2)(x)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def test_keras_functional_model_with_a_shortcut(images, tmp_path):
    model = _keras_functional_shortcut()
    assert_runtime_matches(model, images.transpose(0, 2, 3, 1), tmp_path / "functional.onnx")
    ops = {n.op_type for n in onnx.load(tmp_path / "functional.onnx").graph.node}
    assert {"Add", "Concat", "Transpose"} <= ops


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pytorch"


@pytest.mark.parametrize(("program", "network", "shape"), [
    ("fashion_mnist_course", "Network", None), ("mnist_basic", "Net", None), ("cifar10_blitz", "Net", (3, 32, 32)),
])
def test_the_networks_of_the_pytorch_examples_run_in_onnx_runtime(program, network, shape, images, tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "torch_programs"))
    try:
        from test_lessons import on_scratchgrad  # the programs as they run on scratchgrad: imports changed
    finally:
        sys.path.pop(0)
    namespace = {"__name__": f"example_{program}"}
    exec(compile(on_scratchgrad((EXAMPLES / f"{program}.py").read_text()), program, "exec"), namespace)
    x = images if shape is None else np.random.default_rng(0).random((64, *shape), dtype=np.float32)
    assert_runtime_matches(namespace[network](), x, tmp_path / f"{program}.onnx")
