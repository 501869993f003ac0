"""Known files are checked against their published checksums when first used in a process, wherever scratchgrad
looks for them on its own (the cache, the embedded copy, the fallbacks); files where the user points are theirs."""

import importlib
import os
import shutil
import time

import numpy as np
import pytest
from datafiles import write_cifar

from scratchgrad.data import CIFAR10, MNIST, DatasetError, sources, verify, write_idx

download_module = importlib.import_module("scratchgrad.data.download")  # the name `download` is the function


def _plant_tiny_mnist(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 3), ("t10k", 3)):
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.zeros((n, 28, 28), np.uint8))
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", np.zeros(n, np.uint8))


def test_a_tiny_mnist_planted_in_the_cache_is_refused_with_both_digests(isolated_data_dirs):
    _plant_tiny_mnist(isolated_data_dirs / "mnist")
    expected = MNIST.resources["test"][0].content_sha256
    with pytest.raises(DatasetError, match=rf"mnist/t10k-images-idx3-ubyte.gz: checksum mismatch: sha256 of the "
                                           rf"decompressed content expected {expected}, received [0-9a-f]{{64}}\."):
        MNIST(train=False, download=True)


def test_the_published_files_in_the_cache_load(isolated_data_dirs):
    shutil.copytree(sources.EMBEDDED / "mnist", isolated_data_dirs / "mnist")
    assert len(MNIST(train=False)) == 10_000


def test_a_user_named_folder_is_used_as_given(tmp_path, monkeypatch):
    _plant_tiny_mnist(tmp_path / "mine")
    assert len(MNIST(root=tmp_path / "mine", train=False)) == 3
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "mine"))
    assert len(MNIST(train=False)) == 3


def test_a_file_changed_after_its_first_use_is_checked_again(isolated_data_dirs):
    shutil.copytree(sources.EMBEDDED / "mnist", isolated_data_dirs / "mnist")
    MNIST(train=False)
    path = isolated_data_dirs / "mnist" / "t10k-labels-idx1-ubyte.gz"
    write_idx(path, np.zeros(10_000, np.uint8))
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz: checksum mismatch"):
        MNIST(train=False)


def test_the_verdict_is_kept_so_a_second_load_hashes_nothing(monkeypatch):
    MNIST(train=False)  # the embedded copy: hashed once in this process at most
    calls = []
    monkeypatch.setattr(download_module, "hash_file", lambda *a: calls.append(a) or {})
    MNIST(train=False)
    assert calls == []


def test_checking_the_embedded_copy_costs_little():
    download_module._VERDICTS.clear()
    start = time.perf_counter()
    for split in ("train", "test"):
        for remote in MNIST.resources[split]:
            verify(sources.EMBEDDED / "mnist" / remote.name, remote)
    assert time.perf_counter() - start < 0.25  # one sha256 of 11 MB stored bytes; decompressing would take 0.15 s


def test_a_cifar_batch_in_the_cache_must_match_its_published_md5(isolated_data_dirs):
    write_cifar(isolated_data_dirs, "python", n=2)
    with pytest.raises(DatasetError, match="test_batch: checksum mismatch: md5 expected 40351d587109b95175f43aff81a"):
        CIFAR10(train=False)
    assert len(CIFAR10(root=isolated_data_dirs, train=False)) == 2  # named by the user: used as given
