"""Benchmarks against PyTorch, run by hand (``python -m bench``), never in CI."""

import scratchgrad  # noqa: F401  (first, before NumPy: it sets OpenBLAS's thread wait, see its __init__)
