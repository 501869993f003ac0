"""The inspecting subcommands: summary, gradcheck, models, datasets, lab and search."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from .parser import UsageError
from .train import _require, one_line_os_errors

# What ``summary`` may allocate beyond what the process holds: every zoo model at ImageNet's 3x224x224 needs far
# less; an input of 3x2000x2000 would build a 12 GB SimpleConvNet.
SUMMARY_MEMORY = 2 << 30


def cmd_summary(args: argparse.Namespace) -> int:
    from .. import models
    from ..nn.summary import summary

    shape = tuple(args.input_shape)
    try:
        with memory_cap(SUMMARY_MEMORY):
            model = models.get(args.model, input_shape=shape, num_classes=args.num_classes)
            summary(model, shape)
    except MemoryError as exc:
        raise UsageError(f"summary: {args.model} for input shape {shape} needs more than the "
                         f"{SUMMARY_MEMORY >> 30} GiB summary allows ({exc}); give a smaller --input-shape") from None
    except ValueError as exc:  # a layer's own check, e.g. a feature map that shrank to nothing
        if str(exc).startswith("summary:"):
            raise
        raise UsageError(f"summary: input shape {shape} does not fit {args.model}: {exc}") from None
    return 0


@contextlib.contextmanager
def memory_cap(nbytes: int) -> Iterator[None]:
    """Within the block, allocations that would take the process's address space ``nbytes`` past its size now
    raise MemoryError at once, instead of swapping or meeting the kernel's OOM killer.

    Only where the platform enforces RLIMIT_AS and reports the current size (Linux); elsewhere no cap.
    """
    try:
        import resource

        pages = int(Path("/proc/self/statm").read_text().split()[0])
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = pages * os.sysconf("SC_PAGE_SIZE") + nbytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY:
            limit = min(limit, soft)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from .. import models
    from ..gradcheck import check_module_gradients
    from ..nn import functional as F
    from ..train.runs import load_arrays

    x, t = load_arrays("mnist", True, limit=args.samples)
    model = models.get(args.model)
    entries = args.entries or (None if sum(p.numel() for p in model.parameters()) <= 50_000 else 20)
    # Small random biases keep ReLU inputs off the kink at 0, where the numerical slope is meaningless.
    report = check_module_gradients(model, F.cross_entropy, x.astype(np.float64) / 255.0, t, h=1e-6,
                                    entries_per_param=entries, bias_std=0.1)
    scope = "all entries" if entries is None else f"{entries} random entries per parameter"
    print(f"{args.model}: mean |backprop - numerical| per parameter, float64, {args.samples} MNIST images, {scope}, "
          "biases drawn from N(0, 0.1^2), h = 1e-6")
    for name, diff in report.items():
        print(f"  {name:32s} {diff:.3e}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .. import models

    for name, description in models.available().items():
        print(f"{name:16s} {description}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from ..data import describe_sources
    from ..train.runs import DATASETS

    for name in DATASETS:
        print(f"{name:14s} {describe_sources(name)}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    from .. import lab
    from ..train.runfolder import prepare_folder

    if args.list:
        for name, description in lab.available().items():
            print(f"{name:18s} {description}")
        return 0
    if args.name is None:
        raise UsageError("lab: name an experiment (see 'scratchgrad lab --list')")
    with one_line_os_errors():
        prepare_folder(Path(args.out), "lab --out")  # before the experiment runs, not after
        lab.run(args.name, out_dir=args.out, quick=args.quick)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from ..lab.search import SearchSettings, read_results, run_search
    from ..lab.search_report import plot_search, summary

    out = Path(args.out)
    names = ("model", "dataset", "epochs", "val_split", "limit", "batch_size", "optimizer", "seed", "data_root")
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.param:
        given["params"] = args.param
    if args.resume or args.narrow:
        settings, results = read_results(_require(out, f"--{'resume' if args.resume else 'narrow'} reads --out"))
        recorded = settings.to_dict()
        differ = [k for k, v in SearchSettings(**{**vars(settings), **given}).to_dict().items() if v != recorded[k]]
        if differ and args.resume:
            raise UsageError(f"{out} was searched with " + ", ".join(f"{k}={recorded[k]}" for k in differ)
                             + "; resume without those options, or start a new --out")
    else:
        settings = SearchSettings(**given)
    if not args.narrow:
        results = run_search(settings, args.trials, out, workers=args.workers, resume=args.resume)
    print(summary(settings, results, args.top))
    png = plot_search(settings, results, out.with_suffix(".png"), args.top)
    print(f"wrote {out} and {png}")
    return 0
