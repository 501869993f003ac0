"""The zoo's networks written in ``torch.nn``, with the same state-dict names and layouts as ours.

So a scratchgrad weights file loads straight into PyTorch::

    from safetensors.torch import load_file
    from scratchgrad.models.torch_twins import build

    net = build("simple_convnet")
    net.load_state_dict(load_file("runs/demo/model.safetensors"))

The tests use these twins to prove logits agree both ways; the benchmarks use them as PyTorch's side.
PyTorch is imported only when a twin is built. For MNIST-shaped input (1, 28, 28) and 10 classes.
"""

from __future__ import annotations

from typing import Any


def build(name: str) -> Any:
    """A fresh torch.nn.Module twin of ``models.get(name)`` for (1, 28, 28) input."""
    import torch.nn as nn

    builders = {
        "simple_convnet": _simple_convnet,
        "two_layer_net": _two_layer_net,
        "deep_convnet": _deep_convnet,
        "lenet": _lenet,
        "resnet8": _resnet8,
    }
    if name not in builders:
        raise ValueError(f"no torch twin for {name!r}; available: {', '.join(builders)}")
    return builders[name](nn)


def available() -> list[str]:
    return ["simple_convnet", "two_layer_net", "deep_convnet", "lenet", "resnet8"]


def _simple_convnet(nn: Any) -> Any:
    class SimpleConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.pool, self.flatten = nn.Conv2d(1, 30, 5), nn.MaxPool2d(2), nn.Flatten()
            self.fc1, self.fc2, self.relu = nn.Linear(4320, 100), nn.Linear(100, 10), nn.ReLU()

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(self.flatten(self.pool(self.relu(self.conv1(x)))))))

    return SimpleConvNet()


def _two_layer_net(nn: Any) -> Any:
    class TwoLayerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten, self.fc1, self.act, self.fc2 = nn.Flatten(), nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(self.flatten(x))))

    return TwoLayerNet()


def _deep_convnet(nn: Any) -> Any:
    class DeepConvNet(nn.Module):
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

    return DeepConvNet()


def _lenet(nn: Any) -> Any:
    class LeNet(nn.Module):
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

    return LeNet()


def _resnet8(nn: Any) -> Any:
    class BasicBlock(nn.Module):
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

    class ResNet8(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
            self.stages = nn.Sequential(
                nn.Sequential(BasicBlock(16, 16, 1)), nn.Sequential(BasicBlock(16, 32, 2)),
                nn.Sequential(BasicBlock(32, 64, 2)),
            )
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

        def forward(self, x):
            return self.head(self.stages(self.stem(x)))

    return ResNet8()
