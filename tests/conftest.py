"""Shared fixtures: a seeded generator, PyTorch as an oracle (skipped cleanly where it is missing), real data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import scratchgrad as sg

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed_everything():
    sg.manual_seed(0)
    yield


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the oracle; tests that take this fixture skip where it is not installed."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(int(os.environ.get("SCRATCHGRAD_TEST_THREADS", "1")))
    return torch


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (the real MNIST and Fashion-MNIST); tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    return SHARED_DATA
