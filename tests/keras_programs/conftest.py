"""The Keras face's oracle: real Keras 3 on PyTorch's CPU backend, skipped cleanly where it is not installed."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def keras3():
    """Keras 3 (``import keras``) on the torch backend; the variable must be set before keras is first imported."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras 3 runs on the {keras.backend.backend()!r} backend here; the oracle tests need 'torch'")
    return keras
