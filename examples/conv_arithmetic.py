"""The arithmetic of convolution layers that the notes work by hand, computed by the layers themselves.

1. The notes' CIFAR-10 Keras model: Conv2D(32, 3x3) on 32x32x3 images has (3*3*3 + 1) * 32 = 896 parameters;
   Conv2D(64, 3x3) after it sees 32 channels, so each filter is 3x3x32: (3*3*32 + 1) * 64 = 18,496; Dense(128)
   after Flatten (28*28*64 = 50,176) has 50,176 * 128 + 128 = 6,422,656.
2. PyTorch's names: Conv2d(in_channels, out_channels, k) holds out_channels filters of shape
   (in_channels, k, k), so the number of filters is the number of output channels.
3. Receptive field: one output pixel of three stacked 3x3 convolutions depends on a 7x7 patch of the input, as
   one 7x7 convolution's does, with 27*C^2 weights instead of 49*C^2 (C channels in and out) and three
   nonlinearities instead of one.
4. Pooling: no parameters, the channel count unchanged, and the same output for an input shifted within a window.

Run: ``.venv/bin/python examples/conv_arithmetic.py``.
"""

from __future__ import annotations

import numpy as np

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Tensor, keras
from scratchgrad.keras import layers


def keras_cifar10_model() -> keras.Sequential:
    """The notes' CIFAR-10 model in Keras, channels last: (32, 32, 3) images, ten classes."""
    return keras.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)),
        layers.Conv2D(64, (3, 3)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def receptive_field(kernels: list[int], size: int = 15) -> tuple[int, int]:
    """Height and width of the input patch that the centre output pixel of stacked convolutions depends on.

    Backward from that one pixel marks every input pixel it reads: the non-zero rows and columns of x.grad.
    """
    x = Tensor(np.ones((1, 1, size, size)), requires_grad=True)
    y = x
    for k in kernels:
        y = F.conv2d(y, np.ones((1, 1, k, k)))
    centre = y.shape[2] // 2
    y[0, 0, centre, centre].backward()
    rows, cols = np.nonzero(np.asarray(x.grad)[0, 0])
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def main() -> None:
    model = keras_cifar10_model()
    model.summary()
    print("parameters per layer:", {layer.name: layer.count_params() for layer in model.layers})

    conv = nn.Conv2d(3, 16, 3)
    out = conv(Tensor(np.zeros((8, 3, 32, 32), np.float32)))
    print(f"nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3).weight: {tuple(conv.weight.shape)} = 16 "
          f"filters of {tuple(conv.weight.shape[1:])}; output of a (8, 3, 32, 32) batch: {tuple(out.shape)}")

    channels = 64
    stacked = nn.Sequential(*(nn.Conv2d(channels, channels, 3, bias=False) for _ in range(3)))
    three_3x3 = sum(p.numel() for p in stacked.parameters())
    one_7x7 = sum(p.numel() for p in nn.Conv2d(channels, channels, 7, bias=False).parameters())
    print(f"receptive field of three 3x3 convolutions: {receptive_field([3, 3, 3])}; of one 7x7: "
          f"{receptive_field([7])}")
    print(f"weights with C = {channels} channels: three 3x3 = 27*C^2 = {three_3x3:,}; one 7x7 = 49*C^2 = {one_7x7:,}")

    pool = nn.MaxPool2d(2)
    image = np.zeros((1, 1, 4, 4), np.float32)
    shifted = image.copy()
    image[0, 0, 0, 0] = shifted[0, 0, 1, 1] = 1.0  # the same bright pixel, moved one step inside its 2x2 window
    same = np.array_equal(np.asarray(pool(Tensor(image)).data), np.asarray(pool(Tensor(shifted)).data))
    print(f"MaxPool2d(2): {len(list(pool.parameters()))} parameters; (8, 16, 32, 32) -> "
          f"{pool(Tensor(np.zeros((8, 16, 32, 32), np.float32))).shape}; the same output for a pixel shifted "
          f"inside its window: {same}")


if __name__ == "__main__":
    main()
