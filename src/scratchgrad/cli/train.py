"""``scratchgrad train`` and ``scratchgrad evaluate``: run folders written and read back.

A run folder belongs to one process at a time (``train.runfolder``), is never written over without
``--overwrite``, and continues with ``--resume`` on its recorded settings: a flag that would change what the run
is (model, data, batch size, optimizer, ...) is refused, one that may change along the way (lr, epochs, the data's
location) is applied, recorded in config.json and announced.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..distributed import group as _pg
from .distributed import launch, rank_guard, secondary_rank
from .parser import UsageError
from .predict import predict_labels

SETTINGS = ("model", "dataset", "epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay", "seed",
            "val_split", "grad_clip", "scheduler", "limit", "data_root")
CHANGEABLE_ON_RESUME = ("epochs", "lr", "data_root")


@contextmanager
def one_line_os_errors() -> Iterator[None]:
    """Turn a failed read or write (a full disk, a read-only folder) into one line naming the file."""
    try:
        yield
    except BrokenPipeError:  # output piped into head: not a file problem, and main() ends it quietly
        raise
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        hint = {errno.ENOSPC: " (the disk is full)",
                errno.EROFS: " (a read-only file system)"}.get(exc.errno or 0, "")
        raise UsageError(f"{where}{exc.strerror or exc}{hint}") from exc


def cmd_train(args: argparse.Namespace) -> int:
    if args.nproc is not None:
        return launch(args)
    if not _pg.launched_by_mpiexec():
        return _cmd_train(args)
    with rank_guard():  # a rank that stops, even with a usage error, must not leave the others waiting
        status = _cmd_train(args)
        if status:
            raise SystemExit(status)
        return status


def _cmd_train(args: argparse.Namespace) -> int:
    from ..train.runfolder import open_for_training
    from ..train.runs import DEFAULTS, complete_config

    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name) is not None}
    config = complete_config(given)  # every setting checked before the folder is touched
    out = Path(args.out or f"runs/{given.get('model', DEFAULTS['model'])}-{given.get('dataset', DEFAULTS['dataset'])}")
    if args.resume:
        _require(out / "config.json", "--resume needs the run folder's config.json")
    if secondary_rank():  # ranks 1.. of an mpiexec job: rank 0 holds the run folder and speaks for all
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            return _train(args, out, _resumed_config(out, given) if args.resume else config, writes=False)
    created = not out.exists()
    with one_line_os_errors():
        lock = open_for_training(out, resume=args.resume, overwrite=args.overwrite)
        try:
            return _train(args, out, _resumed_config(out, given) if args.resume else config)
        finally:
            lock.release()
            if created and out.is_dir() and not any(out.iterdir()):
                out.rmdir()  # a run refused before its first checkpoint leaves no empty folder behind


def _resumed_config(out: Path, given: dict[str, Any]) -> dict[str, Any]:
    """The recorded config with the changeable flags applied; a flag that contradicts the run is refused."""
    from ..train.runs import read_config

    recorded = read_config(out)
    fixed = [name for name in given if name not in CHANGEABLE_ON_RESUME and given[name] != recorded[name]]
    if fixed:
        flags = ", ".join(f"--{name.replace('_', '-')} {given[name]} (recorded: {recorded[name]})" for name in fixed)
        raise UsageError(f"--resume continues {out} with its recorded settings, and these differ: {flags}; "
                         "drop them, or start a new run with another --out")
    if "lr" in given and given["lr"] != recorded["lr"]:
        if recorded["scheduler"] is not None:
            raise UsageError(f"--lr {given['lr']}: {out} schedules its learning rate ({recorded['scheduler']}); "
                             "resume without --lr")
        print(f"--lr: the learning rate changes from {recorded['lr']:g} (recorded) to {given['lr']:g}; "
              "config.json records the new one")
    if "data_root" in given and given["data_root"] != recorded["data_root"]:
        print(f"--data-root: reading {recorded['dataset']} from {given['data_root']} "
              f"(recorded: {recorded['data_root']}); config.json records the new location")
    return {**recorded, **given}


def _epochs_after_resume(args: argparse.Namespace, out: Path, done: int, total: int) -> None:
    """Say what a resumed run will do, or refuse when there is nothing left to train."""
    if args.epochs is None and total <= done:
        raise UsageError(f"{out} has finished all {done} of its recorded epochs; pass --epochs N (the total, "
                         f"more than {done}) to train further")
    if total <= done:
        raise UsageError(f"--epochs counts every epoch, resumed ones included, and {out} has finished {done}; "
                         f"pass --epochs {done + 1} or more to train further")
    source = "--epochs" if args.epochs is not None else "the recorded --epochs (pass --epochs N to change it)"
    print(f"resuming {out} after epoch {done}: training epochs {done + 1} to {total}, as {source} says")


def _train(args: argparse.Namespace, out: Path, config: dict[str, Any], writes: bool = True) -> int:
    from ..train import EarlyStopping, LRScheduler, StopAtTarget, Trainer
    from ..train.runs import build_run
    from ..viz import plot_filters, plot_history

    run = build_run(config)
    callbacks: list[Any] = []
    if run.scheduler is not None:
        callbacks.append(LRScheduler(run.scheduler))
    if args.patience:
        callbacks.append(EarlyStopping("val_accuracy" if run.config["val_split"] else "test_accuracy", args.patience))
    if args.target_loss:
        callbacks.append(StopAtTarget("loss", args.target_loss))
    if args.tensorboard is not None and writes:
        callbacks.append(_tensorboard_logger(args, out))
    trainer = Trainer(run.model, run.optimizer, run.train_loader, eval_loaders=run.eval_loaders, callbacks=callbacks,
                      grad_clip=run.config["grad_clip"], out_dir=out, progress=not args.no_progress, config=run.config)
    if args.resume:
        trainer.resume(_require(out / "checkpoint.safetensors", "--resume needs a checkpoint in the run folder"))
        _epochs_after_resume(args, out, trainer.epoch, int(run.config["epochs"]))
        if run.scheduler is None:  # the checkpoint restored the recorded rate; --lr may have changed it
            for group in run.optimizer.param_groups:
                group["lr"] = float(run.config["lr"])
    history = trainer.fit(run.config["epochs"])
    if not writes:
        return 0
    plot_history(history, out / "curves.png", trainer.steps)
    first_conv = next((m for m in run.model.modules() if type(m).__name__ == "Conv2d"), None)
    if first_conv is not None:
        plot_filters(first_conv.weight, out / "filters.png")
    print(f"wrote {out}/: model.safetensors checkpoint.safetensors config.json history.json history.csv steps.csv "
          "curves.png" + (" filters.png" if first_conv is not None else ""))
    print(final_line(history[-1]))
    return 0


def final_line(last: dict[str, float]) -> str:
    """The run's closing line: the held-out accuracy first, then every other accuracy, each named for what it is
    (the running training accuracy, with dropout on, is not the model's accuracy)."""
    from ..viz import metric_words

    order = ("test_accuracy", "val_accuracy", "train_accuracy", "accuracy")
    keys = [k for k in order if k in last] + [k for k in last if k.endswith("accuracy") and k not in order]
    parts = []
    for key in keys or ["loss"]:
        name, detail = metric_words(key)
        parts.append(f"{name} {last[key]:.4f}" + (f" ({detail})" if detail else ""))
    return f"after epoch {int(last['epoch'])}: " + "; ".join(parts)


def _tensorboard_logger(args: argparse.Namespace, out: Path) -> Any:
    """The TensorBoard callback, in --tensorboard's folder or the run folder, which a new run starts clean of
    event files (a replaced run's would mix with this one's; open_for_training has allowed the replacement)."""
    from ..train.tensorboard import TensorBoardLogger

    folder = Path(args.tensorboard) if args.tensorboard else out
    if folder == out and not args.resume:
        for old in out.glob("events.out.tfevents.*"):
            old.unlink()
    try:
        return TensorBoardLogger(folder)
    except ImportError as exc:
        raise UsageError(f"--tensorboard: {exc}") from None


def _require(path: Path, message: str) -> Path:
    if not path.exists():
        raise UsageError(f"{message}: {path} does not exist")
    return path


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..data import DataLoader
    from ..train import confusion_matrix, per_class_accuracy
    from ..train.runfolder import check_writable, tidy_if_idle
    from ..train.runs import load_arrays, load_run
    from ..viz import plot_confusion

    with one_line_os_errors():
        model, config = load_run(args.run)
        folder = Path(args.run) if Path(args.run).is_dir() else Path(args.run).parent
        check_writable(folder, "the run folder", "evaluate writes confusion.png there: copy the folder elsewhere")
        tidy_if_idle(folder, print)
        dataset = args.dataset or config["dataset"]
        x, t = load_arrays(dataset, False, args.data_root)
        predicted = predict_labels(model, DataLoader((x, t), batch_size=1000))
        matrix = confusion_matrix(predicted, t, int(config["num_classes"]))
        print(f"test accuracy on {dataset}: {(predicted == t).mean():.4f} ({int((predicted == t).sum())}/{len(t)})")
        print("per-class accuracy: " + "  ".join(f"{i}:{a:.3f}" for i, a in enumerate(per_class_accuracy(matrix))))
        print("confusion matrix (rows: true class, columns: predicted):")
        print(np.array2string(matrix, max_line_width=200))
        plot_confusion(matrix, folder / "confusion.png")
    print(f"wrote {folder / 'confusion.png'}")
    return 0
