"""device.py and cuda.py on a machine without a GPU: names, errors, ``.to`` round trips, ``Module.to``, and the
rule that one operation's tensors share a device (checked with a stand-in for CuPy's array type)."""

from __future__ import annotations

import types

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import autograd, backend, optim


@pytest.mark.parametrize("name", ["cpu", "cuda", "cuda:1", "cuda:0"])
def test_device_names_print_as_torch(torch, name):
    ours, theirs = sg.device(name), torch.device(name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert ours == name and sg.device("cuda", 1) == "cuda:1"


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "cpu:one", "tpu"])
def test_unknown_device_names_are_refused(name):
    with pytest.raises(RuntimeError, match=f"unknown device '{name}'; expected 'cpu', 'cuda' or 'cuda:N'"):
        sg.device(name)


def test_tensors_are_on_the_cpu_and_to_cpu_is_free(torch):
    t = sg.tensor([1.0, 2.0])
    assert t.device == sg.device("cpu") and repr(t.device) == repr(torch.tensor([1.0]).device)
    assert t.to("cpu") is t and t.cpu() is t and t.to(sg.device("cpu")) is t and t.to(t) is t


def test_to_dtype_device_and_tensor_forms():
    t = sg.tensor([1.5, 2.5], requires_grad=True)
    assert t.to(sg.float64).dtype == sg.float64 and t.to("cpu", sg.int64).tolist() == [1, 2]
    assert t.to(dtype=sg.float16).dtype == sg.float16 and t.to(sg.zeros(1, dtype=sg.float64)).dtype == sg.float64
    t.to(sg.float64).sum().backward()
    assert t.grad.dtype == np.float32 and t.grad.tolist() == [1.0, 1.0]


def test_cuda_without_cupy_says_what_to_install(monkeypatch):
    def missing():
        raise RuntimeError(backend.CUPY_MISSING)

    monkeypatch.setattr(backend, "load_cupy", missing)
    assert not sg.cuda.is_available() and sg.cuda.device_count() == 0
    for attempt in (lambda: sg.ones(2).to("cuda"), lambda: sg.ones(2).cuda(), lambda: sg.zeros(2, device="cuda"),
                    lambda: nn.Linear(2, 2).cuda()):  # fmt: skip
        with pytest.raises(RuntimeError, match="need CuPy, which is not installed: pip install cupy"):
            attempt()


def test_cuda_with_cupy_but_no_gpu_says_so(monkeypatch):
    runtime = types.SimpleNamespace(getDeviceCount=lambda: 0)
    cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))
    monkeypatch.setattr(backend, "load_cupy", lambda: cupy)
    assert not sg.cuda.is_available()
    with pytest.raises(RuntimeError, match="CuPy is installed but sees no GPU"):
        sg.ones(2).to("cuda:0")


class _OnGPU(np.ndarray):
    """A stand-in for a CuPy array on GPU 0: only its type and ``.device.id`` matter to the device rule."""

    device = types.SimpleNamespace(id=0)


def test_an_operation_on_two_devices_is_refused_before_any_work(monkeypatch):
    fake_cupy = types.SimpleNamespace(ndarray=_OnGPU, get_array_module=lambda *a: np)
    monkeypatch.setattr(backend, "_cupy", fake_cupy)
    on_gpu = autograd.wrap(np.ones(2).view(_OnGPU))  # as .to("cuda") would make it
    assert on_gpu.device == "cuda:0" and "device='cuda:0'" in repr(on_gpu)
    with pytest.raises(RuntimeError, match=r"MulBackward0: expected all tensors on the same device.* cpu and cuda:0"):
        sg.ones(2) * on_gpu
    with pytest.raises(RuntimeError, match=r"x.to\('cpu'\)"):
        sg.cat([sg.ones(2), on_gpu])
    assert (on_gpu * 2).tolist() == [2.0, 2.0]  # one device: fine


def test_module_to_dtype_casts_parameters_and_buffers_and_a_new_optimizer_follows():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    assert model.to(sg.float64) is model
    state = model.state_dict()
    assert all(v.dtype == np.float64 for k, v in state.items() if not k.endswith("num_batches_tracked"))
    assert state["1.num_batches_tracked"].dtype == np.int64
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = model[0].weight.data.copy()
    model(sg.randn(5, 3, dtype=sg.float64)).sum().backward()
    opt.step()
    assert model[0].weight.dtype == sg.float64 and not np.array_equal(model[0].weight.data, before)
    assert model.float()[0].weight.dtype == sg.float32 and model.double().to("cpu")[2].bias.dtype == sg.float64
    assert model.cpu() is model


def test_module_to_matches_torch_for_the_same_weights(torch):
    ours = nn.Linear(3, 2).double()
    theirs = torch.nn.Linear(3, 2).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3))
    expected = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(sg.tensor(x)).detach().numpy(), expected, rtol=1e-12)
