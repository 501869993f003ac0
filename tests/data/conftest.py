"""Fixtures for the data tests: real data parsed once per session, a local server (tests/conftest.py isolates the
user's data folders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from datafiles import LocalServer

from scratchgrad.data import MNIST, FashionMNIST


@pytest.fixture(scope="session")
def mnist():
    """The embedded MNIST (tests/conftest.py hides the user's copies), parsed once per session: {"train", "test"}."""
    return {"train": MNIST(train=True), "test": MNIST(train=False)}


def _fashion_dir(shared_root: Path | None) -> Path | None:
    for folder in ([shared_root / "fashion-mnist"] if shared_root else []) + list(FashionMNIST.fallbacks):
        if (folder / "train-images-idx3-ubyte.gz").is_file():
            return folder
    return None


@pytest.fixture(scope="session")
def fashion_dir(request) -> Path:
    """The real Fashion-MNIST files: ../shared/data/fashion-mnist or Debian's; skips where neither exists."""
    try:
        shared = request.getfixturevalue("shared_data")
    except pytest.skip.Exception:  # no ../shared/data here: Debian's copy may still be installed
        shared = None
    folder = _fashion_dir(shared)
    if folder is None:
        pytest.skip("Fashion-MNIST not found in ../shared/data or /usr/share/datasets")
    return folder


@pytest.fixture(scope="session")
def fashion(fashion_dir):
    """The real Fashion-MNIST, parsed once per session: {"train": ..., "test": ...}."""
    return {split: FashionMNIST(root=fashion_dir, train=split == "train") for split in ("train", "test")}


@pytest.fixture
def server():
    local = LocalServer()
    yield local
    local.close()
