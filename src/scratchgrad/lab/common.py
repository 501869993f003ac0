"""What the experiments share: MNIST subsets, Trainer runs counted in iterations, descent paths, number tables.

Every MNIST curve in the lab comes from the same ``Trainer`` the CLI uses; the lab only adds a callback that
records the loss of every iteration, and a loader wrapper that makes "one epoch" a fixed number of iterations
(the notes count their comparisons in iterations: 2,000 mini-batches of 128).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..data import DataLoader
from ..nn.module import Parameter
from ..train import Callback, Trainer, TrainingDiverged
from ..train.runs import load_arrays

Log = Callable[[str], None]


def mnist(train_limit: int | None, test_limit: int | None = None) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The first ``train_limit`` training images and, unless ``test_limit`` is 0, the first test images (uint8)."""
    train = load_arrays("mnist", True, limit=train_limit)
    if test_limit == 0:
        return (train,)
    return train, load_arrays("mnist", False, limit=test_limit)


class Iterations:
    """Exactly ``count`` mini-batches drawn from ``loader``, starting new epochs of it as needed.

    The Trainer's epoch is one pass over its loader, so wrapping a loader in ``Iterations(loader, 2000)`` and
    fitting one epoch trains for 2,000 iterations, however many images the data has.
    """

    def __init__(self, loader: Iterable, count: int):
        self.loader, self.count = loader, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        done = 0
        while done < self.count:
            for batch in self.loader:
                yield batch
                done += 1
                if done == self.count:
                    return


class BatchLosses(Callback):
    """Records the training loss of every iteration (the notes' ``train_loss_list``)."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None:
        self.losses.append(loss)


def fit(model: Any, optimizer: Any, train_loader: Iterable, epochs: int = 1,
        eval_loaders: dict[str, Iterable] | None = None) -> tuple[list[dict[str, float]], list[float], bool]:
    """Train with the Trainer, quietly. Returns (history per epoch, loss per iteration, whether it diverged).

    A diverged run (the loss became NaN or infinite) is a result the lab shows, not an error: what was recorded
    up to that point is returned.
    """
    losses = BatchLosses()
    trainer = Trainer(model, optimizer, train_loader, eval_loaders=eval_loaders, callbacks=[losses],
                      progress=False, log=None)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow on the way to a divergence is expected here
            trainer.fit(epochs)
    except TrainingDiverged:
        return trainer.history, losses.losses, True
    return trainer.history, losses.losses, False


def loss_curves(runs: dict[str, Callable[[], tuple[Any, Any]]], x: np.ndarray, t: np.ndarray, iterations: int,
                batch_size: int = 128, seed: int = 0) -> dict[str, np.ndarray]:
    """The loss per iteration of each run on the same data, with the same seed and the same batches.

    ``runs`` maps a label to a function that builds ``(model, optimizer)``; each is called after
    ``manual_seed(seed)``, so runs differ only in what their builder changes.
    """
    curves = {}
    for label, build in runs.items():
        backend.manual_seed(seed)
        model, optimizer = build()
        # Batches drawn with replacement, as the notes' np.random.choice(train_size, batch_size).
        loader = DataLoader((x, t), batch_size=batch_size, sampler="random_with_replacement", seed=seed)
        _, losses, _ = fit(model, optimizer, Iterations(loader, iterations))
        curves[label] = np.array(losses + [np.nan] * (iterations - len(losses)))
    return curves


def first_and_final(curve: np.ndarray) -> tuple[int, float, float]:
    """(n, mean of the first n, mean of the last n) losses of a curve, n a tenth of its length: less noisy
    than single iterations. NaNs (iterations after a divergence) are left out of the means."""
    n = max(1, len(curve) // 10)
    return n, float(np.nanmean(curve[:n])), float(np.nanmean(curve[-n:]))


def smooth(values: Sequence[float], window: int = 11) -> np.ndarray:
    """A centred moving average (the notes' ``smooth_curve``), the same length as ``values``."""
    values = np.asarray(values, dtype=np.float64)
    window = max(1, min(window, len(values)))
    padded = np.pad(values, (window // 2, window - 1 - window // 2), mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="valid")


def descend(f: Callable[[Tensor], Tensor], start: Sequence[float], make_optimizer: Callable[[list], Any],
            steps: int) -> np.ndarray:
    """Positions of a Parameter started at ``start`` and moved by an optimizer down ``f``: (steps + 1, dims).

    Float64, so a learning rate of 1e-10 still moves the point (by about 1e-10) instead of rounding to nothing.
    """
    point = Parameter(np.array(start, dtype=np.float64))
    optimizer = make_optimizer([point])
    path = [point.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
        path.append(point.data.copy())
    return np.array(path)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows of numbers as an aligned text table (floats in 4 significant digits)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)]
    lines = ["  ".join(str(h).rjust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value + 0.0:.4g}"  # + 0.0 turns -0.0 (ReLU of a negative) into 0
    return str(value)
