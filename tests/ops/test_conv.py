"""ops/conv.py: the output-size formula, im2col / col2im, conv2d's forward and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, random_array, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchgrad.nn.functional as F
from scratchgrad import Tensor


@st.composite
def conv_geometry(draw, max_out: int = 3):
    """Kernel, stride, padding (each a (height, width) pair) and an input size the formula divides exactly."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    out = (draw(st.integers(1, max_out)), draw(st.integers(1, max_out)))
    # H = (OH - 1) * S + FH - 2P; padding must leave at least one real row and column.
    size = tuple(max((o - 1) * si + ki - 2 * pi, 1) for o, si, ki, pi in zip(out, s, k, p))
    size = tuple(h + (-(h + 2 * pi - ki)) % si for h, pi, ki, si in zip(size, p, k, s))
    return k, s, p, size


def reference_conv2d(x, w, b, stride, pad):
    """Cross-correlation by four nested loops: slow and obviously right."""
    n, c, h, wd = x.shape
    oc, _, fh, fw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh, ow = (h + 2 * pad[0] - fh) // stride[0] + 1, (wd + 2 * pad[1] - fw) // stride[1] + 1
    y = np.zeros((n, oc, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride[0] : i * stride[0] + fh, j * stride[1] : j * stride[1] + fw]
            y[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return y + b.reshape(1, -1, 1, 1)


@settings(max_examples=30, deadline=None)
@given(geometry=conv_geometry(), n=st.integers(1, 2), c=st.integers(1, 2), oc=st.integers(1, 3), seed=seeds)
def test_conv2d_matches_a_loop_reference_and_numerical_gradients(geometry, n, c, oc, seed):
    k, s, p, (h, w) = geometry
    x = random_array(seed, (n, c, h, w))
    weight = random_array(seed + 1, (oc, c) + k)
    bias = random_array(seed + 2, (oc,))
    y = F.conv2d(Tensor(x), Tensor(weight), Tensor(bias), stride=s, padding=p)
    np.testing.assert_allclose(y.data, reference_conv2d(x, weight, bias, s, p), rtol=1e-12, atol=1e-12)
    assert_gradients_match_numerical(lambda *a: F.conv2d(*a, stride=s, padding=p), x, weight, bias)


@pytest.mark.parametrize("layout", [(0, 1, 2, 3), (1, 2, 3, 0), (0, 2, 3, 1), (1, 0, 2, 3)])
def test_conv2d_gives_the_same_bits_for_any_memory_layout_of_its_input(layout):
    # Convolutions write batch-last memory and user images arrive row-major or channels-last; unfold copies
    # from whichever it gets, and the gradient comes back in the layout of the output.
    x = random_array(0, (3, 2, 6, 5)).astype(np.float32)
    weight, bias = random_array(1, (4, 2, 3, 3)).astype(np.float32), random_array(2, (4,)).astype(np.float32)
    stored = np.ascontiguousarray(x.transpose(layout)).transpose(np.argsort(layout))
    results = []
    for images in (x, stored):
        xt, wt, bt = (Tensor(a, requires_grad=True) for a in (images, weight, bias))
        y = F.conv2d(xt, wt, bt, padding=1)
        (y * y).sum().backward()
        results.append([y.data, xt.grad, wt.grad, bt.grad])
    for ours, reference in zip(*results):
        np.testing.assert_array_equal(ours, reference)


@settings(max_examples=40, deadline=None)
@given(geometry=conv_geometry(max_out=5))
def test_conv2d_output_size_is_the_number_of_window_positions(geometry):
    k, s, p, (h, w) = geometry
    y = F.conv2d(Tensor(np.zeros((1, 1, h, w))), Tensor(np.zeros((2, 1) + k)), stride=s, padding=p)
    # Counted, not computed by the formula: the top-left corners 0, S, 2S, ... whose window fits the padded image.
    rows = [i for i in range(0, h + 2 * p[0]) if i % s[0] == 0 and i + k[0] <= h + 2 * p[0]]
    cols = [j for j in range(0, w + 2 * p[1]) if j % s[1] == 0 and j + k[1] <= w + 2 * p[1]]
    assert y.shape == (1, 2, len(rows), len(cols))


def test_conv2d_shape_of_the_notes_example():
    x = Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))
    assert F.conv2d(x, Tensor(np.zeros((30, 1, 5, 5), dtype=np.float32))).shape == (2, 30, 24, 24)


def test_conv2d_size_that_does_not_divide_is_a_value_error_naming_h_fh_p_and_s():
    with pytest.raises(ValueError) as info:
        F.conv2d(Tensor(np.zeros((1, 1, 6, 7))), Tensor(np.zeros((1, 1, 3, 3))), stride=2)
    message = str(info.value)
    for part in ("H=6", "kernel=3", "padding=0", "stride=2", "2.5"):
        assert part in message, message


def test_conv2d_floor_mode_drops_the_remainder_as_pytorch_does():
    y = F.conv2d(Tensor(np.zeros((1, 1, 6, 6))), Tensor(np.zeros((1, 1, 3, 3))), stride=2, floor_mode=True)
    assert y.shape == (1, 1, 2, 2)


def test_conv2d_of_mismatched_channels_is_a_value_error_naming_both_shapes():
    with pytest.raises(ValueError) as info:
        F.conv2d(Tensor(np.zeros((1, 3, 5, 5))), Tensor(np.zeros((2, 1, 3, 3))))
    assert "(1, 3, 5, 5)" in str(info.value) and "(2, 1, 3, 3)" in str(info.value)


def test_conv2d_refuses_integer_images_and_float64_input_for_float32_weights():
    w = Tensor(np.zeros((2, 1, 3, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="uint8"):
        F.conv2d(Tensor(np.full((1, 1, 5, 5), 255, dtype=np.uint8)), w)
    with pytest.raises(TypeError, match=r"float64.*float32"):
        F.conv2d(Tensor(np.zeros((1, 1, 5, 5))), w)
    # A float64 bias would turn the whole output float64 (the bias rides in the GEMM): refused, as in PyTorch.
    with pytest.raises(TypeError, match=r"bias dtype float64 does not match weight dtype float32"):
        F.conv2d(Tensor(np.zeros((1, 1, 5, 5), dtype=np.float32)), w, Tensor(np.zeros(2)), stride=2)


def test_conv2d_keeps_float32():
    x, w, b = random_array(0, (2, 2, 5, 4)), random_array(1, (3, 2, 3, 2)), random_array(2, (3,))
    assert_keeps_float32(lambda *a: F.conv2d(*a, stride=1, padding=1), x, w, b)


# ---- im2col / col2im ---------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), fh=st.integers(1, 3), stride=st.integers(1, 2),
       pad=st.integers(0, 1), out=st.integers(1, 4), seed=seeds)
def test_col2im_is_the_exact_adjoint_of_im2col(n, c, fh, stride, pad, out, seed):
    h = max((out - 1) * stride + fh - 2 * pad, 1)
    h += (-(h + 2 * pad - fh)) % stride
    x = random_array(seed, (n, c, h, h))
    col = F.im2col(x, fh, fh, stride, pad)
    y = random_array(seed + 1, col.shape)
    # <im2col(x), y> == <x, col2im(y)>: col2im is im2col's transpose, which is what conv2d's backward needs.
    np.testing.assert_allclose(np.vdot(col, y), np.vdot(x, F.col2im(y, x.shape, fh, fh, stride, pad)), rtol=1e-12)


def test_im2col_has_one_row_per_output_pixel_as_in_the_notes():
    assert F.im2col(np.zeros((1, 3, 7, 7)), 5, 5, stride=1, pad=0).shape == (9, 75)
    assert F.im2col(np.zeros((10, 3, 7, 7)), 5, 5, stride=1, pad=0).shape == (90, 75)


def test_im2col_rows_are_the_windows_in_c_fh_fw_order():
    x = np.arange(2 * 4 * 4, dtype=np.float64).reshape(1, 2, 4, 4)
    col = F.im2col(x, 2, 2, stride=2, pad=0)
    np.testing.assert_array_equal(col[1], x[0, :, 0:2, 2:4].reshape(-1))
    np.testing.assert_array_equal(col[2], x[0, :, 2:4, 0:2].reshape(-1))
