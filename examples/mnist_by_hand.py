"""The notes' MNIST code written out: the data as arrays (chapter 3), the training loop (chapter 4), inference in
batches (chapter 3), with the library doing only the layers and the gradients.

- ``load_mnist(normalize=True)`` divides the uint8 pixels by 255 (float32 in [0, 1]); ``flatten=True`` gives rows
  of 784 (a rank-2 array, axes (N, 784)), ``flatten=False`` images of shape (N, C, H, W) = (N, 1, 28, 28).
- One iteration: draw a mini-batch, forward, loss, backward, update. An epoch is ceil(N / B) iterations
  (60,000 / 100 = 600).
- Inference: predict 100 images at a time, take the argmax of each row, count the hits.

The weights are (out, in) as in PyTorch: ``fc1.weight`` is (50, 784) and a layer computes y = x W^T + b.

Run: ``.venv/bin/python examples/mnist_by_hand.py`` (one epoch of TwoLayerNet with the notes' SGD, a few seconds).
"""

from __future__ import annotations

import math

import numpy as np

import scratchgrad as sg
from scratchgrad import optim
from scratchgrad.data import load_mnist
from scratchgrad.models import TwoLayerNet


def main(batch_size: int = 100, lr: float = 0.1) -> None:
    sg.manual_seed(0)
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    images = load_mnist(normalize=False, flatten=False)[1][0]
    print(f"x_train {x_train.shape} {x_train.dtype} in [{x_train.min()}, {x_train.max()}]; t_train {t_train.shape}; "
          f"unnormalised test images {images.shape} {images.dtype} (N, C, H, W), max {images.max()}")

    model = TwoLayerNet(784, 50, 10)
    print("parameters:", {name: tuple(p.shape) for name, p in model.named_parameters()})
    optimizer = optim.SGD(model.parameters(), lr=lr)
    iterations = math.ceil(len(x_train) / batch_size)
    rng = np.random.default_rng(0)
    for _ in range(iterations):  # one epoch
        batch = rng.choice(len(x_train), batch_size)  # the notes' mini-batch: a random sample per step
        loss = model.loss(x_train[batch], t_train[batch])  # forward, then softmax-with-loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"one epoch = ceil({len(x_train)} / {batch_size}) = {iterations} iterations; last batch loss "
          f"{loss.item():.4f}")

    hits = 0
    with sg.no_grad():
        for start in range(0, len(x_test), batch_size):
            scores = model.predict(x_test[start:start + batch_size])
            hits += int((np.argmax(np.asarray(scores.data), axis=1) == t_test[start:start + batch_size]).sum())
    print(f"test accuracy after one epoch: {hits / len(x_test):.4f}")


if __name__ == "__main__":
    main()
