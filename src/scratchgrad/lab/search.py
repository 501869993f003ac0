"""Random hyperparameter search, the notes' way: log-scale ranges, a validation split, short trials, narrowing.

    settings = SearchSettings(params=[ParamRange.parse("lr=1e-6:1e-2:log"),
                                      ParamRange.parse("weight_decay=1e-8:1e-4:log")], epochs=5)
    results = run_search(settings, trials=100, out="search.jsonl", workers=2)

- Values are drawn uniformly on the exponent for ``:log`` ranges (lr = 10^u, u in [-6, -2]): each decade gets
  the same number of trials, which is what a range spanning several orders of magnitude needs.
- Trial i's values come from a generator seeded with (search seed, i) only, so they are the same whether the
  trials run in order, in parallel, or after a resume. Every trial trains with the search's seed: the same
  validation split, the same initial weights and the same batches, so trials differ only in the values tried.
- The validation split is held out of the training data (``val_split``); the test set is never loaded, so the
  search cannot tune to it.
- Each finished trial is appended to the JSONL file at once (flushed and fsynced): an interrupted search keeps
  what it found, and ``resume=True`` runs only the missing trial indices (a half-written last line is dropped).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

# Hyperparameters that are fields of a run's config; any other name is passed to the model (e.g. dropout).
CONFIG_PARAMS = {"lr", "weight_decay", "momentum", "grad_clip", "batch_size"}
INTEGER_PARAMS = {"batch_size"}


@dataclass(frozen=True)
class ParamRange:
    """A hyperparameter's range: ``lr=1e-6:1e-2:log`` (drawn on a log scale) or ``dropout=0:0.5`` (linear)."""

    name: str
    low: float
    high: float
    log: bool = False

    @classmethod
    def parse(cls, text: str) -> ParamRange:
        name, sep, rest = text.partition("=")
        parts = rest.split(":")
        if not sep or not name or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
            raise ValueError(f"expected NAME=LOW:HIGH or NAME=LOW:HIGH:log such as lr=1e-6:1e-2:log; received {text!r}")
        try:
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            raise ValueError(f"{name}: LOW and HIGH must be numbers; received {text!r}") from None
        log = len(parts) == 3
        if not low < high:
            raise ValueError(f"{name}: LOW must be below HIGH; received {low:g}:{high:g}")
        if log and low <= 0:
            raise ValueError(f"{name}: a log-scale range must be positive; received {low:g}:{high:g}")
        return cls(name, low, high, log)

    def sample(self, rng: np.random.Generator) -> float:
        if self.log:
            return float(10 ** rng.uniform(math.log10(self.low), math.log10(self.high)))
        return float(rng.uniform(self.low, self.high))

    def spec(self) -> str:
        """``NAME=LOW:HIGH[:log]`` with the bounds exactly (what a results file records and ``parse`` reads)."""
        return f"{self.name}={self.low!r}:{self.high!r}" + (":log" if self.log else "")

    def __str__(self) -> str:
        return f"{self.name}={self.low:.3g}:{self.high:.3g}" + (":log" if self.log else "")


@dataclass
class SearchSettings:
    """What defines a search; a resumed search must use the same (only the number of trials may grow)."""

    params: list[ParamRange] = field(default_factory=list)
    model: str = "mlp"
    dataset: str = "mnist"
    epochs: int = 5
    val_split: float = 0.2
    limit: int | None = None
    batch_size: int = 100
    optimizer: str = "sgd"
    seed: int = 0
    data_root: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "params": [p.spec() for p in self.params]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSettings:
        return cls(**{**data, "params": [ParamRange.parse(p) for p in data["params"]]})


def draw(settings: SearchSettings, index: int) -> dict[str, float]:
    """Trial ``index``'s hyperparameters: a function of (search seed, index) alone."""
    rng = np.random.default_rng([settings.seed, index])
    values = {p.name: p.sample(rng) for p in settings.params}
    return {k: float(round(v)) if k in INTEGER_PARAMS else v for k, v in values.items()}


def trial_config(settings: SearchSettings, values: dict[str, float]) -> dict[str, Any]:
    """The run config (as ``train.runs.build_run`` reads it) for one trial's values."""
    config: dict[str, Any] = {
        "model": settings.model, "dataset": settings.dataset, "epochs": settings.epochs,
        "batch_size": settings.batch_size, "optimizer": settings.optimizer, "seed": settings.seed,
        "val_split": settings.val_split, "limit": settings.limit, "data_root": settings.data_root, "model_kwargs": {},
    }
    for name, value in values.items():
        if name in CONFIG_PARAMS:
            config[name] = int(value) if name in INTEGER_PARAMS else value
        else:
            config["model_kwargs"][name] = value
    return config


def check(settings: SearchSettings) -> None:
    """Raise ValueError for settings that would fail in every trial, before any worker starts."""
    from ..train.runs import build_model, complete_config

    if not settings.params:
        raise ValueError("a search needs at least one --param NAME=LOW:HIGH[:log]")
    if not 0.0 < settings.val_split < 1.0:
        raise ValueError(f"val-split must be in (0, 1): the search is judged on held-out training data; "
                         f"received {settings.val_split}")
    names = [p.name for p in settings.params]
    if len(set(names)) < len(names):
        raise ValueError(f"a parameter is given twice: {', '.join(names)}")
    config = complete_config(trial_config(settings, draw(settings, 0)))
    try:
        build_model(config)
    except TypeError as exc:
        raise ValueError(f"model {settings.model!r} does not take these parameters ({exc}); tunable run settings "
                         f"are {', '.join(sorted(CONFIG_PARAMS))}") from None


def run_trial(settings_dict: dict[str, Any], index: int) -> dict[str, Any]:
    """Train trial ``index`` for ``epochs`` epochs and report its validation accuracy (runs in a worker)."""
    from ..train import Trainer, TrainingDiverged
    from ..train.runs import build_run

    settings = SearchSettings.from_dict(settings_dict)
    values = draw(settings, index)
    start = time.perf_counter()
    run = build_run(trial_config(settings, values))
    # Only the validation set is evaluated: the Trainer's usual training-set pass would double a short trial.
    trainer = Trainer(run.model, run.optimizer, run.train_loader, eval_loaders={"val": run.eval_loaders["val"]},
                      progress=False, log=None)
    status = "ok"
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a learning rate too large is a result, not an error
            trainer.fit(settings.epochs)
    except TrainingDiverged:
        status = "diverged"
    history = trainer.history
    last = history[-1] if history and status == "ok" else {}
    return {
        "trial": index, "params": values, "status": status,
        "val_accuracy": last.get("val_accuracy"), "val_loss": last.get("val_loss"),
        "train_accuracy": last.get("accuracy"), "val_accuracy_per_epoch": [row["val_accuracy"] for row in history],
        "seconds": round(time.perf_counter() - start, 3),
    }


# ---- the results file -----------------------------------------------------------------------------------
def read_results(path: str | Path) -> tuple[SearchSettings, list[dict[str, Any]]]:
    """The settings and finished trials of a results file; a half-written last line (a crash) is ignored."""
    text = Path(path).read_text()
    complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
    lines = complete.splitlines()
    if not lines:
        raise ValueError(f"{path} is empty: it is not a search results file")
    try:
        header = json.loads(lines[0])
        settings = SearchSettings.from_dict(header["search"])
        results = [json.loads(line) for line in lines[1:] if line.strip()]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a search results file written by 'scratchgrad search' ({exc})") from None
    return settings, results


def _append(handle: Any, record: dict[str, Any]) -> None:
    handle.write(json.dumps(record) + "\n")
    handle.flush()
    os.fsync(handle.fileno())  # on disk before the next trial starts: a crash loses at most the running trials


def _open_results(path: Path, settings: SearchSettings, resume: bool) -> tuple[Any, set[int]]:
    if not resume:
        if path.exists():
            raise ValueError(f"{path} already exists: pass --resume to continue that search, or choose another --out")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w")
        _append(handle, {"search": settings.to_dict()})
        return handle, set()
    if not path.exists():
        raise ValueError(f"--resume: {path} does not exist")
    saved, results = read_results(path)
    if saved.to_dict() != settings.to_dict():
        raise ValueError(f"--resume: {path} was started with different settings ({saved.to_dict()})")
    raw = path.read_bytes()
    keep = raw.rfind(b"\n") + 1
    handle = path.open("r+")
    if keep < len(raw):  # drop the half-written line so the next record starts on a line of its own
        handle.truncate(keep)
    handle.seek(keep)
    return handle, {int(r["trial"]) for r in results}


@contextlib.contextmanager
def _one_blas_thread_in_children() -> Iterator[None]:
    """Workers start with one BLAS thread, by environment (read once, when the worker's NumPy loads).

    A matrix product split over several threads may add its partial sums in a different order than one thread
    does, so its last bits can differ; one thread in every worker, in serial runs too, makes a trial's result the
    same however many workers run. It also keeps N workers on N cores instead of N x (BLAS threads).
    """
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: "1" for name in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_search(settings: SearchSettings, trials: int, out: str | Path, workers: int = 1, resume: bool = False,
               log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run trials 0 .. trials-1 (those not already in ``out`` when resuming) and return every finished trial.

    Serial or parallel, trials run in fresh worker processes (``workers`` of them, started by "spawn"), so a
    trial's result does not depend on ``workers``.
    """
    check(settings)
    path = Path(out)
    handle, done = _open_results(path, settings, resume)
    todo = [i for i in range(trials) if i not in done]
    if done:
        log(f"resuming {path}: {len(done)} trials done, {len(todo)} to run")
    try:
        if todo:
            with _one_blas_thread_in_children():
                executor = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=get_context("spawn"))
                futures = [executor.submit(run_trial, settings.to_dict(), i) for i in todo]
            try:
                for finished, future in enumerate(as_completed(futures), 1):
                    record = future.result()
                    _append(handle, record)
                    log(f"[{finished}/{len(todo)}] {describe(record)}")
            finally:  # after an error or Ctrl-C, trials not yet started are dropped instead of awaited
                executor.shutdown(wait=True, cancel_futures=True)
    finally:
        handle.close()
    return read_results(path)[1]


def describe(record: dict[str, Any]) -> str:
    values = "  ".join(f"{k} {v:.3g}" for k, v in record["params"].items())
    outcome = "diverged" if record["status"] != "ok" else f"val_accuracy {record['val_accuracy']:.4f}"
    return f"trial {record['trial']:3d}  {values}  {outcome}"
