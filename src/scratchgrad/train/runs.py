"""A training run from a plain config dict: the data, the model, the optimizer and the Trainer, and back again.

The CLI, the hyperparameter search and the lab all describe a run the same way, so a run folder's config.json is
enough to rebuild its model (``load_run``) or to train it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend, models
from .. import io as sgio
from .. import optim as sgoptim

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


def complete_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every default filled in and the dataset's shape and class count recorded."""
    full = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None or k not in DEFAULTS}}
    spec = dataset_spec(full["dataset"])
    full.setdefault("input_shape", list(spec["input_shape"]))
    full.setdefault("num_classes", spec["num_classes"])
    for name in ("epochs", "batch_size"):
        if int(full[name]) < 1:
            raise ValueError(f"{name.replace('_', '-')} must be >= 1; received {full[name]}")
    if float(full["lr"]) <= 0:
        raise ValueError(f"lr must be > 0; received {full['lr']}")
    if not 0.0 <= float(full["val_split"]) < 1.0:
        raise ValueError(f"val-split must be in [0, 1); received {full['val_split']}")
    return full


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


def load_run(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """The trained model and config of a run folder (or of a weights file next to its config.json)."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{folder} has no config.json: pass a run folder written by 'scratchgrad train'")
    config = complete_config(json.loads(config_file.read_text()))
    weights = path if path.is_file() else folder / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"no trained weights at {weights}: has the run finished?")
    model = build_model(config)
    sgio.load_into(model, weights)
    return model.eval(), config
