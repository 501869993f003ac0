"""``scratchgrad train`` and ``scratchgrad evaluate``: run folders written and read back."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from .parser import UsageError
from .predict import predict_labels


def cmd_train(args: argparse.Namespace) -> int:
    from ..train import EarlyStopping, LRScheduler, StopAtTarget, Trainer
    from ..train.runs import build_run
    from ..viz import plot_filters, plot_history

    out = Path(args.out or f"runs/{args.model}-{args.dataset}")
    config = {
        "model": args.model, "dataset": args.dataset, "epochs": args.epochs, "batch_size": args.batch_size,
        "optimizer": args.optimizer, "lr": args.lr, "momentum": args.momentum, "weight_decay": args.weight_decay,
        "seed": args.seed, "val_split": args.val_split, "grad_clip": args.grad_clip, "scheduler": args.scheduler,
        "limit": args.limit, "data_root": args.data_root,
    }
    if args.resume:
        config = json.loads(_require(out / "config.json", "--resume needs the run folder's config.json").read_text())
        config["epochs"] = args.epochs
    run = build_run(config)
    callbacks: list[Any] = []
    if run.scheduler is not None:
        callbacks.append(LRScheduler(run.scheduler))
    if args.patience:
        callbacks.append(EarlyStopping("val_accuracy" if run.config["val_split"] else "test_accuracy", args.patience))
    if args.target_loss:
        callbacks.append(StopAtTarget("loss", args.target_loss))
    trainer = Trainer(run.model, run.optimizer, run.train_loader, eval_loaders=run.eval_loaders, callbacks=callbacks,
                      grad_clip=run.config["grad_clip"], out_dir=out, progress=not args.no_progress, config=run.config)
    if args.resume:
        trainer.resume(_require(out / "checkpoint.safetensors", "--resume needs a checkpoint in the run folder"))
        print(f"resuming {out} after epoch {trainer.epoch}")
    history = trainer.fit(run.config["epochs"])
    plot_history(history, out / "curves.png")
    first_conv = next((m for m in run.model.modules() if type(m).__name__ == "Conv2d"), None)
    if first_conv is not None:
        plot_filters(first_conv.weight, out / "filters.png")
    last = history[-1]
    final = {k: v for k, v in last.items() if k.endswith("accuracy")}
    print("final " + "  ".join(f"{k} {v:.4f}" for k, v in final.items()))
    print(f"wrote {out}/: model.safetensors checkpoint.safetensors config.json history.json history.csv curves.png"
          + (" filters.png" if first_conv is not None else ""))
    return 0


def _require(path: Path, message: str) -> Path:
    if not path.exists():
        raise UsageError(f"{message}: {path} does not exist")
    return path


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..data import DataLoader
    from ..train import confusion_matrix, per_class_accuracy
    from ..train.runs import load_arrays, load_run
    from ..viz import plot_confusion

    model, config = load_run(args.run)
    dataset = args.dataset or config["dataset"]
    x, t = load_arrays(dataset, False, args.data_root)
    predicted = predict_labels(model, DataLoader((x, t), batch_size=1000))
    matrix = confusion_matrix(predicted, t, int(config["num_classes"]))
    print(f"test accuracy on {dataset}: {(predicted == t).mean():.4f} ({int((predicted == t).sum())}/{len(t)})")
    print("per-class accuracy: " + "  ".join(f"{i}:{a:.3f}" for i, a in enumerate(per_class_accuracy(matrix))))
    print("confusion matrix (rows: true class, columns: predicted):")
    print(np.array2string(matrix, max_line_width=200))
    folder = Path(args.run) if Path(args.run).is_dir() else Path(args.run).parent
    plot_confusion(matrix, folder / "confusion.png")
    print(f"wrote {folder / 'confusion.png'}")
    return 0
