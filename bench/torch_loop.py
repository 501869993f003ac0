"""``python -m bench.torch_loop [--data-root DIR] [--max-batches N] [--threads T]``: the PyTorch course's
Fashion-MNIST training loop (examples/pytorch/fashion_mnist_course.py, batch 100, Adam lr 0.01) for one epoch,
run as written on PyTorch and with its imports changed on scratchgrad, in the same process one after the other.

Each side loads its data the way the program does: ``FashionMNIST(transform=ToTensor())`` and ``DataLoader``.
PyTorch's DataLoader reads the dataset sample by sample (torchvision's per-image PIL and ToTensor work);
scratchgrad's sees a dataset and transform it knows and builds each batch with whole-batch array operations.
torchvision does not install here, so PyTorch's side reads the same files through the tests' torchvision
stand-in (tests/torch_programs/torchvision_standin.py). Prints one line per side (seconds, batches, loss, correct)
and the ratio scratchgrad / PyTorch; the issue's target is at most 0.5. ``--max-batches`` shortens the epoch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _program(on_torch: bool) -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "torch_programs"))
    from test_lessons import on_scratchgrad

    source = (ROOT / "examples" / "pytorch" / "fashion_mnist_course.py").read_text()
    namespace = {"__name__": "course"}
    exec(compile(source if on_torch else on_scratchgrad(source), "course", "exec"), namespace)
    return namespace


def _epoch(ns: dict, data_root: str, max_batches: int | None) -> tuple[float, int, float, int]:
    """Seconds for one epoch (loading included), batches run, summed loss, correct predictions."""
    torch, tv = ns["torch"], ns["torchvision"]
    start = time.perf_counter()
    train_set = tv.datasets.FashionMNIST(root=data_root, train=True, transform=tv.transforms.ToTensor())
    loader = torch.utils.data.DataLoader(train_set, batch_size=100, shuffle=True)
    network = ns["Network"]()
    optimizer = ns["optim"].Adam(network.parameters(), lr=0.01)
    loss, correct = ns["train_epoch"](network, loader, optimizer, max_batches)
    batches = len(loader) if max_batches is None else min(max_batches, len(loader))
    return time.perf_counter() - start, batches, loss, correct


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.torch_loop", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--max-batches", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)

    import torch

    from tests.torch_programs.torchvision_standin import modules

    if args.threads:
        torch.set_num_threads(args.threads)
    sys.modules.update(modules(torch))
    times = {}
    for name, on_torch in (("pytorch", True), ("scratchgrad", False)):
        seconds, batches, loss, correct = _epoch(_program(on_torch), args.data_root, args.max_batches)
        times[name] = seconds
        print(f"{name:11s} {seconds:8.2f} s  {batches} batches  loss {loss:.1f}  correct {correct}")
    print(f"scratchgrad / pytorch: {times['scratchgrad'] / times['pytorch']:.2f}x (target <= 0.5x)")


if __name__ == "__main__":
    main(sys.argv[1:])
