"""Fully connected networks: the notes' TwoLayerNet and a general multi-layer perceptron."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor, grad_array, no_grad
from ..gradcheck import numerical_gradient
from ..nn import functional as F
from ..nn import init
from ..nn.layers import BatchNorm1d, Conv2d, Dropout, Flatten, Linear, ReLU, Sigmoid, Tanh
from ..nn.module import Module, Sequential

_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def init_weights(linear: Module, scheme: float | str) -> None:
    """Initial weights by the notes' names: a std (0.01), or "he"/"relu", or "xavier"/"sigmoid" (std 1/sqrt(n))."""
    fan_in = linear.weight.shape[1] * (math.prod(linear.weight.shape[2:]) if linear.weight.ndim > 2 else 1)
    if isinstance(scheme, str):
        key = scheme.lower()
        if key in ("he", "relu"):
            std = math.sqrt(2.0 / fan_in)
        elif key in ("xavier", "sigmoid", "tanh"):
            std = math.sqrt(1.0 / fan_in)  # the notes' Xavier: 1 / sqrt(n) with n the previous layer's size
        else:
            raise ValueError(
                f"weight_init must be a number or one of 'he', 'relu', 'xavier', 'sigmoid'; received {scheme!r}"
            )
    else:
        std = float(scheme)
    init.normal_(linear.weight, 0.0, std)
    if linear.bias is not None:
        init.zeros_(linear.bias)


def init_layers(model: Module, scheme: float | str = "he") -> Module:
    """``init_weights`` on every Linear and Conv2d of ``model`` (the zoo's He initialisation; PyTorch's layers
    start from a uniform instead)."""
    for layer in model.modules():
        if isinstance(layer, (Linear, Conv2d)):
            init_weights(layer, scheme)
    return model


def _activation(name: str) -> Module:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}; received {name!r}")
    return _ACTIVATIONS[name]()


class NotesMethods:
    """The notes' model methods on top of any Module: predict, loss, accuracy, gradient, numerical_gradient.

    ``gradient`` and ``numerical_gradient`` return dicts keyed by parameter name, so the notes' gradient check is
    ``mean(abs(g_backprop[k] - g_numerical[k]))`` for each key.
    """

    def predict(self, x: Any) -> Tensor:
        return self(x)  # type: ignore[operator]

    def loss(self, x: Any, t: Any) -> Tensor:
        """Softmax-with-loss (cross-entropy) of the scores against labels or one-hot rows."""
        return F.cross_entropy(self.predict(x), t)

    def accuracy(self, x: Any, t: Any, batch_size: int = 1000) -> float:
        """Fraction of samples whose top score is the label (one-hot targets are converted), in batches."""
        t = np.asarray(backend.to_numpy(t))
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        correct = 0
        with no_grad():
            for i in range(0, len(labels), batch_size):
                y = self.predict(x[i : i + batch_size])
                correct += int((backend.to_numpy(y.data).argmax(axis=1) == labels[i : i + batch_size]).sum())
        return correct / max(len(labels), 1)

    def gradient(self, x: Any, t: Any) -> dict[str, Any]:
        """Gradients of the loss for every parameter, by backpropagation."""
        self.zero_grad()  # type: ignore[attr-defined]
        self.loss(x, t).backward()
        return {name: grad_array(p) for name, p in self.named_parameters()}  # type: ignore[attr-defined]

    def numerical_gradient(self, x: Any, t: Any, h: float = 1e-4) -> dict[str, Any]:
        """The same gradients by central differences, one weight at a time (slow: for checking only)."""

        def loss_value(_: Any) -> float:
            with no_grad():
                return float(self.loss(x, t).item())

        return {name: numerical_gradient(loss_value, p.data, h) for name, p in self.named_parameters()}  # type: ignore[attr-defined]


class TwoLayerNet(NotesMethods, Module):
    """The notes' two-layer network: Affine -> ReLU -> Affine (-> softmax-with-loss in ``loss``).

    Args:
        input_size: 784 for flattened MNIST.
        hidden_size: units of the hidden layer (the notes use 50 or 100).
        output_size: classes (10).
        weight_init_std: 0.01 as in the notes, or "he" / "xavier".
        activation: "relu" (chapter 5) or "sigmoid" (chapter 4).

    Parameters: fc1.weight (hidden, input), fc1.bias, fc2.weight (output, hidden), fc2.bias: 784-50-10 has
    39,760. Shapes: (N, input_size) -> (N, output_size); (N, 1, 28, 28) images are flattened first.
    """

    def __init__(self, input_size: int = 784, hidden_size: int = 50, output_size: int = 10,
                 weight_init_std: float | str = 0.01, activation: str = "relu"):
        super().__init__()
        self.flatten = Flatten()
        self.fc1 = Linear(input_size, hidden_size)
        self.act = _activation(activation)
        self.fc2 = Linear(hidden_size, output_size)
        for layer in (self.fc1, self.fc2):
            init_weights(layer, weight_init_std)

    def forward(self, x: Any) -> Tensor:
        return self.fc2(self.act(self.fc1(self.flatten(x))))


class MLP(NotesMethods, Module):
    """A multi-layer perceptron (the notes' MultiLayerNet and MultiLayerNetExtend).

    Each hidden layer is Affine -> [BatchNorm] -> activation -> [Dropout]; the last is a plain Affine.

    Args:
        input_size, hidden_sizes (e.g. [100, 100, 100, 100, 100]), output_size.
        activation: "relu", "sigmoid" or "tanh".
        weight_init: a std, or "he" / "xavier" (the notes' 'relu' / 'sigmoid' names work too).
        use_batchnorm: insert BatchNorm1d after each hidden Affine.
        dropout: dropout ratio after each hidden activation (0 for none).

    Shapes: (N, input_size) (or images, flattened) -> (N, output_size).
    """

    def __init__(self, input_size: int = 784, hidden_sizes: Sequence[int] = (100, 100), output_size: int = 10,
                 activation: str = "relu", weight_init: float | str = "he", use_batchnorm: bool = False,
                 dropout: float = 0.0):
        super().__init__()
        layers: list[Module] = [Flatten()]
        sizes = [input_size, *hidden_sizes]
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            fc = Linear(n_in, n_out)
            init_weights(fc, weight_init)
            layers.append(fc)
            if use_batchnorm:
                layers.append(BatchNorm1d(n_out))
            layers.append(_activation(activation))
            if dropout:
                layers.append(Dropout(dropout))
        head = Linear(sizes[-1], output_size)
        init_weights(head, weight_init)
        layers.append(head)
        self.layers = Sequential(*layers)

    def forward(self, x: Any) -> Tensor:
        return self.layers(x)
