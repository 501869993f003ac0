"""The command line's parser: its subcommands, their options and the checks on each value."""

from __future__ import annotations

import argparse
from typing import Any, Callable

from .. import __version__
from ..train import fields

EXAMPLES = {
    "train": "scratchgrad train --model simple_convnet --dataset mnist --epochs 5 --out runs/cnn",
    "evaluate": "scratchgrad evaluate runs/cnn --dataset mnist",
    "predict": "scratchgrad predict runs/cnn digit.png",
    "summary": "scratchgrad summary --model deep_convnet --input-shape 1,28,28",
    "gradcheck": "scratchgrad gradcheck --model two_layer_net",
    "models": "scratchgrad models",
    "datasets": "scratchgrad datasets",
    "lab": "scratchgrad lab weight-init --out figures",
    "export": "scratchgrad export runs/cnn --format onnx --out cnn.onnx",
    "graph": "scratchgrad graph --model simple_convnet --out g.svg",
    "search": "scratchgrad search --trials 100 --epochs 5 --param lr=1e-6:1e-2:log --param weight_decay=1e-8:1e-4:log",
}

MAX_SEED = fields.MAX_SEED


class UsageError(Exception):
    """A problem with what the user asked for: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage too; we keep it to one line
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _add(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=help_text, epilog=f"example:\n  {EXAMPLES[name]}",
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _flag(rule: fields.Rule) -> Callable[[str], Any]:
    """An argparse type for ``rule``: the checks are those config.json's values pass (``train.fields``).

    argparse prints a type function's own name for a ValueError; ArgumentTypeError keeps the message ours.
    """

    def check(text: str) -> Any:
        try:
            return rule.check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check


_positive_float = _flag(fields.POSITIVE)
_non_negative_float = _flag(fields.NON_NEGATIVE)
_fraction = _flag(fields.FRACTION)
_open_fraction = _flag(fields.OPEN_FRACTION)
_momentum = _flag(fields.MOMENTUM)
_positive_int = _flag(fields.POSITIVE_INT)
_seed = _flag(fields.SEED)


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

    # Settings default to None (train.runs.DEFAULTS fills them) so that --resume can tell what was given.
    p = _add(sub, "train", "train a model and write a run folder")
    p.add_argument("--model", default=None, help="a name from 'scratchgrad models' (default simple_convnet)")
    p.add_argument("--dataset", default=None, help="mnist (default), fashion_mnist or cifar10")
    p.add_argument("--epochs", type=_positive_int, default=None, help="epochs in total, counting resumed ones (5)")
    p.add_argument("--batch-size", type=_positive_int, default=None, help="default 100")
    p.add_argument("--optimizer", default=None, help="sgd, momentum, nesterov, adagrad, rmsprop, adam (default), adamw")
    p.add_argument("--lr", type=_positive_float, default=None, help="learning rate (default 0.001)")
    p.add_argument("--momentum", type=_momentum, default=None)
    p.add_argument("--weight-decay", type=_non_negative_float, default=None)
    p.add_argument("--scheduler", choices=("cosine", "step"), default=None, help="learning-rate schedule per epoch")
    p.add_argument("--grad-clip", type=_positive_float, default=None, help="clip the gradient norm to this value")
    p.add_argument("--val-split", type=_fraction, default=None, help="share of the training data held out (default 0)")
    p.add_argument("--patience", type=_positive_int, default=None, help="early stopping on validation accuracy")
    p.add_argument("--target-loss", type=_positive_float, default=None, help="stop once the training loss is this low")
    p.add_argument("--limit", type=_positive_int, default=None, help="use only the first N training images")
    p.add_argument("--seed", type=_seed, default=None, help="default 0")
    p.add_argument("--data-root", default=None, help="folder with the dataset's files")
    p.add_argument("--out", default=None, help="run folder (default runs/MODEL-DATASET)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--tensorboard", nargs="?", const="", default=None, metavar="DIR",
                   help="log loss, accuracy and lr per step and per epoch for TensorBoard, in DIR (default: the "
                        "run folder; then 'tensorboard --logdir runs' shows every run)")
    p.add_argument("--nproc", type=_positive_int, default=None, metavar="N",
                   help="train on N processes started with mpiexec (the distributed extra), same global batch")
    p.add_argument("--dist-timeout", type=_positive_float, default=None, metavar="SECONDS",
                   help="with --nproc: how long a rank waits for a failed or stuck one before all stop (300)")

    p = _add(sub, "evaluate", "test accuracy, per-class accuracy and the confusion matrix of a trained run")
    p.add_argument("run", help="a run folder or its model.safetensors")
    p.add_argument("--dataset", default=None, help="defaults to the dataset the run trained on")
    p.add_argument("--data-root", default=None)

    p = _add(sub, "predict", "the top-3 classes for an image (PNG) or an array (.npy)")
    p.add_argument("run", help="a run folder")
    p.add_argument("input", help="a .png image or a .npy array of one or more images")
    p.add_argument("--invert", action="store_true",
                   help="invert dark-on-light images (MNIST digits are light on dark); transparency counts as light")

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

    p = _add(sub, "export", "write a trained run's model as an ONNX file (for ONNX Runtime), batch size left open")
    p.add_argument("run", help="a run folder or its model.safetensors")
    p.add_argument("--format", default="onnx", help="onnx (the only format)")
    p.add_argument("--out", default=None, help="the file to write (default RUN/model.onnx)")

    p = _add(sub, "graph", "draw a model's computational graph (autograd's, one forward pass) with Graphviz")
    p.add_argument("--model", required=True, help="a name from 'scratchgrad models'")
    p.add_argument("--out", default="graph.svg", help=".svg, .png or .pdf (needs Graphviz's dot), or .dot (text)")
    p.add_argument("--input-shape", type=_shape, default=(1, 28, 28), help="C,H,W")
    p.add_argument("--num-classes", type=_positive_int, default=10)

    # Search settings default to None so that --resume can tell what was given from what the file records.
    p = _add(sub, "search", "random hyperparameter search on a validation split, results streamed to a JSONL file")
    p.add_argument("--param", action="append", type=_param_range, default=None, metavar="NAME=LOW:HIGH[:log]",
                   help="a range to draw from, on a log scale with :log (repeat for each hyperparameter)")
    p.add_argument("--trials", type=_positive_int, default=20)
    p.add_argument("--epochs", type=_positive_int, default=None, help="epochs per trial (default 5)")
    p.add_argument("--model", default=None, help="a name from 'scratchgrad models' (default mlp)")
    p.add_argument("--dataset", default=None, help="mnist (default), fashion_mnist or cifar10")
    p.add_argument("--val-split", type=_open_fraction, default=None,
                   help="fraction of the training data held out to judge trials (default 0.2; the test set is unused)")
    p.add_argument("--limit", type=_positive_int, default=None, help="use only the first N training images")
    p.add_argument("--batch-size", type=_positive_int, default=None, help="default 100")
    p.add_argument("--optimizer", default=None, help="default sgd")
    p.add_argument("--seed", type=_seed, default=None, help="seed of the draws and of every trial's run (default 0)")
    p.add_argument("--data-root", default=None)
    p.add_argument("--workers", type=_positive_int, default=1, help="trials run in this many processes at once")
    p.add_argument("--out", default="search.jsonl", help="results file, one JSON line per finished trial")
    p.add_argument("--resume", action="store_true", help="run the trials --out does not have yet, with its settings")
    p.add_argument("--narrow", action="store_true",
                   help="run nothing: print the best trials of --out and the narrower ranges they span")
    p.add_argument("--top", type=_positive_int, default=5, help="how many best trials to show and narrow to")
    return parser


def _param_range(text: str) -> Any:
    from ..lab.search import ParamRange

    try:
        return ParamRange.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
