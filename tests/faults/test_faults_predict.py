"""``scratchgrad predict``: inputs scaled by dtype and range, transparency laid over the background, and one
line with exit status 2 (no traceback) for every input that is not an image."""

from __future__ import annotations

import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from scratchgrad.cli import read_images
from scratchgrad.cli.parser import UsageError
from scratchgrad.data import MNIST


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    test = MNIST(train=False)
    return np.asarray(test.data[:8]), np.asarray(test.targets[:8])


def ranked(cli, trained_run, path, *flags: str) -> list[str]:
    """Each image's top three as printed, "7 (93.1%), 9 (3.0%), 2 (1.2%)", without the file name."""
    code, out, err = cli("predict", trained_run, path, *flags)
    assert code == 0, err
    return [line.split(": ")[1] for line in out.splitlines()]


def top_classes(cli, trained_run, path, *flags: str) -> list[int]:
    return [int(line.split()[0]) for line in ranked(cli, trained_run, path, *flags)]


def refused_input(refused, trained_run, path) -> str:
    err = refused("predict", trained_run, path)
    assert str(path) in err
    return err


# ---- scaling by dtype and range ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.int32, np.float32, np.float64])
def test_eight_bit_pixels_in_any_dtype_scale_as_uint8_does(tmp_path, digits, dtype):
    images = digits[0]
    np.save(tmp_path / "u8.npy", images)
    np.save(tmp_path / "other.npy", images.astype(dtype))
    expected = read_images(tmp_path / "u8.npy", (1, 28, 28))
    np.testing.assert_allclose(read_images(tmp_path / "other.npy", (1, 28, 28)), expected, atol=1e-7)
    assert expected.max() == 1.0 and expected.min() == 0.0


def test_sixteen_bit_pixels_scale_by_the_dtype_max(tmp_path, digits):
    np.save(tmp_path / "u16.npy", digits[0].astype(np.uint16) * 257)  # 0..255 -> 0..65535
    np.testing.assert_allclose(read_images(tmp_path / "u16.npy", (1, 28, 28)), digits[0][:, None] / 255, atol=1e-6)


def test_a_sixteen_bit_png_scales_by_its_full_range(tmp_path, digits):
    Image.fromarray(digits[0][0].astype(np.uint16) * 257).save(tmp_path / "deep.png")  # 0..255 -> 0..65535
    with Image.open(tmp_path / "deep.png") as image:
        assert image.mode == "I;16"
    np.testing.assert_allclose(read_images(tmp_path / "deep.png", (1, 28, 28))[0, 0], digits[0][0] / 255, atol=1e-6)
    np.testing.assert_allclose(read_images(tmp_path / "deep.png", (3, 28, 28))[0, 2], digits[0][0] / 255, atol=1e-6)


def test_floats_in_the_unit_range_are_kept(tmp_path, rng):
    x = rng.random((2, 28, 28))
    np.save(tmp_path / "unit.npy", x)
    np.testing.assert_allclose(read_images(tmp_path / "unit.npy", (1, 28, 28)), x[:, None], rtol=1e-6)


def test_wide_dtypes_predict_as_uint8_does(trained_run, tmp_path, digits, cli):
    np.save(tmp_path / "u8.npy", digits[0])
    np.save(tmp_path / "i64.npy", digits[0].astype(np.int64))
    np.save(tmp_path / "f255.npy", digits[0].astype(np.float32))
    expected = ranked(cli, trained_run, tmp_path / "u8.npy")
    assert (np.array([int(r.split()[0]) for r in expected]) == digits[1]).mean() >= 0.75
    assert "100.0%" not in " ".join(expected)  # what unscaled 0..255 inputs gave
    assert ranked(cli, trained_run, tmp_path / "i64.npy") == expected
    assert ranked(cli, trained_run, tmp_path / "f255.npy") == expected


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.full((28, 28), np.nan, np.float32), r"holds NaN or infinite values \(784 of 784\)"),
        (np.where(np.eye(28) > 0, np.inf, 0.0), r"holds NaN or infinite values \(28 of 784\)"),
        (np.full((28, 28), -1, np.int64), "values from -1 to -1 are not pixels"),
        (np.full((28, 28), 300.0), r"values from 300.0 to 300.0 are not pixels; expected \[0, 1\] or 0..255"),
        (np.zeros((28, 28), np.complex64), "pixels of dtype complex64 are not numbers"),
        (np.zeros((0, 28, 28), np.uint8), r"holds no images \(an array of shape \(0, 28, 28\)\)"),
    ],
)
def test_arrays_that_are_not_pixels_are_refused_in_one_line(trained_run, tmp_path, refused, array, message):
    np.save(tmp_path / "bad.npy", array)
    assert re.search(message, refused_input(refused, trained_run, tmp_path / "bad.npy"))


def test_an_empty_npy_file_is_refused_in_one_line(trained_run, tmp_path, refused):
    (tmp_path / "empty.npy").write_bytes(b"")
    assert "is not a readable .npy array" in refused_input(refused, trained_run, tmp_path / "empty.npy")


def test_an_npy_header_claiming_more_than_the_file_holds_is_refused_before_allocating(trained_run, tmp_path, refused):
    header = b"{'descr': '|u1', 'fortran_order': False, 'shape': (10000000, 28, 28), }"
    header += b" " * (117 - len(header)) + b"\n"
    (tmp_path / "claims.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"x" * 64)
    assert "is not a readable .npy array" in refused_input(refused, trained_run, tmp_path / "claims.npy")


# ---- images: transparency, formats, damage, bombs ------------------------------------------------------------
def test_transparency_is_laid_over_the_background_numerically(tmp_path):
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[..., 3] = 128  # half covered: 200 * 128/255 + background * 127/255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "half.png")
    on_black = read_images(tmp_path / "half.png", (1, 28, 28))
    on_white = 1 - read_images(tmp_path / "half.png", (1, 28, 28), invert=True)
    np.testing.assert_allclose(on_black, 200 * 128 / 255 / 255, atol=1.5 / 255)
    np.testing.assert_allclose(on_white, (200 * 128 + 255 * 127) / 255 / 255, atol=1.5 / 255)


def test_a_black_digit_on_a_transparent_canvas_reads_as_the_digit(tmp_path, digits):
    digit = digits[0][0]
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = digit  # black ink whose coverage is the digit; fully transparent elsewhere
    Image.fromarray(rgba, "RGBA").save(tmp_path / "drawn.png")
    np.testing.assert_allclose(read_images(tmp_path / "drawn.png", (1, 28, 28), invert=True)[0, 0], digit / 255,
                               atol=1.5 / 255)


def test_a_white_digit_on_a_transparent_canvas_reads_as_the_digit(tmp_path, digits):
    digit = digits[0][0]
    rgba = np.full((28, 28, 4), 255, np.uint8)
    rgba[..., 3] = digit
    Image.fromarray(rgba, "RGBA").save(tmp_path / "drawn.png")
    np.testing.assert_allclose(read_images(tmp_path / "drawn.png", (1, 28, 28))[0, 0], digit / 255, atol=1.5 / 255)


def test_drawn_black_on_transparent_digits_predict_as_the_digits(trained_run, tmp_path, digits, cli):
    expected = []
    for i, digit in enumerate(digits[0]):
        rgba = np.zeros((28, 28, 4), np.uint8)
        rgba[..., 3] = digit
        Image.fromarray(rgba, "RGBA").save(tmp_path / f"drawn{i}.png")
        expected += top_classes(cli, trained_run, tmp_path / f"drawn{i}.png", "--invert")
    np.save(tmp_path / "digits.npy", digits[0])
    assert expected == top_classes(cli, trained_run, tmp_path / "digits.npy")
    assert (np.array(expected) == digits[1]).mean() >= 0.75


def test_a_file_that_is_not_an_image_is_refused_in_one_line(trained_run, tmp_path, refused):
    (tmp_path / "notes.png").write_text("these are not pixels\n")
    err = refused_input(refused, trained_run, tmp_path / "notes.png")
    assert "is not an image in a format predict reads (PNG, JPEG" in err


def test_an_empty_png_is_refused_in_one_line(trained_run, tmp_path, refused):
    (tmp_path / "empty.png").write_bytes(b"")
    assert "is not an image" in refused_input(refused, trained_run, tmp_path / "empty.png")


def test_a_truncated_png_is_refused_in_one_line(trained_run, tmp_path, refused, digits):
    Image.fromarray(digits[0][0]).save(tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    assert "damaged or unreadable image" in refused_input(refused, trained_run, tmp_path / "cut.png")


def test_an_eps_file_named_png_never_reaches_pillows_eps_plugin(trained_run, tmp_path, refused):
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\nshowpage\n"
    (tmp_path / "figure.png").write_bytes(eps)
    with Image.open(tmp_path / "figure.png") as image:  # unrestricted, Pillow would take it as EPS
        assert image.format == "EPS"
    assert "is not an image in a format predict reads" in refused_input(refused, trained_run, tmp_path / "figure.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height grey pixels, with one tiny IDAT: Pillow reads the size first."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [15000, 10000])  # above twice Pillow's limit (its error), above it (its warning)
def test_a_decompression_bomb_is_refused_in_one_line(trained_run, tmp_path, refused, side):
    (tmp_path / "bomb.png").write_bytes(_png_header_only(side, side))
    err = refused_input(refused, trained_run, tmp_path / "bomb.png")
    assert f"Image size ({side * side} pixels) exceeds limit" in err


def test_read_images_raises_usage_error_for_a_missing_file(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        read_images(tmp_path / "missing.png", (1, 28, 28))
