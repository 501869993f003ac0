"""What a search found: the best trials, the narrower ranges they span, and validation accuracy against each value.

The notes' loop: search a wide range, look where the good trials lie, search again inside that narrower range.
``narrow`` gives the range the best ``top`` trials span, ready to pass back as ``--param``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..viz.plots import pyplot, save_figure
from .common import table
from .search import ParamRange, SearchSettings


def best(results: Sequence[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """The ``top`` finished trials by validation accuracy (diverged trials never rank), best first."""
    ok = [r for r in results if r["status"] == "ok" and r["val_accuracy"] is not None]
    return sorted(ok, key=lambda r: (-r["val_accuracy"], r["trial"]))[:top]


def narrow(settings: SearchSettings, results: Sequence[dict[str, Any]], top: int) -> list[ParamRange]:
    """For each parameter, the range spanned by the best ``top`` trials (same scale as the original range)."""
    leaders = best(results, top)
    if not leaders:
        raise ValueError("no finished trial to narrow the ranges from (every trial diverged, or none has run)")
    ranges = []
    for p in settings.params:
        values = [r["params"][p.name] for r in leaders]
        low, high = min(values), max(values)
        if low == high:  # one leader, or a shared value: keep a small window around it
            low, high = (low / 10**0.1, high * 10**0.1) if p.log else (low - 0.01 * (p.high - p.low),
                                                                       high + 0.01 * (p.high - p.low))
        ranges.append(ParamRange(p.name, max(_round(low, math.floor), p.low), min(_round(high, math.ceil), p.high),
                                 p.log))
    return ranges


def _round(value: float, direction: Any) -> float:
    """``value`` to 3 significant digits, rounded outwards (floor for a low bound, ceil for a high one), so the
    printed range still holds every leader."""
    if value == 0:
        return 0.0
    scale = 10 ** (math.floor(math.log10(abs(value))) - 2)
    return float(f"{direction(round(value / scale, 6)) * scale:.3g}")  # round first: 0.0038 / 1e-5 is 379.99...


def summary(settings: SearchSettings, results: Sequence[dict[str, Any]], top: int) -> str:
    """The best trials as a table, and the narrowed ranges as the next command's --param options."""
    names = [p.name for p in settings.params]
    leaders = best(results, top)
    diverged = sum(r["status"] != "ok" for r in results)
    lines = [f"{len(results)} trials ({diverged} diverged); best {len(leaders)} by validation accuracy "
             f"({settings.val_split:g} of the training data held out, {settings.epochs} epoch(s) each):"]
    lines.append(table(["trial", "val_accuracy", "train_accuracy", *names],
                       [[r["trial"], r["val_accuracy"], r["train_accuracy"], *(r["params"][n] for n in names)]
                        for r in leaders]))
    if leaders:
        ranges = narrow(settings, results, top)
        lines.append(f"the best {len(leaders)} span: " + "  ".join(f"--param {r}" for r in ranges))
    return "\n".join(lines)


def plot_search(settings: SearchSettings, results: Sequence[dict[str, Any]], path: str | Path, top: int) -> Path:
    """Validation accuracy against each parameter (log axis for log ranges); the best ``top`` trials in red."""
    plt = pyplot()
    n = len(settings.params)
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 4), squeeze=False, sharey=True, constrained_layout=True)
    leaders = {r["trial"] for r in best(results, top)}
    for ax, p in zip(axes[0], settings.params):
        for group, color, label in ((False, "tab:blue", "trial"), (True, "tab:red", f"best {len(leaders)}")):
            chosen = [r for r in results if r["status"] == "ok" and (r["trial"] in leaders) == group]
            ax.scatter([r["params"][p.name] for r in chosen], [r["val_accuracy"] for r in chosen], s=18,
                       color=color, label=label)
        failed = [r["params"][p.name] for r in results if r["status"] != "ok"]
        if failed:
            ax.scatter(failed, np.zeros(len(failed)), marker="x", color="grey", label="diverged (drawn at 0)")
        if p.log:
            ax.set_xscale("log")
        ax.set(xlabel=p.name + (" (log scale)" if p.log else ""), xlim=_limits(p))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("validation accuracy")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"random search: {settings.model} on {settings.dataset}, {len(results)} trials")
    return save_figure(fig, path)


def _limits(p: ParamRange) -> tuple[float, float]:
    if p.log:
        margin = 10 ** (0.03 * (math.log10(p.high) - math.log10(p.low)))
        return p.low / margin, p.high * margin
    margin = 0.03 * (p.high - p.low)
    return p.low - margin, p.high + margin
