"""ResNet (He et al., 2016) for small images: basic residual blocks in three stages, as for CIFAR-10."""

from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Tensor
from ..nn.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, ReLU, ResidualBlock
from ..nn.module import Module, Sequential
from .mlp import NotesMethods, init_layers


class ResNet(NotesMethods, Module):
    """conv 3x3 -> BN -> ReLU -> 3 stages of ``blocks_per_stage`` basic blocks -> global average pool -> Affine.

    Depth = 6 * blocks_per_stage + 2: blocks_per_stage=3 is ResNet-20 (0.27 M parameters on CIFAR-10), 1 is
    ResNet-8, small enough to train on MNIST on a laptop. Stages have ``widths`` channels; the second and third
    start with stride 2 and a projection shortcut (1x1 conv + BN), the other blocks use identity shortcuts.

    Shapes: (N, C, 32, 32) -> (N, 16, 32, 32) -> (N, 32, 16, 16) -> (N, 64, 8, 8) -> (N, 64) -> (N, num_classes).
    """

    def __init__(self, input_shape: Sequence[int] = (3, 32, 32), num_classes: int = 10, blocks_per_stage: int = 3,
                 widths: Sequence[int] = (16, 32, 64)):
        super().__init__()
        self.depth = 6 * blocks_per_stage + 2
        self.stem = Sequential(
            Conv2d(input_shape[0], widths[0], 3, padding=1, bias=False), BatchNorm2d(widths[0]), ReLU()
        )
        stages = []
        in_ch = widths[0]
        for i, width in enumerate(widths):
            blocks = [ResidualBlock(in_ch, width, stride=1 if i == 0 else 2)]
            blocks += [ResidualBlock(width, width) for _ in range(blocks_per_stage - 1)]
            stages.append(Sequential(*blocks))
            in_ch = width
        self.stages = Sequential(*stages)
        self.head = Sequential(AdaptiveAvgPool2d(1), Flatten(), Linear(in_ch, num_classes))
        init_layers(self)

    def forward(self, x: Any) -> Tensor:
        return self.head(self.stages(self.stem(x)))
