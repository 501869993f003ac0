"""Loss functions on the notes' example, and which output layer goes with which loss.

The notes' example: a network says "2" with probability 0.6, and the label is 2 (one-hot t).
- The notes' mean squared error is E = 1/2 * sum((y - t)^2): ``sum_squared_error`` gives 0.0975.
- PyTorch's ``mse_loss`` is the mean over the elements, sum((y - t)^2) / 10: 0.0195 here. Same idea, another scale.
- Cross-entropy error -log(0.6) = 0.5108: ``cross_entropy_error`` on probabilities (the notes' form), and
  ``cross_entropy`` on raw scores (softmax inside, as PyTorch's).

Regression predicts numbers: identity output and squared error. Classification into K classes: softmax output and
cross-entropy. Two classes (yes/no): a sigmoid output and binary cross-entropy. Softmax belongs to the output layer
only: it is not an activation for hidden layers.

Run: ``.venv/bin/python examples/losses.py``.
"""

from __future__ import annotations

import numpy as np

from scratchgrad.ops.activation import identity, sigmoid, softmax
from scratchgrad.ops.cross_entropy import cross_entropy, cross_entropy_error
from scratchgrad.ops.loss import binary_cross_entropy, mse_loss, sum_squared_error


def main() -> None:
    t = np.eye(10)[2]
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    print(f"sum_squared_error (the notes' 1/2 sum) {sum_squared_error(y, t).item():.4f}; mse_loss (PyTorch's mean) "
          f"{mse_loss(y, t).item():.4f}; cross_entropy_error {cross_entropy_error(y, t).item():.4f}")

    scores = np.log(np.array([[0.1, 0.7, 0.2]]))
    print(f"classification: softmax {np.round(softmax(scores).data, 3)}, cross_entropy with label 1 "
          f"{cross_entropy(scores, np.array([1])).item():.4f} (= -log 0.7)")
    regression = mse_loss(identity(np.array([2.5])), np.array([3.0]))
    print(f"regression: identity output 2.5 for target 3.0, mse_loss {regression.item():.4f}")
    p = sigmoid(np.array([0.0, 2.0]))
    print(f"two classes: sigmoid {np.round(p.data, 4)}, binary_cross_entropy with targets [1, 1] "
          f"{binary_cross_entropy(p, np.array([1.0, 1.0])).item():.4f}")


if __name__ == "__main__":
    main()
