"""vision.models.resnet18 loads a torchvision-layout ResNet-18 state dict strictly and gives its logits.

torchvision does not install here, so the reference is built in torch by hand with torchvision's module names.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.vision import models


def _torch_resnet18(torch, num_classes):
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1, self.layer2 = self._make_layer(64, 1), self._make_layer(128, 2)
            self.layer3, self.layer4 = self._make_layer(256, 2), self._make_layer(512, 2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def _make_layer(self, planes, stride):
            down = None
            if stride != 1 or self.inplanes != planes:
                down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
            layers = [BasicBlock(self.inplanes, planes, stride, down), BasicBlock(planes, planes)]
            self.inplanes = planes
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet()


def test_a_torchvision_state_dict_loads_strict_and_gives_the_same_logits(torch, tmp_path):
    torch.manual_seed(0)
    theirs = _torch_resnet18(torch, 10)
    with torch.no_grad():  # running statistics away from 0 and 1, so eval mode is really tested
        for m in theirs.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
    theirs.eval()
    torch.save(theirs.state_dict(), tmp_path / "resnet18.pt")
    ours = models.resnet18(num_classes=10)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    result = ours.load_state_dict(sg.load(tmp_path / "resnet18.pt"), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    ours.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(sg.tensor(x)).detach().numpy(), expected, rtol=1e-4, atol=1e-4)


def test_pretrained_weights_are_refused_by_name():
    with pytest.raises(ValueError, match="pretrained weights are not shipped.*weights='IMAGENET1K_V1'"):
        models.resnet18(weights="IMAGENET1K_V1")
    assert models.resnet34(num_classes=3).eval()(sg.randn(1, 3, 32, 32)).shape == (1, 3)
