"""``python -m bench.torch_loop [--data-root DIR] [--max-batches N] [--threads T]``: the PyTorch course's
Fashion-MNIST training loop (examples/pytorch/fashion_mnist_course.py, batch 100, Adam lr 0.01) for one epoch,
run as written on PyTorch and with its imports changed on scratchgrad, in the same process one after the other.

Each side loads its data the way the program does: ``FashionMNIST(transform=ToTensor())`` and ``DataLoader``.
PyTorch's DataLoader reads the dataset sample by sample (torchvision's per-image PIL and ToTensor work);
scratchgrad's sees a dataset and transform it knows and builds each batch with whole-batch array operations.
torchvision does not install here, so PyTorch's side reads the same files through the tests' torchvision
stand-in (tests/torch_programs/torchvision_standin.py). Prints one line per side (seconds, batches, loss, correct)
and the ratio scratchgrad / PyTorch, whose target is at most 0.5. ``--max-batches`` shortens the epoch.

``--paired`` instead alternates the two sides batch by batch in one process and prints each side's dataset
construction and its per-batch loading and step times (median and minimum): on a machine that others load,
alternating cancels the load, which a whole-epoch ratio does not (docs/performance.md).
"""

from __future__ import annotations

import argparse
import statistics
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


def _paired(sides: dict[str, dict], data_root: str, batches: int) -> None:
    """Per-batch loading and step times of both sides, alternating batch by batch (see the module's docstring)."""
    runs = {}
    for name, ns in sides.items():
        torch, tv = ns["torch"], ns["torchvision"]
        start = time.perf_counter()
        train_set = tv.datasets.FashionMNIST(root=data_root, train=True, transform=tv.transforms.ToTensor())
        built = time.perf_counter() - start
        network = ns["Network"]()
        runs[name] = (built, iter(torch.utils.data.DataLoader(train_set, batch_size=100, shuffle=True)), network,
                      ns["optim"].Adam(network.parameters(), lr=0.01), ns, [], [])
    for _ in range(batches):
        for _built, batches_of, network, optimizer, ns, loading, steps in runs.values():
            start = time.perf_counter()
            images, labels = next(batches_of)
            loaded = time.perf_counter()
            preds = network(images)
            loss = ns["F"].cross_entropy(preds, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item(), ns["get_num_correct"](preds, labels)
            loading.append(1000 * (loaded - start))
            steps.append(1000 * (time.perf_counter() - loaded))
    for name, (built, *_, loading, steps) in runs.items():
        print(f"{name:11s} dataset {built:.2f} s; a batch: loading {statistics.median(loading):.2f} ms "
              f"(min {min(loading):.2f}), step {statistics.median(steps):.2f} ms (min {min(steps):.2f})")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.torch_loop", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--max-batches", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--paired", action="store_true", help="alternate the sides batch by batch (see above)")
    args = parser.parse_args(argv)

    import torch

    from tests.torch_programs.torchvision_standin import modules

    if args.threads:
        torch.set_num_threads(args.threads)
    sys.modules.update(modules(torch))
    if args.paired:
        sides = {"pytorch": _program(True), "scratchgrad": _program(False)}
        return _paired(sides, args.data_root, args.max_batches or 40)
    times = {}
    for name, on_torch in (("pytorch", True), ("scratchgrad", False)):
        seconds, batches, loss, correct = _epoch(_program(on_torch), args.data_root, args.max_batches)
        times[name] = seconds
        print(f"{name:11s} {seconds:8.2f} s  {batches} batches  loss {loss:.1f}  correct {correct}")
    print(f"scratchgrad / pytorch: {times['scratchgrad'] / times['pytorch']:.2f}x (target <= 0.5x)")


if __name__ == "__main__":
    main(sys.argv[1:])
