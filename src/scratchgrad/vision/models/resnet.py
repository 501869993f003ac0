"""ResNet-18 and -34 for ImageNet-sized input, laid out module for module as torchvision's.

The attribute names (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.0``, ``fc``, ...) are
torchvision's, so a state dict saved from ``torchvision.models.resnet18()`` loads here with ``strict=True`` and the
model gives the same logits. The CIFAR-sized ResNet of the notes is ``scratchgrad.models.ResNet``.
"""

from __future__ import annotations

from typing import Any

from ...autograd import Tensor
from ...nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU
from ...nn.module import Module, Sequential
from ...tensor.functions import flatten


class BasicBlock(Module):
    """conv 3x3 (stride) -> BN -> ReLU -> conv 3x3 -> BN, plus the input (through ``downsample`` when given), ReLU.

    Shapes: (N, inplanes, H, W) -> (N, planes, H / stride, W / stride).
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None):
        super().__init__()
        self.conv1 = Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False, floor_mode=True)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False, floor_mode=True)
        self.bn2 = BatchNorm2d(planes)
        self.downsample, self.stride = downsample, stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return self.relu(out + identity)


class ResNet(Module):
    """conv 7x7/2 -> BN -> ReLU -> max pool 3x3/2 -> 4 stages of blocks (64, 128, 256, 512) -> average pool -> fc.

    Args:
        layers: blocks per stage, (2, 2, 2, 2) for ResNet-18, (3, 4, 6, 3) for ResNet-34.
        num_classes: outputs of ``fc``.

    Shapes: (N, 3, 224, 224) -> (N, 512, 7, 7) -> (N, num_classes); any H, W >= 32 works (the pool is adaptive).
    Example: ``resnet18(num_classes=10)(torch.randn(2, 3, 64, 64)).shape`` is (2, 10).
    """

    def __init__(self, layers: tuple[int, ...] = (2, 2, 2, 2), num_classes: int = 1000, in_channels: int = 3):
        super().__init__()
        self.inplanes = 64
        self.conv1 = Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False, floor_mode=True)
        self.bn1 = BatchNorm2d(64)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._stage(64, layers[0], 1)
        self.layer2 = self._stage(128, layers[1], 2)
        self.layer3 = self._stage(256, layers[2], 2)
        self.layer4 = self._stage(512, layers[3], 2)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * BasicBlock.expansion, num_classes)

    def _stage(self, planes: int, blocks: int, stride: int) -> Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:  # the shortcut must change shape too: 1x1 conv + BN
            shortcut = Conv2d(self.inplanes, planes, 1, stride=stride, bias=False, floor_mode=True)
            downsample = Sequential(shortcut, BatchNorm2d(planes))
        stage = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        stage += [BasicBlock(planes, planes) for _ in range(blocks - 1)]
        return Sequential(*stage)

    def forward(self, x: Any) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(flatten(self.avgpool(x), 1))


def resnet18(num_classes: int = 1000, weights: Any = None, **kwargs: Any) -> ResNet:
    """ResNet-18 (11.7 M parameters at 1000 classes). ``weights`` must be None: no pretrained weights ship here;
    load a state dict with ``model.load_state_dict(scratchgrad.load(path))``."""
    if weights is not None:
        raise ValueError(f"resnet18: pretrained weights are not shipped (no network); received weights={weights!r}. "
                         "Load a saved state dict with model.load_state_dict(scratchgrad.load(path)) instead")
    return ResNet((2, 2, 2, 2), num_classes=num_classes, **kwargs)


def resnet34(num_classes: int = 1000, weights: Any = None, **kwargs: Any) -> ResNet:
    """ResNet-34: ResNet-18's blocks, (3, 4, 6, 3) per stage."""
    if weights is not None:
        raise ValueError(f"resnet34: pretrained weights are not shipped (no network); received weights={weights!r}")
    return ResNet((3, 4, 6, 3), num_classes=num_classes, **kwargs)
