"""``python -m bench.ops``: conv2d forward + backward in scratchgrad and PyTorch, the two shapes of issue 2.

(100, 1, 28, 28) with 30 filters 5x5 (SimpleConvNet's layer; the input needs no gradient) and
(64, 32, 30, 30) with 64 filters 3x3 (a middle layer; the input gradient too). Prints the median
milliseconds of each side, alternating A B A B in one process, and the ratio ours / PyTorch.
"""

from __future__ import annotations

import os
import statistics

import numpy as np

from bench.micro import conv_pair
from bench.run import alternate

SHAPES = [((100, 1, 28, 28), (30, 1, 5, 5), 0), ((64, 32, 30, 30), (64, 32, 3, 3), 0)]


def main() -> None:
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(0)
    for xs, ws, pad in SHAPES:
        label, ours, theirs = conv_pair(torch, "conv2d", xs, ws, pad, rng)
        a, b = alternate(ours, theirs, 10, 7, pause=0.05)
        ratio = statistics.median(x / y for x, y in zip(a, b))
        print(f"{label:48s} ours {statistics.median(a) / 10 * 1e3:7.2f} ms   PyTorch "
              f"{statistics.median(b) / 10 * 1e3:7.2f} ms   ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
