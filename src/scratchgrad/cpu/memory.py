"""Keep large freed blocks in the process: glibc's ``mallopt`` thresholds, set when scratchgrad is imported.

A training step allocates the same large arrays every iteration (unfolded convolution columns, activations). By
default glibc returns blocks above ~32 MB to the kernel, so the next step pays for fresh pages that the kernel
must zero and map on first touch; PyTorch's CPU allocator caches blocks for the same reason. The cost is that a
process keeps up to 1 GB of freed memory mapped. ``docs/performance.md`` has the measurements.
"""

from __future__ import annotations

import ctypes
import os
import sys


def keep_freed_memory(enable: bool = True) -> bool:
    """Ask glibc's malloc to keep large freed blocks for reuse (``enable=False`` restores its defaults).

    Called at import unless ``SCRATCHGRAD_KEEP_FREED_MEMORY=0``. Linux with glibc only; returns whether it applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...): leave the allocator alone
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    mmap_limit, trim_limit = (2**28, 2**30) if enable else (2**17, 2**17)
    return bool(libc.mallopt(m_mmap_threshold, mmap_limit)) and bool(libc.mallopt(m_trim_threshold, trim_limit))


if os.environ.get("SCRATCHGRAD_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()
