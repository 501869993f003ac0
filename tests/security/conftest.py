"""The security tests reuse the data tests' file builders and local server (tests/data/datafiles.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

import pytest  # noqa: E402 (after the path it is found through)
from datafiles import LocalServer  # noqa: E402


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1 (see tests/data/datafiles.py for its modes)."""
    local = LocalServer()
    yield local
    local.close()
