"""torchvision's transforms on one sample: a PIL image (Pillow does the resizing) or a Tensor (..., H, W).

``ToTensor`` turns a PIL image or a uint8 array (H, W) / (H, W, C) into a float32 Tensor (C, H, W) in [0, 1];
``Normalize`` standardises a Tensor's channels; the geometric ones (``RandomCrop``, ``RandomHorizontalFlip``,
``Resize``, ``CenterCrop``, ``Pad``) take a PIL image or a Tensor and give back the same kind. A transform given
anything else raises ``TypeError`` naming what it received. The arithmetic is ``scratchgrad.data.transforms``'s,
so the whole-batch path of the DataLoader (``batch_transform``) gives the same numbers as these per-sample ones.
Random draws come from scratchgrad's generator: ``sg.manual_seed`` repeats them.

Example: ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])(image)`` is a (1, 28, 28) float32 Tensor.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

from .. import backend
from ..data import transforms as batch
from ..tensor import Tensor


def _name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__name__}"


def _pair(size: int | Sequence[int], who: str) -> tuple[int, int]:
    """``size`` as (height, width): an int is square."""
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) in (1, 2):
        return (int(size[0]), int(size[-1]))
    raise ValueError(f"{who}: size must be an int or a (height, width) pair; received {size!r}")


class _Image:
    """One image as an array with its two spatial axes, and a way back to the kind it came as."""

    def __init__(self, image: Any, who: str):
        if isinstance(image, Image.Image):
            self.array, self.pil = np.asarray(image), True
            self.axes = (0, 1)
        elif isinstance(image, Tensor):
            self.array, self.pil = backend.to_numpy(image.data), False
            if self.array.ndim < 2:
                raise ValueError(f"{who}: expected a Tensor image (..., H, W); received shape {self.array.shape}")
            self.axes = (self.array.ndim - 2, self.array.ndim - 1)
        else:
            raise TypeError(f"{who}: expected a PIL image or a Tensor (..., H, W); received {_name(image)}")

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return self.array.shape[self.axes[0]], self.array.shape[self.axes[1]]

    def crop(self, top: int, left: int, height: int, width: int) -> _Image:
        index = [slice(None)] * self.array.ndim
        index[self.axes[0]], index[self.axes[1]] = slice(top, top + height), slice(left, left + width)
        self.array = self.array[tuple(index)]
        return self

    def pad(self, left: int, top: int, right: int, bottom: int, fill: float = 0, mode: str = "constant") -> _Image:
        widths = [(0, 0)] * self.array.ndim
        widths[self.axes[0]], widths[self.axes[1]] = (top, bottom), (left, right)
        options = {"constant_values": fill} if mode == "constant" else {}
        self.array = np.pad(self.array, widths, mode=mode, **options)
        return self

    def back(self) -> Any:
        array = np.ascontiguousarray(self.array)
        return Image.fromarray(array) if self.pil else Tensor(backend.as_array(array))


class Compose:
    """Apply ``transforms`` in order: ``Compose([ToTensor(), Normalize(mean, std)])(image)``."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self) -> str:
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class ToTensor:
    """PIL image or array (H, W) / (H, W, C) -> Tensor (C, H, W): uint8 scaled to float32 in [0, 1], other
    dtypes kept as they are."""

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Image.Image):
            array = np.asarray(pic)
        elif isinstance(pic, np.ndarray) and pic.ndim in (2, 3):
            array = pic
        else:
            shape = f" of shape {pic.shape}" if isinstance(pic, np.ndarray) else ""
            raise TypeError(f"ToTensor: expected a PIL image or a NumPy array (H, W) or (H, W, C); received "
                            f"{_name(pic)}{shape}")
        chw = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
        out = batch.to_float(chw) if chw.dtype == np.uint8 else np.ascontiguousarray(chw)
        return Tensor(backend.as_array(out))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a float Tensor (..., C, H, W)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        self.mean, self.std, self.inplace = list(mean), list(std), inplace
        self._op = batch.Normalize(self.mean, self.std, channel_axis=-3)

    def __call__(self, tensor: Any) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a float Tensor (..., C, H, W) (put ToTensor first); received "
                            f"{_name(tensor)}")
        array = backend.to_numpy(tensor.data)
        if array.ndim < 3 or array.shape[-3] not in (1, len(self.mean)):
            raise ValueError(f"Normalize: expected a Tensor (..., {len(self.mean)}, H, W) for {len(self.mean)} "
                             f"means; received shape {array.shape}")
        return Tensor(backend.as_array(self._op(array)))

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


def _padding(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from torchvision's int, (left/right, top/bottom) or 4-sequence."""
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * 4  # type: ignore[return-value]
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    if len(padding) == 4:
        return tuple(int(p) for p in padding)  # type: ignore[return-value]
    raise ValueError(f"padding must be an int or a sequence of 2 or 4 ints; received {padding!r}")


class Pad:
    """Pad the sides of an image: ``padding`` an int, (left/right, top/bottom) or (left, top, right, bottom).

    ``padding_mode``: "constant" (with ``fill``), "edge", "reflect" or "symmetric", as NumPy's ``pad`` names them.
    """

    modes = ("constant", "edge", "reflect", "symmetric")

    def __init__(self, padding: int | Sequence[int], fill: float = 0, padding_mode: str = "constant"):
        if padding_mode not in self.modes:
            raise ValueError(f"Pad: padding_mode must be one of {self.modes}; received {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = _padding(padding), fill, padding_mode

    def __call__(self, image: Any) -> Any:
        return _Image(image, "Pad").pad(*self.padding, self.fill, self.padding_mode).back()

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop:
    """Pad by ``padding`` (optionally), then cut a ``size`` window at a random place."""

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0, padding_mode: str = "constant"):
        self.size = _pair(size, "RandomCrop")
        self.pad = Pad(padding if padding is not None else 0, fill, padding_mode)
        self.pad_if_needed = pad_if_needed

    def __call__(self, image: Any) -> Any:
        view = _Image(image, "RandomCrop").pad(*self.pad.padding, self.pad.fill, self.pad.padding_mode)
        (h, w), (ch, cw) = view.size, self.size
        if self.pad_if_needed and (h < ch or w < cw):
            dw, dh = max(cw - w, 0), max(ch - h, 0)
            view.pad(dw, dh, dw, dh, self.pad.fill, self.pad.padding_mode)
            h, w = view.size
        if h < ch or w < cw:
            raise ValueError(f"RandomCrop: a crop of {ch} x {cw} does not fit an image of {h} x {w} (after padding)")
        rng = backend.rng()
        return view.crop(int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw).back()

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.pad.padding})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, image: Any) -> Any:
        view = _Image(image, "RandomHorizontalFlip")
        if backend.rng().random() < self.p:
            view.array = np.flip(view.array, axis=view.axes[1])
        return view.back()

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class CenterCrop:
    """Cut the centre ``size`` window (padding with zeros first where the image is smaller), as torchvision does."""

    def __init__(self, size: int | Sequence[int]):
        self.size = _pair(size, "CenterCrop")

    def __call__(self, image: Any) -> Any:
        view = _Image(image, "CenterCrop")
        (h, w), (ch, cw) = view.size, self.size
        if ch > h or cw > w:
            dw, dh = max(cw - w, 0), max(ch - h, 0)
            view.pad(dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2)
            h, w = view.size
        return view.crop(int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw).back()

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class Resize:
    """Resize with Pillow: ``size`` (h, w), or an int for the shorter side (the longer one keeps the aspect ratio).

    A Tensor is resized channel by channel as 32-bit float images.
    """

    def __init__(self, size: int | Sequence[int], interpolation: Any = Image.Resampling.BILINEAR):
        self.size, self.interpolation = size, interpolation
        _pair(size, "Resize")

    def _target(self, h: int, w: int) -> tuple[int, int]:
        if not isinstance(self.size, numbers.Integral) and len(self.size) == 2:
            return int(self.size[0]), int(self.size[1])
        short = int(self.size if isinstance(self.size, numbers.Integral) else self.size[0])
        return (short, int(short * w / h)) if h <= w else (int(short * h / w), short)

    def __call__(self, image: Any) -> Any:
        view = _Image(image, "Resize")
        th, tw = self._target(*view.size)
        if view.pil:
            return image.resize((tw, th), self.interpolation)
        planes = view.array.reshape(-1, *view.size).astype(np.float32)
        out = np.stack([np.asarray(Image.fromarray(p).resize((tw, th), self.interpolation)) for p in planes])
        view.array = out.reshape(*view.array.shape[:-2], th, tw).astype(view.array.dtype)
        return view.back()

    def __repr__(self) -> str:
        return f"Resize(size={self.size})"


class Lambda:
    """A function of the sample as a transform: ``Lambda(lambda x: x * 2)``."""

    def __init__(self, lambd: Callable[[Any], Any]):
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a callable; received {_name(lambd)}")
        self.lambd = lambd

    def __call__(self, image: Any) -> Any:
        return self.lambd(image)

    def __repr__(self) -> str:
        return "Lambda()"


def batch_transform(transform: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """The whole-batch form of ``transform`` on uint8 (B, C, H, W), or None where it has none.

    Known: ``ToTensor()`` and ``Compose([ToTensor(), Normalize(...), ...])``: the DataLoader then builds a batch
    with array operations that give the same numbers as the per-sample path.
    """
    steps = transform.transforms if isinstance(transform, Compose) else [transform]
    if not steps or type(steps[0]) is not ToTensor or any(type(s) is not Normalize for s in steps[1:]):
        return None
    ops = [batch.to_float] + [batch.Normalize(s.mean, s.std, channel_axis=1) for s in steps[1:]]
    return batch.Compose(ops)
