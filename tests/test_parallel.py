"""parallel: thread splitting gives the same numbers for any thread count; bad settings are clear errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import scratchgrad.nn.functional as F
from scratchgrad import Tensor, parallel


def test_split_work_covers_the_range_once_in_disjoint_parts(monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "3")
    seen, threads = [], set()

    def work(part: slice) -> None:
        seen.append(part)
        threads.add(threading.get_ident())

    parallel.split_work(work, 10)
    covered = sorted(i for part in seen for i in range(10)[part])
    assert covered == list(range(10)) and len(seen) == 3
    assert len(threads) >= 1


def test_split_work_reraises_a_parts_exception():
    def work(part: slice) -> None:
        raise ValueError(f"part {part.start}")

    with pytest.raises(ValueError, match="part"):
        parallel.split_work(work, 4)


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_names_the_variable_and_the_value(monkeypatch, value):
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", value)
    with pytest.raises(ValueError, match=f"SCRATCHGRAD_NUM_THREADS must be a whole number >= 1; received '{value}'"):
        parallel.num_threads()


def _pool_and_conv(seed: int, x_shape: tuple, w_shape: tuple) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = Tensor(rng.integers(-2, 3, size=x_shape).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal(w_shape).astype(np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal(w_shape[0]).astype(np.float32), requires_grad=True)
    y = F.max_pool2d(F.conv2d(x, w, b, padding=1), 3, 2, 1)
    h = F.linear(y.reshape(len(y.data), -1), Tensor(rng.standard_normal((300, y.data[0].size)).astype(np.float32)))
    (h * Tensor(rng.standard_normal(h.shape).astype(np.float32))).sum().backward()
    return [h.data, x.grad, w.grad, b.grad]


# Small ones run whole; the larger ones are big enough for parallel.matmul to split the products (by output
# columns, by rows, and over the shared axis for SimpleConvNet-like weight gradients).
@pytest.mark.parametrize(
    ("x_shape", "w_shape"),
    [((4, 6, 8, 8), (5, 6, 3, 3)), ((16, 1, 28, 28), (30, 1, 5, 5)), ((8, 16, 16, 16), (32, 16, 3, 3))],
)
def test_one_thread_and_several_give_identical_results(monkeypatch, x_shape, w_shape):
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "1")
    one = _pool_and_conv(0, x_shape, w_shape)
    for threads in ("2", "3"):
        monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", threads)
        for a, b in zip(one, _pool_and_conv(0, x_shape, w_shape)):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("m", "k", "n"), [(30, 57_600, 26), (100, 4_320, 100), (64, 577, 8_000), (600, 300, 40)])
def test_split_matmul_agrees_with_numpy(m, k, n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((n, k)).astype(np.float32).T  # transposed operands, as the ops pass them
    np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((8, 30, 300), (8, 300, 200)), ((30, 300), (8, 300, 200)), ((8, 300, 200), (200, 30)), ((3, 4), (4, 5))],
    ids=str,
)
def test_stacked_and_small_products_agree_with_numpy(a_shape, b_shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=1e-4, atol=1e-3)


def test_matmul_gives_openblas_its_thread_count_back():
    blas = parallel._find_openblas()
    if blas is None:
        pytest.skip("NumPy here does not use OpenBLAS")
    before = blas[1]()
    parallel.matmul(np.ones((64, 600), np.float32), np.ones((600, 300), np.float32))
    assert blas[1]() == before
