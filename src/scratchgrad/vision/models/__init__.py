"""torchvision-style model builders: ``resnet18(num_classes=...)`` with torchvision's parameter names."""

from .resnet import BasicBlock, ResNet, resnet18, resnet34

__all__ = ["BasicBlock", "ResNet", "resnet18", "resnet34"]
