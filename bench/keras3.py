"""``python -m bench.keras3 [STEPS] [REPEATS]``: Keras programs on scratchgrad.keras against Keras 3 itself.

Two programs, each built once in each framework from the same code (only the ``keras`` module differs) and timed
alternately in one process: Keras's MNIST convnet example (34,826 parameters, batch 128, Adam) and the Functional
API guide's MNIST MLP (784-64-64-10, batch 64, RMSprop). Keras 3 runs on PyTorch's backend (``KERAS_BACKEND=torch``,
set here before Keras is imported). Prints the median seconds per training step of each side and the ratio
Keras 3 / scratchgrad (the target is >= 2.5). Run by hand on a quiet machine; never in CI.
"""

from __future__ import annotations

import os
import statistics
import sys
from typing import Any, Callable

import numpy as np

from bench.run import alternate
from bench.workloads import keras_convnet, mnist_batches


def functional_mlp(keras: Any) -> Any:
    inputs = keras.Input(shape=(784,))
    x = keras.layers.Dense(64, activation="relu")(inputs)
    x = keras.layers.Dense(64, activation="relu")(x)
    model = keras.Model(inputs=inputs, outputs=keras.layers.Dense(10)(x), name="mnist_model")
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    return model


PROGRAMS: dict[str, tuple[Callable[[Any], Any], int]] = {
    "convnet": (keras_convnet, 128), "functional_mlp": (functional_mlp, 64),
}


def fitter(model: Any, name: str, batch: int, steps: int) -> Callable[[int], float]:
    batches = mnist_batches(batch, steps)
    images = np.concatenate([b[0] for b in batches])
    labels = np.concatenate([b[1] for b in batches])
    if name == "convnet":
        x, y = np.ascontiguousarray(images.transpose(0, 2, 3, 1)), np.eye(10, dtype=np.float32)[labels]
    else:
        x, y = images.reshape(len(images), 784), labels

    def run(run_steps: int) -> float:
        n = run_steps * batch
        return float(model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0, shuffle=False).history["loss"][-1])

    return run


def main(argv: list[str]) -> int:
    steps = int(argv[0]) if argv else 40
    repeats = int(argv[1]) if len(argv) > 1 else 5
    os.environ["KERAS_BACKEND"] = "torch"
    try:
        import keras as keras3
    except ImportError:
        print("Keras 3 is not installed: pip install keras h5py")
        return 2
    from scratchgrad import keras as ours

    print(f"Keras {keras3.__version__} on {keras3.backend.backend()}, {steps} steps a run, median of {repeats}")
    for name, (build, batch) in PROGRAMS.items():
        a, b = alternate(fitter(build(ours), name, batch, steps), fitter(build(keras3), name, batch, steps),
                         steps, repeats)
        mine, theirs = statistics.median(a) / steps, statistics.median(b) / steps
        ratio = statistics.median(y / x for x, y in zip(a, b))
        print(f"{name:15s} batch {batch}: scratchgrad {mine * 1e3:7.2f} ms/step, Keras 3 {theirs * 1e3:7.2f} ms/step, "
              f"Keras 3 / scratchgrad {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
