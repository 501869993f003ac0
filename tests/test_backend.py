"""backend.keep_freed_memory: the mallopt calls it makes, and SCRATCHGRAD_KEEP_FREED_MEMORY honoured at import.

Each case imports scratchgrad in a fresh interpreter whose ctypes hands back a recorder for glibc, so the test
sees exactly which mallopt(param, value) calls were made without changing this process's allocator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
KEEP = [[M_MMAP_THRESHOLD, 2**28], [M_TRIM_THRESHOLD, 2**30]]
RELEASE = [[M_MMAP_THRESHOLD, 2**17], [M_TRIM_THRESHOLD, 2**17]]

RECORD_MALLOPT = """
import ctypes, json, sys
calls = []
class Libc:
    def mallopt(self, param, value):
        calls.append([param, value])
        return 1
real = ctypes.CDLL
ctypes.CDLL = lambda name, *args, **kwargs: Libc() if name == "libc.so.6" else real(name, *args, **kwargs)
import scratchgrad.backend as backend
at_import = list(calls)
calls.clear()
applied = backend.keep_freed_memory(sys.argv[1] == "keep")
print(json.dumps({"at_import": at_import, "call": calls, "applied": applied}))
"""


def mallopt_calls(env_value: str | None, keep: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SCRATCHGRAD_KEEP_FREED_MEMORY"}
    if env_value is not None:
        env["SCRATCHGRAD_KEEP_FREED_MEMORY"] = env_value
    done = subprocess.run([sys.executable, "-c", RECORD_MALLOPT, "keep" if keep else "release"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's, on Linux only")


@pytest.mark.parametrize(("env_value", "expected"), [(None, KEEP), ("1", KEEP), ("0", [])])
def test_import_keeps_freed_memory_unless_the_variable_is_0(env_value, expected):
    assert mallopt_calls(env_value, keep=True)["at_import"] == expected


@pytest.mark.parametrize(("keep", "expected"), [(True, KEEP), (False, RELEASE)])
def test_keep_freed_memory_raises_or_restores_glibcs_thresholds(keep, expected):
    result = mallopt_calls("0", keep)
    assert result["call"] == expected and result["applied"] is True
