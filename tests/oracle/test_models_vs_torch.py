"""Each model zoo network and its torch.nn twin (models/torch_twins.py) give the same logits from the same weights file.

Weights travel both ways through .safetensors: ours -> torch (safetensors.torch.load_file + load_state_dict,
strict) and torch -> ours (safetensors.torch.save_file + our load_into, strict).
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import io, models
from scratchgrad.models import torch_twins

safetensors_torch = pytest.importorskip("safetensors.torch")


def _train_batchnorm_a_little(model, x):
    """Move BatchNorm running statistics away from 0 / 1 so eval mode really tests them."""
    model.train()
    with sg.no_grad():
        for _ in range(3):
            model(sg.Tensor(x))
    return model.eval()


@pytest.mark.parametrize("name", torch_twins.available())
def test_our_weights_load_into_torch_and_give_the_same_logits(name, torch, tmp_path):
    x = np.random.default_rng(1).random((4, 1, 28, 28), dtype=np.float32)
    ours = _train_batchnorm_a_little(models.get(name), x)
    io.save_weights(ours, tmp_path / "w.safetensors")
    twin = torch_twins.build(name)
    twin.load_state_dict(safetensors_torch.load_file(tmp_path / "w.safetensors"), strict=True)
    twin.eval()
    expected = twin(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(sg.Tensor(x)).data, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", torch_twins.available())
def test_torch_weights_load_into_ours_and_give_the_same_logits(name, torch, tmp_path):
    torch.manual_seed(0)
    twin = torch_twins.build(name)
    x = np.random.default_rng(2).random((4, 1, 28, 28), dtype=np.float32)
    twin.train()
    with torch.no_grad():
        for _ in range(3):
            twin(torch.tensor(x))  # non-trivial running statistics
    twin.eval()
    safetensors_torch.save_file(twin.state_dict(), tmp_path / "t.safetensors")
    ours = io.load_into(models.get(name), tmp_path / "t.safetensors").eval()
    np.testing.assert_allclose(ours(sg.Tensor(x)).data, twin(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
