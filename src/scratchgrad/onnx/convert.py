"""Each autograd ``Function`` class as ONNX nodes, built with the ``onnx`` package's helpers.

A converter takes the function, the ONNX names of its inputs and output, and the ``Graph`` being built (which
turns constants into initializers), and returns the nodes. Functions that change nothing at inference
(dropout, identity, clone) become no node at all: their output is their input's name.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..tensor import Tensor

Converter = Callable[[Any, list, str, Any], list]
CONVERTERS: dict[str, Converter] = {}
PASS_THROUGH = {"Dropout", "Identity", "Clone"}


def converts(*names: str) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        for name in names:
            CONVERTERS[name] = fn
        return fn

    return register


def _node(op: str, inputs: list, output: str, **attrs: Any) -> Any:
    from onnx import helper

    return helper.make_node(op, inputs, [output], name=f"{op}_{output}", **attrs)


_SAME_OP = {"ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt",
            "Abs": "Abs", "Neg": "Neg", "Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "MatMul": "MatMul"}


@converts(*_SAME_OP)
def _same(fn: Any, ins: list, out: str, g: Any) -> list:
    return [_node(_SAME_OP[type(fn).__name__], ins, out)]


@converts("LeakyReLU")
def _leaky(fn: Any, ins: list, out: str, g: Any) -> list:
    return [_node("LeakyRelu", ins, out, alpha=float(fn.slope))]


@converts("Softmax", "LogSoftmax")
def _softmax(fn: Any, ins: list, out: str, g: Any) -> list:
    return [_node(type(fn).__name__, ins, out, axis=int(fn.axis))]


@converts("Linear")
def _linear(fn: Any, ins: list, out: str, g: Any) -> list:
    if g.rank(fn.inputs[0]) == 2:  # Gemm computes x W^T + b in one node
        return [_node("Gemm", ins, out, transB=1)]
    wt = g.fresh("weight_t")
    nodes = [_node("Transpose", [ins[1]], wt, perm=[1, 0])]
    if len(ins) == 2:
        return nodes + [_node("MatMul", [ins[0], wt], out)]
    product = g.fresh("matmul")
    return nodes + [_node("MatMul", [ins[0], wt], product), _node("Add", [product, ins[2]], out)]


@converts("Conv2d")
def _conv(fn: Any, ins: list, out: str, g: Any) -> list:
    kernel = list(fn.inputs[1].shape[2:])
    (ph, pw), (sh, sw) = fn.padding, fn.stride
    return [_node("Conv", ins, out, kernel_shape=kernel, strides=[sh, sw], pads=[ph, pw, ph, pw])]


@converts("MaxPool2d", "AvgPool2d")
def _pool(fn: Any, ins: list, out: str, g: Any) -> list:
    (ph, pw), extra = fn.p, {}
    op = "MaxPool" if type(fn).__name__ == "MaxPool2d" else "AveragePool"
    if op == "AveragePool":
        extra["count_include_pad"] = 1  # the window's padded zeros count: the sum is divided by FH * FW
    return [_node(op, ins, out, kernel_shape=list(fn.k), strides=list(fn.s), pads=[ph, pw, ph, pw], **extra)]


@converts("BatchNorm")
def _batch_norm(fn: Any, ins: list, out: str, g: Any) -> list:
    if fn.running_mean is None:
        raise g.refuse(fn, "batch statistics without running statistics cannot be exported (track_running_stats)")
    c = fn.inputs[0].shape[1]
    dtype = fn.inputs[0].dtype
    scale = ins[1] if len(ins) > 1 and ins[1] else g.constant(np.ones(c, dtype), "bn_scale")
    shift = ins[2] if len(ins) > 2 and ins[2] else g.constant(np.zeros(c, dtype), "bn_shift")
    mean = g.constant(np.asarray(fn.running_mean, dtype), "running_mean")
    var = g.constant(np.asarray(fn.running_var, dtype), "running_var")
    return [_node("BatchNormalization", [ins[0], scale, shift, mean, var], out, epsilon=float(fn.eps))]


@converts("LocalResponseNorm")
def _lrn(fn: Any, ins: list, out: str, g: Any) -> list:
    if fn.size % 2 == 0:  # ONNX centres an even window one channel later than PyTorch and scratchgrad do
        raise g.refuse(fn, f"an even window size ({fn.size}) sums other channels in ONNX's LRN; use an odd size")
    return [_node("LRN", ins, out, size=int(fn.size), alpha=float(fn.alpha), beta=float(fn.beta), bias=float(fn.k))]


@converts("Reshape")
def _reshape(fn: Any, ins: list, out: str, g: Any) -> list:
    before, after = tuple(fn.inputs[0].shape), tuple(g.made(fn).shape)
    # 0 copies the input's size: a batch axis kept in place stays symbolic under dynamic_axes.
    target = [0, *after[1:]] if before and after and before[0] == after[0] else list(after)
    return [_node("Reshape", [ins[0], g.constant(np.asarray(target, np.int64), "shape")], out)]


@converts("Transpose")
def _transpose(fn: Any, ins: list, out: str, g: Any) -> list:
    axes = fn.axes if fn.axes is not None else tuple(reversed(range(g.rank(fn.inputs[0]))))
    return [_node("Transpose", ins, out, perm=[int(a) for a in axes])]


@converts("Concat")
def _concat(fn: Any, ins: list, out: str, g: Any) -> list:
    return [_node("Concat", ins, out, axis=int(fn.axis))]


@converts("Pad2d")
def _pad(fn: Any, ins: list, out: str, g: Any) -> list:
    top, bottom, left, right = fn.widths
    pads = g.constant(np.asarray([0, 0, top, left, 0, 0, bottom, right], np.int64), "pads")
    value = g.constant(np.asarray(fn.value, g.made(fn).dtype), "pad_value")
    return [_node("Pad", [ins[0], pads, value], out, mode="constant")]


@converts("GetItem")
def _gather(fn: Any, ins: list, out: str, g: Any) -> list:
    """x[..., indices, :, ...], one integer array on one axis: F.pad's reflect, replicate and circular modes."""
    parts = fn.index if isinstance(fn.index, tuple) else (fn.index,)
    arrays = [i for i, part in enumerate(parts) if isinstance(part, np.ndarray)]
    if arrays != [1] or parts[0] is not Ellipsis or parts[1].ndim != 1 or parts[1].dtype.kind not in "iu" or any(
        part != slice(None) for part in parts[2:]
    ):
        raise g.refuse(fn, "only x[..., indices, :, ...] (one integer array on one axis) has an ONNX conversion "
                           "(Gather); other indexing does not")
    axis = g.rank(fn.inputs[0]) - (len(parts) - 1)
    return [_node("Gather", [ins[0], g.constant(parts[1].astype(np.int64), "indices")], out, axis=axis)]


@converts("Pow")
def _pow(fn: Any, ins: list, out: str, g: Any) -> list:
    return [_node("Pow", ins, out)]


@converts("Sum", "Mean", "Max", "Min")
def _reduce(fn: Any, ins: list, out: str, g: Any) -> list:
    op = {"Sum": "ReduceSum", "Mean": "ReduceMean", "Max": "ReduceMax", "Min": "ReduceMin"}[type(fn).__name__]
    axes = [int(a) for a in fn.axes] if fn.axes else list(range(g.rank(fn.inputs[0])))
    keep = int(bool(fn.keepdims))
    # Axes became an input in opset 13 for ReduceSum and in opset 18 for the others.
    if g.opset >= (13 if op == "ReduceSum" else 18):
        return [_node(op, [ins[0], g.constant(np.asarray(axes, np.int64), "axes")], out, keepdims=keep)]
    return [_node(op, ins, out, axes=axes, keepdims=keep)]


@converts("Cast")
def _cast(fn: Any, ins: list, out: str, g: Any) -> list:
    from onnx import helper

    return [_node("Cast", ins, out, to=helper.np_dtype_to_tensor_dtype(fn.dtype))]


@converts("Clip")
def _clip(fn: Any, ins: list, out: str, g: Any) -> list:
    dtype = g.made(fn).dtype
    bounds = [g.constant(np.asarray(v, dtype), name) if v is not None else "" for v, name in
              ((fn.low, "clip_low"), (fn.high, "clip_high"))]
    return [_node("Clip", [ins[0], *bounds], out)]


def constant_input(value: Any, like: Any) -> np.ndarray:
    """A non-tensor input of a function (a Python number, an array) as an array in the output's dtype."""
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    return array.astype(like.dtype) if array.dtype.kind in "fiub" and like.dtype.kind == "f" else array
