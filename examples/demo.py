"""`make demo`: train a two-layer network on XOR and check its gradients against numerical ones."""

import numpy as np

import scratchgrad as sg
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.gradcheck import check_module_gradients
from scratchgrad.perceptron import TRUTH_INPUTS, XOR


def main() -> None:
    sg.manual_seed(0)
    x = sg.Tensor(TRUTH_INPUTS.astype(np.float32))
    t = np.array([XOR(a, b) for a, b in TRUTH_INPUTS.astype(int)])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    for step in range(500):
        loss = F.cross_entropy(model(x), t)
        model.zero_grad()
        loss.backward()
        with sg.no_grad():
            for p in model.parameters():
                p.data -= 0.5 * p.grad
        if step % 100 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}")
    predictions = model(x).argmax(axis=1)
    print("XOR truth table:", t.tolist(), " network:", predictions.tolist())
    print(f"accuracy: {(predictions == t).mean():.0%}")
    report = check_module_gradients(model, F.cross_entropy, x, t)
    print("gradient check, mean |backprop - numerical| per parameter:")
    for name, diff in report.items():
        print(f"  {name:10s} {diff:.2e}")


if __name__ == "__main__":
    main()
