"""ops/shape.py: reshape, flatten, transpose, indexing, concat, stack and broadcast_to."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_keeps_float32, random_array

from scratchgrad import Tensor
from scratchgrad.ops import shape as ops

SHAPE_OPS = {
    "reshape": (lambda t: t.reshape(-1, 2), (3, 2, 2)),
    "flatten": (lambda t: ops.flatten(t, 1), (2, 3, 2)),
    "transpose": (lambda t: t.T, (2, 3, 4)),
    "transpose_axes": (lambda t: t.transpose(2, 0, 1), (2, 3, 4)),
    "transpose_negative_axes": (lambda t: t.transpose(0, -1, 1), (2, 3, 4)),
    "getitem_slice": (lambda t: t[1:, ::2], (3, 5)),
    "getitem_int_and_none": (lambda t: t[1, None, :], (3, 4)),
    "getitem_repeated_index": (lambda t: t[np.array([0, 2, 0, 0])], (3, 2)),
    "getitem_mask": (lambda t: t[t.data > 0], (3, 4)),
    "broadcast_to": (lambda t: ops.broadcast_to(t, (4, 2, 3)), (2, 1)),
    "concat": (lambda t: ops.concat([t, t * 2, t[:1]], axis=0), (2, 3)),
    "concat_axis1": (lambda t: ops.concat([t, t[:, :1]], axis=1), (2, 3)),
    "stack": (lambda t: ops.stack([t, t * 3], axis=1), (2, 3)),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_gradient_matches_numerical(name):
    fn, shape = SHAPE_OPS[name]
    assert_gradients_match_numerical(fn, random_array(0, shape))


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_keeps_float32(name):
    fn, shape = SHAPE_OPS[name]
    assert_keeps_float32(fn, random_array(0, shape))


def test_shape_ops_give_numpy_shapes():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.reshape(4, 6).shape == (4, 6)
    assert ops.flatten(x, 1).shape == (2, 12)
    assert x.transpose(0, -1, 1).shape == (2, 4, 3)
    assert ops.concat([x, x], axis=-1).shape == (2, 3, 8)
    assert ops.stack([x, x], axis=0).shape == (2, 2, 3, 4)
    np.testing.assert_array_equal(x.transpose(0, -1, 1).data, x.data.transpose(0, 2, 1))


def test_repeated_index_accumulates_its_gradient():
    x = Tensor(np.zeros(3), requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_bad_reshape_and_concat_are_value_errors_naming_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        Tensor(np.ones((2, 3))).reshape(4, 2)
    with pytest.raises(ValueError, match=r"\(2, 3\), \(2, 4\)"):
        ops.concat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))], axis=0)
