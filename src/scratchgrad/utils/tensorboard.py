"""PyTorch's ``SummaryWriter`` on TensorBoard's own event-file writer: ``tensorboard --logdir runs`` shows it.

Example::

    from scratchgrad.utils.tensorboard import SummaryWriter

    writer = SummaryWriter()                      # runs/<date>_<host>
    for step, loss in enumerate(losses):
        writer.add_scalar("loss/train", loss, step)
    writer.add_graph(model, images[:1])           # the autograd graph of one forward pass
    writer.close()

Needs the ``tensorboard`` package (``pip install 'scratchgrad[tensorboard]'``).
"""

from __future__ import annotations

import io
import os
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import tensorboard_protos as protos

__all__ = ["SummaryWriter"]


def _array(value: Any) -> np.ndarray:
    """A Tensor's, a NumPy array's or a list's values as a host NumPy array."""
    if isinstance(value, Tensor):
        value = value.data
    return np.asarray(value.get() if hasattr(value, "get") else value)


def _number(value: Any) -> float:
    array = _array(value)
    if array.size != 1:
        raise ValueError(f"add_scalar: expected one number; received an array of shape {array.shape}")
    return float(array.reshape(()))


class SummaryWriter:
    """Write scalars, histograms, images, figures, the model's graph and hyperparameters for TensorBoard.

    Args:
        log_dir: the folder of the event files; by default ``runs/<date>_<host><comment>``, as PyTorch names it.
        comment: appended to the default folder name (ignored when ``log_dir`` is given).
        flush_secs: how often pending events reach the disk (they also do on ``flush`` and ``close``).

    ``global_step`` is the x axis of every chart; ``walltime`` defaults to now.
    """

    def __init__(self, log_dir: str | os.PathLike | None = None, comment: str = "", flush_secs: int = 120,
                 max_queue: int = 10, filename_suffix: str = ""):
        protos.require()
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = Path("runs") / f"{stamp}_{socket.gethostname()}{comment}"
        self.log_dir = str(log_dir)
        self._writer_class = EventFileWriter
        self._settings = {"max_queue_size": max_queue, "flush_secs": flush_secs, "filename_suffix": filename_suffix}
        self._writer = EventFileWriter(self.log_dir, **self._settings)
        self._children: dict[str, Any] = {}  # add_scalars' and add_hparams' writers, one folder each

    def get_logdir(self) -> str:
        return self.log_dir

    def _event(self, summary: Any, step: int | None, walltime: float | None, writer: Any = None) -> None:
        from tensorboard.compat.proto.event_pb2 import Event

        event = Event(wall_time=time.time() if walltime is None else walltime, summary=summary)
        if step is not None:
            event.step = int(step)
        (writer or self._writer).add_event(event)

    def _child(self, folder: str) -> Any:
        if folder not in self._children:
            self._children[folder] = self._writer_class(folder, **self._settings)
        return self._children[folder]

    # ---- numbers --------------------------------------------------------------------------------------
    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None,
                   walltime: float | None = None) -> None:
        """One point of the chart ``tag``, e.g. ``add_scalar("loss/train", 0.31, 600)``."""
        self._event(protos.scalar(tag, _number(scalar_value)), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict[str, Any], global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Several lines on one chart: each key is written to its own run folder ``<log_dir>/<main_tag>_<key>``."""
        for key, value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{key}")
            self._event(protos.scalar(main_tag, _number(value)), global_step, walltime, self._child(folder))

    def add_histogram(self, tag: str, values: Any, global_step: int | None = None, bins: Any = 30,
                      walltime: float | None = None) -> None:
        """The distribution of ``values`` (weights, gradients, activations of any shape) in ``bins`` buckets."""
        self._event(protos.histogram(tag, _array(values), bins), global_step, walltime)

    # ---- pictures -------------------------------------------------------------------------------------
    def add_image(self, tag: str, img_tensor: Any, global_step: int | None = None, walltime: float | None = None,
                  dataformats: str = "CHW") -> None:
        """One image: (C, H, W) by default with C in 1, 3, 4; floats in [0, 1] or uint8 0..255."""
        self._event(protos.image(tag, _array(img_tensor), dataformats), global_step, walltime)

    def add_images(self, tag: str, img_tensor: Any, global_step: int | None = None, walltime: float | None = None,
                   dataformats: str = "NCHW") -> None:
        """A batch of images (N, C, H, W), shown tiled as one picture."""
        self._event(protos.image(tag, protos.grid(_array(img_tensor), dataformats), "CHW"), global_step, walltime)

    def add_figure(self, tag: str, figure: Any, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """A Matplotlib figure, rendered as a PNG (and closed unless ``close=False``)."""
        from PIL import Image

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        if close:
            import matplotlib.pyplot as plt

            plt.close(figure)
        rgba = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGBA"))
        self._event(protos.image(tag, rgba, "HWC"), global_step, walltime)

    # ---- the model ------------------------------------------------------------------------------------
    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False) -> None:
        """The autograd graph of one forward pass of ``model`` on ``input_to_model`` (in eval mode): TensorBoard's
        Graphs tab shows each module as a box that opens onto its ops."""
        from tensorboard.compat.proto.event_pb2 import Event

        from ..onnx.trace import trace

        if input_to_model is None:
            raise ValueError("add_graph: pass an example input (input_to_model), e.g. images[:1]")
        graph = protos.graph_def(trace(model, input_to_model))
        if verbose:
            print(graph)
        self._writer.add_event(Event(wall_time=time.time(), graph_def=graph.SerializeToString()))

    def add_hparams(self, hparam_dict: dict[str, Any], metric_dict: dict[str, float],
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """One run's hyperparameters and final metrics for the HParams tab, in a folder of their own
        (``<log_dir>/<run_name or time>``), as PyTorch writes them."""
        folder = os.path.join(self.log_dir, run_name or str(time.time()))
        writer = self._child(folder)
        for summary in protos.hparams(hparam_dict, metric_dict):
            self._event(summary, None, None, writer)
        for tag, value in metric_dict.items():
            self._event(protos.scalar(tag, _number(value)), global_step, None, writer)

    # ---- lifetime -------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write pending events to disk now."""
        self._writer.flush()
        for child in self._children.values():
            child.flush()

    def close(self) -> None:
        self._writer.close()
        for child in self._children.values():
            child.close()
        self._children = {}

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
