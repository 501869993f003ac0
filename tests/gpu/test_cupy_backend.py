"""The same ops and training on CuPy (a GPU): every op's forward and gradients equal NumPy's.

Skips cleanly where CuPy or a GPU is missing (CI has neither); run on a GPU machine with
``python -m pytest tests/gpu``. Each check runs an op on NumPy, then on CuPy with the same inputs, and
compares forward values and every input gradient in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import backend

cupy = pytest.importorskip("cupy")
try:
    cupy.cuda.runtime.getDeviceCount()
except Exception:  # CuPy installed without a usable GPU
    pytest.skip("no CUDA device", allow_module_level=True)


@pytest.fixture
def on_gpu():
    backend.use("cupy")
    try:
        yield
    finally:
        backend.use("numpy")


def run(fn, arrays, needs, xp):
    tensors = [sg.Tensor(xp.asarray(a), requires_grad=r) for a, r in zip(arrays, needs)]
    out = fn(*tensors)
    c = xp.asarray(np.random.default_rng(1).standard_normal(out.shape))
    (out * c).sum().backward()
    return [backend.to_numpy(out.data)] + [backend.to_numpy(t.grad) for t, r in zip(tensors, needs) if r]


rng = np.random.default_rng(0)
CASES = {
    "matmul_broadcast": (lambda a, b: (a @ b) * a.sum(axis=2, keepdims=True), [(3, 4, 5), (5, 2)]),
    "activations": (lambda x: F.sigmoid(x) + F.tanh(x) * F.relu(x) + F.softmax(x, axis=1), [(4, 6)]),
    "log_softmax_max_mean": (lambda x: F.log_softmax(x).max(axis=1).mean() + x.exp().log().mean(), [(3, 5)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, np.array([1, 0, 3])), [(3, 4)]),
    "conv_stride1_pad": (lambda x, w: F.conv2d(x, w, padding=1), [(2, 3, 7, 6), (4, 3, 3, 3)]),
    "conv_stride2": (lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(2, 3, 7, 7), (4, 3, 3, 3)]),
    "pools": (lambda x: F.max_pool2d(x, 2) + F.avg_pool2d(x, 2), [(2, 3, 6, 6)]),
    "pools_overlapping": (lambda x: F.max_pool2d(x, 3, 2, 1), [(2, 3, 7, 7)]),
    "batch_norm": (lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True), [(4, 3, 5, 5), (3,), (3,)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(5, 4), (3, 4), (3,)]),
    "lrn_and_pad": (lambda x: F.local_response_norm(F.pad(x, (1, 0, 0, 1)), 3), [(2, 4, 3, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_on_cupy_equals_numpy(name, on_gpu):
    fn, shapes = CASES[name]
    arrays = [rng.standard_normal(s) for s in shapes]
    needs = [True] * len(arrays)
    backend.use("numpy")
    expected = run(fn, arrays, needs, np)
    backend.use("cupy")
    got = run(fn, arrays, needs, cupy)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


def test_simple_convnet_trains_on_the_gpu_and_its_files_load_on_the_cpu(on_gpu, tmp_path):
    from scratchgrad import io, models, optim
    from scratchgrad.data import MNIST, DataLoader
    from scratchgrad.train import Trainer

    sg.manual_seed(0)
    model = models.get("simple_convnet")
    assert isinstance(model.conv1.weight.data, cupy.ndarray)
    train, test = MNIST(train=True), MNIST(train=False)
    loader = DataLoader((train.data[:6400, None], train.targets[:6400]), batch_size=64, shuffle=True, seed=0)
    tests = DataLoader((test.data[:2000, None], test.targets[:2000]), batch_size=500)
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3), loader, eval_loaders={"test": tests},
                      out_dir=tmp_path, progress=False, log=None)
    assert trainer.fit(1)[-1]["test_accuracy"] > 0.9  # checkpoint and weights were written from GPU arrays
    x = test.data[:8, None].astype(np.float32) / 255
    with sg.no_grad():
        on_gpu_scores = backend.to_numpy(model(sg.Tensor(cupy.asarray(x))))
    backend.use("numpy")
    cpu_model = io.load_into(models.get("simple_convnet"), tmp_path / "model.safetensors")
    with sg.no_grad():
        np.testing.assert_allclose(cpu_model(sg.Tensor(x)).data, on_gpu_scores, rtol=1e-4, atol=1e-5)
