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

    if name not in _BUILDERS:
        raise ValueError(f"no torch twin for {name!r}; available: {', '.join(_BUILDERS)}")
    return _BUILDERS[name](nn)


def available() -> list[str]:
    return list(_BUILDERS)


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


def _mlp(nn: Any) -> Any:
    class MLP(nn.Module):  # models.get("mlp"): hidden sizes 100-100, ReLU
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(
                nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10)
            )

        def forward(self, x):
            return self.layers(x)

    return MLP()


def _alexnet(nn: Any) -> Any:
    class AlexNet(nn.Module):
        def __init__(self):
            super().__init__()
            c = nn.Conv2d
            self.features = nn.Sequential(
                c(1, 48, 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(5), nn.MaxPool2d(2),
                c(48, 128, 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(5), nn.MaxPool2d(2),
                c(128, 192, 3, padding=1), nn.ReLU(), c(192, 192, 3, padding=1), nn.ReLU(),
                c(192, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Dropout(0.5), nn.Linear(128 * 3 * 3, 512), nn.ReLU(), nn.Dropout(0.5),
                nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10),
            )

        def forward(self, x):
            return self.classifier(self.features(x))

    return AlexNet()


def _resnet(nn: Any, blocks_per_stage: int) -> Any:
    """ResNet-(6 * blocks_per_stage + 2): 1 is ResNet-8, 3 is ResNet-20."""
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

    def stage(cin: int, cout: int, stride: int) -> Any:
        rest = [BasicBlock(cout, cout, 1) for _ in range(blocks_per_stage - 1)]
        return nn.Sequential(BasicBlock(cin, cout, stride), *rest)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
            self.stages = nn.Sequential(stage(16, 16, 1), stage(16, 32, 2), stage(32, 64, 2))
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

        def forward(self, x):
            return self.head(self.stages(self.stem(x)))

    return ResNet()


_BUILDERS = {
    "simple_convnet": _simple_convnet,
    "two_layer_net": _two_layer_net,
    "mlp": _mlp,
    "deep_convnet": _deep_convnet,
    "lenet": _lenet,
    "alexnet": _alexnet,
    "resnet8": lambda nn: _resnet(nn, 1),
    "resnet20": lambda nn: _resnet(nn, 3),
}
