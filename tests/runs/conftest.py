"""A tiny finished run (two_layer_net, 300 images, 2 epochs: about a second), trained once and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runs_helpers import TINY

from scratchgrad.cli import main


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finished") / "run"
    assert main(["train", *TINY, "--epochs", "2", "--out", str(folder)]) == 0
    return folder


@pytest.fixture
def run_dir(finished_run, tmp_path) -> Path:
    """A private copy of the finished run, free to damage."""
    return Path(shutil.copytree(finished_run, tmp_path / "run"))
