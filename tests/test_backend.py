"""backend: thread splitting gives the same numbers for any thread count; bad settings are clear errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import scratchgrad.nn.functional as F
from scratchgrad import Tensor, backend


def test_split_work_covers_the_range_once_in_disjoint_parts(monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "3")
    seen, threads = [], set()

    def work(part: slice) -> None:
        seen.append(part)
        threads.add(threading.get_ident())

    backend.split_work(work, 10)
    covered = sorted(i for part in seen for i in range(10)[part])
    assert covered == list(range(10)) and len(seen) == 3
    assert len(threads) >= 1


def test_split_work_reraises_a_parts_exception():
    def work(part: slice) -> None:
        raise ValueError(f"part {part.start}")

    with pytest.raises(ValueError, match="part"):
        backend.split_work(work, 4)


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_names_the_variable_and_the_value(monkeypatch, value):
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", value)
    with pytest.raises(ValueError, match=f"SCRATCHGRAD_NUM_THREADS must be a whole number >= 1; received '{value}'"):
        backend.num_threads()


def _pool_and_conv(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = Tensor(rng.integers(-2, 3, size=(4, 6, 8, 8)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((5, 6, 3, 3)).astype(np.float32), requires_grad=True)
    y = F.max_pool2d(F.conv2d(x, w, padding=1), 3, 2, 1)
    (y * Tensor(rng.standard_normal(y.shape).astype(np.float32))).sum().backward()
    return [y.data, x.grad, w.grad]


def test_one_thread_and_several_give_identical_results(monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "1")
    one = _pool_and_conv(0)
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "4")
    several = _pool_and_conv(0)
    for a, b in zip(one, several):
        np.testing.assert_array_equal(a, b)
