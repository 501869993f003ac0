"""``scratchgrad predict``: a trained run's top classes for an image or an array of images.

Inputs are brought to what the models trained on, float32 (N, C, H, W) in [0, 1], the way images are scaled
elsewhere, by dtype and range (``unit_range``); what cannot be brought there (NaN, negative pixels, a file that
is not an image) is refused with one line naming the file.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .parser import UsageError

# Pillow guesses a file's format from its content, whatever its name: an EPS file named .png would reach the EPS
# plugin, which runs Ghostscript. Only these formats are ever tried.
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF")


def predict_labels(model: Any, loader: Any) -> np.ndarray:
    """The predicted class of every sample a loader gives, (N,) ints; a loader with no batches is refused."""
    from ..autograd import no_grad
    from ..backend import to_numpy
    from ..data.loader import require_batches

    require_batches(loader, "the data to predict")
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
    """A PNG (JPEG, BMP, GIF, TIFF) or .npy file as float32 (N, C, H, W) in [0, 1], checked against the model's
    input shape (C, H, W). ``invert`` says the images are dark on light (MNIST's digits are light on dark).

    An image with transparency is first laid over its background: black, or white with ``invert``, so that the
    transparent part ends up as MNIST's black background either way (a black digit drawn on a transparent canvas
    needs ``invert``, as it would on white). A 16-bit grey PNG is scaled by its full range, 65535.
    """
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    array = _read_npy(path) if path.suffix.lower() == ".npy" else _read_picture(path, input_shape, invert)
    if array.size == 0:
        raise UsageError(f"{path} holds no images (an array of shape {array.shape})")
    scaled = unit_range(array, path)
    if scaled.ndim == 2:  # one grey image (H, W)
        scaled = scaled[None, None]
    elif scaled.ndim == 3:  # one image (C, H, W), or several grey ones (N, H, W) as MNIST stores them
        scaled = scaled[None] if scaled.shape == tuple(input_shape) else scaled[:, None]
    if scaled.shape[1:] != tuple(input_shape):
        expected = tuple(input_shape)
        raise UsageError(f"{path}: images of shape {scaled.shape[1:]} do not fit the model's input {expected}")
    return 1.0 - scaled if invert else scaled


def unit_range(array: np.ndarray, path: Path) -> np.ndarray:
    """Pixels as float32 in [0, 1], chosen by dtype and range:

    - integers (any width, signed or not) whose values all lie in 0..255 are 8-bit pixels: / 255;
    - larger non-negative integers are pixels of their dtype's full range (16-bit images): / the dtype's max;
    - floats already in [0, 1] are kept; floats in [0, 255] with some value above 1 are 8-bit pixels: / 255;
    - booleans are 0 and 1.
    NaN, inf, negative values and floats above 255 are refused: no scaling makes them pixels.
    """
    kind = array.dtype.kind
    if kind not in "biuf":
        raise UsageError(f"{path}: pixels of dtype {array.dtype} are not numbers; expected integers or floats")
    if kind == "f" and not np.isfinite(array).all():
        bad = int(np.size(array) - np.isfinite(array).sum())
        raise UsageError(f"{path} holds NaN or infinite values ({bad} of {array.size}); expected pixel values in "
                         "[0, 1] or 0..255")
    out = array.astype(np.float32)
    if kind == "b" or array.size == 0:
        return out
    low, high = array.min(), array.max()
    if low < 0 or (kind == "f" and high > 255):
        raise UsageError(f"{path}: values from {low} to {high} are not pixels; expected [0, 1] or 0..255")
    if kind in "iu" and high > 255:
        return out / np.float32(np.iinfo(array.dtype).max)
    return out / np.float32(255) if kind in "iu" or high > 1 else out


def _read_npy(path: Path) -> np.ndarray:
    try:
        # A memory map first: a header claiming more data than the file holds fails here, before any allocation.
        array = np.load(path, allow_pickle=False, mmap_mode="r")
    except (ValueError, OSError, EOFError) as exc:
        raise UsageError(f"{path} is not a readable .npy array: {exc}") from None
    if not isinstance(array, np.ndarray):  # np.load opens an .npz archive whatever its name
        raise UsageError(f"{path} is an .npz archive, not one .npy array")
    return np.array(array)


def _read_picture(path: Path, input_shape: tuple[int, ...], invert: bool) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:
        raise UsageError("reading images needs Pillow: pip install 'scratchgrad[image]'") from None
    c, h, w = input_shape
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that: both are refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as image:
                opaque = flatten_alpha(image, 255 if invert else 0)
                if opaque.mode.startswith("I"):  # 16-bit grey: converting to L would clip every value above 255
                    grey = np.asarray(opaque.convert("F").resize((w, h)), dtype=np.float32) / np.float32(65535)
                    return np.repeat(grey[None], c, axis=0)
                array = np.asarray(opaque.convert("L" if c == 1 else "RGB").resize((w, h)))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UsageError(f"{path}: {exc}") from None
    except Image.UnidentifiedImageError:
        raise UsageError(f"{path} is not an image in a format predict reads ({', '.join(IMAGE_FORMATS)})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # what Pillow raises for damaged files
        raise UsageError(f"{path} is a damaged or unreadable image: {exc}") from None
    return array[None] if c == 1 else array.transpose(2, 0, 1)


def flatten_alpha(image: Any, background: int) -> Any:
    """``image`` laid over a grey ``background`` (0..255) where it is transparent: colour = a * colour + (1 - a) *
    background, with a = alpha / 255. Images without transparency are returned as they are."""
    from PIL import Image

    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return image
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (background,) * 3 + (255,)), rgba).convert("RGB")
