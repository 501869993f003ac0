"""TensorBoard's protobufs for each kind of summary, built from arrays and from a traced autograd graph.

Only the ``tensorboard`` package's own message classes are used (``tensorboard.compat.proto``, the hparams
plugin's), so the event files are what TensorBoard itself reads.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np


def require() -> None:
    """Raise an ImportError that says how to install TensorBoard where it is missing (an optional extra)."""
    try:
        import tensorboard  # noqa: F401
    except ImportError as e:
        raise ImportError("SummaryWriter needs the tensorboard package: pip install 'scratchgrad[tensorboard]'") from e


def _proto() -> Any:
    require()
    from tensorboard.compat.proto import summary_pb2

    return summary_pb2


def scalar(tag: str, value: float) -> Any:
    summary_pb2 = _proto()
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])


def histogram(tag: str, values: np.ndarray, bins: Any) -> Any:
    """The values' count, sum, sum of squares, range and bucket counts (right edges), as TensorBoard keeps them."""
    summary_pb2 = _proto()
    from tensorboard.compat.proto.summary_pb2 import HistogramProto

    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"add_histogram({tag!r}): expected a non-empty array of finite values; received "
                         f"{values.size} values, {int((~np.isfinite(values)).sum())} of them not finite")
    counts, edges = np.histogram(values, bins=bins)
    proto = HistogramProto(min=float(values.min()), max=float(values.max()), num=float(values.size),
                           sum=float(values.sum()), sum_squares=float(values @ values),
                           bucket_limit=edges[1:].tolist(), bucket=counts.astype(float).tolist())
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=proto)])


def _hwc_uint8(image: np.ndarray, dataformats: str) -> np.ndarray:
    """An image in ``dataformats`` ("CHW", "HWC", "HW") as (H, W, C) uint8: floats are read as 0..1."""
    image = np.asarray(image)
    if dataformats == "HW":
        image = image[..., None]
    elif dataformats == "CHW":
        image = image.transpose(1, 2, 0)
    elif dataformats != "HWC":
        raise ValueError(f"add_image: dataformats must be 'CHW', 'HWC' or 'HW'; received {dataformats!r}")
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ValueError(f"add_image: expected an image with 1, 3 or 4 channels in {dataformats} order; received "
                         f"shape {image.shape}")
    if image.dtype != np.uint8:
        image = (np.clip(image.astype(np.float64), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    return image


def image(tag: str, array: np.ndarray, dataformats: str) -> Any:
    """One image as a PNG summary."""
    summary_pb2 = _proto()
    from PIL import Image

    hwc = _hwc_uint8(array, dataformats)
    buffer = io.BytesIO()
    Image.fromarray(hwc[..., 0] if hwc.shape[2] == 1 else hwc).save(buffer, format="PNG")
    picture = summary_pb2.Summary.Image(height=hwc.shape[0], width=hwc.shape[1], colorspace=hwc.shape[2],
                                        encoded_image_string=buffer.getvalue())
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=picture)])


def grid(images: np.ndarray, dataformats: str = "NCHW") -> np.ndarray:
    """N images (NCHW or NHWC) tiled into one CHW image, as near square as the count allows, 2-pixel gaps."""
    images = np.asarray(images)
    if images.ndim != 4 or dataformats not in ("NCHW", "NHWC"):
        raise ValueError(f"add_images: expected a 4-D batch in 'NCHW' or 'NHWC' order; received shape "
                         f"{images.shape} with dataformats={dataformats!r}")
    if dataformats == "NHWC":
        images = images.transpose(0, 3, 1, 2)
    n, c, h, w = images.shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    out = np.zeros((c, rows * (h + 2) - 2, cols * (w + 2) - 2), dtype=images.dtype)
    for i in range(n):
        r, k = divmod(i, cols)
        out[:, r * (h + 2): r * (h + 2) + h, k * (w + 2): k * (w + 2) + w] = images[i]
    return out


def graph_def(traced: Any) -> Any:
    """The traced graph as a GraphDef: inputs, parameters and constants, and one node per function, each under
    its module's name (TensorBoard folds a module's nodes into one box) with its output shape."""
    from tensorboard.compat.proto import attr_value_pb2, graph_pb2, node_def_pb2, tensor_shape_pb2, versions_pb2

    from ..tensor import Tensor

    def shape_attr(t: Any) -> Any:
        dims = [tensor_shape_pb2.TensorShapeProto.Dim(size=int(s)) for s in np.shape(t.data if hasattr(t, "data")
                                                                                     else t)]
        shapes = attr_value_pb2.AttrValue.ListValue(shape=[tensor_shape_pb2.TensorShapeProto(dim=dims)])
        return {"_output_shapes": attr_value_pb2.AttrValue(list=shapes)}

    names: dict[int, str] = {}
    nodes: list[Any] = []
    for i, x in enumerate(traced.inputs):
        names[id(x)] = f"input_{i}"
        nodes.append(node_def_pb2.NodeDef(name=names[id(x)], op="IO Node", attr=shape_attr(x)))
    for fn in traced.functions:
        scope = traced.module_of.get(id(fn), "").split(" (")[0].replace(".", "/")
        name = f"{scope}/{type(fn).__name__}_{len(nodes)}" if scope else f"{type(fn).__name__}_{len(nodes)}"
        inputs = []
        for j, x in enumerate(fn.inputs):
            if isinstance(x, Tensor) and x.creator is not None:
                inputs.append(names[id(x.creator)])
                continue
            if id(x) not in names:
                names[id(x)] = f"{name}/input_{j}"
                op = "Parameter" if isinstance(x, Tensor) and x.requires_grad else "Constant"
                nodes.append(node_def_pb2.NodeDef(name=names[id(x)], op=op, attr=shape_attr(x)))
            inputs.append(names[id(x)])
        names[id(fn)] = name
        nodes.append(node_def_pb2.NodeDef(name=name, op=type(fn).__name__, input=inputs,
                                          attr=shape_attr(traced.made[id(fn)])))
    for i, y in enumerate(traced.outputs):
        nodes.append(node_def_pb2.NodeDef(name=f"output_{i}", op="IO Node", input=[names[id(y.creator)]],
                                          attr=shape_attr(y)))
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


def hparams(hparam_dict: dict[str, Any], metric_dict: dict[str, float]) -> list[Any]:
    """The hparams plugin's three summaries: the experiment (which hparams and metrics), the session start
    (this run's values) and the session end."""
    summary_pb2 = _proto()
    from google.protobuf.struct_pb2 import Value
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    values, infos = {}, []
    for name, v in hparam_dict.items():
        if isinstance(v, bool):
            values[name], kind = Value(bool_value=v), api_pb2.DATA_TYPE_BOOL
        elif isinstance(v, (int, float, np.number)):
            values[name] = Value(number_value=float(v))
            kind = api_pb2.DATA_TYPE_FLOAT64
        elif isinstance(v, str):
            values[name], kind = Value(string_value=v), api_pb2.DATA_TYPE_STRING
        else:
            raise TypeError(f"add_hparams: the value of {name!r} must be a bool, number or string; received "
                            f"{type(v).__name__}")
        infos.append(api_pb2.HParamInfo(name=name, type=kind))
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=[
        api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metric_dict])
    parts = [
        (metadata.EXPERIMENT_TAG, plugin_data_pb2.HParamsPluginData(experiment=experiment, version=0)),
        (metadata.SESSION_START_INFO_TAG, plugin_data_pb2.HParamsPluginData(
            session_start_info=plugin_data_pb2.SessionStartInfo(hparams=values), version=0)),
        (metadata.SESSION_END_INFO_TAG, plugin_data_pb2.HParamsPluginData(
            session_end_info=plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS), version=0)),
    ]
    return [summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag=tag, metadata=metadata.create_summary_metadata(data), tensor=metadata.NULL_TENSOR)])
        for tag, data in parts]
