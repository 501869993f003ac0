"""The notes' convolutional networks: SimpleConvNet, LeNet, AlexNet and the VGG-style DeepConvNet.

Every model takes ``input_shape`` (C, H, W) and ``num_classes`` so the same class serves MNIST (1, 28, 28) and
CIFAR-10 (3, 32, 32); parameter counts in the docstrings are for MNIST.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Tensor
from ..nn.layers import (
    AvgPool2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    LocalResponseNorm,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Tanh,
)
from ..nn.module import Module, Sequential, chain
from .mlp import NotesMethods, init_layers, init_weights


def _flat_size(features: Module, input_shape: Sequence[int]) -> int:
    """Units coming out of ``features`` for one input of ``input_shape``: shapes traced, not hard-coded."""
    c, h, w = input_shape
    for layer in features:
        if isinstance(layer, Conv2d):
            (fh, fw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
            c, h, w = layer.out_channels, (h + 2 * ph - fh) // sh + 1, (w + 2 * pw - fw) // sw + 1
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            k, s, p = (_pair(v) for v in (layer.kernel_size, layer.stride, layer.padding))
            h, w = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    return c * h * w


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


class SimpleConvNet(NotesMethods, Module):
    """The notes' SimpleConvNet: Conv(30, 5x5) -> ReLU -> MaxPool(2) -> Affine(100) -> ReLU -> Affine(10).

    Args:
        input_shape: (C, H, W), (1, 28, 28) for MNIST.
        filter_num, filter_size, pad, stride: the convolution (the notes' conv_param).
        hidden_size: units of the hidden Affine layer.
        num_classes: outputs.
        weight_init_std: "he" (default, our layers' initialisation) or a std such as the notes' 0.01.

    Parameters on MNIST: 780 (conv) + 432,100 (Affine 4320 -> 100) + 1,010 (Affine 100 -> 10) = 433,890.
    Shapes: (N, 1, 28, 28) -> conv (N, 30, 24, 24) -> pool (N, 30, 12, 12) -> (N, 100) -> (N, 10).
    """

    def __init__(self, input_shape: Sequence[int] = (1, 28, 28), filter_num: int = 30, filter_size: int = 5,
                 pad: int = 0, stride: int = 1, hidden_size: int = 100, num_classes: int = 10,
                 weight_init_std: float | str = "he"):
        super().__init__()
        self.conv1 = Conv2d(input_shape[0], filter_num, filter_size, stride, pad)
        self.pool = MaxPool2d(2)
        self.flatten = Flatten()
        flat = _flat_size([self.conv1, self.pool], input_shape)
        self.fc1 = Linear(flat, hidden_size)
        self.fc2 = Linear(hidden_size, num_classes)
        self.relu = ReLU()
        for layer in (self.conv1, self.fc1, self.fc2):
            init_weights(layer, weight_init_std)

    def forward(self, x: Any) -> Tensor:
        x = chain([self.conv1, self.relu, self.pool], x)  # pools before the ReLU where that is exact (see chain)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))


class LeNet(NotesMethods, Module):
    """LeNet-5 (LeCun et al., 1998): Conv(6, 5x5) -> act -> pool -> Conv(16, 5x5) -> act -> pool -> 120 -> 84 -> 10.

    The original uses sigmoid-like activations and subsampling by averaging; ``activation="relu", pool="max"``
    gives the modern form the notes contrast it with. A 28x28 input is padded by 2 so the first convolution sees
    32x32 as in the paper. Parameters on MNIST: 61,706.
    """

    def __init__(self, input_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10,
                 activation: str = "sigmoid", pool: str = "avg"):
        super().__init__()
        activations = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}
        act = activations[_choice("activation", activation, tuple(activations))]
        pool_cls = {"avg": AvgPool2d, "max": MaxPool2d}[_choice("pool", pool, ("avg", "max"))]
        pad = 2 if input_shape[1] == 28 else 0
        self.features = Sequential(
            Conv2d(input_shape[0], 6, 5, padding=pad), act(), pool_cls(2),
            Conv2d(6, 16, 5), act(), pool_cls(2),
        )
        self.classifier = Sequential(
            Flatten(), Linear(_flat_size(self.features, input_shape), 120), act(), Linear(120, 84), act(),
            Linear(84, num_classes),
        )
        init_layers(self, "he" if activation == "relu" else "xavier")

    def forward(self, x: Any) -> Tensor:
        return self.classifier(self.features(x))


def _choice(name: str, value: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {options}; received {value!r}")
    return value


class AlexNet(NotesMethods, Module):
    """AlexNet (Krizhevsky et al., 2012) scaled to 28x28 / 32x32 inputs.

    Five 3x3 convolutions (the original's 11x11 / 5x5 stride-4 front end would leave nothing of a 28x28 image)
    with half the original widths (48, 128, 192, 192, 128), ReLU, local response normalisation after the first
    two, 2x2 max pooling after the first, second and fifth, then dropout and two hidden Affine layers of 512.
    Parameters on MNIST: 1,688,682.
    """

    def __init__(self, input_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10,
                 widths: Sequence[int] = (48, 128, 192, 192, 128), hidden_size: int = 512, dropout: float = 0.5):
        super().__init__()
        c1, c2, c3, c4, c5 = widths
        self.features = Sequential(
            Conv2d(input_shape[0], c1, 3, padding=1), ReLU(), LocalResponseNorm(5), MaxPool2d(2),
            Conv2d(c1, c2, 3, padding=1), ReLU(), LocalResponseNorm(5), MaxPool2d(2),
            Conv2d(c2, c3, 3, padding=1), ReLU(),
            Conv2d(c3, c4, 3, padding=1), ReLU(),
            Conv2d(c4, c5, 3, padding=1), ReLU(), MaxPool2d(2),
        )
        self.classifier = Sequential(
            Flatten(), Dropout(dropout), Linear(_flat_size(self.features, input_shape), hidden_size), ReLU(),
            Dropout(dropout), Linear(hidden_size, hidden_size), ReLU(), Linear(hidden_size, num_classes),
        )
        init_layers(self)

    def forward(self, x: Any) -> Tensor:
        return self.classifier(self.features(x))


class DeepConvNet(NotesMethods, Module):
    """The notes' VGG-style network (99.38% on MNIST in the book).

    conv 16 -> conv 16 -> pool -> conv 32 -> conv 32 -> pool -> conv 64 -> conv 64 -> pool -> Affine 50 ->
    dropout 0.5 -> Affine 10 -> dropout 0.5; every conv is 3x3 followed by ReLU, with padding 1 except the fourth,
    which pads by 2 as in the book (14 -> 16, so the last pools give 8 and 4). He initialisation throughout.
    Parameters on MNIST: 123,552.
    """

    def __init__(self, input_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10, hidden_size: int = 50,
                 dropout: float = 0.5):
        super().__init__()
        c = input_shape[0]
        self.features = Sequential(
            Conv2d(c, 16, 3, padding=1), ReLU(), Conv2d(16, 16, 3, padding=1), ReLU(), MaxPool2d(2),
            Conv2d(16, 32, 3, padding=1), ReLU(), Conv2d(32, 32, 3, padding=2), ReLU(), MaxPool2d(2),
            Conv2d(32, 64, 3, padding=1), ReLU(), Conv2d(64, 64, 3, padding=1), ReLU(), MaxPool2d(2),
        )
        self.classifier = Sequential(
            Flatten(), Linear(_flat_size(self.features, input_shape), hidden_size), ReLU(), Dropout(dropout),
            Linear(hidden_size, num_classes), Dropout(dropout),
        )
        init_layers(self)

    def forward(self, x: Any) -> Tensor:
        return self.classifier(self.features(x))
