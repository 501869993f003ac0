"""The notes' shopping graph, computed forward and backward with their MulLayer and AddLayer as graph nodes.

Two apples at 100 and three oranges at 150, with a 10% tax: price = (100 * 2 + 150 * 3) * 1.1 = 715. Backward
from the price gives the derivative of the price by each input: apples 2.2, apple count 110, oranges 3.3,
orange count 165, tax 650.

In scratchgrad a node of the graph is a ``Function`` (one operation, like the notes' layers), and a ``Tensor`` is
the value on an edge. ``MulLayer`` and ``AddLayer`` below are the notes' two layers written as Functions: forward
and backward take and return plain numbers or arrays; ``Function.__call__`` records the node, and
``Tensor.backward`` visits the nodes in reverse order and applies the chain rule.

Run: ``.venv/bin/python examples/apple_orange.py`` (prints each value, then checks it against ``*`` and ``+``).
"""

from __future__ import annotations

import numpy as np

from scratchgrad import Tensor
from scratchgrad.autograd import Function


class MulLayer(Function):
    """z = x * y. Backward swaps the inputs: dz/dx = y, dz/dy = x."""

    def forward(self, x, y):
        self.save_for_backward(x, y)
        return x * y

    def backward(self, gz):
        x, y = self.saved
        return gz * y, gz * x


class AddLayer(Function):
    """z = x + y. Backward passes the gradient on unchanged to both inputs."""

    def forward(self, x, y):
        return x + y

    def backward(self, gz):
        return gz, gz


def leaf(value: float) -> Tensor:
    """An input of the graph whose gradient we want (float64, so 1.1 stays as close to 1.1 as it can)."""
    return Tensor(np.array(value, dtype=np.float64), requires_grad=True)


def shop(mul, add) -> dict[str, float]:
    """The price and its gradients, with ``mul`` and ``add`` as the graph's two kinds of node."""
    inputs = {"apple": leaf(100.0), "apple_num": leaf(2.0), "orange": leaf(150.0), "orange_num": leaf(3.0),
              "tax": leaf(1.1)}
    apple_price = mul(inputs["apple"], inputs["apple_num"])
    orange_price = mul(inputs["orange"], inputs["orange_num"])
    price = mul(add(apple_price, orange_price), inputs["tax"])
    price.backward()
    return {"price": price.item()} | {f"d price / d {name}": float(t.grad) for name, t in inputs.items()}


def main() -> None:
    layers = shop(lambda x, y: MulLayer()(x, y), lambda x, y: AddLayer()(x, y))
    for name, value in layers.items():
        print(f"{name:22s} {value:.10g}")
    builtin = shop(lambda x, y: x * y, lambda x, y: x + y)
    assert np.allclose(list(layers.values()), list(builtin.values()), rtol=1e-12), (layers, builtin)
    print("the same with Tensor's own * and +: yes")


if __name__ == "__main__":
    main()
