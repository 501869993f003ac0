"""The subcommands that take a model elsewhere or draw it: export (ONNX) and graph (Graphviz)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .parser import UsageError
from .train import one_line_os_errors


def cmd_export(args: argparse.Namespace) -> int:
    """Write a run's trained model as ONNX, with a symbolic batch axis, and say what its input is."""
    from .. import onnx as sg_onnx
    from ..train.runs import load_run

    if args.format != "onnx":
        raise UsageError(f"export: --format must be onnx; received {args.format!r}")
    with one_line_os_errors():
        model, config = load_run(args.run)
        folder = Path(args.run) if Path(args.run).is_dir() else Path(args.run).parent
        out = Path(args.out) if args.out else folder / "model.onnx"
        example = np.zeros((1, *config["input_shape"]), dtype=np.float32)
        try:
            proto = sg_onnx.export(model, example, out, dynamic_axes=sg_onnx.dynamic_batch())
        except ImportError as exc:
            raise UsageError(f"export: {exc}") from None
    shape = ", ".join(str(s) for s in config["input_shape"])
    print(f"wrote {out} ({out.stat().st_size:,} bytes, {len(proto.graph.node)} ONNX nodes, opset 17): "
          f"input 'input' float32 (batch, {shape}), output 'output' (batch, {config['num_classes']}) class scores")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    """Draw a zoo model's autograd graph (one forward pass on one blank image) as DOT, SVG, PNG or PDF."""
    from .. import models
    from ..viz.graph import INSTALL_HINT, model_graph

    shape = tuple(args.input_shape)
    model = models.get(args.model, input_shape=shape, num_classes=args.num_classes)
    drawing = model_graph(model, np.zeros((1, *shape), dtype=np.float32))
    out = Path(args.out)
    with one_line_os_errors():
        if out.suffix.lower() == ".dot":
            drawing.save(out)
        else:
            try:
                drawing.render(out)
            except FileNotFoundError:
                dot_file = drawing.save(out.with_suffix(".dot"))
                raise UsageError(f"graph: {INSTALL_HINT}. Wrote the DOT text to {dot_file}") from None
    nodes = drawing.source.count("shape=box")
    print(f"wrote {out}: {args.model}'s graph for input (1, {', '.join(map(str, shape))}), {nodes} ops")
    return 0
