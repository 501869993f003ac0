"""Small datasets in torchvision's own folder layout, written for the vision tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratchgrad.data import write_idx


def write_torchvision_fashion(root: Path, n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """root/FashionMNIST/raw/ with both splits of ``n`` random images, as torchvision's download leaves it."""
    rng = np.random.default_rng(seed)
    images, labels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix in ("train", "t10k"):
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return images, labels


@pytest.fixture
def tv_fashion(tmp_path):
    """(root, images, labels) of a 12-image Fashion-MNIST in torchvision's layout."""
    return (tmp_path, *write_torchvision_fashion(tmp_path))
