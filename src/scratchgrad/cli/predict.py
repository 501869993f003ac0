"""``scratchgrad predict``: a trained run's top classes for an image or an array of images."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .parser import UsageError


def predict_labels(model: Any, loader: Any) -> np.ndarray:
    from ..autograd import no_grad
    from ..backend import to_numpy

    with no_grad():
        return np.concatenate([to_numpy(model(x).data).argmax(axis=1) for x, _ in loader])


def cmd_predict(args: argparse.Namespace) -> int:
    from ..autograd import Tensor, no_grad
    from ..backend import to_numpy
    from ..ops.activation import softmax
    from ..train.runs import load_run

    model, config = load_run(args.run)
    images = read_images(Path(args.input), tuple(config["input_shape"]), args.invert)
    with no_grad():
        probs = to_numpy(softmax(model(Tensor(images))).data)
    for i, row in enumerate(probs):
        top = np.argsort(row)[::-1][:3]
        ranked = ", ".join(f"{k} ({row[k]:.1%})" for k in top)
        print(f"{args.input}{f'[{i}]' if len(probs) > 1 else ''}: {ranked}")
    return 0


def read_images(path: Path, input_shape: tuple[int, ...], invert: bool = False) -> np.ndarray:
    """A PNG or .npy file as float32 (N, C, H, W) in [0, 1], checked against the model's input shape."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
    else:
        try:
            from PIL import Image
        except ImportError:
            raise UsageError("reading images needs Pillow: pip install 'scratchgrad[image]'") from None
        c, h, w = input_shape
        with Image.open(path) as image:
            array = np.asarray(image.convert("L" if c == 1 else "RGB").resize((w, h)))
        array = array[None] if c == 1 else array.transpose(2, 0, 1)
    array = np.asarray(array)
    scaled = array.astype(np.float32) / 255.0 if array.dtype == np.uint8 else array.astype(np.float32)
    if scaled.ndim == 2:  # one grey image (H, W)
        scaled = scaled[None, None]
    elif scaled.ndim == 3:  # one image (C, H, W), or several grey ones (N, H, W) as MNIST stores them
        scaled = scaled[None] if scaled.shape == tuple(input_shape) else scaled[:, None]
    if scaled.shape[1:] != tuple(input_shape):
        expected = tuple(input_shape)
        raise UsageError(f"{path}: images of shape {scaled.shape[1:]} do not fit the model's input {expected}")
    return 1.0 - scaled if invert else scaled
