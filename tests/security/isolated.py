"""Run a reader on a crafted file in a child process: a segfault or an out-of-memory kill then fails the test
(a non-zero exit status) instead of killing pytest, and the child reports its peak memory.

The peak is the child's own: ``VmHWM`` from /proc/self/status where there is one. ``getrusage``'s ru_maxrss
(used elsewhere) carries over from the parent through fork and exec on Linux, so a child of a pytest process
holding MNIST would report pytest's 340 MiB.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass

_SCRIPT = """
import resource, sys
from scratchgrad.data import DatasetError
{setup}
try:
    {call}
except (DatasetError, ValueError) as exc:
    print("error:", exc)
else:
    print("loaded")
try:
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print("peak_mib", int(hwm.split()[1]) // 1024)
except OSError:
    print("peak_mib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@dataclass
class Outcome:
    returncode: int
    message: str      # "error: ..." or "loaded"
    peak_mib: int
    stderr: str


def run_isolated(call: str, setup: str = "", env: dict[str, str] | None = None, limit_s: float = 60) -> Outcome:
    """Run ``call`` (one statement) after ``setup`` in a fresh interpreter; the outcome of the call and peak RSS."""
    code = _SCRIPT.format(setup=textwrap.dedent(setup), call=call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=limit_s, env=env)
    lines = done.stdout.strip().splitlines()
    peak = int(lines[-1].split()[1]) if lines and lines[-1].startswith("peak_mib") else -1
    message = "\n".join(lines[:-1]) if peak >= 0 else done.stdout
    return Outcome(done.returncode, message, peak, done.stderr[-2000:])


def assert_refused(outcome: Outcome, *fragments: str, max_mib: int = 400) -> None:
    """The child exited normally with one error line holding every fragment, within ``max_mib`` of memory."""
    assert outcome.returncode == 0, f"child died with status {outcome.returncode}: {outcome.stderr}"
    assert outcome.message.startswith("error: ") and "\n" not in outcome.message, outcome.message
    for fragment in fragments:
        assert fragment in outcome.message, outcome.message
    assert 0 < outcome.peak_mib <= max_mib, f"peak memory {outcome.peak_mib} MiB"
