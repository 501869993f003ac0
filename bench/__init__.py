"""Benchmarks against PyTorch, run by hand (``python -m bench``), never in CI."""
