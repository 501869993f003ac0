"""The ``scratchgrad`` command: train, evaluate, predict, summary, gradcheck, models, datasets, lab, search.

Every command's ``--help`` shows an example. Bad arguments exit with status 2 and one line that says what was
wrong; a traceback means a bug in scratchgrad, not in the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import __version__

EXAMPLES = {
    "train": "scratchgrad train --model simple_convnet --dataset mnist --epochs 5 --out runs/cnn",
    "evaluate": "scratchgrad evaluate runs/cnn --dataset mnist",
    "predict": "scratchgrad predict runs/cnn digit.png",
    "summary": "scratchgrad summary --model deep_convnet --input-shape 1,28,28",
    "gradcheck": "scratchgrad gradcheck --model two_layer_net",
    "models": "scratchgrad models",
    "datasets": "scratchgrad datasets",
    "lab": "scratchgrad lab weight-init --out figures",
    "search": "scratchgrad search --trials 100 --epochs 5 --param lr=1e-6:1e-2:log --param weight_decay=1e-8:1e-4:log",
}


class UsageError(Exception):
    """A problem with what the user asked for: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage too; we keep it to one line
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _add(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=help_text, epilog=f"example:\n  {EXAMPLES[name]}",
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, received {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, received {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, received {text}")
    return value


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated sizes such as 1,28,28; received {text!r}") from None
    if len(shape) != 3 or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected C,H,W (three positive sizes) such as 1,28,28; received {text!r}")
    return shape


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scratchgrad", description="Train and inspect networks built from scratch on NumPy.")
    parser.add_argument("--version", action="version", version=f"scratchgrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _add(sub, "train", "train a model and write a run folder")
    p.add_argument("--model", default="simple_convnet", help="a name from 'scratchgrad models'")
    p.add_argument("--dataset", default="mnist", help="mnist, fashion_mnist or cifar10")
    p.add_argument("--epochs", type=_positive_int, default=5)
    p.add_argument("--batch-size", type=_positive_int, default=100)
    p.add_argument("--optimizer", default="adam", help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw")
    p.add_argument("--lr", type=_positive_float, default=1e-3, help="learning rate")
    p.add_argument("--momentum", type=_non_negative_float, default=None)
    p.add_argument("--weight-decay", type=_non_negative_float, default=0.0)
    p.add_argument("--scheduler", choices=("cosine", "step"), default=None, help="learning-rate schedule per epoch")
    p.add_argument("--grad-clip", type=_positive_float, default=None, help="clip the gradient norm to this value")
    p.add_argument("--val-split", type=float, default=0.0, help="fraction of training data held out for validation")
    p.add_argument("--patience", type=_positive_int, default=None, help="early stopping on validation accuracy")
    p.add_argument("--target-loss", type=_positive_float, default=None, help="stop once the training loss is this low")
    p.add_argument("--limit", type=_positive_int, default=None, help="use only the first N training images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-root", default=None, help="folder with the dataset's files")
    p.add_argument("--out", default=None, help="run folder (default runs/MODEL-DATASET)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = _add(sub, "evaluate", "test accuracy, per-class accuracy and the confusion matrix of a trained run")
    p.add_argument("run", help="a run folder or its model.safetensors")
    p.add_argument("--dataset", default=None, help="defaults to the dataset the run trained on")
    p.add_argument("--data-root", default=None)

    p = _add(sub, "predict", "the top-3 classes for an image (PNG) or an array (.npy)")
    p.add_argument("run", help="a run folder")
    p.add_argument("input", help="a .png image or a .npy array of one or more images")
    p.add_argument("--invert", action="store_true", help="invert dark-on-light images (MNIST digits are light on dark)")

    p = _add(sub, "summary", "layers, output shapes and parameter counts of a model")
    p.add_argument("--model", required=True)
    p.add_argument("--input-shape", type=_shape, default=(1, 28, 28), help="C,H,W")
    p.add_argument("--num-classes", type=_positive_int, default=10)

    p = _add(sub, "gradcheck", "backprop against numerical gradients, per parameter, on 3 MNIST images")
    p.add_argument("--model", default="two_layer_net")
    p.add_argument("--samples", type=_positive_int, default=3)
    p.add_argument("--entries", type=_positive_int, default=None, help="check this many entries per parameter")

    _add(sub, "models", "the model zoo")
    _add(sub, "datasets", "the datasets and where their files were found")

    p = _add(sub, "lab", "an experiment of the notes: writes NAME.png and prints the numbers behind it")
    p.add_argument("name", nargs="?", help="an experiment from 'scratchgrad lab --list'")
    p.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument("--out", default=".", help="folder for the PNG (default: the current folder)")
    p.add_argument("--quick", action="store_true", help="reduced size (few iterations, few images), as the tests run")

    # Search settings default to None so that --resume can tell what was given from what the file records.
    p = _add(sub, "search", "random hyperparameter search on a validation split, results streamed to a JSONL file")
    p.add_argument("--param", action="append", type=_param_range, default=None, metavar="NAME=LOW:HIGH[:log]",
                   help="a range to draw from, on a log scale with :log (repeat for each hyperparameter)")
    p.add_argument("--trials", type=_positive_int, default=20)
    p.add_argument("--epochs", type=_positive_int, default=None, help="epochs per trial (default 5)")
    p.add_argument("--model", default=None, help="a name from 'scratchgrad models' (default mlp)")
    p.add_argument("--dataset", default=None, help="mnist (default), fashion_mnist or cifar10")
    p.add_argument("--val-split", type=_positive_float, default=None,
                   help="fraction of the training data held out to judge trials (default 0.2; the test set is unused)")
    p.add_argument("--limit", type=_positive_int, default=None, help="use only the first N training images")
    p.add_argument("--batch-size", type=_positive_int, default=None, help="default 100")
    p.add_argument("--optimizer", default=None, help="default sgd")
    p.add_argument("--seed", type=int, default=None, help="seed of the draws and of every trial's run (default 0)")
    p.add_argument("--data-root", default=None)
    p.add_argument("--workers", type=_positive_int, default=1, help="trials run in this many processes at once")
    p.add_argument("--out", default="search.jsonl", help="results file, one JSON line per finished trial")
    p.add_argument("--resume", action="store_true", help="run the trials --out does not have yet, with its settings")
    p.add_argument("--narrow", action="store_true",
                   help="run nothing: print the best trials of --out and the narrower ranges they span")
    p.add_argument("--top", type=_positive_int, default=5, help="how many best trials to show and narrow to")
    return parser


def _param_range(text: str) -> Any:
    from .lab.search import ParamRange

    try:
        return ParamRange.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ---- commands ---------------------------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from .train import EarlyStopping, LRScheduler, StopAtTarget, Trainer
    from .train.runs import build_run
    from .viz import plot_filters, plot_history

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
    from .data import DataLoader
    from .train import confusion_matrix, per_class_accuracy
    from .train.runs import load_arrays, load_run
    from .viz import plot_confusion

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


def predict_labels(model: Any, loader: Any) -> np.ndarray:
    from .autograd import no_grad
    from .backend import to_numpy

    with no_grad():
        return np.concatenate([to_numpy(model(x).data).argmax(axis=1) for x, _ in loader])


def cmd_predict(args: argparse.Namespace) -> int:
    from .autograd import Tensor, no_grad
    from .backend import to_numpy
    from .ops.activation import softmax
    from .train.runs import load_run

    model, config = load_run(args.run)
    images = read_images(Path(args.input), tuple(config["input_shape"]), args.invert)
    with no_grad():
        probs = to_numpy(softmax(model(Tensor(images))).data)
    for i, row in enumerate(probs):
        top = np.argsort(row)[::-1][:3]
        ranked = ", ".join(f"{k} ({row[k]:.1%})" for k in top)
        print(f"{args.input}{f'[{i}]' if len(probs) > 1 else ''}: {ranked}")
    return 0


def read_images(path: Path, input_shape: tuple[int, ...], invert: bool = False) -> np.ndarray:
    """A PNG or .npy file as float32 (N, C, H, W) in [0, 1], checked against the model's input shape."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
    else:
        try:
            from PIL import Image
        except ImportError:
            raise UsageError("reading images needs Pillow: pip install 'scratchgrad[image]'") from None
        c, h, w = input_shape
        with Image.open(path) as image:
            array = np.asarray(image.convert("L" if c == 1 else "RGB").resize((w, h)))
        array = array[None] if c == 1 else array.transpose(2, 0, 1)
    array = np.asarray(array)
    scaled = array.astype(np.float32) / 255.0 if array.dtype == np.uint8 else array.astype(np.float32)
    if scaled.ndim == 2:  # one grey image (H, W)
        scaled = scaled[None, None]
    elif scaled.ndim == 3:  # one image (C, H, W), or several grey ones (N, H, W) as MNIST stores them
        scaled = scaled[None] if scaled.shape == tuple(input_shape) else scaled[:, None]
    if scaled.shape[1:] != tuple(input_shape):
        expected = tuple(input_shape)
        raise UsageError(f"{path}: images of shape {scaled.shape[1:]} do not fit the model's input {expected}")
    return 1.0 - scaled if invert else scaled


def cmd_summary(args: argparse.Namespace) -> int:
    from . import models
    from .nn.summary import summary

    model = models.get(args.model, input_shape=args.input_shape, num_classes=args.num_classes)
    summary(model, args.input_shape)
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from . import models
    from .gradcheck import check_module_gradients
    from .nn import functional as F
    from .train.runs import load_arrays

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
    from . import models

    for name, description in models.available().items():
        print(f"{name:16s} {description}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from .data import describe_sources
    from .train.runs import DATASETS

    for name in DATASETS:
        print(f"{name:14s} {describe_sources(name)}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    from . import lab

    if args.list:
        for name, description in lab.available().items():
            print(f"{name:18s} {description}")
        return 0
    if args.name is None:
        raise UsageError("lab: name an experiment (see 'scratchgrad lab --list')")
    lab.run(args.name, out_dir=args.out, quick=args.quick)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .lab.search import SearchSettings, read_results, run_search
    from .lab.search_report import plot_search, summary

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


COMMANDS = {
    "train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "summary": cmd_summary,
    "gradcheck": cmd_gradcheck, "models": cmd_models, "datasets": cmd_datasets, "lab": cmd_lab, "search": cmd_search,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, FileNotFoundError) as exc:
        # Validation errors from the library carry a message written for the user: one line, no traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        if type(exc).__name__ != "TrainingDiverged":
            raise
        print(f"error: {exc}", file=sys.stderr)  # a diverged run: the message names the step and the checkpoint
        return 1
    except BrokenPipeError:  # output piped into head or less, which stopped reading
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
