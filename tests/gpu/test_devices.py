"""Tensors on a GPU, one at a time (``.to("cuda")``) in a process whose default device is the CPU: every tensor
method equals its CPU result to 1e-5, two devices in one op are refused, a model trains after ``model.to("cuda")``.

Runs where CuPy and a GPU are present (``python -m pytest tests/gpu``); skips where either is missing.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import models, optim

cupy = pytest.importorskip("cupy")
if not sg.cuda.is_available():
    pytest.skip("CuPy sees no GPU", allow_module_level=True)

# The tensor surface, written once for either device.
METHODS = {
    "arithmetic": lambda a, b: (a.add(b, alpha=2) * a - b / (a * a + 1)) ** 2,
    "elementwise": lambda a, b: a.exp() + a.abs().sqrt() + a.sigmoid() * a.tanh() + a.relu() + a.clamp(-0.5, 0.5),
    "select": lambda a, b: sg.where(a > 0, a, b) + sg.maximum(a, b) - a.minimum(b),
    "reductions": lambda a, b: a.sum(dim=1, keepdim=True) + a.mean(0) + a.std() + a.var(dim=1, keepdim=True),
    "max_dim": lambda a, b: a.max(dim=1).values + a.min(dim=1)[0] + a.norm(dim=1) + a.prod(dim=1),
    "softmax": lambda a, b: a.softmax(dim=1) + a.log_softmax(dim=0) + a.cumsum(dim=1),
    "products": lambda a, b: (a @ b.t()).sum(dim=1) + a.matmul(b.t()).mean(),
    "movement": lambda a, b: sg.cat([a, b], dim=1).reshape(-1).view(2, -1).t().flatten()[::3].unsqueeze(0).squeeze(),
    "stack_split": lambda a, b: sg.stack([a, b]).permute(2, 0, 1).split(1, dim=0)[1].sum(),
    "indexing": lambda a, b: a[a > 0].sum() + a[:, 1:3].sum() + a[sg.tensor([0, 2]).to(a.device)].sum(),
    "in_place_on_views": lambda a, b: _in_place_on_views(a, b),
}


def _in_place_on_views(a, b):
    c = a * 1.0
    c.t()[1].mul_(b[0, :3])  # a view's change reaches its base's memory and history
    c[1:] += b[1:]
    return c


def _both(name: str):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2)]
    results = []
    for where in ("cpu", "cuda"):
        inputs = [sg.tensor(a, requires_grad=True) for a in arrays]
        moved = [t.to(where) for t in inputs]
        out = METHODS[name](*moved)
        out.sum().backward()
        grads = [np.zeros_like(a) if t.grad is None else sg.backend.to_numpy(t.grad.data)
                 for a, t in zip(arrays, inputs)]
        results.append([out.cpu().detach().numpy(), *grads])
    return results


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_on_cuda_equals_cpu(name):
    cpu, cuda = _both(name)
    for c, g in zip(cpu, cuda):
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-5)


def test_tensor_round_trip_and_printing():
    t = sg.tensor([1.0, 2.0]).cuda()
    assert t.device == "cuda:0" and repr(t) == "tensor([1., 2.], device='cuda:0')"
    assert t.cpu().device == "cpu" and t.cpu().tolist() == [1.0, 2.0] and t.to("cuda") is t


def test_two_devices_in_one_op_are_refused():
    with pytest.raises(RuntimeError, match="expected all tensors on the same device.* cpu and cuda:0"):
        sg.ones(2) + sg.ones(2).cuda()


def test_simple_convnet_trains_after_model_to_cuda_as_on_the_cpu():
    rng = np.random.default_rng(0)
    x, t = rng.random((8, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 8)
    losses = {}
    for where in ("cpu", "cuda"):
        sg.manual_seed(0)
        model = models.get("simple_convnet").to(where)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        data, labels = sg.tensor(x).to(where), sg.tensor(t).to(where)
        history = []
        for _ in range(5):
            loss = F.cross_entropy(model(data), labels.data)
            opt.zero_grad()
            loss.backward()
            opt.step()
            history.append(loss.item())
        losses[where] = history
        assert all(p.device == where for p in model.parameters())
    np.testing.assert_allclose(losses["cuda"], losses["cpu"], rtol=1e-4)
    assert losses["cpu"][-1] < losses["cpu"][0]
