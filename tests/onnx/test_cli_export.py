"""`scratchgrad export RUN --format onnx`: the trained run's model in a file ONNX Runtime runs at any batch size."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import no_grad
from scratchgrad.cli import main
from scratchgrad.data import load_mnist
from scratchgrad.tensor import Tensor
from scratchgrad.train.runs import load_run

ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export") / "run"
    assert main(["train", "--model", "simple_convnet", "--epochs", "1", "--limit", "200", "--batch-size", "50",
                 "--out", str(folder), "--no-progress"]) == 0
    return folder


def test_export_writes_a_file_onnx_runtime_runs(run_folder, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    assert main(["export", str(run_folder), "--format", "onnx", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "(batch, 1, 28, 28)" in printed
    (_, _), (x, _) = load_mnist(flatten=False)
    model, _ = load_run(run_folder)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for n in (1, 64):
        with no_grad():
            ours = model.eval()(Tensor(x[:n])).data
        np.testing.assert_allclose(session.run(None, {"input": x[:n]})[0], ours, rtol=0, atol=1e-5)


def test_export_defaults_to_the_run_folder(run_folder, capsys):
    assert main(["export", str(run_folder)]) == 0
    onnx = pytest.importorskip("onnx")
    proto = onnx.load(run_folder / "model.onnx")
    assert [i.name for i in proto.graph.input] == ["input"]
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_export_refuses_another_format(run_folder, capsys):
    assert main(["export", str(run_folder), "--format", "tflite"]) == 2
    assert "--format must be onnx; received 'tflite'" in capsys.readouterr().err
