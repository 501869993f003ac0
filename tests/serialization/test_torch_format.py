"""scratchgrad.save / scratchgrad.load in PyTorch's zip format: real torch both ways (state dicts, a model, an
optimizer that resumes), nested plain values, every dtype PyTorch stores, and the files load refuses."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from torch_files import archive, tensor_pickle

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import optim
from scratchgrad.serialization import PickleRefused
from scratchgrad.serialization.torch_format import TorchFileError

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64"]


def _as_numpy(value):
    return value.data if isinstance(value, sg.Tensor) else value


# ---- torch writes, scratchgrad reads ------------------------------------------------------------------------
def test_reads_every_dtype_views_shared_storages_and_plain_values_torch_saved(torch, tmp_path):
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    obj = {
        "dtypes": {name: torch.arange(6).reshape(2, 3).to(getattr(torch, name)) for name in DTYPES},
        "bfloat16": torch.tensor([1.5, -2.0, 3.25], dtype=torch.bfloat16),
        "view": base[1:, ::2].t(),  # offset, strides and a transpose over a bigger storage
        "shared": (base, base[0]),
        "scalar": torch.tensor(7.5), "empty": torch.zeros(0, 3),
        "param": torch.nn.Parameter(torch.ones(2)),
        "plain": [1, 2.5, "text", None, True, b"bytes", (3, (4,))],
    }
    torch.save(obj, tmp_path / "t.pt")
    loaded = sg.load(tmp_path / "t.pt")
    for name in DTYPES:
        mine, theirs = loaded["dtypes"][name], obj["dtypes"][name]
        assert isinstance(mine, sg.Tensor) and mine.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(mine.data, theirs.numpy())
    np.testing.assert_array_equal(loaded["bfloat16"].data, [1.5, -2.0, 3.25])
    np.testing.assert_array_equal(loaded["view"].data, obj["view"].numpy())
    np.testing.assert_array_equal(loaded["shared"][1].data, base[0].numpy())
    assert loaded["scalar"].shape == () and loaded["scalar"].item() == 7.5 and loaded["empty"].shape == (0, 3)
    assert isinstance(loaded["param"], nn.Parameter) and loaded["param"].requires_grad
    assert loaded["plain"] == obj["plain"]


def test_a_torch_model_state_dict_loads_strictly_into_the_same_model_here(torch, tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(8, 3))
    theirs(torch.randn(4, 1, 4, 4))  # moves the running statistics off their start
    theirs.eval()
    torch.save(theirs.state_dict(), tmp_path / "model.pt")
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).eval()
    assert ours.load_state_dict(sg.load(tmp_path / "model.pt")) == ([], [])
    x = np.random.default_rng(0).standard_normal((5, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(sg.Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


# ---- scratchgrad writes, torch reads -------------------------------------------------------------------------
def test_torch_reads_what_save_writes_with_weights_only(torch, tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    obj = OrderedDict(
        w=sg.Tensor(array), p=nn.Parameter(np.ones(2, dtype=np.float32)), view=array[:, ::2], n=np.int64(4),
        nested={"dtypes": [np.arange(3).astype(name) for name in DTYPES], "t": (1, "a", None, 2.5, b"x")},
    )
    sg.save(obj, tmp_path / "ours.pt")
    theirs = torch.load(tmp_path / "ours.pt", weights_only=True)
    assert isinstance(theirs, OrderedDict) and list(theirs) == list(obj)
    np.testing.assert_array_equal(theirs["w"].numpy(), array)
    assert isinstance(theirs["p"], torch.nn.Parameter) and theirs["p"].requires_grad
    np.testing.assert_array_equal(theirs["view"].numpy(), array[:, ::2])
    assert theirs["n"] == 4
    for name, tensor in zip(DTYPES, theirs["nested"]["dtypes"]):
        assert tensor.numpy().dtype == np.dtype(name)
    assert theirs["nested"]["t"] == (1, "a", None, 2.5, b"x")
    again = sg.load(tmp_path / "ours.pt")
    np.testing.assert_array_equal(again["view"].data, array[:, ::2])


def test_our_model_state_dict_loads_strictly_into_torchs_model(torch, tmp_path):
    ours = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    sg.save(ours.state_dict(), tmp_path / "model.pt")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    theirs.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(sg.Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_file_objects_work_both_ways(torch):
    buffer = io.BytesIO()
    sg.save({"x": sg.Tensor(np.ones(3, dtype=np.float32))}, buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True)["x"].tolist() == [1.0, 1.0, 1.0]
    buffer = io.BytesIO()
    torch.save({"y": torch.zeros(2)}, buffer)
    buffer.seek(0)
    assert sg.load(buffer)["y"].shape == (2,)


# ---- an optimizer resumes across the two frameworks ---------------------------------------------------------
def _grads(step, shapes):
    rng = np.random.default_rng(step)
    return [rng.standard_normal(shape) for shape in shapes]


def _steps(params, optimizer, steps, set_grad):
    for step in steps:
        for param, grad in zip(params, _grads(step, [tuple(p.shape) for p in params])):
            set_grad(param, grad)
        optimizer.step()


def _ours_grad(param, grad):
    param.grad = grad


def _torch_grad(param, grad):
    param.grad = param.new_tensor(grad)


@pytest.mark.parametrize(("name", "kwargs"), [("Adam", {"lr": 0.05, "amsgrad": True}),
                                              ("SGD", {"lr": 0.1, "momentum": 0.9})])
def test_an_optimizer_state_crosses_over_through_the_file_and_resumes_in_step(torch, tmp_path, name, kwargs):
    start = [np.random.default_rng(9).standard_normal(shape) for shape in [(3, 2), (4,)]]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    torch_opt = getattr(torch.optim, name)(theirs, **kwargs)
    _steps(theirs, torch_opt, range(3), _torch_grad)
    torch.save(torch_opt.state_dict(), tmp_path / "torch_opt.pt")
    ours = [nn.Parameter(t.detach().numpy().copy()) for t in theirs]
    our_opt = getattr(optim, name)(ours, **kwargs)
    our_opt.load_state_dict(sg.load(tmp_path / "torch_opt.pt"))
    _steps(theirs, torch_opt, range(3, 6), _torch_grad)
    _steps(ours, our_opt, range(3, 6), _ours_grad)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, reference.detach().numpy(), rtol=1e-12, atol=1e-12)

    sg.save(our_opt.state_dict(), tmp_path / "our_opt.pt")  # and back: ours written, torch resumes from it
    back = [torch.tensor(p.data.copy(), requires_grad=True) for p in ours]
    torch_again = getattr(torch.optim, name)(back, **kwargs)
    torch_again.load_state_dict(torch.load(tmp_path / "our_opt.pt", weights_only=True))
    _steps(back, torch_again, range(6, 9), _torch_grad)
    _steps(ours, our_opt, range(6, 9), _ours_grad)
    for mine, reference in zip(ours, back):
        np.testing.assert_allclose(mine.data, reference.detach().numpy(), rtol=1e-12, atol=1e-12)


# ---- what load refuses ----------------------------------------------------------------------------------------
def test_a_file_that_is_not_torchs_format_is_named(tmp_path):
    (tmp_path / "weights.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}" + bytes(20))
    with pytest.raises(TorchFileError, match=r"weights.safetensors\): not PyTorch's file format"):
        sg.load(tmp_path / "weights.safetensors")
    (tmp_path / "old.pt").write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(TorchFileError, match="before PyTorch 1.6"):
        sg.load(tmp_path / "old.pt")
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(TorchFileError, match="expected one <folder>/data.pkl, found 0 among 1 entries"):
        sg.load(io.BytesIO(other.getvalue()))


def test_a_truncated_file_is_refused_wherever_it_is_cut(torch, tmp_path):
    torch.save({"w": torch.arange(100.0), "b": torch.ones(3)}, tmp_path / "full.pt")
    blob = (tmp_path / "full.pt").read_bytes()
    for cut in (10, len(blob) // 3, len(blob) // 2, len(blob) - 30, len(blob) - 1):
        (tmp_path / "cut.pt").write_bytes(blob[:cut])
        with pytest.raises((TorchFileError, PickleRefused)):
            sg.load(tmp_path / "cut.pt")


@pytest.mark.parametrize("call", [(b"os", b"system", b"touch pwned"), (b"builtins", b"eval", b"print(1)"),
                                  (b"posix", b"system", b"touch pwned"), (b"subprocess", b"check_call", b"true")])
def test_a_pickle_that_calls_a_function_is_refused_and_runs_nothing(tmp_path, monkeypatch, call):
    module, name, argument = call
    pickled = b"\x80\x02c" + module + b"\n" + name + b"\n(X" + len(argument).to_bytes(4, "little") + argument + b"tR."
    path = tmp_path / "evil.pt"
    path.write_bytes(archive(pickled))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PickleRefused, match=f"refusing to load {module.decode()}.{name.decode()}.*weights_only"):
        sg.load(path)
    assert not (tmp_path / "pwned").exists()


def test_weights_only_false_is_refused(tmp_path):
    sg.save({"a": 1}, tmp_path / "a.pt")
    with pytest.raises(PickleRefused, match="weights_only=False would let the file run code"):
        sg.load(tmp_path / "a.pt", weights_only=False)


def test_storage_sizes_are_checked_against_the_archive_before_reading():
    claims_more = archive(tensor_pickle(10**9, (10**9,), (1,)), {"0": bytes(16)})
    with pytest.raises(PickleRefused, match="claims 1,000,000,000 elements of FloatStorage .*holds 16 bytes"):
        sg.load(io.BytesIO(claims_more))
    missing = archive(tensor_pickle(4, (4,), (1,), key="7"), {"0": bytes(16)})
    with pytest.raises(PickleRefused, match="storage '7', which the archive does not hold"):
        sg.load(io.BytesIO(missing))


@pytest.mark.parametrize(("size", "stride", "offset"), [((5,), (1,), 0), ((2, 2), (3, 1), 0), ((4,), (1,), 1),
                                                        ((2,), (10**12,), 0)])
def test_a_tensor_reaching_past_its_storage_is_refused(size, stride, offset):
    blob = archive(tensor_pickle(4, size, stride, offset), {"0": bytes(16)})
    with pytest.raises(PickleRefused, match="reaches element .* of storage '0', which has 4"):
        sg.load(io.BytesIO(blob))


def test_a_well_formed_hand_made_tensor_loads():
    raw = np.arange(6, dtype=np.float32).tobytes()
    tensor = sg.load(io.BytesIO(archive(tensor_pickle(6, (2, 2), (1, 2), offset=1), {"0": raw})))
    np.testing.assert_array_equal(tensor.data, [[1.0, 3.0], [2.0, 4.0]])


def test_compressed_entries_and_unknown_storage_types_are_refused():
    blob = archive(tensor_pickle(4, (4,), (1,)), {"0": bytes(16)}, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(TorchFileError, match="is compressed or extends past the end of the file"):
        sg.load(io.BytesIO(blob))
    blob = archive(tensor_pickle(4, (4,), (1,), kind="ObjectStorage"), {"0": bytes(16)})
    with pytest.raises(PickleRefused, match="refusing to load torch.ObjectStorage"):
        sg.load(io.BytesIO(blob))


def test_save_refuses_what_torchs_weights_format_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match=r"save: obj\['model'\] is a Linear; PyTorch's weights format holds"):
        sg.save({"model": nn.Linear(2, 2)}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match=r"obj\[0\] has dtype uint16"):
        sg.save([np.zeros(2, np.uint16)], tmp_path / "x.pt")
    assert not os.path.exists(tmp_path / "x.pt")
