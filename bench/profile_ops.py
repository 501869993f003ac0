"""``python -m bench.profile_ops MODEL [STEPS]``: where a training step's time goes, per op, forward and backward.

Wraps every ``Function``'s forward and backward with a timer for the duration of the run (nothing in the
library changes) and prints milliseconds per step for each, plus the optimizer step. MODEL is a zoo name
(simple_convnet, deep_convnet, ...) or keras_convnet (workload 3, through ``fit``). Run on a quiet machine;
compare with PyTorch's profiler on the torch twin.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from typing import Any, Iterator

import scratchgrad as sg
import scratchgrad.nn.functional as F
from bench.workloads import mnist_batches
from scratchgrad import autograd, models, optim


def _functions(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _functions(sub)


def instrument(times: defaultdict) -> None:
    """Time Function.__call__ (forward) and each subclass's own backward, accumulating into ``times``."""
    call = autograd.Function.__call__

    def timed_call(self: Any, *inputs: Any) -> Any:
        start = time.perf_counter()
        out = call(self, *inputs)
        times[f"{type(self).__name__} forward"] += time.perf_counter() - start
        return out

    autograd.Function.__call__ = timed_call  # type: ignore[method-assign]
    for cls in set(_functions(autograd.Function)):
        if "backward" not in cls.__dict__:
            continue

        def timed_backward(self: Any, gy: Any, _original: Any = cls.__dict__["backward"], _name: str = cls.__name__):
            start = time.perf_counter()
            grads = _original(self, gy)
            times[f"{_name} backward"] += time.perf_counter() - start
            return grads

        cls.backward = timed_backward


def keras_run(steps: int) -> Any:
    """Workload 3's model and ``fit`` (batch 128); the optimizer's time is counted inside the Trainer's step."""
    import torch  # the workload also builds PyTorch's twin, which is never run here

    from bench.workloads import keras_workload

    return keras_workload(torch, steps).ours


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "simple_convnet"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    sg.manual_seed(0)
    times: defaultdict = defaultdict(float)
    if name == "keras_convnet":
        run = keras_run(steps)
        instrument(times)
    else:
        model = models.get(name)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        batches = mnist_batches(100, steps)
        instrument(times)

        def run(count: int) -> None:
            for i in range(count):
                x, t = batches[i % len(batches)]
                loss = F.cross_entropy(model(sg.Tensor(x)), t)
                opt.zero_grad()
                loss.backward()
                start = time.perf_counter()
                opt.step()
                times["optimizer step"] += time.perf_counter() - start

    run(3)
    times.clear()
    start = time.perf_counter()
    run(steps)
    total = (time.perf_counter() - start) / steps * 1e3
    batch = 128 if name == "keras_convnet" else 100
    print(f"{name}: {total:.2f} ms per step (batch {batch}, Adam), of which:")
    for key, value in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {key:32s} {value / steps * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
