"""``summary(model, input_shape)``: one row per layer with its output shape and parameter count."""

from __future__ import annotations

from typing import Any, Sequence

from .. import backend
from ..autograd import Tensor, no_grad
from .module import Module


def summary(model: Module, input_shape: Sequence[int], print_fn: Any = print) -> str:
    """Run one dummy sample of ``input_shape`` (without the batch axis) through ``model`` and tabulate it.

    Rows list the leaf layers in the order they ran (a layer called twice appears twice, its parameters counted
    once); totals count every parameter once. Returns the table and prints it unless ``print_fn`` is None.

    Example: summary(models.SimpleConvNet(), (1, 28, 28)) ends with "Total params: 433,890".
    """
    rows: list[tuple[str, str, int]] = []
    counted: set[int] = set()
    names = {id(m): name for name, m in model.named_modules()}

    def record(module: Module, _inputs: tuple, output: Any) -> None:
        params = 0
        if id(module) not in counted:
            counted.add(id(module))
            params = sum(p.numel() for p in module.parameters())
        shape = ", ".join(str(n) for n in getattr(output, "shape", ())[1:])
        rows.append((f"{names.get(id(module), '?')} ({type(module).__name__})", f"[N, {shape}]", params))

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    removers = [m.register_forward_hook(record) for m in leaves]
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            model(Tensor(backend.xp.zeros((1, *input_shape), dtype=backend.get_default_dtype())))
    except ValueError as exc:
        name = type(model).__name__
        raise ValueError(f"summary: input shape {tuple(input_shape)} does not fit {name}: {exc}") from None
    finally:
        for remove in removers:
            remove()
        model.train(was_training)
    return _table(model, rows, print_fn)


def _table(model: Module, rows: list[tuple[str, str, int]], print_fn: Any) -> str:
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    width = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
    shape_width = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
    rule = "=" * (width + shape_width + 12)
    lines = [f"{'Layer (type)':<{width}}{'Output Shape':<{shape_width}}{'Param #':>12}", rule]
    lines += [f"{name:<{width}}{shape:<{shape_width}}{params:>12,}" for name, shape, params in rows]
    lines += [
        rule,
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
    ]
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text
