"""The notes' apple and orange graph, computed by autograd and drawn with its forward values and gradients.

Two apples at 100 each and three oranges at 150 each, with 10% tax: price = (100 * 2 + 150 * 3) * 1.1 = 715.
Backward from the price gives what each input is worth to it: d price / d apple = 2.2, / d apple count = 110,
/ d orange = 3.3, / d orange count = 165, / d tax = 650. The figure is ``viz.graph`` rendered by Graphviz: each
edge carries its forward value above and its gradient below in red.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..viz.graph import graph
from .common import Log, table

INPUTS = {"apple": 100.0, "apple count": 2.0, "orange": 150.0, "orange count": 3.0, "tax": 1.1}


def apple_orange() -> tuple[Tensor, dict[str, Tensor]]:
    """The notes' graph, forward and backward: the price and every named tensor, each holding its gradient."""
    t = {name: Tensor(np.float64(v), requires_grad=True, name=name) for name, v in INPUTS.items()}
    steps = [("apple price", t["apple"] * t["apple count"]), ("orange price", t["orange"] * t["orange count"])]
    steps.append(("all price", steps[0][1] + steps[1][1]))
    steps.append(("price", steps[2][1] * t["tax"]))
    for name, tensor in steps:
        tensor.name = name
        tensor.retain_grad()  # the notes write the gradient on every edge, not only at the inputs
        t[name] = tensor
    t["price"].backward(retain_graph=True)  # the graph is drawn afterwards
    return t["price"], t


def run(png: Path, quick: bool = False, log: Log = print) -> dict[str, Any]:
    price, tensors = apple_orange()
    drawing = graph(price, show_values=True)
    drawing.save(png.with_suffix(".dot"))
    log(table(["tensor", "forward value", "d price / d tensor"],
              [[name, float(t.data), float(t.grad)] for name, t in tensors.items()]))
    drawing.render(png)  # after the numbers: without Graphviz they and the .dot file are still there
    return {"price": float(price.data), "gradients": {name: float(t.grad) for name, t in tensors.items()}}
