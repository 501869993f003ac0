"""Each model zoo network, rebuilt by hand in torch.nn, gives the same logits from the same weights file.

Weights travel both ways through .safetensors: ours -> torch (safetensors.torch.load_file + load_state_dict,
strict) and torch -> ours (safetensors.torch.save_file + our load_into, strict).
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import io, models

safetensors_torch = pytest.importorskip("safetensors.torch")


def torch_simple_convnet(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 30, 5)
            self.pool = nn.MaxPool2d(2)
            self.flatten = nn.Flatten()
            self.fc1 = nn.Linear(4320, 100)
            self.fc2 = nn.Linear(100, 10)
            self.relu = nn.ReLU()

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            return self.fc2(self.relu(self.fc1(self.flatten(x))))

    return Net()


def torch_two_layer_net(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten, self.fc1, self.act, self.fc2 = nn.Flatten(), nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(self.flatten(x))))

    return Net()


def torch_deep_convnet(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            c = nn.Conv2d
            self.features = nn.Sequential(
                c(1, 16, 3, padding=1), nn.ReLU(), c(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                c(16, 32, 3, padding=1), nn.ReLU(), c(32, 32, 3, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                c(32, 64, 3, padding=1), nn.ReLU(), c(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(1024, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10), nn.Dropout(0.5)
            )

        def forward(self, x):
            return self.classifier(self.features(x))

    return Net()


def torch_lenet(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Sigmoid(),
                nn.AvgPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10)
            )

        def forward(self, x):
            return self.classifier(self.features(x))

    return Net()


def torch_resnet8(nn):
    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.bn2(self.conv2(self.bn1(self.conv1(x)).relu()))
            return (out + (x if self.downsample is None else self.downsample(x))).relu()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
            self.stages = nn.Sequential(
                nn.Sequential(Block(16, 16, 1)), nn.Sequential(Block(16, 32, 2)), nn.Sequential(Block(32, 64, 2))
            )
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

        def forward(self, x):
            return self.head(self.stages(self.stem(x)))

    return Net()


TORCH_TWINS = {
    "simple_convnet": torch_simple_convnet,
    "two_layer_net": torch_two_layer_net,
    "deep_convnet": torch_deep_convnet,
    "lenet": torch_lenet,
    "resnet8": torch_resnet8,
}


def _train_batchnorm_a_little(model, x):
    """Move BatchNorm running statistics away from 0 / 1 so eval mode really tests them."""
    model.train()
    with sg.no_grad():
        for _ in range(3):
            model(sg.Tensor(x))
    return model.eval()


@pytest.mark.parametrize("name", sorted(TORCH_TWINS))
def test_our_weights_load_into_torch_and_give_the_same_logits(name, torch, tmp_path):
    x = np.random.default_rng(1).random((4, 1, 28, 28), dtype=np.float32)
    ours = _train_batchnorm_a_little(models.get(name), x)
    io.save_weights(ours, tmp_path / "w.safetensors")
    twin = TORCH_TWINS[name](torch.nn)
    twin.load_state_dict(safetensors_torch.load_file(tmp_path / "w.safetensors"), strict=True)
    twin.eval()
    expected = twin(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(sg.Tensor(x)).data, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(TORCH_TWINS))
def test_torch_weights_load_into_ours_and_give_the_same_logits(name, torch, tmp_path):
    torch.manual_seed(0)
    twin = TORCH_TWINS[name](torch.nn)
    x = np.random.default_rng(2).random((4, 1, 28, 28), dtype=np.float32)
    twin.train()
    with torch.no_grad():
        for _ in range(3):
            twin(torch.tensor(x))  # non-trivial running statistics
    twin.eval()
    safetensors_torch.save_file(twin.state_dict(), tmp_path / "t.safetensors")
    ours = io.load_into(models.get(name), tmp_path / "t.safetensors").eval()
    np.testing.assert_allclose(ours(sg.Tensor(x)).data, twin(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
