"""``torch.cuda``'s questions: is a GPU usable here, how many, and seeding their generators."""

from __future__ import annotations

from . import backend


def is_available() -> bool:
    """Whether CUDA tensors can be made: CuPy is installed and sees at least one GPU."""
    return device_count() > 0


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CuPy or without a GPU)."""
    try:
        return int(backend.load_cupy().cuda.runtime.getDeviceCount())
    except Exception:  # no CuPy, or CuPy without a driver: no GPU to use
        return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator (scratchgrad keeps one generator per process; ``manual_seed`` seeds it)."""
    backend.manual_seed(seed)


manual_seed_all = manual_seed
