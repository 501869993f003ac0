"""torchvision's ``make_grid`` and ``save_image``: a batch of images as one picture, and that picture as a file."""

from __future__ import annotations

import io
import math
import os
from typing import Any, BinaryIO, Sequence

import numpy as np
from PIL import Image

from .. import backend
from ..io import atomic_write_bytes
from ..tensor import Tensor


def _images(tensor: Any) -> np.ndarray:
    """A Tensor (B, C, H, W), (C, H, W) or (H, W), or a list of (C, H, W) Tensors, as float (B, C, H, W)."""
    if isinstance(tensor, (list, tuple)):
        array = np.stack([_images(t)[0] for t in tensor])
    elif isinstance(tensor, Tensor):
        array = backend.to_numpy(tensor.data)
    else:
        raise TypeError(f"make_grid: expected a Tensor or a list of Tensors; received {type(tensor).__name__}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid: expected images (B, C, H, W); received shape {array.shape}")
    return array.astype(np.float32, copy=False)


def _rescaled(x: np.ndarray, value_range: Sequence[float] | None) -> np.ndarray:
    low, high = value_range if value_range is not None else (float(x.min()), float(x.max()))
    return (np.clip(x, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor: Any, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: Sequence[float] | None = None, scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Lay B images out in rows of ``nrow``, ``padding`` pixels of ``pad_value`` around each.

    Args:
        tensor: images (B, C, H, W) (or a list of (C, H, W)); grayscale (C = 1) is repeated to 3 channels.
        normalize: shift and scale to [0, 1] by ``value_range`` (default: the batch's min and max), per image
            with ``scale_each``.

    Returns: a Tensor (3, rows * (H + padding) + padding, cols * (W + padding) + padding); one image alone comes
    back as it is (after normalizing), as torchvision does.
    Example: ``make_grid(torch.rand(16, 1, 28, 28), nrow=4).shape`` is (3, 122, 122).
    """
    x = _images(tensor)
    if x.shape[1] == 1:
        x = np.repeat(x, 3, axis=1)
    if normalize:
        x = np.stack([_rescaled(img, value_range) for img in x]) if scale_each else _rescaled(x, value_range)
    if len(x) == 1:
        return Tensor(backend.as_array(np.ascontiguousarray(x[0])))
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, np.float32)
    for k in range(n):
        top, left = (k // cols) * (h + padding) + padding, (k % cols) * (w + padding) + padding
        grid[:, top : top + h, left : left + w] = x[k]
    return Tensor(backend.as_array(grid))


def save_image(tensor: Any, fp: str | os.PathLike | BinaryIO, format: str | None = None, **grid_options: Any) -> None:
    """Write ``make_grid(tensor, **grid_options)`` as an image file (PNG unless ``format`` or the suffix says).

    Values are taken on the [0, 1] scale: ``x * 255 + 0.5`` clipped to 0..255. A path is written atomically.
    """
    grid = backend.to_numpy(make_grid(tensor, **grid_options).data)
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    image = Image.fromarray(np.ascontiguousarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels))
    if hasattr(fp, "write"):
        image.save(fp, format=format or "PNG")
        return
    buffer = io.BytesIO()
    suffix = os.path.splitext(os.fspath(fp))[1].lstrip(".")
    image.save(buffer, format=format or (Image.registered_extensions().get(f".{suffix.lower()}") or "PNG"))
    atomic_write_bytes(fp, buffer.getvalue())
