"""torchvision's face: ``datasets`` (MNIST, FashionMNIST, CIFAR10), ``transforms``, ``utils`` and ``models``.

A torchvision program runs with ``import torchvision`` changed to ``import scratchgrad.vision as torchvision``.
"""

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
