"""The fault suite's fixtures: the command run in-process, its one-line refusals, and a small trained run."""

from __future__ import annotations

from typing import Callable

import pytest

from scratchgrad.cli import main


@pytest.fixture
def cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """``cli("predict", run, path)`` -> (exit status, stdout, stderr) of the scratchgrad command, in-process."""

    def run(*argv: object) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def refused(cli) -> Callable[..., str]:
    """``refused(*argv)`` runs the command, checks it refused (status 2, one line on stderr, no traceback, nothing
    on stdout) and returns that line."""

    def check(*argv: object) -> str:
        code, out, err = cli(*argv)
        assert (code, out) == (2, ""), (code, out, err)
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
        return err

    return check


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """A run folder of the two-layer net after one epoch on 3,000 MNIST images (about 90% test accuracy)."""
    folder = tmp_path_factory.mktemp("faults-run")
    argv = ["train", "--model", "two_layer_net", "--epochs", "1", "--limit", "3000", "--batch-size", "50", "--lr",
            "0.01", "--out", str(folder), "--no-progress"]
    assert main(argv) == 0
    return folder
