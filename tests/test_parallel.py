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

    barrier = threading.Barrier(3, timeout=5)

    def work(part: slice) -> None:
        seen.append(part)
        threads.add(threading.get_ident())
        barrier.wait()  # every part waits for the others, so no thread can run two of them

    parallel.split_work(work, 10, np.empty(10))
    covered = sorted(i for part in seen for i in range(10)[part])
    assert covered == list(range(10)) and len(seen) == 3
    assert len(threads) == 3  # the caller's thread and two of the pool's


def test_split_work_reraises_a_parts_exception():
    def work(part: slice) -> None:
        raise ValueError(f"part {part.start}")

    with pytest.raises(ValueError, match="part"):
        parallel.split_work(work, 4, np.empty(4))


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


@pytest.mark.parametrize(("length", "work"), [(57_600, 43_200_000), (4_320, 43_200_000), (300, 2**22), (130, 2**30)])
def test_blocks_cover_the_axis_on_aligned_boundaries(length, work):
    parts = parallel.blocks(length, work)
    assert [i for part in parts for i in range(length)[part]] == list(range(length))
    assert 1 <= len(parts) <= parallel.MAX_BLOCKS
    assert all(part.start % 64 == 0 for part in parts)


def _products(monkeypatch, threads: str, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list]:
    """parallel.matmul(a, b) under a thread count, with every BLAS call it made (operand shapes and offsets)."""
    calls, real = [], np.matmul

    def recording(x, y, *args, **kwargs):
        calls.append((x.shape, y.shape, x.__array_interface__["data"][0] - a.__array_interface__["data"][0],
                      y.__array_interface__["data"][0] - b.__array_interface__["data"][0]))
        return real(x, y, *args, **kwargs)

    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", threads)
    monkeypatch.setattr(parallel.np, "matmul", recording)
    try:
        return parallel.matmul(a, b), sorted(calls)
    finally:
        monkeypatch.setattr(parallel.np, "matmul", real)


# The bits may differ from CPU to CPU (OpenBLAS picks its kernels by CPU, and some round a column differently by
# the width of the panel around it), so what must hold everywhere is that the thread count never changes which
# products are computed: the same calls on the same operand blocks, whichever threads run them.
@pytest.mark.parametrize(("m", "k", "n"), [(30, 25, 57_600), (100, 100, 4_320), (4_320, 100, 100), (30, 57_600, 26)])
def test_the_thread_count_never_changes_which_products_are_computed(monkeypatch, m, k, n):
    if parallel._find_openblas() is None:
        pytest.skip("NumPy here does not use OpenBLAS: parallel.matmul is plain a @ b")
    rng = np.random.default_rng(2)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    one, one_calls = _products(monkeypatch, "1", a, b)
    for threads in ("2", "3", "5"):
        out, calls = _products(monkeypatch, threads, a, b)
        assert calls == one_calls
        np.testing.assert_array_equal(out, one)


def test_simple_convnet_adam_steps_end_with_the_same_weights_for_any_thread_count(monkeypatch):
    from scratchgrad import manual_seed, models, optim

    rng = np.random.default_rng(3)
    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    t = rng.integers(0, 10, 64)
    finals = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", threads)
        manual_seed(0)
        model = models.get("simple_convnet")
        opt = optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(model(Tensor(x)), t).backward()
            opt.step()
        finals.append({name: p.data.copy() for name, p in model.named_parameters()})
    for other in finals[1:]:
        for name, value in finals[0].items():
            np.testing.assert_array_equal(other[name], value, err_msg=name)


def test_split_work_runs_an_array_of_another_kind_whole(monkeypatch):
    """A CuPy array (a tensor on a GPU) is not cut into parts: its kernels are parallel already."""
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "3")
    seen = []
    parallel.split_work(seen.append, 10, like=[0.0] * 10)  # anything but a NumPy array
    assert seen == [slice(0, 10)]
