"""Batch transforms: each takes a whole batch of images (B, C, H, W) as a NumPy array and returns one.

They run on a batch at a time inside ``DataLoader`` (``transform=`` for images, ``target_transform=`` for
labels), never on the whole dataset, so uint8 data stays uint8 in memory. Any callable ``f(batch) -> batch``
serves as a transform; the random ones own a generator and report its state, so a run resumes exactly.

Example (the usual CIFAR-10 training pipeline)::

    train = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    loader = DataLoader(CIFAR10(), 128, shuffle=True, transform=train)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import backend


def _float_dtype(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else backend.get_default_dtype()


def to_float(x: np.ndarray, dtype: Any = None) -> np.ndarray:
    """Integer pixels 0..255 -> floats in [0, 1] (``x / 255``, as the notes' ``normalize=True``); floats cast only.

    ``dtype`` defaults to scratchgrad's default (float32). Example: ``to_float(np.array([0, 255], np.uint8))``
    is ``array([0., 1.], dtype=float32)``.
    """
    out = np.asarray(x).astype(_float_dtype(dtype), order="C")
    if np.asarray(x).dtype.kind in "ui":
        out /= 255
    return out


def one_hot(labels: Any, num_classes: int, dtype: Any = None) -> np.ndarray:
    """Int labels (N,) -> one-hot rows (N, num_classes) of the default float dtype.

    Example: ``one_hot([2, 0], 3)`` is ``[[0, 0, 1], [1, 0, 0]]``.
    """
    labels = np.asarray(labels)
    if labels.size and (labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: labels must be integers in 0..{num_classes - 1}; received {labels.dtype} "
                         f"values from {labels.min()} to {labels.max()}")
    out = np.zeros((*labels.shape, num_classes), dtype=_float_dtype(dtype))
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out


class ToFloat:
    """``to_float`` as a transform: uint8 (B, ...) -> float32 in [0, 1]. What ``DataLoader(scale=True)`` applies."""

    def __init__(self, dtype: Any = None):
        self.dtype = dtype

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return to_float(x, self.dtype)


class OneHot:
    """Labels (B,) -> one-hot rows (B, num_classes); a ``target_transform``."""

    def __init__(self, num_classes: int):
        self.num_classes = num_classes

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return one_hot(t, self.num_classes)


class Flatten:
    """(B, C, H, W) -> (B, C * H * W), the rows an MLP (``nn.Linear``) takes."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1)


class ToChannelsLast:
    """(B, C, H, W) -> (B, H, W, C), as Keras and image libraries lay images out."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


class ToChannelsFirst:
    """(B, H, W, C) -> (B, C, H, W), the layout of ``nn.Conv2d``."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def channel_stats(images: np.ndarray, channel_axis: int | None = -1, chunk: int = 1000) -> tuple[np.ndarray, ...]:
    """Per-channel mean and std of ``images`` on the [0, 1] scale (uint8 is divided by 255), for ``Normalize``.

    ``channel_axis`` is -1 for channels-last ``CIFAR10().data``, 1 for (N, C, H, W), None for grayscale
    (N, H, W). Works through ``chunk`` images at a time, so no float copy of the whole set is made.

    Example: ``channel_stats(MNIST().data, None)`` is about ``(array([0.1307]), array([0.3081]))``.
    """
    x = np.asarray(images)
    x = x[..., None] if channel_axis is None else np.moveaxis(x, channel_axis, -1)
    total = np.zeros(x.shape[-1])
    squares = np.zeros(x.shape[-1])
    for start in range(0, len(x), chunk):
        part = x[start : start + chunk].reshape(-1, x.shape[-1]).astype(np.float64)
        total += part.sum(axis=0)
        squares += np.square(part).sum(axis=0)
    count = x.size // x.shape[-1]
    mean = total / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    scale = 255.0 if x.dtype.kind in "ui" else 1.0
    return mean / scale, std / scale


class Normalize:
    """Standardise each channel: ``(x - mean[c]) / std[c]`` over (B, C, H, W) (or (B, H, W, C) with -1).

    ``mean`` and ``std`` are on the scale of the batch (the [0, 1] scale after ``ToFloat``); ``channel_stats``
    computes them from a training set. Example: ``Normalize([0.1307], [0.3081])`` for MNIST.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], channel_axis: int = 1):
        self.mean, self.std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        if self.mean.shape != self.std.shape or self.mean.ndim != 1 or (self.std <= 0).any():
            raise ValueError(f"Normalize: mean and std must be equal-length lists, std > 0; received mean "
                             f"{self.mean.tolist()} and std {self.std.tolist()}")
        self.channel_axis = channel_axis

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = x if x.dtype.kind == "f" else to_float(x)
        shape = [1] * x.ndim
        shape[self.channel_axis] = len(self.mean)
        mean, std = self.mean.reshape(shape).astype(x.dtype), self.std.reshape(shape).astype(x.dtype)
        return (x - mean) / std


class RandomTransform:
    """A transform that draws from its own generator, seeded by ``seed`` or, when None, by ``sg.manual_seed``.

    ``state_dict()`` / ``load_state_dict()`` save and restore the generator, so a resumed run draws the same
    crops and flips it would have drawn.
    """

    def __init__(self, seed: int | None = None):
        if seed is None:  # drawn from scratchgrad's generator, so sg.manual_seed makes it reproducible
            seed = int(backend.rng().integers(0, 2**63 - 1))
        self.rng = np.random.default_rng(seed)

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]


class RandomCrop(RandomTransform):
    """Pad each image by ``padding`` zeros on every side, then cut a ``size`` x ``size`` window at random.

    Shapes: (B, C, H, W) -> (B, C, size, size); each image gets its own offset, all cut in one gather.
    Example: ``RandomCrop(32, padding=4)`` on CIFAR-10 shifts each image by up to 4 pixels.
    """

    def __init__(self, size: int, padding: int = 0, seed: int | None = None):
        super().__init__(seed)
        self.size, self.padding = size, padding

    def __call__(self, x: np.ndarray) -> np.ndarray:
        p = self.padding
        padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        room_h, room_w = padded.shape[2] - self.size, padded.shape[3] - self.size
        if room_h < 0 or room_w < 0:
            raise ValueError(f"RandomCrop: a {self.size} x {self.size} crop does not fit images of "
                             f"{x.shape[2]} x {x.shape[3]} padded by {p}")
        n = len(x)
        top, left = self.rng.integers(0, room_h + 1, size=n), self.rng.integers(0, room_w + 1, size=n)
        windows = np.lib.stride_tricks.sliding_window_view(padded, (self.size, self.size), axis=(2, 3))
        # windows is (B, C, room_h + 1, room_w + 1, size, size); pick window (top[i], left[i]) of image i.
        return windows[np.arange(n), :, top, left]


class RandomHorizontalFlip(RandomTransform):
    """Mirror each image left-right with probability ``p``; (B, C, H, W) -> same shape."""

    def __init__(self, p: float = 0.5, seed: int | None = None):
        super().__init__(seed)
        self.p = p

    def __call__(self, x: np.ndarray) -> np.ndarray:
        flip = self.rng.random(len(x)) < self.p
        return np.where(flip.reshape(-1, *[1] * (x.ndim - 1)), x[..., ::-1], x)


class Compose:
    """Apply ``transforms`` in order: ``Compose([RandomCrop(32, 4), Normalize(m, s)])(x)``."""

    def __init__(self, transforms: Sequence[Callable[[np.ndarray], np.ndarray]]):
        self.transforms = list(transforms)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for transform in self.transforms:
            x = transform(x)
        return x

    def state_dict(self) -> dict[str, Any]:
        return {"transforms": [t.state_dict() if hasattr(t, "state_dict") else None for t in self.transforms]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for transform, sub in zip(self.transforms, state["transforms"]):
            if sub is not None:
                transform.load_state_dict(sub)
