"""CIFAR-10 python batches built to attack the unpickler: each ends in one DatasetError line naming the file, in a
child process that must exit normally (no segfault) within a bounded peak memory."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from isolated import assert_refused, run_isolated
from pickle_attacks import ATTACKS

from scratchgrad.data import DatasetError, read_python_batch


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_is_refused_in_one_line_without_a_crash(tmp_path, name):
    data, fragment = ATTACKS[name]
    path = tmp_path / "data_batch_1"
    path.write_bytes(data)
    outcome = run_isolated(f"read_python_batch({str(path)!r})", "from scratchgrad.data import read_python_batch")
    assert_refused(outcome, str(path), fragment, max_mib=300)


def test_attacks_are_small_files():
    assert max(len(data) for data, _ in ATTACKS.values()) < 210_000
    assert len(ATTACKS["object array over bytes from the file"][0]) < 400


@pytest.mark.parametrize("entry", ["CIFAR10(root={root!r})", "load_cifar10(root={root!r})", "CIFAR10()"])
def test_every_way_in_reaches_the_same_reader(tmp_path, entry):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for stem in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / stem).write_bytes(ATTACKS["object array over bytes from the file"][0])
    env = {"SCRATCHGRAD_DATA": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    outcome = run_isolated(entry.format(root=str(tmp_path)), "from scratchgrad.data import CIFAR10, load_cifar10",
                           env=env)
    assert_refused(outcome, "data_batch_1: is not a safe CIFAR-10 batch", max_mib=300)


def test_the_command_line_gives_one_line_and_status_2(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for stem in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / stem).write_bytes(ATTACKS["object array over bytes from the file"][0])
    done = subprocess.run([sys.executable, "-m", "scratchgrad", "train", "--dataset", "cifar10", "--data-root",
                           str(tmp_path), "--out", str(tmp_path / "run"), "--epochs", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "data_batch_1: is not a safe CIFAR-10 batch" in done.stderr
    assert done.stderr.strip().count("\n") == 0  # one line, no traceback


def _batch(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"training batch 1 of 5", b"labels": rng.integers(0, 10, n).tolist(),
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [f"img_{i}.png".encode() for i in range(n)]}


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_batch_pickled_by_numpy_still_loads(tmp_path, protocol):
    batch = _batch(50, seed=protocol)
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(batch, protocol=protocol))
    rows, labels = read_python_batch(path)
    np.testing.assert_array_equal(rows, batch[b"data"])
    assert labels.dtype == np.int64 and labels.tolist() == batch[b"labels"]
    assert rows.flags.writeable


def test_a_full_size_batch_loads_within_a_few_times_its_size(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(_batch(10_000), protocol=2))  # the published layout's size: 30.7 MB of pixels
    outcome = run_isolated(f"rows, labels = read_python_batch({str(path)!r})\n    print(rows.shape, len(labels))",
                           "from scratchgrad.data import read_python_batch")
    assert outcome.returncode == 0 and outcome.message == "(10000, 3072) 10000\nloaded", outcome.message
    assert outcome.peak_mib < 400


def test_keys_beyond_a_batchs_are_refused(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({**_batch(2), b"extra": 1}, protocol=2))
    with pytest.raises(DatasetError, match=r"data_batch_1: is not a safe CIFAR-10 batch: holds keys .*'extra'"):
        read_python_batch(path)
