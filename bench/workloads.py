"""The benchmark workloads, each built twice: in scratchgrad and in PyTorch, from the same weights and batches.

A workload is a pair of callables that each run ``steps`` iterations, plus what is needed to report them
(images per iteration, FLOPs per iteration where we count them). Both sides start from identical weights:
ours are created first and copied into the torch twin through the state dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import models, optim
from scratchgrad.data import MNIST
from scratchgrad.models import torch_twins


@dataclass
class Workload:
    name: str
    description: str
    images_per_step: int
    steps_per_epoch: int
    ours: Callable[[int], float]
    theirs: Callable[[int], float]
    flops_per_step: float | None = None
    target: float = 1.3  # the bound on the ratio ours / PyTorch


def mnist_batches(batch_size: int, count: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` shuffled float32 (B, 1, 28, 28) batches of real MNIST with their labels."""
    train = MNIST(train=True)
    order = np.random.default_rng(seed).permutation(len(train.targets))[: batch_size * count]
    x = train.data[order].astype(np.float32).reshape(-1, 1, 28, 28) / 255.0
    t = train.targets[order].astype(np.int64)
    return [(x[i : i + batch_size], t[i : i + batch_size]) for i in range(0, len(t), batch_size)]


def copy_weights(ours: Any, twin: Any, torch: Any) -> None:
    twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()}, strict=True)


def training_loop(model: Any, opt: Any, batches: list, loss_fn: Callable = F.cross_entropy) -> Callable[[int], float]:
    def run(steps: int) -> float:
        model.train()
        loss = None
        for i in range(steps):
            x, t = batches[i % len(batches)]
            loss = loss_fn(model(sg.Tensor(x)), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    return run


def torch_training_loop(torch: Any, model: Any, opt: Any, batches: list) -> Callable[[int], float]:
    tensors = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in batches]

    def run(steps: int) -> float:
        model.train()
        loss = None
        for i in range(steps):
            x, t = tensors[i % len(tensors)]
            loss = torch.nn.functional.cross_entropy(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    return run


# ---- torch twins of our models -------------------------------------------------------------------------------
def torch_keras_convnet(nn: Any) -> Any:
    """Keras's simple MNIST convnet in torch's layout (its Flatten order differs; weights are not shared)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10),
    )


# ---- the workloads -------------------------------------------------------------------------------------------
def simple_convnet_flops(batch: int) -> float:
    """Multiply-adds x 2 of one training step: conv forward and weight gradient (the input needs no gradient),
    fc1 and fc2 forward, weight and input gradients."""
    conv = 2 * batch * 30 * 24 * 24 * 25
    fc1 = 2 * batch * 4320 * 100
    fc2 = 2 * batch * 100 * 10
    return 2 * conv + 3 * fc1 + 3 * fc2


def build_all(torch: Any, steps: int) -> list[Workload]:
    workloads = []

    sg.manual_seed(0)
    ours = models.get("simple_convnet")
    twin = torch_twins.build("simple_convnet")
    copy_weights(ours, twin, torch)
    batches = mnist_batches(100, steps)
    workloads.append(Workload(
        "simple_convnet", "SimpleConvNet training, batch 100, Adam", 100, 600,
        training_loop(ours, optim.Adam(ours.parameters(), lr=1e-3), batches),
        torch_training_loop(torch, twin, torch.optim.Adam(twin.parameters(), lr=1e-3), batches),
        simple_convnet_flops(100),
    ))

    ours = models.get("deep_convnet")
    twin = torch_twins.build("deep_convnet")
    copy_weights(ours, twin, torch)
    workloads.append(Workload(
        "deep_convnet", "DeepConvNet training, batch 100, Adam", 100, 600,
        training_loop(ours, optim.Adam(ours.parameters(), lr=1e-3), batches),
        torch_training_loop(torch, twin, torch.optim.Adam(twin.parameters(), lr=1e-3), batches),
        target=1.5,
    ))

    workloads.append(keras_workload(torch, steps))

    ours = models.get("two_layer_net", weight_init_std="he")
    twin = torch_twins.build("two_layer_net")
    copy_weights(ours, twin, torch)
    workloads.append(Workload(
        "two_layer_net", "TwoLayerNet 784-50-10 training, batch 100, SGD", 100, 600,
        training_loop(ours, optim.SGD(ours.parameters(), lr=0.1), batches),
        torch_training_loop(torch, twin, torch.optim.SGD(twin.parameters(), lr=0.1), batches),
    ))

    workloads.append(inference_workload(torch))
    return workloads


def keras_convnet(keras: Any) -> Any:
    """Keras's MNIST convnet example (34,826 parameters), compiled, built with ``keras`` (ours or Keras 3)."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def keras_workload(torch: Any, steps: int) -> Workload:
    from scratchgrad import keras

    sg.manual_seed(0)
    model = keras_convnet(keras)
    batches = mnist_batches(128, steps)
    x = np.ascontiguousarray(np.concatenate([b[0] for b in batches]).transpose(0, 2, 3, 1))  # channels-last
    y = np.eye(10, dtype=np.float32)[np.concatenate([b[1] for b in batches])]

    def ours(run_steps: int) -> float:
        n = run_steps * 128
        history = model.fit(x[:n], y[:n], batch_size=128, epochs=1, verbose=0, shuffle=False)
        return float(history.history["loss"][-1])

    twin = torch_keras_convnet(torch.nn)
    theirs = torch_training_loop(torch, twin, torch.optim.Adam(twin.parameters(), lr=1e-3, eps=1e-7), batches)
    return Workload("keras_convnet", "Keras's MNIST convnet (34,826 params), batch 128, Adam, via scratchgrad.keras",
                    128, 422, ours, theirs)


def inference_workload(torch: Any) -> Workload:
    sg.manual_seed(0)
    ours = models.get("simple_convnet").eval()
    twin = torch_twins.build("simple_convnet").eval()
    copy_weights(ours, twin, torch)
    test = MNIST(train=False)
    x = test.data.astype(np.float32).reshape(-1, 1, 28, 28) / 255.0
    tx = torch.from_numpy(x)

    def run_ours(steps: int) -> float:
        correct = 0
        with sg.no_grad():
            for _ in range(steps):
                for i in range(0, len(x), 1000):
                    scores = ours(sg.Tensor(x[i : i + 1000])).data
                    correct += int((scores.argmax(1) == test.targets[i : i + 1000]).sum())
        return correct

    def run_theirs(steps: int) -> float:
        correct = 0
        with torch.no_grad():
            for _ in range(steps):
                for i in range(0, len(x), 1000):
                    correct += int((twin(tx[i : i + 1000]).argmax(1).numpy() == test.targets[i : i + 1000]).sum())
        return correct

    return Workload("inference", "SimpleConvNet inference under no_grad, 10,000 test images, batch 1,000",
                    10_000, 1, run_ours, run_theirs)
