"""Where tensors live. Every tensor here is on the CPU (NumPy arrays); other devices are refused by name."""

from __future__ import annotations

from typing import Any


def check_device(device: Any) -> None:
    """Accept None and ``"cpu"``; refuse anything else, saying what is missing for CUDA."""
    if device is None or str(device) == "cpu":
        return
    if str(device).startswith("cuda"):
        raise RuntimeError(
            f"device {str(device)!r}: tensors here live on the CPU only; CUDA needs CuPy and a GPU "
            "(SCRATCHGRAD_BACKEND=cupy runs the whole process on the GPU)"
        )
    raise RuntimeError(f"unknown device {str(device)!r}; expected 'cpu' or 'cuda'")
