"""Keras's geometric augmentation layers: RandomTranslation, RandomRotation and RandomZoom (training only).

Each draws, per image, an affine map from output pixel (x = column, y = row) to the input point it reads,
x' = a0 x + a1 y + a2, y' = b0 x + b1 y + b2, with Keras's matrices, and samples the input there as Keras does:
bilinear (or nearest) interpolation between the four neighbouring pixels, whose indices outside the image are
folded back by ``fill_mode`` ("reflect": d c b a | a b c d | d c b a, "nearest", "wrap") or, with "constant",
read as ``fill_value``. The sampling is a gather (``getitem``) and a weighted sum, so gradients reach the input.
Outside training each layer is the identity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..nn import Module
from .base import Layer, Shape

FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _fold(index: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Integer pixel indices brought inside [0, size) as ``mode`` says ("constant" clips; the mask says)."""
    if mode == "reflect":
        index = np.mod(index, 2 * size)
        return np.where(index >= size, 2 * size - 1 - index, index)
    if mode == "wrap":
        return np.mod(index, size)
    return np.clip(index, 0, size - 1)


def affine_sample(x: Tensor, matrices: np.ndarray, interpolation: str, fill_mode: str, fill_value: float) -> Tensor:
    """Sample x (N, C, H, W) at each image's affine map of the output grid; ``matrices`` (N, 6) as Keras's."""
    n, _, h, w = x.shape
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    a = matrices[:, :, None, None]
    src_x = a[:, 0] * cols + a[:, 1] * rows + a[:, 2]  # (N, H, W)
    src_y = a[:, 3] * cols + a[:, 4] * rows + a[:, 5]
    if interpolation == "nearest":
        corners = [(np.round(src_y), np.round(src_x), np.ones_like(src_x))]
    else:
        y0, x0 = np.floor(src_y), np.floor(src_x)
        fy, fx = src_y - y0, src_x - x0
        corners = [(y0 + dy, x0 + dx, (fy if dy else 1 - fy) * (fx if dx else 1 - fx))
                   for dy in (0, 1) for dx in (0, 1)]
    batch = np.arange(n)[:, None, None]
    out: Tensor | None = None
    fill = np.zeros((n, h, w))
    for iy, ix, weight in corners:
        iy, ix = iy.astype(np.int64), ix.astype(np.int64)
        if fill_mode == "constant":
            inside = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
            fill += weight * ~inside
            weight = weight * inside
        picked = x[batch, :, _fold(iy, h, fill_mode), _fold(ix, w, fill_mode)]  # (N, H, W, C)
        term = picked * Tensor(backend.as_array(weight[..., None].astype(x.dtype)))
        out = term if out is None else out + term
    result = out.transpose(0, 3, 1, 2)  # type: ignore[union-attr]
    if fill_mode == "constant" and fill_value:
        result = result + Tensor(backend.as_array((fill[:, None] * fill_value).astype(x.dtype)))
    return result


def _range(layer: Layer, argument: str, factor: Any) -> tuple[float, float]:
    """Keras's factor argument: a number f for [-f, f], or a (lower, upper) pair."""
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        return -abs(float(factor)), abs(float(factor))
    if isinstance(factor, (tuple, list)) and len(factor) == 2:
        low, high = sorted(float(f) for f in factor)
        return low, high
    raise ValueError(f'Layer "{layer.name}": `{argument}` must be a number or a (lower, upper) pair; received '
                     f"{argument}={factor!r}")


class _Affine(Layer):
    ndim = 4
    rank_hint = "it takes images (batch, height, width, channels)"

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if fill_mode not in FILL_MODES:
            raise ValueError(f'Layer "{self.name}": fill_mode must be one of {FILL_MODES}; received {fill_mode!r}')
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f'Layer "{self.name}": interpolation must be "bilinear" or "nearest"; received '
                             f"{interpolation!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def _make_module(self, shape: Shape) -> Module:
        return Module()  # holds the training flag

    def _draw(self, low: float, high: float, n: int) -> np.ndarray:
        return backend.rng().uniform(low, high, n) if high > low else np.full(n, low)

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        raise NotImplementedError

    def _call(self, x: Tensor) -> Tensor:
        if not self.module.training:  # type: ignore[union-attr]
            return x
        n, _, h, w = x.shape
        return affine_sample(x, self._matrices(n, h, w), self.interpolation, self.fill_mode, self.fill_value)


class RandomTranslation(_Affine):
    """Shift each image by a fraction of its size drawn from ``height_factor`` and ``width_factor`` (a number f
    for [-f, f] or a (lower, upper) pair; positive moves the content down / right)."""

    def __init__(self, height_factor: Any, width_factor: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h, self._w = _range(self, "height_factor", height_factor), _range(self, "width_factor", width_factor)

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        dy, dx = self._draw(*self._h, n) * h, self._draw(*self._w, n) * w
        one, zero = np.ones(n), np.zeros(n)
        return np.stack([one, zero, -dx, zero, one, -dy], axis=1)


class RandomRotation(_Affine):
    """Rotate each image about its centre by ``factor`` times a full turn (a number f for [-f, f] turns, or a
    pair); positive turns counter-clockwise as Keras's."""

    def __init__(self, factor: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.factor = factor
        self._range = _range(self, "factor", factor)

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        angle = self._draw(*self._range, n) * 2 * math.pi
        cos, sin = np.cos(angle), np.sin(angle)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], axis=1)


class RandomZoom(_Affine):
    """Zoom each image about its centre by 1 + a value drawn from ``height_factor`` (positive zooms out) and
    ``width_factor`` (by default the same draw as the height's, keeping the aspect)."""

    def __init__(self, height_factor: Any, width_factor: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range(self, "height_factor", height_factor)
        self._w = None if width_factor is None else _range(self, "width_factor", width_factor)

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        zy = 1.0 + self._draw(*self._h, n)
        zx = zy if self._w is None else 1.0 + self._draw(*self._w, n)
        zero = np.zeros(n)
        return np.stack([zx, zero, (w - 1) / 2 * (1 - zx), zero, zy, (h - 1) / 2 * (1 - zy)], axis=1)
