"""Shared fixtures: a seeded generator, PyTorch as an oracle (skipped cleanly where it is missing), real data, and
every test kept away from the user's $SCRATCHGRAD_DATA and ~/.cache/scratchgrad."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.data import sources

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _isolate(mp: pytest.MonkeyPatch, cache: Path) -> None:
    mp.delenv(sources.ENV_VAR, raising=False)
    mp.setenv("XDG_CACHE_HOME", str(cache))


@pytest.fixture(scope="session", autouse=True)
def _no_user_data_for_shared_fixtures(tmp_path_factory):
    """Session- and module-scoped fixtures (a trained run, parsed MNIST) see an empty cache and no $SCRATCHGRAD_DATA."""
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, tmp_path_factory.mktemp("empty-cache"))
        yield


@pytest.fixture(autouse=True)
def isolated_data_dirs(tmp_path_factory, monkeypatch) -> Path:
    """Each test gets a fresh, empty data cache (returned: $XDG_CACHE_HOME/scratchgrad) and no $SCRATCHGRAD_DATA.

    So what a test downloads or writes there cannot reach another test, and the user's data reaches none.
    """
    cache = tmp_path_factory.mktemp("xdg-cache")
    _isolate(monkeypatch, cache)
    return cache / "scratchgrad"


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


@pytest.fixture(scope="session")
def keras3():
    """The Keras face's oracle: Keras 3 (``import keras``) on PyTorch's CPU backend, skipped where it is not
    installed; the variable must be set before keras is first imported."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras 3 runs on the {keras.backend.backend()!r} backend here; the oracle tests need 'torch'")
    return keras
