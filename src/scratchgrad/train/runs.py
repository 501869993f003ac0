"""A training run from a plain config dict: the data, the model, the optimizer and the Trainer, and back again.

The CLI, the hyperparameter search and the lab all describe a run the same way, so a run folder's config.json is
enough to rebuild its model (``load_run``) or to train it again.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import backend, models
from .. import io as sgio
from .. import optim as sgoptim
from . import fields

DATASETS: dict[str, dict[str, Any]] = {
    "mnist": {"cls": "MNIST", "input_shape": (1, 28, 28), "num_classes": 10},
    "fashion_mnist": {"cls": "FashionMNIST", "input_shape": (1, 28, 28), "num_classes": 10},
    "cifar10": {"cls": "CIFAR10", "input_shape": (3, 32, 32), "num_classes": 10},
}

DEFAULTS: dict[str, Any] = {
    "model": "simple_convnet",
    "dataset": "mnist",
    "epochs": 5,
    "batch_size": 100,
    "optimizer": "adam",
    "lr": 1e-3,
    "weight_decay": 0.0,
    "momentum": None,
    "seed": 0,
    "val_split": 0.0,
    "grad_clip": None,
    "scheduler": None,
    "limit": None,
    "model_kwargs": {},
    "data_root": None,
}


def dataset_spec(name: str) -> dict[str, Any]:
    key = name.lower().replace("-", "_")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    return DATASETS[key]


def load_arrays(
    name: str, train: bool, root: str | None = None, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images as uint8 (N, C, H, W) (a view, no float copy) and int64 labels, optionally the first ``limit``."""
    from .. import data

    spec = dataset_spec(name)
    dataset = getattr(data, spec["cls"])(root=root, train=train)
    images = np.asarray(dataset.data)
    images = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    labels = np.asarray(dataset.targets, dtype=np.int64).reshape(-1)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels


@dataclass
class Run:
    """Everything a Trainer needs, built from a config."""

    config: dict[str, Any]
    model: Any
    optimizer: Any
    train_loader: Any
    eval_loaders: dict[str, Any]
    scheduler: Any = None


def complete_config(config: dict[str, Any], source: str = "") -> dict[str, Any]:
    """The config with every default filled in and the dataset's shape and class count recorded, every setting
    checked as strictly as the command line checks its flags (``source``, such as a file, prefixes messages)."""
    where = f"{source}: " if source else ""
    if not isinstance(config, dict):
        raise ValueError(f"{source} must hold a JSON object of run settings; received a {type(config).__name__}")
    full = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None or k not in DEFAULTS}}
    spec = dataset_spec(fields.text(full["dataset"], f"{where}dataset"))
    full.setdefault("input_shape", list(spec["input_shape"]))
    full.setdefault("num_classes", spec["num_classes"])
    for name, rule in _RULES.items():
        if full[name] is not None or name not in _OPTIONAL:
            fields.checked(rule, full[name], f"{where}{name}")
    if fields.text(full["model"], f"{where}model").lower().replace("-", "_") not in models.available():
        raise ValueError(f"{where}unknown model {full['model']!r}; available: {', '.join(models.available())}")
    fields.text(full["optimizer"], f"{where}optimizer")
    if full["scheduler"] is not None:
        fields.text(full["scheduler"], f"{where}scheduler", ("cosine", "step"))
    if full["data_root"] is not None:
        fields.text(full["data_root"], f"{where}data_root")
    for name in ("input_shape", "num_classes"):
        expected = list(spec["input_shape"]) if name == "input_shape" else spec["num_classes"]
        if full[name] != expected:
            raise ValueError(f"{where}{name} must be {expected} for {full['dataset']}, received {full[name]!r}")
    _check_model_kwargs(full["model_kwargs"], f"{where}model_kwargs")
    return full


_RULES = {
    "epochs": fields.POSITIVE_INT, "batch_size": fields.POSITIVE_INT, "lr": fields.POSITIVE,
    "weight_decay": fields.NON_NEGATIVE, "momentum": fields.MOMENTUM, "seed": fields.SEED,
    "val_split": fields.FRACTION, "grad_clip": fields.POSITIVE, "limit": fields.POSITIVE_INT,
}
_OPTIONAL = ("momentum", "grad_clip", "limit")  # None means the setting is off
_SCALARS = (int, float, str, bool, type(None))


def _check_model_kwargs(kwargs: Any, name: str) -> None:
    """A dict of names to numbers, strings or flat lists of them: what the model builders take, nothing deeper."""
    if not isinstance(kwargs, dict):
        raise ValueError(f"{name} must be a JSON object of model arguments; received {kwargs!r:.80}")
    for key, value in kwargs.items():
        flat = value if isinstance(value, list) else [value]
        if not all(isinstance(v, _SCALARS) for v in flat):
            raise ValueError(f"{name}: {key} must be a number, a string or a flat list of them; received {value!r:.80}")
        if any(isinstance(v, float) and not math.isfinite(v) for v in flat):
            raise ValueError(f"{name}: {key} must be finite; received {value!r}")


def build_model(config: dict[str, Any]) -> Any:
    return models.get(
        config["model"], input_shape=config["input_shape"], num_classes=config["num_classes"], **config["model_kwargs"]
    )


def build_optimizer(config: dict[str, Any], params: Any) -> Any:
    kwargs: dict[str, Any] = {"lr": float(config["lr"]), "weight_decay": float(config["weight_decay"])}
    name = config["optimizer"].lower()
    if config["momentum"] is not None and name in ("sgd", "momentum", "nesterov", "rmsprop"):
        kwargs["momentum"] = float(config["momentum"])
    return sgoptim.get(name, params, **kwargs)


def build_run(config: dict[str, Any], eval_train_samples: int = 10_000) -> Run:
    """Seed, load data, split off validation, build model, optimizer and loaders from ``config``."""
    from ..data import DataLoader, train_val_split

    config = complete_config(config)
    backend.manual_seed(int(config["seed"]))
    x, t = load_arrays(config["dataset"], True, config["data_root"], config["limit"])
    eval_loaders: dict[str, Any] = {}
    batch = int(config["batch_size"])
    if config["val_split"]:
        fraction, seed = float(config["val_split"]), int(config["seed"])
        (x, t), (x_val, t_val) = train_val_split(x, t, val_fraction=fraction, seed=seed)
        eval_loaders["val"] = DataLoader((x_val, t_val), batch_size=1000)
    train_loader = DataLoader((x, t), batch_size=batch, shuffle=True, seed=int(config["seed"]))
    eval_loaders["train"] = DataLoader((x[:eval_train_samples], t[:eval_train_samples]), batch_size=1000)
    if not config["val_split"]:
        x_test, t_test = load_arrays(config["dataset"], False, config["data_root"])
        eval_loaders["test"] = DataLoader((x_test, t_test), batch_size=1000)
    model = build_model(config)
    optimizer = build_optimizer(config, model.parameters())
    scheduler = None
    if config["scheduler"] == "cosine":
        scheduler = sgoptim.CosineAnnealingLR(optimizer, T_max=int(config["epochs"]))
    elif config["scheduler"] == "step":
        scheduler = sgoptim.StepLR(optimizer, step_size=max(1, int(config["epochs"]) // 3))
    return Run(config, model, optimizer, train_loader, eval_loaders, scheduler)


def read_config(folder: Path) -> dict[str, Any]:
    """The checked config of a run folder; a missing, damaged or out-of-range ``config.json`` raises one line."""
    file = folder / "config.json"
    if not file.is_file():
        raise FileNotFoundError(
            f"{folder} has no config.json: pass a run folder written by 'scratchgrad train' (a run stopped before "
            "the end of its first epoch has none)"
        )
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except RecursionError:
        raise ValueError(f"{file} is nested too deeply to be a run's config") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file} is not valid JSON ({exc}); the file is damaged: train the run again") from None
    except OSError as exc:
        raise ValueError(f"cannot read {file}: {exc.strerror or exc}") from exc
    return complete_config(raw, str(file))


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def load_run(path: str | Path, log: Callable[[str], None] = _stderr) -> tuple[Any, dict[str, Any]]:
    """The trained model and config of a run folder (or of a weights file next to its config.json).

    A run that has not finished (no ``model.safetensors``) loads from its last checkpoint, saying so via ``log``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist, so it has no config.json: pass a run folder written by 'scratchgrad train'"
        )
    folder = path if path.is_dir() else path.parent
    config = read_config(folder)
    weights = path if path.is_file() else folder / "model.safetensors"
    checkpoint = folder / "checkpoint.safetensors"
    if weights.is_file():
        _check_sizes(config, sgio.read_header(weights)[0], weights)
        state = sgio.load_weights(weights)
    elif path.is_dir() and checkpoint.is_file():
        shapes = {k: v for k, v in sgio.read_header(checkpoint)[0].items() if k.startswith("model.")}
        _check_sizes(config, shapes, checkpoint)
        ckpt = sgio.load_checkpoint(checkpoint)
        state = ckpt.model
        epoch = ckpt.extra.get("epoch") if isinstance(ckpt.extra, dict) else None
        log(f"note: {folder} has no model.safetensors (the run has not finished): using its last checkpoint, "
            f"{checkpoint.name} after epoch {epoch}")
    else:
        raise FileNotFoundError(f"no trained weights at {weights} and no checkpoint: has the run finished an epoch?")
    if not isinstance(state, dict):
        raise ValueError(f"{checkpoint} is a damaged checkpoint: its model entry is not a dict of tensors")
    model = build_model(config)
    model.load_state_dict(state)
    return model.eval(), config


_CHECKED_SIZE = 8  # sizes above this (widths, hidden sizes) are tensor dimensions; smaller ones may be strides


def _check_sizes(config: dict[str, Any], shapes: dict[str, tuple[int, ...]], weights: Path) -> None:
    """Refuse model arguments that the weights' shapes cannot have come from, before the model is built.

    Each size in ``model_kwargs`` larger than a few units (a width, a hidden size) is the dimension of some
    tensor in a file written by that model, and a list of sizes is no longer than the file's tensor count; so
    a config claiming ``hidden_size=400000`` beside weights of another size is refused without allocating it.
    """
    dims = {d for shape in shapes.values() for d in shape}
    for key, value in config["model_kwargs"].items():
        sizes = value if isinstance(value, list) else [value]
        numbers = [v for v in sizes if isinstance(v, (int, float)) and not isinstance(v, bool) and v == int(v)]
        wrong = [int(v) for v in numbers if v > _CHECKED_SIZE and int(v) not in dims]
        if wrong or len(sizes) > len(shapes):
            raise ValueError(
                f"{weights.parent / 'config.json'}: model_kwargs {key}={value!r} does not fit {weights}: "
                + (f"no tensor there has a dimension of {wrong[0]}" if wrong else f"it holds {len(shapes)} tensors")
                + "; the config and the weights come from different runs"
            )
