"""Helpers of the run-folder tests: the CLI in this process, and the shape of a refusal."""

from __future__ import annotations

import pytest

from scratchgrad.cli import main

TINY = ["--model", "two_layer_net", "--limit", "300", "--batch-size", "100", "--no-progress"]


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """Run ``scratchgrad ARGV`` in this process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    """The single error line of a refused command (exit status 2, no traceback)."""
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err)
    return lines[0]
