"""Weights and checkpoints: round trips, strict checks, atomic writes, no pickle."""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import io, optim


def small_model():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))


def test_weights_round_trip_exactly(tmp_path):
    a, b = small_model(), small_model()
    io.save_weights(a, tmp_path / "w.safetensors")
    io.load_into(b, tmp_path / "w.safetensors")
    for key, value in a.state_dict().items():
        assert np.array_equal(b.state_dict()[key], value) and b.state_dict()[key].dtype == value.dtype


def test_loading_the_wrong_architecture_names_the_keys(tmp_path):
    io.save_weights(small_model(), tmp_path / "w.safetensors")
    other = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    with pytest.raises(KeyError, match=r"missing keys \['3.bias', '3.weight'\], unexpected keys \['1.bias'"):
        io.load_into(other, tmp_path / "w.safetensors")


def test_loading_a_mis_shaped_tensor_names_it_and_both_shapes(tmp_path):
    io.save_weights(small_model(), tmp_path / "w.safetensors")
    wider = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    with pytest.raises(ValueError, match=r"4.weight: expected \(5, 144\), received \(3, 144\)"):
        io.load_into(wider, tmp_path / "w.safetensors")


def test_a_file_that_is_not_safetensors_is_refused_clearly(tmp_path):
    (tmp_path / "bad.safetensors").write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        io.load_weights(tmp_path / "bad.safetensors")


def test_a_crash_while_writing_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "w.safetensors"
    io.save_weights(small_model(), target)
    before = target.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(io.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        io.save_weights(small_model(), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]  # the temporary file is gone too


def test_checkpoint_restores_model_optimizer_and_extra_state(tmp_path):
    model = small_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    x = sg.Tensor(np.random.default_rng(0).random((2, 1, 8, 8), dtype=np.float32))
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    rng_state = np.random.default_rng(5).bit_generator.state
    io.save_checkpoint(tmp_path / "c.safetensors", model, opt, epoch=2, rng=rng_state, history=[{"loss": 0.5}])
    ckpt = io.load_checkpoint(tmp_path / "c.safetensors")
    assert ckpt.extra == {"epoch": 2, "rng": rng_state, "history": [{"loss": 0.5}]}
    restored = small_model()
    restored.load_state_dict(ckpt.model)
    opt2 = optim.Adam(restored.parameters(), lr=0.01)
    opt2.load_state_dict(ckpt.optimizer)
    for m, o in ((model, opt), (restored, opt2)):  # one more identical step on both
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    for key, value in model.state_dict().items():
        assert np.array_equal(restored.state_dict()[key], value), key


def test_a_weights_file_is_not_mistaken_for_a_checkpoint(tmp_path):
    io.save_weights(small_model(), tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match="not a scratchgrad checkpoint"):
        io.load_checkpoint(tmp_path / "w.safetensors")


def test_no_pickle_in_saved_files(tmp_path):
    io.save_checkpoint(tmp_path / "c.safetensors", small_model(), epoch=1)
    raw = (tmp_path / "c.safetensors").read_bytes()
    assert b"\x80\x04" not in raw[:64] and raw[8:9] == b"{"  # a JSON header, not a pickle stream
