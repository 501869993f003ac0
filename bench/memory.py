"""``python -m bench.memory ours|torch STEPS``: peak resident memory (MB) of workload 1 in a fresh process.

Printed: the peak RSS of the whole run minus the RSS right after the imports (both sides import PyTorch and
scratchgrad, so neither library's fixed cost counts). What remains is the data (the same for both sides), the
model, and everything training allocates, including any allocator caches kept between steps.
"""

from __future__ import annotations

import sys


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident so far) from /proc/self/status, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def main() -> None:
    side, steps = sys.argv[1], int(sys.argv[2])
    import torch

    import scratchgrad as sg
    from bench import workloads as w
    from scratchgrad import models, optim
    from scratchgrad.models import torch_twins

    baseline = status_mb("VmRSS")
    sg.manual_seed(0)
    ours = models.get("simple_convnet")
    batches = w.mnist_batches(100, steps)
    if side == "ours":
        run = w.training_loop(ours, optim.Adam(ours.parameters(), lr=1e-3), batches)
    else:
        twin = torch_twins.build("simple_convnet")
        w.copy_weights(ours, twin, torch)
        run = w.torch_training_loop(torch, twin, torch.optim.Adam(twin.parameters(), lr=1e-3), batches)
    run(steps)
    print(f"{status_mb('VmHWM') - baseline:.1f}")


if __name__ == "__main__":
    main()
