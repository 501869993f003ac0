"""The model zoo: the notes' networks by name. ``models.get("simple_convnet")``, ``models.available()``."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..nn.module import Module
from .convnets import AlexNet, DeepConvNet, LeNet, SimpleConvNet
from .mlp import MLP, TwoLayerNet
from .resnet import ResNet


def _flat(builder: Callable[..., Module]) -> Callable[..., Module]:
    """Fully connected models take input_size; derive it from the image shape."""

    def build(input_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10, **kwargs: Any) -> Module:
        size = 1
        for n in input_shape:
            size *= n
        return builder(input_size=size, output_size=num_classes, **kwargs)

    return build


_REGISTRY: dict[str, tuple[Callable[..., Module], str]] = {
    "two_layer_net": (_flat(TwoLayerNet), "the notes' TwoLayerNet: 784-50-10, ReLU (39,760 parameters)"),
    "mlp": (_flat(MLP), "multi-layer perceptron, hidden sizes configurable (100-100 by default)"),
    "simple_convnet": (SimpleConvNet, "conv 30x5x5 -> pool -> 100 -> 10 (433,890 parameters on MNIST)"),
    "lenet": (LeNet, "LeNet-5: sigmoid and average pooling as in 1998 (61,706 parameters)"),
    "alexnet": (AlexNet, "AlexNet scaled to 28x28 / 32x32: five convs, LRN, dropout"),
    "deep_convnet": (DeepConvNet, "the notes' VGG-style net, six 3x3 convs (123,552 parameters on MNIST)"),
    "resnet8": (lambda **kw: ResNet(blocks_per_stage=1, **kw), "ResNet-8: three stages of one basic block"),
    "resnet20": (lambda **kw: ResNet(blocks_per_stage=3, **kw), "ResNet-20 as for CIFAR-10 (0.27 M parameters)"),
}


def available() -> dict[str, str]:
    """Model names and one-line descriptions."""
    return {name: description for name, (_, description) in _REGISTRY.items()}


_CLASS_DEPTHS = {"resnet": "resnet20"}
"""A class name that is not a key by itself: ``ResNet()`` defaults to three blocks per stage, ResNet-20."""


def _key(name: str) -> str:
    """The registry key for a key or a class name in any case: "TwoLayerNet", "two-layer-net" -> "two_layer_net"."""
    squashed = name.lower().replace("-", "").replace("_", "")
    squashed = _CLASS_DEPTHS.get(squashed, squashed)
    for key in _REGISTRY:
        if key.replace("_", "") == squashed:
            return key
    raise ValueError(
        f"unknown model {name!r}; available: {', '.join(_REGISTRY)} (or their class names, e.g. 'TwoLayerNet')"
    )


def get(name: str, input_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10, **kwargs: Any) -> Module:
    """Build a model by name for images of ``input_shape`` (C, H, W) and ``num_classes`` outputs.

    ``name`` is a key of ``available()`` or the model's class name, in any case: ``get("simple_convnet")`` and
    ``get("SimpleConvNet")`` build the same network; ``get("ResNet")`` is ResNet-20, the class's default depth.
    """
    return _REGISTRY[_key(name)][0](input_shape=tuple(input_shape), num_classes=num_classes, **kwargs)


__all__ = ["MLP", "AlexNet", "DeepConvNet", "LeNet", "ResNet", "SimpleConvNet", "TwoLayerNet", "available", "get"]
