"""End to end: the engine learns. A two-layer net solves XOR; a small ConvNet memorises 64 real MNIST images.

The update rules are written inline (the optim package is tested on its own), so a failure here points at the
core: autograd, ops or nn.
"""

from __future__ import annotations

import numpy as np
from core_helpers import mnist_train_subset

import scratchgrad as sg
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Tensor
from scratchgrad.perceptron import TRUTH_INPUTS


class InlineAdam:
    """Adam (Kingma and Ba), bias-corrected, as a few lines over the parameters' .data and .grad."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = list(params), lr, betas, eps, 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v):
            m *= b1
            m += (1 - b1) * p.grad
            v *= b2
            v += (1 - b2) * p.grad**2
            m_hat, v_hat = m / (1 - b1**self.t), v / (1 - b2**self.t)
            p.data -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype)


def train(model, x, t, steps, lr):
    """Full-batch training until every sample is right; returns the step at which that happened, or None."""
    optimizer = InlineAdam(model.parameters(), lr)
    for i in range(steps):
        model.zero_grad()
        logits = model(x)
        if (logits.argmax(axis=1) == t).all():
            return i
        F.cross_entropy(logits, t).backward()
        optimizer.step()
    return None


def test_a_two_layer_network_reaches_100_percent_on_xor():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    x = Tensor(TRUTH_INPUTS.astype(np.float32))
    t = np.array([0, 1, 1, 0])
    assert train(model, x, t, steps=500, lr=0.05) is not None
    np.testing.assert_array_equal(model(x).argmax(axis=1), t)


def test_a_small_convnet_fits_64_real_mnist_images_within_300_steps():
    sg.manual_seed(0)
    images, labels = mnist_train_subset(64)
    assert len(np.unique(labels)) == 10  # the first 64 images hold every digit
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 32), nn.ReLU(),
        nn.Linear(32, 10),
    )
    x = Tensor(images)
    with sg.no_grad():
        assert (model(x).argmax(axis=1) == labels).mean() < 0.5  # it has something to learn
    steps = train(model, x, labels, steps=300, lr=3e-3)
    assert steps is not None, "did not reach 100% training accuracy in 300 steps"
    assert model[0].weight.dtype == np.float32
